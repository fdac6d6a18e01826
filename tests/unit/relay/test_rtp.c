/* Unit tests of relay/rtp: header parsing, a subscriber's copy (payload
 * type, no extension, same SSRC/seq/timestamp), RTCP keyframe requests. */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "relay/rtp.h"

/* V=2, X=1, CC=1, M=1 PT=96, seq 0x1234, ts 0x01020304, SSRC 0xaabbccdd,
 * CSRC 0x11223344, one-byte extension block (id 1 len 1: 2 bytes + pad),
 * payload "abcd". */
static const uint8_t sample[] = {
    0x91, 0xe0, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb, 0xcc, 0xdd, 0x11, 0x22,
    0x33, 0x44, 0xbe, 0xde, 0x00, 0x01, 0x11, 0x05, 0x06, 0x00, 'a',  'b',  'c',  'd',
};

/* RFC 8285: elements found by id in both forms; a rid (a string) after
 * padding; malformed blocks refused. */
static void test_ext_find(void)
{
	/* one-byte: id 1 len 2 (0x05 0x06), padding, id 10 len 1 ("q") */
	static const uint8_t one[] = {0x90, 0x60, 0,	1,    0,    0, 0,  1,	 0,
				      0,    0,	  2,	0xbe, 0xde, 0, 2,  0x11, 0x05,
				      0x06, 0x00, 0xa0, 'q',  0,    0, 'x'};
	/* two-byte: id 20 len 3 ("f_1"), id 2 len 0 */
	static const uint8_t two[] = {0x90, 0x60, 0, 1,	 0, 0,	 0,   1,   0,	 0, 0, 2, 0x10,
				      0x00, 0,	  2, 20, 3, 'f', '_', '1', 0x02, 0, 0, 0, 'x'};
	const uint8_t *v;
	size_t n;

	g_assert_cmpint(relay_rtp_ext_find(one, sizeof(one), 1, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(v[0], ==, 5);
	g_assert_cmpint(relay_rtp_ext_find(one, sizeof(one), 10, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(v[0], ==, 'q');
	g_assert_cmpint(relay_rtp_ext_find(one, sizeof(one), 3, &v, &n), ==, -ENOENT);
	g_assert_cmpint(relay_rtp_ext_find(two, sizeof(two), 20, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpmem(v, 3, "f_1", 3);
	g_assert_cmpint(relay_rtp_ext_find(two, sizeof(two), 2, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 0);
	/* No extension block; a block longer than the packet. */
	uint8_t plain[sizeof(one)];
	memcpy(plain, one, sizeof(one));
	plain[0] &= ~0x10;
	g_assert_cmpint(relay_rtp_ext_find(plain, sizeof(plain), 1, &v, &n), ==, -ENOENT);
	g_assert_cmpint(relay_rtp_ext_find(one, 18, 1, &v, &n), ==, -EINVAL);
}

static void test_parse(void)
{
	struct relay_rtp_header h;

	g_assert_cmpint(relay_rtp_parse(sample, sizeof(sample), &h), ==, 0);
	g_assert_cmpuint(h.payload_type, ==, 96);
	g_assert_true(h.marker);
	g_assert_cmpuint(h.seq, ==, 0x1234);
	g_assert_cmpuint(h.timestamp, ==, 0x01020304);
	g_assert_cmpuint(h.ssrc, ==, 0xaabbccdd);
	g_assert_cmpuint(h.header_len, ==, 24);
	g_assert_cmpuint(h.payload_len, ==, 4);
	/* Truncations and a wrong version are refused. */
	for (size_t n = 0; n < 24; n++)
		g_assert_cmpint(relay_rtp_parse(sample, n, &h), <, 0);
	uint8_t v1[sizeof(sample)];
	memcpy(v1, sample, sizeof(v1));
	v1[0] = 0x51;
	g_assert_cmpint(relay_rtp_parse(v1, sizeof(v1), &h), <, 0);
	g_assert_false(relay_rtp_is_rtcp(sample, sizeof(sample)));
}

static void test_copy_for(void)
{
	struct relay_rtp_header h;
	uint8_t out[64];

	g_assert_cmpint(relay_rtp_parse(sample, sizeof(sample), &h), ==, 0);
	int n = relay_rtp_copy_for(sample, sizeof(sample), &h, 100, out, sizeof(out));
	g_assert_cmpint(n, ==, 12 + 4 + 4);
	g_assert_cmpuint(out[0], ==, 0x81); /* X cleared, CC kept */
	g_assert_cmpuint(out[1], ==, 0x80 | 100);
	g_assert_cmpmem(out + 2, 10, sample + 2, 10); /* seq, ts, ssrc */
	g_assert_cmpmem(out + 12, 4, sample + 12, 4); /* CSRC */
	g_assert_cmpmem(out + 16, 4, "abcd", 4);
	g_assert_cmpint(relay_rtp_copy_for(sample, sizeof(sample), &h, 100, out, 19), ==, -ENOBUFS);
}

static void count_ssrc(uint32_t ssrc, void *userdata)
{
	GArray *seen = userdata;
	g_array_append_val(seen, ssrc);
}

static void test_keyframe_requests(void)
{
	uint8_t compound[64];
	g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	/* RR (empty) + PLI + FIR with two entries */
	static const uint8_t rr[] = {0x80, 201, 0x00, 0x01, 0, 0, 0, 9};
	static const uint8_t fir[] = {0x84, 206, 0x00, 0x06, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0,
				      0,    7,	 1,    0,    0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
	size_t off = 0;

	memcpy(compound, rr, sizeof(rr));
	off += sizeof(rr);
	g_assert_cmpint(relay_rtcp_build_pli(compound + off, 12, 9, 0xaabbccdd), ==, 12);
	off += 12;
	memcpy(compound + off, fir, sizeof(fir));
	off += sizeof(fir);
	g_assert_true(relay_rtp_is_rtcp(compound, off));
	g_assert_cmpint(relay_rtcp_keyframe_requests(compound, off, count_ssrc, seen), ==, 0);
	g_assert_cmpuint(seen->len, ==, 3);
	g_assert_cmpuint(g_array_index(seen, uint32_t, 0), ==, 0xaabbccdd);
	g_assert_cmpuint(g_array_index(seen, uint32_t, 1), ==, 7);
	g_assert_cmpuint(g_array_index(seen, uint32_t, 2), ==, 8);
	/* A length that runs past the datagram is malformed. */
	g_assert_cmpint(relay_rtcp_keyframe_requests(compound, off - 1, count_ssrc, seen), <, 0);
	uint32_t ssrc;
	g_assert_cmpint(relay_rtcp_sender_ssrc(compound, off, &ssrc), ==, 0);
	g_assert_cmpuint(ssrc, ==, 9);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 100 packets across a sequence wrap with 10 lost: the report says 10 lost,
 * fraction 10/110, the extended highest sequence number with one cycle, and
 * LSR/DLSR from the last sender report. */
static void test_receiver_report(void)
{
	struct relay_rx_stats st = {0};
	struct relay_rx_stats *stats[1] = {&st};
	uint32_t ssrc = 0x01020304;
	uint8_t rr[64];
	int64_t t = 1000000;

	for (unsigned i = 0; i < 110; i++) {
		uint16_t seq = (uint16_t)(65500 + i);
		if (i % 11 == 5)
			continue; /* lost */
		relay_rx_stats_update(&st, seq, 3000 * i, t + 33333 * i, 90000);
	}
	relay_rx_stats_sender_report(&st, 0xabcd1234, t + 2000000);
	int n = relay_rtcp_build_rr(rr, sizeof(rr), 9, &ssrc, stats, NULL, 1, t + 2500000);
	g_assert_cmpint(n, ==, 32);
	g_assert_cmpuint(rr[0], ==, 0x81);
	g_assert_cmpuint(rr[1], ==, 201);
	g_assert_cmpuint(rd32(rr + 4), ==, 9);
	g_assert_cmpuint(rd32(rr + 8), ==, ssrc);
	g_assert_cmpuint(rr[12], ==, (10 << 8) / 110);	    /* fraction lost */
	g_assert_cmpuint(rd32(rr + 12) & 0xffffff, ==, 10); /* cumulative lost */
	g_assert_cmpuint(rd32(rr + 16), ==, 65536u + (uint16_t)(65500 + 109));
	g_assert_cmpuint(rd32(rr + 24), ==, 0xabcd1234); /* LSR */
	g_assert_cmpuint(rd32(rr + 28), ==, 65536 / 2);	 /* DLSR: 0.5 s */
	/* Steady 30 fps with matching timestamps: jitter stays near zero. */
	g_assert_cmpuint(rd32(rr + 20), <, 10);
	/* The next interval starts from here: no new loss, fraction 0. */
	n = relay_rtcp_build_rr(rr, sizeof(rr), 9, &ssrc, stats, NULL, 1, t + 3000000);
	g_assert_cmpuint(rr[12], ==, 0);
	/* A floor (the worst subscriber's loss, for audio) raises it. */
	uint8_t floor = 20;
	relay_rx_stats_update(&st, (uint16_t)(65500 + 110), 3000 * 110, t + 3100000, 90000);
	n = relay_rtcp_build_rr(rr, sizeof(rr), 9, &ssrc, stats, &floor, 1, t + 3200000);
	g_assert_cmpuint(rr[12], ==, 20);
	g_assert_cmpint(relay_rtcp_build_rr(rr, 31, 9, &ssrc, stats, NULL, 1, 0), ==, -ENOBUFS);
}

static void collect_block(const struct relay_rtcp_report_block *b, void *userdata)
{
	g_array_append_val((GArray *)userdata, *b);
}

/* The report blocks of an SR and an RR in one compound packet, and of what
 * the relay itself builds; a truncated one yields what came before it. */
/* Simulcast: sender reports of encoding 1 become the track's (SSRC 0x47,
 * RTP timestamp + 1000), those of encoding 2 are left out, the rest
 * stays. */
static struct relay_rtcp_renumber renumber(uint32_t ssrc, void *userdata)
{
	(void)userdata;
	if (ssrc == 1)
		return (struct relay_rtcp_renumber){.keep = true, .ssrc = 0x47, .ts_delta = 1000};
	if (ssrc == 2)
		return (struct relay_rtcp_renumber){.keep = false};
	return (struct relay_rtcp_renumber){.keep = true, .ssrc = ssrc};
}

static void test_copy_renumbered(void)
{
	static const uint8_t compound[] = {
	    /* SR of 1 (no block): NTP 1..8, RTP ts 0xfffffe00, counts */
	    0x80, 200, 0, 6, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xff, 0xfe, 0x00, 0, 0, 0,
	    10, 0, 0, 0, 11,
	    /* SR of 2 */
	    0x80, 200, 0, 6, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0,
	    11,
	    /* SDES: one chunk, CNAME "ab" */
	    0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b'};
	uint8_t out[sizeof(compound)];

	int n = relay_rtcp_copy_renumbered(compound, sizeof(compound), out, sizeof(out), renumber,
					   NULL);
	g_assert_cmpint(n, ==, 28 + 12);
	g_assert_cmpuint(out[1], ==, 200);
	g_assert_cmpmem(out + 4, 4, ((const uint8_t[]){0, 0, 0, 0x47}), 4);
	g_assert_cmpmem(out + 8, 8, compound + 8, 8);			     /* NTP */
	g_assert_cmpmem(out + 16, 4, ((const uint8_t[]){0, 0, 1, 0xe8}), 4); /* wraps */
	g_assert_cmpmem(out + 28, 12, compound + 56, 12);		     /* SDES */
	/* Too small a buffer; a malformed compound. */
	g_assert_cmpint(
	    relay_rtcp_copy_renumbered(compound, sizeof(compound), out, 30, renumber, NULL), ==,
	    -ENOBUFS);
	g_assert_cmpint(relay_rtcp_copy_renumbered(compound, sizeof(compound) - 1, out, sizeof(out),
						   renumber, NULL),
			==, -EINVAL);
}

static void test_report_blocks(void)
{
	static const uint8_t compound[] = {
	    /* SR with one block */
	    0x81, 200, 0, 12, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0,
	    11, 0xaa, 0xbb, 0xcc, 0xdd, 0x40, 0, 0, 3, 0, 1, 0, 5, 0, 0, 0, 7, 0x12, 0x34, 0x56,
	    0x78, 0, 1, 0, 0,
	    /* RR with two blocks */
	    0x82, 201, 0, 13, 0, 0, 0, 2, 0, 0, 0, 0x21, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad,
	    0xbe, 0xef, 0, 0, 0x80, 0};
	GArray *seen = g_array_new(FALSE, FALSE, sizeof(struct relay_rtcp_report_block));

	g_assert_cmpint(relay_rtcp_report_blocks(compound, sizeof(compound), collect_block, seen),
			==, 0);
	g_assert_cmpuint(seen->len, ==, 3);
	const struct relay_rtcp_report_block *b = (const void *)seen->data;
	g_assert_cmpuint(b[0].ssrc, ==, 0xaabbccdd);
	g_assert_cmpuint(b[0].fraction_lost, ==, 0x40);
	g_assert_cmpuint(b[0].lsr, ==, 0x12345678);
	g_assert_cmpuint(b[0].dlsr, ==, 65536);
	g_assert_cmpuint(b[1].ssrc, ==, 0x21);
	g_assert_cmpuint(b[1].fraction_lost, ==, 0x80);
	g_assert_cmpuint(b[1].lsr, ==, 0);
	g_assert_cmpuint(b[2].ssrc, ==, 0x22);
	g_assert_cmpuint(b[2].lsr, ==, 0xdeadbeef);
	g_assert_cmpuint(b[2].dlsr, ==, 0x8000);
	g_array_set_size(seen, 0);
	g_assert_cmpint(
	    relay_rtcp_report_blocks(compound, sizeof(compound) - 4, collect_block, seen), ==,
	    -EINVAL);
	g_assert_cmpuint(seen->len, ==, 1);
	g_array_unref(seen);
}

static void collect_nack(uint32_t ssrc, uint16_t seq, void *userdata)
{
	GArray *seen = userdata;
	uint32_t v = ssrc == 0xaabbccdd ? seq : 0xffffffffu;
	g_array_append_val(seen, v);
}

/* RFC 4585 §6.2.1: PID/BLP packing (across a sequence wrap), and the
 * parser reading back exactly what was asked for, inside a compound. */
static void test_nack_round_trip(void)
{
	static const uint16_t seqs[] = {65530, 65531, 65535, 0, 10, 40, 56, 57};
	uint8_t pkt[128];
	g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(uint32_t));

	static const uint8_t rr[] = {0x80, 201, 0x00, 0x01, 0, 0, 0, 9};
	memcpy(pkt, rr, sizeof(rr));
	int n = relay_rtcp_build_nack(pkt + 8, sizeof(pkt) - 8, 9, 0xaabbccdd, seqs,
				      G_N_ELEMENTS(seqs));
	/* 65530 (+1, +5, +6, +16), 40 (+16), 57: three entries */
	g_assert_cmpint(n, ==, 12 + 3 * 4);
	g_assert_cmpuint(pkt[8], ==, 0x81);
	g_assert_cmpuint(pkt[9], ==, 205);
	g_assert_cmpuint(pkt[8 + 12], ==, 65530 >> 8);
	g_assert_cmpuint(pkt[8 + 13], ==, 65530 & 0xff);
	/* BLP: bits 0, 4, 5, 15 */
	g_assert_cmpuint(pkt[8 + 14], ==, 0x80);
	g_assert_cmpuint(pkt[8 + 15], ==, 0x31);
	g_assert_true(relay_rtp_is_rtcp(pkt, 8 + (size_t)n));
	g_assert_cmpint(relay_rtcp_nacks(pkt, 8 + (size_t)n, collect_nack, seen), ==, 0);
	g_assert_cmpuint(seen->len, ==, G_N_ELEMENTS(seqs));
	for (unsigned i = 0; i < seen->len; i++)
		g_assert_cmpuint(g_array_index(seen, uint32_t, i), ==, seqs[i]);
	/* Too small a buffer; a truncated packet. */
	g_assert_cmpint(relay_rtcp_build_nack(pkt, 20, 9, 1, seqs, G_N_ELEMENTS(seqs)), ==,
			-ENOBUFS);
	g_assert_cmpint(relay_rtcp_build_nack(pkt, sizeof(pkt), 9, 1, seqs, 0), ==, -EINVAL);
	g_assert_cmpint(relay_rtcp_nacks(pkt, 8 + (size_t)n - 1, collect_nack, seen), <, 0);
}

/* RFC 4588 §4: an RTX packet carries the original's marker and timestamp,
 * its own SSRC, payload type and sequence number, and the OSN first; the
 * unwrapped packet is the original again. */
static void test_rtx(void)
{
	struct relay_rtp_header h;
	uint8_t stored[64], rtx[64];

	g_assert_cmpint(relay_rtp_parse(sample, sizeof(sample), &h), ==, 0);
	int n = relay_rtp_copy_for(sample, sizeof(sample), &h, 96, stored, sizeof(stored));
	g_assert_cmpint(n, ==, 20);
	int r = relay_rtp_build_rtx(stored, (size_t)n, 97, 0x01020304, 7, rtx, sizeof(rtx));
	g_assert_cmpint(r, ==, 22);
	g_assert_cmpuint(rtx[0], ==, 0x81);
	g_assert_cmpuint(rtx[1], ==, 0x80 | 97);
	g_assert_cmpuint(rtx[2] << 8 | rtx[3], ==, 7);
	g_assert_cmpmem(rtx + 4, 4, sample + 4, 4);	    /* timestamp */
	g_assert_cmpmem(rtx + 8, 4, "\x01\x02\x03\x04", 4); /* RTX SSRC */
	g_assert_cmpmem(rtx + 12, 4, sample + 12, 4);	    /* CSRC */
	g_assert_cmpmem(rtx + 16, 2, "\x12\x34", 2);	    /* OSN */
	g_assert_cmpmem(rtx + 18, 4, "abcd", 4);
	g_assert_cmpint(relay_rtp_build_rtx(stored, (size_t)n, 97, 1, 7, rtx, 21), ==, -ENOBUFS);

	uint8_t *orig;
	size_t olen;
	g_assert_cmpint(relay_rtp_parse(rtx, (size_t)r, &h), ==, 0);
	g_assert_cmpint(relay_rtp_unwrap_rtx(rtx, (size_t)r, &h, 0xaabbccdd, 96, &orig, &olen), ==,
			0);
	g_assert_cmpuint(olen, ==, (size_t)n);
	g_assert_cmpmem(orig, olen, stored, (size_t)n);
	/* Padding only (a bandwidth probe): nothing to recover. */
	uint8_t probe[16] = {0xa0, 97, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 4};
	g_assert_cmpint(relay_rtp_parse(probe, sizeof(probe), &h), ==, 0);
	g_assert_cmpint(relay_rtp_unwrap_rtx(probe, sizeof(probe), &h, 1, 96, &orig, &olen), ==,
			-ENODATA);
}

/* Keyframes: what ends a subscriber's wait after its PLI. */
static void test_keyframes(void)
{
	/* VP8: S=1 PID=0, no X, P=0 / P=1; with X, I (15-bit picture id), L, T. */
	static const uint8_t vp8_key[] = {0x10, 0x00, 0x9d, 0x01};
	static const uint8_t vp8_delta[] = {0x10, 0x01};
	static const uint8_t vp8_ext_key[] = {0x90, 0xe0, 0x81, 0x23, 0x05, 0x40, 0x00};
	static const uint8_t vp8_ext_delta[] = {0x90, 0xe0, 0x81, 0x23, 0x05, 0x40, 0x01};
	static const uint8_t vp8_not_start[] = {0x00, 0x00};
	g_assert_true(relay_rtp_vp8_keyframe(vp8_key, sizeof(vp8_key)));
	g_assert_false(relay_rtp_vp8_keyframe(vp8_delta, sizeof(vp8_delta)));
	g_assert_true(relay_rtp_vp8_keyframe(vp8_ext_key, sizeof(vp8_ext_key)));
	g_assert_false(relay_rtp_vp8_keyframe(vp8_ext_delta, sizeof(vp8_ext_delta)));
	g_assert_false(relay_rtp_vp8_keyframe(vp8_not_start, sizeof(vp8_not_start)));
	g_assert_false(relay_rtp_vp8_keyframe(vp8_ext_key, 6)); /* truncated */

	/* A keyframe's size: 640x480 (0x280, 0x1e0) with scale bits set on
	 * the height; none in a delta frame, a short or a wrong start code. */
	static const uint8_t vp8_sized[] = {0x90, 0x80, 0x81, 0x23, 0x50, 0x42, 0x00,
					    0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x41};
	uint16_t w = 0, h = 0;
	g_assert_true(relay_rtp_vp8_size(vp8_sized, sizeof(vp8_sized), &w, &h));
	g_assert_cmpuint(w, ==, 640);
	g_assert_cmpuint(h, ==, 480);
	g_assert_false(relay_rtp_vp8_size(vp8_sized, sizeof(vp8_sized) - 1, &w, &h));
	g_assert_false(relay_rtp_vp8_size(vp8_ext_delta, sizeof(vp8_ext_delta), &w, &h));
	uint8_t bad[sizeof(vp8_sized)];
	memcpy(bad, vp8_sized, sizeof(bad));
	bad[7] = 0x9c;
	g_assert_false(relay_rtp_vp8_size(bad, sizeof(bad), &w, &h));

	/* H.264: IDR alone; STAP-A with SPS; FU-A start of an IDR; a P slice. */
	static const uint8_t idr[] = {0x65, 0x88};
	static const uint8_t stap[] = {0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x02, 0x67, 0x42};
	static const uint8_t fu_start[] = {0x7c, 0x85, 0x00};
	static const uint8_t fu_middle[] = {0x7c, 0x05, 0x00};
	static const uint8_t p_slice[] = {0x41, 0x9a};
	g_assert_true(relay_rtp_h264_keyframe(idr, sizeof(idr)));
	g_assert_true(relay_rtp_h264_keyframe(stap, sizeof(stap)));
	g_assert_true(relay_rtp_h264_keyframe(fu_start, sizeof(fu_start)));
	g_assert_false(relay_rtp_h264_keyframe(fu_middle, sizeof(fu_middle)));
	g_assert_false(relay_rtp_h264_keyframe(p_slice, sizeof(p_slice)));
	g_assert_false(relay_rtp_h264_keyframe(stap, 6)); /* the SPS is cut off */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/rtp/parse", test_parse);
	g_test_add_func("/relay/rtp/copy-for", test_copy_for);
	g_test_add_func("/relay/rtp/keyframe-requests", test_keyframe_requests);
	g_test_add_func("/relay/rtp/receiver-report", test_receiver_report);
	g_test_add_func("/relay/rtp/report-blocks", test_report_blocks);
	g_test_add_func("/relay/rtp/nack-round-trip", test_nack_round_trip);
	g_test_add_func("/relay/rtp/rtx", test_rtx);
	g_test_add_func("/relay/rtp/keyframes", test_keyframes);
	g_test_add_func("/relay/rtp/ext-find", test_ext_find);
	g_test_add_func("/relay/rtp/copy-renumbered", test_copy_renumbered);
	return g_test_run();
}
