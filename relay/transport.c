#include "relay/transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dtls.h"
#include "crypto/srtp.h"
#include "crypto/token.h"

void relay_transport_params_free(struct relay_transport_params *p)
{
	if (!p)
		return;
	crypto_dtls_identity_free(p->identity);
	crypto_wipe(p, sizeof(*p));
	free(p);
}

struct relay_transport *relay_transport_new(struct relay_transport_params *params,
					    struct crypto_dtls_identity *identity, int64_t now_us)
{
	struct relay_transport *t = calloc(1, sizeof(*t));

	if (!t)
		goto out;
	t->p = *params;
	t->p.identity = NULL; /* the association holds what it needs */
	t->consent_us = now_us;
	t->state = RELAY_TRANSPORT_NEW;
	for (unsigned i = 0; i < t->p.stream_count; i++)
		t->pub[i].desc = t->p.streams[i];
	if (crypto_dtls_new(params->identity ? params->identity : identity, t->p.dtls_server,
			    t->p.remote_fingerprint, &t->dtls) < 0)
		t = relay_transport_free(t);
out:
	relay_transport_params_free(params);
	return t;
}

struct relay_transport *relay_transport_free(struct relay_transport *t)
{
	if (!t)
		return NULL;
	for (unsigned i = 0; i < RELAY_MAX_STREAMS; i++)
		free(t->pub[i].rtx);
	free(t->pace);
	free(t->audio_dup);
	t->dtls = crypto_dtls_free(t->dtls);
	t->srtp_in = crypto_srtp_free(t->srtp_in);
	t->srtp_out = crypto_srtp_free(t->srtp_out);
	crypto_wipe(&t->p, sizeof(t->p));
	free(t);
	return NULL;
}

int relay_transport_key_srtp(struct relay_transport *t)
{
	struct crypto_srtp_keys keys;
	int r = crypto_dtls_srtp_keys(t->dtls, &keys);

	if (r < 0)
		return r;
	/* Inbound: what the peer protects with its key; outbound: ours. */
	r = crypto_srtp_new(keys.profile, keys.remote_key, keys.key_len, keys.remote_salt,
			    keys.salt_len, true, &t->srtp_in);
	if (r == 0)
		r = crypto_srtp_new(keys.profile, keys.local_key, keys.key_len, keys.local_salt,
				    keys.salt_len, false, &t->srtp_out);
	crypto_srtp_keys_wipe(&keys);
	return r;
}

void relay_transport_drop_outs(struct relay_transport *publisher, const struct relay_transport *to)
{
	for (unsigned s = 0; s < publisher->p.stream_count; s++) {
		struct relay_pub_stream *ps = &publisher->pub[s];
		for (unsigned o = 0; o < ps->out_count;) {
			if (ps->outs[o].to == to)
				ps->outs[o] = ps->outs[--ps->out_count];
			else
				o++;
		}
	}
}

bool relay_transport_accepts_ssrc(struct relay_transport *t, uint32_t ssrc, bool rtcp)
{
	if (!ssrc) /* what a simulcast encoding not learnt yet has */
		return false;
	for (unsigned i = 0; i < t->p.stream_count; i++)
		if (t->p.streams[i].ssrc == ssrc ||
		    (t->p.streams[i].rtx_ssrc && t->p.streams[i].rtx_ssrc == ssrc))
			return true;
	if (!rtcp || t->p.publishing)
		return false;
	for (unsigned i = 0; i < t->rtcp_ssrc_count; i++)
		if (t->rtcp_ssrcs[i] == ssrc)
			return true;
	if (t->rtcp_ssrc_count == sizeof(t->rtcp_ssrcs) / sizeof(t->rtcp_ssrcs[0]))
		return false;
	t->rtcp_ssrcs[t->rtcp_ssrc_count++] = ssrc;
	return true;
}

bool relay_transport_is_keyframe(const struct relay_pub_stream *ps, const uint8_t *pkt,
				 const struct relay_rtp_header *h)
{
	const uint8_t *payload = pkt + h->header_len;

	switch (ps->desc.codec) {
	case RELAY_CODEC_VP8:
		return relay_rtp_vp8_keyframe(payload, h->payload_len);
	case RELAY_CODEC_H264:
		return relay_rtp_h264_keyframe(payload, h->payload_len);
	default:
		return false;
	}
}
