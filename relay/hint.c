#include "relay/hint.h"

#include "relay/feedback.h"
#include "relay/stream.h"

void relay_hint_apply(struct relay_worker *w, uint64_t to_id, uint64_t arg2, int64_t now)
{
	struct relay_transport *to = g_hash_table_lookup(w->by_id, &to_id), *pub;
	uint16_t height = RELAY_HINT_HEIGHT(arg2);
	struct relay_out *out;
	struct relay_pub_stream *ps;

	if (!to || to->p.publishing || to->state == RELAY_TRANSPORT_CLOSING)
		return;
	ps = relay_feedback_stream_to(w, to, RELAY_HINT_SSRC(arg2), &pub, &out);
	if (!ps || !out || ps->desc.kind != RELAY_STREAM_VIDEO)
		return;
	bool was_off = relay_out_video_off(out);
	out->max_height = height;
	/* A simulcast track: layers.c stops it and switches it on again at a
	 * keyframe of the encoding it gets, numbered on (relay/simulcast.h). */
	if (ps->desc.layers > 1)
		return;
	if (height == RELAY_HEIGHT_HIDDEN) {
		out->resuming = false;
		out->keyframe_asked_us = 0; /* nothing to wait for, nothing to ask again */
		return;
	}
	if (was_off && !relay_out_video_off(out))
		relay_hint_resume(w, to, pub, ps, out, now);
}

void relay_hint_resume(struct relay_worker *w, const struct relay_transport *to,
		       struct relay_transport *pub, struct relay_pub_stream *ps,
		       struct relay_out *out, int64_t now)
{
	/* Shown again: the picture needs a keyframe, asked for now (at most
	 * one request per RELAY_PLI_INTERVAL_US reaches the publisher, one
	 * within it goes when it ends); the tick asks again after 1 s. A
	 * subscriber not up yet gets its keyframes when it comes up. */
	out->resuming = true;
	out->keyframe_asked_us = now;
	if (to->state == RELAY_TRANSPORT_UP)
		relay_feedback_keyframe(w, pub, ps, now);
}

bool relay_hint_admit(struct relay_worker *w, const struct relay_pub_stream *ps,
		      struct relay_out *out, uint16_t seq, bool keyframe)
{
	/* A codec whose keyframes the relay does not recognise resumes at
	 * once: its receiver asks for one itself. */
	if (relay_out_video_off(out) || (!keyframe && ps->desc.codec != RELAY_CODEC_OTHER)) {
		atomic_fetch_add_explicit(out->budget_off && out->max_height != RELAY_HEIGHT_HIDDEN
					      ? &w->budget_skipped
					      : &w->hidden_skipped,
					  1, memory_order_relaxed);
		return false;
	}
	/* The first packet after the pause is numbered as the next one the
	 * subscriber expects: what it missed is not a loss to repair. */
	out->resuming = false;
	out->resume_seq = (uint16_t)(out->last_seq + 1);
	out->seq_skip = (uint16_t)(seq - out->resume_seq);
	out->keyframe_asked_us = 0;
	return true;
}
