/* Unit tests of relay/simulcast: VP8 descriptor ids, which encoding's
 * packets go to a subscriber, switches only at the target's keyframe, and
 * the rewriting that makes them one stream (sequence numbers, timestamps,
 * picture ids and TL0PICIDX going on across a switch). */
#include <glib.h>
#include <string.h>

#include "relay/rtp.h"
#include "relay/simulcast.h"

#define GROUP_SSRC 0x5151u

/* An RTP packet of encoding `layer` (SSRC 100 + layer): VP8 with a 15-bit
 * picture id and a TL0PICIDX; a keyframe's first packet when key. */
static size_t make(uint8_t *p, uint16_t seq, uint32_t ts, unsigned layer, uint16_t pic, uint8_t tl0,
		   bool key)
{
	uint32_t ssrc = 100 + layer;
	uint8_t head[] = {0x80,
			  0x60,
			  (uint8_t)(seq >> 8),
			  (uint8_t)seq,
			  (uint8_t)(ts >> 24),
			  (uint8_t)(ts >> 16),
			  (uint8_t)(ts >> 8),
			  (uint8_t)ts,
			  (uint8_t)(ssrc >> 24),
			  (uint8_t)(ssrc >> 16),
			  (uint8_t)(ssrc >> 8),
			  (uint8_t)ssrc,
			  0x90, /* X, S, PID 0 */
			  0xc0, /* I, L */
			  (uint8_t)(0x80 | pic >> 8),
			  (uint8_t)pic,
			  tl0,
			  key ? 0x00 : 0x01, /* VP8 payload header: P */
			  0xaa,
			  0xbb};
	memcpy(p, head, sizeof(head));
	return sizeof(head);
}

struct sent {
	uint16_t seq;
	uint32_t ts, ssrc;
	uint16_t pic;
	uint8_t tl0;
};

/* Offers a packet; when accepted, rewrites it and says what was sent. */
static bool offer(struct relay_simulcast_out *s, uint16_t seq, uint32_t ts, unsigned layer,
		  uint16_t pic, uint8_t tl0, bool key, int64_t now, struct sent *ret)
{
	uint8_t p[64];
	size_t len = make(p, seq, ts, layer, pic, tl0, key);
	struct relay_rtp_header h;
	struct relay_vp8_ids ids;

	g_assert_cmpint(relay_rtp_parse(p, len, &h), ==, 0);
	if (!relay_simulcast_accept(s, (uint8_t)layer, &h, p + h.header_len, h.payload_len,
				    key && relay_rtp_vp8_keyframe(p + h.header_len, h.payload_len),
				    now))
		return false;
	relay_simulcast_rewrite(s, p, len, &h, GROUP_SSRC, now);
	g_assert_cmpint(relay_rtp_parse(p, len, &h), ==, 0);
	g_assert_true(relay_vp8_ids_read(p + h.header_len, h.payload_len, &ids));
	*ret = (struct sent){h.seq, h.timestamp, h.ssrc, ids.pic, ids.tl0};
	return true;
}

static void test_vp8_ids(void)
{
	struct relay_vp8_ids ids;
	static const uint8_t pic15[] = {0x90, 0xc0, 0x81, 0x02, 0x07, 0x00};
	static const uint8_t pic7[] = {0x90, 0x80, 0x05, 0x00};
	static const uint8_t none[] = {0x10, 0x00};

	g_assert_true(relay_vp8_ids_read(pic15, sizeof(pic15), &ids));
	g_assert_true(ids.pic_15);
	g_assert_cmpuint(ids.pic, ==, 0x102);
	g_assert_cmpuint(ids.pic_off, ==, 2);
	g_assert_cmpuint(ids.tl0_off, ==, 4);
	g_assert_cmpuint(ids.tl0, ==, 7);
	g_assert_true(relay_vp8_ids_read(pic7, sizeof(pic7), &ids));
	g_assert_false(ids.pic_15);
	g_assert_cmpuint(ids.pic, ==, 5);
	g_assert_cmpuint(ids.tl0_off, ==, 0);
	g_assert_true(relay_vp8_ids_read(none, sizeof(none), &ids));
	g_assert_cmpuint(ids.pic_off, ==, 0);
	/* Truncated where the flags announce more. */
	for (size_t n = 0; n < 5; n++)
		g_assert_false(relay_vp8_ids_read(pic15, n, &ids));
}

static void test_first_keyframe(void)
{
	struct relay_simulcast_out s;
	struct sent out;

	relay_simulcast_init(&s, true, 0);
	/* Another encoding, and the target before its keyframe: nothing. */
	g_assert_false(offer(&s, 10, 1000, 1, 50, 5, true, 0, &out));
	g_assert_false(offer(&s, 500, 3000, 0, 70, 9, false, 0, &out));
	g_assert_true(offer(&s, 501, 3000, 0, 71, 9, true, 0, &out));
	/* The first encoding goes as it is, but under the track's SSRC. */
	g_assert_cmpuint(out.seq, ==, 501);
	g_assert_cmpuint(out.ts, ==, 3000);
	g_assert_cmpuint(out.ssrc, ==, GROUP_SSRC);
	g_assert_cmpuint(out.pic, ==, 71);
	g_assert_true(offer(&s, 502, 6000, 0, 72, 10, false, 33000, &out));
	g_assert_cmpuint(out.seq, ==, 502);
	/* Older than the first forwarded: of before the switch. */
	g_assert_false(offer(&s, 499, 0, 0, 69, 8, false, 34000, &out));
	g_assert_cmpuint(s.switches, ==, 1);
}

static void test_switch(void)
{
	struct relay_simulcast_out s;
	struct sent out;
	uint16_t in;

	relay_simulcast_init(&s, true, 0);
	g_assert_true(offer(&s, 65534, 4294967000u, 0, 32766, 254, true, 0, &out));
	g_assert_true(offer(&s, 65535, 4294967000u + 3000, 0, 32767, 255, false, 33000, &out));
	/* Up: the low encoding goes on until the high one's keyframe. */
	s.target = 2;
	g_assert_false(offer(&s, 7000, 90000, 2, 1000, 40, false, 40000, &out));
	g_assert_true(offer(&s, 0, 4294967000u + 6000, 0, 0, 0, false, 66000, &out));
	g_assert_cmpuint(out.seq, ==, 0);
	g_assert_true(offer(&s, 7001, 93000, 2, 1001, 41, true, 70000, &out));
	/* One stream: every number goes on by one; the clock by the time
	 * since the last packet (4 ms: 360 ticks). */
	g_assert_cmpuint(out.seq, ==, 1);
	g_assert_cmpuint(out.ts, ==, (uint32_t)(4294967000u + 6000 + 360));
	g_assert_cmpuint(out.pic, ==, 1);
	g_assert_cmpuint(out.tl0, ==, 1);
	g_assert_cmpuint(out.ssrc, ==, GROUP_SSRC);
	g_assert_true(offer(&s, 7002, 96000, 2, 1002, 42, false, 103000, &out));
	g_assert_cmpuint(out.seq, ==, 2);
	g_assert_cmpuint(out.ts, ==, (uint32_t)(4294967000u + 6000 + 360 + 3000));
	g_assert_cmpuint(out.pic, ==, 2);
	/* The low encoding no longer goes; the high one's older packets
	 * neither (they would collide with the low one's numbers). */
	g_assert_false(offer(&s, 1, 4294967000u + 9000, 0, 1, 0, false, 104000, &out));
	g_assert_false(offer(&s, 7000, 90000, 2, 1000, 40, false, 105000, &out));
	/* NACKs: the subscriber's numbers since the switch map to the high
	 * encoding's; earlier ones were another encoding's. */
	g_assert_true(relay_simulcast_seq_in(&s, 2, &in));
	g_assert_cmpuint(in, ==, 7002);
	g_assert_true(relay_simulcast_seq_in(&s, 1, &in));
	g_assert_cmpuint(in, ==, 7001);
	g_assert_false(relay_simulcast_seq_in(&s, 0, &in));
	g_assert_false(relay_simulcast_seq_in(&s, 65535, &in));
	g_assert_cmpuint(s.switches, ==, 2);
}

/* A resend gets the numbers the packet had, and changes nothing. */
static void test_rewrite_again(void)
{
	struct relay_simulcast_out s;
	struct sent out;
	uint8_t p[64];
	struct relay_rtp_header h;

	relay_simulcast_init(&s, true, 1);
	g_assert_true(offer(&s, 100, 1000, 1, 10, 1, true, 0, &out));
	s.target = 0;
	g_assert_true(offer(&s, 900, 5000, 0, 300, 30, true, 10000, &out));
	g_assert_cmpuint(out.seq, ==, 101);
	struct relay_simulcast_out before = s;
	size_t len = make(p, 900, 5000, 0, 300, 30, true);
	g_assert_cmpint(relay_rtp_parse(p, len, &h), ==, 0);
	relay_simulcast_rewrite_again(&s, p, len, &h, GROUP_SSRC);
	g_assert_cmpmem(&before, sizeof(before), &s, sizeof(s));
	g_assert_cmpint(relay_rtp_parse(p, len, &h), ==, 0);
	g_assert_cmpuint(h.seq, ==, 101);
	g_assert_cmpuint(h.ssrc, ==, GROUP_SSRC);
	g_assert_cmpuint(p[h.header_len + 3], ==, 11); /* picture id low byte */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/simulcast/vp8-ids", test_vp8_ids);
	g_test_add_func("/relay/simulcast/first-keyframe", test_first_keyframe);
	g_test_add_func("/relay/simulcast/switch", test_switch);
	g_test_add_func("/relay/simulcast/rewrite-again", test_rewrite_again);
	return g_test_run();
}
