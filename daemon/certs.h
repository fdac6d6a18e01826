/* The certificates hearthd serves with, replaced while it runs
 * (docs/operations.md, "Certificates"): the HTTPS certificate each new TLS
 * connection gets, and the DTLS certificate new media transports use.
 *
 * SIGHUP re-reads both pairs from their files (the paths may change too).
 * A pair that does not check out (unreadable, not PEM, key not matching,
 * not valid now) is refused with one log line naming the file and the
 * problem, and the running pair stays. Connections and transports already
 * made keep the certificate they were made with. A generated DTLS
 * certificate (none configured; valid 30 days) is replaced by a new one
 * when less than SIG_CERTS_DTLS_RENEW_S remain.
 *
 * Control thread only. */
#ifndef HEARTH_DAEMON_CERTS_H
#define HEARTH_DAEMON_CERTS_H

#include <glib.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

struct cfg;
struct crypto_dtls_identity;
struct sig_certs;

/* A generated DTLS certificate is renewed when less than this is left. */
#define SIG_CERTS_DTLS_RENEW_S (7 * 86400LL)

/* What sig_certs_reload() and sig_certs_renew() replaced. */
#define SIG_CERTS_TLS  (1u << 0)
#define SIG_CERTS_DTLS (1u << 1)

/* Reads (or, without media.dtls_certificate, makes) the DTLS identity and
 * reads the TLS pair when one is configured, checked at Unix time now.
 * Returns 0 or a negative errno after logging the problem. */
int sig_certs_new(const struct cfg *cfg, int64_t now, struct sig_certs **ret_certs);

/* The DTLS identity for new transports. Borrowed: valid until the next
 * reload or renewal (take a reference to keep it). */
struct crypto_dtls_identity *sig_certs_dtls(const struct sig_certs *certs);

/* The HTTPS server's SSL_CTX (borrowed, must outlive certs' use of it):
 * from now on each new handshake gets the current TLS pair. Returns 0, or
 * -EINVAL when no TLS pair is configured. */
int sig_certs_serve_tls(struct sig_certs *certs, SSL_CTX *ctx);

/* SIGHUP: re-reads the pairs fresh names, at Unix time now. What changed
 * is applied, copied into running's paths, and described in applied
 * (", "-separated); problems are logged. Returns SIG_CERTS_* bits. */
unsigned sig_certs_reload(struct sig_certs *certs, struct cfg *running, const struct cfg *fresh,
			  int64_t now, GString *applied);

/* Whether a generated certificate valid until not_after is due for
 * renewal at now. */
bool sig_certs_dtls_renewal_due(int64_t not_after, int64_t now);

/* Renews a generated DTLS certificate that is due at now (logged at info).
 * Returns SIG_CERTS_DTLS when it did, 0 when nothing was due (or the
 * certificate is configured), a negative errno on failure (logged; the
 * running certificate stays). */
int sig_certs_renew(struct sig_certs *certs, int64_t now);

/* Free after the SSL_CTX given to sig_certs_serve_tls(). Accepts NULL;
 * returns NULL. */
struct sig_certs *sig_certs_free(struct sig_certs *certs);

#endif
