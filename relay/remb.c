#include "relay/remb.h"

#include <errno.h>
#include <string.h>

#include "relay/rtp.h"

/* draft-alvestrand-rmcat-remb-03 §2.2 */
#define REMB_PSFB	  206
#define REMB_FMT	  15
#define REMB_HEADER	  20 /* RTCP + feedback header, "REMB", count/exp/mantissa */
#define REMB_MANTISSA_MAX 0x3ffffu
#define REMB_EXP_MAX	  63
/* abs-send-time: 6.18 fixed-point seconds, wrapping every 64 s. */
#define ABS_TICKS_PER_S 262144
#define ABS_WRAP	(1 << 24)

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int relay_remb_abs_send_time(const uint8_t *pkt, size_t len, uint8_t id, uint32_t *ret_abs)
{
	const uint8_t *v;
	size_t vlen;
	int r = relay_rtp_ext_find(pkt, len, id, &v, &vlen);

	if (r < 0)
		return r;
	if (vlen != 3)
		return -EINVAL;
	*ret_abs = (uint32_t)v[0] << 16 | (uint32_t)v[1] << 8 | v[2];
	return 0;
}

bool relay_remb_on_packet(struct relay_remb *r, uint32_t abs, size_t size, int64_t arrival_us)
{
	abs &= ABS_WRAP - 1;
	if (r->have_abs) {
		/* The shorter way round: a reordered packet goes back a little. */
		int32_t d = (int32_t)((abs - r->last_abs) & (ABS_WRAP - 1));
		if (d >= ABS_WRAP / 2)
			d -= ABS_WRAP;
		r->abs_ticks += d;
	}
	r->have_abs = true;
	r->last_abs = abs;
	if (r->n < RELAY_REMB_BATCH) {
		r->batch[r->n++] = (struct relay_bwe_packet){
		    .send_us = r->abs_ticks * 1000000 / ABS_TICKS_PER_S,
		    .arrival_us = arrival_us,
		    .size = (uint32_t)size,
		};
	}
	return r->n == RELAY_REMB_BATCH;
}

uint32_t relay_remb_update(struct relay_remb *r, const struct relay_bwe_config *cfg, int64_t now_us)
{
	if (r->n == 0)
		return 0;
	if (!r->started) {
		relay_bwe_init(&r->est, cfg);
		r->started = true;
	}
	relay_bwe_on_feedback(&r->est, r->batch, r->n, now_us);
	r->n = 0;
	uint32_t bps = r->est.estimate_bps;
	int64_t since = now_us - r->sent_us;
	bool due = r->sent_us == 0 || since >= RELAY_REMB_INTERVAL_US ||
		   (since >= RELAY_REMB_MIN_INTERVAL_US &&
		    (uint64_t)bps * 100 < (uint64_t)r->sent_bps * RELAY_REMB_DROP_PERCENT);
	if (!due || bps == 0)
		return 0;
	r->sent_bps = bps;
	r->sent_us = now_us;
	return bps;
}

int relay_remb_build(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bps,
		     const uint32_t *ssrcs, unsigned n)
{
	size_t len = REMB_HEADER + 4 * (size_t)n;
	unsigned exp = 0;

	if (n == 0 || n > RELAY_REMB_MAX_SSRCS)
		return -EINVAL;
	if (cap < len)
		return -ENOSPC;
	while (bps > REMB_MANTISSA_MAX && exp < REMB_EXP_MAX) {
		bps >>= 1;
		exp++;
	}
	if (bps > REMB_MANTISSA_MAX)
		bps = REMB_MANTISSA_MAX;
	out[0] = 0x80 | REMB_FMT;
	out[1] = REMB_PSFB;
	out[2] = (uint8_t)((len / 4 - 1) >> 8);
	out[3] = (uint8_t)(len / 4 - 1);
	wr32(out + 4, sender_ssrc);
	wr32(out + 8, 0); /* media source: unused (§2.2) */
	memcpy(out + 12, "REMB", 4);
	wr32(out + 16, (uint32_t)n << 24 | (uint32_t)exp << 18 | (uint32_t)bps);
	for (unsigned i = 0; i < n; i++)
		wr32(out + REMB_HEADER + 4 * i, ssrcs[i]);
	return (int)len;
}

int relay_remb_parse(const uint8_t *pkt, size_t len, uint64_t *ret_bps)
{
	size_t off = 0;

	while (off + 4 <= len) {
		const uint8_t *p = pkt + off;
		size_t plen = 4 * ((size_t)(p[2] << 8 | p[3]) + 1);
		if ((p[0] >> 6) != 2 || plen > len - off)
			return -EINVAL;
		if (p[1] == REMB_PSFB && (p[0] & 0x1f) == REMB_FMT && plen >= REMB_HEADER &&
		    memcmp(p + 12, "REMB", 4) == 0) {
			uint32_t v = rd32(p + 16);
			unsigned count = v >> 24;
			if (REMB_HEADER + 4 * (size_t)count > plen)
				return -EINVAL;
			unsigned exp = (v >> 18) & REMB_EXP_MAX;
			uint64_t mantissa = v & REMB_MANTISSA_MAX;
			/* 18 bits shifted by more than 46 do not fit: as good as
			 * no limit. */
			*ret_bps = exp > 64 - 18 ? UINT64_MAX : mantissa << exp;
			return 0;
		}
		off += plen;
	}
	return off == len ? -ENOENT : -EINVAL;
}
