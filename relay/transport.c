#include "relay/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dtls.h"
#include "crypto/srtp.h"
#include "crypto/token.h"

void relay_addr_key_from(const struct sockaddr_storage *ss, struct relay_addr_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		ret->family = AF_INET;
		ret->port = in->sin_port;
		memcpy(ret->addr, &in->sin_addr, 4);
		return;
	}
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		ret->family = AF_INET;
		memcpy(ret->addr, &in6->sin6_addr.s6_addr[12], 4);
	} else {
		ret->family = AF_INET6;
		memcpy(ret->addr, &in6->sin6_addr, 16);
	}
	ret->port = in6->sin6_port;
}

/* FNV-1a over the key's bytes. */
unsigned relay_addr_key_hash(const void *key)
{
	const uint8_t *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(struct relay_addr_key); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int relay_addr_key_equal(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct relay_addr_key)) == 0;
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
