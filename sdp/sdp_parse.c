/* Parsing and validation of offers and answers (see sdp.h).
 *
 * GStreamer's SDP parser is lenient: it accepts any text, skips lines it
 * does not understand, reads numbers without range checks and warns about
 * a version other than 0. So the raw text is checked for shape first (size,
 * UTF-8, one "x=value" per line, no control characters, v=0 first), then
 * GstSDPMessage splits it, and every value used is validated here. Values
 * stay borrowed from the message until they are copied, length-checked,
 * into the result.
 *
 * This file checks the text and reads the session level; the attributes of
 * a level and the transport are in sdp_parse_transport.c, the m-lines in
 * sdp_parse_media.c (see parse_state.h). */
#include "sdp/parse_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

static int check_line(const char *l, size_t n, unsigned number, char **ret_problem)
{
	if (number == 1 && (n != 3 || memcmp(l, "v=0", 3) != 0))
		return sig_sdp_fail(ret_problem, -EBADMSG,
				    "this is not SDP: it does not start with v=0");
	if (n > SIG_SDP_MAX_LINE)
		return sig_sdp_fail(ret_problem, -E2BIG, "SDP line %u is longer than %d bytes",
				    number, SIG_SDP_MAX_LINE);
	if (n < 2 || !g_ascii_islower(l[0]) || l[1] != '=')
		return sig_sdp_fail(ret_problem, -EBADMSG,
				    "SDP line %u is not of the form <type>=<value>", number);
	for (size_t i = 2; i < n; i++)
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
			return sig_sdp_fail(ret_problem, -EBADMSG,
					    "SDP line %u contains a control character", number);
	if (number > 1 && l[0] == 'v')
		return sig_sdp_fail(ret_problem, -EBADMSG, "SDP line %u is a second v= line",
				    number);
	return 0;
}

static int check_text(const char *text, size_t len, char **ret_problem)
{
	unsigned number = 0;
	size_t at = 0;
	int r;

	if (len == 0)
		return sig_sdp_fail(ret_problem, -EBADMSG, "the SDP is empty");
	if (len > SIG_SDP_MAX_TEXT)
		return sig_sdp_fail(ret_problem, -EMSGSIZE,
				    "the SDP is %zu bytes; at most %d are accepted", len,
				    SIG_SDP_MAX_TEXT);
	if (memchr(text, '\0', len))
		return sig_sdp_fail(ret_problem, -EBADMSG, "the SDP contains a NUL byte");
	if (!g_utf8_validate_len(text, len, NULL))
		return sig_sdp_fail(ret_problem, -EBADMSG, "the SDP is not UTF-8 text");
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

static const struct attr_handler *find_handler(const struct attr_handler *table, size_t n,
					       const char *key, unsigned where)
{
	for (size_t i = 0; i < n; i++)
		if ((table[i].where & where) && strcmp(key, table[i].key) == 0)
			return &table[i];
	return NULL;
}

static int sig_sdp_read_attribute(struct parse *p, struct media *m, struct level *lv,
				  const GstSDPAttribute *a)
{
	unsigned where = m ? AT_MEDIA : AT_SESSION;
	const char *value = a->value ? a->value : "";

	const struct attr_handler *h =
	    find_handler(sig_sdp_level_attrs, sig_sdp_n_level_attrs, a->key, where);

	if (!h)
		h = find_handler(sig_sdp_media_attrs, sig_sdp_n_media_attrs, a->key, where);
	return h ? h->fn(p, m, lv, h, value) : 0;
}

static int read_session(struct parse *p)
{
	const GstSDPOrigin *origin = gst_sdp_message_get_origin(p->msg);
	guint n = gst_sdp_message_attributes_len(p->msg);
	int r;

	if (!origin->sess_id || !origin->sess_version)
		return sig_sdp_fail(p->ret_problem, -EBADMSG, "the SDP has no o= line");
	if (n > SIG_SDP_MAX_ATTRIBUTES)
		return sig_sdp_fail(
		    p->ret_problem, -E2BIG,
		    "the SDP has %u session-level attributes; at most %d are accepted", n,
		    SIG_SDP_MAX_ATTRIBUTES);
	p->session.direction = -1;
	for (guint i = 0; i < n; i++) {
		r = sig_sdp_read_attribute(p, NULL, &p->session,
					   gst_sdp_message_get_attribute(p->msg, i));
		if (r < 0)
			return r;
	}
	n = gst_sdp_message_medias_len(p->msg);
	if (n == 0)
		return sig_sdp_fail(p->ret_problem, -EBADMSG, "the SDP has no m-line");
	if (n > SIG_SDP_MAX_MLINES)
		return sig_sdp_fail(p->ret_problem, -E2BIG,
				    "the SDP has %u m-lines; at most %d are accepted", n,
				    SIG_SDP_MAX_MLINES);
	p->desc->n_mlines = n;
	return 0;
}

/* Publish: the client sends on every m-line it keeps. */
static int check_publish(struct parse *p)
{
	for (size_t i = 0; i < p->desc->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &p->desc->mlines[i];

		if (!ml->rejected && ml->direction == SIG_SDP_RECVONLY)
			return sig_sdp_fail_m(
			    p, i, -ENOTSUP,
			    "recvonly; a publish offer sends (sendonly or sendrecv)");
	}
	return 0;
}

/* Subscribe: the client receives what we offered, in our order. */
static int check_subscribe(struct parse *p, size_t expected)
{
	if (p->desc->n_mlines != expected)
		return sig_sdp_fail(p->ret_problem, -EBADMSG,
				    "the answer has %zu m-lines; the offer had %zu",
				    p->desc->n_mlines, expected);
	for (size_t i = 0; i < p->desc->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &p->desc->mlines[i];

		if (!ml->rejected && ml->direction != SIG_SDP_RECVONLY &&
		    ml->direction != SIG_SDP_INACTIVE)
			return sig_sdp_fail_m(
			    p, i, -ENOTSUP,
			    "answered %s; a subscribe connection only sends to the client "
			    "(recvonly or inactive)",
			    sig_sdp_direction_name(ml->direction));
	}
	return 0;
}

/* m-line i: its head and its attributes (sdp_parse_media.c), each
 * attribute through the tables of both files. */
static int read_mline(struct parse *p, size_t i)
{
	const GstSDPMedia *gm = gst_sdp_message_get_media(p->msg, (guint)i);
	int r = sig_sdp_begin_mline(p, i, gm);

	for (guint a = 0; r == 0 && a < gst_sdp_media_attributes_len(gm); a++)
		r = sig_sdp_read_attribute(p, &p->media, &p->levels[i],
					   gst_sdp_media_get_attribute(gm, a));
	if (r == 0)
		r = sig_sdp_finish_mline(p, gm);
	return r;
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
		return sig_sdp_fail(p->ret_problem, -ENOTSUP,
				    "no m-line carries audio or video that Hearth can use");
	r = sig_sdp_read_bundle(p);
	if (r == 0)
		r = sig_sdp_read_transport(p);
	if (r == 0)
		sig_sdp_read_totals(p);
	return r;
}

static int parse_text(const char *text, size_t len, bool answer, size_t expected,
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
		r = sig_sdp_fail(ret_problem, -EBADMSG, "the SDP cannot be read");
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
	return parse_text(text, len, false, 0, ret, ret_problem);
}

int sig_sdp_parse_answer(const char *text, size_t len, size_t expected_mlines,
			 struct sig_sdp_desc *ret, char **ret_problem)
{
	g_assert(text || len == 0);
	g_assert(ret);
	return parse_text(text, len, true, expected_mlines, ret, ret_problem);
}
