/* Simulcast in a publish offer: a=rid (RFC 8851) names each encoding a
 * client sends, a=simulcast (RFC 8853) lists them; the relay tells them
 * apart by the rid header extension (RFC 8852), since their SSRCs are not
 * signalled. Only what Hearth answers is kept: the first alternative of
 * each of the first SIG_SDP_MAX_RIDS encodings the client sends, in its
 * order (Hearth's client lists the lowest resolution first). */
#include <errno.h>
#include <string.h>

#include "sdp/parse_state.h"

/* RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_") */
static bool rid_id_valid(const char *s, size_t n)
{
	if (n == 0 || n > SIG_SDP_RID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* a=rid:<rid-id> SP <"send"/"recv"> [SP <restrictions>]: the restrictions
 * (pt=, max-width, …) are not used: the relay forwards what comes. */
int sig_sdp_on_rid(struct parse *p, struct media *m, struct level *lv, const struct attr_handler *h,
		   const char *value)
{
	size_t n, dn;
	const char *id = sig_sdp_token(&value, &n), *dir = sig_sdp_token(&value, &dn);

	(void)lv, (void)h;
	if (!id || !rid_id_valid(id, n) || !dir ||
	    !((dn == 4 && memcmp(dir, "send", 4) == 0) || (dn == 4 && memcmp(dir, "recv", 4) == 0)))
		return sig_sdp_fail_m(p, m->index, -EBADMSG,
				      "a=rid needs an id of 1 to %d letters, digits, '-' or '_' "
				      "and send or recv",
				      SIG_SDP_RID_MAX);
	for (size_t i = 0; i < m->n_rid_lines; i++)
		if (m->rid_lines[i].len == n && memcmp(m->rid_lines[i].id, id, n) == 0)
			return sig_sdp_fail_m(p, m->index, -EBADMSG, "a=rid:%s is given twice",
					      sig_sdp_show(id, n).s);
	if (m->n_rid_lines == RID_LINES)
		return sig_sdp_fail_m(p, m->index, -E2BIG, "more than %d a=rid lines", RID_LINES);
	m->rid_lines[m->n_rid_lines++] =
	    (struct rid_line){.id = id, .len = n, .send = memcmp(dir, "send", 4) == 0};
	return 0;
}

int sig_sdp_on_simulcast(struct parse *p, struct media *m, struct level *lv,
			 const struct attr_handler *h, const char *value)
{
	(void)lv, (void)h;
	if (m->simulcast)
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "a=simulcast is given twice");
	m->simulcast = value;
	return 0;
}

static const struct rid_line *find_rid(const struct media *m, const char *id, size_t n)
{
	for (size_t i = 0; i < m->n_rid_lines; i++)
		if (m->rid_lines[i].len == n && memcmp(m->rid_lines[i].id, id, n) == 0)
			return &m->rid_lines[i];
	return NULL;
}

/* One "send" list: alternatives separated by ';', each a ','-separated
 * choice of rid-ids, any of them "~"-prefixed (paused at first). */
static int read_send_list(struct parse *p, struct media *m, const char *list, size_t len)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	size_t i = 0;

	while (i < len) {
		size_t end = i, first;
		while (end < len && list[end] != ';')
			end++;
		first = i;
		while (first < end && list[first] != ',')
			first++;
		const char *id = list + i;
		size_t n = first - i;
		if (n && *id == '~')
			id++, n--;
		const struct rid_line *rl = rid_id_valid(id, n) ? find_rid(m, id, n) : NULL;
		if (!rl || !rl->send)
			return sig_sdp_fail_m(p, m->index, -EBADMSG,
					      "a=simulcast names %s, which has no a=rid send line",
					      sig_sdp_show(list + i, end - i).s);
		for (size_t k = 0; k < ml->n_rids; k++)
			if (strlen(ml->rids[k]) == n && memcmp(ml->rids[k], id, n) == 0)
				return sig_sdp_fail_m(p, m->index, -EBADMSG,
						      "a=simulcast names %s twice",
						      sig_sdp_show(id, n).s);
		if (ml->n_rids < SIG_SDP_MAX_RIDS) {
			memcpy(ml->rids[ml->n_rids], id, n);
			ml->rids[ml->n_rids][n] = '\0';
			ml->n_rids++;
		}
		i = end + 1;
	}
	return 0;
}

/* RFC 8853 §5.1: a=simulcast:<dir> <list> [SP <dir> <list>]. */
int sig_sdp_finish_simulcast(struct parse *p, struct media *m)
{
	struct sig_sdp_mline *ml = &p->desc->mlines[m->index];
	const char *value = m->simulcast;
	size_t n;
	int r;

	ml->n_rids = 0;
	if (!value || p->answer)
		return 0;
	for (const char *dir = sig_sdp_token(&value, &n); dir; dir = sig_sdp_token(&value, &n)) {
		bool send = n == 4 && memcmp(dir, "send", 4) == 0;
		if (!send && !(n == 4 && memcmp(dir, "recv", 4) == 0))
			return sig_sdp_fail_m(p, m->index, -EBADMSG,
					      "a=simulcast needs send or recv before each list");
		const char *list = sig_sdp_token(&value, &n);
		if (!list)
			return sig_sdp_fail_m(p, m->index, -EBADMSG,
					      "a=simulcast has a direction without a list");
		if (send && (r = read_send_list(p, m, list, n)) < 0)
			return r;
	}
	/* Encodings the relay could not tell apart are one encoding. */
	if (ml->kind != SIG_SDP_VIDEO || !ml->ext_id[SIG_SDP_EXT_RID] || ml->n_rids < 2)
		ml->n_rids = 0;
	return 0;
}
