#include "relay/dynacast.h"

#include "relay/layers.h"
#include "relay/transport.h"

/* The encodings, from the lowest, that out would take: none when hidden,
 * the lowest when its downlink has no room, else up to the smallest one
 * at least as tall as its tile (all when that is not known). */
static uint8_t relay_dynacast_out(const struct relay_transport *t,
				  const struct relay_pub_stream *head, const struct relay_out *out)
{
	uint8_t layers = head->desc.layers;

	if (out->max_height == RELAY_HEIGHT_HIDDEN)
		return 0;
	if (out->budget_off)
		return 1;
	if (out->max_height == RELAY_HEIGHT_ANY)
		return layers;
	for (uint8_t k = 0; k < layers; k++) {
		const struct relay_pub_stream *ps =
		    relay_layers_stream((struct relay_transport *)t, head, k);
		if (!ps || !ps->height)
			return layers; /* a size not known yet: no saving on a guess */
		if (ps->height >= out->max_height)
			return (uint8_t)(k + 1);
	}
	return layers;
}

uint8_t relay_dynacast_wanted(const struct relay_transport *t, const struct relay_pub_stream *head)
{
	uint8_t wanted = 1;

	for (unsigned o = 0; o < head->out_count && wanted < head->desc.layers; o++) {
		uint8_t n = relay_dynacast_out(t, head, &head->outs[o]);
		if (n > wanted)
			wanted = n;
	}
	return wanted;
}

void relay_dynacast_tick(struct relay_worker *w, struct relay_transport *t, int64_t now)
{
	for (unsigned s = 0; s < t->p.stream_count; s++) {
		struct relay_pub_stream *head = &t->pub[s];
		if (head->desc.layers < 2 || head->desc.layer != 0)
			continue;
		/* A publisher starts with every encoding on. */
		if (!head->layers_told)
			head->layers_told = head->desc.layers;
		uint8_t wanted = relay_dynacast_wanted(t, head);
		if (wanted >= head->layers_told)
			head->fewer_since_us = 0;
		if (wanted == head->layers_told)
			continue;
		if (wanted < head->layers_told) {
			if (!head->fewer_since_us)
				head->fewer_since_us = now;
			if (now - head->fewer_since_us < RELAY_DYNACAST_LOWER_US)
				continue;
		}
		head->layers_told = wanted;
		head->fewer_since_us = 0;
		relay_worker_emit(w, RELAY_EVT_LAYERS_WANTED, t->p.id,
				  (uint64_t)head->desc.group_ssrc << 8 | wanted);
	}
}
