/* libFuzzer target: the SDP parsers (sdp/) must never crash, leak
 * or misbehave under the sanitizers on any input. An offer they accept must
 * get an answer that GStreamer reads back with the same m-lines, and a
 * subscribe offer built from its streams must be buildable too; an answer
 * they accept must keep its m-line count. The first byte picks the m-line
 * count parse_answer expects (the corpus files have 2 or 3). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

#include "sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sig_sdp_candidate candidates[] = {
    {"192.0.2.1", 3478},
    {"2001:db8::1", 3478},
};

static const struct sig_sdp_local local = {
    .ice_ufrag = "fuzz",
    .ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz",
    .fingerprint = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
		   "66:77:88:99:AA:BB:CC:DD:EE:FF",
    .candidates = candidates,
    .n_candidates = G_N_ELEMENTS(candidates),
    .session_id = 1,
    .session_version = 1,
    .extensions = SIG_SDP_EXTS_HANDLED,
    .rtcp_fb = SIG_SDP_FB_HANDLED,
};

/* What we answer must be SDP with one m-line per offered one. */
static void check_answer(const struct sig_sdp_desc *offer)
{
	char *problem = NULL, *text = sig_sdp_build_answer(offer, &local, &problem);
	GstSDPMessage *msg = NULL;

	if (!text || problem)
		abort();
	if (gst_sdp_message_new_from_text(text, &msg) != GST_SDP_OK ||
	    gst_sdp_message_medias_len(msg) != offer->n_mlines)
		abort();
	gst_sdp_message_free(msg);
	g_free(text);
}

/* Forwarding what was published: each kept m-line becomes a stream. */
static void check_forward(const struct sig_sdp_desc *offer)
{
	struct sig_sdp_stream streams[SIG_SDP_MAX_MLINES];
	char *problem = NULL, *text;
	size_t n = 0;

	for (size_t i = 0; i < offer->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &offer->mlines[i];

		if (ml->rejected)
			continue;
		streams[n] = (struct sig_sdp_stream){.kind = ml->kind,
						     .mid = ml->mid,
						     .stream_id = "s",
						     .track_id = "t",
						     .cname = "c",
						     .ssrc = ml->ssrc,
						     .rtx_ssrc = ml->rtx_ssrc,
						     .codec = ml->codecs[0]};
		memcpy(streams[n].ext_id, ml->ext_id, sizeof(ml->ext_id));
		n++;
	}
	text = sig_sdp_build_subscribe_offer(&local, streams, n, &problem);
	g_free(text);
	g_free(problem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_sdp_desc *d = g_new0(struct sig_sdp_desc, 1);
	size_t expected = size > 0 ? (data[0] & 3) + 1 : 1;
	char *problem = NULL;

	if (sig_sdp_parse_offer((const char *)data, size, d, &problem) == 0) {
		if (problem)
			abort();
		check_answer(d);
		check_forward(d);
	} else if (!problem) {
		abort(); /* every refusal has its sentence */
	}
	g_free(problem);
	problem = NULL;
	if (sig_sdp_parse_answer((const char *)data, size, expected, d, &problem) == 0) {
		if (problem || d->n_mlines != expected)
			abort();
	} else if (!problem) {
		abort();
	}
	g_free(problem);
	g_free(d);
	return 0;
}
