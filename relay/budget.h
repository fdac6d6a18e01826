/* Each subscriber's video within its downlink: from the tick, for every
 * subscriber with a bandwidth estimate (relay/congestion.h), the layer
 * allocator (relay/allocate.h) is given its video tracks (each encoding's
 * bitrate as measured, relay/layers.h) and a budget: 90 % of the lowest
 * estimate of the last 2-4 s
 * (the rest: packet headers, retransmissions, the estimate's own error)
 * less the audio it receives. The answer caps each simulcast out
 * (`max_layer`, which relay_layers_tick() then follows, switching at a
 * keyframe): down at once, up only once the allocator has wanted it for
 * RELAY_BUDGET_UP_US. What all its tracks would want at their best is
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
#define RELAY_BUDGET_SHARE	 90 /* % of the estimate for media */
#define RELAY_BUDGET_EVERY_US	 (200 * 1000LL)
/* The budget follows the lowest estimate over two such windows. */
#define RELAY_BUDGET_WINDOW_US (2000 * 1000LL)

/* RELAY_CMD_SPEAKER: publisher speaker (0: none) is session's active
 * speaker; its camera is a priority track of every subscriber's
 * allocation, as every screen is. */
void relay_budget_speaker(struct relay_worker *w, uint64_t session, uint64_t speaker);

/* One subscriber's allocation, when due. */
void relay_budget_tick(struct relay_worker *w, struct relay_transport *to, int64_t now);

#endif
