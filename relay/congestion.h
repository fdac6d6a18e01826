/* Send-side bandwidth estimation of subscribers, the worker's side: the
 * transport-wide sequence number stamped on every packet to a subscriber
 * that negotiated it (relay/sent.h, called as the copies leave: by the
 * pacer, relay/pacing.c, for forwarded copies and RTX, and for the
 * probes here), the subscriber's transport-cc
 * feedback matched to what was sent and fed to its estimator
 * (relay/bwe.h), the estimate in relay_transport.bwe_bps, and probing:
 * short clusters of padding-only RTX packets on a video route's RTX SSRC
 * at twice the estimate, when it has been stable for a few seconds and is
 * below what the subscriber's streams would want; while it is down to
 * audio for want of room, and before a step up past what the path
 * carried (budget.c), trials: long clusters the estimator judges.
 *
 * A subscriber whose answer has abs-send-time and goog-remb but not
 * transport-cc (REMB; transport-cc wins when both are accepted) gets
 * abs-send-time stamped instead (the relay's clock, by the same hook), and
 * its REMB is relay_transport.bwe_bps (within the worker's cap), from
 * RELAY_REMB_SETTLE_US after its first: nothing to match, no estimator of
 * the relay's, no probes, trials or padding (nothing would judge them,
 * and its receiver does not count padding as arriving: budget.c brings
 * its video back as media). */
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
/* While every shown video is paused for want of room (audio only; budget.c
 * sets `bwe_resume_bps` then), the cluster is a trial
 * (relay/bwe.h): padding for this long, so that a shaper's bucket cannot
 * let it all through and hide the path's rate (the tbf of the e2e tests
 * lets 10 KB by at once: at 150 kbit/s, a 30 ms cluster read ~330 kbit/s,
 * video came on and overused at once), at what would bring the paused
 * videos back (`bwe_resume_bps`) times the margin, media included; it
 * stops at the first overuse. The next waits the interval and the backoff
 * per failure in a row, at most the max: a trial at that rate costs
 * little, and the link may come back any time. */
#define RELAY_TRIAL_DURATION_US (800 * 1000LL)
/* A trial's packets per wake at most (a late wake skips the rest). */
#define RELAY_TRIAL_BURST	    2
#define RELAY_TRIAL_MARGIN_PERCENT  125
#define RELAY_TRIAL_INTERVAL_US	    (2 * 1000000LL)
#define RELAY_TRIAL_BACKOFF_US	    (500 * 1000LL)
#define RELAY_TRIAL_INTERVAL_MAX_US (3 * 1000000LL)
/* A trial for a step up (budget.c) that failed: the next waits this
 * long, doubled per failure in a row up to << BACKOFF_MAX (80 s). */
#define RELAY_STEP_TRIAL_WAIT_US     (10 * 1000000LL)
#define RELAY_STEP_TRIAL_BACKOFF_MAX 3
/* A trial whose feedback has not all come this long after its end fails. */
#define RELAY_TRIAL_VERDICT_US (1000 * 1000LL)
/* No probe while the last feedback says more than this was lost (/256):
 * about the 10 % over which the loss-based rate is cut (relay/bwe.h).
 * Random loss below it (a poor home link: 2-5 %) is not congestion, and
 * a probe is the only way past 1.5 x the acknowledged rate: at 3 % (8)
 * an estimate that a delay spike on a busy machine had cut below a
 * second video's lowest layer stayed there, the video paused for 10 s
 * and more (e2e_impaired_loss2 with a busy-loop beside the browsers). */
#define RELAY_PROBE_MAX_LOSS 26
/* Padding bytes per probe packet (RFC 3550 §5.1: the count is one byte),
 * and about what one takes on the wire (RTP header, the stamp, SRTP). */
#define RELAY_PROBE_PADDING	 255
#define RELAY_PROBE_PACKET_BYTES 300

/* A REMB subscriber: the media rate it is sent is measured over windows
 * of this (the debug line). */
#define RELAY_REMB_MEDIA_US (500 * 1000LL)
/* A REMB subscriber's REMBs count from this long after its first: a
 * receiver's first estimate is of the stream just starting (Chromium:
 * 68 and 184 kbit/s on a 600 kbit/s link, then ~450 a second later), and
 * taken as the estimate it paused the video for the budget's 2-4 s
 * window, or for good: a receiver raises its REMB only to ~1.5 x what
 * arrives. Until then there is no estimate (bwe_bps 0: no allocation,
 * as before the first transport-cc feedback). */
#define RELAY_REMB_SETTLE_US (2 * 1000000LL)
/* A REMB this much below the last one (%) is its receiver's overuse: it
 * cuts to 0.85 x what arrives; rising, it grows ~8 % a second up to
 * 1.5 x what arrives (budget.c). */
#define RELAY_REMB_FELL_PERCENT 97

/* ROUTES_SET: the ids the subscriber accepted (0: none), transport-cc's
 * and, used only without it, abs-send-time's (REMB); the estimator starts
 * at the first transport-cc one, within the worker's cap. */
void relay_congestion_routes(struct relay_worker *w, struct relay_transport *to,
			     uint8_t twcc_ext_id, uint8_t abs_ext_id);

/* A subscriber's (unprotected) RTCP: its transport-cc feedback, or for a
 * REMB subscriber its REMB (the estimate, within the worker's cap). */
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
