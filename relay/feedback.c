#include "relay/feedback.h"

#include <inttypes.h>

#include "core/log.h"
#include "crypto/srtp.h"
#include "relay/layers.h"
#include "relay/rtp.h"
#include "relay/stream.h"
#include "relay/send.h"
#include "relay/twcc.h"

/* The SSRC the relay's own RTCP (PLI) is sent from. */
#define RELAY_OWN_SSRC 0x48525448u /* "HRTH" */

/* A feedback packet's size at most: with the SRTCP trailer, well below
 * any path's MTU (media goes with DF set). */
#define RELAY_TWCC_PACKET_MAX 1200
_Static_assert(RELAY_TWCC_PACKET_MAX + CRYPTO_SRTP_MAX_TRAILER <= RELAY_SEND_SLOT, "fits a slot");

/* The stream whose last_pli_us limits ps's requests: its track's. */
static struct relay_pub_stream *relay_feedback_pli_track(struct relay_transport *pub,
							 struct relay_pub_stream *ps)
{
	struct relay_pub_stream *head = relay_layers_head(pub, ps);
	return head ? head : ps;
}

/* Keyframe requests reach a publisher's track at most every
 * RELAY_PLI_INTERVAL_US. */
static void relay_feedback_pli(struct relay_worker *w, struct relay_transport *pub,
			       struct relay_pub_stream *ps, int64_t now)
{
	struct relay_pub_stream *track = relay_feedback_pli_track(pub, ps);
	uint8_t *slot;
	size_t len;

	if (pub->state != RELAY_TRANSPORT_UP)
		return;
	/* At most one request per interval; one asked for meanwhile (another
	 * subscriber coming up, another encoding) is sent when the interval
	 * ends unless its keyframe came first (forward.c), not lost. */
	if (now - track->last_pli_us < RELAY_PLI_INTERVAL_US) {
		if (!ps->pli_pending)
			log_debug(
			    "worker %u: transport %llu: keyframe request held (%lld ms after the "
			    "last)",
			    w->index, (unsigned long long)pub->p.id,
			    (long long)((now - track->last_pli_us) / 1000));
		ps->pli_pending = true;
		return;
	}
	slot = relay_send_batch_slot(w);
	if (!slot)
		return;
	len = (size_t)relay_rtcp_build_pli(slot, RELAY_SEND_SLOT, RELAY_OWN_SSRC, ps->desc.ssrc);
	if (crypto_srtp_protect_rtcp(pub->srtp_out, slot, &len, RELAY_SEND_SLOT) < 0)
		return;
	track->last_pli_us = now;
	ps->pli_pending = false;
	relay_send_batch_commit(w, len, &pub->remote);
}

void relay_feedback_pending_plis(struct relay_worker *w, struct relay_transport *pub, int64_t now)
{
	for (unsigned s = 0; s < pub->p.stream_count; s++)
		if (pub->pub[s].pli_pending &&
		    now - relay_feedback_pli_track(pub, &pub->pub[s])->last_pli_us >=
			RELAY_PLI_INTERVAL_US)
			relay_feedback_pli(w, pub, &pub->pub[s], now);
}

void relay_feedback_keyframe(struct relay_worker *w, struct relay_transport *pub,
			     struct relay_pub_stream *ps, int64_t now)
{
	if (ps->desc.kind == RELAY_STREAM_VIDEO)
		relay_feedback_pli(w, pub, ps, now);
}

struct relay_pli_ctx {
	struct relay_worker *w;
	struct relay_transport *to;
	int64_t now;
};

struct relay_pub_stream *relay_feedback_stream_to(struct relay_worker *w,
						  const struct relay_transport *to, uint32_t ssrc,
						  struct relay_transport **ret_pub,
						  struct relay_out **ret_out)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *pub = value;
		if (!pub->p.publishing || pub->p.session_id != to->p.session_id)
			continue;
		for (unsigned s = 0; s < pub->p.stream_count; s++) {
			struct relay_pub_stream *ps = &pub->pub[s];
			/* A simulcast track: its group SSRC, on its lowest
			 * encoding (which carries its subscribers). */
			if (relay_stream_track_ssrc(&ps->desc) != ssrc || ps->desc.layer != 0)
				continue;
			*ret_pub = pub;
			*ret_out = NULL;
			for (unsigned o = 0; o < ps->out_count; o++)
				if (ps->outs[o].to == to)
					*ret_out = &ps->outs[o];
			return ps;
		}
	}
	return NULL;
}

/* Asks the publisher stream of subscriber `to`'s session (on this worker)
 * that sends this SSRC for a keyframe. */
static void relay_feedback_on_keyframe_request(uint32_t media_ssrc, void *userdata)
{
	struct relay_pli_ctx *c = userdata;
	struct relay_transport *pub;
	struct relay_out *out;
	struct relay_pub_stream *ps = relay_feedback_stream_to(c->w, c->to, media_ssrc, &pub, &out);

	/* A stream it hides gets nothing: no keyframe either (hint.c). */
	if (!ps || (out && relay_out_video_off(out)))
		return;
	/* Until the keyframe comes, its NACKs would repair a picture it has
	 * given up on (repair.c ignores them). */
	if (out) {
		out->keyframe_asked_us = c->now;
		ps = relay_layers_keyframe_stream(pub, ps, out);
	}
	relay_feedback_pli(c->w, pub, ps, c->now);
}

void relay_feedback_keyframe_ssrc(struct relay_worker *w, struct relay_transport *to, uint32_t ssrc,
				  int64_t now)
{
	struct relay_pli_ctx c = {.w = w, .to = to, .now = now};

	relay_feedback_on_keyframe_request(ssrc, &c);
}

void relay_feedback_keyframes_for(struct relay_worker *w, struct relay_transport *to, int64_t now)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *pub = value;
		if (!pub->p.publishing)
			continue;
		for (unsigned s = 0; s < pub->p.stream_count; s++)
			for (unsigned o = 0; o < pub->pub[s].out_count; o++)
				if (pub->pub[s].outs[o].to == to &&
				    pub->pub[s].desc.kind == RELAY_STREAM_VIDEO &&
				    !relay_out_video_off(&pub->pub[s].outs[o])) {
					/* What it missed before is not worth repairing. */
					pub->pub[s].outs[o].keyframe_asked_us = now;
					relay_feedback_pli(
					    w, pub,
					    relay_layers_keyframe_stream(pub, &pub->pub[s],
									 &pub->pub[s].outs[o]),
					    now);
				}
	}
}

struct relay_sr_ctx {
	struct relay_transport *t;
	int64_t now;
};

static void relay_feedback_on_sender_report(uint32_t ssrc, uint32_t ntp_middle, void *userdata)
{
	struct relay_sr_ctx *c = userdata;

	for (unsigned s = 0; s < c->t->p.stream_count; s++)
		if (c->t->pub[s].desc.ssrc == ssrc)
			relay_rx_stats_sender_report(&c->t->pub[s].rx, ntp_middle, c->now);
}

/* The relay's own receiver report to a publisher (RFC 3550 §6.4.2): one
 * block per stream it has received. */
void relay_feedback_receiver_report(struct relay_worker *w, struct relay_transport *pub,
				    int64_t now)
{
	uint32_t ssrcs[RELAY_MAX_STREAMS];
	struct relay_rx_stats *stats[RELAY_MAX_STREAMS];
	uint8_t floors[RELAY_MAX_STREAMS];
	unsigned n = 0;

	if (pub->state != RELAY_TRANSPORT_UP || !pub->p.publishing)
		return;
	for (unsigned s = 0; s < pub->p.stream_count; s++) {
		if (!pub->pub[s].rx.started)
			continue;
		const struct relay_pub_stream *ps = &pub->pub[s];
		/* Audio: the worst loss a subscriber reports, so that the
		 * publisher's Opus FEC covers that subscriber's downlink too.
		 * Video is repaired on each hop: only the uplink's own loss. */
		floors[n] = 0;
		for (unsigned o = 0; ps->desc.kind == RELAY_STREAM_AUDIO && o < ps->out_count; o++)
			if (ps->outs[o].fraction_lost > floors[n])
				floors[n] = ps->outs[o].fraction_lost;
		ssrcs[n] = ps->desc.ssrc;
		stats[n++] = &pub->pub[s].rx;
	}
	uint8_t *slot = n ? relay_send_batch_slot(w) : NULL;
	if (!slot)
		return;
	int len = relay_rtcp_build_rr(slot, RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER,
				      RELAY_OWN_SSRC, ssrcs, stats, floors, n, now);
	size_t plen = len > 0 ? (size_t)len : 0;
	if (len > 0 && crypto_srtp_protect_rtcp(pub->srtp_out, slot, &plen, RELAY_SEND_SLOT) == 0)
		relay_send_batch_commit(w, plen, &pub->remote);
}

void relay_feedback_twcc(struct relay_worker *w, struct relay_transport *pub)
{
	if (pub->state != RELAY_TRANSPORT_UP || !pub->p.publishing || !pub->twcc.pending)
		return;
	/* The media SSRC is one of the publisher's: the feedback is about
	 * its whole transport (draft-holmer §3.1 leaves it to the sender). */
	uint32_t media_ssrc = pub->p.stream_count ? pub->pub[0].desc.ssrc : 0;
	for (unsigned i = 0; i < RELAY_TWCC_MAX_PACKETS; i++) {
		uint8_t *slot = relay_send_batch_slot(w);
		if (!slot)
			return;
		int len = relay_twcc_build(&pub->twcc, slot, RELAY_TWCC_PACKET_MAX, RELAY_OWN_SSRC,
					   media_ssrc);
		size_t plen = len > 0 ? (size_t)len : 0;
		if (len <= 0)
			return;
		if (crypto_srtp_protect_rtcp(pub->srtp_out, slot, &plen, RELAY_SEND_SLOT) < 0)
			continue;
		relay_send_batch_commit(w, plen, &pub->remote);
		atomic_fetch_add_explicit(&w->twcc_feedback_sent, 1, memory_order_relaxed);
	}
}

void relay_feedback_remb(struct relay_worker *w, struct relay_transport *pub, int64_t now)
{
	static const struct relay_bwe_config cfg = {0};
	uint32_t ssrcs[RELAY_REMB_MAX_SSRCS];
	unsigned n = 0;

	if (pub->state != RELAY_TRANSPORT_UP || !pub->p.publishing)
		return;
	uint32_t bps = relay_remb_update(&pub->remb, &cfg, now);
	if (bps == 0)
		return;
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		const struct relay_bwe *e = &pub->remb.est;
		log_debug("worker %u: REMB to transport %" PRIu64
			  ": %u bit/s (delay-based %u, loss-based %u, acked %u, trend %.3f, "
			  "threshold %.2f ms)",
			  w->index, (uint64_t)pub->p.id, bps, e->delay_bps, e->loss_bps,
			  e->acked_bps, e->trend, e->threshold_ms);
	}
	for (unsigned s = 0; s < pub->p.stream_count && n < RELAY_REMB_MAX_SSRCS; s++)
		if (pub->pub[s].desc.ssrc)
			ssrcs[n++] = pub->pub[s].desc.ssrc;
	uint8_t *slot = relay_send_batch_slot(w);
	if (!slot || n == 0)
		return;
	int len = relay_remb_build(slot, RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER, RELAY_OWN_SSRC,
				   bps, ssrcs, n);
	size_t plen = len > 0 ? (size_t)len : 0;
	if (len > 0 && crypto_srtp_protect_rtcp(pub->srtp_out, slot, &plen, RELAY_SEND_SLOT) == 0) {
		relay_send_batch_commit(w, plen, &pub->remote);
		atomic_fetch_add_explicit(&w->remb_sent, 1, memory_order_relaxed);
	}
}

void relay_feedback_from_publisher(struct relay_transport *pub, const uint8_t *pkt, size_t len,
				   int64_t now)
{
	struct relay_sr_ctx sr = {.t = pub, .now = now};

	relay_rtcp_sender_reports(pkt, len, relay_feedback_on_sender_report, &sr);
}

/* A subscriber's report about a stream it receives: the loss it sees,
 * and its round trip, when the report answers the publisher's last sender
 * report (which the relay forwarded as it came). */
static void relay_feedback_on_report_block(const struct relay_rtcp_report_block *b, void *userdata)
{
	struct relay_pli_ctx *c = userdata;
	struct relay_transport *pub;
	struct relay_out *out;
	struct relay_pub_stream *ps = relay_feedback_stream_to(c->w, c->to, b->ssrc, &pub, &out);

	if (!ps || !out)
		return;
	out->fraction_lost = b->fraction_lost;
	/* A simulcast track: the report is about the encoding it receives
	 * (the relay passed that one's sender reports on). */
	if (ps->desc.layers > 1 && !(ps = relay_layers_stream(pub, ps, out->sc.current)))
		return;
	if (!b->lsr || b->lsr != ps->rx.last_sr || !ps->rx.last_sr_us)
		return;
	int64_t rtt = c->now - ps->rx.last_sr_us - (int64_t)b->dlsr * 1000000 / 65536;
	if (rtt >= 0 && rtt < RELAY_NACK_RTT_MAX_US)
		c->to->rtt_us = relay_nack_rtt_smooth(c->to->rtt_us, rtt);
}

void relay_feedback_from_subscriber(struct relay_worker *w, struct relay_transport *to,
				    const uint8_t *pkt, size_t len, int64_t now)
{
	struct relay_pli_ctx c = {.w = w, .to = to, .now = now};

	relay_rtcp_keyframe_requests(pkt, len, relay_feedback_on_keyframe_request, &c);
	relay_rtcp_report_blocks(pkt, len, relay_feedback_on_report_block, &c);
}

void relay_feedback_keyframe_retries(struct relay_worker *w, struct relay_transport *pub,
				     int64_t now)
{
	for (unsigned s = 0; s < pub->p.stream_count; s++) {
		struct relay_pub_stream *ps = &pub->pub[s];
		bool again = false;
		for (unsigned o = 0; o < ps->out_count; o++) {
			struct relay_out *out = &ps->outs[o];
			if (out->keyframe_asked_us &&
			    now - out->keyframe_asked_us >= RELAY_KEYFRAME_WAIT_US) {
				out->keyframe_asked_us = now;
				if (ps->desc.layers > 1) /* each its own encoding's */
					relay_feedback_keyframe(
					    w, pub, relay_layers_keyframe_stream(pub, ps, out),
					    now);
				else
					again = true;
			}
		}
		if (again)
			relay_feedback_keyframe(w, pub, ps, now);
	}
}
