/* What every part of the SDP parser uses: problems as sentences, tokens,
 * printable text. Below sdp_parse.c, sdp_parse_media.c and
 * sdp_parse_transport.c (see parse_state.h). */
#include "sdp/parse_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

struct shown sig_sdp_show(const char *s, size_t n)
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

int sig_sdp_fail(char **ret_problem, int err, const char *fmt, ...)
{
	va_list ap;

	if (ret_problem) {
		va_start(ap, fmt);
		*ret_problem = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	return err;
}

int sig_sdp_fail_m(struct parse *p, size_t i, int err, const char *fmt, ...)
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

const char *sig_sdp_token(const char **s, size_t *ret_len)
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

bool sig_sdp_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return n > 0;
}

/* The shape of the text, before GStreamer reads it (see the top). */
