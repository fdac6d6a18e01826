/* The HTTPS server's certificate, replaceable while the server runs.
 *
 * A pair is a PEM certificate (with any chain certificates after it) and its
 * PEM private key, checked together before use: readable, PEM, the key
 * matches, valid now. A slot is attached to the server's SSL_CTX and hands
 * its current pair to each new handshake; replacing the pair changes what
 * new connections get, while established ones keep the certificate they
 * were made with (OpenSSL holds its own references).
 *
 * Everything here runs on one thread (the one that runs the handshakes).
 * Nothing here logs: the caller logs the problem text, which names the file
 * and what is wrong with it, never key material. */
#ifndef HEARTH_CRYPTO_TLS_H
#define HEARTH_CRYPTO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* Enough for either path and what is wrong with it. */
#define CRYPTO_TLS_PROBLEM_MAX 4096

struct crypto_tls_pair;

/* Reads and checks a pair at Unix time now. Returns 0, or -ENOENT/-EACCES/…
 * when a file cannot be read, -EINVAL when a file does not hold a PEM
 * certificate or key, the key does not match the certificate, or the
 * certificate is not valid at now (-ENOMEM, -EIO); then problem (cap bytes)
 * says which file and what is wrong. */
int crypto_tls_pair_load(const char *cert_path, const char *key_path, int64_t now,
			 struct crypto_tls_pair **ret_pair, char *problem, size_t cap);

/* "AB:CD:…" SHA-256 of the DER certificate, for logs (public data). Borrowed,
 * valid as long as pair. */
const char *crypto_tls_pair_fingerprint(const struct crypto_tls_pair *pair);

/* Unix time the certificate stops being valid. */
int64_t crypto_tls_pair_not_after(const struct crypto_tls_pair *pair);

/* Accepts NULL; returns NULL. */
struct crypto_tls_pair *crypto_tls_pair_free(struct crypto_tls_pair *pair);

struct crypto_tls_slot;

/* Makes a slot serving pair (taken) on ctx (borrowed; must outlive the
 * slot): installs ctx's certificate callback. Returns 0
 * or -ENOMEM; pair is freed on failure. */
int crypto_tls_slot_new(SSL_CTX *ctx, struct crypto_tls_pair *pair,
			struct crypto_tls_slot **ret_slot);

/* New handshakes get pair (taken); the previous pair is released. */
void crypto_tls_slot_set(struct crypto_tls_slot *slot, struct crypto_tls_pair *pair);

const struct crypto_tls_pair *crypto_tls_slot_pair(const struct crypto_tls_slot *slot);

/* Free it after its SSL_CTX (the callback keeps a pointer to it). Accepts
 * NULL; returns NULL. */
struct crypto_tls_slot *crypto_tls_slot_free(struct crypto_tls_slot *slot);

#endif
