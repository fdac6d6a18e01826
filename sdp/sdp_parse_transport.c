/* The attributes of one level, the session or an m-line (ICE credentials
 * and options, the DTLS fingerprint and role, direction, BUNDLE), and the
 * one transport of the BUNDLE group they make (see sdp_parse.c). */
#include "sdp/parse_state.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

static int twice(struct parse *p, struct media *m, const char *key)
{
	if (m)
		return sig_sdp_fail_m(p, m->index, -EBADMSG, "a=%s appears twice", key);
	return sig_sdp_fail(p->ret_problem, -EBADMSG, "session-level a=%s appears twice", key);
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
		return m ? sig_sdp_fail_m(p, m->index, -EBADMSG, "two direction attributes")
			 : sig_sdp_fail(p->ret_problem, -EBADMSG,
					"two session-level direction attributes");
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
	while ((t = sig_sdp_token(&value, &n)))
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
		return sig_sdp_fail(
		    p->ret_problem, -ENOTSUP,
		    "the SDP has two BUNDLE groups; Hearth serves one transport per "
		    "connection");
	p->bundle = value + 6;
	return 0;
}

#define BOTH	     (AT_SESSION | AT_MEDIA)
#define LEVEL(field) offsetof(struct level, field)

const struct attr_handler sig_sdp_level_attrs[] = {
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
};
const size_t sig_sdp_n_level_attrs = G_N_ELEMENTS(sig_sdp_level_attrs);

static int find_mid(const struct sig_sdp_desc *d, const char *mid, size_t n)
{
	for (size_t i = 0; i < d->n_mlines; i++)
		if (strlen(d->mlines[i].mid) == n && memcmp(d->mlines[i].mid, mid, n) == 0)
			return (int)i;
	return -1;
}

/* RFC 8843: every m-line we use is in the one BUNDLE group, whose first
 * m-line (the tag) carries the transport. */
int sig_sdp_read_bundle(struct parse *p)
{
	struct sig_sdp_desc *d = p->desc;
	const char *list = p->bundle, *mid;
	bool seen[SIG_SDP_MAX_MLINES] = {false}, first = true;
	size_t n;

	if (!list)
		return sig_sdp_fail(
		    p->ret_problem, -ENOTSUP,
		    "there is no BUNDLE group (a=group:BUNDLE); Hearth carries all media "
		    "of a connection on one transport");
	while ((mid = sig_sdp_token(&list, &n))) {
		int i = find_mid(d, mid, n);

		if (i < 0 || seen[i])
			return sig_sdp_fail(
			    p->ret_problem, -EBADMSG, "the BUNDLE group names mid %s, which %s",
			    sig_sdp_show(mid, n).s, i < 0 ? "no m-line has" : "it already named");
		seen[i] = true;
		if (first && d->mlines[i].rejected)
			return sig_sdp_fail_m(
			    p, (size_t)i, -ENOTSUP,
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
			return sig_sdp_fail_m(
			    p, i, -ENOTSUP,
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
		return sig_sdp_fail(p->ret_problem, -EBADMSG,
				    "there are no ICE credentials (a=ice-ufrag and a=ice-pwd)");
	if (!sig_sdp_ice_ufrag_valid(ufrag))
		return sig_sdp_fail(
		    p->ret_problem, -EBADMSG,
		    "a=ice-ufrag must be %d to %d letters, digits, '+' or '/' (RFC 8839)",
		    SIG_SDP_UFRAG_MIN, SIG_SDP_UFRAG_MAX);
	if (!sig_sdp_ice_pwd_valid(pwd))
		return sig_sdp_fail(
		    p->ret_problem, -EBADMSG,
		    "a=ice-pwd must be %d to %d letters, digits, '+' or '/' (RFC 8839)",
		    SIG_SDP_PWD_MIN, SIG_SDP_PWD_MAX);
	memcpy(d->ice_ufrag, ufrag, strlen(ufrag) + 1);
	memcpy(d->ice_pwd, pwd, strlen(pwd) + 1);
	if (p->session.ice_lite)
		return sig_sdp_fail(
		    p->ret_problem, -ENOTSUP,
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
		return sig_sdp_fail(p->ret_problem, -ENOTSUP,
				    "the DTLS fingerprint uses %s; Hearth requires sha-256",
				    sig_sdp_show(other, strcspn(other, " ")).s);
	if (!fp)
		return sig_sdp_fail(p->ret_problem, -EBADMSG,
				    "there is no DTLS fingerprint (a=fingerprint)");
	if (sig_sdp_fingerprint_normalize(fp, d->fingerprint) < 0)
		return sig_sdp_fail(p->ret_problem, -EBADMSG,
				    "a=fingerprint is not 32 hex pairs joined by ':' (RFC 8122)");
	if (!setup)
		return sig_sdp_fail(p->ret_problem, -EBADMSG, "there is no a=setup (RFC 5763 §5)");
	if (strcmp(setup, "actpass") == 0 && !p->answer)
		d->setup = SIG_SDP_SETUP_ACTPASS;
	else if (strcmp(setup, "active") == 0)
		d->setup = SIG_SDP_SETUP_ACTIVE;
	else if (strcmp(setup, "passive") == 0)
		d->setup = SIG_SDP_SETUP_PASSIVE;
	else
		return sig_sdp_fail(p->ret_problem, -ENOTSUP, "a=setup:%s is not served; %s",
				    sig_sdp_show(setup, SIZE_MAX).s,
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
int sig_sdp_read_transport(struct parse *p)
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
			return sig_sdp_fail_m(
			    p, i, -ENOTSUP,
			    "its ICE or DTLS attributes differ from the first m-line of "
			    "the BUNDLE group; Hearth serves one transport");
		if (!lv->rtcp_mux)
			return sig_sdp_fail_m(
			    p, i, -ENOTSUP,
			    "there is no a=rtcp-mux; Hearth carries RTP and RTCP on one "
			    "port (RFC 5761)");
	}
	return 0;
}

/* What a whole description says beyond its m-lines. */
void sig_sdp_read_totals(struct parse *p)
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
