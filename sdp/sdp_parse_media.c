/* The m-lines: the m= line itself (kind, port, proto, payload types), the
 * attributes of its media (msid, rtpmap, fmtp, rtcp-fb, extmap, ssrc,
 * ssrc-group), and what they say once read: the mid, SSRCs, msid and the
 * codec chosen (offer) or accepted (answer) (see sdp_parse.c). */
#include "sdp/parse_state.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

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
	const char *t = sig_sdp_token(value, &n);

	if (t && star_ok && n == 1 && t[0] == '*')
		*ret_pt = PT_COUNT;
	else if (t && sig_sdp_decimal(t, n, PT_COUNT - 1, &pt))
		*ret_pt = (unsigned)pt;
	else
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "a=%s has no valid payload type", key);
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
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "payload type %u has two a=%s lines",
				      pt, h->key);
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
	const char *id_text = sig_sdp_token(&value, &n), *uri = sig_sdp_token(&value, &uri_len);
	uint64_t id;

	(void)lv, (void)h;
	id_len = id_text ? strcspn(id_text, "/ ") : 0;
	if (!uri || !sig_sdp_decimal(id_text, id_len, EXT_IDS - 1, &id) || id == 0)
		return sig_sdp_fail_m(p, m->index, -EBADMSG,
				      "a=extmap needs an id of 1 to 255 and a URI");
	if (m->ext_by_id[id])
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "a=extmap id %u is used twice",
				      (unsigned)id);
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
	const char *t = sig_sdp_token(&value, &n);

	(void)lv, (void)h;
	if (!t || !sig_sdp_decimal(t, n, UINT32_MAX, &id))
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "a=ssrc has no valid SSRC");
	for (i = 0; i < m->n_ssrcs && m->ssrcs[i].id != id; i++)
		;
	if (i == SIG_SDP_MAX_SSRCS)
		return sig_sdp_fail_m(p, m->index, -E2BIG, "more than %d SSRCs", SIG_SDP_MAX_SSRCS);
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
	const char *t = sig_sdp_token(&value, &n);

	(void)lv, (void)h;
	if (!t || n != 3 || memcmp(t, "FID", 3) != 0 || m->has_fid)
		return 0; /* SIM, FEC-FR, or a second FID (simulcast): not used */
	for (size_t i = 0; i < 2; i++) {
		t = sig_sdp_token(&value, &n);
		if (!t || !sig_sdp_decimal(t, n, UINT32_MAX, &ssrc[i]))
			return sig_sdp_fail_m(p, m->index, -EBADMSG,
					      "a=ssrc-group:FID needs two valid SSRCs");
	}
	m->has_fid = true;
	m->fid[0] = (uint32_t)ssrc[0];
	m->fid[1] = (uint32_t)ssrc[1];
	return 0;
}

const struct attr_handler sig_sdp_media_attrs[] = {
    {"msid", on_msid, AT_MEDIA, 0},
    {"rtpmap", on_rtpmap_fmtp, AT_MEDIA, 0},
    {"fmtp", on_rtpmap_fmtp, AT_MEDIA, 0},
    {"rtcp-fb", on_rtcp_fb, AT_MEDIA, 0},
    {"extmap", on_extmap, AT_MEDIA, 0},
    {"ssrc", on_ssrc, AT_MEDIA, 0},
    {"ssrc-group", on_ssrc_group, AT_MEDIA, 0},
    {"rid", sig_sdp_on_rid, AT_MEDIA, 0},
    {"simulcast", sig_sdp_on_simulcast, AT_MEDIA, 0},
};
const size_t sig_sdp_n_media_attrs = G_N_ELEMENTS(sig_sdp_media_attrs);

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
		return sig_sdp_fail_m(p, m->index, -ENOTSUP,
				      "media type %s is not served by Hearth",
				      sig_sdp_show(kind ? kind : "", SIZE_MAX).s);
	if (gst_sdp_media_get_port(gm) > 65535 || gst_sdp_media_get_num_ports(gm) > 1)
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "the m= line has an invalid port");
	if (n > SIG_SDP_MAX_FORMATS)
		return sig_sdp_fail_m(p, m->index, -E2BIG, "%u formats; at most %d are accepted", n,
				      SIG_SDP_MAX_FORMATS);
	if (ml->kind == SIG_SDP_APPLICATION)
		return 0;
	if (!proto || g_ascii_strcasecmp(proto, "UDP/TLS/RTP/SAVPF") != 0)
		return sig_sdp_fail_m(p, m->index, -ENOTSUP,
				      "transport %s is not DTLS-SRTP; UDP/TLS/RTP/SAVPF is needed",
				      sig_sdp_show(proto ? proto : "", SIZE_MAX).s);
	for (guint i = 0; i < n; i++) {
		const char *f = gst_sdp_media_get_format(gm, i);
		uint64_t pt;

		if (!sig_sdp_decimal(f, strlen(f), PT_COUNT - 1, &pt))
			return sig_sdp_fail_m(p, m->index, -EBADMSG,
					      "format %s is not a payload type",
					      sig_sdp_show(f, SIZE_MAX).s);
		if (m->pts[pt].listed)
			return sig_sdp_fail_m(p, m->index, -EBADMSG,
					      "payload type %u is listed twice", (unsigned)pt);
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

	stream = sig_sdp_token(&value, &sn);
	track = sig_sdp_token(&value, &tn);
	rest = sig_sdp_token(&value, &(size_t){0});
	if (!stream || rest || sn > SIG_SDP_MSID_ID_MAX || tn > SIG_SDP_MSID_ID_MAX ||
	    !sig_sdp_printable(stream, sn) || (track && !sig_sdp_printable(track, tn)))
		return sig_sdp_fail_m(
		    p, m->index, -EBADMSG,
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
	if (n > SIG_SDP_MID_MAX || !sig_sdp_printable(mid, n))
		return sig_sdp_fail_m(p, index, -EBADMSG,
				      "a=mid must be 1 to %d printable characters",
				      SIG_SDP_MID_MAX);
	for (size_t i = 0; i < index; i++)
		if (strcmp(p->desc->mlines[i].mid, mid) == 0)
			return sig_sdp_fail_m(p, index, -EBADMSG, "mid %s is used twice", mid);
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
		return sig_sdp_fail_m(p, m->index, id, "a=rtpmap for payload type %u is malformed",
				      pt);
	return id;
}

static int fill_codec(struct parse *p, struct media *m, enum sig_sdp_codec_id id, unsigned pt,
		      struct sig_sdp_codec *c)
{
	const char *fmtp = m->pts[pt].fmtp ? m->pts[pt].fmtp : "";
	size_t n = strlen(fmtp);

	if (n > SIG_SDP_FMTP_MAX)
		return sig_sdp_fail_m(p, m->index, -E2BIG,
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
	for (size_t f = 0; id == SIG_SDP_CODEC_OPUS && f < m->n_formats; f++) {
		const struct pt_info *red = &m->pts[m->formats[f]];

		if (red->rtpmap && sig_sdp_is_red_for(red->rtpmap, red->fmtp, pt)) {
			c->red_pt = m->formats[f];
			break;
		}
	}
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
	return sig_sdp_fail_m(p, m->index, -ENOTSUP, "no codec Hearth can forward is offered (%s)",
			      ml->kind == SIG_SDP_AUDIO
				  ? "audio needs Opus"
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
			return sig_sdp_fail_m(p, m->index, -E2BIG,
					      "more than %d codecs are accepted",
					      SIG_SDP_MAX_CODECS);
		r = fill_codec(p, m, id, m->formats[f], &ml->codecs[ml->n_codecs++]);
		if (r < 0)
			return r;
	}
	if (ml->n_codecs == 0)
		return sig_sdp_fail_m(p, m->index, -ENOTSUP, "no codec Hearth offered is accepted");
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
			return sig_sdp_fail_m(p, m->index, -ENOTSUP,
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
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "there is no a=mid");
	if (ml->kind == SIG_SDP_APPLICATION)
		return sig_sdp_fail_m(p, m->index, -ENOTSUP, "Hearth never offers data channels");
	memcpy(ml->ext_id, m->ext_id, sizeof(ml->ext_id));
	r = copy_ssrcs(p, m);
	if (r == 0)
		r = check_extmap_ids(p, m);
	if (r == 0)
		r = sig_sdp_finish_simulcast(p, m);
	if (r == 0)
		r = p->answer ? collect_codecs(p, m) : choose_codec(p, m);
	return r;
}

int sig_sdp_begin_mline(struct parse *p, size_t i, const GstSDPMedia *gm)
{
	guint n = gst_sdp_media_attributes_len(gm);
	struct media *m = &p->media;
	int r;

	memset(m, 0, sizeof(*m));
	m->index = i;
	p->levels[i].direction = -1;
	if (n > SIG_SDP_MAX_ATTRIBUTES)
		return sig_sdp_fail_m(p, i, -E2BIG, "%u attributes; at most %d are accepted", n,
				      SIG_SDP_MAX_ATTRIBUTES);
	r = copy_mid(p, i, gst_sdp_media_get_attribute_val(gm, "mid"));
	if (r == 0)
		r = read_mline_head(p, m, gm);
	return r;
}

int sig_sdp_finish_mline(struct parse *p, const GstSDPMedia *gm)
{
	return finish_mline(p, &p->media, gm);
}
