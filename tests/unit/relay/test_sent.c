/* Unit tests of relay/sent: the transport-wide sequence number stamped
 * into a subscriber's copy (RFC 8285 one-byte form, after the CSRCs, the
 * payload moved intact), what is noted per packet, lookup across the
 * 16-bit wrap and out of the history, and the refusals; abs-send-time
 * for a REMB subscriber. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "relay/remb.h"
#include "relay/sent.h"
#include "relay/twcc.h"

static void test_stamp(void)
{
	static struct relay_sent_log log;
	/* One CSRC, marker, payload type 96, payload "vp8!". */
	uint8_t pkt[64] = {0x81, 0xe0, 0x12, 0x34, 0, 0, 0,   9,   0xaa, 0xbb,
			   0xcc, 0xdd, 0,    0,	   0, 7, 'v', 'p', '8',	 '!'};
	const uint8_t want[] = {0x91, 0xe0, 0x12, 0x34, 0,   0,	  0,	9,    0xaa, 0xbb,
				0xcc, 0xdd, 0,	  0,	0,   7,	  0xbe, 0xde, 0,    1,
				0x51, 0x00, 0x00, 0x00, 'v', 'p', '8',	'!'};
	size_t len = 20;
	uint16_t seq = 1;

	g_assert_cmpint(relay_sent_stamp(&log, pkt, &len, sizeof(pkt), 1000, 0), ==, -ENOENT);
	g_assert_cmpuint(len, ==, 20);
	log.ext_id = 5;
	g_assert_cmpint(relay_sent_stamp(&log, pkt, &len, 27, 1000, 0), ==, -ENOBUFS);
	g_assert_cmpint(relay_sent_stamp(&log, pkt, &len, sizeof(pkt), 1000, 0), ==, 0);
	g_assert_cmpuint(len, ==, sizeof(want));
	g_assert_cmpmem(pkt, len, want, sizeof(want));
	/* What the subscriber's side reads (the same code reads publishers'). */
	g_assert_cmpint(relay_twcc_ext_seq(pkt, len, 5, &seq), ==, 0);
	g_assert_cmpuint(seq, ==, 0);
	/* Stamped already: left alone. */
	g_assert_cmpint(relay_sent_stamp(&log, pkt, &len, sizeof(pkt), 1000, 0), ==, -EEXIST);
	/* Not RTP, or CSRCs past the end. */
	uint8_t bad[12] = {0x8f};
	len = sizeof(bad);
	g_assert_cmpint(relay_sent_stamp(&log, bad, &len, sizeof(bad), 0, 0), ==, -EINVAL);
	bad[0] = 0x40;
	g_assert_cmpint(relay_sent_stamp(&log, bad, &len, sizeof(bad), 0, 0), ==, -EINVAL);

	struct relay_sent_slot *slot = relay_sent_find(&log, 0);
	g_assert_nonnull(slot);
	g_assert_cmpint(slot->send_us, ==, 1000);
	g_assert_cmpuint(slot->size, ==, sizeof(want) + RELAY_SENT_OVERHEAD);
	g_assert_cmpuint(slot->state, ==, RELAY_SENT_PENDING);
	g_assert_null(relay_sent_find(&log, 1)); /* not sent yet */
}

/* 70,000 packets: numbers wrap; the last RELAY_SENT_HISTORY are found
 * with their times and probe ids, older ones are not. */
static void test_wrap_and_history(void)
{
	static struct relay_sent_log log = {.ext_id = 14};
	uint8_t pkt[64];

	for (int64_t i = 0; i < 70000; i++) {
		size_t len = 12;
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		g_assert_cmpint(relay_sent_stamp(&log, pkt, &len, sizeof(pkt), i * 10, i % 3 == 0),
				==, 0);
		uint16_t seq;
		g_assert_cmpint(relay_twcc_ext_seq(pkt, len, 14, &seq), ==, 0);
		g_assert_cmpuint(seq, ==, (uint16_t)i);
	}
	for (int64_t i = 70000 - RELAY_SENT_HISTORY; i < 70000; i++) {
		struct relay_sent_slot *slot = relay_sent_find(&log, (uint16_t)i);
		g_assert_nonnull(slot);
		g_assert_cmpint(slot->send_us, ==, i * 10);
		g_assert_cmpuint(slot->probe, ==, i % 3 == 0);
	}
	g_assert_null(relay_sent_find(&log, (uint16_t)(70000 - RELAY_SENT_HISTORY - 1)));
	g_assert_null(relay_sent_find(&log, (uint16_t)(70000 - 30000)));
	g_assert_cmpuint(log.stamped, ==, 70000);
}

/* abs-send-time for a REMB subscriber: 6.18 fixed-point seconds of the
 * relay's clock, wrapping at 64 s, as a 3-byte one-byte-form element in
 * one word (no padding), read back by the parser remb.c has for
 * publishers'; refusals as the transport-wide stamp's. */
static void test_stamp_abs(void)
{
	g_assert_cmphex(relay_sent_abs_send_time(0), ==, 0);
	g_assert_cmphex(relay_sent_abs_send_time(1000000), ==, 1u << 18);
	g_assert_cmphex(relay_sent_abs_send_time(500000), ==, 1u << 17);
	g_assert_cmphex(relay_sent_abs_send_time(63999999), ==, 0xffffff);
	g_assert_cmphex(relay_sent_abs_send_time(64000000), ==, 0);
	/* Any clock: no overflow after years (2^18 x this would). */
	int64_t years = (int64_t)40 * 365 * 86400 * 1000000 + 250000;
	g_assert_cmphex(relay_sent_abs_send_time(years), ==,
			relay_sent_abs_send_time(years % 64000000));

	/* One CSRC, marker, payload type 96, payload "vp8!". */
	uint8_t pkt[64] = {0x81, 0xe0, 0x12, 0x34, 0, 0, 0,   9,   0xaa, 0xbb,
			   0xcc, 0xdd, 0,    0,	   0, 7, 'v', 'p', '8',	 '!'};
	/* 1.25 s: 0x050000 (2^18 + 2^16). */
	const uint8_t want[] = {0x91, 0xe0, 0x12, 0x34, 0,   0,	  0,	9,    0xaa, 0xbb,
				0xcc, 0xdd, 0,	  0,	0,   7,	  0xbe, 0xde, 0,    1,
				0x22, 0x05, 0x00, 0x00, 'v', 'p', '8',	'!'};
	size_t len = 20;
	uint32_t abs = 0;

	g_assert_cmpint(relay_sent_stamp_abs(0, pkt, &len, sizeof(pkt), 1250000), ==, -ENOENT);
	g_assert_cmpint(relay_sent_stamp_abs(15, pkt, &len, sizeof(pkt), 1250000), ==, -ENOENT);
	g_assert_cmpint(relay_sent_stamp_abs(2, pkt, &len, 27, 1250000), ==, -ENOBUFS);
	g_assert_cmpuint(len, ==, 20);
	g_assert_cmpint(relay_sent_stamp_abs(2, pkt, &len, sizeof(pkt), 1250000), ==, 0);
	g_assert_cmpmem(pkt, len, want, sizeof(want));
	g_assert_cmpint(relay_remb_abs_send_time(pkt, len, 2, &abs), ==, 0);
	g_assert_cmphex(abs, ==, 0x050000);
	g_assert_cmpint(relay_sent_stamp_abs(2, pkt, &len, sizeof(pkt), 0), ==, -EEXIST);
	uint8_t bad[12] = {0x40};
	len = sizeof(bad);
	g_assert_cmpint(relay_sent_stamp_abs(2, bad, &len, sizeof(bad), 0), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/sent/stamp", test_stamp);
	g_test_add_func("/relay/sent/wrap-and-history", test_wrap_and_history);
	g_test_add_func("/relay/sent/stamp-abs", test_stamp_abs);
	return g_test_run();
}
