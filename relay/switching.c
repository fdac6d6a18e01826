#include "relay/switching.h"

#include "core/log.h"
#include "relay/feedback.h"
#include "relay/layers.h"
#include "relay/simulcast.h"
#include "relay/transport.h"

void relay_switching_tick(struct relay_worker *w, struct relay_transport *t, int64_t now)
{
	if (now - t->layers_window_us >= RELAY_LAYER_WINDOW_US) {
		t->layers_window_us = now;
		for (unsigned s = 0; s < t->p.stream_count; s++) {
			t->pub[s].frames_last = t->pub[s].frames_now;
			t->pub[s].frames_now = 0;
			t->pub[s].bytes_before = t->pub[s].bytes_last;
			t->pub[s].bytes_last = t->pub[s].bytes_now;
			t->pub[s].bytes_now = 0;
		}
	}
	for (unsigned s = 0; s < t->p.stream_count; s++) {
		struct relay_pub_stream *head = &t->pub[s];
		if (head->desc.layers < 2 || head->desc.layer != 0)
			continue;
		for (unsigned o = 0; o < head->out_count; o++) {
			struct relay_out *out = &head->outs[o];
			/* Not shown (hint.c) or no room for any of it
			 * (budget.c): nothing, and on again at a keyframe,
			 * numbered on. */
			if (relay_out_video_off(out)) {
				out->sc.target = RELAY_LAYER_NONE;
				out->sc.current = RELAY_LAYER_NONE;
				continue;
			}
			uint8_t target = relay_layers_best(t, head, out->max_layer, now);
			bool changed = target != out->sc.target;
			out->sc.target = target;
			if (target == out->sc.current || out->to->state != RELAY_TRANSPORT_UP)
				continue;
			/* The switch waits for its keyframe: asked for now, and
			 * again when it has not come within the wait. */
			if (!changed && now - out->layer_asked_us < RELAY_KEYFRAME_WAIT_US)
				continue;
			struct relay_pub_stream *ps = relay_layers_stream(t, head, target);
			if (!ps)
				continue;
			out->layer_asked_us = now;
			/* At most once a RELAY_KEYFRAME_WAIT_US per subscriber
			 * and track, for whoever debugs a switch. */
			log_debug("worker %u: transport %llu: layer %d to %u, keyframe asked%s",
				  w->index, (unsigned long long)out->to->p.id,
				  out->sc.current == RELAY_LAYER_NONE ? -1 : out->sc.current,
				  target, changed ? "" : " again");
			relay_feedback_keyframe(w, t, ps, now);
		}
	}
}
