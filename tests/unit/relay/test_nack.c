/* Unit tests of relay/nack: the NACK generator of a publisher stream
 * (gaps, sequence wrap, first NACK after 10 ms, re-NACK 1.25 RTTs later, the
 * publisher's RTT from NACKs answered at the first try, give
 * up after 10 tries or 2 s, keyframe instead of a large burst). */
#include <glib.h>

#include "relay/nack.h"

#define MS 1000LL

static void test_gap_and_timing(void)
{
	struct relay_nack_gen g = {0};
	uint16_t seqs[RELAY_NACK_MAX_MISSING];
	int64_t t = 1000 * MS;

	/* Across the wrap: 65534, 65535, then 2 (0 and 1 missing). */
	g_assert_cmpuint(relay_nack_on_packet(&g, 65534, t), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(relay_nack_on_packet(&g, 65535, t), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(relay_nack_on_packet(&g, 2, t), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(g.count, ==, 2);
	/* Not before 10 ms. */
	g_assert_cmpuint(relay_nack_due(&g, t + 9 * MS, 0, seqs, 16), ==, 0);
	g_assert_cmpint(relay_nack_next_due(&g, 0), ==, t + 10 * MS);
	g_assert_cmpuint(relay_nack_due(&g, t + 10 * MS, 0, seqs, 16), ==, 2);
	g_assert_cmpuint(seqs[0], ==, 0);
	g_assert_cmpuint(seqs[1], ==, 1);
	/* Again only after a round trip and a quarter (100 ms by default, or
	 * as given). */
	g_assert_cmpuint(relay_nack_due(&g, t + 60 * MS, 0, seqs, 16), ==, 0);
	g_assert_cmpuint(relay_nack_due(&g, t + 72 * MS, 50 * MS, seqs, 16), ==, 0);
	g_assert_cmpuint(relay_nack_due(&g, t + 73 * MS, 50 * MS, seqs, 16), ==, 2);
	g_assert_cmpuint(relay_nack_due(&g, t + 197 * MS, 0, seqs, 16), ==, 0);
	g_assert_cmpuint(relay_nack_due(&g, t + 198 * MS, 0, seqs, 16), ==, 2);
	/* 1 arrives (RTX): recovered, no longer asked for; a duplicate is late. */
	g_assert_cmpuint(relay_nack_on_packet(&g, 1, t + 210 * MS), ==, RELAY_NACK_RECOVERED);
	g_assert_cmpuint(relay_nack_on_packet(&g, 1, t + 211 * MS), ==, RELAY_NACK_LATE);
	g_assert_cmpuint(relay_nack_on_packet(&g, 2, t + 211 * MS), ==, RELAY_NACK_LATE);
	/* Asked for three times: which answer came is unknown, no sample. */
	g_assert_cmpint(g.rtt_us, ==, 0);
	g_assert_cmpuint(relay_nack_due(&g, t + 322 * MS, 0, seqs, 16), ==, 0);
	g_assert_cmpuint(relay_nack_due(&g, t + 323 * MS, 0, seqs, 16), ==, 1);
	g_assert_cmpuint(seqs[0], ==, 0);
	/* cap: only as many as asked for now, the rest stay due. */
	g_assert_cmpuint(relay_nack_on_packet(&g, 10, t + 340 * MS), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(relay_nack_due(&g, t + 460 * MS, 0, seqs, 3), ==, 3);
	g_assert_cmpuint(seqs[0], ==, 0);
	g_assert_cmpuint(seqs[1], ==, 3);
	g_assert_cmpuint(relay_nack_due(&g, t + 460 * MS, 0, seqs, 16), ==, 5);
	g_assert_cmpuint(seqs[0], ==, 5);
}

/* The publisher's round trip, from packets that came after one NACK:
 * the first sample as it is, then smoothed by 1/8; re-NACKs follow it. */
static void test_round_trip(void)
{
	struct relay_nack_gen g = {0};
	uint16_t seqs[8];
	int64_t t = 1000 * MS;

	relay_nack_on_packet(&g, 100, t);
	relay_nack_on_packet(&g, 103, t); /* 101, 102 missing */
	g_assert_cmpuint(relay_nack_due(&g, t + 10 * MS, 0, seqs, 8), ==, 2);
	g_assert_cmpuint(relay_nack_on_packet(&g, 101, t + 90 * MS), ==, RELAY_NACK_RECOVERED);
	g_assert_cmpint(g.rtt_us, ==, 80 * MS);
	/* 102 is asked for again 1.25 x 80 ms after the first NACK. */
	g_assert_cmpint(relay_nack_next_due(&g, 0), ==, t + 110 * MS);
	g_assert_cmpuint(relay_nack_due(&g, t + 109 * MS, 0, seqs, 8), ==, 0);
	g_assert_cmpuint(relay_nack_due(&g, t + 110 * MS, 0, seqs, 8), ==, 1);
	g_assert_cmpuint(relay_nack_on_packet(&g, 102, t + 150 * MS), ==, RELAY_NACK_RECOVERED);
	g_assert_cmpint(g.rtt_us, ==, 80 * MS);	     /* the second try: no sample */
	relay_nack_on_packet(&g, 106, t + 200 * MS); /* 104, 105 */
	g_assert_cmpuint(relay_nack_due(&g, t + 210 * MS, 0, seqs, 8), ==, 2);
	g_assert_cmpuint(relay_nack_on_packet(&g, 104, t + 250 * MS), ==, RELAY_NACK_RECOVERED);
	g_assert_cmpint(g.rtt_us, ==, 80 * MS + (40 * MS - 80 * MS) / 8);
	g_assert_false(g.gave_up); /* everything asked for came */
	/* A keyframe instead of a burst keeps what was measured. */
	relay_nack_clear(&g);
	g_assert_cmpint(g.rtt_us, ==, 75 * MS);
	g_assert_cmpint(relay_nack_rtt_smooth(0, 0), ==, 1);
}

static void test_give_up(void)
{
	struct relay_nack_gen g = {0};
	uint16_t seqs[8];
	int64_t t = 1000 * MS;
	unsigned tries = 0;

	relay_nack_on_packet(&g, 100, t);
	relay_nack_on_packet(&g, 102, t);
	for (int64_t now = t; now < t + 2000 * MS; now += 5 * MS) {
		tries += relay_nack_due(&g, now, 0, seqs, 8);
		/* Said only once it is given up, not while it is asked for. */
		g_assert_true(g.gave_up == (g.count == 0));
	}
	g_assert_cmpuint(tries, ==, RELAY_NACK_MAX_TRIES);
	g_assert_cmpuint(g.count, ==, 0);
	g_assert_true(g.gave_up);
	g_assert_cmpint(relay_nack_next_due(&g, 0), ==, INT64_MAX);
	g.gave_up = false;

	/* With a long RTT, the age limit ends it first. */
	relay_nack_on_packet(&g, 104, t);
	tries = 0;
	for (int64_t now = t; now < t + 3000 * MS; now += 5 * MS)
		tries += relay_nack_due(&g, now, 500 * MS, seqs, 8);
	g_assert_cmpuint(tries, <, RELAY_NACK_MAX_TRIES);
	g_assert_cmpuint(g.count, ==, 0);
	g_assert_true(g.gave_up);
}

static void test_forget_before_keyframe(void)
{
	struct relay_nack_gen g = {0};
	uint16_t seqs[8];
	int64_t t = 1000 * MS;

	/* Across the wrap: 65533, 65534, 1, 2 and 4 missing; a keyframe
	 * starts at 3. */
	relay_nack_on_packet(&g, 65532, t);
	relay_nack_on_packet(&g, 65535, t);
	relay_nack_on_packet(&g, 0, t);
	relay_nack_on_packet(&g, 3, t);
	relay_nack_on_packet(&g, 5, t);
	g_assert_cmpuint(g.count, ==, 5);
	relay_nack_forget_before(&g, 3);
	g_assert_cmpuint(g.count, ==, 1);
	g_assert_cmpuint(relay_nack_due(&g, t + 10 * MS, 0, seqs, 8), ==, 1);
	g_assert_cmpuint(seqs[0], ==, 4);
	/* Forgotten, not given up: no keyframe request follows. */
	relay_nack_forget_before(&g, 5);
	g_assert_cmpuint(g.count, ==, 0);
	g_assert_false(g.gave_up);
}

static void test_keyframe(void)
{
	struct relay_nack_gen g = {0};
	int64_t t = 1000 * MS;

	relay_nack_on_packet(&g, 1000, t);
	/* 100 missing is still repaired; 101 is a keyframe. */
	g_assert_cmpuint(relay_nack_on_packet(&g, 1101, t), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(g.count, ==, 100);
	relay_nack_clear(&g);
	g_assert_cmpuint(relay_nack_on_packet(&g, 1203, t), ==,
			 RELAY_NACK_NEW | RELAY_NACK_KEYFRAME);
	g_assert_cmpuint(g.count, ==, 0);
	/* Many small gaps fill the list: a keyframe too. */
	uint16_t seq = 1203;
	unsigned verdict = 0;
	for (unsigned i = 0; i <= RELAY_NACK_MAX_MISSING && !(verdict & RELAY_NACK_KEYFRAME); i++) {
		seq += 2;
		verdict = relay_nack_on_packet(&g, seq, t);
	}
	g_assert_true(verdict & RELAY_NACK_KEYFRAME);
	g_assert_cmpuint(g.count, ==, 0);
	/* A stream that restarts far behind is followed, not NACKed. */
	g_assert_cmpuint(relay_nack_on_packet(&g, 60000, t), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(relay_nack_on_packet(&g, 60001, t), ==, RELAY_NACK_NEW);
	g_assert_cmpuint(g.count, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/nack/gap-and-timing", test_gap_and_timing);
	g_test_add_func("/relay/nack/give-up", test_give_up);
	g_test_add_func("/relay/nack/round-trip", test_round_trip);
	g_test_add_func("/relay/nack/keyframe", test_keyframe);
	g_test_add_func("/relay/nack/forget-before-keyframe", test_forget_before_keyframe);
	return g_test_run();
}
