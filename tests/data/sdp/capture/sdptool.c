/* Capture helper, built by run.sh against sdp/ (not by meson):
 *   sdptool subscribe-offer OUT      our subscribe offer: audio, camera, screen
 *   sdptool answer OFFER OUT         our answer to a publish offer
 *   sdptool check-answer N ANSWER    parse a client's answer to an N m-line offer
 * The values are fixed so that the stored files stay comparable; the
 * candidates are loopback addresses on a port nothing listens on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sdp/sdp.h"

static const struct sig_sdp_candidate candidates[] = {
    {"127.0.0.1", 50000},
    {"::1", 50000},
};

static const struct sig_sdp_local local = {
    .ice_ufrag = "hearthUfrag1",
    .ice_pwd = "hearthPasswordForTests0123",
    .fingerprint = "sha-256 "
		   "0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:0F:1E:2D:3C:4B:5A:69:78:87:"
		   "96:A5:B4:C3:D2:E1:F0",
    .candidates = candidates,
    .n_candidates = G_N_ELEMENTS(candidates),
    .session_id = 4611686018427387904u,
    .session_version = 1,
    .extensions = SIG_SDP_EXTS_HANDLED,
    .rtcp_fb = SIG_SDP_FB_HANDLED,
};

static int write_text(const char *path, const char *text)
{
	GError *error = NULL;

	if (!g_file_set_contents(path, text, -1, &error)) {
		fprintf(stderr, "%s\n", error->message);
		g_error_free(error);
		return 1;
	}
	printf("wrote %s\n", path);
	return 0;
}

static int subscribe_offer(const char *out)
{
	const struct sig_sdp_codec opus = {.id = SIG_SDP_CODEC_OPUS,
					   .pt = 111,
					   .channels = 2,
					   .clock_rate = 48000,
					   .fmtp = "minptime=10;useinbandfec=1"};
	const struct sig_sdp_codec vp8 = {.id = SIG_SDP_CODEC_VP8,
					  .pt = 96,
					  .rtx_pt = 97,
					  .clock_rate = 90000,
					  .rtcp_fb = SIG_SDP_FB_HANDLED};
	const struct sig_sdp_stream streams[] = {
	    {SIG_SDP_AUDIO,
	     "a0",
	     "participant-7",
	     "audio-7",
	     "participant-7",
	     1001,
	     0,
	     opus,
	     {[SIG_SDP_EXT_MID] = 1, [SIG_SDP_EXT_AUDIO_LEVEL] = 2}},
	    {SIG_SDP_VIDEO,
	     "v0",
	     "participant-7",
	     "camera-7",
	     "participant-7",
	     2001,
	     2002,
	     vp8,
	     {[SIG_SDP_EXT_MID] = 1}},
	    {SIG_SDP_VIDEO,
	     "v1",
	     "screen-7",
	     "screen-7",
	     "participant-7",
	     3001,
	     3002,
	     vp8,
	     {[SIG_SDP_EXT_MID] = 1}},
	};
	char *problem = NULL;
	char *text =
	    sig_sdp_build_subscribe_offer(&local, streams, G_N_ELEMENTS(streams), &problem);
	int r;

	if (!text) {
		fprintf(stderr, "subscribe offer: %s\n", problem);
		return 1;
	}
	r = write_text(out, text);
	g_free(text);
	return r;
}

static int answer(const char *offer_path, const char *out)
{
	struct sig_sdp_desc *offer = g_new0(struct sig_sdp_desc, 1);
	char *text = NULL, *problem = NULL, *answer_text;
	gsize len = 0;
	int r = 1;

	if (!g_file_get_contents(offer_path, &text, &len, NULL))
		fprintf(stderr, "cannot read %s\n", offer_path);
	else if (sig_sdp_parse_offer(text, len, offer, &problem) < 0)
		fprintf(stderr, "offer refused: %s\n", problem);
	else if (!(answer_text = sig_sdp_build_answer(offer, &local, &problem)))
		fprintf(stderr, "no answer: %s\n", problem);
	else
		r = write_text(out, answer_text), g_free(answer_text);
	g_free(problem);
	g_free(text);
	g_free(offer);
	return r;
}

static int check_answer(const char *n_text, const char *path)
{
	struct sig_sdp_desc *d = g_new0(struct sig_sdp_desc, 1);
	char *text = NULL, *problem = NULL;
	gsize len = 0;
	int r = 1;

	if (!g_file_get_contents(path, &text, &len, NULL)) {
		fprintf(stderr, "cannot read %s\n", path);
	} else if (sig_sdp_parse_answer(text, len, strtoul(n_text, NULL, 10), d, &problem) < 0) {
		fprintf(stderr, "%s: answer refused: %s\n", path, problem);
	} else {
		printf("%s: setup %d, %zu m-lines:", path, (int)d->setup, d->n_mlines);
		for (size_t i = 0; i < d->n_mlines; i++)
			printf(" %s/%s/%s", d->mlines[i].mid,
			       sig_sdp_direction_name(d->mlines[i].direction),
			       d->mlines[i].n_codecs ? sig_sdp_codec_name(d->mlines[i].codecs[0].id)
						     : "-");
		printf("\n");
		r = 0;
	}
	g_free(problem);
	g_free(text);
	g_free(d);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "subscribe-offer") == 0)
		return subscribe_offer(argv[2]);
	if (argc == 4 && strcmp(argv[1], "answer") == 0)
		return answer(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "check-answer") == 0)
		return check_answer(argv[2], argv[3]);
	fprintf(stderr, "usage: sdptool subscribe-offer OUT | answer OFFER OUT | "
			"check-answer N ANSWER\n");
	return 2;
}
