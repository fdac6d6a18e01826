/* Building answers and subscribe offers with GstSDPMessage (see sdp.h).
 *
 * Attribute values are formatted here; lines, their order and the text
 * itself are GstSDPMessage's. Each m-line we keep repeats the transport
 * (ICE credentials, fingerprint, setup, candidates), as browsers do, so
 * that any of them can be read alone; with BUNDLE the first one is used. */
#include "sdp/sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

#define PROTO_RTP "UDP/TLS/RTP/SAVPF"

/* Our transport, checked once per description. */
struct transport {
	const struct sig_sdp_local *local;
	char fingerprint[SIG_SDP_FINGERPRINT_MAX + 1];
	const char *addrtypes[SIG_SDP_MAX_CANDIDATES]; /* "IP4" / "IP6" */
	const char *setup;
};

/* Our own values are wrong: a bug or a bad configuration. */
G_GNUC_PRINTF(2, 3)
static int invalid(char **ret_problem, const char *fmt, ...)
{
	va_list ap;

	if (ret_problem) {
		va_start(ap, fmt);
		*ret_problem = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

G_GNUC_PRINTF(3, 4)
static void add_attr(GstSDPMedia *m, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	value = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	gst_sdp_media_add_attribute(m, key, value);
	g_free(value);
}

/* Printable ASCII without spaces, 1..max bytes. */
static bool printable(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return n > 0 && n <= max;
}

static int check_local(const struct sig_sdp_local *l, struct transport *t, char **ret_problem)
{
	struct in6_addr addr;

	t->local = l;
	if (!l->ice_ufrag || !sig_sdp_ice_ufrag_valid(l->ice_ufrag) || !l->ice_pwd ||
	    !sig_sdp_ice_pwd_valid(l->ice_pwd))
		return invalid(ret_problem, "our ICE credentials break RFC 8839 §5.4");
	if (!l->fingerprint || sig_sdp_fingerprint_normalize(l->fingerprint, t->fingerprint) < 0)
		return invalid(ret_problem, "our fingerprint is not a sha-256 fingerprint");
	if (l->n_candidates == 0 || l->n_candidates > SIG_SDP_MAX_CANDIDATES)
		return invalid(ret_problem, "we need 1 to %d host candidates",
			       SIG_SDP_MAX_CANDIDATES);
	for (size_t i = 0; i < l->n_candidates; i++) {
		const struct sig_sdp_candidate *c = &l->candidates[i];

		if (!c->address || c->port == 0)
			return invalid(ret_problem, "candidate %zu has no address or port", i + 1);
		if (inet_pton(AF_INET, c->address, &addr) == 1)
			t->addrtypes[i] = "IP4";
		else if (inet_pton(AF_INET6, c->address, &addr) == 1)
			t->addrtypes[i] = "IP6";
		else
			return invalid(ret_problem, "candidate %zu is not a numeric address",
				       i + 1);
	}
	if (l->session_id > INT64_MAX || l->session_version > INT64_MAX)
		return invalid(ret_problem, "o= numbers must stay below 2^63");
	return 0;
}

/* v=, o=, s=, t=, ICE-lite (RFC 8445 §2.5) and the BUNDLE group. */
static GstSDPMessage *new_message(const struct sig_sdp_local *l, const char *bundle)
{
	char id[24], version[24];
	GstSDPMessage *msg;

	g_snprintf(id, sizeof(id), "%" PRIu64, l->session_id);
	g_snprintf(version, sizeof(version), "%" PRIu64, l->session_version);
	gst_sdp_message_new(&msg);
	gst_sdp_message_set_version(msg, "0");
	gst_sdp_message_set_origin(msg, "-", id, version, "IN", "IP4", "127.0.0.1");
	gst_sdp_message_set_session_name(msg, "-");
	gst_sdp_message_add_time(msg, "0", "0", NULL);
	gst_sdp_message_add_attribute(msg, "group", bundle);
	gst_sdp_message_add_attribute(msg, "ice-lite", NULL);
	return msg;
}

/* An m= line with its c= line: the first candidate is the default one
 * (RFC 8839 §4.2.1.1). */
static void init_media(GstSDPMedia *m, enum sig_sdp_kind kind, const struct transport *t)
{
	static const char *const kinds[] = {"audio", "video", "application"};
	const struct sig_sdp_candidate *c = &t->local->candidates[0];

	memset(m, 0, sizeof(*m));
	gst_sdp_media_init(m);
	gst_sdp_media_set_media(m, kinds[kind]);
	gst_sdp_media_set_port_info(m, c->port, 0);
	gst_sdp_media_set_proto(m, PROTO_RTP);
	gst_sdp_media_add_connection(m, "IN", t->addrtypes[0], c->address, 0, 0);
}

/* RFC 8839 §5.1; host candidates, priority per RFC 8445 §5.1.2.1 (type
 * preference 126, local preference by order, component 1); passive TCP
 * ones per RFC 6544 §4.2: type preference 90 (below UDP's, as libwebrtc's
 * host TCP), local preference 2^13 × 4 (passive host) + the order. */
static void add_transport(GstSDPMedia *m, const char *mid, const struct transport *t)
{
	const struct sig_sdp_local *l = t->local;

	gst_sdp_media_add_attribute(m, "mid", mid);
	gst_sdp_media_add_attribute(m, "ice-ufrag", l->ice_ufrag);
	gst_sdp_media_add_attribute(m, "ice-pwd", l->ice_pwd);
	gst_sdp_media_add_attribute(m, "fingerprint", t->fingerprint);
	gst_sdp_media_add_attribute(m, "setup", t->setup);
	for (size_t i = 0; i < l->n_candidates; i++) {
		if (l->candidates[i].tcp_passive)
			add_attr(m, "candidate",
				 "%zu 1 tcp %" PRIu32 " %s %u typ host tcptype passive", i + 1,
				 (uint32_t)90 << 24 | (uint32_t)(4 << 13 | (8191 - i)) << 8 | 255,
				 l->candidates[i].address, (unsigned)l->candidates[i].port);
		else
			add_attr(m, "candidate", "%zu 1 udp %" PRIu32 " %s %u typ host", i + 1,
				 (uint32_t)126 << 24 | (uint32_t)(65535 - i) << 8 | 255,
				 l->candidates[i].address, (unsigned)l->candidates[i].port);
	}
	gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
	gst_sdp_media_add_attribute(m, "rtcp-mux", NULL);
}

/* The codec with the feedback in fb, and its RTX payload type if rtx. */
static void add_codec(GstSDPMedia *m, const struct sig_sdp_codec *c, unsigned fb, bool rtx)
{
	static const char *const fb_names[] = {"nack", "nack pli", "ccm fir", "transport-cc",
					       "goog-remb"};
	char pt[4];

	/* RED first: Chromium sends it only when it is preferred. */
	if (c->red_pt) {
		g_snprintf(pt, sizeof(pt), "%u", (unsigned)c->red_pt);
		gst_sdp_media_add_format(m, pt);
		add_attr(m, "rtpmap", "%u red/48000/2", (unsigned)c->red_pt);
		add_attr(m, "fmtp", "%u %u/%u", (unsigned)c->red_pt, (unsigned)c->pt,
			 (unsigned)c->pt);
	}
	g_snprintf(pt, sizeof(pt), "%u", (unsigned)c->pt);
	gst_sdp_media_add_format(m, pt);
	if (c->channels)
		add_attr(m, "rtpmap", "%u %s/%" PRIu32 "/%u", (unsigned)c->pt,
			 sig_sdp_codec_name(c->id), c->clock_rate, (unsigned)c->channels);
	else
		add_attr(m, "rtpmap", "%u %s/%" PRIu32, (unsigned)c->pt, sig_sdp_codec_name(c->id),
			 c->clock_rate);
	for (size_t i = 0; i < G_N_ELEMENTS(fb_names); i++)
		if (c->rtcp_fb & fb & (1u << i))
			add_attr(m, "rtcp-fb", "%u %s", (unsigned)c->pt, fb_names[i]);
	if (c->fmtp[0])
		add_attr(m, "fmtp", "%u %s", (unsigned)c->pt, c->fmtp);
	if (!rtx)
		return;
	g_snprintf(pt, sizeof(pt), "%u", (unsigned)c->rtx_pt);
	gst_sdp_media_add_format(m, pt);
	add_attr(m, "rtpmap", "%u rtx/90000", (unsigned)c->rtx_pt);
	add_attr(m, "fmtp", "%u apt=%u", (unsigned)c->rtx_pt, (unsigned)c->pt);
}

static void add_extmaps(GstSDPMedia *m, const uint8_t ext_id[SIG_SDP_EXT_COUNT], unsigned mask)
{
	for (int e = 0; e < SIG_SDP_EXT_COUNT; e++)
		if (ext_id[e] && (mask & SIG_SDP_EXT_BIT(e)))
			add_attr(m, "extmap", "%u %s", (unsigned)ext_id[e], sig_sdp_ext_uri(e));
}

/* Port 0 (RFC 3264 §6); a data channel keeps its SCTP proto. */
static void add_rejected(GstSDPMessage *msg, const struct sig_sdp_mline *ml)
{
	GstSDPMedia m;
	bool app = ml->kind == SIG_SDP_APPLICATION;

	memset(&m, 0, sizeof(m));
	gst_sdp_media_init(&m);
	gst_sdp_media_set_media(&m, app				? "application"
				    : ml->kind == SIG_SDP_AUDIO ? "audio"
								: "video");
	gst_sdp_media_set_port_info(&m, 0, 0);
	gst_sdp_media_set_proto(&m, app ? "UDP/DTLS/SCTP" : PROTO_RTP);
	gst_sdp_media_add_format(&m, app ? "webrtc-datachannel" : "0");
	gst_sdp_media_add_connection(&m, "IN", "IP4", "0.0.0.0", 0, 0);
	if (ml->mid[0])
		gst_sdp_media_add_attribute(&m, "mid", ml->mid);
	gst_sdp_media_add_attribute(&m, "inactive", NULL);
	gst_sdp_message_add_media(msg, &m); /* takes the contents */
}

/* RFC 8853 §5.3: the encodings we take, each as a=rid recv, and their
 * list, in the offer's order; only when the rid extension is answered
 * (else the relay could not tell them apart). */
static void add_simulcast(GstSDPMedia *m, const struct sig_sdp_mline *ml, unsigned extensions)
{
	GString *list;

	if (!ml->n_rids || !(extensions & SIG_SDP_EXT_BIT(SIG_SDP_EXT_RID)))
		return;
	list = g_string_new("recv ");
	for (size_t i = 0; i < ml->n_rids; i++) {
		add_attr(m, "rid", "%s recv", ml->rids[i]);
		g_string_append_printf(list, "%s%s", i ? ";" : "", ml->rids[i]);
	}
	gst_sdp_media_add_attribute(m, "simulcast", list->str);
	g_string_free(list, TRUE);
}

/* We receive what the client sends: recvonly, or inactive as offered. */
static void add_answered(GstSDPMessage *msg, const struct sig_sdp_mline *ml,
			 const struct transport *t)
{
	const struct sig_sdp_codec *c = &ml->codecs[0];
	unsigned fb = t->local->rtcp_fb;
	GstSDPMedia m;

	init_media(&m, ml->kind, t);
	add_transport(&m, ml->mid, t);
	gst_sdp_media_add_attribute(&m, ml->direction == SIG_SDP_INACTIVE ? "inactive" : "recvonly",
				    NULL);
	add_codec(&m, c, fb, c->rtx_pt && (c->rtcp_fb & fb & SIG_SDP_FB_NACK));
	add_extmaps(&m, ml->ext_id, t->local->extensions);
	add_simulcast(&m, ml, t->local->extensions);
	gst_sdp_message_add_media(msg, &m);
}

static char *finish(GstSDPMessage *msg)
{
	char *text = gst_sdp_message_as_text(msg);

	gst_sdp_message_free(msg);
	return text;
}

char *sig_sdp_build_answer(const struct sig_sdp_desc *offer, const struct sig_sdp_local *local,
			   char **ret_problem)
{
	struct transport t;
	GstSDPMessage *msg;
	GString *bundle;

	g_assert(offer && local);
	g_assert(offer->n_mlines > 0 && offer->n_mlines <= SIG_SDP_MAX_MLINES);
	g_assert(offer->n_bundle > 0); /* a parsed offer */
	if (check_local(local, &t, ret_problem) < 0)
		return NULL;
	t.setup = offer->local_setup == SIG_SDP_SETUP_ACTIVE ? "active" : "passive";
	bundle = g_string_new("BUNDLE");
	for (size_t b = 0; b < offer->n_bundle; b++)
		g_string_append_printf(bundle, " %s", offer->mlines[offer->bundle[b]].mid);
	msg = new_message(local, bundle->str);
	g_string_free(bundle, TRUE);
	if (offer->extmap_allow_mixed)
		gst_sdp_message_add_attribute(msg, "extmap-allow-mixed", NULL);
	for (size_t i = 0; i < offer->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &offer->mlines[i];

		if (ml->rejected)
			add_rejected(msg, ml);
		else
			add_answered(msg, ml, &t);
	}
	return finish(msg);
}

static bool ext_ids_valid(const uint8_t ext_id[SIG_SDP_EXT_COUNT])
{
	for (int a = 0; a < SIG_SDP_EXT_COUNT; a++)
		for (int b = a + 1; b < SIG_SDP_EXT_COUNT; b++)
			if (ext_id[a] && ext_id[a] == ext_id[b])
				return false;
	return true;
}

static bool codec_valid(const struct sig_sdp_stream *s)
{
	const struct sig_sdp_codec *c = &s->codec;
	bool audio = c->id == SIG_SDP_CODEC_OPUS;

	for (const char *f = c->fmtp; *f; f++)
		if ((unsigned char)*f < 0x20 || *f == 0x7f)
			return false;
	if (memchr(c->fmtp, '\0', sizeof(c->fmtp)) == NULL)
		return false;
	return sig_sdp_codec_name(c->id) && audio == (s->kind == SIG_SDP_AUDIO) && c->pt < 128 &&
	       c->rtx_pt < 128 && (audio ? c->channels == 2 : c->channels == 0) &&
	       c->clock_rate == (audio ? 48000u : 90000u) && (!c->rtx_pt || c->rtx_pt != c->pt) &&
	       (!c->rtx_pt || !audio) && c->red_pt < 128 &&
	       (!c->red_pt || (audio && c->red_pt != c->pt));
}

static int check_streams(const struct sig_sdp_stream *streams, size_t n, char **ret_problem)
{
	if (n == 0 || n > SIG_SDP_MAX_MLINES)
		return invalid(ret_problem, "a subscribe offer has 1 to %d streams",
			       SIG_SDP_MAX_MLINES);
	for (size_t i = 0; i < n; i++) {
		const struct sig_sdp_stream *s = &streams[i];

		if ((s->kind != SIG_SDP_AUDIO && s->kind != SIG_SDP_VIDEO) ||
		    !printable(s->mid, SIG_SDP_MID_MAX) ||
		    !printable(s->stream_id, SIG_SDP_MSID_ID_MAX) ||
		    !printable(s->track_id, SIG_SDP_MSID_ID_MAX) ||
		    !printable(s->cname, SIG_SDP_CNAME_MAX) || !codec_valid(s) ||
		    !ext_ids_valid(s->ext_id))
			return invalid(ret_problem, "stream %zu is not valid", i + 1);
		for (size_t j = 0; j < i; j++)
			if (strcmp(streams[j].mid, s->mid) == 0)
				return invalid(ret_problem, "mid %s is used twice", s->mid);
	}
	return 0;
}

/* RFC 5576 §4: the SSRCs we send with, and RTX's FID group (RFC 4588). */
static void add_ssrcs(GstSDPMedia *m, const struct sig_sdp_stream *s, bool rtx)
{
	uint32_t ssrcs[2] = {s->ssrc, s->rtx_ssrc};

	if (rtx)
		add_attr(m, "ssrc-group", "FID %" PRIu32 " %" PRIu32, s->ssrc, s->rtx_ssrc);
	for (size_t i = 0; i < (rtx ? 2u : 1u); i++) {
		add_attr(m, "ssrc", "%" PRIu32 " cname:%s", ssrcs[i], s->cname);
		add_attr(m, "ssrc", "%" PRIu32 " msid:%s %s", ssrcs[i], s->stream_id, s->track_id);
	}
}

static void add_offered(GstSDPMessage *msg, const struct sig_sdp_stream *s,
			const struct transport *t)
{
	bool rtx = s->codec.rtx_pt != 0;
	GstSDPMedia m;

	init_media(&m, s->kind, t);
	add_transport(&m, s->mid, t);
	gst_sdp_media_add_attribute(&m, s->inactive ? "inactive" : "sendonly", NULL);
	if (!s->inactive)
		add_attr(&m, "msid", "%s %s", s->stream_id, s->track_id);
	add_codec(&m, &s->codec, t->local->rtcp_fb, rtx);
	add_extmaps(&m, s->ext_id, t->local->extensions);
	if (!s->inactive)
		add_ssrcs(&m, s, rtx);
	gst_sdp_message_add_media(msg, &m);
}

char *sig_sdp_build_subscribe_offer(const struct sig_sdp_local *local,
				    const struct sig_sdp_stream *streams, size_t n,
				    char **ret_problem)
{
	struct transport t;
	GstSDPMessage *msg;
	GString *bundle;

	g_assert(local && (streams || n == 0));
	if (check_local(local, &t, ret_problem) < 0 || check_streams(streams, n, ret_problem) < 0)
		return NULL;
	t.setup = "actpass"; /* RFC 5763 §5 */
	bundle = g_string_new("BUNDLE");
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(bundle, " %s", streams[i].mid);
	msg = new_message(local, bundle->str);
	g_string_free(bundle, TRUE);
	gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS *");
	for (size_t i = 0; i < n; i++)
		add_offered(msg, &streams[i], &t);
	return finish(msg);
}
