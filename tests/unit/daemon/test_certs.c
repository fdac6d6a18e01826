/* Unit tests of daemon/certs: when a generated DTLS certificate is
 * renewed (time injected, so the 30 days need not pass), that a configured
 * one never is, and that SIGHUP's re-read swaps in a new configured pair,
 * keeps the running one on a bad pair, and leaves references to the old
 * identity usable. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "config/cfg.h"
#include "crypto/dtls.h"
#include "daemon/certs.h"

#define DAY (86400LL)

static char *tmp_dir;

static void make_pair(const char *name, char **ret_cert, char **ret_key)
{
	char *cert = g_strdup_printf("%s/%s.crt", tmp_dir, name);
	char *key = g_strdup_printf("%s/%s.key", tmp_dir, name);
	const char *argv[] = {"openssl",
			      "req",
			      "-x509",
			      "-newkey",
			      "ec",
			      "-pkeyopt",
			      "ec_paramgen_curve:prime256v1",
			      "-nodes",
			      "-days",
			      "2",
			      "-subj",
			      "/CN=hearth-test",
			      "-keyout",
			      key,
			      "-out",
			      cert,
			      NULL};
	gint status = -1;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
				   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				       G_SPAWN_STDERR_TO_DEV_NULL,
				   NULL, NULL, NULL, NULL, &status, NULL));
	g_assert_cmpint(status, ==, 0);
	*ret_cert = cert;
	*ret_key = key;
}

static void set(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

static void test_due(void)
{
	int64_t now = 1800000000;

	g_assert_false(sig_certs_dtls_renewal_due(now + 30 * DAY, now));
	g_assert_false(sig_certs_dtls_renewal_due(now + 8 * DAY, now));
	g_assert_false(sig_certs_dtls_renewal_due(now + SIG_CERTS_DTLS_RENEW_S, now));
	g_assert_true(sig_certs_dtls_renewal_due(now + SIG_CERTS_DTLS_RENEW_S - 1, now));
	g_assert_true(sig_certs_dtls_renewal_due(now + 6 * DAY, now));
	g_assert_true(sig_certs_dtls_renewal_due(now - DAY, now)); /* expired */
}

static void test_generated_renewed_before_expiry(void)
{
	struct sig_certs *certs = NULL;
	struct cfg cfg;
	int64_t now = (int64_t)time(NULL);

	cfg_init(&cfg);
	g_assert_cmpint(sig_certs_new(&cfg, now, &certs), ==, 0);
	struct crypto_dtls_identity *first = crypto_dtls_identity_ref(sig_certs_dtls(certs));
	int64_t end = crypto_dtls_identity_not_after(first);
	char *fp = g_strdup(crypto_dtls_identity_fingerprint(first));

	/* Valid ~29 days from now (made with notBefore one day back). */
	g_assert_cmpint(end, >, now + 28 * DAY);
	g_assert_cmpint(end, <=, now + 30 * DAY);

	/* The daily check over the certificate's life: nothing until fewer
	 * than seven days are left, then a new certificate. */
	int64_t day = 0;
	for (; day < 30; day++) {
		int r = sig_certs_renew(certs, now + day * DAY);
		g_assert_cmpint(r, >=, 0);
		if (r == SIG_CERTS_DTLS)
			break;
		g_assert_cmpstr(crypto_dtls_identity_fingerprint(sig_certs_dtls(certs)), ==, fp);
	}
	g_assert_cmpint(day, >=, 21);
	g_assert_cmpint(end - (now + day * DAY), <, SIG_CERTS_DTLS_RENEW_S);
	g_assert_cmpint(end - (now + day * DAY), >, 0); /* before it expired */
	g_assert_cmpstr(crypto_dtls_identity_fingerprint(sig_certs_dtls(certs)), !=, fp);
	/* Whoever held the old one (a transport being set up) still may. */
	g_assert_cmpstr(crypto_dtls_identity_fingerprint(first), ==, fp);

	crypto_dtls_identity_free(first);
	sig_certs_free(certs);
	cfg_clear(&cfg);
	g_free(fp);
}

static void test_configured_reload(void)
{
	char *cert_a, *key_a, *cert_b, *key_b;
	struct sig_certs *certs = NULL;
	struct cfg cfg, fresh;
	g_autoptr(GString) applied = g_string_new(NULL);

	make_pair("a", &cert_a, &key_a);
	make_pair("b", &cert_b, &key_b);
	/* After both exist: a certificate made a second later than `now`
	 * (openssl is slow on a loaded machine) is not valid yet at `now`. */
	int64_t now = (int64_t)time(NULL);
	cfg_init(&cfg);
	set(&cfg.media_dtls_certificate, cert_a);
	set(&cfg.media_dtls_private_key, key_a);
	g_assert_cmpint(sig_certs_new(&cfg, now, &certs), ==, 0);
	char *fp_a = g_strdup(crypto_dtls_identity_fingerprint(sig_certs_dtls(certs)));

	/* A configured certificate is the operator's to renew. */
	g_assert_cmpint(sig_certs_renew(certs, now + 365 * DAY), ==, 0);
	g_assert_cmpstr(crypto_dtls_identity_fingerprint(sig_certs_dtls(certs)), ==, fp_a);

	/* The same files again: nothing changes. */
	cfg_init(&fresh);
	set(&fresh.media_dtls_certificate, cert_a);
	set(&fresh.media_dtls_private_key, key_a);
	g_assert_cmpuint(sig_certs_reload(certs, &cfg, &fresh, now, applied), ==, 0);

	/* A mismatched pair is refused. */
	set(&fresh.media_dtls_private_key, key_b);
	g_assert_cmpuint(sig_certs_reload(certs, &cfg, &fresh, now, applied), ==, 0);
	g_assert_cmpstr(crypto_dtls_identity_fingerprint(sig_certs_dtls(certs)), ==, fp_a);
	g_assert_cmpstr(cfg.media_dtls_private_key, ==, key_a);

	/* Past its end (at the reload's time) is refused too. */
	set(&fresh.media_dtls_certificate, cert_b);
	g_assert_cmpuint(sig_certs_reload(certs, &cfg, &fresh, now + 3 * DAY, applied), ==, 0);

	/* B at new paths. */
	g_assert_cmpuint(sig_certs_reload(certs, &cfg, &fresh, now, applied), ==, SIG_CERTS_DTLS);
	g_assert_cmpstr(crypto_dtls_identity_fingerprint(sig_certs_dtls(certs)), !=, fp_a);
	g_assert_cmpstr(cfg.media_dtls_certificate, ==, cert_b);
	g_assert_nonnull(strstr(applied->str, "media.dtls_certificate"));

	/* Back to a generated certificate. */
	set(&fresh.media_dtls_certificate, "");
	set(&fresh.media_dtls_private_key, "");
	g_assert_cmpuint(sig_certs_reload(certs, &cfg, &fresh, now, applied), ==, SIG_CERTS_DTLS);
	g_assert_cmpint(sig_certs_renew(certs, now + 25 * DAY), ==, SIG_CERTS_DTLS);

	sig_certs_free(certs);
	cfg_clear(&fresh);
	cfg_clear(&cfg);
	g_free(fp_a);
	g_free(cert_a);
	g_free(key_a);
	g_free(cert_b);
	g_free(key_b);
}

int main(int argc, char **argv)
{
	int r;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("hearth-certs-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);
	g_test_add_func("/certs/renewal-due", test_due);
	g_test_add_func("/certs/generated-renewed-before-expiry",
			test_generated_renewed_before_expiry);
	g_test_add_func("/certs/configured-reload", test_configured_reload);
	r = g_test_run();
	for (const char *const *f = (const char *const[]){"a.crt", "a.key", "b.crt", "b.key", NULL};
	     *f; f++) {
		g_autofree char *path = g_build_filename(tmp_dir, *f, NULL);
		g_remove(path);
	}
	g_rmdir(tmp_dir);
	g_free(tmp_dir);
	return r;
}
