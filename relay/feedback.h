/* The relay's own RTCP feedback to publishers, and what it learns for it:
 * keyframe requests (PLI) at most one per stream per
 * RELAY_PLI_INTERVAL_US (one asked for within the interval is sent when it
 * ends, by relay_feedback_pending_plis() every tick), receiver reports
 * (RFC 3550 §6.4.2) from the statistics the forwarding path keeps, and the
 * sender reports those need. Subscribers' own PLI/FIR are not forwarded:
 * they become the relay's PLI to the publisher, rate limited the same way. */
#ifndef HEARTH_RELAY_FEEDBACK_H
#define HEARTH_RELAY_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

/* Asks publisher stream ps for a keyframe, when it is video. */
void relay_feedback_keyframe(struct relay_worker *w, struct relay_transport *pub,
			     struct relay_pub_stream *ps, int64_t now);

/* Asks every publisher that subscriber `to` receives video from for a
 * keyframe (it came up, or moved). */
/* The publisher stream of `to`'s session on this worker that sends ssrc,
 * its transport, and its out to `to` (NULL when `to` does not receive it);
 * NULL when there is none. A walk over the worker's transports: for
 * feedback, never for media packets. */
struct relay_pub_stream *relay_feedback_stream_to(struct relay_worker *w,
						  const struct relay_transport *to, uint32_t ssrc,
						  struct relay_transport **ret_pub,
						  struct relay_out **ret_out);

/* As if subscriber `to` had asked for a keyframe of ssrc (a stream it
 * receives; any other is ignored): its pacer dropped some of it. */
void relay_feedback_keyframe_ssrc(struct relay_worker *w, struct relay_transport *to, uint32_t ssrc,
				  int64_t now);

void relay_feedback_keyframes_for(struct relay_worker *w, struct relay_transport *to, int64_t now);

/* Asks again for the keyframes subscribers have waited for longer than
 * RELAY_KEYFRAME_WAIT_US (the request or the keyframe was lost). */
void relay_feedback_keyframe_retries(struct relay_worker *w, struct relay_transport *pub,
				     int64_t now);

/* Sends the PLIs asked for within the last interval, once it has ended. */
void relay_feedback_pending_plis(struct relay_worker *w, struct relay_transport *pub, int64_t now);

/* Sends the relay's receiver report to a publisher (nothing to others). */
void relay_feedback_receiver_report(struct relay_worker *w, struct relay_transport *pub,
				    int64_t now);

/* Sends a publisher its transport-cc feedback: what arrived since the
 * last (nothing when nothing did). */
void relay_feedback_twcc(struct relay_worker *w, struct relay_transport *pub);
/* A publisher that does REMB (remb.c): the packets noted since the last
 * call update its estimate, and a REMB goes to it when one is due. */
void relay_feedback_remb(struct relay_worker *w, struct relay_transport *pub, int64_t now);

/* A publisher's (unprotected) RTCP: its sender reports, for the receiver
 * reports' LSR/DLSR. */
void relay_feedback_from_publisher(struct relay_transport *pub, const uint8_t *pkt, size_t len,
				   int64_t now);

/* A subscriber's (unprotected) RTCP: its keyframe requests go to the
 * publishers of its session that send the stream asked about; its
 * reports give its round trip and the loss it sees per stream. */
void relay_feedback_from_subscriber(struct relay_worker *w, struct relay_transport *to,
				    const uint8_t *pkt, size_t len, int64_t now);

#endif
