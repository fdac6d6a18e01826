/* Unit tests of sdp/: real offers and answers from Chromium,
 * Firefox ESR and GStreamer webrtcbin (tests/data/sdp/, captured by
 * tests/data/sdp/capture/run.sh; the folder comes in HEARTH_SDP_DATA), the
 * answers and subscribe offers we build, and every refusal.
 *
 * What we build is read back with GstSDPMessage directly, line by line,
 * never with the parser under test. */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

#include "sdp/sdp.h"

#define FP_LOCAL                                                                                   \
	"sha-256 01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:"   \
	"45:67:89:AB:CD:EF"

static const struct sig_sdp_candidate local_candidates[] = {
    {"192.0.2.10", 40001},	/* the worker's address */
    {"2001:db8::10", 40001},	/* IPv6 */
    {"198.51.100.7", 40001},	/* public address of a 1:1 NAT */
    {"192.0.2.10", 3478, true}, /* ICE-TCP, passive (RFC 6544) */
};

static const struct sig_sdp_local local = {
    .ice_ufrag = "Hrth",
    .ice_pwd = "hearth+pwd/0123456789ab",
    .fingerprint = FP_LOCAL,
    .candidates = local_candidates,
    .n_candidates = G_N_ELEMENTS(local_candidates),
    .session_id = 123456789,
    .session_version = 2,
    .extensions = SIG_SDP_EXTS_HANDLED,
    .rtcp_fb = SIG_SDP_FB_HANDLED,
};

static char *read_data(const char *name, gsize *ret_len)
{
	const char *dir = g_getenv("HEARTH_SDP_DATA");
	GError *error = NULL;
	char *path, *text;

	g_assert_nonnull(dir); /* set by meson */
	path = g_build_filename(dir, name, NULL);
	g_file_get_contents(path, &text, ret_len, &error);
	g_assert_no_error(error);
	g_free(path);
	return text;
}

static GstSDPMessage *gst_parse(const char *text)
{
	GstSDPMessage *msg = NULL;

	g_assert_cmpint(gst_sdp_message_new_from_text(text, &msg), ==, GST_SDP_OK);
	return msg;
}

/* A media attribute, else the session's (as the offer may put it). */
static const char *attr(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key)
{
	const char *v = gst_sdp_media_get_attribute_val(m, key);

	return v ? v : gst_sdp_message_get_attribute_val(msg, key);
}

static guint count_attr(const GstSDPMedia *m, const char *key)
{
	guint n = 0;

	while (gst_sdp_media_get_attribute_val_n(m, key, n))
		n++;
	return n;
}

/* The value of attribute key (rtpmap, fmtp) for payload type pt, after
 * "<pt> ". */
static const char *pt_attr(const GstSDPMedia *m, const char *key, const char *pt)
{
	size_t n = strlen(pt);
	const char *v;

	for (guint i = 0; (v = gst_sdp_media_get_attribute_val_n(m, key, i)); i++)
		if (strncmp(v, pt, n) == 0 && v[n] == ' ')
			return v + n + 1;
	return NULL;
}

static const char *rtpmap_of(const GstSDPMedia *m, const char *pt)
{
	return pt_attr(m, "rtpmap", pt);
}

static const char *fmtp_of(const GstSDPMedia *m, const char *pt)
{
	return pt_attr(m, "fmtp", pt);
}

/* The id the offer's m-line gives an extension URI, or -1. */
static int offered_ext_id(const GstSDPMedia *m, const char *uri)
{
	const char *v;

	for (guint i = 0; (v = gst_sdp_media_get_attribute_val_n(m, "extmap", i)); i++) {
		const char *space = strchr(v, ' ');

		if (space && strncmp(space + 1, uri, strlen(uri)) == 0 &&
		    (space[1 + strlen(uri)] == '\0' || space[1 + strlen(uri)] == ' '))
			return (int)g_ascii_strtoll(v, NULL, 10);
	}
	return -1;
}

/* The transport of one answered m-line: ours, ICE-lite, DTLS server. */
static void check_our_transport(const GstSDPMedia *am, const char *setup)
{
	const GstSDPConnection *c = gst_sdp_media_get_connection(am, 0);

	g_assert_cmpstr(gst_sdp_media_get_proto(am), ==, "UDP/TLS/RTP/SAVPF");
	g_assert_cmpuint(gst_sdp_media_get_port(am), ==, local_candidates[0].port);
	g_assert_cmpstr(c->addrtype, ==, "IP4");
	g_assert_cmpstr(c->address, ==, local_candidates[0].address);
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(am, "ice-ufrag"), ==, local.ice_ufrag);
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(am, "ice-pwd"), ==, local.ice_pwd);
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(am, "fingerprint"), ==, FP_LOCAL);
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(am, "setup"), ==, setup);
	g_assert_nonnull(gst_sdp_media_get_attribute_val(am, "rtcp-mux"));
	g_assert_cmpuint(count_attr(am, "candidate"), ==, G_N_ELEMENTS(local_candidates));
	g_assert_nonnull(strstr(gst_sdp_media_get_attribute_val_n(am, "candidate", 1),
				" udp 2130706175 2001:db8::10 40001 typ host"));
	/* below every UDP candidate (RFC 6544 §4.2) */
	g_assert_nonnull(strstr(gst_sdp_media_get_attribute_val_n(am, "candidate", 3),
				" tcp 1520434431 192.0.2.10 3478 typ host tcptype passive"));
}

/* One answered m-line against its offered one: same kind and mid,
 * recvonly, the expected codec at the offer's payload type (after RED for
 * it, when the offer has RED: first, so that Chromium sends it), extension
 * ids echoed. */
static void check_answered_media(const GstSDPMedia *om, const GstSDPMedia *am, const char *codec)
{
	const char *pt = gst_sdp_media_get_format(am, 0), *mine, *theirs, *v;

	if (g_str_has_prefix(rtpmap_of(am, pt), "red/48000/2")) {
		g_assert_true(g_str_has_prefix(rtpmap_of(om, pt), "red/48000/2"));
		pt = gst_sdp_media_get_format(am, 1);
		g_autofree char *blocks = g_strdup_printf("%s/%s", pt, pt);
		g_assert_cmpstr(fmtp_of(am, gst_sdp_media_get_format(am, 0)), ==, blocks);
	}

	g_assert_cmpstr(gst_sdp_media_get_media(am), ==, gst_sdp_media_get_media(om));
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(am, "mid"), ==,
			gst_sdp_media_get_attribute_val(om, "mid"));
	g_assert_nonnull(gst_sdp_media_get_attribute_val(am, "recvonly"));
	g_assert_null(gst_sdp_media_get_attribute_val(am, "sendrecv"));
	mine = rtpmap_of(am, pt);
	theirs = rtpmap_of(om, pt);
	g_assert_nonnull(mine);
	g_assert_nonnull(theirs);
	g_assert_true(g_ascii_strncasecmp(mine, codec, strlen(codec)) == 0);
	g_assert_true(g_ascii_strcasecmp(mine, theirs) == 0);
	for (guint i = 0; (v = gst_sdp_media_get_attribute_val_n(am, "extmap", i)); i++)
		g_assert_cmpint((int)g_ascii_strtoll(v, NULL, 10), ==,
				offered_ext_id(om, strchr(v, ' ') + 1));
}

/* Our answer, read with GstSDPMessage alone, against the offer. */
static void check_answer_text(const char *offer_text, const char *answer_text,
			      const char *const *codecs, const char *setup)
{
	GstSDPMessage *o = gst_parse(offer_text), *a = gst_parse(answer_text);

	g_assert_cmpstr(gst_sdp_message_get_version(a), ==, "0");
	g_assert_nonnull(gst_sdp_message_get_attribute_val(a, "ice-lite"));
	g_assert_cmpstr(gst_sdp_message_get_attribute_val(a, "group"), ==,
			gst_sdp_message_get_attribute_val(o, "group"));
	g_assert_cmpuint(gst_sdp_message_medias_len(a), ==, gst_sdp_message_medias_len(o));
	for (guint i = 0; i < gst_sdp_message_medias_len(a); i++) {
		const GstSDPMedia *am = gst_sdp_message_get_media(a, i);

		check_our_transport(am, setup);
		check_answered_media(gst_sdp_message_get_media(o, i), am, codecs[i]);
	}
	gst_sdp_message_free(o);
	gst_sdp_message_free(a);
}

struct offer_case {
	const char *file;
	size_t n_mlines;
	const char *codecs[3]; /* rtpmap prefix expected in the answer */
	enum sig_sdp_codec_id ids[3];
	bool rtx;	 /* the offer has RTX for its video */
	bool fid;	 /* and an FID group */
	bool mixed;	 /* a=extmap-allow-mixed */
	unsigned red_pt; /* RED for its Opus */
};

static const struct offer_case chromium_case = {
    .file = "chromium-publish-offer.sdp",
    .n_mlines = 3,
    .codecs = {"opus/48000/2", "VP8/90000", "VP8/90000"},
    .ids = {SIG_SDP_CODEC_OPUS, SIG_SDP_CODEC_VP8, SIG_SDP_CODEC_VP8},
    .rtx = true,
    .fid = true,
    .mixed = true,
    .red_pt = 63,
};

static const struct offer_case firefox_case = {
    .file = "firefox-publish-offer.sdp",
    .n_mlines = 3,
    .codecs = {"opus/48000/2", "VP8/90000", "VP8/90000"},
    .ids = {SIG_SDP_CODEC_OPUS, SIG_SDP_CODEC_VP8, SIG_SDP_CODEC_VP8},
    .rtx = true,
    .fid = true,
    .mixed = true,
};

static const struct offer_case webrtcbin_case = {
    .file = "webrtcbin-publish-offer.sdp",
    .n_mlines = 2,
    .codecs = {"VP8/90000", "OPUS/48000/2"},
    .ids = {SIG_SDP_CODEC_VP8, SIG_SDP_CODEC_OPUS},
};

static unsigned count_lines(const char *text, const char *prefix)
{
	unsigned n = 0;

	for (const char *at = text; (at = strstr(at, prefix)); at++)
		n++;
	return n;
}

/* The id an m-line gives an extension, 0 if none (what we store). */
static int ext_id_or_0(const GstSDPMedia *m, enum sig_sdp_ext ext)
{
	int id = offered_ext_id(m, sig_sdp_ext_uri(ext));

	return id < 0 ? 0 : id;
}

/* What we read from a real offer matches what GstSDPMessage shows. */
static void check_parsed_offer(const struct offer_case *c, const char *text,
			       const struct sig_sdp_desc *d)
{
	GstSDPMessage *msg = gst_parse(text);
	const GstSDPMedia *first = gst_sdp_message_get_media(msg, 0);
	char *fp = g_ascii_strup(attr(msg, first, "fingerprint"), -1);

	g_assert_cmpstr(d->ice_ufrag, ==, attr(msg, first, "ice-ufrag"));
	g_assert_cmpstr(d->ice_pwd, ==, attr(msg, first, "ice-pwd"));
	g_assert_cmpstr(d->fingerprint + 8, ==, fp + 8);
	g_assert_cmpint(d->setup, ==, SIG_SDP_SETUP_ACTPASS);
	g_assert_cmpint(d->local_setup, ==, SIG_SDP_SETUP_PASSIVE);
	g_assert_false(d->ice_lite);
	g_assert_true(d->ice_trickle);
	g_assert_cmpint(d->extmap_allow_mixed, ==, c->mixed);
	g_assert_cmpuint(d->n_candidates, ==, count_lines(text, "\na=candidate:"));
	g_assert_cmpuint(d->n_mlines, ==, c->n_mlines);
	g_assert_cmpuint(d->n_bundle, ==, c->n_mlines);
	for (size_t i = 0; i < d->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &d->mlines[i];
		const GstSDPMedia *m = gst_sdp_message_get_media(msg, (guint)i);
		bool video = ml->kind == SIG_SDP_VIDEO;

		g_assert_cmpuint(d->bundle[i], ==, i);
		g_assert_false(ml->rejected);
		g_assert_cmpint(ml->direction, ==, SIG_SDP_SENDONLY);
		g_assert_cmpstr(ml->mid, ==, gst_sdp_media_get_attribute_val(m, "mid"));
		g_assert_cmpuint(ml->n_codecs, ==, 1);
		g_assert_cmpint(ml->codecs[0].id, ==, c->ids[i]);
		g_assert_true(ml->has_ssrc); /* all three signal SSRCs */
		g_assert_cmpint(ml->has_rtx_ssrc, ==, video && c->fid);
		g_assert_cmpint(ml->codecs[0].rtx_pt != 0, ==, video && c->rtx);
		/* RED for Opus: Chromium offers it at 63 (fmtp 111/111). */
		g_assert_cmpuint(ml->codecs[0].red_pt, ==, video ? 0 : c->red_pt);
		g_assert_cmpuint(strlen(ml->msid), >, 2); /* all three give one */
		for (int e = 0; e < SIG_SDP_EXT_COUNT; e++)
			g_assert_cmpint(ml->ext_id[e], ==, ext_id_or_0(m, e));
		if (video)
			g_assert_true(ml->codecs[0].rtcp_fb & SIG_SDP_FB_NACK_PLI);
	}
	g_free(fp);
	gst_sdp_message_free(msg);
}

static void test_offer(gconstpointer data)
{
	const struct offer_case *c = data;
	struct sig_sdp_desc d;
	char *problem = NULL, *text, *answer;
	gsize len;

	text = read_data(c->file, &len);
	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, &problem), ==, 0);
	g_assert_null(problem);
	check_parsed_offer(c, text, &d);
	answer = sig_sdp_build_answer(&d, &local, &problem);
	g_assert_null(problem);
	g_assert_nonnull(answer);
	check_answer_text(text, answer, c->codecs, "passive");
	g_free(answer);
	g_free(text);
}

/* Chromium's offer reuses one payload type table for both video m-lines;
 * the RTX payload type follows the chosen one. */
static void test_offer_chromium_details(void)
{
	struct sig_sdp_desc d;
	gsize len;
	char *text = read_data("chromium-publish-offer.sdp", &len);

	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, NULL), ==, 0);
	g_assert_cmpuint(d.mlines[0].codecs[0].pt, ==, 111);
	g_assert_cmpstr(d.mlines[0].codecs[0].fmtp, ==, "minptime=10;useinbandfec=1");
	g_assert_cmpuint(d.mlines[1].codecs[0].pt, ==, 96);
	g_assert_cmpuint(d.mlines[1].codecs[0].rtx_pt, ==, 97);
	g_assert_cmpuint(d.mlines[1].codecs[0].rtcp_fb, ==,
			 SIG_SDP_FB_NACK | SIG_SDP_FB_NACK_PLI | SIG_SDP_FB_CCM_FIR |
			     SIG_SDP_FB_TRANSPORT_CC | SIG_SDP_FB_GOOG_REMB);
	g_assert_cmpint(d.mlines[1].ext_id[SIG_SDP_EXT_TWCC], ==, 3);
	g_assert_cmpint(d.mlines[1].ext_id[SIG_SDP_EXT_ABS_SEND_TIME], ==, 2);
	g_assert_cmpstr(strchr(d.mlines[2].msid, ' ') ? "two parts" : "one", ==, "two parts");
	g_assert_cmpstr(d.mlines[1].msid, !=, d.mlines[2].msid); /* camera, screen */
	g_free(text);
}

/* Real offers with a data channel after the media: the data channel is
 * answered with port 0 and left out of the BUNDLE group; the media is
 * answered as without it. */
static void test_offer_datachannel(gconstpointer data)
{
	const char *file = data;
	struct sig_sdp_desc d;
	char *problem = NULL, *text, *answer;
	const GstSDPMedia *am;
	GstSDPMessage *a, *o;
	gsize len;

	text = read_data(file, &len);
	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, &problem), ==, 0);
	g_assert_null(problem);
	g_assert_cmpuint(d.n_mlines, ==, 4);
	g_assert_cmpint(d.mlines[3].kind, ==, SIG_SDP_APPLICATION);
	g_assert_true(d.mlines[3].rejected);
	g_assert_cmpuint(d.n_bundle, ==, 3);
	answer = sig_sdp_build_answer(&d, &local, NULL);
	a = gst_parse(answer);
	o = gst_parse(text);
	g_assert_cmpstr(gst_sdp_message_get_attribute_val(a, "group"), ==, "BUNDLE 0 1 2");
	g_assert_cmpuint(gst_sdp_message_medias_len(a), ==, 4);
	for (guint i = 0; i < 3; i++) {
		am = gst_sdp_message_get_media(a, i);
		check_our_transport(am, "passive");
		check_answered_media(gst_sdp_message_get_media(o, i), am,
				     i == 0 ? "opus/48000/2" : "VP8/90000");
	}
	am = gst_sdp_message_get_media(a, 3);
	g_assert_cmpstr(gst_sdp_media_get_media(am), ==, "application");
	g_assert_cmpuint(gst_sdp_media_get_port(am), ==, 0);
	g_assert_cmpstr(gst_sdp_media_get_proto(am), ==, "UDP/DTLS/SCTP");
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(am, "mid"), ==, "3");
	g_assert_null(gst_sdp_media_get_attribute_val(am, "candidate"));
	gst_sdp_message_free(o);
	gst_sdp_message_free(a);
	g_free(answer);
	g_free(text);
}

/* webrtcbin's recvonly offer asks to receive: not a publish offer. */
static void test_offer_webrtcbin_recvonly(void)
{
	struct sig_sdp_desc d;
	char *problem = NULL;
	gsize len;
	char *text = read_data("webrtcbin-recvonly-offer.sdp", &len);

	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, &problem), ==, -ENOTSUP);
	g_assert_nonnull(strstr(problem, "recvonly"));
	g_free(problem);
	g_free(text);
}

struct answer_case {
	const char *file;
	bool rtx; /* the client kept RTX */
	int mid_ext;
};

static const struct answer_case answer_cases[] = {
    {"chromium-subscribe-answer.sdp", true, 1},
    {"firefox-subscribe-answer.sdp", true, 1},
    {"webrtcbin-subscribe-answer.sdp", false, 0},
};

static void test_answer(gconstpointer data)
{
	static const char *const mids[] = {"a0", "v0", "v1"};
	const struct answer_case *c = data;
	struct sig_sdp_desc d;
	char *problem = NULL;
	gsize len;
	char *text = read_data(c->file, &len);

	g_assert_cmpint(sig_sdp_parse_answer(text, len, 3, &d, &problem), ==, 0);
	g_assert_null(problem);
	g_assert_cmpint(d.setup, ==, SIG_SDP_SETUP_ACTIVE); /* all three: DTLS clients */
	g_assert_cmpint(d.local_setup, ==, SIG_SDP_SETUP_PASSIVE);
	g_assert_cmpuint(strlen(d.ice_ufrag), >=, SIG_SDP_UFRAG_MIN);
	g_assert_cmpuint(strlen(d.fingerprint), ==, SIG_SDP_FINGERPRINT_MAX);
	g_assert_cmpuint(d.n_bundle, ==, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct sig_sdp_mline *ml = &d.mlines[i];

		g_assert_cmpstr(ml->mid, ==, mids[i]);
		g_assert_false(ml->rejected);
		g_assert_cmpint(ml->direction, ==, SIG_SDP_RECVONLY);
		g_assert_cmpuint(ml->n_codecs, ==, 1);
		g_assert_cmpint(ml->codecs[0].id, ==,
				i == 0 ? SIG_SDP_CODEC_OPUS : SIG_SDP_CODEC_VP8);
		g_assert_cmpuint(ml->codecs[0].pt, ==, i == 0 ? 111 : 96);
		g_assert_cmpuint(ml->codecs[0].rtx_pt, ==, i > 0 && c->rtx ? 97 : 0);
		g_assert_cmpint(ml->ext_id[SIG_SDP_EXT_MID], ==, c->mid_ext);
	}
	g_free(text);
}

/* Text edits for refusal cases. */
static char *replace(const char *text, const char *from, const char *to)
{
	char **parts = g_strsplit(text, from, -1);
	char *out;

	g_assert_cmpuint(g_strv_length(parts), >, 1); /* the edit must apply */
	out = g_strjoinv(to, parts);
	g_strfreev(parts);
	return out;
}

/* Every line starting with prefix (or only its nth, from 0) replaced by
 * line, or dropped if line is NULL. */
static char *edit_lines(const char *text, const char *prefix, int nth, const char *line)
{
	char **lines = g_strsplit(text, "\r\n", -1);
	GString *out = g_string_new(NULL);
	int seen = 0;
	bool edited = false;

	for (char **l = lines; *l; l++) {
		bool match = g_str_has_prefix(*l, prefix) && (nth < 0 || seen++ == nth);

		if (match && !line)
			edited = true;
		else if (match)
			g_string_append_printf(out, "%s\r\n", line), edited = true;
		else if (**l)
			g_string_append_printf(out, "%s\r\n", *l);
	}
	g_assert_true(edited);
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

static char *drop_lines(const char *text, const char *prefix)
{
	return edit_lines(text, prefix, -1, NULL);
}

static void expect_refusal(const char *text, size_t len, int err, const char *words)
{
	struct sig_sdp_desc d, before;
	char *problem = NULL;

	memset(&d, 0x5a, sizeof(d));
	before = d;
	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, &problem), ==, err);
	g_assert_nonnull(problem);
	if (!strstr(problem, words))
		g_error("problem \"%s\" does not mention \"%s\"", problem, words);
	g_assert_true(memcmp(&d, &before, sizeof(d)) == 0); /* untouched */
	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, NULL), ==, err);
	g_free(problem);
}

static void expect_refusal_str(char *text, int err, const char *words)
{
	expect_refusal(text, strlen(text), err, words);
	g_free(text);
}

static char *chromium(void)
{
	gsize len;

	return read_data("chromium-publish-offer.sdp", &len);
}

static void test_refuse_transport(void)
{
	char *c = chromium(), *long_ufrag = g_strnfill(257, 'u');
	char *with = g_strdup_printf("a=ice-ufrag:%s", long_ufrag);

	expect_refusal_str(drop_lines(c, "a=group:BUNDLE"), -ENOTSUP, "no BUNDLE group");
	expect_refusal_str(drop_lines(c, "a=rtcp-mux"), -ENOTSUP, "rtcp-mux");
	expect_refusal_str(drop_lines(c, "a=fingerprint"), -EBADMSG, "no DTLS fingerprint");
	expect_refusal_str(edit_lines(c, "a=fingerprint", -1,
				      "a=fingerprint:md5 73:92:C7:A4:B0:CB:1E:2A:6E:2E:A9:65:67:38:"
				      "19:4B"),
			   -ENOTSUP, "uses md5; Hearth requires sha-256");
	expect_refusal_str(edit_lines(c, "a=fingerprint", -1, "a=fingerprint:sha-256 73:92:C7"),
			   -EBADMSG, "32 hex pairs");
	expect_refusal_str(drop_lines(c, "a=ice-ufrag"), -EBADMSG, "no ICE credentials");
	expect_refusal_str(drop_lines(c, "a=ice-pwd"), -EBADMSG, "no ICE credentials");
	expect_refusal_str(edit_lines(c, "a=ice-ufrag", -1, with), -EBADMSG, "4 to 256");
	expect_refusal_str(edit_lines(c, "a=ice-ufrag", -1, "a=ice-ufrag:abc"), -EBADMSG,
			   "4 to 256");
	expect_refusal_str(edit_lines(c, "a=ice-ufrag", -1, "a=ice-ufrag:ab-c"), -EBADMSG,
			   "ice-ufrag");
	expect_refusal_str(edit_lines(c, "a=ice-pwd", -1, "a=ice-pwd:short"), -EBADMSG,
			   "22 to 256");
	expect_refusal_str(edit_lines(c, "a=setup", -1, "a=setup:holdconn"), -ENOTSUP,
			   "a=setup:holdconn is not served");
	expect_refusal_str(drop_lines(c, "a=setup"), -EBADMSG, "no a=setup");
	/* Found by fuzz-sdp: the tag without a value that later m-lines have. */
	expect_refusal_str(edit_lines(c, "a=setup", 0, NULL), -EBADMSG, "no a=setup");
	expect_refusal_str(edit_lines(c, "a=ice-ufrag", 0, NULL), -EBADMSG, "no ICE credentials");
	expect_refusal_str(edit_lines(c, "a=extmap-allow-mixed", -1, "a=ice-lite"), -ENOTSUP,
			   "ICE-lite");
	expect_refusal_str(edit_lines(c, "a=group:BUNDLE", -1, "a=group:BUNDLE 0 1"), -ENOTSUP,
			   "m-line 3 (mid 2): not in the BUNDLE group");
	expect_refusal_str(edit_lines(c, "a=group:BUNDLE", -1, "a=group:BUNDLE 0 1 2 7"), -EBADMSG,
			   "names mid 7, which no m-line has");
	expect_refusal_str(edit_lines(c, "a=group:BUNDLE", -1, "a=group:BUNDLE 0 1 1 2"), -EBADMSG,
			   "names mid 1, which it already named");
	expect_refusal_str(
	    edit_lines(c, "a=group:BUNDLE", -1, "a=group:BUNDLE 0 1 2\r\na=group:BUNDLE 0"),
	    -ENOTSUP, "two BUNDLE groups");
	expect_refusal_str(edit_lines(c, "a=ice-pwd", 2, "a=ice-pwd:another+password+here"),
			   -ENOTSUP, "m-line 3 (mid 2): its ICE or DTLS attributes differ");
	expect_refusal_str(edit_lines(c, "a=ice-ufrag", 1, "a=ice-ufrag:abcd\r\na=ice-ufrag:x"),
			   -EBADMSG, "m-line 2 (mid 1): a=ice-ufrag appears twice");
	g_free(with);
	g_free(long_ufrag);
	g_free(c);
}

/* ICE credentials at media level (browsers, webrtcbin), at session level,
 * or split: a media-level value overrides the session's (RFC 8839 §5.4);
 * without either of them anywhere, the offer is refused. */
static void parse_ice(const char *text, const char *want_ufrag, const char *want_pwd)
{
	struct sig_sdp_desc *d = g_new0(struct sig_sdp_desc, 1);
	g_autofree char *problem = NULL;

	if (sig_sdp_parse_offer(text, strlen(text), d, &problem) != 0)
		g_error("refused: %s", problem);
	g_assert_cmpstr(d->ice_ufrag, ==, want_ufrag);
	g_assert_cmpstr(d->ice_pwd, ==, want_pwd);
	g_free(d);
}

static void test_ice_levels(void)
{
	static const char ufrag[] = "sessUfrag", pwd[] = "session+level+password+0";
	g_autofree char *c = chromium();
	g_autofree char *session_lines =
	    g_strdup_printf("t=0 0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s", ufrag, pwd);
	g_autofree char *no_ufrag = drop_lines(c, "a=ice-ufrag");
	g_autofree char *no_ice = drop_lines(no_ufrag, "a=ice-pwd");
	g_autofree char *at_session = edit_lines(no_ice, "t=0 0", 0, session_lines);
	g_autofree char *both = edit_lines(c, "t=0 0", 0, session_lines);
	g_autofree char *ufrag_line = g_strdup_printf("t=0 0\r\na=ice-ufrag:%s", ufrag);
	g_autofree char *split = edit_lines(no_ufrag, "t=0 0", 0, ufrag_line);
	g_autofree char *pwd_line = g_strdup_printf("t=0 0\r\na=ice-pwd:%s", pwd);
	g_autofree char *only_pwd = edit_lines(no_ice, "t=0 0", 0, pwd_line);

	parse_ice(c, "aX8F", "eFag65st27U0DEO/2OUpjiKT"); /* Chromium: at media level */
	parse_ice(at_session, ufrag, pwd);
	parse_ice(both, "aX8F", "eFag65st27U0DEO/2OUpjiKT");
	parse_ice(split, ufrag, "eFag65st27U0DEO/2OUpjiKT");
	expect_refusal_str(g_strdup(no_ice), -EBADMSG, "no ICE credentials");
	expect_refusal_str(g_strdup(only_pwd), -EBADMSG, "no ICE credentials");
}

static void test_refuse_media(void)
{
	char *c = chromium();

	expect_refusal_str(replace(c, "a=mid:1", "a=mid:0"), -EBADMSG, "mid 0 is used twice");
	expect_refusal_str(replace(c, "a=mid:1", "a=mid:123456789012345678901234567890123"),
			   -EBADMSG, "a=mid must be 1 to 32");
	expect_refusal_str(drop_lines(c, "a=mid:2"), -EBADMSG, "m-line 3: there is no a=mid");
	expect_refusal_str(replace(c, " UDP/TLS/RTP/SAVPF 111 ", " RTP/AVP 111 "), -ENOTSUP,
			   "m-line 1 (mid 0): transport RTP/AVP is not DTLS-SRTP");
	expect_refusal_str(replace(c, "m=audio", "m=text"), -ENOTSUP, "media type text");
	expect_refusal_str(edit_lines(c, "a=sendonly", 0, "a=recvonly"), -ENOTSUP,
			   "m-line 1 (mid 0): recvonly");
	/* The mid extension must keep its id across the BUNDLE group. */
	expect_refusal_str(replace(c, "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
				   "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
				   "a=extmap:1 urn:3gpp:video-orientation:x"),
			   -ENOTSUP, "a=extmap id 1 names another extension");
	expect_refusal_str(replace(c, "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8/abc"), -EBADMSG,
			   "a=rtpmap for payload type 96 is malformed");
	expect_refusal_str(replace(c, "a=rtpmap:111 opus/48000/2",
				   "a=rtpmap:111 opus/48000/2\r\na=rtpmap:111 opus/48000/2"),
			   -EBADMSG, "payload type 111 has two a=rtpmap lines");
	expect_refusal_str(edit_lines(c, "a=ssrc-group:FID", 0, "a=ssrc-group:FID 99999999999 1"),
			   -EBADMSG, "a=ssrc-group:FID needs two valid SSRCs");
	g_free(c);
}

/* A one-m-line offer around a media block, for codec cases. */
static char *small_offer(const char *session, const char *media)
{
	return g_strdup_printf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
			       "a=group:BUNDLE 0\r\n"
			       "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
			       "a=fingerprint:sha-256 %s\r\n%s"
			       "%s",
			       &FP_LOCAL[8], session, media);
}

#define VIDEO_HEAD                                                                                 \
	"a=setup:actpass\r\nm=video 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"     \
	"a=sendonly\r\na=rtcp-mux\r\n"

static char *video_offer(const char *formats, const char *attributes)
{
	char *head = g_strdup_printf(VIDEO_HEAD, formats);
	char *media = g_strconcat(head, attributes, NULL);
	char *text = small_offer("", media);

	g_free(head);
	g_free(media);
	return text;
}

static void test_refuse_codecs(void)
{
	expect_refusal_str(video_offer("45 46", "a=rtpmap:45 AV1/90000\r\n"
						"a=rtpmap:46 rtx/90000\r\na=fmtp:46 apt=45\r\n"),
			   -ENOTSUP, "no codec Hearth can forward is offered (video needs VP8");
	expect_refusal_str(video_offer("104", "a=rtpmap:104 H264/90000\r\na=fmtp:104 "
					      "packetization-mode=0;profile-level-id=42e01f\r\n"),
			   -ENOTSUP, "no codec");
	expect_refusal_str(video_offer("116", "a=rtpmap:116 H264/90000\r\na=fmtp:116 "
					      "packetization-mode=1;profile-level-id=4d001f\r\n"),
			   -ENOTSUP, "no codec");
	expect_refusal_str(
	    video_offer("100", "a=rtpmap:100 VP9/90000\r\na=fmtp:100 profile-id=2\r\n"), -ENOTSUP,
	    "no codec");
	expect_refusal_str(small_offer("a=setup:actpass\r\n",
				       "m=audio 9 UDP/TLS/RTP/SAVPF 0 8 9\r\nc=IN IP4 0.0.0.0\r\n"
				       "a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
				       "a=rtpmap:9 G722/8000\r\n"),
			   -ENOTSUP, "audio needs Opus");
	expect_refusal_str(small_offer("a=setup:actpass\r\n",
				       "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
				       "a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
				       "a=rtpmap:111 opus/48000\r\n"),
			   -ENOTSUP, "audio needs Opus"); /* RFC 7587: always /2 */
	expect_refusal_str(video_offer("96 96", "a=rtpmap:96 VP8/90000\r\n"), -EBADMSG,
			   "payload type 96 is listed twice");
	expect_refusal_str(video_offer("VP8", "a=rtpmap:96 VP8/90000\r\n"), -EBADMSG,
			   "format VP8 is not a payload type");
	expect_refusal_str(video_offer("128", ""), -EBADMSG, "not a payload type");
}

/* H.264 alone (constrained baseline, mode 1) is chosen at its payload type,
 * with its RTX; VP9 profile 0 too; VP8 wins when offered with them. */
static void test_codec_choice(void)
{
	static const char *const h264[] = {"H264/90000"};
	static const char *const vp8[] = {"VP8/90000"};
	const char *h264_attrs =
	    "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
	    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
	    "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n";
	char *h = video_offer("102 103", h264_attrs), *answer, *both;
	char *vp9 = video_offer("98", "a=rtpmap:98 VP9/90000\r\na=fmtp:98 profile-id=0\r\n");
	char *vp8_attrs = g_strconcat(h264_attrs, "a=rtpmap:120 VP8/90000\r\n", NULL);
	struct sig_sdp_desc d;

	g_assert_cmpint(sig_sdp_parse_offer(h, strlen(h), &d, NULL), ==, 0);
	g_assert_cmpint(d.mlines[0].codecs[0].id, ==, SIG_SDP_CODEC_H264);
	g_assert_cmpuint(d.mlines[0].codecs[0].pt, ==, 102);
	g_assert_cmpuint(d.mlines[0].codecs[0].rtx_pt, ==, 103);
	g_assert_false(d.mlines[0].has_ssrc); /* some clients signal none */
	answer = sig_sdp_build_answer(&d, &local, NULL);
	check_answer_text(h, answer, h264, "passive");
	g_assert_nonnull(strstr(answer, "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
					"profile-level-id=42e01f\r\n"));
	g_assert_nonnull(strstr(answer, "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"));
	g_free(answer);
	g_assert_cmpint(sig_sdp_parse_offer(vp9, strlen(vp9), &d, NULL), ==, 0);
	g_assert_cmpint(d.mlines[0].codecs[0].id, ==, SIG_SDP_CODEC_VP9);
	both = video_offer("102 103 120", vp8_attrs);
	g_assert_cmpint(sig_sdp_parse_offer(both, strlen(both), &d, NULL), ==, 0);
	g_assert_cmpint(d.mlines[0].codecs[0].id, ==, SIG_SDP_CODEC_VP8);
	g_assert_cmpuint(d.mlines[0].codecs[0].rtx_pt, ==, 0);
	answer = sig_sdp_build_answer(&d, &local, NULL);
	check_answer_text(both, answer, vp8, "passive");
	g_free(answer);
	g_free(both);
	g_free(vp8_attrs);
	g_free(vp9);
	g_free(h);
}

static void test_refuse_size(void)
{
	GString *big = g_string_new(NULL), *many = g_string_new(NULL);
	char *c = chromium(), *line;

	g_string_append(big, c);
	while (big->len < 70 * 1024)
		g_string_append(big, "a=x-padding:0123456789012345678901234567890123456789\r\n");
	expect_refusal(big->str, big->len, -EMSGSIZE, "at most 65536");
	expect_refusal(c, 65537, -EMSGSIZE, "65537 bytes");

	g_string_append(many, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
	for (int i = 0; i < 49; i++)
		g_string_append_printf(many, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%d\r\n", i);
	expect_refusal(many->str, many->len, -E2BIG, "49 m-lines; at most 48");

	line = g_strnfill(5000, 'x');
	expect_refusal_str(replace(c, "a=rtcp-xr:rcvr-rtt=all", line), -E2BIG,
			   "longer than 4096 bytes");
	g_free(line);
	g_string_free(big, TRUE);
	g_string_free(many, TRUE);
	g_free(c);
}

static void test_refuse_garbage(void)
{
	static const char nul[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n\0s=-\r\n";
	char *c = chromium();

	expect_refusal("", 0, -EBADMSG, "empty");
	expect_refusal("hello, world", 12, -EBADMSG, "does not start with v=0");
	expect_refusal("v=1\r\n", 5, -EBADMSG, "does not start with v=0");
	expect_refusal("{\"type\":\"offer\"}", 16, -EBADMSG, "not SDP");
	expect_refusal(nul, sizeof(nul) - 1, -EBADMSG, "NUL byte");
	expect_refusal("v=0\r\ns=\xff\xfe\r\n", 10, -EBADMSG, "not UTF-8");
	expect_refusal("v=0\r\n\r\ns=-\r\n", 12, -EBADMSG, "line 2 is not of the form");
	expect_refusal("v=0\r\n o=x\r\n", 11, -EBADMSG, "line 2 is not of the form");
	expect_refusal_str(replace(c, "a=mid:0\r\n", "a=mid:0\ra=mid:9\r\n"), -EBADMSG,
			   "control character");
	expect_refusal_str(replace(c, "s=-\r\n", "s=-\r\nv=0\r\n"), -EBADMSG, "second v= line");
	expect_refusal("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 41, -EBADMSG,
		       "no m-line");
	expect_refusal("v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", 42, -EBADMSG,
		       "no o= line");
	g_free(c);
}

/* Data channels: answered with port 0 and left out of the BUNDLE group,
 * unless one carries the transport. Inactive media without a common codec
 * is rejected too; with one, it is answered inactive. */
static void test_rejected_mlines(void)
{
	const char *app = "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
			  "c=IN IP4 0.0.0.0\r\na=mid:dc\r\na=sctp-port:5000\r\n";
	char *c = chromium(), *text, *answer, *first;
	struct sig_sdp_desc d;
	GstSDPMessage *msg;

	text = g_strconcat(c, app, NULL);
	g_free(c);
	c = replace(text, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1 2 dc");
	g_assert_cmpint(sig_sdp_parse_offer(c, strlen(c), &d, NULL), ==, 0);
	g_assert_true(d.mlines[3].rejected);
	g_assert_cmpint(d.mlines[3].kind, ==, SIG_SDP_APPLICATION);
	g_assert_cmpuint(d.n_bundle, ==, 3);
	answer = sig_sdp_build_answer(&d, &local, NULL);
	msg = gst_parse(answer);
	g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1 2");
	g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 4);
	g_assert_cmpuint(gst_sdp_media_get_port(gst_sdp_message_get_media(msg, 3)), ==, 0);
	g_assert_cmpstr(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, 3), "mid"),
			==, "dc");
	gst_sdp_message_free(msg);
	g_free(answer);

	first = replace(c, "a=group:BUNDLE 0 1 2 dc", "a=group:BUNDLE dc 0 1 2");
	expect_refusal_str(first, -ENOTSUP,
			   "m-line 4 (mid dc): the first m-line of the BUNDLE "
			   "group carries the transport but is rejected (Hearth "
			   "serves no data channel)");
	g_free(text);
	g_free(c);

	c = chromium();
	text = edit_lines(c, "a=sendonly", 2, "a=inactive");
	g_assert_cmpint(sig_sdp_parse_offer(text, strlen(text), &d, NULL), ==, 0);
	g_assert_false(d.mlines[2].rejected);
	g_assert_cmpint(d.mlines[2].direction, ==, SIG_SDP_INACTIVE);
	answer = sig_sdp_build_answer(&d, &local, NULL);
	g_assert_nonnull(strstr(answer, "a=mid:2\r\n"));
	g_assert_nonnull(strstr(strstr(answer, "a=mid:2\r\n"), "a=inactive\r\n"));
	g_free(answer);
	g_free(text);
	g_free(c);

	text = video_offer("45", "a=rtpmap:45 AV1/90000\r\n");
	c = replace(text, "a=sendonly", "a=inactive");
	g_free(text);
	g_assert_cmpint(sig_sdp_parse_offer(c, strlen(c), &d, NULL), ==,
			-ENOTSUP); /* nothing left */
	g_free(c);
}

/* A client that offers setup:passive makes us the DTLS client. */
static void test_setup_roles(void)
{
	char *c = chromium(), *passive = replace(c, "a=setup:actpass", "a=setup:passive");
	char *active = replace(c, "a=setup:actpass", "a=setup:active"), *answer;
	static const char *const codecs[] = {"opus/48000/2", "VP8/90000", "VP8/90000"};
	struct sig_sdp_desc d;

	g_assert_cmpint(sig_sdp_parse_offer(passive, strlen(passive), &d, NULL), ==, 0);
	g_assert_cmpint(d.setup, ==, SIG_SDP_SETUP_PASSIVE);
	g_assert_cmpint(d.local_setup, ==, SIG_SDP_SETUP_ACTIVE);
	answer = sig_sdp_build_answer(&d, &local, NULL);
	check_answer_text(passive, answer, codecs, "active");
	g_free(answer);
	g_assert_cmpint(sig_sdp_parse_offer(active, strlen(active), &d, NULL), ==, 0);
	g_assert_cmpint(d.local_setup, ==, SIG_SDP_SETUP_PASSIVE);
	g_free(active);
	g_free(passive);
	g_free(c);
}

#define OPUS                                                                                       \
	{                                                                                          \
		.id = SIG_SDP_CODEC_OPUS, .pt = 111, .channels = 2, .clock_rate = 48000            \
	}
#define VP8                                                                                        \
	{                                                                                          \
		.id = SIG_SDP_CODEC_VP8, .pt = 96, .rtx_pt = 97, .clock_rate = 90000,              \
		.rtcp_fb = SIG_SDP_FB_NACK | SIG_SDP_FB_NACK_PLI | SIG_SDP_FB_TRANSPORT_CC         \
	}

static const struct sig_sdp_stream streams[] = {
    {.kind = SIG_SDP_AUDIO,
     .mid = "a3",
     .stream_id = "p3",
     .track_id = "p3-mic",
     .cname = "p3cname",
     .ssrc = 11,
     .codec = OPUS,
     .ext_id = {[SIG_SDP_EXT_MID] = 1, [SIG_SDP_EXT_AUDIO_LEVEL] = 2}},
    {.kind = SIG_SDP_VIDEO,
     .mid = "v3",
     .stream_id = "p3",
     .track_id = "p3-cam",
     .cname = "p3cname",
     .ssrc = 21,
     .rtx_ssrc = 22,
     .codec = VP8,
     .ext_id = {[SIG_SDP_EXT_MID] = 1, [SIG_SDP_EXT_TWCC] = 5}},
    {.kind = SIG_SDP_VIDEO,
     .mid = "s3",
     .stream_id = "p3-screen",
     .track_id = "p3-scr",
     .cname = "p3cname",
     .ssrc = 31,
     .rtx_ssrc = 32,
     .codec = VP8,
     .ext_id = {[SIG_SDP_EXT_MID] = 1}},
};

/* Our subscribe offer, read with GstSDPMessage alone. */
static void test_subscribe_offer(void)
{
	char *problem = NULL, *text = sig_sdp_build_subscribe_offer(&local, streams, 3, &problem);
	GstSDPMessage *msg;

	g_assert_null(problem);
	g_assert_nonnull(text);
	msg = gst_parse(text);
	g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE a3 v3 s3");
	g_assert_nonnull(gst_sdp_message_get_attribute_val(msg, "ice-lite"));
	g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
	for (guint i = 0; i < 3; i++) {
		const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
		char *msid = g_strdup_printf("%s %s", streams[i].stream_id, streams[i].track_id);

		check_our_transport(m, "actpass");
		g_assert_cmpstr(gst_sdp_media_get_attribute_val(m, "mid"), ==, streams[i].mid);
		g_assert_nonnull(gst_sdp_media_get_attribute_val(m, "sendonly"));
		g_assert_cmpstr(gst_sdp_media_get_attribute_val(m, "msid"), ==, msid);
		g_assert_cmpstr(gst_sdp_media_get_attribute_val(m, "extmap"), ==,
				"1 urn:ietf:params:rtp-hdrext:sdes:mid");
		g_free(msid);
	}
	/* Only the extensions and feedback the relay handles are offered. */
	g_assert_null(strstr(text, "transport-wide-cc"));
	g_assert_null(strstr(text, "transport-cc"));
	g_assert_nonnull(
	    strstr(text, "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"));
	g_assert_nonnull(strstr(text, "m=video 40001 UDP/TLS/RTP/SAVPF 96 97\r\n"));
	g_assert_nonnull(strstr(text, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"));
	g_assert_nonnull(strstr(text, "a=ssrc-group:FID 21 22\r\na=ssrc:21 cname:p3cname\r\n"
				      "a=ssrc:21 msid:p3 p3-cam\r\na=ssrc:22 cname:p3cname\r\n"
				      "a=ssrc:22 msid:p3 p3-cam\r\n"));
	g_assert_nonnull(strstr(text, "a=ssrc:11 cname:p3cname\r\na=ssrc:11 msid:p3 p3-mic\r\n"));
	gst_sdp_message_free(msg);
	g_free(text);
}

static void expect_build_refusal(const struct sig_sdp_local *l, const struct sig_sdp_stream *s,
				 size_t n, const char *words)
{
	char *problem = NULL;

	g_assert_null(sig_sdp_build_subscribe_offer(l, s, n, &problem));
	g_assert_nonnull(problem);
	if (!strstr(problem, words))
		g_error("problem \"%s\" does not mention \"%s\"", problem, words);
	g_free(problem);
}

/* RED for Opus (RFC 2198): offered before the codec, with the codec's
 * payload type for every block; read back from an answer that kept it;
 * and what is and is not RED for a payload type. */
static void test_red(void)
{
	struct sig_sdp_stream red[3];
	struct sig_sdp_desc d;
	char *problem = NULL;
	gsize len;

	memcpy(red, streams, sizeof(red));
	red[0].codec.red_pt = 63;
	char *text = sig_sdp_build_subscribe_offer(&local, red, 3, &problem);
	g_assert_null(problem);
	g_assert_nonnull(strstr(text, "m=audio 40001 UDP/TLS/RTP/SAVPF 63 111\r\n"));
	g_assert_nonnull(strstr(text, "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"));
	g_free(text);
	/* Only for audio, and never the codec's own payload type. */
	red[1].codec.red_pt = 63;
	expect_build_refusal(&local, red, 3, "stream 2");
	red[1].codec.red_pt = 0;
	red[0].codec.red_pt = 111;
	expect_build_refusal(&local, red, 3, "stream 1");

	char *answer = read_data("chromium-subscribe-answer.sdp", &len);
	char *with = replace(answer, "m=audio 46650 UDP/TLS/RTP/SAVPF 111\r\n",
			     "m=audio 46650 UDP/TLS/RTP/SAVPF 63 111\r\n");
	char *with_red = replace(with, "a=rtpmap:111 opus/48000/2\r\n",
				 "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"
				 "a=rtpmap:111 opus/48000/2\r\n");
	g_assert_cmpint(sig_sdp_parse_answer(with_red, strlen(with_red), 3, &d, &problem), ==, 0);
	g_assert_cmpuint(d.mlines[0].codecs[0].pt, ==, 111);
	g_assert_cmpuint(d.mlines[0].codecs[0].red_pt, ==, 63);
	g_assert_cmpint(sig_sdp_parse_answer(answer, len, 3, &d, &problem), ==, 0);
	g_assert_cmpuint(d.mlines[0].codecs[0].red_pt, ==, 0);
	g_free(with_red);
	g_free(with);
	g_free(answer);

	g_assert_true(sig_sdp_is_red_for("red/48000/2", "111/111", 111));
	g_assert_true(sig_sdp_is_red_for("RED/48000/2", "111", 111));
	g_assert_true(sig_sdp_is_red_for("red/48000/2", "111/111/111/111/111/111/111/111", 111));
	g_assert_false(
	    sig_sdp_is_red_for("red/48000/2", "111/111/111/111/111/111/111/111/111", 111));
	g_assert_false(sig_sdp_is_red_for("red/48000/2", "111/109", 111));
	g_assert_false(sig_sdp_is_red_for("red/48000/2", "111/", 111));
	g_assert_false(sig_sdp_is_red_for("red/48000/2", "/111", 111));
	g_assert_false(sig_sdp_is_red_for("red/48000/2", "+111", 111));
	g_assert_false(sig_sdp_is_red_for("red/48000/2", NULL, 111));
	g_assert_false(sig_sdp_is_red_for("red/90000", "111/111", 111));
	g_assert_false(sig_sdp_is_red_for("red/48000/1", "111/111", 111));
}

/* RFC 8851/8853: Chromium's video m-line with three encodings (the rid
 * extensions are in its offer already): the rids in the a=simulcast:send
 * order, answered a=rid recv and a=simulcast:recv when the rid extension
 * is answered; refused when they contradict each other. */
static char *with_simulcast(const char *lines)
{
	char *offer = chromium();
	char *text = replace(offer, "a=mid:1\r\n", lines);

	g_free(offer);
	return text;
}

static void test_simulcast(void)
{
	struct sig_sdp_desc d;
	char *problem = NULL;
	char *text = with_simulcast("a=mid:1\r\na=rid:q send\r\na=rid:h send\r\na=rid:f send "
				    "max-width=1280\r\na=simulcast:send q;h,f;~f\r\n");

	g_assert_cmpint(sig_sdp_parse_offer(text, strlen(text), &d, &problem), ==, 0);
	g_assert_null(problem);
	g_assert_cmpuint(d.mlines[1].n_rids, ==, 3);
	g_assert_cmpstr(d.mlines[1].rids[0], ==, "q");
	g_assert_cmpstr(d.mlines[1].rids[1], ==, "h"); /* first alternative */
	g_assert_cmpstr(d.mlines[1].rids[2], ==, "f"); /* paused at first: still one */
	g_assert_cmpuint(d.mlines[1].ext_id[SIG_SDP_EXT_RID], ==, 10);
	g_assert_cmpuint(d.mlines[1].ext_id[SIG_SDP_EXT_RRID], ==, 11);
	g_assert_cmpuint(d.mlines[0].n_rids, ==, 0);
	g_assert_cmpuint(d.mlines[2].n_rids, ==, 0);

	struct sig_sdp_local with_rid = local;
	with_rid.extensions |= SIG_SDP_EXT_BIT(SIG_SDP_EXT_RID) | SIG_SDP_EXT_BIT(SIG_SDP_EXT_RRID);
	char *answer = sig_sdp_build_answer(&d, &with_rid, &problem);
	g_assert_nonnull(answer);
	g_assert_nonnull(strstr(answer, "a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\n"
					"a=simulcast:recv q;h;f\r\n"));
	g_assert_nonnull(
	    strstr(answer, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"));
	g_free(answer);
	/* Without the rid extension answered: one encoding. */
	answer = sig_sdp_build_answer(&d, &local, &problem);
	g_assert_null(strstr(answer, "a=simulcast"));
	g_assert_null(strstr(answer, "a=rid"));
	g_free(answer);
	g_free(text);

	/* More than three: the first three. One alone is no simulcast. */
	text = with_simulcast("a=mid:1\r\na=rid:a send\r\na=rid:b send\r\na=rid:c send\r\n"
			      "a=rid:d send\r\na=simulcast:send a;b;c;d\r\n");
	g_assert_cmpint(sig_sdp_parse_offer(text, strlen(text), &d, NULL), ==, 0);
	g_assert_cmpuint(d.mlines[1].n_rids, ==, 3);
	g_assert_cmpstr(d.mlines[1].rids[2], ==, "c");
	g_free(text);
	text = with_simulcast("a=mid:1\r\na=rid:a send\r\na=simulcast:send a\r\n");
	g_assert_cmpint(sig_sdp_parse_offer(text, strlen(text), &d, NULL), ==, 0);
	g_assert_cmpuint(d.mlines[1].n_rids, ==, 0);
	g_free(text);
	/* Without the rid extension the encodings cannot be told apart. */
	char *offer = with_simulcast("a=mid:1\r\na=rid:q send\r\na=rid:h send\r\n"
				     "a=simulcast:send q;h\r\n");
	text = replace(offer, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", "");
	g_assert_cmpint(sig_sdp_parse_offer(text, strlen(text), &d, NULL), ==, 0);
	g_assert_cmpuint(d.mlines[1].n_rids, ==, 0);
	g_free(text);
	g_free(offer);

	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q send\r\na=simulcast:send q;x\r\n"),
			   -EBADMSG, "no a=rid send line");
	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q recv\r\na=simulcast:send q\r\n"),
			   -EBADMSG, "no a=rid send line");
	expect_refusal_str(
	    with_simulcast("a=mid:1\r\na=rid:q send\r\na=rid:q send\r\na=simulcast:send q\r\n"),
	    -EBADMSG, "given twice");
	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q send\r\na=simulcast:send q;q\r\n"),
			   -EBADMSG, "twice");
	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q! send\r\n"), -EBADMSG, "a=rid");
	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q sideways\r\n"), -EBADMSG, "a=rid");
	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q send\r\na=simulcast:send\r\n"),
			   -EBADMSG, "without a list");
	expect_refusal_str(with_simulcast("a=mid:1\r\na=rid:q send\r\na=simulcast:both q\r\n"),
			   -EBADMSG, "send or recv");
}

static void test_build_refusals(void)
{
	struct sig_sdp_candidate bad_addr[] = {{"localhost", 1}};
	struct sig_sdp_local l = local;
	struct sig_sdp_stream s[2] = {streams[0], streams[1]};
	struct sig_sdp_desc d;
	char *c = chromium(), *problem = NULL;

	expect_build_refusal(&local, streams, 0, "1 to 48 streams");
	l.ice_ufrag = "a b";
	expect_build_refusal(&l, streams, 1, "ICE credentials");
	l = local;
	l.fingerprint = "sha-1 00:11";
	expect_build_refusal(&l, streams, 1, "fingerprint");
	l = local;
	l.candidates = bad_addr;
	l.n_candidates = 1;
	expect_build_refusal(&l, streams, 1, "not a numeric address");
	l.n_candidates = 0;
	expect_build_refusal(&l, streams, 1, "1 to 8 host candidates");
	s[1].mid = "a3";
	expect_build_refusal(&local, s, 2, "mid a3 is used twice");
	s[1] = streams[1];
	s[1].track_id = "has space";
	expect_build_refusal(&local, s, 2, "stream 2 is not valid");
	s[1] = streams[1];
	s[1].codec = streams[0].codec; /* Opus on a video m-line */
	expect_build_refusal(&local, s, 2, "stream 2 is not valid");

	l = local;
	l.ice_pwd = "short";
	g_assert_cmpint(sig_sdp_parse_offer(c, strlen(c), &d, NULL), ==, 0);
	g_assert_null(sig_sdp_build_answer(&d, &l, &problem));
	g_assert_nonnull(strstr(problem, "RFC 8839"));
	g_free(problem);
	g_free(c);
}

static char *firefox_answer(void)
{
	gsize len;

	return read_data("firefox-subscribe-answer.sdp", &len);
}

static void expect_answer_refusal(char *text, size_t expected, int err, const char *words)
{
	struct sig_sdp_desc d;
	char *problem = NULL;

	g_assert_cmpint(sig_sdp_parse_answer(text, strlen(text), expected, &d, &problem), ==, err);
	if (!problem || !strstr(problem, words))
		g_error("problem \"%s\" does not mention \"%s\"", problem, words);
	g_free(problem);
	g_free(text);
}

static void test_answer_refusals(void)
{
	char *f = firefox_answer();
	struct sig_sdp_desc d;

	expect_answer_refusal(g_strdup(f), 4, -EBADMSG,
			      "the answer has 3 m-lines; the offer had 4");
	expect_answer_refusal(replace(f, "a=recvonly", "a=sendrecv"), 3, -ENOTSUP,
			      "m-line 1 (mid a0): answered sendrecv");
	expect_answer_refusal(replace(f, "a=setup:active", "a=setup:actpass"), 3, -ENOTSUP,
			      "an answer must be active or passive");
	expect_answer_refusal(drop_lines(f, "a=fingerprint"), 3, -EBADMSG, "no DTLS fingerprint");
	expect_answer_refusal(drop_lines(f, "a=group"), 3, -ENOTSUP, "no BUNDLE group");
	expect_answer_refusal(replace(f, "a=rtpmap:111 opus/48000/2", "a=rtpmap:111 PCMU/8000"), 3,
			      -ENOTSUP, "m-line 1 (mid a0): no codec Hearth offered is accepted");
	/* The client may refuse a stream: port 0, out of the BUNDLE group. */
	{
		char *a = g_strdup(f), *b;

		*strstr(strstr(strstr(a, "m=video") + 1, "m=video"), "m=") = '\0';
		b = g_strconcat(a, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n",
				"a=inactive\r\na=mid:v1\r\n", NULL);
		g_free(a);
		a = edit_lines(b, "a=group:BUNDLE", -1, "a=group:BUNDLE a0 v0");
		g_assert_cmpint(sig_sdp_parse_answer(a, strlen(a), 3, &d, NULL), ==, 0);
		g_assert_true(d.mlines[2].rejected);
		g_assert_cmpstr(d.mlines[2].mid, ==, "v1");
		g_assert_cmpuint(d.n_bundle, ==, 2);
		g_free(a);
		g_free(b);
	}
	g_free(f);
}

/* GStreamer's SDP library needs no gst_init(): nothing above called it. */
static void test_fingerprint_normalize(void)
{
	char fp[SIG_SDP_FINGERPRINT_MAX + 1];

	g_assert_cmpint(sig_sdp_fingerprint_normalize(
			    "SHA-256 01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:"
			    "89:ab:cd:ef:01:23:45:67:89:ab:cd:ef",
			    fp),
			==, 0);
	g_assert_cmpstr(fp, ==, FP_LOCAL);
	g_assert_cmpint(sig_sdp_fingerprint_normalize("sha-1 01:23", fp), ==, -ENOTSUP);
	g_assert_cmpint(sig_sdp_fingerprint_normalize("sha-256 01:23", fp), ==, -EBADMSG);
	g_assert_cmpint(sig_sdp_fingerprint_normalize("sha-256", fp), ==, -EBADMSG);
	g_assert_true(sig_sdp_ice_ufrag_valid("a+/9"));
	g_assert_false(sig_sdp_ice_ufrag_valid("a+/"));
	g_assert_false(sig_sdp_ice_ufrag_valid("ab=c"));
}

/* With the transport-wide sequence number and transport-cc asked for
 * (publish answers, live/media.c), each m-line answers them with the
 * offerer's id and payload type; what is not asked for stays out. */
static void test_answer_transport_cc(void)
{
	struct sig_sdp_local twcc = local;
	struct sig_sdp_desc d;
	gsize len;
	g_autofree char *text = read_data("firefox-publish-offer.sdp", &len);

	twcc.extensions = SIG_SDP_EXT_BIT(SIG_SDP_EXT_TWCC);
	twcc.rtcp_fb = SIG_SDP_FB_HANDLED | SIG_SDP_FB_TRANSPORT_CC;
	g_assert_cmpint(sig_sdp_parse_offer(text, len, &d, NULL), ==, 0);
	g_autofree char *answer = sig_sdp_build_answer(&d, &twcc, NULL);
	g_assert_nonnull(answer);
	GstSDPMessage *msg = gst_parse(answer);
	g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
	for (guint i = 0; i < 3; i++) {
		const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
		g_autofree char *fb =
		    g_strdup_printf("%s transport-cc", gst_sdp_media_get_format(m, 0));
		bool found = false;
		g_assert_cmpuint(count_attr(m, "extmap"), ==, 1);
		g_assert_cmpint(offered_ext_id(m, sig_sdp_ext_uri(SIG_SDP_EXT_TWCC)), ==, 7);
		for (guint k = 0; gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", k); k++) {
			const char *v = gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", k);
			g_assert_null(strstr(v, "goog-remb"));
			found |= strcmp(v, fb) == 0;
		}
		g_assert_true(found);
	}
	g_assert_cmpstr(gst_sdp_media_get_format(gst_sdp_message_get_media(msg, 0), 0), ==, "109");
	gst_sdp_message_free(msg);
}

/* Subscribers' send-side bandwidth estimation: a subscribe offer with
 * the transport-wide sequence number (the relay's id on every stream)
 * offers it and a=rtcp-fb transport-cc on audio and video alike; an
 * answer that accepts it is read with its id and feedback, one that does
 * not without. */
static void test_subscribe_transport_cc(void)
{
	struct sig_sdp_local twcc = local;
	struct sig_sdp_stream s[3];
	struct sig_sdp_desc d;
	gsize len;

	memcpy(s, streams, sizeof(s));
	for (int i = 0; i < 3; i++) {
		memset(s[i].ext_id, 0, sizeof(s[i].ext_id));
		s[i].ext_id[SIG_SDP_EXT_TWCC] = 3;
		s[i].codec.rtcp_fb |= SIG_SDP_FB_TRANSPORT_CC;
	}
	twcc.extensions = SIG_SDP_EXT_BIT(SIG_SDP_EXT_TWCC);
	twcc.rtcp_fb = SIG_SDP_FB_HANDLED | SIG_SDP_FB_TRANSPORT_CC;
	g_autofree char *text = sig_sdp_build_subscribe_offer(&twcc, s, 3, NULL);
	g_assert_nonnull(text);
	GstSDPMessage *msg = gst_parse(text);
	for (guint i = 0; i < 3; i++) {
		const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
		g_autofree char *fb =
		    g_strdup_printf("%s transport-cc", gst_sdp_media_get_format(m, 0));
		bool found = false;
		g_assert_cmpuint(count_attr(m, "extmap"), ==, 1);
		g_assert_cmpint(offered_ext_id(m, sig_sdp_ext_uri(SIG_SDP_EXT_TWCC)), ==, 3);
		for (guint k = 0; gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", k); k++)
			found |=
			    strcmp(gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", k), fb) == 0;
		g_assert_true(found);
	}
	gst_sdp_message_free(msg);
	/* Without the local bits nothing of it is offered. */
	g_autofree char *plain = sig_sdp_build_subscribe_offer(&local, s, 3, NULL);
	g_assert_null(strstr(plain, "transport-wide-cc"));
	g_assert_null(strstr(plain, "transport-cc"));

	/* Chromium's answer, as it answers such an offer: the extension on
	 * each m-line, transport-cc for each codec. */
	g_autofree char *answer = read_data("chromium-subscribe-answer.sdp", &len);
	GString *with = g_string_new(answer);
	g_string_replace(with, "a=recvonly\r\n",
			 "a=extmap:3 http://www.ietf.org/id/"
			 "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\na=recvonly\r\n",
			 0);
	g_string_replace(with, "a=rtpmap:111 opus/48000/2\r\n",
			 "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n", 0);
	g_assert_cmpint(sig_sdp_parse_answer(with->str, with->len, 3, &d, NULL), ==, 0);
	for (size_t i = 0; i < 3; i++)
		g_assert_cmpuint(d.mlines[i].ext_id[SIG_SDP_EXT_TWCC], ==, 3);
	g_assert_true(d.mlines[0].codecs[0].rtcp_fb & SIG_SDP_FB_TRANSPORT_CC);
	g_string_free(with, TRUE);
	g_assert_cmpint(sig_sdp_parse_answer(answer, len, 3, &d, NULL), ==, 0);
	for (size_t i = 0; i < 3; i++)
		g_assert_cmpuint(d.mlines[i].ext_id[SIG_SDP_EXT_TWCC], ==, 0);
	g_assert_false(d.mlines[0].codecs[0].rtcp_fb & SIG_SDP_FB_TRANSPORT_CC);
}

/* ...and REMB for subscribers that do not do transport-cc: the same offer
 * with abs-send-time (another id) and a=rtcp-fb goog-remb on every stream
 * offers both pairs; an answer that keeps only abs-send-time and
 * goog-remb is read with them. */
static void test_subscribe_remb(void)
{
	struct sig_sdp_local both = local;
	struct sig_sdp_stream s[3];
	struct sig_sdp_desc d;
	gsize len;

	memcpy(s, streams, sizeof(s));
	for (int i = 0; i < 3; i++) {
		memset(s[i].ext_id, 0, sizeof(s[i].ext_id));
		s[i].ext_id[SIG_SDP_EXT_TWCC] = 3;
		s[i].ext_id[SIG_SDP_EXT_ABS_SEND_TIME] = 2;
		s[i].codec.rtcp_fb |= SIG_SDP_FB_TRANSPORT_CC | SIG_SDP_FB_GOOG_REMB;
	}
	both.extensions =
	    SIG_SDP_EXT_BIT(SIG_SDP_EXT_TWCC) | SIG_SDP_EXT_BIT(SIG_SDP_EXT_ABS_SEND_TIME);
	both.rtcp_fb = SIG_SDP_FB_HANDLED | SIG_SDP_FB_TRANSPORT_CC | SIG_SDP_FB_GOOG_REMB;
	g_autofree char *text = sig_sdp_build_subscribe_offer(&both, s, 3, NULL);
	g_assert_nonnull(text);
	GstSDPMessage *msg = gst_parse(text);
	for (guint i = 0; i < 3; i++) {
		const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
		g_autofree char *fb =
		    g_strdup_printf("%s goog-remb", gst_sdp_media_get_format(m, 0));
		bool found = false;
		g_assert_cmpuint(count_attr(m, "extmap"), ==, 2);
		g_assert_cmpint(offered_ext_id(m, sig_sdp_ext_uri(SIG_SDP_EXT_ABS_SEND_TIME)), ==,
				2);
		g_assert_cmpint(offered_ext_id(m, sig_sdp_ext_uri(SIG_SDP_EXT_TWCC)), ==, 3);
		for (guint k = 0; gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", k); k++)
			found |=
			    strcmp(gst_sdp_media_get_attribute_val_n(m, "rtcp-fb", k), fb) == 0;
		g_assert_true(found);
	}
	gst_sdp_message_free(msg);
	/* Two streams with one id: refused. */
	s[1].ext_id[SIG_SDP_EXT_ABS_SEND_TIME] = 3;
	g_assert_null(sig_sdp_build_subscribe_offer(&both, s, 3, NULL));

	/* Chromium's answer without transport-cc (the e2e test's munged
	 * one): abs-send-time on each m-line, goog-remb for each codec. */
	g_autofree char *answer = read_data("chromium-subscribe-answer.sdp", &len);
	GString *with = g_string_new(answer);
	g_string_replace(with, "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n", "", 0);
	g_string_replace(with, "a=recvonly\r\n",
			 "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
			 "abs-send-time\r\na=recvonly\r\n",
			 0);
	g_string_replace(with, "a=rtcp-fb:96 nack pli\r\n",
			 "a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\n", 0);
	g_assert_cmpint(sig_sdp_parse_answer(with->str, with->len, 3, &d, NULL), ==, 0);
	for (size_t i = 0; i < 3; i++) {
		g_assert_cmpuint(d.mlines[i].ext_id[SIG_SDP_EXT_ABS_SEND_TIME], ==, 2);
		g_assert_cmpuint(d.mlines[i].ext_id[SIG_SDP_EXT_TWCC], ==, 0);
	}
	g_assert_true(d.mlines[1].codecs[0].rtcp_fb & SIG_SDP_FB_GOOG_REMB);
	g_assert_false(d.mlines[1].codecs[0].rtcp_fb & SIG_SDP_FB_TRANSPORT_CC);
	g_string_free(with, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/sdp/offer/chromium", &chromium_case, test_offer);
	g_test_add_data_func("/sdp/offer/firefox", &firefox_case, test_offer);
	g_test_add_data_func("/sdp/offer/webrtcbin", &webrtcbin_case, test_offer);
	g_test_add_data_func("/sdp/offer/chromium-datachannel",
			     "chromium-publish-datachannel-offer.sdp", test_offer_datachannel);
	g_test_add_data_func("/sdp/offer/firefox-datachannel",
			     "firefox-publish-datachannel-offer.sdp", test_offer_datachannel);
	g_test_add_func("/sdp/offer/chromium-details", test_offer_chromium_details);
	g_test_add_func("/sdp/offer/webrtcbin-recvonly", test_offer_webrtcbin_recvonly);
	g_test_add_func("/sdp/offer/codec-choice", test_codec_choice);
	g_test_add_func("/sdp/offer/rejected-mlines", test_rejected_mlines);
	g_test_add_func("/sdp/offer/setup-roles", test_setup_roles);
	g_test_add_func("/sdp/refuse/transport", test_refuse_transport);
	g_test_add_func("/sdp/refuse/media", test_refuse_media);
	g_test_add_func("/sdp/offer/ice-levels", test_ice_levels);
	g_test_add_func("/sdp/refuse/codecs", test_refuse_codecs);
	g_test_add_func("/sdp/refuse/size", test_refuse_size);
	g_test_add_func("/sdp/refuse/garbage", test_refuse_garbage);
	g_test_add_data_func("/sdp/answer/chromium", &answer_cases[0], test_answer);
	g_test_add_data_func("/sdp/answer/firefox", &answer_cases[1], test_answer);
	g_test_add_data_func("/sdp/answer/webrtcbin", &answer_cases[2], test_answer);
	g_test_add_func("/sdp/answer/refusals", test_answer_refusals);
	g_test_add_func("/sdp/answer/transport-cc", test_answer_transport_cc);
	g_test_add_func("/sdp/subscribe-offer", test_subscribe_offer);
	g_test_add_func("/sdp/subscribe-transport-cc", test_subscribe_transport_cc);
	g_test_add_func("/sdp/subscribe-remb", test_subscribe_remb);
	g_test_add_func("/sdp/build/refusals", test_build_refusals);
	g_test_add_func("/sdp/red", test_red);
	g_test_add_func("/sdp/simulcast", test_simulcast);
	g_test_add_func("/sdp/fingerprint", test_fingerprint_normalize);
	return g_test_run();
}
