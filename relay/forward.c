#include "relay/forward.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "crypto/srtp.h"
#include "relay/audio_dup.h"
#include "relay/audio_level.h"
#include "relay/congestion.h"
#include "relay/feedback.h"
#include "relay/layers.h"
#include "relay/hint.h"
#include "relay/pacing.h"
#include "relay/red.h"
#include "relay/repair.h"
#include "relay/rtp.h"
#include "relay/send.h"
#include "relay/simulcast.h"
#include "relay/switching.h"
#include "relay/transport.h"
#include "relay/twcc.h"

/* A subscriber's copy of a publisher's packet: RED (audio) goes on as RED
 * to those that took it, and as its primary encoding to the others. */
static int relay_forward_copy(const struct relay_pub_stream *ps, const struct relay_out *out,
			      const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
			      uint8_t *slot)
{
	size_t cap = RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER;

	if (!ps->desc.red_payload_type || h->payload_type != ps->desc.red_payload_type)
		return relay_rtp_copy_for(pkt, len, h, out->payload_type, slot, cap);
	if (out->red_payload_type)
		return relay_red_copy_for(pkt, len, h, out->red_payload_type, ps->desc.payload_type,
					  out->payload_type, slot, cap);
	return relay_red_primary_for(pkt, len, h, out->payload_type, slot, cap);
}

/* A video packet out does not get: hidden, or no room on the downlink. */
static void relay_forward_count_off(struct relay_worker *w, const struct relay_out *out)
{
	if (out->max_height == RELAY_HEIGHT_HIDDEN)
		atomic_fetch_add_explicit(&w->hidden_skipped, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&w->budget_skipped, 1, memory_order_relaxed);
}

/* A simulcast encoding's copy (in the send slot) into the numbers of the
 * one stream the subscriber sees, with the track's group SSRC. */
static void relay_forward_rewrite(struct relay_out *out, const struct relay_pub_stream *head,
				  uint8_t *copy, size_t len, int64_t now)
{
	struct relay_rtp_header ch;

	if (relay_rtp_parse(copy, len, &ch) == 0)
		relay_simulcast_rewrite(&out->sc, copy, len, &ch, head->desc.group_ssrc, now);
}

/* An audio copy just went to `to` (the batch's last slot), which takes no
 * RED: while its downlink loses, the stream's packet before it goes again
 * (audio_dup.c), and this one is kept for the next. */
static void relay_forward_audio_dup(struct relay_worker *w, struct relay_transport *to,
				    uint32_t ssrc, int64_t now)
{
	struct relay_audio_dup *d = to->audio_dup;
	struct relay_send_batch *b = w->out;

	if (now - d->checked_us >= 100000) {
		d->checked_us = now;
		relay_audio_dup_loss(d, to->bwe.est.fraction_lost);
	}
	if (!d->on || b->count == 0)
		return;
	/* The copy sent: a slot other than the next one (a flush to make
	 * room leaves its bytes where they are). */
	const uint8_t *sent = b->buf[b->count - 1];
	size_t len = b->iov[b->count - 1].iov_len;
	uint8_t *slot = relay_send_batch_slot(w);
	if (!slot || slot == sent)
		return;
	size_t n = relay_audio_dup_swap(d, ssrc, sent, len, slot, RELAY_SEND_SLOT);
	if (n) {
		relay_send_batch_commit(w, n, &to->remote);
		atomic_fetch_add_explicit(&w->audio_duplicates, 1, memory_order_relaxed);
	}
}

/* Notes the packet's transport-wide sequence number, and has the worker
 * send feedback within RELAY_TWCC_INTERVAL_US. */
static void relay_forward_twcc(struct relay_worker *w, struct relay_transport *pub,
			       const struct relay_pub_stream *ps, const uint8_t *pkt, size_t len,
			       int64_t now)
{
	uint16_t seq;

	if (relay_twcc_ext_seq(pkt, len, ps->desc.twcc_ext_id, &seq) < 0)
		return;
	relay_twcc_on_packet(&pub->twcc, seq, now);
	if (w->next_twcc_us == INT64_MAX)
		w->next_twcc_us = now + RELAY_TWCC_INTERVAL_US;
}

/* Notes the packet's send time for the publisher's REMB (remb.c), from
 * the same wake as transport-cc feedback. */
static void relay_forward_remb(struct relay_worker *w, struct relay_transport *pub,
			       const struct relay_pub_stream *ps, const uint8_t *pkt, size_t len,
			       int64_t now)
{
	uint32_t abs;

	if (relay_remb_abs_send_time(pkt, len, ps->desc.abs_send_time_ext_id, &abs) < 0)
		return;
	if (relay_remb_on_packet(&pub->remb, abs, len, now))
		relay_feedback_remb(w, pub, now);
	else if (w->next_twcc_us == INT64_MAX)
		w->next_twcc_us = now + RELAY_TWCC_INTERVAL_US;
}

/* One plain RTP packet of a publisher, to each of its subscribers; one
 * on its RTX stream is unwrapped first (RFC 4588 §4: a recovered packet
 * goes on like the original). */
static void relay_forward_rtp(struct relay_worker *w, struct relay_transport *pub, uint8_t *pkt,
			      size_t len, int64_t now)
{
	struct relay_rtp_header h;
	struct relay_pub_stream *ps = NULL;
	bool rtx = false;

	if (relay_rtp_parse(pkt, len, &h) < 0) {
		pub->dropped++;
		return;
	}
	for (unsigned s = 0; s < pub->p.stream_count && !ps && h.ssrc; s++) {
		if (pub->pub[s].desc.ssrc == h.ssrc)
			ps = &pub->pub[s];
		else if (pub->pub[s].desc.rtx_ssrc && pub->pub[s].desc.rtx_ssrc == h.ssrc)
			ps = &pub->pub[s], rtx = true;
	}
	/* Only what the publisher was allowed to send, as negotiated. */
	if (!ps) {
		pub->dropped++;
		return;
	}
	pub->rtp_in++;
	/* Every packet that arrived tells the sender's bandwidth estimation
	 * something: muted ones, RTX and padding-only probes too. */
	if (ps->desc.twcc_ext_id)
		relay_forward_twcc(w, pub, ps, pkt, len, now);
	else if (ps->desc.abs_send_time_ext_id)
		relay_forward_remb(w, pub, ps, pkt, len, now);
	/* A host muted it: nothing of it leaves the relay. */
	if (pub->muted &
	    (ps->desc.kind == RELAY_STREAM_AUDIO ? RELAY_MUTE_AUDIO : RELAY_MUTE_VIDEO))
		return;
	if (ps->desc.audio_level_ext_id && !rtx)
		relay_audio_level_on_packet(&ps->level, pkt, len, ps->desc.audio_level_ext_id, now);
	if (rtx) {
		/* Padding only (bandwidth probes) recovers nothing. */
		if (relay_rtp_unwrap_rtx(pkt, len, &h, ps->desc.ssrc, ps->desc.payload_type, &pkt,
					 &len) < 0 ||
		    relay_rtp_parse(pkt, len, &h) < 0)
			return;
	} else {
		relay_rx_stats_update(&ps->rx, h.seq, h.timestamp, now,
				      ps->desc.kind == RELAY_STREAM_AUDIO ? 48000 : 90000);
		int64_t dropped =
		    relay_layers_on_packet(ps, pkt + h.header_len, h.payload_len, h.marker, now);
		if (relay_layers_stops_above(pub, ps, dropped))
			relay_switching_tick(w, pub, now);
	}
	if (!relay_repair_on_packet(w, pub, ps, pkt, len, &h, now))
		return;
	/* A simulcast encoding goes to the subscribers of its track that
	 * receive it (or switch to it here), as the track's one stream. */
	bool layered = ps->desc.layers > 1;
	struct relay_pub_stream *head = relay_layers_head(pub, ps);
	int keyframe = -1; /* not looked at yet */
	/* A keyframe request held back (feedback.c) is not sent once a
	 * keyframe came: the answer to the request before it. */
	if (ps->pli_pending && ps->desc.kind == RELAY_STREAM_VIDEO &&
	    (keyframe = relay_transport_is_keyframe(ps, pkt, &h)) > 0)
		ps->pli_pending = false;
	for (unsigned o = 0; head && o < head->out_count; o++) {
		struct relay_out *out = &head->outs[o];
		struct relay_transport *to = out->to;
		if (to->state != RELAY_TRANSPORT_UP)
			continue;
		/* One encoding, hidden by the subscriber or switched off for its
		 * downlink, or shown again and waiting for a keyframe (hint.c); a
		 * simulcast track's outs are switched by layers.c instead. */
		if (!layered && ps->desc.kind == RELAY_STREAM_VIDEO &&
		    (relay_out_video_off(out) || out->resuming)) {
			if (keyframe < 0)
				keyframe = relay_transport_is_keyframe(ps, pkt, &h);
			if (!relay_hint_admit(w, ps, out, h.seq, keyframe))
				continue;
		}
		if (layered && relay_out_video_off(out)) {
			relay_forward_count_off(w, out);
			continue;
		}
		if (keyframe < 0 && (layered || out->keyframe_asked_us))
			keyframe = relay_transport_is_keyframe(ps, pkt, &h);
		uint32_t switches = out->sc.switches;
		if (layered &&
		    !relay_simulcast_accept(&out->sc, ps->desc.layer, &h, pkt + h.header_len,
					    h.payload_len, keyframe > 0, now))
			continue;
		if (out->sc.switches != switches && switches) {
			atomic_fetch_add_explicit(&w->layer_switches, 1, memory_order_relaxed);
			log_debug(
			    "worker %u: transport %llu: on layer %u, %lld ms after its keyframe "
			    "was asked",
			    w->index, (unsigned long long)out->to->p.id, ps->desc.layer,
			    (long long)((now - out->layer_asked_us) / 1000));
		}
		if (out->keyframe_asked_us && keyframe > 0)
			out->keyframe_asked_us = 0;
		uint8_t *slot = relay_send_batch_slot(w);
		if (!slot)
			return;
		int n = relay_forward_copy(ps, out, pkt, len, &h, slot);
		size_t plen = n > 0 ? (size_t)n : 0;
		if (n == -ENODATA)
			continue;
		if (layered && n > 0)
			relay_forward_rewrite(out, head, slot, (size_t)n, now);
		else if (n > 0)
			relay_hint_number(out, slot); /* before SRTP: the index is the number */
		/* Stamped, protected and sent now, or queued by the pacer. */
		if (n <= 0 || relay_pacing_send(w, to, slot, plen,
						ps->desc.kind == RELAY_STREAM_VIDEO, now) < 0) {
			to->dropped++;
			continue;
		}
		to->rtp_out++;
		atomic_fetch_add_explicit(&w->rtp_forwarded, 1, memory_order_relaxed);
		if (to->audio_dup && ps->desc.kind == RELAY_STREAM_AUDIO && !out->red_payload_type)
			relay_forward_audio_dup(w, to, ps->desc.ssrc, now);
	}
}

struct relay_forward_sr_ctx {
	struct relay_transport *pub;
	const struct relay_transport *to;
};

/* A simulcast encoding's sender report, for subscriber c->to: as the
 * track's when it is the encoding c->to receives, else left out. */
static struct relay_rtcp_renumber relay_forward_sr_for(uint32_t ssrc, void *userdata)
{
	struct relay_forward_sr_ctx *c = userdata;
	struct relay_rtcp_renumber keep = {.keep = true, .ssrc = ssrc};

	for (unsigned s = 0; ssrc && s < c->pub->p.stream_count; s++) {
		const struct relay_pub_stream *ps = &c->pub->pub[s];
		if (ps->desc.ssrc != ssrc || ps->desc.layers < 2)
			continue;
		const struct relay_pub_stream *head = relay_layers_head(c->pub, ps);
		for (unsigned o = 0; head && o < head->out_count; o++) {
			const struct relay_out *out = &head->outs[o];
			if (out->to == c->to && out->sc.started &&
			    out->sc.current == ps->desc.layer)
				return (struct relay_rtcp_renumber){.keep = true,
								    .ssrc = head->desc.group_ssrc,
								    .ts_delta = out->sc.ts_delta};
		}
		return (struct relay_rtcp_renumber){.keep = false};
	}
	return keep;
}

/* A publisher's RTCP (sender reports: lip sync) goes to its subscribers;
 * a subscriber's keyframe requests go to the publishers. */
static void relay_forward_rtcp(struct relay_worker *w, struct relay_transport *t,
			       const uint8_t *pkt, size_t len, int64_t now)
{
	t->rtcp_in++;
	if (!t->p.publishing) {
		relay_feedback_from_subscriber(w, t, pkt, len, now);
		relay_repair_from_subscriber(w, t, pkt, len, now);
		relay_congestion_from_subscriber(w, t, pkt, len, now);
		return;
	}
	relay_feedback_from_publisher(t, pkt, len, now);
	bool layered = false;
	for (unsigned s = 0; s < t->p.stream_count; s++)
		layered |= t->pub[s].desc.layers > 1;
	for (unsigned s = 0; s < t->p.stream_count; s++) {
		struct relay_pub_stream *ps = &t->pub[s];
		for (unsigned o = 0; o < ps->out_count; o++) {
			struct relay_transport *to = ps->outs[o].to;
			uint8_t *slot;
			size_t plen = len;
			/* One copy per subscriber, not per stream it receives. */
			bool seen = false;
			for (unsigned e = 0; e < s && !seen; e++)
				for (unsigned q = 0; q < t->pub[e].out_count; q++)
					seen |= t->pub[e].outs[q].to == to;
			if (seen || to->state != RELAY_TRANSPORT_UP || len > RELAY_DATAGRAM_MAX)
				continue;
			slot = relay_send_batch_slot(w);
			if (!slot)
				return;
			if (layered) {
				struct relay_forward_sr_ctx c = {.pub = t, .to = to};
				int n = relay_rtcp_copy_renumbered(
				    pkt, len, slot, RELAY_SEND_SLOT - CRYPTO_SRTP_MAX_TRAILER,
				    relay_forward_sr_for, &c);
				if (n <= 0)
					continue;
				plen = (size_t)n;
			} else {
				memcpy(slot, pkt, len);
			}
			if (crypto_srtp_protect_rtcp(to->srtp_out, slot, &plen, RELAY_SEND_SLOT) ==
			    0)
				relay_send_batch_commit(w, plen, &to->remote);
		}
	}
}

void relay_forward_srtp(struct relay_worker *w, struct relay_transport *t, uint8_t *pkt, size_t len,
			int64_t now)
{
	if (t->state != RELAY_TRANSPORT_UP) {
		t->dropped++;
		return;
	}
	if (relay_rtp_is_rtcp(pkt, len)) {
		uint32_t sender;
		if (relay_rtcp_sender_ssrc(pkt, len, &sender) < 0 ||
		    !relay_transport_accepts_ssrc(t, sender, true)) {
			t->dropped++;
			return;
		}
		if (crypto_srtp_unprotect_rtcp(t->srtp_in, pkt, &len) < 0) {
			atomic_fetch_add_explicit(&w->srtp_failures, 1, memory_order_relaxed);
			return;
		}
		/* Authenticated SRTCP from the bound address shows the peer is
		 * there and receiving: consent, as a STUN check would (peers such
		 * as libnice send only unauthenticated keepalive indications). */
		t->consent_us = now;
		relay_forward_rtcp(w, t, pkt, len, now);
		return;
	}
	/* Only the streams the SDP declared: anything else is neither
	 * decrypted nor forwarded (and costs libsrtp no state), but for a
	 * few tried as the simulcast encodings still to be learnt. */
	uint32_t ssrc = len < 12 ? 0
				 : (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 |
				       (uint32_t)pkt[10] << 8 | pkt[11];
	bool known = ssrc && relay_transport_accepts_ssrc(t, ssrc, false);
	if (!t->p.publishing || len < 12 || (!known && !relay_layers_probe(t, ssrc))) {
		t->dropped++;
		return;
	}
	if (crypto_srtp_unprotect_rtp(t->srtp_in, pkt, &len) < 0) {
		atomic_fetch_add_explicit(&w->srtp_failures, 1, memory_order_relaxed);
		return;
	}
	if (!known) {
		if (relay_layers_learn(t, pkt, len) < 0) {
			crypto_srtp_forget(t->srtp_in, ssrc);
			t->dropped++;
			return;
		}
		atomic_fetch_add_explicit(&w->ssrcs_learnt, 1, memory_order_relaxed);
	}
	t->consent_us = now;
	relay_forward_rtp(w, t, pkt, len, now);
}
