/* Unit tests of relay/twcc: the transport-wide sequence number in RTP
 * header extensions (RFC 8285, both forms) and the feedback packets
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), against
 * packets computed by hand: sequence wrap, reordering, missing packets,
 * run-length and both status-vector chunks, the 64 ms reference and
 * 250 µs delta units, deltas past 8 bits and past 16 bits, late packets
 * reported again, and a report split over packets. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "relay/twcc.h"

#define MS     1000LL
#define SENDER 0x48525448u
#define MEDIA  0x11223344u
#define T0     (64000LL * 1000) /* a multiple of 64 ms: reference time 1000 */

static void assert_bytes(const uint8_t *got, int len, const uint8_t *want, size_t want_len)
{
	g_assert_cmpint(len, ==, (int)want_len);
	for (size_t i = 0; i < want_len; i++)
		if (got[i] != want[i])
			g_error("byte %zu: 0x%02x, expected 0x%02x", i, got[i], want[i]);
}

static void test_ext_one_byte(void)
{
	/* X set; elements: id 1 (1 byte), padding, id 3 (2 bytes), padding. */
	uint8_t pkt[] = {0x90, 96, 0,	 1,    0,    0,	   0,	 1,    0, 0, 0,	  2,   0xbe, 0xde,
			 0,    2,  0x10, 0xaa, 0x00, 0x31, 0x12, 0x34, 0, 0, 'p', 'a', 'y'};
	uint16_t seq = 0;

	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 3, &seq), ==, 0);
	g_assert_cmpuint(seq, ==, 0x1234);
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 5, &seq), ==, -ENOENT);
	/* id 1 has one byte: not a sequence number. */
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 1, &seq), ==, -EINVAL);
	/* An element running past the block. */
	pkt[19] = 0x35; /* id 3, 6 bytes */
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 3, &seq), ==, -EINVAL);
	/* id 15 stops the walk (RFC 8285 §4.2). */
	pkt[16] = 0xf0;
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 3, &seq), ==, -ENOENT);
	/* A block longer than the packet. */
	g_assert_cmpint(relay_twcc_ext_seq(pkt, 22, 3, &seq), ==, -EINVAL);
	g_assert_cmpint(relay_twcc_ext_seq(pkt, 14, 3, &seq), ==, -EINVAL);
	/* No extension at all. */
	pkt[0] = 0x80;
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 3, &seq), ==, -ENOENT);
	g_assert_cmpint(relay_twcc_ext_seq(pkt, 4, 3, &seq), ==, -ENOENT);
}

static void test_ext_two_bytes(void)
{
	/* One CSRC; the two-byte form (0x100 + appbits); id 20 (empty), id 3. */
	uint8_t pkt[] = {0x91, 96, 0,	 1,    0, 0, 0,	 1, 0, 0, 0, 2,	   0,	 0,
			 0,    9,  0x10, 0x07, 0, 2, 20, 0, 0, 3, 2, 0x56, 0x78, 0};
	uint16_t seq = 0;

	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 3, &seq), ==, 0);
	g_assert_cmpuint(seq, ==, 0x5678);
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 20, &seq), ==, -EINVAL);
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 200, &seq), ==, -ENOENT);
	/* Another profile (RFC 3550 §5.3.1 only) has no elements to read. */
	pkt[16] = 0x12;
	g_assert_cmpint(relay_twcc_ext_seq(pkt, sizeof(pkt), 3, &seq), ==, -ENOENT);
}

/* Across the 16-bit wrap, with a packet missing and two reordered; then
 * the missing one arrives late and is reported again with those after. */
static void test_wrap_reorder_late(void)
{
	static struct relay_twcc tw;
	uint8_t out[1500];
	static const uint8_t first[] = {
	    0xaf, 0xcd, 0x00, 0x06,			    /* V=2 P FMT=15, RTPFB, 7 words */
	    0x48, 0x52, 0x54, 0x48, 0x11, 0x22, 0x33, 0x44, /* sender, media SSRC */
	    0xff, 0xfe, 0x00, 0x05,			    /* base 65534, 5 statuses */
	    0x00, 0x03, 0xe8, 0x00,			    /* reference 1000 (64 s), fb 0 */
	    0xd4, 0x60,			  /* 2-bit vector: small small none small large */
	    0x04, 0x02, 0x07, 0xff, 0xff, /* +1 ms, +0.5 ms, +1.75 ms, -0.25 ms */
	    0x01,			  /* padding: 1 byte */
	};
	static const uint8_t again[] = {
	    0xaf, 0xcd, 0x00, 0x06, 0x48, 0x52, 0x54, 0x48,
	    0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x03, /* base 0, 3 statuses */
	    0x00, 0x03, 0xe8, 0x01,			    /* reference 1000, fb 1 */
	    0xda, 0x00,					    /* 2-bit vector: small large large */
	    0x14, 0xff, 0xf9, 0xff, 0xff,		    /* +5 ms, -1.75 ms, -0.25 ms */
	    0x01,
	};

	relay_twcc_on_packet(&tw, 65534, T0 + 1000);
	relay_twcc_on_packet(&tw, 65535, T0 + 1500);
	relay_twcc_on_packet(&tw, 2, T0 + 3000);
	relay_twcc_on_packet(&tw, 1, T0 + 3250);
	relay_twcc_on_packet(&tw, 1, T0 + 9000); /* a duplicate: the first arrival counts */
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), first,
		     sizeof(first));
	g_assert_cmpint(relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), ==, 0);
	relay_twcc_on_packet(&tw, 0, T0 + 5000);
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), again,
		     sizeof(again));
	g_assert_cmpint(relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), ==, 0);
	/* Reported and received again: nothing new to say. */
	relay_twcc_on_packet(&tw, 2, T0 + 9000);
	g_assert_cmpint(relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), ==, 0);
}

/* 20 packets 1 ms apart: one run-length chunk. */
static void test_run_length(void)
{
	static struct relay_twcc tw;
	uint8_t out[1500], want[44] = {
			       0xaf, 0xcd, 0x00, 0x0a, 0x48, 0x52, 0x54, 0x48, 0x11,
			       0x22, 0x33, 0x44, 0x00, 0x64, 0x00, 0x14, /* base 100, 20 statuses */
			       0x00, 0x07, 0xd0, 0x00, /* reference 2000 (128 s) */
			       0x20, 0x14,	       /* run: small delta, 20 */
			       0x00,		       /* on the reference */
			   };

	for (int i = 0; i < 20; i++)
		relay_twcc_on_packet(&tw, (uint16_t)(100 + i), 2 * T0 + i * MS);
	for (int i = 1; i < 20; i++)
		want[22 + i] = 0x04;
	want[42] = 0x00, want[43] = 0x02; /* 2 bytes of padding */
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), want,
		     sizeof(want));
}

/* 30 missing between two received: a one-bit vector, a run of 17 not
 * received, a run of one. */
static void test_missing_run(void)
{
	static struct relay_twcc tw;
	uint8_t out[1500];
	static const uint8_t want[] = {
	    0x8f, 0xcd, 0x00, 0x06, 0x48, 0x52, 0x54, 0x48,
	    0x11, 0x22, 0x33, 0x44, 0x03, 0xe8, 0x00, 0x20, /* base 1000, 32 statuses */
	    0x00, 0x03, 0xe8, 0x00,			    /* reference 1000 */
	    0xa0, 0x00,					    /* 1-bit vector: received, 13 not */
	    0x00, 0x11,					    /* run: not received, 17 */
	    0x20, 0x01,					    /* run: small delta, 1 */
	    0x00, 0x04,					    /* +0, +1 ms; no padding */
	};

	relay_twcc_on_packet(&tw, 1000, T0);
	relay_twcc_on_packet(&tw, 1031, T0 + MS);
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), want,
		     sizeof(want));
}

/* 63.75 ms is the largest one-byte delta, 64 ms needs two; deltas are
 * whole 250 µs ticks of the arrival times, so sub-tick gaps neither
 * vanish nor add up. */
static void test_delta_units(void)
{
	static struct relay_twcc tw;
	uint8_t out[1500];
	static const uint8_t want[] = {
	    0x8f, 0xcd, 0x00, 0x06, 0x48, 0x52, 0x54, 0x48, 0x11, 0x22, 0x33, 0x44,
	    0x00, 0x0a, 0x00, 0x05, 0x00, 0x03, 0xe8, 0x00, 0xd6, 0x50, /* 2-bit vector: small small
									   large small small */
	    0x00, 0xff, 0x01, 0x00,					/* 0, 63.75 ms, 64 ms */
	    0x00, 0x01, /* +249 µs: same tick; +250 µs: the next */
	};

	relay_twcc_on_packet(&tw, 10, T0);
	relay_twcc_on_packet(&tw, 11, T0 + 63750);
	relay_twcc_on_packet(&tw, 12, T0 + 127750);
	relay_twcc_on_packet(&tw, 13, T0 + 127999);
	relay_twcc_on_packet(&tw, 14, T0 + 128249);
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), want,
		     sizeof(want));
}

/* A delta that fits 16 bits is a large delta; one that does not starts
 * the next packet, with its own reference time and the next fb count. */
static void test_large_delta_split(void)
{
	static struct relay_twcc tw;
	uint8_t out[1500];
	static const uint8_t first[] = {
	    0xaf, 0xcd, 0x00, 0x06, 0x48, 0x52, 0x54, 0x48, 0x11, 0x22, 0x33, 0x44,
	    0x00, 0x01, 0x00, 0x03, 0x00, 0x03, 0xe8, 0x00, 0xd9, 0x00, /* 2-bit vector: small large
									   small */
	    0x00, 0x7f, 0xff, 0x01,					/* 0, 8191.75 ms, 0.25 ms */
	    0x00, 0x02,
	};
	static const uint8_t second[] = {
	    0xaf, 0xcd, 0x00, 0x05, 0x48, 0x52, 0x54, 0x48,
	    0x11, 0x22, 0x33, 0x44, 0x00, 0x04, 0x00, 0x01, /* base 4, 1 status */
	    0x00, 0x05, 0x20, 0x01,			    /* reference 1312 (83.968 s), fb 1 */
	    0x20, 0x01, 0x80,				    /* run of 1; +32 ms */
	    0x01,
	};

	relay_twcc_on_packet(&tw, 1, T0);
	relay_twcc_on_packet(&tw, 2, T0 + 8191750);
	relay_twcc_on_packet(&tw, 3, T0 + 8192000);
	relay_twcc_on_packet(&tw, 4, T0 + 20000 * MS);
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), first,
		     sizeof(first));
	assert_bytes(out, relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), second,
		     sizeof(second));
	g_assert_cmpint(relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), ==, 0);
}

/* Decodes one feedback packet (as a sender would) into statuses and
 * arrival times in ticks; returns its status count. */
static unsigned decode(const uint8_t *p, int len, uint16_t *ret_base, uint8_t *status,
		       int64_t *ticks)
{
	unsigned count = (unsigned)(p[14] << 8 | p[15]), n = 0;
	int64_t t = (int64_t)((uint32_t)p[16] << 16 | (uint32_t)p[17] << 8 | p[18]) * 256;
	int off = 20;

	g_assert_cmpint(len % 4, ==, 0);
	g_assert_cmpint((p[2] << 8 | p[3]) + 1, ==, len / 4);
	*ret_base = (uint16_t)(p[12] << 8 | p[13]);
	while (n < count) {
		unsigned chunk = (unsigned)(p[off] << 8 | p[off + 1]);
		off += 2;
		if (!(chunk & 0x8000))
			for (unsigned i = 0; i < (chunk & 0x1fff) && n < count; i++)
				status[n++] = (uint8_t)(chunk >> 13 & 3);
		else if (!(chunk & 0x4000))
			for (unsigned i = 0; i < 14 && n < count; i++)
				status[n++] = (uint8_t)(chunk >> (13 - i) & 1);
		else
			for (unsigned i = 0; i < 7 && n < count; i++)
				status[n++] = (uint8_t)(chunk >> (12 - 2 * i) & 3);
	}
	for (unsigned i = 0; i < count; i++) {
		if (status[i] == 1)
			t += p[off++];
		else if (status[i] == 2)
			t += (int16_t)(p[off] << 8 | p[off + 1]), off += 2;
		ticks[i] = t;
	}
	g_assert_cmpint(off, <=, len);
	return count;
}

/* More than the history unreported: the newest RELAY_TWCC_HISTORY, over
 * several packets within the buffer given, each starting where the last
 * ended, every status and arrival as recorded. */
static void test_history_and_split(void)
{
	static struct relay_twcc tw;
	uint8_t out[600], status[RELAY_TWCC_HISTORY];
	int64_t ticks[RELAY_TWCC_HISTORY];
	unsigned covered = 0, packets = 0;
	uint16_t base, next = (uint16_t)(65000 + 2000 - RELAY_TWCC_HISTORY);
	int len;

	for (unsigned i = 0; i < 2000; i++)
		if (i % 5 != 3) /* one in five lost */
			relay_twcc_on_packet(&tw, (uint16_t)(65000 + i), T0 + i * 1300);
	g_assert_cmpint(relay_twcc_build(&tw, out, 23, SENDER, MEDIA), ==, -ENOBUFS);
	while ((len = relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA)) > 0) {
		g_assert_cmpint(len, <=, (int)sizeof(out));
		g_assert_cmpuint(out[19], ==, packets);
		unsigned n = decode(out, len, &base, status, ticks);
		g_assert_cmpuint(base, ==, next);
		for (unsigned i = 0; i < n; i++) {
			unsigned k = (uint16_t)(base + i - 65000);
			g_assert_cmpuint(status[i] != 0, ==, k % 5 != 3);
			if (status[i])
				g_assert_cmpint(ticks[i], ==, (T0 + k * 1300) / 250);
		}
		next = (uint16_t)(base + n);
		covered += n;
		packets++;
	}
	g_assert_cmpint(len, ==, 0);
	g_assert_cmpuint(covered, ==, RELAY_TWCC_HISTORY);
	g_assert_cmpuint(packets, >, 1);
	/* Older than the history: not reported. */
	relay_twcc_on_packet(&tw, 65000, T0);
	g_assert_cmpint(relay_twcc_build(&tw, out, sizeof(out), SENDER, MEDIA), ==, 0);
}

/* The parser: what a sender reads. */
struct parsed {
	unsigned calls;
	struct relay_twcc_fb last;
};

static void on_fb(const struct relay_twcc_fb *fb, void *userdata)
{
	struct parsed *p = userdata;

	p->calls++;
	p->last = *fb;
}

/* The two-bit vector packet above, behind a receiver report in one
 * compound, and a one-bit vector with a run of missing packets. */
static void test_parse_known(void)
{
	static struct relay_twcc_fb scratch;
	static struct parsed got;
	static const uint8_t compound[] = {
	    0x80, 0xc9, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04, /* RR, no blocks */
	    0xaf, 0xcd, 0x00, 0x06, 0x48, 0x52, 0x54, 0x48, 0x11, 0x22, 0x33, 0x44, 0xff, 0xfe,
	    0x00, 0x05, 0x00, 0x03, 0xe8, 0x07, 0xd4, 0x60, 0x04, 0x02, 0x07, 0xff, 0xff, 0x01,
	};
	/* base 10, 20 statuses: a one-bit vector (1 0 1 0 0 0 0 0 0 0 0 0 0 1)
	 * then a run of 6 received, 3 bytes of trailing zeros (no P bit);
	 * reference 0x800001 (its top bit set). */
	static const uint8_t vector[] = {
	    0x8f, 0xcd, 0x00, 0x08, 0x48, 0x52, 0x54, 0x48, 0x11, 0x22, 0x33, 0x44,
	    0x00, 0x0a, 0x00, 0x14, 0x80, 0x00, 0x01, 0xff, 0xa8, 0x01, 0x20, 0x06,
	    0x04, 0x08, 0xff, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
	};

	g_assert_cmpint(relay_twcc_parse(compound, sizeof(compound), &scratch, on_fb, &got), ==, 1);
	g_assert_cmpuint(got.calls, ==, 1);
	g_assert_cmphex(got.last.sender_ssrc, ==, SENDER);
	g_assert_cmphex(got.last.media_ssrc, ==, MEDIA);
	g_assert_cmpuint(got.last.base_seq, ==, 65534);
	g_assert_cmpuint(got.last.count, ==, 5);
	g_assert_cmpuint(got.last.reference, ==, 1000);
	g_assert_cmpuint(got.last.fb_count, ==, 7);
	const int64_t want[] = {1000, 1500, INT64_MIN, 3250, 3000};
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(got.last.arrival_us[i], ==, want[i]);

	memset(&got, 0, sizeof(got));
	g_assert_cmpint(relay_twcc_parse(vector, sizeof(vector), &scratch, on_fb, &got), ==, 1);
	g_assert_cmpuint(got.last.base_seq, ==, 10);
	g_assert_cmpuint(got.last.count, ==, 20);
	g_assert_cmpuint(got.last.reference, ==, 0x800001);
	g_assert_cmpuint(got.last.fb_count, ==, 0xff);
	/* 1 ms, 2 ms later, 63.75 ms later, then 0 and 0.25 ms steps. */
	const int64_t us[20] = {1000, 0, 3000, 0,     0,     0,	    0,	   0,	  0,	 0,
				0,    0, 0,    66750, 66750, 67000, 67250, 67500, 67750, 68000};
	for (int i = 0; i < 20; i++) {
		bool received = i == 0 || i == 2 || i >= 13;
		g_assert_cmpint(got.last.arrival_us[i], ==, received ? us[i] : INT64_MIN);
	}
}

static void test_parse_malformed(void)
{
	static struct relay_twcc_fb scratch;
	static struct parsed got;
	uint8_t pkt[] = {
	    0x8f, 0xcd, 0x00, 0x06, 0x48, 0x52, 0x54, 0x48, 0x11, 0x22, 0x33,
	    0x44, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00, 0xc0, 0x00, /* 2 statuses */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};

	/* Well formed: two "not received" (a 2-bit vector). */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, 1);
	/* Symbol 3 is reserved. */
	pkt[20] = 0xf0;
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, -EINVAL);
	pkt[20] = 0x60, pkt[21] = 0x02; /* run of 2 reserved */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, -EINVAL);
	pkt[20] = 0x40, pkt[21] = 0x02; /* run of 2 large deltas: 4 bytes, there */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, 1);
	pkt[21] = 0x04; /* 4 statuses past the count: still 2 */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, 1);
	pkt[15] = 0x04; /* 4 large deltas: 8 bytes, only 6 there */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, -EINVAL);
	pkt[15] = 0; /* no status */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, -EINVAL);
	pkt[14] = 0x04, pkt[15] = 0x01; /* 1025 statuses: the cap */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, -E2BIG);
	pkt[14] = 0, pkt[15] = 2;
	/* Lengths: the RTCP length past the buffer, a truncated header,
	 * padding larger than the packet. */
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt) - 4, &scratch, on_fb, &got), ==, -EINVAL);
	pkt[3] = 0x03;
	g_assert_cmpint(relay_twcc_parse(pkt, 16, &scratch, on_fb, &got), ==, -EINVAL);
	pkt[3] = 0x06, pkt[0] = 0xaf, pkt[27] = 0xff;
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, -EINVAL);
	/* Another RTCP packet alone: nothing reported. */
	pkt[0] = 0x81, pkt[1] = 0xcd, pkt[27] = 0;
	g_assert_cmpint(relay_twcc_parse(pkt, sizeof(pkt), &scratch, on_fb, &got), ==, 0);
}

/* What our builder writes, our parser reads back: every packet of a long
 * random run (losses, reordering, gaps past 8 and 16 bits), at its
 * arrival time to the 250 µs tick. */
struct roundtrip {
	int64_t arrival[70000]; /* by extended sequence number - 2^16; 0 = lost */
	unsigned seen[70000];
	int64_t ref_us;
	int64_t first;
	unsigned checked;
};

static void on_roundtrip(const struct relay_twcc_fb *fb, void *userdata)
{
	struct roundtrip *rt = userdata;
	int64_t ref = (int64_t)fb->reference * 64000;

	for (unsigned i = 0; i < fb->count; i++) {
		uint16_t seq = (uint16_t)(fb->base_seq + i);
		int64_t k = seq;
		if (k < rt->first)
			k += 65536;
		g_assert_cmpint(k, <, 70000);
		if (fb->arrival_us[i] == INT64_MIN)
			continue;
		g_assert_cmpint(rt->arrival[k], !=, 0);
		g_assert_cmpint(ref + fb->arrival_us[i], ==, rt->arrival[k] / 250 * 250);
		rt->seen[k]++;
		rt->checked++;
	}
}

static void test_parse_roundtrip(void)
{
	static struct relay_twcc tw;
	static struct relay_twcc_fb scratch;
	static struct roundtrip rt;
	uint8_t out[400];
	GRand *rand = g_rand_new_with_seed(16);
	int64_t t = T0;
	unsigned sent = 0;

	rt.first = 60000;
	for (int64_t k = rt.first; k < 69000; k++) {
		t += g_rand_int_range(rand, 0, 3000);
		if (g_rand_int_range(rand, 0, 500) == 0)
			t += 70 * MS; /* a delta past 8 bits */
		if (g_rand_int_range(rand, 0, 2000) == 0)
			t += 9000 * MS; /* past 16 bits: a new packet */
		if (g_rand_int_range(rand, 0, 20) == 0)
			continue; /* lost */
		rt.arrival[k] = t;
		relay_twcc_on_packet(&tw, (uint16_t)k, t);
		sent++;
		if (k % 37 == 0)
			for (int len; (len = relay_twcc_build(&tw, out, sizeof(out), 1, 2)) > 0;)
				g_assert_cmpint(
				    relay_twcc_parse(out, (size_t)len, &scratch, on_roundtrip, &rt),
				    ==, 1);
	}
	for (int len; (len = relay_twcc_build(&tw, out, sizeof(out), 1, 2)) > 0;)
		g_assert_cmpint(relay_twcc_parse(out, (size_t)len, &scratch, on_roundtrip, &rt), ==,
				1);
	g_assert_cmpuint(rt.checked, ==, sent);
	for (int64_t k = rt.first; k < 69000; k++)
		g_assert_cmpuint(rt.seen[k], ==, rt.arrival[k] ? 1 : 0);
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/twcc/ext-one-byte", test_ext_one_byte);
	g_test_add_func("/relay/twcc/ext-two-bytes", test_ext_two_bytes);
	g_test_add_func("/relay/twcc/wrap-reorder-late", test_wrap_reorder_late);
	g_test_add_func("/relay/twcc/run-length", test_run_length);
	g_test_add_func("/relay/twcc/missing-run", test_missing_run);
	g_test_add_func("/relay/twcc/delta-units", test_delta_units);
	g_test_add_func("/relay/twcc/large-delta-split", test_large_delta_split);
	g_test_add_func("/relay/twcc/history-and-split", test_history_and_split);
	g_test_add_func("/relay/twcc/parse-known", test_parse_known);
	g_test_add_func("/relay/twcc/parse-malformed", test_parse_malformed);
	g_test_add_func("/relay/twcc/parse-roundtrip", test_parse_roundtrip);
	return g_test_run();
}
