#include "relay/layers.h"

#include <errno.h>
#include <string.h>

#include "relay/rtp.h"
#include "relay/simulcast.h"
#include "relay/transport.h"

/* Whether some simulcast encoding of t has no SSRC (or, with the repaired
 * rid negotiated, no RTX SSRC) yet. */
static bool relay_layers_unlearnt(const struct relay_transport *t)
{
	for (unsigned s = 0; s < t->p.stream_count; s++) {
		const struct relay_stream *d = &t->pub[s].desc;
		if (d->layers > 1 &&
		    (!d->ssrc || (d->rrid_ext_id && d->rtx_payload_type && !d->rtx_ssrc)))
			return true;
	}
	return false;
}

bool relay_layers_probe(struct relay_transport *t, uint32_t ssrc)
{
	if (!ssrc || !t->p.publishing || t->ssrc_probes >= RELAY_SSRC_PROBES_MAX ||
	    !relay_layers_unlearnt(t))
		return false;
	t->ssrc_probes++;
	return true;
}

/* Whether the element with this id holds exactly text. */
static bool relay_layers_ext_is(const uint8_t *pkt, size_t len, uint8_t id, const char *text)
{
	const uint8_t *v;
	size_t n;

	return id && relay_rtp_ext_find(pkt, len, id, &v, &n) == 0 && n == strlen(text) &&
	       memcmp(v, text, n) == 0;
}

int relay_layers_learn(struct relay_transport *t, const uint8_t *pkt, size_t len)
{
	struct relay_rtp_header h;

	if (relay_rtp_parse(pkt, len, &h) < 0 || !h.ssrc)
		return -ENOENT;
	for (unsigned s = 0; s < t->p.stream_count; s++) {
		struct relay_stream *d = &t->pub[s].desc;
		if (d->layers < 2)
			continue;
		/* The mid tells two simulcast tracks' rids apart; a packet
		 * without it must at least name the rid. */
		const uint8_t *v;
		size_t n;
		if (d->mid_ext_id && relay_rtp_ext_find(pkt, len, d->mid_ext_id, &v, &n) == 0 &&
		    (n != strlen(d->mid) || memcmp(v, d->mid, n) != 0))
			continue;
		uint32_t *learnt = NULL;
		if (!d->ssrc && h.payload_type == d->payload_type &&
		    relay_layers_ext_is(pkt, len, d->rid_ext_id, d->rid))
			learnt = &d->ssrc;
		else if (!d->rtx_ssrc && d->rtx_payload_type &&
			 h.payload_type == d->rtx_payload_type &&
			 relay_layers_ext_is(pkt, len, d->rrid_ext_id, d->rid))
			learnt = &d->rtx_ssrc;
		if (!learnt)
			continue;
		*learnt = h.ssrc;
		/* What relay_transport_accepts_ssrc() reads. */
		t->p.streams[s].ssrc = d->ssrc;
		t->p.streams[s].rtx_ssrc = d->rtx_ssrc;
		return 0;
	}
	return -ENOENT;
}

struct relay_pub_stream *relay_layers_head(struct relay_transport *t,
					   const struct relay_pub_stream *ps)
{
	if (ps->desc.layers < 2 || ps->desc.layer == 0)
		return (struct relay_pub_stream *)ps;
	return relay_layers_stream(t, ps, 0);
}

struct relay_pub_stream *relay_layers_stream(struct relay_transport *t,
					     const struct relay_pub_stream *head, uint8_t layer)
{
	if (head->desc.layers < 2 || layer == RELAY_LAYER_NONE)
		return (struct relay_pub_stream *)head;
	for (unsigned s = 0; s < t->p.stream_count; s++)
		if (t->pub[s].desc.group_ssrc == head->desc.group_ssrc &&
		    t->pub[s].desc.layer == layer)
			return &t->pub[s];
	return NULL;
}

struct relay_pub_stream *relay_layers_keyframe_stream(struct relay_transport *t,
						      const struct relay_pub_stream *head,
						      const struct relay_out *out)
{
	if (head->desc.layers < 2)
		return (struct relay_pub_stream *)head;
	uint8_t layer = out->sc.target != RELAY_LAYER_NONE ? out->sc.target : out->sc.current;
	struct relay_pub_stream *ps = relay_layers_stream(t, head, layer);
	return ps ? ps : (struct relay_pub_stream *)head;
}

/* Frames a second over the last whole window. */
static unsigned relay_layers_fps(const struct relay_pub_stream *ps)
{
	return (unsigned)(ps->frames_last * 1000000LL / RELAY_LAYER_WINDOW_US);
}

/* Whether an encoding below ps (its track's) ended RELAY_LAYER_OVERTAKEN
 * frames since ps's last packet. */
static bool relay_layers_overtaken(struct relay_transport *t, const struct relay_pub_stream *ps)
{
	if (ps->desc.layers < 2 || ps->desc.layer == 0)
		return false;
	const struct relay_pub_stream *head = relay_layers_head(t, ps);
	for (uint8_t k = 0; head && k < ps->desc.layer; k++) {
		const struct relay_pub_stream *below = relay_layers_stream(t, head, k);
		/* The oldest of its last frame ends (the next to be replaced). */
		if (below && below->frame_end_us[below->frame_end_head] > ps->last_rtp_us)
			return true;
	}
	return false;
}

bool relay_layers_active(struct relay_transport *t, const struct relay_pub_stream *ps, int64_t now)
{
	return ps && ps->last_rtp_us && now - ps->last_rtp_us < RELAY_LAYER_ACTIVE_US &&
	       !relay_layers_overtaken(t, ps);
}

uint8_t relay_layers_best(struct relay_transport *t, const struct relay_pub_stream *head,
			  uint8_t max_layer, int64_t now)
{
	uint8_t top = (uint8_t)(head->desc.layers - 1);

	if (max_layer < top)
		top = max_layer;
	for (int layer = top; layer >= 0; layer--) {
		const struct relay_pub_stream *ps = relay_layers_stream(t, head, (uint8_t)layer);
		if (!relay_layers_active(t, ps, now))
			continue;
		/* Compared with the best one below that is being sent. */
		const struct relay_pub_stream *below = NULL;
		for (int k = layer - 1; k >= 0 && !below; k--) {
			below = relay_layers_stream(t, head, (uint8_t)k);
			if (!relay_layers_active(t, below, now))
				below = NULL;
		}
		unsigned fps = relay_layers_fps(ps);
		if (!below || fps >= RELAY_LAYER_GOOD_FPS || 2 * fps >= relay_layers_fps(below))
			return (uint8_t)layer;
	}
	return top;
}

int64_t relay_layers_on_packet(struct relay_pub_stream *ps, const uint8_t *payload, size_t len,
			       bool marker, int64_t now)
{
	int64_t dropped = -1;

	ps->last_rtp_us = now;
	if (marker) {
		dropped = ps->frame_end_us[ps->frame_end_head];
		ps->frame_end_us[ps->frame_end_head] = now;
		ps->frame_end_head = (uint8_t)((ps->frame_end_head + 1) % RELAY_LAYER_OVERTAKEN);
	}
	if (marker && ps->frames_now < UINT16_MAX)
		ps->frames_now++;
	if (len < UINT32_MAX - ps->bytes_now)
		ps->bytes_now += (uint32_t)len;
	if (ps->desc.codec == RELAY_CODEC_VP8)
		relay_rtp_vp8_size(payload, len, &ps->width, &ps->height);
	return dropped;
}

bool relay_layers_stops_above(struct relay_transport *t, const struct relay_pub_stream *ps,
			      int64_t dropped_us)
{
	if (ps->desc.layers < 2 || dropped_us < 0)
		return false;
	const struct relay_pub_stream *head = relay_layers_head(t, ps);
	int64_t oldest = ps->frame_end_us[ps->frame_end_head];
	for (uint8_t k = (uint8_t)(ps->desc.layer + 1); head && k < ps->desc.layers; k++) {
		const struct relay_pub_stream *above = relay_layers_stream(t, head, k);
		if (above && above->last_rtp_us && dropped_us <= above->last_rtp_us &&
		    above->last_rtp_us < oldest)
			return true;
	}
	return false;
}

uint32_t relay_layers_bitrate(const struct relay_pub_stream *ps)
{
	uint64_t bytes = (uint64_t)ps->bytes_last + ps->bytes_before;

	return (uint32_t)(bytes * 8 * 1000000 / (2 * RELAY_LAYER_WINDOW_US));
}
