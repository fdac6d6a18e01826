/* Unit tests of relay/remb: the REMB packet (built by hand from
 * draft-alvestrand-rmcat-remb-03 §2.2), abs-send-time read and unwrapped,
 * when a REMB is due, and the estimate a publisher is told over a
 * simulated uplink (send times in the sender's abs-send-time clock,
 * arrival times in the relay's). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "relay/remb.h"

#define MS 1000LL
#define S  1000000LL

static void test_build_known_answer(void)
{
	/* 1,000,000 bit/s = 250,000 x 2^2 (the mantissa has 18 bits). */
	static const uint8_t want[] = {
	    0x8f, 0xce, 0x00, 0x06,			    /* V=2 FMT=15, PSFB, 7 words */
	    0x00, 0x00, 0x00, 0x01,			    /* sender SSRC */
	    0x00, 0x00, 0x00, 0x00,			    /* media source: 0 */
	    'R',  'E',	'M',  'B',  0x02, 0x0b, 0xd0, 0x90, /* 2 SSRCs, exp 2, 250000 */
	    0x11, 0x22, 0x33, 0x44, 0xaa, 0xbb, 0xcc, 0xdd,
	};
	const uint32_t ssrcs[] = {0x11223344, 0xaabbccdd};
	uint8_t out[64];

	g_assert_cmpint(relay_remb_build(out, sizeof(out), 1, 1000000, ssrcs, 2), ==, sizeof(want));
	g_assert_cmpmem(out, sizeof(want), want, sizeof(want));
	uint64_t bps = 0;
	g_assert_cmpint(relay_remb_parse(out, sizeof(want), &bps), ==, 0);
	g_assert_cmpuint(bps, ==, 1000000);
	/* Too small a buffer, no SSRC, too many. */
	g_assert_cmpint(relay_remb_build(out, sizeof(want) - 1, 1, 1000000, ssrcs, 2), ==, -ENOSPC);
	g_assert_cmpint(relay_remb_build(out, sizeof(out), 1, 1000000, ssrcs, 0), ==, -EINVAL);
	g_assert_cmpint(relay_remb_build(out, sizeof(out), 1, 1000000, ssrcs, 17), ==, -EINVAL);
}

/* What does not fit 18 bits loses its low bits, never its magnitude. */
static void test_build_rounds_down(void)
{
	const uint32_t ssrc = 5;
	uint8_t out[32];
	uint64_t bps = 0;

	for (uint64_t v = 1; v < 40000000000ull; v = v * 3 + 7) {
		int len = relay_remb_build(out, sizeof(out), 1, v, &ssrc, 1);
		g_assert_cmpint(len, ==, 24);
		g_assert_cmpint(relay_remb_parse(out, (size_t)len, &bps), ==, 0);
		g_assert_cmpuint(bps, <=, v);
		g_assert_cmpuint(bps, >=, v - v / 100000);
	}
}

static void test_parse_compound_and_malformed(void)
{
	uint8_t buf[64] = {
	    0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, /* an empty receiver report */
	};
	const uint32_t ssrc = 5;
	uint64_t bps = 0;
	int len = relay_remb_build(buf + 8, sizeof(buf) - 8, 1, 640000, &ssrc, 1);

	g_assert_cmpint(relay_remb_parse(buf, 8 + (size_t)len, &bps), ==, 0);
	g_assert_cmpuint(bps, ==, 640000);
	g_assert_cmpint(relay_remb_parse(buf, 8, &bps), ==, -ENOENT);
	/* A length past the end; a count of SSRCs past the packet. */
	g_assert_cmpint(relay_remb_parse(buf, 8 + (size_t)len - 4, &bps), ==, -EINVAL);
	buf[8 + 16] = 3;
	g_assert_cmpint(relay_remb_parse(buf, 8 + (size_t)len, &bps), ==, -EINVAL);
	/* The largest exponent: no overflow. */
	buf[8 + 16] = 1;
	buf[8 + 17] = 0xff;
	g_assert_cmpint(relay_remb_parse(buf, 8 + (size_t)len, &bps), ==, 0);
	g_assert_cmpuint(bps, ==, UINT64_MAX);
}

/* An RTP packet with one RFC 8285 one-byte element: id, 3 bytes. */
static size_t rtp_with_abs(uint8_t *p, uint8_t id, uint32_t abs, size_t payload)
{
	memset(p, 0, 16 + payload);
	p[0] = 0x90; /* V=2, X */
	p[1] = 96;
	p[12] = 0xbe, p[13] = 0xde, p[15] = 1; /* one word */
	p[16] = (uint8_t)(id << 4 | 2);
	p[17] = (uint8_t)(abs >> 16), p[18] = (uint8_t)(abs >> 8), p[19] = (uint8_t)abs;
	return 20 + payload;
}

static void test_abs_send_time(void)
{
	uint8_t pkt[64];
	uint32_t abs = 0;
	size_t len = rtp_with_abs(pkt, 2, 0xabcdef, 10);

	g_assert_cmpint(relay_remb_abs_send_time(pkt, len, 2, &abs), ==, 0);
	g_assert_cmpuint(abs, ==, 0xabcdef);
	g_assert_cmpint(relay_remb_abs_send_time(pkt, len, 3, &abs), ==, -ENOENT);
	pkt[16] = 2 << 4 | 1; /* 2 bytes: not abs-send-time */
	g_assert_cmpint(relay_remb_abs_send_time(pkt, len, 2, &abs), ==, -EINVAL);
}

/* Across the 64 s wrap, and a reordered packet, send times go on. */
static void test_unwrap(void)
{
	static struct relay_remb r;

	memset(&r, 0, sizeof(r));
	relay_remb_on_packet(&r, 0xfffff0, 1000, 0);
	relay_remb_on_packet(&r, 0x000010, 1000, 1);
	relay_remb_on_packet(&r, 0xfffff8, 1000, 2);
	g_assert_cmpuint(r.n, ==, 3);
	g_assert_cmpint(r.batch[0].send_us, ==, 0);
	/* 0x20 ticks of 2^-18 s: 122 µs */
	g_assert_cmpint(r.batch[1].send_us, ==, 0x20 * 1000000LL / 262144);
	g_assert_cmpint(r.batch[2].send_us, ==, 8 * 1000000LL / 262144);
}

/* A publisher that would send send_bps (1,200-byte packets) and sends
 * what it was last told if less (from 1 Mbit/s, its start, until told
 * anything; as Chromium obeys REMB), through a bottleneck of link_bps with
 * a drop-tail queue of 300 ms, 20 ms one way; the relay updates every
 * 50 ms. Returns the last REMB told, and the lowest and highest told
 * after settle_us. */
static uint32_t simulate(uint32_t send_bps, uint32_t link_bps, int64_t run_us, int64_t settle_us,
			 uint32_t *ret_lo, uint32_t *ret_hi)
{
	static struct relay_remb r;
	static const struct relay_bwe_config cfg = {0};
	const int64_t tx_us = 1200 * 8 * S / link_bps;
	int64_t link_free = 0, next_update = 50 * MS;
	uint32_t last = 0, lo = UINT32_MAX, hi = 0, rate = send_bps < 1000000 ? send_bps : 1000000;

	memset(&r, 0, sizeof(r));
	for (int64_t t = 0; t < run_us; t += 1200 * 8 * S / rate) {
		while (next_update <= t) {
			uint32_t told = relay_remb_update(&r, &cfg, next_update);
			if (told) {
				last = told;
				rate = told < send_bps ? told : send_bps;
				if (next_update >= settle_us) {
					lo = told < lo ? told : lo;
					hi = told > hi ? told : hi;
				}
			}
			next_update += 50 * MS;
		}
		int64_t start = link_free > t ? link_free : t;
		if (start - t > 300 * MS)
			continue; /* the queue is full: dropped */
		link_free = start + tx_us;
		uint32_t abs = (uint32_t)((t + 5 * S) * 262144 / S) & 0xffffff;
		if (relay_remb_on_packet(&r, abs, 1200, 123 * S + link_free + 20 * MS))
			relay_remb_update(&r, &cfg, t);
	}
	*ret_lo = lo;
	*ret_hi = hi;
	return last;
}

/* Sending 1.5 Mbit/s into 500 kbit/s: told less than the link within
 * seconds, and never above it once settled. */
static void test_estimate_bottleneck(void)
{
	uint32_t lo, hi;
	uint32_t last = simulate(1500000, 500000, 30 * S, 10 * S, &lo, &hi);

	g_test_message("500 kbit/s link: last %u, %u..%u after 10 s", last, lo, hi);
	g_assert_cmpuint(hi, <=, 600000);
	g_assert_cmpuint(lo, >=, 250000);
}

/* Sending 800 kbit/s on a 5 Mbit/s link: never told to go below it. */
static void test_estimate_clean(void)
{
	uint32_t lo, hi;
	uint32_t last = simulate(800000, 5000000, 20 * S, 5 * S, &lo, &hi);

	g_test_message("clean link: last %u, %u..%u after 5 s", last, lo, hi);
	g_assert_cmpuint(lo, >=, 800000);
}

/* Due: the first at once, then once a second, sooner on a 3 % drop but
 * not within 200 ms of the last. */
static void test_due(void)
{
	static struct relay_remb r;
	static const struct relay_bwe_config cfg = {.initial_bps = 1000000};

	memset(&r, 0, sizeof(r));
	g_assert_cmpuint(relay_remb_update(&r, &cfg, 1 * S), ==, 0); /* nothing noted */
	relay_remb_on_packet(&r, 1, 1000, 1 * S);
	g_assert_cmpuint(relay_remb_update(&r, &cfg, 1 * S), ==, 1000000);
	relay_remb_on_packet(&r, 2, 1000, 1 * S + 50 * MS);
	g_assert_cmpuint(relay_remb_update(&r, &cfg, 1 * S + 50 * MS), ==, 0);
	r.sent_bps = 2000000; /* as if the estimate had fallen from there */
	relay_remb_on_packet(&r, 3, 1000, 1 * S + 100 * MS);
	g_assert_cmpuint(relay_remb_update(&r, &cfg, 1 * S + 100 * MS), ==, 0);
	relay_remb_on_packet(&r, 4, 1000, 1 * S + 250 * MS);
	g_assert_cmpuint(relay_remb_update(&r, &cfg, 1 * S + 250 * MS), ==, 1000000);
	relay_remb_on_packet(&r, 5, 1000, 2 * S + 250 * MS);
	g_assert_cmpuint(relay_remb_update(&r, &cfg, 2 * S + 250 * MS), ==, 1000000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/remb/build-known-answer", test_build_known_answer);
	g_test_add_func("/remb/build-rounds-down", test_build_rounds_down);
	g_test_add_func("/remb/parse-compound-and-malformed", test_parse_compound_and_malformed);
	g_test_add_func("/remb/abs-send-time", test_abs_send_time);
	g_test_add_func("/remb/unwrap", test_unwrap);
	g_test_add_func("/remb/estimate-bottleneck", test_estimate_bottleneck);
	g_test_add_func("/remb/estimate-clean", test_estimate_clean);
	g_test_add_func("/remb/due", test_due);
	return g_test_run();
}
