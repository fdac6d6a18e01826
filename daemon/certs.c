#include "daemon/certs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/cfg.h"
#include "core/log.h"
#include "crypto/dtls.h"
#include "crypto/tls.h"

struct sig_certs {
	struct crypto_tls_pair *tls_pending; /* read at start, until a ctx takes it */
	struct crypto_tls_slot *tls;	     /* serving; NULL without TLS */
	struct crypto_dtls_identity *dtls;   /* a reference */
	bool dtls_generated;		     /* no media.dtls_certificate */
};

static void sig_certs_date(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		g_strlcpy(out, "?", 32);
}

/* A configured DTLS pair, checked like the TLS one first so that a refusal
 * says what is wrong. */
static int sig_certs_load_dtls(const char *cert, const char *key, int64_t now,
			       struct crypto_dtls_identity **ret, char *problem, size_t cap)
{
	struct crypto_tls_pair *check = NULL;
	int r = crypto_tls_pair_load(cert, key, now, &check, problem, cap);

	crypto_tls_pair_free(check);
	if (r < 0)
		return r;
	r = crypto_dtls_identity_load(cert, key, ret);
	if (r < 0)
		g_snprintf(problem, cap, "certificate %s: not usable for DTLS: %s", cert,
			   strerror(-r));
	return r;
}

int sig_certs_new(const struct cfg *cfg, int64_t now, struct sig_certs **ret_certs)
{
	char problem[CRYPTO_TLS_PROBLEM_MAX];
	struct sig_certs *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->dtls_generated = !*cfg->media_dtls_certificate;
	if (c->dtls_generated) {
		r = crypto_dtls_identity_generate(&c->dtls);
		if (r < 0)
			log_error("cannot make a DTLS certificate: %s", strerror(-r));
	} else {
		r = sig_certs_load_dtls(cfg->media_dtls_certificate, cfg->media_dtls_private_key,
					now, &c->dtls, problem, sizeof(problem));
		if (r < 0)
			log_error("media.dtls_certificate: %s", problem);
	}
	if (r == 0 && *cfg->tls_certificate) {
		r = crypto_tls_pair_load(cfg->tls_certificate, cfg->tls_private_key, now,
					 &c->tls_pending, problem, sizeof(problem));
		if (r < 0)
			log_error("server.tls_certificate: %s", problem);
	}
	if (r < 0) {
		sig_certs_free(c);
		return r;
	}
	*ret_certs = c;
	return 0;
}

struct crypto_dtls_identity *sig_certs_dtls(const struct sig_certs *certs)
{
	return certs->dtls;
}

int sig_certs_serve_tls(struct sig_certs *certs, SSL_CTX *ctx)
{
	int r;

	if (!certs->tls_pending || !ctx)
		return -EINVAL;
	r = crypto_tls_slot_new(ctx, certs->tls_pending, &certs->tls);
	certs->tls_pending = NULL; /* taken either way */
	return r;
}

static void sig_certs_set_path(char **field, const char *value)
{
	if (strcmp(*field, value) == 0)
		return;
	g_free(*field);
	*field = g_strdup(value);
}

static unsigned sig_certs_reload_tls(struct sig_certs *c, struct cfg *running,
				     const struct cfg *fresh, int64_t now, GString *applied)
{
	char problem[CRYPTO_TLS_PROBLEM_MAX], until[32];
	struct crypto_tls_pair *pair = NULL;

	if (!*running->tls_certificate != !*fresh->tls_certificate ||
	    (!c->tls && *fresh->tls_certificate)) {
		log_warn("reload: turning HTTPS on or off takes effect at the next restart");
		return 0;
	}
	if (!*fresh->tls_certificate)
		return 0;
	if (crypto_tls_pair_load(fresh->tls_certificate, fresh->tls_private_key, now, &pair,
				 problem, sizeof(problem)) < 0) {
		log_error("reload: server.tls_certificate: %s; new connections keep getting the "
			  "running certificate",
			  problem);
		return 0;
	}
	sig_certs_set_path(&running->tls_certificate, fresh->tls_certificate);
	sig_certs_set_path(&running->tls_private_key, fresh->tls_private_key);
	if (strcmp(crypto_tls_pair_fingerprint(pair),
		   crypto_tls_pair_fingerprint(crypto_tls_slot_pair(c->tls))) == 0) {
		crypto_tls_pair_free(pair);
		return 0; /* the same certificate */
	}
	sig_certs_date(crypto_tls_pair_not_after(pair), until);
	g_string_append_printf(applied, "%sserver.tls_certificate (sha-256 %s, valid until %s)",
			       applied->len ? ", " : "", crypto_tls_pair_fingerprint(pair), until);
	crypto_tls_slot_set(c->tls, pair);
	return SIG_CERTS_TLS;
}

static void sig_certs_set_dtls(struct sig_certs *c, struct crypto_dtls_identity *id, bool generated)
{
	crypto_dtls_identity_free(c->dtls);
	c->dtls = id;
	c->dtls_generated = generated;
}

static unsigned sig_certs_reload_dtls(struct sig_certs *c, struct cfg *running,
				      const struct cfg *fresh, int64_t now, GString *applied)
{
	char problem[CRYPTO_TLS_PROBLEM_MAX];
	struct crypto_dtls_identity *id = NULL;
	bool generate = !*fresh->media_dtls_certificate;
	int r;

	if (generate && c->dtls_generated)
		return 0; /* renewed by its own schedule */
	if (generate) {
		r = crypto_dtls_identity_generate(&id);
		if (r < 0) {
			log_error("reload: cannot make a DTLS certificate: %s", strerror(-r));
			return 0;
		}
	} else if (sig_certs_load_dtls(fresh->media_dtls_certificate, fresh->media_dtls_private_key,
				       now, &id, problem, sizeof(problem)) < 0) {
		log_error("reload: media.dtls_certificate: %s; new media connections keep the "
			  "running certificate",
			  problem);
		return 0;
	}
	sig_certs_set_path(&running->media_dtls_certificate, fresh->media_dtls_certificate);
	sig_certs_set_path(&running->media_dtls_private_key, fresh->media_dtls_private_key);
	if (strcmp(crypto_dtls_identity_fingerprint(id),
		   crypto_dtls_identity_fingerprint(c->dtls)) == 0) {
		crypto_dtls_identity_free(id);
		return 0;
	}
	g_string_append_printf(applied, "%smedia.dtls_certificate (%s%s)", applied->len ? ", " : "",
			       generate ? "generated, " : "", crypto_dtls_identity_fingerprint(id));
	sig_certs_set_dtls(c, id, generate);
	return SIG_CERTS_DTLS;
}

unsigned sig_certs_reload(struct sig_certs *certs, struct cfg *running, const struct cfg *fresh,
			  int64_t now, GString *applied)
{
	return sig_certs_reload_tls(certs, running, fresh, now, applied) |
	       sig_certs_reload_dtls(certs, running, fresh, now, applied);
}

bool sig_certs_dtls_renewal_due(int64_t not_after, int64_t now)
{
	return not_after - now < SIG_CERTS_DTLS_RENEW_S;
}

int sig_certs_renew(struct sig_certs *certs, int64_t now)
{
	struct crypto_dtls_identity *id = NULL;
	char until[32];
	int r;

	if (!certs->dtls_generated ||
	    !sig_certs_dtls_renewal_due(crypto_dtls_identity_not_after(certs->dtls), now))
		return 0;
	r = crypto_dtls_identity_generate(&id);
	if (r < 0) {
		log_error("cannot renew the DTLS certificate: %s; keeping the running one",
			  strerror(-r));
		return r;
	}
	sig_certs_date(crypto_dtls_identity_not_after(certs->dtls), until);
	log_info("renewed the generated DTLS certificate (the old one ends %s): new media "
		 "connections use %s",
		 until, crypto_dtls_identity_fingerprint(id));
	sig_certs_set_dtls(certs, id, true);
	return SIG_CERTS_DTLS;
}

struct sig_certs *sig_certs_free(struct sig_certs *certs)
{
	if (!certs)
		return NULL;
	crypto_tls_pair_free(certs->tls_pending);
	crypto_tls_slot_free(certs->tls);
	crypto_dtls_identity_free(certs->dtls);
	free(certs);
	return NULL;
}
