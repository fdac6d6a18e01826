/* SDP of the load generator, as text: a browser-like publish offer
 * (sendonly Opus + VP8, BUNDLE, rtcp-mux, one host candidate, a=ssrc), a
 * recvonly answer to a server's offer, and the few fields of a server's
 * description it needs. Hearth parses with GStreamer's SDP library; here,
 * talking to two servers whose SDP we know, a line scanner is enough. */
#ifndef HEARTH_BENCH_SDP_H
#define HEARTH_BENCH_SDP_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/loadgen/lg.h"

#define LG_SDP_MAX_MLINES 128
#define LG_SDP_MID_MAX	  32
#define LG_SDP_MAX_TEXT	  (256 * 1024)

struct lg_sdp_mline {
	enum lg_kind kind;
	bool active; /* port not 0 and not a=inactive */
	char mid[LG_SDP_MID_MAX + 1];
	int pt; /* the Opus or VP8 payload type, -1 if none */
};

struct lg_sdp_remote {
	char ufrag[LG_REMOTE_CRED_MAX], pwd[LG_REMOTE_CRED_MAX];
	char fingerprint[CRYPTO_DTLS_FINGERPRINT_MAX];
	char setup[16];
	bool has_candidate;
	struct sockaddr_in candidate;
	size_t n_mlines;
	struct lg_sdp_mline m[LG_SDP_MAX_MLINES];
};

/* Returns 0, or -EINVAL (with a sentence in problem) when something the
 * load generator needs is missing. */
int lg_sdp_parse(const char *sdp, struct lg_sdp_remote *ret, const char **ret_problem);

/* A publish offer (sendonly audio and video) for transport t, our
 * certificate's fingerprint fp, names tagged with id. Caller frees. */
char *lg_sdp_publish_offer(const struct lg_transport *t, const char *fp, int id);

/* A recvonly answer to offer for transport t, with a=setup:<setup>.
 * Caller frees. */
char *lg_sdp_answer(const struct lg_transport *t, const char *fp, const struct lg_sdp_remote *offer,
		    const char *setup);

/* Copies the remote side into t (before handing it to the media thread):
 * credentials, fingerprint, candidate, and the payload types' kinds. */
int lg_sdp_apply_remote(struct lg_transport *t, const struct lg_sdp_remote *r);

#endif
