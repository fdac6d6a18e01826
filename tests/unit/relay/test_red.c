/* Unit tests of relay/red: RFC 2198 payloads as Chromium sends them for
 * Opus (one redundant block before the primary), parsed; passed on with
 * the subscriber's payload types; stripped to the primary encoding; and
 * refused when the headers or lengths do not fit. */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "relay/red.h"

/* An RTP header (no CSRC, no extension) of payload type 63, seq 0x1234,
 * timestamp 0x01020304, SSRC 0xaabbccdd, then the payload. */
static size_t packet(uint8_t *out, const uint8_t *payload, size_t n)
{
	static const uint8_t hdr[12] = {0x80, 0x80 | 63, 0x12, 0x34, 1,	   2,
					3,    4,	 0xaa, 0xbb, 0xcc, 0xdd};
	memcpy(out, hdr, 12);
	memcpy(out + 12, payload, n);
	return 12 + n;
}

/* RFC 2198 §3: a redundant block of PT 111, 960 earlier, 3 bytes; the
 * primary of PT 111, 4 bytes. */
static const uint8_t two_blocks[] = {
    0x80 | 111, 960 >> 6, (960 & 0x3f) << 2 | 0,
    3,				/* F=1, PT, offset, length */
    111,			/* F=0, PT */
    0xa1,	0xa2,	  0xa3, /* the redundant block */
    0xb1,	0xb2,	  0xb3,
    0xb4, /* the primary */
};

static void test_parse(void)
{
	struct relay_red_block b[RELAY_RED_MAX_BLOCKS];

	g_assert_cmpint(relay_red_parse(two_blocks, sizeof(two_blocks), b, RELAY_RED_MAX_BLOCKS),
			==, 2);
	g_assert_cmpuint(b[0].payload_type, ==, 111);
	g_assert_cmpuint(b[0].timestamp_offset, ==, 960);
	g_assert_cmpuint(b[0].offset, ==, 5);
	g_assert_cmpuint(b[0].len, ==, 3);
	g_assert_cmpuint(b[1].payload_type, ==, 111);
	g_assert_cmpuint(b[1].timestamp_offset, ==, 0);
	g_assert_cmpuint(b[1].offset, ==, 8);
	g_assert_cmpuint(b[1].len, ==, 4);

	/* The primary alone (what Chromium sends before it has history). */
	static const uint8_t one[] = {111, 0xc1, 0xc2};
	g_assert_cmpint(relay_red_parse(one, sizeof(one), b, RELAY_RED_MAX_BLOCKS), ==, 1);
	g_assert_cmpuint(b[0].offset, ==, 1);
	g_assert_cmpuint(b[0].len, ==, 2);

	/* Longest offset and length the fields hold. */
	uint8_t big[4 + 1 + 1023] = {0x80 | 111, 0xff, 0xff, 0xff, 111};
	g_assert_cmpint(relay_red_parse(big, sizeof(big), b, RELAY_RED_MAX_BLOCKS), ==, 2);
	g_assert_cmpuint(b[0].timestamp_offset, ==, 16383);
	g_assert_cmpuint(b[0].len, ==, 1023);
	g_assert_cmpuint(b[1].len, ==, 0);
}

static void test_parse_refused(void)
{
	struct relay_red_block b[RELAY_RED_MAX_BLOCKS];

	g_assert_cmpint(relay_red_parse(NULL, 0, b, RELAY_RED_MAX_BLOCKS), ==, -EBADMSG);
	/* A redundant block's header cut short. */
	g_assert_cmpint(relay_red_parse(two_blocks, 3, b, RELAY_RED_MAX_BLOCKS), ==, -EBADMSG);
	/* Headers without a primary's. */
	g_assert_cmpint(relay_red_parse(two_blocks, 4, b, RELAY_RED_MAX_BLOCKS), ==, -EBADMSG);
	/* The redundant block is longer than what follows. */
	g_assert_cmpint(relay_red_parse(two_blocks, 7, b, RELAY_RED_MAX_BLOCKS), ==, -EBADMSG);
	/* Exactly the redundant data: an empty primary is allowed. */
	g_assert_cmpint(relay_red_parse(two_blocks, 8, b, RELAY_RED_MAX_BLOCKS), ==, 2);
	g_assert_cmpuint(b[1].len, ==, 0);
	/* More blocks than the caller has room for (9 of length 0), then 8. */
	uint8_t many[4 * 9 + 1];
	for (unsigned i = 0; i < 9; i++)
		memcpy(many + 4 * i, (uint8_t[]){0x80 | 111, 0, 4, 0}, 4);
	many[36] = 111;
	g_assert_cmpint(relay_red_parse(many, sizeof(many), b, RELAY_RED_MAX_BLOCKS), ==, -E2BIG);
	g_assert_cmpint(relay_red_parse(many + 8, sizeof(many) - 8, b, RELAY_RED_MAX_BLOCKS), ==,
			8);
}

static void test_copy_for(void)
{
	uint8_t pkt[64], out[64];
	struct relay_rtp_header h;
	size_t n = packet(pkt, two_blocks, sizeof(two_blocks));

	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	/* The subscriber took RED as 100 and Opus as 109. */
	g_assert_cmpint(relay_red_copy_for(pkt, n, &h, 100, 111, 109, out, sizeof(out)), ==,
			(int)n);
	g_assert_cmpuint(out[1], ==, 0x80 | 100);
	g_assert_cmpmem(out + 2, 10, pkt + 2, 10);
	g_assert_cmpuint(out[12], ==, 0x80 | 109);
	g_assert_cmpmem(out + 13, 3, pkt + 13, 3);
	g_assert_cmpuint(out[16], ==, 109);
	g_assert_cmpmem(out + 17, 7, pkt + 17, 7);
	/* A block of another payload type keeps it. */
	uint8_t other[sizeof(two_blocks)];
	memcpy(other, two_blocks, sizeof(other));
	other[0] = 0x80 | 13;
	n = packet(pkt, other, sizeof(other));
	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	g_assert_cmpint(relay_red_copy_for(pkt, n, &h, 100, 111, 109, out, sizeof(out)), ==,
			(int)n);
	g_assert_cmpuint(out[12], ==, 0x80 | 13);
	g_assert_cmpuint(out[16], ==, 109);
	/* Malformed: not passed on. */
	n = packet(pkt, two_blocks, 7);
	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	g_assert_cmpint(relay_red_copy_for(pkt, n, &h, 100, 111, 109, out, sizeof(out)), ==,
			-EBADMSG);
	/* No room. */
	n = packet(pkt, two_blocks, sizeof(two_blocks));
	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	g_assert_cmpint(relay_red_copy_for(pkt, n, &h, 100, 111, 109, out, n - 1), ==, -ENOBUFS);
}

static void test_primary_for(void)
{
	uint8_t pkt[64], out[64];
	struct relay_rtp_header h, oh;
	size_t n = packet(pkt, two_blocks, sizeof(two_blocks));

	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	g_assert_cmpint(relay_red_primary_for(pkt, n, &h, 109, out, sizeof(out)), ==, 12 + 4);
	g_assert_cmpint(relay_rtp_parse(out, 16, &oh), ==, 0);
	g_assert_cmpuint(oh.payload_type, ==, 109);
	g_assert_true(oh.marker);
	g_assert_cmpuint(oh.seq, ==, 0x1234);
	g_assert_cmpuint(oh.timestamp, ==, 0x01020304);
	g_assert_cmpuint(oh.ssrc, ==, 0xaabbccdd);
	g_assert_cmpmem(out + 12, 4, ((const uint8_t[]){0xb1, 0xb2, 0xb3, 0xb4}), 4);
	/* An empty primary: nothing to send. */
	n = packet(pkt, two_blocks, 8);
	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	g_assert_cmpint(relay_red_primary_for(pkt, n, &h, 109, out, sizeof(out)), ==, -ENODATA);
	n = packet(pkt, two_blocks, 7);
	g_assert_cmpint(relay_rtp_parse(pkt, n, &h), ==, 0);
	g_assert_cmpint(relay_red_primary_for(pkt, n, &h, 109, out, sizeof(out)), ==, -EBADMSG);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/red/parse", test_parse);
	g_test_add_func("/red/parse-refused", test_parse_refused);
	g_test_add_func("/red/copy-for", test_copy_for);
	g_test_add_func("/red/primary-for", test_primary_for);
	return g_test_run();
}
