/* Unit tests of relay/pace: a subscriber's pacing budget and queue, with
 * the clock passed in. A keyframe burst leaves at the pacing rate, in
 * order; a larger one faster, so that it drains in about
 * RELAY_PACE_DRAIN_US; sound charged to the budget delays the video after
 * it; nothing waits longer than RELAY_PACE_MAX_DELAY_US; a full queue
 * drops its oldest; unpaced (no estimate) nothing waits. */
#include <glib.h>
#include <string.h>

#include "relay/pace.h"

/* An RTP-like packet of len bytes: SSRC ssrc, sequence number seq. */
static void queue_packet(struct relay_pace *p, size_t len, uint32_t ssrc, uint16_t seq, int64_t now,
			 uint32_t *ret_dropped)
{
	uint8_t *d = relay_pace_push(p, len, now, ret_dropped);

	g_assert_nonnull(d);
	memset(d, 0, len);
	d[0] = 0x80;
	d[2] = (uint8_t)(seq >> 8);
	d[3] = (uint8_t)seq;
	d[8] = (uint8_t)(ssrc >> 24);
	d[9] = (uint8_t)(ssrc >> 16);
	d[10] = (uint8_t)(ssrc >> 8);
	d[11] = (uint8_t)ssrc;
}

static uint16_t seq_of(const struct relay_pace_packet *pkt)
{
	return (uint16_t)(pkt->data[2] << 8 | pkt->data[3]);
}

static void test_unpaced(void)
{
	static struct relay_pace p;
	uint32_t dropped;

	relay_pace_init(&p);
	/* No estimate: everything may go at once. */
	for (int i = 0; i < 100; i++) {
		g_assert_true(relay_pace_may_send(&p, 1000));
		relay_pace_spent(&p, 1200);
	}
	/* Something queued (the estimate went away meanwhile) goes at the
	 * next wake, and nothing overtakes it. */
	queue_packet(&p, 1200, 7, 1, 1000, &dropped);
	g_assert_false(relay_pace_may_send(&p, 1000));
	g_assert_cmpint(relay_pace_wake_us(&p, 1000), ==, 1000 + RELAY_PACE_STEP_MIN_US);
	g_assert_nonnull(relay_pace_next(&p, 1000, &dropped));
	relay_pace_pop(&p);
	g_assert_true(relay_pace_may_send(&p, 1000));
	g_assert_cmpint(relay_pace_wake_us(&p, 1000), ==, INT64_MAX);
}

/* A 30 KB keyframe (25 packets) arriving at once to a subscriber
 * estimated at 600 kbit/s: the first goes at once, the others wait and
 * leave in order, never faster than the pacing rate (plus one packet and
 * the burst allowance), and all within RELAY_PACE_MAX_DELAY_US. */
static void test_keyframe_burst(void)
{
	static struct relay_pace p;
	const uint32_t rate = 600000 * RELAY_PACE_FACTOR_TENTHS / 10;
	const size_t len = 1200;
	int64_t now = 5000000, start = now, last_sent = 0;
	uint32_t dropped;
	uint64_t sent_bytes = 0;
	uint16_t next_seq = 1;

	relay_pace_init(&p);
	relay_pace_set_estimate(&p, 600000, now);
	g_assert_cmpuint(p.rate_bps, ==, rate);
	for (uint16_t s = 0; s < 25; s++) {
		if (relay_pace_may_send(&p, now)) {
			g_assert_cmpuint(s, ==, 0); /* only the first */
			relay_pace_spent(&p, len);
			sent_bytes += len;
			next_seq = s + 1;
			continue;
		}
		queue_packet(&p, len, 42, s, now, &dropped);
		g_assert_cmpuint(dropped, ==, 0);
	}
	g_assert_cmpuint(p.count, ==, 24);
	/* The worker's loop: wakes when the queue asks, sends what is due. */
	while (p.count) {
		int64_t wake = relay_pace_wake_us(&p, now);
		g_assert_cmpint(wake - now, >=, RELAY_PACE_STEP_MIN_US);
		g_assert_cmpint(wake - now, <=, RELAY_PACE_STEP_MAX_US);
		now = wake;
		struct relay_pace_packet *pkt;
		while ((pkt = relay_pace_next(&p, now, &dropped))) {
			g_assert_cmpuint(seq_of(pkt), ==, next_seq);
			next_seq++;
			relay_pace_spent(&p, pkt->len);
			sent_bytes += pkt->len;
			last_sent = now;
			relay_pace_pop(&p);
		}
		g_assert_cmpuint(dropped, ==, 0);
		/* Never ahead of the rate. */
		uint64_t allowed = (uint64_t)rate * (uint64_t)(now - start) / 8000000 + len +
				   (uint64_t)rate * RELAY_PACE_BURST_US / 8000000;
		g_assert_cmpuint(sent_bytes, <=, allowed);
	}
	g_assert_cmpuint(next_seq, ==, 25);
	/* 30 KB at 1.2 Mbit/s: ~200 ms, not a burst, not much longer. */
	g_assert_cmpint(last_sent - start, >=, 180000);
	g_assert_cmpint(last_sent - start, <=, 215000);
	g_assert_cmpint(last_sent - start, <, RELAY_PACE_DRAIN_US);
}

/* A 90 KB keyframe (75 packets) to the same subscriber: at the pacing rate
 * it would take 600 ms and its tail would be dropped; the rate rises so
 * that the queue drains in about RELAY_PACE_DRAIN_US, and nothing is. */
static void test_large_keyframe(void)
{
	static struct relay_pace p;
	int64_t now = 5000000, start = now, last_sent = 0;
	uint32_t dropped;
	unsigned sent = 0;

	relay_pace_init(&p);
	relay_pace_set_estimate(&p, 600000, now);
	relay_pace_spent(&p, 1200); /* the first went at once */
	for (uint16_t s = 1; s < 75; s++) {
		g_assert_false(relay_pace_may_send(&p, now));
		queue_packet(&p, 1200, 42, s, now, &dropped);
	}
	g_assert_cmpuint(p.queued_bytes, ==, 74 * 1200);
	while (p.count) {
		now = relay_pace_wake_us(&p, now);
		struct relay_pace_packet *pkt;
		while ((pkt = relay_pace_next(&p, now, &dropped))) {
			g_assert_cmpuint(seq_of(pkt), ==, sent + 1);
			relay_pace_spent(&p, pkt->len);
			relay_pace_pop(&p);
			sent++;
			last_sent = now;
		}
		g_assert_cmpuint(dropped, ==, 0);
	}
	g_assert_cmpuint(sent, ==, 74);
	g_assert_cmpuint(p.queued_bytes, ==, 0);
	/* Faster than the pacing rate (600 ms), still spread out. */
	g_assert_cmpint(last_sent - start, <, RELAY_PACE_MAX_DELAY_US);
	g_assert_cmpint(last_sent - start, >, RELAY_PACE_DRAIN_US);
}

/* Sound goes at once but is charged: the video after it waits. */
static void test_audio_charged(void)
{
	static struct relay_pace p;
	int64_t now = 1000000;
	uint32_t dropped;

	relay_pace_init(&p);
	relay_pace_set_estimate(&p, 600000, now); /* 150 bytes a millisecond */
	g_assert_true(relay_pace_may_send(&p, now));
	for (int i = 0; i < 10; i++)
		relay_pace_spent(&p, 150); /* 10 ms of the rate */
	g_assert_false(relay_pace_may_send(&p, now));
	queue_packet(&p, 1000, 9, 1, now, &dropped);
	g_assert_null(relay_pace_next(&p, now + 5000, &dropped));
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_nonnull(relay_pace_next(&p, now + 10000, &dropped));
	relay_pace_pop(&p);
	/* The debt is bounded: a long stretch of sound does not starve video
	 * for more than RELAY_PACE_MAX_DEBT_US. */
	now += 10000;
	for (int i = 0; i < 10000; i++)
		relay_pace_spent(&p, 1500);
	queue_packet(&p, 1000, 9, 2, now + RELAY_PACE_MAX_DEBT_US - 200000, &dropped);
	g_assert_null(relay_pace_next(&p, now + RELAY_PACE_MAX_DEBT_US - 1000, &dropped));
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_nonnull(relay_pace_next(&p, now + RELAY_PACE_MAX_DEBT_US, &dropped));
}

/* Idle, the budget saves up a short burst only. */
static void test_burst_cap(void)
{
	static struct relay_pace p;
	int64_t now = 1000000;
	unsigned at_once = 0;

	relay_pace_init(&p);
	relay_pace_set_estimate(&p, 4000000, now); /* 8 Mbit/s: 5 KB in 5 ms */
	now += 2000000;				   /* idle for 2 s */
	while (relay_pace_may_send(&p, now) && at_once < 100) {
		relay_pace_spent(&p, 1000);
		at_once++;
	}
	g_assert_cmpuint(at_once, ==, 6); /* 5 KB saved, and one into debt */
}

/* Late video is dropped, oldest first, its SSRC told; so is the oldest
 * of a full queue; a packet too large is refused. */
static void test_drops(void)
{
	static struct relay_pace p;
	int64_t now = 1000000;
	uint32_t dropped;

	relay_pace_init(&p);
	relay_pace_set_estimate(&p, 100000, now);
	relay_pace_spent(&p, 100000); /* deep in debt: nothing may go */
	queue_packet(&p, 1000, 0x11111111, 1, now, &dropped);
	queue_packet(&p, 1000, 0x22222222, 2, now + 100000, &dropped);
	g_assert_null(relay_pace_next(&p, now + RELAY_PACE_MAX_DELAY_US - 10000, &dropped));
	g_assert_cmpuint(dropped, ==, 0); /* in debt still */
	g_assert_null(relay_pace_next(&p, now + RELAY_PACE_MAX_DELAY_US + 1, &dropped));
	g_assert_cmphex(dropped, ==, 0x11111111);
	g_assert_cmpuint(p.count, ==, 1);
	g_assert_cmpuint(p.queued_bytes, ==, 1000);
	g_assert_nonnull(relay_pace_next(&p, now + RELAY_PACE_MAX_DELAY_US + 1, &dropped));
	g_assert_cmpuint(dropped, ==, 0); /* the other one is not late */
	g_assert_cmpuint(relay_pace_flush(&p), ==, 1);
	g_assert_cmpuint(p.queued_bytes, ==, 0);

	for (unsigned i = 0; i < RELAY_PACE_SLOTS; i++) {
		queue_packet(&p, 100, 1000 + i, (uint16_t)i, now, &dropped);
		g_assert_cmpuint(dropped, ==, 0);
	}
	queue_packet(&p, 100, 5, 999, now, &dropped);
	g_assert_cmpuint(dropped, ==, 1000); /* the oldest made room */
	g_assert_cmpuint(p.count, ==, RELAY_PACE_SLOTS);
	/* 2 + 128 + 1 queued; late, full, flushed: 3 dropped. */
	g_assert_cmpuint(p.queued_total, ==, 2 + RELAY_PACE_SLOTS + 1);
	g_assert_cmpuint(p.dropped_total, ==, 3);
	g_assert_null(relay_pace_push(&p, RELAY_PACE_PACKET_MAX + 1, now, &dropped));
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_cmpuint(p.count, ==, RELAY_PACE_SLOTS);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/pace/unpaced", test_unpaced);
	g_test_add_func("/relay/pace/keyframe-burst", test_keyframe_burst);
	g_test_add_func("/relay/pace/large-keyframe", test_large_keyframe);
	g_test_add_func("/relay/pace/audio-charged", test_audio_charged);
	g_test_add_func("/relay/pace/burst-cap", test_burst_cap);
	g_test_add_func("/relay/pace/drops", test_drops);
	return g_test_run();
}
