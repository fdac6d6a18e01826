/* Each subscriber's video within its downlink: from the tick, for every
 * subscriber with a bandwidth estimate (relay/congestion.h), the layer
 * allocator (relay/allocate.h) is given its video tracks (each encoding's
 * bitrate as measured, relay/layers.h) and a budget: 90 % of the lowest
 * estimate of the last 2-4 s
 * (the rest: packet headers, retransmissions, the estimate's own error)
 * less the audio it receives. The answer caps each simulcast out
 * (`max_layer`, which relay_layers_tick() then follows, switching at a
 * keyframe): down at once, up only once the allocator has wanted it for
 * RELAY_BUDGET_UP_US (longer after steps up that did not hold) and, when
 * it takes more than the path carried lately, once a trial at that rate
 * passed (`bwe_step_bps`, congestion.c). What all
 * its tracks would want at their best is
 * the estimator's probing target (`bwe_target_bps`). */
#ifndef HEARTH_RELAY_BUDGET_H
#define HEARTH_RELAY_BUDGET_H

#include <stdint.h>

#include "relay/stage.h"

#define RELAY_BUDGET_UP_US (2 * 1000000LL)
/* Video switched off for want of room comes on again as soon as the
 * budget holds it; when it went off within RELAY_BUDGET_STAYED_US of
 * coming on, the next try waits RELAY_BUDGET_UP_US times the failures in
 * a row, up to BACKOFF_MAX. */
#define RELAY_BUDGET_STAYED_US	 (20 * 1000000LL)
#define RELAY_BUDGET_BACKOFF_MAX 2
/* A better encoding is the same: when the budget fell and the track went
 * down again within RELAY_BUDGET_STAYED_US of going up, the next step up
 * waits RELAY_BUDGET_UP_US << failures in a row, up to this (16 s): each
 * step up asks for a keyframe, a burst that a downlink at the boundary
 * pays for in delay.
 * On the down600 bench, probes through the shaper's bucket raise the
 * estimate to ~1.2 Mbit/s on 600 and a step up followed every ~20 s,
 * backoff or not (the estimate takes that long to climb back): the
 * backoff stops a faster flap, not that one; the trial below does. A
 * step down for a priority that moved (a new speaker) is no failure. */
#define RELAY_BUDGET_UP_BACKOFF_MAX 3
/* A step up that would have the subscriber receive more than the path
 * carried (its acknowledged rate, no overuse since) in the last one or
 * two of these windows waits for a trial at that rate to pass
 * (congestion.c): probes alone raise the estimate through a shaper's
 * bucket. A step back to what it carried (a publisher's encoding that
 * paused and resumed, a speaker that changed) goes at once. */
#define RELAY_BUDGET_CARRIED_US (10 * 1000000LL)
/* A shown video the budget has no room for goes off (audio only) only
 * when the path did not carry what it is sent: the media acknowledged
 * over the last second under this share of it, more lost than
 * RELAY_BUDGET_OFF_MAX_LOSS (/256: ~5 %), or the estimate under
 * RELAY_BUDGET_OFF_DEEP_PERCENT of it; or once held back this long (the
 * estimate cut after an overuse, 0.85 x what arrived, is by design below
 * what is sent until the queue drained; budget.c). */
#define RELAY_BUDGET_OFF_CARRIED_PERCENT 90
#define RELAY_BUDGET_OFF_MAX_LOSS	 13
#define RELAY_BUDGET_OFF_DEEP_PERCENT	 60
#define RELAY_BUDGET_OFF_HOLD_US	 (6 * 1000000LL)
/* A REMB subscriber: its REMB has not fallen for this long (budget.c,
 * relay_budget_remb_calm). */
#define RELAY_BUDGET_REMB_CALM_US (2 * 1000000LL)
/* ...and one at audio only brings a video back (as media: its receiver
 * counts nothing else) after this, << the failures in a row (5, 10,
 * 20 s): a link that does not carry it pays ~1 s of overload each time. */
#define RELAY_BUDGET_REMB_RESUME_US (5 * 1000000LL)
#define RELAY_BUDGET_SHARE	    90 /* % of the estimate for media */
#define RELAY_BUDGET_EVERY_US	    (200 * 1000LL)
/* The budget follows the lowest estimate over two such windows. */
#define RELAY_BUDGET_WINDOW_US (2000 * 1000LL)

/* RELAY_CMD_SPEAKER: publisher speaker (0: none) is session's active
 * speaker; its camera is a priority track of every subscriber's
 * allocation, as every screen is. */
void relay_budget_speaker(struct relay_worker *w, uint64_t session, uint64_t speaker);

/* One subscriber's allocation, when due. */
void relay_budget_tick(struct relay_worker *w, struct relay_transport *to, int64_t now);

#endif
