/* Private to sdp/: the parse state shared by the three parts of the
 * parser, and sig_sdp_decimal() (sdp.c), which sdp.c uses too.
 * sdp_parse.c checks the text's shape, reads the session and dispatches
 * attributes to the handler tables; sdp_parse_transport.c holds the
 * attributes of a level (ICE, DTLS, direction, BUNDLE) and the one
 * transport they make; sdp_parse_media.c the m-lines (formats, codecs,
 * SSRCs, header extensions). Values are borrowed from the GstSDPMessage
 * until they are copied into the result. */
#ifndef HEARTH_SDP_PARSE_STATE_H
#define HEARTH_SDP_PARSE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

#include "sdp/sdp.h"

#define PT_COUNT  128 /* RTP payload types 0..127 */
#define EXT_IDS	  256 /* a=extmap ids 1..255 (RFC 8285 §5) */
#define RID_LINES 8   /* a=rid lines of one m-line */

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
	/* a=rid (RFC 8851) and a=simulcast (RFC 8853): read when the m-line
	 * ends (sdp_parse_simulcast.c). */
	struct rid_line {
		const char *id;
		size_t len;
		bool send;
	} rid_lines[RID_LINES];
	size_t n_rid_lines;
	const char *simulcast;
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

/* The attributes of a level (sdp_parse_transport.c) and of an m-line's
 * media (sdp_parse_media.c); a key is in one table only. */
extern const struct attr_handler sig_sdp_level_attrs[];
extern const size_t sig_sdp_n_level_attrs;
extern const struct attr_handler sig_sdp_media_attrs[];
extern const size_t sig_sdp_n_media_attrs;

/* sdp.c: a decimal number of n characters, at most max; no sign, no
 * spaces, at most 20 digits (core/parse.h's parse_uint64_n()). */
bool sig_sdp_decimal(const char *s, size_t n, uint64_t max, uint64_t *ret);

/* parse_common.c: problems, tokens, printable text. */
struct shown sig_sdp_show(const char *s, size_t n);
/* Sets *ret_problem (if not NULL) to the formatted sentence; returns err. */
G_GNUC_PRINTF(3, 4)
int sig_sdp_fail(char **ret_problem, int err, const char *fmt, ...);
/* The same, prefixed with which m-line it is about. */
G_GNUC_PRINTF(4, 5)
int sig_sdp_fail_m(struct parse *p, size_t i, int err, const char *fmt, ...);
/* The next space-separated token of *s (length in *ret_len), or NULL. */
const char *sig_sdp_token(const char **s, size_t *ret_len);
/* Printable ASCII without spaces: mids, msid parts, CNAMEs. */
bool sig_sdp_printable(const char *s, size_t n);
/* sdp_parse_media.c: m-line i's head (before its attributes, which
 * sdp_parse.c reads through both attribute tables), then what they said. */
int sig_sdp_begin_mline(struct parse *p, size_t i, const GstSDPMedia *gm);
int sig_sdp_finish_mline(struct parse *p, const GstSDPMedia *gm);
/* sdp_parse_simulcast.c: a=rid and a=simulcast (in the media table), and
 * the encodings they make, once the m-line's extensions are known. */
int sig_sdp_on_rid(struct parse *p, struct media *m, struct level *lv, const struct attr_handler *h,
		   const char *value);
int sig_sdp_on_simulcast(struct parse *p, struct media *m, struct level *lv,
			 const struct attr_handler *h, const char *value);
int sig_sdp_finish_simulcast(struct parse *p, struct media *m);

/* sdp_parse_transport.c: the BUNDLE group, its one transport, the totals. */
int sig_sdp_read_bundle(struct parse *p);
int sig_sdp_read_transport(struct parse *p);
void sig_sdp_read_totals(struct parse *p);

#endif
