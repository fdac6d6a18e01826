#include "relay/twcc.h"

#include <errno.h>

#include "relay/rtp.h"

_Static_assert((RELAY_TWCC_HISTORY & (RELAY_TWCC_HISTORY - 1)) == 0, "a power of two");

/* draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 */
#define TWCC_HEADER	  20	/* RTCP + feedback header, base, count, reference, fb count */
#define TWCC_TICK_US	  250	/* receive deltas count 250 µs */
#define TWCC_REF_US	  64000 /* the reference time counts 64 ms */
#define TWCC_RUN_MAX	  8191	/* 13-bit run length */
#define TWCC_NOT_RECEIVED 0	/* packet status symbols */
#define TWCC_SMALL_DELTA  1	/* 1 byte: 0 .. 63.75 ms */
#define TWCC_LARGE_DELTA  2	/* 2 bytes, signed: -8192 .. 8191.75 ms */
#define TWCC_RTPFB	  205
#define TWCC_FMT	  15

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

int relay_twcc_ext_seq(const uint8_t *pkt, size_t len, uint8_t id, uint16_t *ret_seq)
{
	const uint8_t *value;
	size_t n;
	int r = relay_rtp_ext_find(pkt, len, id, &value, &n);

	if (r < 0)
		return r;
	if (n != 2)
		return -EINVAL;
	*ret_seq = rd16(value);
	return 0;
}

void relay_twcc_on_packet(struct relay_twcc *tw, uint16_t seq, int64_t arrival_us)
{
	int64_t ext;

	if (!tw->started) {
		/* Extended numbers start at 2^16, so that 0 marks an empty slot. */
		tw->started = true;
		ext = tw->max_seq = tw->begin_seq = (int64_t)1 << 16 | seq;
	} else {
		ext = tw->max_seq + (int16_t)(uint16_t)(seq - (uint16_t)tw->max_seq);
		if (ext > tw->max_seq) {
			tw->max_seq = ext;
			/* More than the history unreported: the oldest are forgotten. */
			if (tw->max_seq - tw->begin_seq >= RELAY_TWCC_HISTORY)
				tw->begin_seq = tw->max_seq - RELAY_TWCC_HISTORY + 1;
		} else if (tw->max_seq - ext >= RELAY_TWCC_HISTORY || ext <= 0) {
			return; /* too old to say anything about */
		}
	}
	struct relay_twcc_slot *slot = &tw->slots[ext & (RELAY_TWCC_HISTORY - 1)];
	if (slot->seq == ext)
		return; /* a duplicate: the first arrival counts */
	slot->seq = ext;
	slot->arrival_us = arrival_us;
	/* Reported missing already: report again from it on, so that the
	 * sender learns it arrived (libwebrtc does the same). */
	if (ext < tw->begin_seq)
		tw->begin_seq = ext;
	tw->pending = true;
}

static const struct relay_twcc_slot *relay_twcc_received(const struct relay_twcc *tw, int64_t seq)
{
	const struct relay_twcc_slot *slot = &tw->slots[seq & (RELAY_TWCC_HISTORY - 1)];

	return slot->seq == seq ? slot : NULL;
}

/* Packet status chunks (§3.1.1-3.1.4) for n symbols, greedily: a run
 * length chunk for 14 or more equal symbols (or all that are left), else
 * a status vector of 14 one-bit symbols when none has a large delta, else
 * one of 7 two-bit symbols. Every chunk but the last covers at least 7.
 * The last vector may reach past n: the status count says where the
 * symbols end, and those past it are 0. Returns the bytes written. */
static size_t relay_twcc_chunks(const uint8_t *status, size_t n, uint8_t *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n;) {
		size_t run = 1, k;
		uint16_t chunk;
		while (i + run < n && run < TWCC_RUN_MAX && status[i + run] == status[i])
			run++;
		if (run >= 14 || i + run == n) {
			chunk = (uint16_t)(status[i] << 13 | run);
			i += run;
		} else {
			bool large = false;
			k = n - i < 14 ? n - i : 14;
			for (size_t j = 0; j < k; j++)
				large |= status[i + j] == TWCC_LARGE_DELTA;
			chunk = 0x8000;
			if (!large) {
				for (size_t j = 0; j < k; j++)
					chunk |= (uint16_t)(status[i + j] << (13 - j));
			} else {
				k = k < 7 ? k : 7;
				chunk |= 0x4000;
				for (size_t j = 0; j < k; j++)
					chunk |= (uint16_t)(status[i + j] << (12 - 2 * j));
			}
			i += k;
		}
		relay_rtp_wr16(out + len, chunk);
		len += 2;
	}
	return len;
}

int relay_twcc_build(struct relay_twcc *tw, uint8_t *out, size_t cap, uint32_t sender_ssrc,
		     uint32_t media_ssrc)
{
	uint8_t status[RELAY_TWCC_HISTORY];
	int16_t delta[RELAY_TWCC_HISTORY];
	const struct relay_twcc_slot *first = NULL;
	size_t n = 0, count = 0, deltas = 0, len;

	if (!tw->pending)
		return 0;
	if (cap < TWCC_HEADER + 4)
		return -ENOBUFS;
	for (int64_t s = tw->begin_seq; s <= tw->max_seq && !first; s++)
		first = relay_twcc_received(tw, s);
	if (!first) {
		tw->pending = false;
		return 0;
	}
	/* §3.1: the first delta is from the reference time, a multiple of
	 * 64 ms; each next one from the one before. Deltas are differences of
	 * whole ticks, so that their rounding does not add up. */
	int64_t ref = floor_div(first->arrival_us, TWCC_REF_US);
	int64_t prev = ref * (TWCC_REF_US / TWCC_TICK_US);
	for (int64_t s = tw->begin_seq; s <= tw->max_seq; s++) {
		const struct relay_twcc_slot *slot = relay_twcc_received(tw, s);
		if (!slot) {
			status[n++] = TWCC_NOT_RECEIVED;
			continue;
		}
		int64_t ticks = floor_div(slot->arrival_us, TWCC_TICK_US), d = ticks - prev;
		/* A delta beyond 16 bits starts the next packet (its own reference). */
		if (d < INT16_MIN || d > INT16_MAX)
			break;
		size_t size = d >= 0 && d <= 255 ? 1 : 2;
		/* At most one chunk per 7 symbols, and padding: an upper bound. */
		if (TWCC_HEADER + 2 * ((n + 7) / 7) + deltas + size + 3 > cap)
			break;
		status[n] = size == 1 ? TWCC_SMALL_DELTA : TWCC_LARGE_DELTA;
		delta[n++] = (int16_t)d;
		deltas += size;
		prev = ticks;
		count = n; /* a packet ends with a received one */
	}
	if (count == 0)
		return -ENOBUFS;

	relay_rtp_wr32(out + 4, sender_ssrc);
	relay_rtp_wr32(out + 8, media_ssrc);
	relay_rtp_wr16(out + 12, (uint16_t)tw->begin_seq);
	relay_rtp_wr16(out + 14, (uint16_t)count);
	relay_rtp_wr32(out + 16, (uint32_t)(ref & 0xffffff) << 8 | tw->fb_count);
	len = TWCC_HEADER + relay_twcc_chunks(status, count, out + TWCC_HEADER);
	for (size_t i = 0; i < count; i++) {
		if (status[i] == TWCC_SMALL_DELTA)
			out[len++] = (uint8_t)delta[i];
		else if (status[i] == TWCC_LARGE_DELTA)
			relay_rtp_wr16(out + len, (uint16_t)delta[i]), len += 2;
	}
	/* RFC 3550 §6.4.1: padding, its count in the last byte. */
	size_t pad = (4 - len % 4) % 4;
	for (size_t i = 0; i < pad; i++)
		out[len++] = i + 1 == pad ? (uint8_t)pad : 0;
	out[0] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | TWCC_FMT);
	out[1] = TWCC_RTPFB;
	relay_rtp_wr16(out + 2, (uint16_t)(len / 4 - 1));

	tw->fb_count++;
	tw->begin_seq += (int64_t)count;
	tw->pending = tw->begin_seq <= tw->max_seq;
	return (int)len;
}

/* One feedback packet's FCI (after the 12-byte RTCP feedback header):
 * §3.1 base, count, reference, fb count; the chunks (§3.1.2-3.1.4); the
 * deltas (§3.1.5). Fills fb; returns 0, -EINVAL or -E2BIG. */
static int relay_twcc_parse_fci(const uint8_t *p, size_t len, struct relay_twcc_fb *fb)
{
	uint8_t status[RELAY_TWCC_FB_MAX];
	size_t n = 0, off = TWCC_HEADER;

	if (len < TWCC_HEADER)
		return -EINVAL;
	fb->sender_ssrc = (uint32_t)rd16(p + 4) << 16 | rd16(p + 6);
	fb->media_ssrc = (uint32_t)rd16(p + 8) << 16 | rd16(p + 10);
	fb->base_seq = rd16(p + 12);
	fb->count = rd16(p + 14);
	fb->reference = (uint32_t)p[16] << 16 | (uint32_t)p[17] << 8 | p[18];
	fb->fb_count = p[19];
	if (fb->count == 0)
		return -EINVAL;
	if (fb->count > RELAY_TWCC_FB_MAX)
		return -E2BIG;
	while (n < fb->count) {
		if (off + 2 > len)
			return -EINVAL;
		uint16_t chunk = rd16(p + off);
		off += 2;
		if (!(chunk & 0x8000)) { /* §3.1.3 run length */
			unsigned sym = chunk >> 13 & 3, run = chunk & 0x1fff;
			if (run == 0 || sym == 3)
				return -EINVAL;
			for (unsigned i = 0; i < run && n < fb->count; i++)
				status[n++] = (uint8_t)sym;
		} else if (!(chunk & 0x4000)) { /* §3.1.4 14 one-bit symbols */
			for (unsigned i = 0; i < 14 && n < fb->count; i++)
				status[n++] = chunk >> (13 - i) & 1;
		} else { /* 7 two-bit symbols */
			for (unsigned i = 0; i < 7 && n < fb->count; i++) {
				unsigned sym = chunk >> (12 - 2 * i) & 3;
				if (sym == 3)
					return -EINVAL;
				status[n++] = (uint8_t)sym;
			}
		}
	}
	int64_t ticks = 0;
	for (size_t i = 0; i < n; i++) {
		if (status[i] == TWCC_NOT_RECEIVED) {
			fb->arrival_us[i] = INT64_MIN;
			continue;
		}
		if (off + status[i] > len)
			return -EINVAL;
		if (status[i] == TWCC_SMALL_DELTA)
			ticks += p[off];
		else
			ticks += (int16_t)rd16(p + off);
		off += status[i];
		fb->arrival_us[i] = ticks * TWCC_TICK_US;
	}
	return 0;
}

int relay_twcc_parse(const uint8_t *pkt, size_t len, struct relay_twcc_fb *fb,
		     void (*fn)(const struct relay_twcc_fb *fb, void *userdata), void *userdata)
{
	int found = 0;

	for (size_t off = 0; off < len;) {
		if (len - off < 4 || pkt[off] >> 6 != 2)
			return -EINVAL;
		size_t plen = 4 + 4u * rd16(pkt + off + 2);
		if (plen > len - off)
			return -EINVAL;
		const uint8_t *p = pkt + off;
		off += plen;
		if (p[1] != TWCC_RTPFB || (p[0] & 0x1f) != TWCC_FMT)
			continue;
		if (plen < TWCC_HEADER)
			return -EINVAL;
		/* RFC 3550 §6.4.1: padding, its count in the last byte. */
		if (p[0] & 0x20) {
			if (p[plen - 1] == 0 || p[plen - 1] > plen - TWCC_HEADER)
				return -EINVAL;
			plen -= p[plen - 1];
		}
		int r = relay_twcc_parse_fci(p, plen, fb);
		if (r < 0)
			return r;
		fn(fb, userdata);
		found++;
	}
	return found;
}
