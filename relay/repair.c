#include "relay/repair.h"

#include <string.h>

#include "crypto/srtp.h"
#include "relay/feedback.h"
#include "relay/layers.h"
#include "relay/hint.h"
#include "relay/nack.h"
#include "relay/pacing.h"
#include "relay/rtp.h"
#include "relay/rtx.h"
#include "relay/send.h"
#include "relay/simulcast.h"

/* The SSRC the relay's own RTCP is sent from (as feedback.c's). */
#define RELAY_OWN_SSRC 0x48525448u /* "HRTH" */

_Static_assert(RELAY_RTX_PACKET_MAX >= RELAY_DATAGRAM_MAX, "a forwarded packet fits the buffer");

bool relay_repair_on_packet(struct relay_worker *w, struct relay_transport *pub,
			    struct relay_pub_stream *ps, const uint8_t *pkt, size_t len,
			    const struct relay_rtp_header *h, int64_t now)
{
	if (ps->desc.kind != RELAY_STREAM_VIDEO || !ps->desc.repair)
		return true;
	/* Forwarded already: the same bytes again would gain nothing. */
	if (ps->rtx && relay_rtx_buffer_find(ps->rtx, h->seq, now))
		return false;
	unsigned verdict = relay_nack_on_packet(&ps->nack, h->seq, now);
	if (verdict & RELAY_NACK_KEYFRAME) {
		atomic_fetch_add_explicit(&w->loss_keyframes, 1, memory_order_relaxed);
		relay_feedback_keyframe(w, pub, ps, now);
	} else if ((verdict & ~RELAY_NACK_KEYFRAME) == RELAY_NACK_RECOVERED) {
		atomic_fetch_add_explicit(&w->packets_recovered, 1, memory_order_relaxed);
	}
	/* The publisher's keyframe (one asked for, or its own) makes what
	 * was lost before it worthless: asking on would only bring pictures
	 * the subscribers have skipped, and a keyframe request at the end. */
	if (ps->nack.count && relay_transport_is_keyframe(ps, pkt, h))
		relay_nack_forget_before(&ps->nack, h->seq);
	if (ps->nack.count && now + RELAY_NACK_DELAY_US < w->next_nack_us)
		w->next_nack_us = now + RELAY_NACK_DELAY_US;
	if (ps->rtx) {
		int n = relay_rtp_copy_for(pkt, len, h, h->payload_type,
					   relay_rtx_buffer_claim(ps->rtx, h->seq),
					   RELAY_RTX_PACKET_MAX);
		if (n > 0)
			relay_rtx_buffer_keep(ps->rtx, h->seq, (size_t)n, now);
	}
	return true;
}

/* The NACKs due for one publisher stream, in one RTCP packet. */
static void relay_repair_nack_stream(struct relay_worker *w, struct relay_transport *pub,
				     struct relay_pub_stream *ps, int64_t now)
{
	uint16_t seqs[RELAY_NACK_MAX_MISSING];
	unsigned n = relay_nack_due(&ps->nack, now, 0, seqs, RELAY_NACK_MAX_MISSING);
	uint8_t *slot = n ? relay_send_batch_slot(w) : NULL;

	/* A packet that will not come: subscribers cannot decode on until a
	 * keyframe, and a browser waits seconds before it asks for one. */
	if (ps->nack.gave_up) {
		ps->nack.gave_up = false;
		atomic_fetch_add_explicit(&w->loss_keyframes, 1, memory_order_relaxed);
		relay_feedback_keyframe(w, pub, ps, now);
	}
	if (!slot)
		return;
	int len = relay_rtcp_build_nack(slot, RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER,
					RELAY_OWN_SSRC, ps->desc.ssrc, seqs, n);
	size_t plen = len > 0 ? (size_t)len : 0;
	if (len > 0 && crypto_srtp_protect_rtcp(pub->srtp_out, slot, &plen, RELAY_SEND_SLOT) == 0) {
		relay_send_batch_commit(w, plen, &pub->remote);
		atomic_fetch_add_explicit(&w->nacks_sent, n, memory_order_relaxed);
	}
}

void relay_repair_nacks_due(struct relay_worker *w, int64_t now)
{
	GHashTableIter it;
	gpointer key, value;
	int64_t next = INT64_MAX;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *pub = value;
		if (!pub->p.publishing || pub->state != RELAY_TRANSPORT_UP)
			continue;
		for (unsigned s = 0; s < pub->p.stream_count; s++) {
			struct relay_pub_stream *ps = &pub->pub[s];
			if (!ps->nack.count)
				continue;
			if (relay_nack_next_due(&ps->nack, 0) <= now)
				relay_repair_nack_stream(w, pub, ps, now);
			int64_t due = relay_nack_next_due(&ps->nack, 0);
			if (due < next)
				next = due;
		}
	}
	w->next_nack_us = next;
}

struct relay_repair_ctx {
	struct relay_worker *w;
	struct relay_transport *to;
	int64_t now;
	/* The last stream looked up: NACKs come in runs for one SSRC. */
	uint32_t ssrc;
	struct relay_transport *pub;
	struct relay_pub_stream *ps;
	struct relay_out *out;
};

/* The video stream of `to`'s session with this SSRC that goes to `to`,
 * with its retransmission buffer. */
static void relay_repair_find(struct relay_repair_ctx *c, uint32_t ssrc)
{
	struct relay_out *out;
	struct relay_pub_stream *ps = relay_feedback_stream_to(c->w, c->to, ssrc, &c->pub, &out);

	c->ssrc = ssrc;
	c->ps = ps && ps->rtx && out ? ps : NULL;
	c->out = c->ps ? out : NULL;
}

/* RFC 4588 §4: packet seq again, as RTX, to the subscriber. */
static void relay_repair_on_nack(uint32_t media_ssrc, uint16_t seq, void *userdata)
{
	struct relay_repair_ctx *c = userdata;
	struct relay_worker *w = c->w;

	atomic_fetch_add_explicit(&w->nacks_received, 1, memory_order_relaxed);
	if (media_ssrc != c->ssrc || !c->ps)
		relay_repair_find(c, media_ssrc);
	if (!c->out || !c->out->rtx_ssrc || !c->out->rtx_payload_type)
		return;
	/* Hidden (hint.c): nothing is sent to it, repairs neither; resuming, it
	 * waits for a keyframe (whose request the tick repeats). */
	int32_t original = relay_hint_original_seq(c->out, seq);
	if (original < 0) {
		atomic_fetch_add_explicit(&w->nacks_ignored, 1, memory_order_relaxed);
		return;
	}
	/* It asked for a keyframe: repairing the frames before is wasted. */
	if (c->out->keyframe_asked_us) {
		if (c->now - c->out->keyframe_asked_us < RELAY_KEYFRAME_WAIT_US) {
			atomic_fetch_add_explicit(&w->nacks_ignored, 1, memory_order_relaxed);
			return;
		}
		c->out->keyframe_asked_us = 0;
	}
	/* A simulcast track's number is the subscriber's: the encoding it
	 * receives has its own, and its own buffer. */
	const struct relay_pub_stream *src = c->ps;
	uint16_t own_seq = (uint16_t)original;
	if (c->ps->desc.layers > 1 &&
	    (!relay_simulcast_seq_in(&c->out->sc, seq, &own_seq) ||
	     !(src = relay_layers_stream(c->pub, c->ps, c->out->sc.current)) || !src->rtx))
		src = NULL;
	const struct relay_rtx_slot *stored =
	    src ? relay_rtx_buffer_find(src->rtx, own_seq, c->now) : NULL;
	if (!stored) {
		/* Lost upstream too (the relay's own NACK asks for it; it is
		 * forwarded to everyone when it comes), or too old. */
		atomic_fetch_add_explicit(&w->rtx_missed, 1, memory_order_relaxed);
		return;
	}
	/* Again only once the last resend could have arrived: three quarters
	 * of the subscriber's measured round trip (its re-NACK comes about a
	 * round trip after the first). */
	if (!relay_rtx_history_allow(&c->to->rtx_history, media_ssrc, seq, c->now,
				     c->to->rtt_us * 3 / 4))
		return;
	uint8_t *slot = relay_send_batch_slot(w);
	if (!slot)
		return;
	const uint8_t *data = stored->data;
	uint8_t renumbered[RELAY_RTX_PACKET_MAX];
	struct relay_rtp_header h;
	if (c->ps->desc.layers > 1 && relay_rtp_parse(stored->data, stored->len, &h) == 0) {
		memcpy(renumbered, stored->data, stored->len);
		relay_simulcast_rewrite_again(&c->out->sc, renumbered, stored->len, &h,
					      c->ps->desc.group_ssrc);
		data = renumbered;
	}
	int n =
	    relay_rtp_build_rtx(data, stored->len, c->out->rtx_payload_type, c->out->rtx_ssrc,
				c->out->rtx_seq, slot, RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER);
	size_t plen = n > 0 ? (size_t)n : 0;
	if (n > 0 && c->out->seq_skip) /* the OSN in the subscriber's numbers */
		relay_rtp_wr16(slot + 12 + 4 * (slot[0] & 0x0f), seq);
	if (n <= 0 || relay_pacing_send(w, c->to, slot, plen, true, c->now) < 0) {
		c->to->dropped++;
		return;
	}
	c->out->rtx_seq++;
	atomic_fetch_add_explicit(&w->rtx_sent, 1, memory_order_relaxed);
}

/* How many packets one RTCP packet NACKs, per media SSRC (the first few). */
struct relay_repair_burst {
	unsigned n;
	struct {
		uint32_t ssrc;
		unsigned count;
	} e[4];
};

static void relay_repair_count_nack(uint32_t media_ssrc, uint16_t seq, void *userdata)
{
	struct relay_repair_burst *b = userdata;
	unsigned i = 0;

	(void)seq;
	while (i < b->n && b->e[i].ssrc != media_ssrc)
		i++;
	if (i == b->n) {
		if (b->n == G_N_ELEMENTS(b->e))
			return;
		b->e[b->n++].ssrc = media_ssrc;
	}
	b->e[i].count++;
}

void relay_repair_from_subscriber(struct relay_worker *w, struct relay_transport *to,
				  const uint8_t *pkt, size_t len, int64_t now)
{
	struct relay_repair_ctx c = {.w = w, .to = to, .now = now};
	struct relay_repair_burst burst = {0};

	if (to->state != RELAY_TRANSPORT_UP)
		return;
	/* A subscriber that missed a burst (its path was gone for seconds)
	 * gets a keyframe, not seconds of old packets: as the relay does
	 * upstream, and because a browser fed them late holds its picture
	 * back to play them. Its NACKs wait for that keyframe. */
	relay_rtcp_nacks(pkt, len, relay_repair_count_nack, &burst);
	for (unsigned i = 0; i < burst.n; i++) {
		if (burst.e[i].count <= RELAY_NACK_KEYFRAME_GAP)
			continue;
		relay_repair_find(&c, burst.e[i].ssrc);
		if (!c.out || c.out->keyframe_asked_us || relay_out_video_off(c.out))
			continue;
		c.out->keyframe_asked_us = now;
		atomic_fetch_add_explicit(&w->loss_keyframes, 1, memory_order_relaxed);
		relay_feedback_keyframe(w, c.pub, relay_layers_keyframe_stream(c.pub, c.ps, c.out),
					now);
	}
	relay_rtcp_nacks(pkt, len, relay_repair_on_nack, &c);
}
