/* Pacing on the worker (relay/pace.h is the pure budget and queue): each
 * subscriber with a bandwidth estimate (relay/congestion.c) gets its video
 * at RELAY_PACE_FACTOR_TENTHS/10 x its estimate; its sound, RTCP and
 * anything sent while nothing waits go at once.
 *
 * One hook on the send path: a finished, unprotected RTP copy in the send
 * batch's slot goes to relay_pacing_send() instead of being stamped,
 * protected and committed there. What goes at once is stamped with the
 * transport-wide sequence number (sent.c; abs-send-time for a REMB
 * subscriber, relay_pacing_stamp()), protected and committed as
 * before; video that must wait is copied into the subscriber's queue and
 * gets its stamp, send time and SRTP protection when it leaves
 * (relay_pacing_due(), from the worker loop at next_pace_us): the
 * estimator sees when it really left, and the SRTP index and transport-wide
 * numbers of one SSRC keep their order (a packet goes at once only when
 * nothing of its subscriber waits).
 *
 * What waits drains within about RELAY_PACE_DRAIN_US (the rate rises for
 * a large keyframe). A packet that waited RELAY_PACE_MAX_DELAY_US, or the
 * oldest of a full
 * queue, is dropped (hearth_pacer_dropped_total) and a keyframe of its
 * stream asked for, as if the subscriber had. */
#ifndef HEARTH_RELAY_PACING_H
#define HEARTH_RELAY_PACING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

/* Subscribers' queues a worker allocates at most (~190 KB each); beyond,
 * subscribers go unpaced (hearth_pacers_refused_total). */
#define RELAY_PACERS_PER_WORKER 256

/* A queue for subscriber `to` once it has estimation (after ROUTES_SET),
 * within the worker's cap. */
void relay_pacing_routes(struct relay_worker *w, struct relay_transport *to);

/* Frees to's queue (it is being reaped). */
void relay_pacing_release(struct relay_worker *w, struct relay_transport *to);

/* Sends (or, video, queues) the unprotected RTP copy of len bytes in the
 * send batch's slot (relay_send_batch_slot) to `to`. Returns 1 when it went
 * into the batch, 0 when it waits in the queue, a negative errno when it
 * was dropped (SRTP failed, too large to queue). */
int relay_pacing_send(struct relay_worker *w, struct relay_transport *to, uint8_t *slot, size_t len,
		      bool video, int64_t now);

/* Stamps the unprotected copy of *len bytes in a send slot for to's
 * estimation as it leaves at now (*len grows): the transport-wide number,
 * noted as sent in probe cluster probe (0: media; relay/sent.h), or, for a
 * REMB subscriber (congestion.c), abs-send-time, its media bytes counted.
 * Nothing for a subscriber with neither. */
void relay_pacing_stamp(struct relay_transport *to, uint8_t *slot, size_t *len, int64_t now,
			uint8_t probe);

/* Whether something waits to go to `to` (a probe must not overtake it). */
bool relay_pacing_busy(const struct relay_transport *to);

/* Sends what is due of every queue, drops what waited too long, and sets
 * w->next_pace_us (INT64_MAX: nothing waits). Flushes the batch. */
void relay_pacing_due(struct relay_worker *w, int64_t now);

#endif
