/* Parsing and validation of offers and answers (see sdp.h).
 *
 * GStreamer's SDP parser is lenient: it accepts any text, skips lines it
 * does not understand, reads numbers without range checks and warns about
 * a version other than 0. So the raw text is checked for shape first (size,
 * UTF-8, one "x=value" per line, no control characters, v=0 first), then
 * GstSDPMessage splits it, and every value used is validated here. Values
 * stay borrowed from the message until they are copied, length-checked,
 * into the result. */
#include "sdp/sdp.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

#define PT_COUNT 128 /* RTP payload types 0..127 */
#define EXT_IDS	 256 /* a=extmap ids 1..255 (RFC 8285 §5) */

/* What one level (the session, or one m-line) says; borrowed values. */
struct level {
	const char *ufrag, *pwd, *setup, *fingerprint, *mid;
	const char *other_fingerprint; /* a fingerprint of another algorithm */
	int direction;		       /* -1: not given */
	bool rtcp_mux, bundle_only, allow_mixed, trickle, ice_lite, end_of_candidates;
	unsigned n_candidates;
};

struct pt_info {
	const char *rtpmap, *fmtp; /* after "<pt> " */
	unsigned fb;
	bool listed; /* on the m= line */
};

struct ssrc_info {
	uint32_t id;
	const char *msid;
};

/* One m-line's attributes while it is read. */
struct media {
	size_t index;
	const char *msid;
	struct pt_info pts[PT_COUNT];
	uint8_t formats[SIG_SDP_MAX_FORMATS]; /* payload types in m= line order */
	size_t n_formats;
	unsigned fb_all; /* a=rtcp-fb:* */
	const char *ext_by_id[EXT_IDS];
	uint8_t ext_id[SIG_SDP_EXT_COUNT];
	struct ssrc_info ssrcs[SIG_SDP_MAX_SSRCS];
	size_t n_ssrcs;
	bool has_fid;
	uint32_t fid[2];
};

struct parse {
	const GstSDPMessage *msg;
	struct sig_sdp_desc *desc;
	bool answer;
	char **ret_problem;
	struct level session;
	struct level levels[SIG_SDP_MAX_MLINES];
	const char *bundle;		 /* a=group:BUNDLE value, after "BUNDLE" */
	const char *bundle_ext[EXT_IDS]; /* extmap URIs across bundled m-lines */
	struct media media;		 /* the m-line being read */
};

/* A short, printable excerpt of input for a problem sentence. */
struct shown {
	char s[36];
};

static struct shown show(const char *s, size_t n)
{
	struct shown r;
	size_t i;

	for (i = 0; i < n && s[i] && i < 32; i++)
		r.s[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n && s[i])
		r.s[i++] = '.', r.s[i++] = '.', r.s[i++] = '.';
	r.s[i] = '\0';
	return r;
}

G_GNUC_PRINTF(3, 4)
static int fail(char **ret_problem, int err, const char *fmt, ...)
{
	va_list ap;

	if (ret_problem) {
		va_start(ap, fmt);
		*ret_problem = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The same, prefixed with which m-line it is about. */
G_GNUC_PRINTF(4, 5)
static int fail_m(struct parse *p, size_t i, int err, const char *fmt, ...)
{
	const char *mid = p->desc->mlines[i].mid;
	va_list ap;
	char *what;

	if (!p->ret_problem)
		return err;
	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (mid[0])
		*p->ret_problem = g_strdup_printf("m-line %zu (mid %s): %s", i + 1, mid, what);
	else
		*p->ret_problem = g_strdup_printf("m-line %zu: %s", i + 1, what);
	g_free(what);
	return err;
}

/* A decimal number of n characters, at most max; no sign, no spaces. */
static bool parse_uint(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]) || v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return true;
}

/* The next space-separated token of *s (length in *ret_len), or NULL. */
static const char *token(const char **s, size_t *ret_len)
{
	const char *t = *s;

	while (*t == ' ' || *t == '\t')
		t++;
	if (!*t)
		return NULL;
	*ret_len = strcspn(t, " \t");
	*s = t + *ret_len;
	return t;
}

/* Printable ASCII without spaces: mids, msid parts, CNAMEs. */
static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return n > 0;
}

/* The shape of the text, before GStreamer reads it (see the top). */
static int check_line(const char *l, size_t n, unsigned number, char **ret_problem)
{
	if (number == 1 && (n != 3 || memcmp(l, "v=0", 3) != 0))
		return fail(ret_problem, -EBADMSG, "this is not SDP: it does not start with v=0");
	if (n > SIG_SDP_MAX_LINE)
		return fail(ret_problem, -E2BIG, "SDP line %u is longer than %d bytes", number,
			    SIG_SDP_MAX_LINE);
	if (n < 2 || !g_ascii_islower(l[0]) || l[1] != '=')
		return fail(ret_problem, -EBADMSG, "SDP line %u is not of the form <type>=<value>",
			    number);
	for (size_t i = 2; i < n; i++)
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
			return fail(ret_problem, -EBADMSG,
				    "SDP line %u contains a control character", number);
	if (number > 1 && l[0] == 'v')
		return fail(ret_problem, -EBADMSG, "SDP line %u is a second v= line", number);
	return 0;
}

static int check_text(const char *text, size_t len, char **ret_problem)
{
	unsigned number = 0;
	size_t at = 0;
	int r;

	if (len == 0)
		return fail(ret_problem, -EBADMSG, "the SDP is empty");
	if (len > SIG_SDP_MAX_TEXT)
		return fail(ret_problem, -EMSGSIZE, "the SDP is %zu bytes; at most %d are accepted",
			    len, SIG_SDP_MAX_TEXT);
	if (memchr(text, '\0', len))
		return fail(ret_problem, -EBADMSG, "the SDP contains a NUL byte");
	if (!g_utf8_validate_len(text, len, NULL))
		return fail(ret_problem, -EBADMSG, "the SDP is not UTF-8 text");
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - at;

		if (n > 0 && text[end - 1] == '\r')
			n--;
		number++;
		r = check_line(text + at, n, number, ret_problem);
		if (r < 0)
			return r;
		at = end + 1;
	}
	return 0;
}

/* Attribute handlers, one per key; m is NULL at session level. */
struct attr_handler;
typedef int (*attr_fn)(struct parse *p, struct media *m, struct level *lv,
		       const struct attr_handler *h, const char *value);

struct attr_handler {
	const char *key;
	attr_fn fn;
	unsigned where; /* AT_* */
	size_t field;	/* offsetof(struct level, …) for on_once / on_flag */
};

#define AT_SESSION 1u
#define AT_MEDIA   2u

static int twice(struct parse *p, struct media *m, const char *key)
{
	if (m)
		return fail_m(p, m->index, -EBADMSG, "a=%s appears twice", key);
	return fail(p->ret_problem, -EBADMSG, "session-level a=%s appears twice", key);
}

/* A value that may be given once per level. */
static int on_once(struct parse *p, struct media *m, struct level *lv, const struct attr_handler *h,
		   const char *value)
{
	const char **slot = (const char **)((char *)lv + h->field);

	if (*slot)
		return twice(p, m, h->key);
	*slot = value;
	return 0;
}

static int on_flag(struct parse *p, struct media *m, struct level *lv, const struct attr_handler *h,
		   const char *value)
{
	(void)p, (void)m, (void)value;
	*(bool *)((char *)lv + h->field) = true;
	return 0;
}

static int on_fingerprint(struct parse *p, struct media *m, struct level *lv,
			  const struct attr_handler *h, const char *value)
{
	if (g_ascii_strncasecmp(value, "sha-256 ", 8) != 0) {
		lv->other_fingerprint = value;
		return 0;
	}
	if (lv->fingerprint)
		return twice(p, m, h->key);
	lv->fingerprint = value;
	return 0;
}

static int on_direction(struct parse *p, struct media *m, struct level *lv,
			const struct attr_handler *h, const char *value)
{
	(void)value;
	if (lv->direction >= 0)
		return m ? fail_m(p, m->index, -EBADMSG, "two direction attributes")
			 : fail(p->ret_problem, -EBADMSG, "two session-level direction attributes");
	for (int d = SIG_SDP_INACTIVE; d <= SIG_SDP_SENDRECV; d++)
		if (strcmp(h->key, sig_sdp_direction_name(d)) == 0)
			lv->direction = d;
	return 0;
}

static int on_ice_options(struct parse *p, struct media *m, struct level *lv,
			  const struct attr_handler *h, const char *value)
{
	const char *t;
	size_t n;

	(void)p, (void)m, (void)h;
	while ((t = token(&value, &n)))
		if (n == 7 && memcmp(t, "trickle", 7) == 0)
			lv->trickle = true;
	return 0;
}

/* We are ICE-lite: the peer's candidates are not needed (RFC 8445 §2.5),
 * its address is learnt from its connectivity checks. */
static int on_candidate(struct parse *p, struct media *m, struct level *lv,
			const struct attr_handler *h, const char *value)
{
	(void)p, (void)m, (void)h, (void)value;
	lv->n_candidates++;
	return 0;
}

static int on_group(struct parse *p, struct media *m, struct level *lv,
		    const struct attr_handler *h, const char *value)
{
	(void)m, (void)lv, (void)h;
	if (strncmp(value, "BUNDLE", 6) != 0 || (value[6] != ' ' && value[6] != '\0'))
		return 0; /* other semantics (LS, FID) do not concern us */
	if (p->bundle)
		return fail(p->ret_problem, -ENOTSUP,
			    "the SDP has two BUNDLE groups; Hearth serves one transport per "
			    "connection");
	p->bundle = value + 6;
	return 0;
}

static int on_msid(struct parse *p, struct media *m, struct level *lv, const struct attr_handler *h,
		   const char *value)
{
	(void)p, (void)lv, (void)h;
	if (!m->msid) /* a track in several streams: the first one */
		m->msid = value;
	return 0;
}

/* "<pt> <rest>" of a=rtpmap / a=fmtp / a=rtcp-fb; "*" gives PT_COUNT. */
static int pt_prefix(struct parse *p, struct media *m, const char *key, const char **value,
		     bool star_ok, unsigned *ret_pt)
{
	uint64_t pt;
	size_t n;
	const char *t = token(value, &n);

	if (t && star_ok && n == 1 && t[0] == '*')
		*ret_pt = PT_COUNT;
	else if (t && parse_uint(t, n, PT_COUNT - 1, &pt))
		*ret_pt = (unsigned)pt;
	else
		return fail_m(p, m->index, -EBADMSG, "a=%s has no valid payload type", key);
	while (**value == ' ')
		(*value)++;
	return 0;
}

static int on_rtpmap_fmtp(struct parse *p, struct media *m, struct level *lv,
			  const struct attr_handler *h, const char *value)
{
	bool rtpmap = strcmp(h->key, "rtpmap") == 0;
	unsigned pt;
	const char **slot;
	int r = pt_prefix(p, m, h->key, &value, false, &pt);

	(void)lv;
	if (r < 0)
		return r;
	slot = rtpmap ? &m->pts[pt].rtpmap : &m->pts[pt].fmtp;
	if (*slot)
		return fail_m(p, m->index, -EBADMSG, "payload type %u has two a=%s lines", pt,
			      h->key);
	*slot = value;
	return 0;
}

static int on_rtcp_fb(struct parse *p, struct media *m, struct level *lv,
		      const struct attr_handler *h, const char *value)
{
	static const struct {
		const char *text;
		unsigned bit;
	} types[] = {
	    {"nack", SIG_SDP_FB_NACK},		 {"nack pli", SIG_SDP_FB_NACK_PLI},
	    {"ccm fir", SIG_SDP_FB_CCM_FIR},	 {"transport-cc", SIG_SDP_FB_TRANSPORT_CC},
	    {"goog-remb", SIG_SDP_FB_GOOG_REMB},
	};
	unsigned pt, bit = 0;
	int r = pt_prefix(p, m, h->key, &value, true, &pt);

	(void)lv;
	if (r < 0)
		return r;
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		if (g_ascii_strcasecmp(value, types[i].text) == 0)
			bit = types[i].bit;
	if (pt == PT_COUNT)
		m->fb_all |= bit;
	else
		m->pts[pt].fb |= bit;
	return 0;
}

/* RFC 8285 §8: a=extmap:<id>[/<direction>] <uri> [<attributes>] */
static int on_extmap(struct parse *p, struct media *m, struct level *lv,
		     const struct attr_handler *h, const char *value)
{
	size_t n = 0, id_len, uri_len;
	const char *id_text = token(&value, &n), *uri = token(&value, &uri_len);
	uint64_t id;

	(void)lv, (void)h;
	id_len = id_text ? strcspn(id_text, "/ ") : 0;
	if (!uri || !parse_uint(id_text, id_len, EXT_IDS - 1, &id) || id == 0)
		return fail_m(p, m->index, -EBADMSG, "a=extmap needs an id of 1 to 255 and a URI");
	if (m->ext_by_id[id])
		return fail_m(p, m->index, -EBADMSG, "a=extmap id %u is used twice", (unsigned)id);
	m->ext_by_id[id] = uri;
	/* An extension the offerer only receives is not one it sends. */
	if (!p->answer && id_len < n &&
	    (strncmp(id_text + id_len, "/recvonly", 9) == 0 ||
	     strncmp(id_text + id_len, "/inactive", 9) == 0))
		return 0;
	for (int e = 0; e < SIG_SDP_EXT_COUNT; e++)
		if (uri_len == strlen(sig_sdp_ext_uri(e)) &&
		    memcmp(uri, sig_sdp_ext_uri(e), uri_len) == 0)
			m->ext_id[e] = (uint8_t)id;
	return 0;
}

/* RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>] */
static int on_ssrc(struct parse *p, struct media *m, struct level *lv, const struct attr_handler *h,
		   const char *value)
{
	size_t n, i;
	uint64_t id;
	const char *t = token(&value, &n);

	(void)lv, (void)h;
	if (!t || !parse_uint(t, n, UINT32_MAX, &id))
		return fail_m(p, m->index, -EBADMSG, "a=ssrc has no valid SSRC");
	for (i = 0; i < m->n_ssrcs && m->ssrcs[i].id != id; i++)
		;
	if (i == SIG_SDP_MAX_SSRCS)
		return fail_m(p, m->index, -E2BIG, "more than %d SSRCs", SIG_SDP_MAX_SSRCS);
	if (i == m->n_ssrcs)
		m->ssrcs[m->n_ssrcs++] = (struct ssrc_info){.id = (uint32_t)id};
	while (*value == ' ')
		value++;
	if (strncmp(value, "msid:", 5) == 0 && !m->ssrcs[i].msid)
		m->ssrcs[i].msid = value + 5;
	return 0;
}

/* RFC 5576 §4.2: a=ssrc-group:FID <primary> <retransmission> (RFC 4588) */
static int on_ssrc_group(struct parse *p, struct media *m, struct level *lv,
			 const struct attr_handler *h, const char *value)
{
	uint64_t ssrc[2];
	size_t n;
	const char *t = token(&value, &n);

	(void)lv, (void)h;
	if (!t || n != 3 || memcmp(t, "FID", 3) != 0 || m->has_fid)
		return 0; /* SIM, FEC-FR, or a second FID (simulcast): not used */
	for (size_t i = 0; i < 2; i++) {
		t = token(&value, &n);
		if (!t || !parse_uint(t, n, UINT32_MAX, &ssrc[i]))
			return fail_m(p, m->index, -EBADMSG,
				      "a=ssrc-group:FID needs two valid SSRCs");
	}
	m->has_fid = true;
	m->fid[0] = (uint32_t)ssrc[0];
	m->fid[1] = (uint32_t)ssrc[1];
	return 0;
}

#define BOTH	     (AT_SESSION | AT_MEDIA)
#define LEVEL(field) offsetof(struct level, field)

static const struct attr_handler attr_handlers[] = {
    {"ice-ufrag", on_once, BOTH, LEVEL(ufrag)},
    {"ice-pwd", on_once, BOTH, LEVEL(pwd)},
    {"setup", on_once, BOTH, LEVEL(setup)},
    {"ice-options", on_ice_options, BOTH, 0},
    {"ice-lite", on_flag, AT_SESSION, LEVEL(ice_lite)},
    {"fingerprint", on_fingerprint, BOTH, 0},
    {"sendrecv", on_direction, BOTH, 0},
    {"sendonly", on_direction, BOTH, 0},
    {"recvonly", on_direction, BOTH, 0},
    {"inactive", on_direction, BOTH, 0},
    {"extmap-allow-mixed", on_flag, BOTH, LEVEL(allow_mixed)},
    {"candidate", on_candidate, BOTH, 0},
    {"end-of-candidates", on_flag, BOTH, LEVEL(end_of_candidates)},
    {"group", on_group, AT_SESSION, 0},
    {"rtcp-mux", on_flag, AT_MEDIA, LEVEL(rtcp_mux)},
    {"bundle-only", on_flag, AT_MEDIA, LEVEL(bundle_only)},
    {"mid", on_once, AT_MEDIA, LEVEL(mid)},
    {"msid", on_msid, AT_MEDIA, 0},
    {"rtpmap", on_rtpmap_fmtp, AT_MEDIA, 0},
    {"fmtp", on_rtpmap_fmtp, AT_MEDIA, 0},
    {"rtcp-fb", on_rtcp_fb, AT_MEDIA, 0},
    {"extmap", on_extmap, AT_MEDIA, 0},
    {"ssrc", on_ssrc, AT_MEDIA, 0},
    {"ssrc-group", on_ssrc_group, AT_MEDIA, 0},
};

/* Unknown attributes are ignored (RFC 4566 §5.13). */
static int read_attribute(struct parse *p, struct media *m, struct level *lv,
			  const GstSDPAttribute *a)
{
	unsigned where = m ? AT_MEDIA : AT_SESSION;
	const char *value = a->value ? a->value : "";

	for (size_t i = 0; i < G_N_ELEMENTS(attr_handlers); i++)
		if ((attr_handlers[i].where & where) && strcmp(a->key, attr_handlers[i].key) == 0)
			return attr_handlers[i].fn(p, m, lv, &attr_handlers[i], value);
	return 0;
}

static int read_session(struct parse *p)
{
	const GstSDPOrigin *origin = gst_sdp_message_get_origin(p->msg);
	guint n = gst_sdp_message_attributes_len(p->msg);
	int r;

	if (!origin->sess_id || !origin->sess_version)
		return fail(p->ret_problem, -EBADMSG, "the SDP has no o= line");
	if (n > SIG_SDP_MAX_ATTRIBUTES)
		return fail(p->ret_problem, -E2BIG,
			    "the SDP has %u session-level attributes; at most %d are accepted", n,
			    SIG_SDP_MAX_ATTRIBUTES);
	p->session.direction = -1;
	for (guint i = 0; i < n; i++) {
		r = read_attribute(p, NULL, &p->session, gst_sdp_message_get_attribute(p->msg, i));
		if (r < 0)
			return r;
	}
	n = gst_sdp_message_medias_len(p->msg);
	if (n == 0)
		return fail(p->ret_problem, -EBADMSG, "the SDP has no m-line");
	if (n > SIG_SDP_MAX_MLINES)
		return fail(p->ret_problem, -E2BIG,
			    "the SDP has %u m-lines; at most %d are accepted", n,
			    SIG_SDP_MAX_MLINES);
	p->desc->n_mlines = n;
	return 0;
}

/* The m= line itself: kind, port, proto, payload types. */
static int read_mline_head(struct parse *p, struct media *m, const GstSDPMedia *gm)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	const char *kind = gst_sdp_media_get_media(gm), *proto = gst_sdp_media_get_proto(gm);
	guint n = gst_sdp_media_formats_len(gm);

	if (g_strcmp0(kind, "audio") == 0)
		ml->kind = SIG_SDP_AUDIO;
	else if (g_strcmp0(kind, "video") == 0)
		ml->kind = SIG_SDP_VIDEO;
	else if (g_strcmp0(kind, "application") == 0)
		ml->kind = SIG_SDP_APPLICATION;
	else
		return fail_m(p, m->index, -ENOTSUP, "media type %s is not served by Hearth",
			      show(kind ? kind : "", SIZE_MAX).s);
	if (gst_sdp_media_get_port(gm) > 65535 || gst_sdp_media_get_num_ports(gm) > 1)
		return fail_m(p, m->index, -EBADMSG, "the m= line has an invalid port");
	if (n > SIG_SDP_MAX_FORMATS)
		return fail_m(p, m->index, -E2BIG, "%u formats; at most %d are accepted", n,
			      SIG_SDP_MAX_FORMATS);
	if (ml->kind == SIG_SDP_APPLICATION)
		return 0;
	if (!proto || g_ascii_strcasecmp(proto, "UDP/TLS/RTP/SAVPF") != 0)
		return fail_m(p, m->index, -ENOTSUP,
			      "transport %s is not DTLS-SRTP; UDP/TLS/RTP/SAVPF is needed",
			      show(proto ? proto : "", SIZE_MAX).s);
	for (guint i = 0; i < n; i++) {
		const char *f = gst_sdp_media_get_format(gm, i);
		uint64_t pt;

		if (!parse_uint(f, strlen(f), PT_COUNT - 1, &pt))
			return fail_m(p, m->index, -EBADMSG, "format %s is not a payload type",
				      show(f, SIZE_MAX).s);
		if (m->pts[pt].listed)
			return fail_m(p, m->index, -EBADMSG, "payload type %u is listed twice",
				      (unsigned)pt);
		m->pts[pt].listed = true;
		m->formats[m->n_formats++] = (uint8_t)pt;
	}
	return 0;
}

/* "<stream id> [<track id>]" (RFC 8830 §2), stored with one space. */
static int copy_msid(struct parse *p, struct media *m, const char *value)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	const char *stream, *track, *rest;
	size_t sn = 0, tn = 0;

	stream = token(&value, &sn);
	track = token(&value, &tn);
	rest = token(&value, &(size_t){0});
	if (!stream || rest || sn > SIG_SDP_MSID_ID_MAX || tn > SIG_SDP_MSID_ID_MAX ||
	    !printable(stream, sn) || (track && !printable(track, tn)))
		return fail_m(p, m->index, -EBADMSG,
			      "a=msid needs a stream id and a track id of 1 to %d characters",
			      SIG_SDP_MSID_ID_MAX);
	memcpy(ml->msid, stream, sn);
	ml->msid[sn] = '\0';
	if (track) {
		ml->msid[sn] = ' ';
		memcpy(ml->msid + sn + 1, track, tn);
		ml->msid[sn + 1 + tn] = '\0';
	}
	return 0;
}

/* SSRCs: the FID group's pair if there is one, else the first a=ssrc. */
static int copy_ssrcs(struct parse *p, struct media *m)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	const char *msid = m->msid;

	if (m->has_fid) {
		ml->has_ssrc = ml->has_rtx_ssrc = true;
		ml->ssrc = m->fid[0];
		ml->rtx_ssrc = m->fid[1];
	} else if (m->n_ssrcs > 0) {
		ml->has_ssrc = true;
		ml->ssrc = m->ssrcs[0].id;
	}
	for (size_t i = 0; !msid && ml->has_ssrc && i < m->n_ssrcs; i++)
		if (m->ssrcs[i].id == ml->ssrc)
			msid = m->ssrcs[i].msid;
	return msid ? copy_msid(p, m, msid) : 0;
}

/* Read before the other attributes, so that problems can name the mid. */
static int copy_mid(struct parse *p, size_t index, const char *mid)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[index];
	size_t n = mid ? strlen(mid) : 0;

	if (!mid)
		return 0; /* required unless rejected: see finish_mline() */
	if (n > SIG_SDP_MID_MAX || !printable(mid, n))
		return fail_m(p, index, -EBADMSG, "a=mid must be 1 to %d printable characters",
			      SIG_SDP_MID_MAX);
	for (size_t i = 0; i < index; i++)
		if (strcmp(p->desc->mlines[i].mid, mid) == 0)
			return fail_m(p, index, -EBADMSG, "mid %s is used twice", mid);
	memcpy(ml->mid, mid, n + 1);
	return 0;
}

/* The payload type's codec, if Hearth forwards it. */
static int pt_codec(struct parse *p, struct media *m, enum sig_sdp_kind kind, unsigned pt)
{
	const struct pt_info *info = &m->pts[pt];
	int id;

	if (!info->rtpmap)
		return SIG_SDP_CODEC_NONE; /* a static payload type: none we forward */
	id = sig_sdp_codec_match(kind, info->rtpmap, info->fmtp);
	if (id < 0)
		return fail_m(p, m->index, id, "a=rtpmap for payload type %u is malformed", pt);
	return id;
}

static int fill_codec(struct parse *p, struct media *m, enum sig_sdp_codec_id id, unsigned pt,
		      struct sig_sdp_codec *c)
{
	const char *fmtp = m->pts[pt].fmtp ? m->pts[pt].fmtp : "";
	size_t n = strlen(fmtp);

	if (n > SIG_SDP_FMTP_MAX)
		return fail_m(p, m->index, -E2BIG,
			      "a=fmtp for payload type %u is longer than %d bytes", pt,
			      SIG_SDP_FMTP_MAX);
	*c = (struct sig_sdp_codec){
	    .id = id,
	    .pt = (uint8_t)pt,
	    .channels = id == SIG_SDP_CODEC_OPUS ? 2 : 0,
	    .clock_rate = id == SIG_SDP_CODEC_OPUS ? 48000 : 90000,
	    .rtcp_fb = m->pts[pt].fb | m->fb_all,
	};
	memcpy(c->fmtp, fmtp, n + 1);
	for (size_t f = 0; id != SIG_SDP_CODEC_OPUS && f < m->n_formats; f++) {
		const struct pt_info *rtx = &m->pts[m->formats[f]];

		if (rtx->rtpmap && sig_sdp_is_rtx_for(rtx->rtpmap, rtx->fmtp, pt)) {
			c->rtx_pt = m->formats[f];
			break;
		}
	}
	return 0;
}

/* Offer: the codec we prefer (sdp.h), at its first payload type. */
static int choose_codec(struct parse *p, struct media *m)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	int best = SIG_SDP_CODEC_NONE, id;
	unsigned best_pt = 0;

	for (size_t f = 0; f < m->n_formats; f++) {
		id = pt_codec(p, m, ml->kind, m->formats[f]);
		if (id < 0)
			return id;
		if (id != SIG_SDP_CODEC_NONE && (best == SIG_SDP_CODEC_NONE || id < best)) {
			best = id;
			best_pt = m->formats[f];
		}
	}
	if (best != SIG_SDP_CODEC_NONE) {
		ml->n_codecs = 1;
		return fill_codec(p, m, best, best_pt, &ml->codecs[0]);
	}
	if (ml->direction == SIG_SDP_INACTIVE) {
		ml->rejected = true; /* nothing is sent: answered with port 0 */
		return 0;
	}
	return fail_m(p, m->index, -ENOTSUP, "no codec Hearth can forward is offered (%s)",
		      ml->kind == SIG_SDP_AUDIO ? "audio needs Opus"
						: "video needs VP8, H.264 constrained baseline "
						  "with packetization-mode=1, or VP9 profile 0");
}

/* Answer: every codec we know that the client accepted, in its order. */
static int collect_codecs(struct parse *p, struct media *m)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	int id, r;

	for (size_t f = 0; f < m->n_formats; f++) {
		id = pt_codec(p, m, ml->kind, m->formats[f]);
		if (id <= SIG_SDP_CODEC_NONE) {
			if (id < 0)
				return id;
			continue;
		}
		if (ml->n_codecs == SIG_SDP_MAX_CODECS)
			return fail_m(p, m->index, -E2BIG, "more than %d codecs are accepted",
				      SIG_SDP_MAX_CODECS);
		r = fill_codec(p, m, id, m->formats[f], &ml->codecs[ml->n_codecs++]);
		if (r < 0)
			return r;
	}
	if (ml->n_codecs == 0)
		return fail_m(p, m->index, -ENOTSUP, "no codec Hearth offered is accepted");
	return 0;
}

/* Two attribute values equal up to their first space? */
static bool same_token(const char *a, const char *b)
{
	size_t n = strcspn(a, " ");

	return n == strcspn(b, " ") && memcmp(a, b, n) == 0;
}

/* RFC 8843 §9.1.5: an extension id names one extension in the whole
 * BUNDLE group; the relay reads the mid extension before it knows the
 * m-line. */
static int check_extmap_ids(struct parse *p, struct media *m)
{
	for (size_t id = 1; id < EXT_IDS; id++) {
		if (!m->ext_by_id[id])
			continue;
		if (p->bundle_ext[id] && !same_token(p->bundle_ext[id], m->ext_by_id[id]))
			return fail_m(p, m->index, -ENOTSUP,
				      "a=extmap id %zu names another extension than in an "
				      "earlier m-line of the BUNDLE group",
				      id);
		p->bundle_ext[id] = m->ext_by_id[id];
	}
	return 0;
}

/* What the m-line's attributes say, once they are all read. */
static int finish_mline(struct parse *p, struct media *m, const GstSDPMedia *gm)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	const struct level *lv = &p->levels[m->index];
	int r;

	ml->direction = lv->direction >= 0	    ? lv->direction
			: p->session.direction >= 0 ? p->session.direction
						    : SIG_SDP_SENDRECV;
	/* Port 0 rejects an m-line, unless it is bundle-only (RFC 8843 §6). */
	ml->rejected = gst_sdp_media_get_port(gm) == 0 && (p->answer || !lv->bundle_only);
	if (!p->answer && ml->kind == SIG_SDP_APPLICATION)
		ml->rejected = true; /* data channels are not served (see sdp.h) */
	ml->n_candidates = lv->n_candidates;
	if (ml->rejected)
		return 0;
	if (!ml->mid[0])
		return fail_m(p, m->index, -EBADMSG, "there is no a=mid");
	if (ml->kind == SIG_SDP_APPLICATION)
		return fail_m(p, m->index, -ENOTSUP, "Hearth never offers data channels");
	memcpy(ml->ext_id, m->ext_id, sizeof(ml->ext_id));
	r = copy_ssrcs(p, m);
	if (r == 0)
		r = check_extmap_ids(p, m);
	if (r == 0)
		r = p->answer ? collect_codecs(p, m) : choose_codec(p, m);
	return r;
}

static int read_mline(struct parse *p, size_t i)
{
	const GstSDPMedia *gm = gst_sdp_message_get_media(p->msg, (guint)i);
	guint n = gst_sdp_media_attributes_len(gm);
	struct media *m = &p->media;
	int r;

	memset(m, 0, sizeof(*m));
	m->index = i;
	p->levels[i].direction = -1;
	if (n > SIG_SDP_MAX_ATTRIBUTES)
		return fail_m(p, i, -E2BIG, "%u attributes; at most %d are accepted", n,
			      SIG_SDP_MAX_ATTRIBUTES);
	r = copy_mid(p, i, gst_sdp_media_get_attribute_val(gm, "mid"));
	if (r == 0)
		r = read_mline_head(p, m, gm);
	for (guint a = 0; r == 0 && a < n; a++)
		r = read_attribute(p, m, &p->levels[i], gst_sdp_media_get_attribute(gm, a));
	if (r == 0)
		r = finish_mline(p, m, gm);
	return r;
}

static int find_mid(const struct sig_sdp_desc *d, const char *mid, size_t n)
{
	for (size_t i = 0; i < d->n_mlines; i++)
		if (strlen(d->mlines[i].mid) == n && memcmp(d->mlines[i].mid, mid, n) == 0)
			return (int)i;
	return -1;
}

/* RFC 8843: every m-line we use is in the one BUNDLE group, whose first
 * m-line (the tag) carries the transport. */
static int read_bundle(struct parse *p)
{
	struct sig_sdp_desc *d = p->desc;
	const char *list = p->bundle, *mid;
	bool seen[SIG_SDP_MAX_MLINES] = {false}, first = true;
	size_t n;

	if (!list)
		return fail(p->ret_problem, -ENOTSUP,
			    "there is no BUNDLE group (a=group:BUNDLE); Hearth carries all media "
			    "of a connection on one transport");
	while ((mid = token(&list, &n))) {
		int i = find_mid(d, mid, n);

		if (i < 0 || seen[i])
			return fail(p->ret_problem, -EBADMSG,
				    "the BUNDLE group names mid %s, which %s", show(mid, n).s,
				    i < 0 ? "no m-line has" : "it already named");
		seen[i] = true;
		if (first && d->mlines[i].rejected)
			return fail_m(p, (size_t)i, -ENOTSUP,
				      "the first m-line of the BUNDLE group carries the transport "
				      "but is rejected%s",
				      d->mlines[i].kind == SIG_SDP_APPLICATION
					  ? " (Hearth serves no data channel): put audio or video "
					    "first"
					  : "");
		first = false;
		if (!d->mlines[i].rejected)
			d->bundle[d->n_bundle++] = (uint8_t)i;
	}
	for (size_t i = 0; i < d->n_mlines; i++)
		if (!d->mlines[i].rejected && !seen[i])
			return fail_m(p, i, -ENOTSUP,
				      "not in the BUNDLE group; Hearth carries all media of a "
				      "connection on one transport");
	return 0;
}

/* The value of an attribute for m-line i: its own, else the session's. */
#define LEVEL_VALUE(p, i, field) ((p)->levels[i].field ? (p)->levels[i].field : (p)->session.field)

static int copy_ice(struct parse *p, size_t tag)
{
	struct sig_sdp_desc *d = p->desc;
	const char *ufrag = LEVEL_VALUE(p, tag, ufrag), *pwd = LEVEL_VALUE(p, tag, pwd);

	if (!ufrag || !pwd)
		return fail(p->ret_problem, -EBADMSG,
			    "there are no ICE credentials (a=ice-ufrag and a=ice-pwd)");
	if (!sig_sdp_ice_ufrag_valid(ufrag))
		return fail(p->ret_problem, -EBADMSG,
			    "a=ice-ufrag must be %d to %d letters, digits, '+' or '/' (RFC 8839)",
			    SIG_SDP_UFRAG_MIN, SIG_SDP_UFRAG_MAX);
	if (!sig_sdp_ice_pwd_valid(pwd))
		return fail(p->ret_problem, -EBADMSG,
			    "a=ice-pwd must be %d to %d letters, digits, '+' or '/' (RFC 8839)",
			    SIG_SDP_PWD_MIN, SIG_SDP_PWD_MAX);
	memcpy(d->ice_ufrag, ufrag, strlen(ufrag) + 1);
	memcpy(d->ice_pwd, pwd, strlen(pwd) + 1);
	if (p->session.ice_lite)
		return fail(p->ret_problem, -ENOTSUP,
			    "the peer is ICE-lite like Hearth; one side must be a full ICE agent "
			    "(RFC 8445 §2.5)");
	return 0;
}

static int copy_dtls(struct parse *p, size_t tag)
{
	struct sig_sdp_desc *d = p->desc;
	const char *fp = LEVEL_VALUE(p, tag, fingerprint), *setup = LEVEL_VALUE(p, tag, setup);
	const char *other = LEVEL_VALUE(p, tag, other_fingerprint);

	if (!fp && other)
		return fail(p->ret_problem, -ENOTSUP,
			    "the DTLS fingerprint uses %s; Hearth requires sha-256",
			    show(other, strcspn(other, " ")).s);
	if (!fp)
		return fail(p->ret_problem, -EBADMSG,
			    "there is no DTLS fingerprint (a=fingerprint)");
	if (sig_sdp_fingerprint_normalize(fp, d->fingerprint) < 0)
		return fail(p->ret_problem, -EBADMSG,
			    "a=fingerprint is not 32 hex pairs joined by ':' (RFC 8122)");
	if (!setup)
		return fail(p->ret_problem, -EBADMSG, "there is no a=setup (RFC 5763 §5)");
	if (strcmp(setup, "actpass") == 0 && !p->answer)
		d->setup = SIG_SDP_SETUP_ACTPASS;
	else if (strcmp(setup, "active") == 0)
		d->setup = SIG_SDP_SETUP_ACTIVE;
	else if (strcmp(setup, "passive") == 0)
		d->setup = SIG_SDP_SETUP_PASSIVE;
	else
		return fail(p->ret_problem, -ENOTSUP, "a=setup:%s is not served; %s",
			    show(setup, SIZE_MAX).s,
			    p->answer ? "an answer must be active or passive (RFC 5763 §5)"
				      : "an offer must be actpass, active or passive");
	/* RFC 5763 §5: we take the role the peer leaves; we prefer the DTLS
	 * server side when offered actpass. */
	d->local_setup =
	    d->setup == SIG_SDP_SETUP_PASSIVE ? SIG_SDP_SETUP_ACTIVE : SIG_SDP_SETUP_PASSIVE;
	return 0;
}

/* One transport for the BUNDLE group: the tag's, repeated identically (or
 * left out) in the other m-lines; rtcp-mux everywhere (RFC 8843 §7.1.3). */
static int read_transport(struct parse *p)
{
	struct sig_sdp_desc *d = p->desc;
	size_t tag = d->bundle[0];
	int r = copy_ice(p, tag);

	if (r == 0)
		r = copy_dtls(p, tag);
	if (r < 0)
		return r;
	for (size_t b = 0; b < d->n_bundle; b++) { /* the tag's values are all set */
		size_t i = d->bundle[b];
		const struct level *lv = &p->levels[i];

		if ((lv->ufrag && strcmp(lv->ufrag, LEVEL_VALUE(p, tag, ufrag)) != 0) ||
		    (lv->pwd && strcmp(lv->pwd, LEVEL_VALUE(p, tag, pwd)) != 0) ||
		    (lv->fingerprint &&
		     g_ascii_strcasecmp(lv->fingerprint, LEVEL_VALUE(p, tag, fingerprint)) != 0) ||
		    (lv->setup && strcmp(lv->setup, LEVEL_VALUE(p, tag, setup)) != 0))
			return fail_m(p, i, -ENOTSUP,
				      "its ICE or DTLS attributes differ from the first m-line of "
				      "the BUNDLE group; Hearth serves one transport");
		if (!lv->rtcp_mux)
			return fail_m(p, i, -ENOTSUP,
				      "there is no a=rtcp-mux; Hearth carries RTP and RTCP on one "
				      "port (RFC 5761)");
	}
	return 0;
}

/* What a whole description says beyond its m-lines. */
static void read_totals(struct parse *p)
{
	struct sig_sdp_desc *d = p->desc;

	d->ice_lite = p->session.ice_lite;
	d->ice_trickle = p->session.trickle || p->levels[d->bundle[0]].trickle;
	d->extmap_allow_mixed = p->session.allow_mixed;
	d->end_of_candidates = p->session.end_of_candidates;
	d->n_candidates = p->session.n_candidates;
	for (size_t i = 0; i < d->n_mlines; i++) {
		d->extmap_allow_mixed |= p->levels[i].allow_mixed;
		d->end_of_candidates |= p->levels[i].end_of_candidates;
		d->n_candidates += p->levels[i].n_candidates;
	}
}

/* Publish: the client sends on every m-line it keeps. */
static int check_publish(struct parse *p)
{
	for (size_t i = 0; i < p->desc->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &p->desc->mlines[i];

		if (!ml->rejected && ml->direction == SIG_SDP_RECVONLY)
			return fail_m(p, i, -ENOTSUP,
				      "recvonly; a publish offer sends (sendonly or sendrecv)");
	}
	return 0;
}

/* Subscribe: the client receives what we offered, in our order. */
static int check_subscribe(struct parse *p, size_t expected)
{
	if (p->desc->n_mlines != expected)
		return fail(p->ret_problem, -EBADMSG,
			    "the answer has %zu m-lines; the offer had %zu", p->desc->n_mlines,
			    expected);
	for (size_t i = 0; i < p->desc->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &p->desc->mlines[i];

		if (!ml->rejected && ml->direction != SIG_SDP_RECVONLY &&
		    ml->direction != SIG_SDP_INACTIVE)
			return fail_m(
			    p, i, -ENOTSUP,
			    "answered %s; a subscribe connection only sends to the client "
			    "(recvonly or inactive)",
			    sig_sdp_direction_name(ml->direction));
	}
	return 0;
}

static int read_all(struct parse *p, size_t expected)
{
	bool any = false;
	int r = read_session(p);

	for (size_t i = 0; r == 0 && i < p->desc->n_mlines; i++)
		r = read_mline(p, i);
	if (r == 0 && p->answer)
		r = check_subscribe(p, expected);
	else if (r == 0)
		r = check_publish(p);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->desc->n_mlines; i++)
		any |= !p->desc->mlines[i].rejected;
	if (!any)
		return fail(p->ret_problem, -ENOTSUP,
			    "no m-line carries audio or video that Hearth can use");
	r = read_bundle(p);
	if (r == 0)
		r = read_transport(p);
	if (r == 0)
		read_totals(p);
	return r;
}

static int parse(const char *text, size_t len, bool answer, size_t expected,
		 struct sig_sdp_desc *ret, char **ret_problem)
{
	GstSDPMessage *msg = NULL;
	struct parse *p;
	char *copy;
	int r = check_text(text, len, ret_problem);

	if (r < 0)
		return r;
	copy = g_strndup(text, len); /* GStreamer reads up to a NUL */
	if (gst_sdp_message_new_from_text(copy, &msg) != GST_SDP_OK) {
		r = fail(ret_problem, -EBADMSG, "the SDP cannot be read");
		goto fail_copy;
	}
	p = g_new0(struct parse, 1);
	p->desc = g_new0(struct sig_sdp_desc, 1);
	p->msg = msg;
	p->answer = answer;
	p->ret_problem = ret_problem;
	r = read_all(p, expected);
	if (r == 0)
		*ret = *p->desc;
	g_free(p->desc);
	g_free(p);
	gst_sdp_message_free(msg);
fail_copy:
	g_free(copy);
	return r;
}

int sig_sdp_parse_offer(const char *text, size_t len, struct sig_sdp_desc *ret, char **ret_problem)
{
	g_assert(text || len == 0);
	g_assert(ret);
	return parse(text, len, false, 0, ret, ret_problem);
}

int sig_sdp_parse_answer(const char *text, size_t len, size_t expected_mlines,
			 struct sig_sdp_desc *ret, char **ret_problem)
{
	g_assert(text || len == 0);
	g_assert(ret);
	return parse(text, len, true, expected_mlines, ret, ret_problem);
}
