#include "relay/simulcast.h"

#include <string.h>

/* The time between two frames when an encoding's switch comes at once
 * after the last packet sent (in 90 kHz ticks): never the same timestamp
 * for two frames. */
#define RELAY_SIMULCAST_MIN_TICKS 1
/* A switch after a long pause does not jump the clock by more. */
#define RELAY_SIMULCAST_MAX_GAP_US (10 * 1000000LL)

bool relay_vp8_ids_read(const uint8_t *p, size_t len, struct relay_vp8_ids *ret)
{
	size_t n = 1;

	memset(ret, 0, sizeof(*ret));
	if (len < 1)
		return false;
	if (!(p[0] & 0x80)) /* X: no extension, no ids */
		return true;
	if (len < 2)
		return false;
	uint8_t x = p[1];
	n = 2;
	if (x & 0x80) { /* I: a picture id */
		if (len <= n)
			return false;
		ret->pic_off = n;
		if (p[n] & 0x80) { /* M: 15 bits */
			if (len <= n + 1)
				return false;
			ret->pic_15 = true;
			ret->pic = (uint16_t)((p[n] & 0x7f) << 8 | p[n + 1]);
			n += 2;
		} else {
			ret->pic = p[n] & 0x7f;
			n += 1;
		}
	}
	if (x & 0x40) { /* L: TL0PICIDX */
		if (len <= n)
			return false;
		ret->tl0_off = n;
		ret->tl0 = p[n];
		n++;
	}
	if (x & 0x30) /* T or K: TID/Y/KEYIDX */
		n++;
	return len >= n;
}

void relay_simulcast_init(struct relay_simulcast_out *s, bool vp8, uint8_t target)
{
	memset(s, 0, sizeof(*s));
	s->current = RELAY_LAYER_NONE;
	s->target = target;
	s->vp8 = vp8;
}

bool relay_simulcast_accept(struct relay_simulcast_out *s, uint8_t layer,
			    const struct relay_rtp_header *h, const uint8_t *payload, size_t len,
			    bool keyframe_start, int64_t now_us)
{
	struct relay_vp8_ids ids;

	if (layer == s->current)
		return (int16_t)(uint16_t)(h->seq - s->first_seq) >= 0;
	if (layer != s->target || !keyframe_start)
		return false;
	memset(&ids, 0, sizeof(ids));
	if (s->vp8 && !relay_vp8_ids_read(payload, len, &ids))
		return false;
	if (s->started) {
		int64_t gap = now_us - s->last_us;
		if (gap > RELAY_SIMULCAST_MAX_GAP_US)
			gap = RELAY_SIMULCAST_MAX_GAP_US;
		int64_t ticks = gap * 90 / 1000;
		if (ticks < RELAY_SIMULCAST_MIN_TICKS)
			ticks = RELAY_SIMULCAST_MIN_TICKS;
		s->seq_delta = (uint16_t)(s->last_seq + 1 - h->seq);
		s->ts_delta = s->last_ts + (uint32_t)ticks - h->timestamp;
		s->pic_delta = (uint16_t)(s->last_pic + 1 - ids.pic);
		s->tl0_delta = (uint8_t)(s->last_tl0 + 1 - ids.tl0);
	} else {
		s->seq_delta = 0;
		s->ts_delta = 0;
		s->pic_delta = 0;
		s->tl0_delta = 0;
	}
	s->current = layer;
	s->first_seq = h->seq;
	s->switch_seq = (uint16_t)(h->seq + s->seq_delta);
	s->switches++;
	return true;
}

/* Writes the subscriber's numbers; returns the picture id and TL0PICIDX
 * written (the encoding's own when there are none). */
static void relay_simulcast_write(const struct relay_simulcast_out *s, uint8_t *pkt, size_t len,
				  const struct relay_rtp_header *h, uint32_t ssrc,
				  struct relay_vp8_ids *ret_ids)
{
	struct relay_vp8_ids *ids = ret_ids;

	relay_rtp_wr16(pkt + 2, (uint16_t)(h->seq + s->seq_delta));
	relay_rtp_wr32(pkt + 4, h->timestamp + s->ts_delta);
	relay_rtp_wr32(pkt + 8, ssrc);
	if (!s->vp8 || h->header_len >= len ||
	    !relay_vp8_ids_read(pkt + h->header_len, len - h->header_len, ids)) {
		memset(ids, 0, sizeof(*ids));
		return;
	}
	uint8_t *d = pkt + h->header_len;
	if (ids->pic_off) {
		if (ids->pic_15) {
			ids->pic = (uint16_t)((ids->pic + s->pic_delta) & 0x7fff);
			d[ids->pic_off] = (uint8_t)(0x80 | ids->pic >> 8);
			d[ids->pic_off + 1] = (uint8_t)ids->pic;
		} else {
			ids->pic = (uint16_t)((ids->pic + s->pic_delta) & 0x7f);
			d[ids->pic_off] = (uint8_t)ids->pic;
		}
	}
	if (ids->tl0_off) {
		ids->tl0 = (uint8_t)(ids->tl0 + s->tl0_delta);
		d[ids->tl0_off] = ids->tl0;
	}
}

void relay_simulcast_rewrite(struct relay_simulcast_out *s, uint8_t *pkt, size_t len,
			     const struct relay_rtp_header *h, uint32_t ssrc, int64_t now_us)
{
	struct relay_vp8_ids ids;
	uint16_t seq = (uint16_t)(h->seq + s->seq_delta);
	uint32_t ts = h->timestamp + s->ts_delta;

	relay_simulcast_write(s, pkt, len, h, ssrc, &ids);
	if (!s->started || (int16_t)(uint16_t)(seq - s->last_seq) > 0)
		s->last_seq = seq;
	if (!s->started || (int32_t)(ts - s->last_ts) > 0) {
		s->last_ts = ts;
		s->last_us = now_us;
	}
	/* Newer in 15 bits: the difference's bit 14 is its sign. */
	if (ids.pic_off &&
	    (!s->started || (int16_t)(uint16_t)((uint16_t)(ids.pic - s->last_pic) << 1) > 0))
		s->last_pic = ids.pic;
	if (ids.tl0_off && (!s->started || (int8_t)(uint8_t)(ids.tl0 - s->last_tl0) > 0))
		s->last_tl0 = ids.tl0;
	s->started = true;
}

void relay_simulcast_rewrite_again(const struct relay_simulcast_out *s, uint8_t *pkt, size_t len,
				   const struct relay_rtp_header *h, uint32_t ssrc)
{
	struct relay_vp8_ids ids;

	relay_simulcast_write(s, pkt, len, h, ssrc, &ids);
}

bool relay_simulcast_seq_in(const struct relay_simulcast_out *s, uint16_t seq, uint16_t *ret_seq)
{
	if (s->current == RELAY_LAYER_NONE || (int16_t)(uint16_t)(seq - s->switch_seq) < 0)
		return false;
	*ret_seq = (uint16_t)(seq - s->seq_delta);
	return true;
}
