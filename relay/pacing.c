#include "relay/pacing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/srtp.h"
#include "relay/feedback.h"
#include "relay/pace.h"
#include "relay/send.h"
#include "relay/sent.h"

_Static_assert(RELAY_PACE_PACKET_MAX <= RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER,
	       "a queued packet fits a send slot");

/* IPv4 + UDP headers: what each packet costs the path beyond its bytes. */
#define RELAY_PACING_OVERHEAD 28

void relay_pacing_routes(struct relay_worker *w, struct relay_transport *to)
{
	if (to->pace || to->p.publishing || (!to->bwe.sent.ext_id && !to->bwe.abs_ext_id))
		return;
	if (w->pacers >= RELAY_PACERS_PER_WORKER || !(to->pace = malloc(sizeof(*to->pace)))) {
		atomic_fetch_add_explicit(&w->pacers_refused, 1, memory_order_relaxed);
		return;
	}
	relay_pace_init(to->pace);
	w->pacers++;
}

void relay_pacing_release(struct relay_worker *w, struct relay_transport *to)
{
	if (!to->pace)
		return;
	free(to->pace);
	to->pace = NULL;
	w->pacers--;
}

/* The pacing rate follows the estimate (0 while there is none: unpaced). */
static void relay_pacing_rate(struct relay_pace *p, const struct relay_transport *to, int64_t now)
{
	if (p->estimate_bps != to->bwe_bps)
		relay_pace_set_estimate(p, to->bwe_bps, now);
}

void relay_pacing_stamp(struct relay_transport *to, uint8_t *slot, size_t *len, int64_t now,
			uint8_t probe)
{
	size_t cap = RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER;

	if (!to->bwe.abs_ext_id) {
		relay_sent_stamp(&to->bwe.sent, slot, len, cap, now, probe);
		return;
	}
	if (relay_sent_stamp_abs(to->bwe.abs_ext_id, slot, len, cap, now) == 0 && !probe)
		to->bwe.remb_media_bytes += *len + RELAY_SENT_OVERHEAD;
}

/* The copy in slot, stamped as leaving now, protected, into the batch. */
static int relay_pacing_out(struct relay_worker *w, struct relay_transport *to, uint8_t *slot,
			    size_t len, int64_t now)
{
	relay_pacing_stamp(to, slot, &len, now, 0);
	if (crypto_srtp_protect_rtp(to->srtp_out, slot, &len, RELAY_SEND_SLOT) < 0)
		return -EIO;
	relay_send_batch_commit(w, len, &to->remote);
	if (to->pace)
		relay_pace_spent(to->pace, len + RELAY_PACING_OVERHEAD);
	return 1;
}

/* A packet of ssrc was dropped from to's queue: count it, and ask for a
 * keyframe of its stream (a run of drops of one SSRC asks once per
 * RELAY_PLI_INTERVAL_US: the lookup walks the worker's transports). */
static void relay_pacing_dropped(struct relay_worker *w, struct relay_transport *to, uint32_t ssrc,
				 int64_t now)
{
	struct relay_pace *p = to->pace;

	atomic_fetch_add_explicit(&w->pacer_dropped, 1, memory_order_relaxed);
	if (ssrc == p->asked_ssrc && now - p->asked_us < RELAY_PLI_INTERVAL_US)
		return;
	p->asked_ssrc = ssrc;
	p->asked_us = now;
	relay_feedback_keyframe_ssrc(w, to, ssrc, now);
}

int relay_pacing_send(struct relay_worker *w, struct relay_transport *to, uint8_t *slot, size_t len,
		      bool video, int64_t now)
{
	struct relay_pace *p = to->pace;

	if (p)
		relay_pacing_rate(p, to, now);
	if (!p || !video || relay_pace_may_send(p, now))
		return relay_pacing_out(w, to, slot, len, now);
	uint32_t dropped;
	uint8_t *q = relay_pace_push(p, len, now, &dropped);
	if (dropped)
		relay_pacing_dropped(w, to, dropped, now);
	if (!q)
		return -EMSGSIZE;
	memcpy(q, slot, len);
	int64_t wake = relay_pace_wake_us(p, now);
	if (wake < w->next_pace_us)
		w->next_pace_us = wake;
	return 0;
}

bool relay_pacing_busy(const struct relay_transport *to)
{
	return to->pace && to->pace->count;
}

/* What is due of to's queue; returns when it wants the worker again. */
static int64_t relay_pacing_drain(struct relay_worker *w, struct relay_transport *to, int64_t now)
{
	struct relay_pace *p = to->pace;

	if (to->state != RELAY_TRANSPORT_UP) {
		/* Gone quiet (consent lost, closing): nothing of it is late
		 * enough to matter when it is back. */
		unsigned n = relay_pace_flush(p);
		atomic_fetch_add_explicit(&w->pacer_dropped, n, memory_order_relaxed);
		return INT64_MAX;
	}
	relay_pacing_rate(p, to, now);
	for (;;) {
		uint32_t dropped;
		struct relay_pace_packet *pkt = relay_pace_next(p, now, &dropped);
		if (dropped) {
			relay_pacing_dropped(w, to, dropped, now);
			continue;
		}
		if (!pkt)
			break;
		uint8_t *slot = relay_send_batch_slot(w);
		if (!slot)
			break;
		memcpy(slot, pkt->data, pkt->len);
		atomic_fetch_add_explicit(&w->paced_packets, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&w->pacer_delay_us, (uint64_t)(now - pkt->queued_us),
					  memory_order_relaxed);
		if (relay_pacing_out(w, to, slot, pkt->len, now) < 0)
			to->dropped++;
		relay_pace_pop(p);
	}
	return relay_pace_wake_us(p, now);
}

void relay_pacing_due(struct relay_worker *w, int64_t now)
{
	GHashTableIter it;
	gpointer key, value;
	int64_t next = INT64_MAX;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *to = value;
		if (!to->pace || !to->pace->count)
			continue;
		int64_t wake = relay_pacing_drain(w, to, now);
		if (wake < next)
			next = wake;
	}
	relay_send_batch_flush(w);
	w->next_pace_us = next;
}
