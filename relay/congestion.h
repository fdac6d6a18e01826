/* Send-side bandwidth estimation of subscribers, the worker's side: the
 * transport-wide sequence number stamped on every packet to a subscriber
 * that negotiated it (relay/sent.h, called as the copies leave: by the
 * pacer, relay/pacing.c, for forwarded copies and RTX, and for the
 * probes here), the subscriber's transport-cc
 * feedback matched to what was sent and fed to its estimator
 * (relay/bwe.h), the estimate in relay_transport.bwe_bps, and probing:
 * short clusters of padding-only RTX packets on a video route's RTX SSRC
 * at twice the estimate, when it has been stable for a few seconds and is
 * below what the subscriber's streams would want. */
#ifndef HEARTH_RELAY_CONGESTION_H
#define HEARTH_RELAY_CONGESTION_H

#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

/* A probe cluster: how long, how much faster than the estimate, how long
 * the estimate must have held (within 10 %) first, and how long after a
 * cluster the next may start. */
#define RELAY_PROBE_DURATION_US (30 * 1000LL)
#define RELAY_PROBE_FACTOR	2
/* ...but one cluster may raise the estimate to this share of it at most. */
#define RELAY_PROBE_GAIN_PERCENT 150
#define RELAY_PROBE_STABLE_US	 (3 * 1000000LL)
#define RELAY_PROBE_INTERVAL_US	 (5 * 1000000LL) /* 2 s, stable 1 s, while video is paused */
/* No probe while the last feedback says more than this was lost (/256). */
#define RELAY_PROBE_MAX_LOSS 8
/* Padding bytes per probe packet (RFC 3550 §5.1: the count is one byte). */
#define RELAY_PROBE_PADDING 255

/* ROUTES_SET: the id the subscriber accepted (0: none); the estimator
 * starts at the first one, within the worker's cap. */
void relay_congestion_routes(struct relay_worker *w, struct relay_transport *to,
			     uint8_t twcc_ext_id);

/* A subscriber's (unprotected) RTCP: its transport-cc feedback. */
void relay_congestion_from_subscriber(struct relay_worker *w, struct relay_transport *to,
				      const uint8_t *pkt, size_t len, int64_t now);

/* Every tick: starts a probe cluster for a subscriber that may have one. */
void relay_congestion_tick(struct relay_worker *w, struct relay_transport *to, int64_t now);

/* When w->next_probe_us is due: the probe packets due now, for every
 * cluster being sent; sets the next wake (INT64_MAX: none). */
void relay_congestion_probes_due(struct relay_worker *w, int64_t now);

/* Once a second: the estimate buckets of the worker's stats. */
void relay_congestion_stats(struct relay_worker *w);

#endif
