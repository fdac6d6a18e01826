/* Unit tests of live/speaker: the active speaker decided from sequences
 * of level reports as the relay sends them (one per participant heard,
 * every ~250 ms): nobody until someone speaks, the first speaker at once,
 * a speaker holding the floor through pauses and short interruptions, a
 * takeover only by someone clearly louder for long enough, silence (and
 * DTX: no reports) keeping the last speaker, departures and mutes, the
 * announcement rate limit, and more participants than it remembers. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "live/speaker.h"

#define MS     1000LL
#define REPORT (250 * MS)

/* Reports for [from, to) every 250 ms: a at level_a, b at level_b (a
 * negative level: not heard, no report); decides after each round.
 * Returns how many times the speaker changed. */
static int feed(struct sig_speaker *sp, int64_t from, int64_t to, int level_a, int level_b)
{
	int changes = 0;

	for (int64_t t = from; t < to; t += REPORT) {
		if (level_a >= 0)
			sig_speaker_heard(sp, "p-aaaa", (unsigned)level_a, t);
		if (level_b >= 0)
			sig_speaker_heard(sp, "p-bbbb", (unsigned)level_b, t + 10 * MS);
		changes += sig_speaker_decide(sp, t + 10 * MS);
	}
	return changes;
}

static const char *current(const struct sig_speaker *sp)
{
	const char *id = sig_speaker_current(sp);

	return id ? id : "";
}

static void test_first_speaker(void)
{
	struct sig_speaker sp;
	const char *id = "x";

	sig_speaker_init(&sp);
	/* Silence and background noise: nobody. */
	g_assert_cmpint(feed(&sp, 0, 3000 * MS, 0, 60), ==, 0);
	g_assert_null(sig_speaker_current(&sp));
	g_assert_false(sig_speaker_announce_due(&sp, 3000 * MS, &id));
	/* b speaks (-20 dBov: 30 dB above the floor): at once. */
	g_assert_cmpint(feed(&sp, 3000 * MS, 3250 * MS, 0, 3000), ==, 1);
	g_assert_cmpstr(current(&sp), ==, "p-bbbb");
	g_assert_true(sig_speaker_announce_due(&sp, 3260 * MS, &id));
	g_assert_cmpstr(id, ==, "p-bbbb");
	g_assert_false(sig_speaker_announce_due(&sp, 3500 * MS, &id));
	/* Long silence everywhere (reports of nothing, then none at all: DTX):
	 * b stays the speaker. */
	g_assert_cmpint(feed(&sp, 3250 * MS, 6000 * MS, 0, 0), ==, 0);
	g_assert_cmpint(feed(&sp, 6000 * MS, 20000 * MS, -1, -1), ==, 0);
	g_assert_cmpstr(current(&sp), ==, "p-bbbb");
}

static void test_takeover(void)
{
	struct sig_speaker sp;

	sig_speaker_init(&sp);
	g_assert_cmpint(feed(&sp, 0, 2000 * MS, 1500, 0), ==, 1);
	g_assert_cmpstr(current(&sp), ==, "p-aaaa");
	/* b interrupts, much louder, for 250 ms: a keeps the floor. */
	g_assert_cmpint(feed(&sp, 2000 * MS, 2250 * MS, 1500, 4000), ==, 0);
	g_assert_cmpint(feed(&sp, 2250 * MS, 4000 * MS, 1500, 0), ==, 0);
	g_assert_cmpstr(current(&sp), ==, "p-aaaa");
	/* Both talk, b a little louder (not by half again): a stays. */
	g_assert_cmpint(feed(&sp, 4000 * MS, 8000 * MS, 1500, 1900), ==, 0);
	g_assert_cmpstr(current(&sp), ==, "p-aaaa");
	/* a stops, b goes on: b takes over, after its takeover time and
	 * within ~1.5 s. */
	int64_t t = 8000 * MS;
	while (strcmp(current(&sp), "p-bbbb") != 0 && t < 12000 * MS) {
		feed(&sp, t, t + REPORT, 0, 1900);
		t += REPORT;
	}
	g_assert_cmpstr(current(&sp), ==, "p-bbbb");
	g_assert_cmpint(t - 8000 * MS, >=, SIG_SPEAKER_TAKEOVER_US);
	g_assert_cmpint(t - 8000 * MS, <=, 1500 * MS);
	/* a answers at once, loudly: b holds the floor its minimum time. */
	int64_t took = t;
	while (strcmp(current(&sp), "p-aaaa") != 0 && t < 20000 * MS) {
		feed(&sp, t, t + REPORT, 4000, 0);
		t += REPORT;
	}
	g_assert_cmpint(t - took, >=, SIG_SPEAKER_HOLD_US);
	g_assert_cmpint(t - took, <=, SIG_SPEAKER_HOLD_US + 2 * REPORT);
}

static void test_dtx_reads_as_silence(void)
{
	struct sig_speaker sp;

	sig_speaker_init(&sp);
	g_assert_cmpint(feed(&sp, 0, 3000 * MS, 3000, -1), ==, 1);
	/* a's stream goes quiet by sending nothing (DTX); b speaks softly:
	 * a's last loud figure does not count once it is stale. */
	int64_t t = 3000 * MS;
	while (strcmp(current(&sp), "p-bbbb") != 0 && t < 8000 * MS) {
		feed(&sp, t, t + REPORT, -1, 400);
		t += REPORT;
	}
	g_assert_cmpstr(current(&sp), ==, "p-bbbb");
	g_assert_cmpint(t - 3000 * MS, <=,
			SIG_SPEAKER_STALE_US + SIG_SPEAKER_TAKEOVER_US + 2 * REPORT);
}

static void test_forget(void)
{
	struct sig_speaker sp;
	const char *id = "x";

	sig_speaker_init(&sp);
	feed(&sp, 0, 1000 * MS, 3000, 600);
	g_assert_cmpstr(current(&sp), ==, "p-aaaa");
	g_assert_true(sig_speaker_announce_due(&sp, 1000 * MS, &id));
	/* Someone else leaving changes nothing. */
	g_assert_false(sig_speaker_forget(&sp, "p-cccc"));
	g_assert_false(sig_speaker_forget(&sp, ""));
	/* The speaker is muted: nobody, announced once the rate limit
	 * allows; then b, who speaks, without waiting for a hold. */
	g_assert_true(sig_speaker_forget(&sp, "p-aaaa"));
	g_assert_null(sig_speaker_current(&sp));
	g_assert_false(sig_speaker_announce_due(&sp, 1100 * MS, &id));
	g_assert_true(sig_speaker_announce_due(&sp, 1000 * MS + SIG_SPEAKER_ANNOUNCE_US, &id));
	g_assert_null(id);
	g_assert_true(sig_speaker_decide(&sp, 1010 * MS));
	g_assert_cmpstr(current(&sp), ==, "p-bbbb");
	/* a is heard again, as a newcomer (its earlier figure forgotten). */
	sig_speaker_heard(&sp, "p-aaaa", 300, 1700 * MS);
	g_assert_cmpint(sp.candidates[1].score, ==, 100);
	/* The rate limit: a change right after an announcement waits. */
	g_assert_true(sig_speaker_announce_due(&sp, 2000 * MS, &id));
	g_assert_cmpstr(id, ==, "p-bbbb");
	g_assert_true(sig_speaker_forget(&sp, "p-bbbb"));
	g_assert_false(sig_speaker_announce_due(&sp, 2100 * MS, &id));
	g_assert_true(sig_speaker_announce_due(&sp, 2500 * MS, &id));
}

static void test_many(void)
{
	struct sig_speaker sp;
	char id[SIG_SPEAKER_ID_MAX];

	sig_speaker_init(&sp);
	sig_speaker_heard(&sp, "p-speaker", 3000, 0);
	g_assert_true(sig_speaker_decide(&sp, 0));
	/* More participants than remembered, each heard once, softly: the
	 * speaker is never the one replaced. */
	for (int i = 0; i < 3 * SIG_SPEAKER_CANDIDATES; i++) {
		snprintf(id, sizeof(id), "p-%016x", i);
		sig_speaker_heard(&sp, id, 50, (i + 1) * MS);
		g_assert_false(sig_speaker_decide(&sp, (i + 1) * MS));
	}
	g_assert_cmpuint(sp.count, ==, SIG_SPEAKER_CANDIDATES);
	g_assert_cmpstr(current(&sp), ==, "p-speaker");
	/* An id too long to be a participant id is ignored. */
	sig_speaker_heard(&sp, "p-0123456789abcdef0", 3000, 200 * MS);
	g_assert_cmpstr(sp.candidates[0].id, ==, "p-speaker");
	/* Absurd figures are capped, not overflowed. */
	sig_speaker_heard(&sp, "p-speaker", 4000000000u, 300 * MS);
	g_assert_cmpint(sp.candidates[0].score, >, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/live/speaker/first-speaker", test_first_speaker);
	g_test_add_func("/live/speaker/takeover", test_takeover);
	g_test_add_func("/live/speaker/dtx", test_dtx_reads_as_silence);
	g_test_add_func("/live/speaker/forget", test_forget);
	g_test_add_func("/live/speaker/many", test_many);
	return g_test_run();
}
