#include "relay/congestion.h"

#include <string.h>

#include "core/log.h"
#include "crypto/srtp.h"
#include "relay/bwe.h"
#include "relay/pace.h"
#include "relay/pacing.h"
#include "relay/remb.h"
#include "relay/rtp.h"
#include "relay/send.h"
#include "relay/sent.h"
#include "relay/twcc.h"

#define TWCC_REF_US 64000 /* the feedback's reference time counts 64 ms */

void relay_congestion_routes(struct relay_worker *w, struct relay_transport *to,
			     uint8_t twcc_ext_id, uint8_t abs_ext_id)
{
	bool was_remb = to->bwe.abs_ext_id != 0;

	/* One-byte header form only: that is what the stamps write. REMB
	 * only where transport-cc was not accepted. */
	to->bwe.sent.ext_id = twcc_ext_id <= 14 ? twcc_ext_id : 0;
	to->bwe.abs_ext_id = !to->bwe.sent.ext_id && abs_ext_id <= 14 ? abs_ext_id : 0;
	if (was_remb != (to->bwe.abs_ext_id != 0) ||
	    (!to->bwe.sent.ext_id && !to->bwe.abs_ext_id)) {
		/* Not negotiated any more, or the other way now: no estimate
		 * to go by until the new way gives one. */
		to->bwe_bps = 0;
		to->bwe.probing = false;
		to->bwe.trial = false;
		to->bwe.remb_first_us = 0;
		to->bwe.remb_last_bps = 0;
		to->bwe.remb_fell_us = 0;
	}
	if (!to->bwe.sent.ext_id && !to->bwe.abs_ext_id)
		return;
	if (to->bwe.started)
		return;
	struct relay_bwe_config cfg = {.max_bps = w->bwe_max_bps};
	relay_bwe_init(&to->bwe.est, &cfg);
	to->bwe.started = true;
}

struct relay_congestion_ctx {
	struct relay_worker *w;
	struct relay_transport *to;
	int64_t now;
	unsigned n;
	struct relay_bwe_packet pkts[RELAY_TWCC_FB_MAX];
};

/* One feedback packet: each packet it reports that the history still
 * holds and that was not reported before (a late arrival after "lost"
 * is not counted twice). */
static void relay_congestion_on_fb(const struct relay_twcc_fb *fb, void *userdata)
{
	struct relay_congestion_ctx *c = userdata;
	struct relay_sub_bwe *b = &c->to->bwe;

	/* The 24-bit reference, unwrapped against the last (it wraps every
	 * 12 days; feedback comes every 50-100 ms). */
	if (!b->have_reference) {
		b->reference = fb->reference;
		b->have_reference = true;
	} else {
		int32_t d = (int32_t)((fb->reference - (uint32_t)b->reference) << 8) >> 8;
		b->reference += d;
	}
	atomic_fetch_add_explicit(&c->w->twcc_feedback_received, 1, memory_order_relaxed);
	c->n = 0;
	for (unsigned i = 0; i < fb->count; i++) {
		struct relay_sent_slot *slot =
		    relay_sent_find(&b->sent, (uint16_t)(fb->base_seq + i));
		bool received = fb->arrival_us[i] != INT64_MIN;
		if (!slot || slot->state != RELAY_SENT_PENDING)
			continue;
		slot->state = received ? RELAY_SENT_ACKED : RELAY_SENT_LOST;
		c->pkts[c->n++] = (struct relay_bwe_packet){
		    .send_us = slot->send_us,
		    .arrival_us =
			received ? b->reference * TWCC_REF_US + fb->arrival_us[i] : INT64_MIN,
		    .size = slot->size,
		    .probe = slot->probe,
		};
	}
	if (c->n)
		relay_bwe_on_feedback(&b->est, c->pkts, c->n, c->now);
}

/* A trial's verdict (relay/bwe.h), once it has one: a pass lets the
 * budget bring video on at once; a failure stops the cluster, and the
 * next waits longer (bounded). */
static void relay_congestion_trial_verdict(struct relay_worker *w, struct relay_transport *to,
					   int64_t now)
{
	struct relay_sub_bwe *b = &to->bwe;
	enum relay_bwe_trial v = b->est.trial;

	if (!b->trial || v == RELAY_BWE_TRIAL_RUNNING)
		return;
	b->trial = false;
	b->probing = false;
	b->est.trial = RELAY_BWE_TRIAL_NONE;
	uint8_t *failures = b->trial_step ? &b->step_failures : &b->trial_failures;
	if (v == RELAY_BWE_TRIAL_PASSED) {
		b->trial_passed_us = now;
		*failures = 0;
	} else if (*failures < UINT8_MAX) {
		(*failures)++;
	}
	int64_t wait =
	    RELAY_TRIAL_INTERVAL_US + RELAY_TRIAL_BACKOFF_US * (int64_t)b->trial_failures;
	b->next_probe_us =
	    now + (wait < RELAY_TRIAL_INTERVAL_MAX_US ? wait : RELAY_TRIAL_INTERVAL_MAX_US);
	/* A step trial's queue was its own padding's: the overuse that
	 * failed it cut the estimate below what the media alone had carried
	 * before it, and the budget would pause a video for that (down600:
	 * a 2.2 s freeze after a failed trial). */
	if (b->trial_step && v != RELAY_BWE_TRIAL_PASSED) {
		relay_bwe_floor(&b->est, b->est.trial_media_bps);
		to->bwe_bps = b->est.estimate_bps;
	}
	if (b->trial_step) {
		unsigned shift = b->step_failures ? b->step_failures - 1u : 0;
		if (shift > RELAY_STEP_TRIAL_BACKOFF_MAX)
			shift = RELAY_STEP_TRIAL_BACKOFF_MAX;
		b->next_step_us = now + (b->step_failures ? RELAY_STEP_TRIAL_WAIT_US << shift : 0);
	}
	/* Once per trial, for whoever debugs a recovery (no personal data). */
	log_debug("worker %u: transport %llu: %strial at %u bit/s %s (%u packets, %u reported, %u "
		  "lost; estimate %u)",
		  w->index, (unsigned long long)to->p.id, b->trial_step ? "step " : "",
		  b->probe_bps, v == RELAY_BWE_TRIAL_PASSED ? "passed" : "failed", b->probe_packets,
		  b->est.trial_reported, b->est.trial_lost, b->est.estimate_bps);
}

/* A REMB subscriber's estimate: the REMB its browser sends (the first of
 * a compound packet), from RELAY_REMB_SETTLE_US after its first, within
 * the worker's cap and above the estimator's floor (0 would read as no
 * estimate). */
static void relay_congestion_remb(struct relay_worker *w, struct relay_transport *to,
				  const uint8_t *pkt, size_t len, int64_t now)
{
	uint64_t bps;

	if (relay_remb_parse(pkt, len, &bps) < 0)
		return;
	atomic_fetch_add_explicit(&w->remb_received, 1, memory_order_relaxed);
	if (!to->bwe.remb_first_us)
		to->bwe.remb_first_us = now;
	if (now - to->bwe.remb_first_us < RELAY_REMB_SETTLE_US)
		return;
	if (w->bwe_max_bps && bps > w->bwe_max_bps)
		bps = w->bwe_max_bps;
	if (bps < RELAY_BWE_MIN_BPS)
		bps = RELAY_BWE_MIN_BPS;
	if (bps * 100 < (uint64_t)to->bwe.remb_last_bps * RELAY_REMB_FELL_PERCENT)
		to->bwe.remb_fell_us = now;
	to->bwe.remb_last_bps = (uint32_t)bps;
	to->bwe_bps = (uint32_t)bps;
}

void relay_congestion_from_subscriber(struct relay_worker *w, struct relay_transport *to,
				      const uint8_t *pkt, size_t len, int64_t now)
{
	static _Thread_local struct relay_twcc_fb scratch;
	static _Thread_local struct relay_congestion_ctx c;

	if (to->bwe.abs_ext_id) {
		relay_congestion_remb(w, to, pkt, len, now);
		return;
	}
	if (!to->bwe.started || !to->bwe.sent.ext_id)
		return;
	c.w = w;
	c.to = to;
	c.now = now;
	to->bwe.est.rtt_us = to->rtt_us;
	if (relay_twcc_parse(pkt, len, &scratch, relay_congestion_on_fb, &c) <= 0)
		return;
	to->bwe_bps = to->bwe.est.estimate_bps;
	relay_congestion_trial_verdict(w, to, now);
}

/* The route a probe may go on: a video stream `to` receives with RTX (its
 * RTX SSRC and sequence numbers; padding only, so nothing is resent). A
 * walk over the worker's transports: once per probe packet burst, never
 * per media packet. */
static struct relay_out *relay_congestion_probe_route(struct relay_worker *w,
						      const struct relay_transport *to)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *pub = value;
		if (!pub->p.publishing || pub->state == RELAY_TRANSPORT_CLOSING)
			continue;
		for (unsigned s = 0; s < pub->p.stream_count; s++) {
			struct relay_pub_stream *ps = &pub->pub[s];
			if (ps->desc.kind != RELAY_STREAM_VIDEO)
				continue;
			for (unsigned o = 0; o < ps->out_count; o++)
				if (ps->outs[o].to == to && ps->outs[o].rtx_ssrc &&
				    ps->outs[o].rtx_payload_type)
					return &ps->outs[o];
		}
	}
	return NULL;
}

/* A trial at `total` bit/s, media included: the padding is what the
 * media sent now (what arrived lately) leaves of that, a quarter of it
 * at least. Video paused for want of room: the paused videos' lowest
 * encodings and the sound, with a margin; a step up: what the subscriber
 * would receive after it (budget.c), the budget's share its margin. */
static void relay_congestion_trial_start(struct relay_transport *to, bool step, int64_t now)
{
	struct relay_sub_bwe *b = &to->bwe;
	uint64_t total = step ? to->bwe_step_bps
			      : (uint64_t)to->bwe_resume_bps * RELAY_TRIAL_MARGIN_PERCENT / 100;
	uint64_t media = b->est.acked_bps;

	if (total > b->est.cfg.max_bps)
		total = b->est.cfg.max_bps;
	uint64_t padding = total > media + total / 4 ? total - media : total / 4;
	b->trial = true;
	b->trial_step = step;
	b->trial_total_bps = (uint32_t)total;
	b->probe_bps = padding > UINT32_MAX ? UINT32_MAX : (uint32_t)padding;
	b->trial_end_us = 0;
	relay_bwe_trial_start(&b->est, b->probe_id, (uint32_t)total, (uint32_t)media);
	b->next_probe_us = now + RELAY_TRIAL_INTERVAL_MAX_US; /* the verdict sets it */
}

/* A REMB subscriber has no feedback the relay could judge a probe or a
 * trial by: its browser estimates (libwebrtc's receive side: AIMD over
 * abs-send-time), and raises its REMB only to about 1.5 x what arrives,
 * padding not counted (Chromium 156: at audio only with padding up to
 * its REMB, the REMB stayed at 1.5 x the sound + 10 kbit/s for 30 s). So
 * it gets no probes, trials or padding: budget.c brings its video back
 * as media (relay_budget_remb_calm). Here only the media rate it is sent,
 * for the debug line. */
static void relay_congestion_remb_tick(struct relay_worker *w, struct relay_transport *to,
				       int64_t now)
{
	struct relay_sub_bwe *b = &to->bwe;

	/* The media sent (sound, mostly, while paused), over each window. */
	if (!b->remb_mark_us || now - b->remb_mark_us >= RELAY_REMB_MEDIA_US) {
		if (b->remb_mark_us)
			b->remb_media_bps = (uint32_t)((b->remb_media_bytes - b->remb_mark_bytes) *
						       8000000 / (uint64_t)(now - b->remb_mark_us));
		b->remb_mark_us = now;
		b->remb_mark_bytes = b->remb_media_bytes;
	}
	/* Once a second, for whoever debugs an estimate (no personal data). */
	if (w->ticks % 10 == 0)
		log_debug("worker %u: transport %llu: REMB %u bit/s (media %u)", w->index,
			  (unsigned long long)to->p.id, to->bwe_bps, b->remb_media_bps);
}

void relay_congestion_tick(struct relay_worker *w, struct relay_transport *to, int64_t now)
{
	struct relay_sub_bwe *b = &to->bwe;

	if (!to->p.publishing && b->abs_ext_id) {
		relay_congestion_remb_tick(w, to, now);
		return;
	}
	if (to->p.publishing || !b->started || !b->sent.ext_id || !to->bwe_bps)
		return;
	/* Once a second, for whoever debugs an estimate (no personal data). */
	if (w->ticks % 10 == 0)
		log_debug("worker %u: transport %llu: estimate %u bit/s (delay %u, loss %u, acked "
			  "%u, usage %d, threshold %.1f ms, lost %u/256, probe %u; paced %llu, "
			  "dropped %llu, waiting %u)",
			  w->index, (unsigned long long)to->p.id, to->bwe_bps, b->est.delay_bps,
			  b->est.loss_bps, b->est.acked_bps, (int)b->est.usage, b->est.threshold_ms,
			  b->est.fraction_lost, b->est.probe_bps,
			  to->pace ? (unsigned long long)to->pace->queued_total : 0,
			  to->pace ? (unsigned long long)to->pace->dropped_total : 0,
			  to->pace ? to->pace->count : 0);
	/* A trial whose feedback did not all come. */
	if (b->trial && !b->probing && now - b->trial_end_us > RELAY_TRIAL_VERDICT_US) {
		relay_bwe_trial_cancel(&b->est);
		relay_congestion_trial_verdict(w, to, now);
	}
	/* Stable: within 10 % of where it was when it last moved more. */
	if (to->bwe_bps > b->stable_bps + b->stable_bps / 10 ||
	    to->bwe_bps < b->stable_bps - b->stable_bps / 10) {
		b->stable_bps = to->bwe_bps;
		b->stable_us = now;
	}
	uint32_t target = to->bwe_target_bps ? to->bwe_target_bps : b->est.cfg.max_bps;
	/* Video paused for want of room, or a step up the path has not
	 * carried (budget.c): a trial, which judges the path itself, so it
	 * need not wait for the estimate to hold (nor, for a step, for the
	 * estimate to be below what is wanted: probes may have raised it
	 * past what the path carries). */
	bool resume = to->videos_paused && to->bwe_resume_bps;
	bool step = !resume && to->bwe_step_bps && now >= b->next_step_us;
	bool trial = resume || step;
	int64_t stable = trial		     ? 0
			 : to->videos_paused ? RELAY_PROBE_STABLE_US / 3
					     : RELAY_PROBE_STABLE_US;
	/* Not while the path loses packets: a probe would only add to it. */
	if (b->probing || b->trial || to->state != RELAY_TRANSPORT_UP ||
	    (!step && to->bwe_bps >= target) || now - b->stable_us < stable ||
	    (!step && now < b->next_probe_us) || b->est.fraction_lost > RELAY_PROBE_MAX_LOSS)
		return;
	if (!relay_congestion_probe_route(w, to))
		return;
	b->probe_id = b->probe_id == UINT8_MAX ? 1 : b->probe_id + 1;
	b->probing = true;
	b->probe_start_us = now;
	b->probe_bytes = 0;
	b->probe_packets = 0;
	if (trial) {
		relay_congestion_trial_start(to, step, now);
		if (now < w->next_probe_us)
			w->next_probe_us = now;
		return;
	}
	uint64_t rate = (uint64_t)to->bwe_bps * RELAY_PROBE_FACTOR;
	b->probe_bps = rate > target ? target : (uint32_t)rate;
	/* Video paused for want of room: what it takes to come back on
	 * (the lowest encodings, a quarter more, the sound), at least. */
	if (to->videos_paused && b->probe_bps < (uint64_t)target * 3 / 2)
		b->probe_bps = (uint32_t)((uint64_t)target * 3 / 2);
	/* Video paused for want of room (budget.c): sooner again, to find
	 * out when the downlink has room. */
	b->next_probe_us =
	    now + (to->videos_paused ? RELAY_PROBE_INTERVAL_US * 2 / 5 : RELAY_PROBE_INTERVAL_US);
	/* What one cluster may prove: half as much again as the estimate
	 * (a paused video's cluster: its rate). Measured on a 600 kbit/s
	 * downlink behind a 10 KB shaper bucket: 30 ms clusters, let through
	 * whole, read 2-3.5 Mbit/s, the layers went up over the link and
	 * froze (bench/impair, down600); bounded, the estimate climbs by
	 * at most half a step per cluster (every 5 s) on a path that does
	 * carry more. */
	uint64_t bound = (uint64_t)to->bwe_bps * RELAY_PROBE_GAIN_PERCENT / 100;
	if (to->videos_paused || bound > b->probe_bps)
		bound = b->probe_bps;
	relay_bwe_probe_start(&b->est, b->probe_id, (uint32_t)bound);
	if (now < w->next_probe_us)
		w->next_probe_us = now;
}

/* One padding-only RTX packet (RFC 4588 §4 with no OSN and no payload;
 * RFC 3550 §5.1 padding), stamped; false when none could be sent. */
static bool relay_congestion_probe_packet(struct relay_worker *w, struct relay_transport *to,
					  struct relay_out *out, int64_t now)
{
	/* Never ahead of media its pacer holds (their SRTP index and
	 * transport-wide numbers would go out of order): the cluster waits.
	 * Probes are not charged to the pacer's budget: a cluster measures
	 * what the path takes above the media, at its own rate. */
	uint8_t *slot = relay_pacing_busy(to) ? NULL : relay_send_batch_slot(w);

	if (!slot)
		return false;
	memset(slot, 0, 12 + RELAY_PROBE_PADDING);
	slot[0] = 0xa0; /* V=2, P */
	slot[1] = out->rtx_payload_type & 0x7f;
	relay_rtp_wr16(slot + 2, out->rtx_seq);
	relay_rtp_wr32(slot + 4, (uint32_t)(now / 1000) * 90); /* a 90 kHz clock */
	relay_rtp_wr32(slot + 8, out->rtx_ssrc);
	slot[12 + RELAY_PROBE_PADDING - 1] = RELAY_PROBE_PADDING;
	size_t len = 12 + RELAY_PROBE_PADDING;
	relay_pacing_stamp(to, slot, &len, now, to->bwe.probe_id);
	if (crypto_srtp_protect_rtp(to->srtp_out, slot, &len, RELAY_SEND_SLOT) < 0) {
		to->dropped++;
		return false;
	}
	out->rtx_seq++;
	relay_send_batch_commit(w, len, &to->remote);
	to->bwe.probe_packets++;
	to->bwe.probe_bytes += len + RELAY_SENT_OVERHEAD - CRYPTO_SRTP_MAX_TRAILER;
	atomic_fetch_add_explicit(&w->probes_sent, 1, memory_order_relaxed);
	return true;
}

void relay_congestion_probes_due(struct relay_worker *w, int64_t now)
{
	GHashTableIter it;
	gpointer key, value;
	int64_t next = INT64_MAX;

	w->next_probe_us = INT64_MAX;
	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *to = value;
		struct relay_sub_bwe *b = &to->bwe;
		if (!b->probing)
			continue;
		struct relay_out *out = relay_congestion_probe_route(w, to);
		int64_t elapsed = now - b->probe_start_us;
		int64_t duration = b->trial ? RELAY_TRIAL_DURATION_US : RELAY_PROBE_DURATION_US;
		if (!out || to->state != RELAY_TRANSPORT_UP || elapsed >= duration) {
			b->probing = false;
			if (b->trial) { /* judged when its feedback is in */
				b->trial_end_us = now;
				relay_bwe_trial_end(&b->est, b->probe_packets);
				to->bwe_bps = b->est.estimate_bps;
				relay_congestion_trial_verdict(w, to, now);
			}
			continue;
		}
		/* What the cluster's rate has made due by now (at least one
		 * packet at its start). */
		uint64_t due = (uint64_t)b->probe_bps * (uint64_t)(elapsed + 1000) / 8000000;
		/* A trial is judged by the delay trend: a late wake (a busy
		 * machine) must not catch up in a burst, which arrives spread
		 * out and reads as a queue growing; what it is behind by is
		 * skipped, not sent at once. */
		int burst = b->trial ? RELAY_TRIAL_BURST : 16;
		uint64_t behind = (uint64_t)burst * RELAY_PROBE_PACKET_BYTES;
		if (b->trial && due > b->probe_bytes + behind)
			b->probe_bytes = due - behind;
		for (int k = 0; k < burst && b->probe_bytes < due; k++)
			if (!relay_congestion_probe_packet(w, to, out, now))
				break;
		/* The next wake: when the next packet is due (a trial at a
		 * few hundred kbit/s: every ~8 ms, not every 1 ms for 800
		 * ms), 1 ms at least (and when one could not go). */
		int64_t at = now + 1000;
		if (b->probe_bytes >= due && b->probe_bps) {
			int64_t t = b->probe_start_us +
				    (int64_t)(b->probe_bytes * 8000000 / b->probe_bps) - 1000;
			if (t > at)
				at = t;
		}
		if (at < next)
			next = at;
	}
	relay_send_batch_flush(w);
	w->next_probe_us = next;
}

void relay_congestion_stats(struct relay_worker *w)
{
	static const uint32_t bounds[RELAY_BWE_BUCKETS] = RELAY_BWE_BUCKET_BOUNDS;
	uint64_t counts[RELAY_BWE_BUCKETS] = {0};
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const struct relay_transport *t = value;
		if (t->p.publishing || !t->bwe_bps || t->state != RELAY_TRANSPORT_UP)
			continue;
		for (unsigned i = 0; i < RELAY_BWE_BUCKETS; i++)
			if (!bounds[i] || t->bwe_bps <= bounds[i])
				counts[i]++;
	}
	for (unsigned i = 0; i < RELAY_BWE_BUCKETS; i++)
		atomic_store_explicit(&w->bwe_subscribers[i], counts[i], memory_order_relaxed);
}
