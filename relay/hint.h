/* A subscriber's hints about the video it receives (RELAY_CMD_HINT): a
 * stream its client does not show (an off-screen tile, a hidden page,
 * "audio only") gets nothing from the relay: no packets, no RTX, its
 * NACKs and keyframe requests ignored. Shown again, it resumes at the
 * publisher's next keyframe, asked for at once, with sequence numbers
 * that go on from the last one it was sent (so that its SRTP index and
 * jitter buffer see no gap, however long it was hidden). Audio is never
 * hidden. */
#ifndef HEARTH_RELAY_HINT_H
#define HEARTH_RELAY_HINT_H

#include <stdbool.h>
#include <stdint.h>

#include "relay/rtp.h"
#include "relay/stage.h"

/* RELAY_CMD_HINT: subscriber to_id's hint arg2 (RELAY_HINT(ssrc,
 * max_height)) about the video stream it receives with that SSRC; a
 * stream it does not receive, or audio, is left alone. */
void relay_hint_apply(struct relay_worker *w, uint64_t to_id, uint64_t arg2, int64_t now);

/* One-encoding out switched on again (shown, or room on the downlink): it
 * resumes at the next keyframe, asked for now. */
void relay_hint_resume(struct relay_worker *w, const struct relay_transport *to,
		       struct relay_transport *pub, struct relay_pub_stream *ps,
		       struct relay_out *out, int64_t now);

/* Whether a packet (sequence number seq; keyframe: it starts one) goes to
 * out, which is hidden or resuming; counts what it skips. */
bool relay_hint_admit(struct relay_worker *w, const struct relay_pub_stream *ps,
		      struct relay_out *out, uint16_t seq, bool keyframe);

/* A packet copied for out (RTP header at slot): its sequence number made
 * the subscriber's, and the highest sent noted. */
static inline void relay_hint_number(struct relay_out *out, uint8_t *slot)
{
	uint16_t seq = (uint16_t)((uint16_t)(slot[2] << 8 | slot[3]) - out->seq_skip);

	if (out->seq_skip)
		relay_rtp_wr16(slot + 2, seq);
	if (!out->sent || (int16_t)(seq - out->last_seq) > 0)
		out->last_seq = seq;
	out->sent = true;
}

/* The publisher's sequence number of the packet the subscriber numbers
 * seq, or -1 when it asks for one from before its last resume (another
 * numbering) or while it hides the stream. */
static inline int32_t relay_hint_original_seq(const struct relay_out *out, uint16_t seq)
{
	if (relay_out_video_off(out) || out->resuming ||
	    (out->seq_skip && (int16_t)(seq - out->resume_seq) < 0))
		return -1;
	return (uint16_t)(seq + out->seq_skip);
}

#endif
