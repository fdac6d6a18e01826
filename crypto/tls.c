#include "crypto/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A certificate file with a long chain is a few tens of KiB. */
#define TLS_FILE_MAX (1024 * 1024)

struct crypto_tls_pair {
	X509 *cert;
	STACK_OF(X509) * chain; /* may be empty */
	EVP_PKEY *key;
	int64_t not_after;
	char fingerprint[32 * 3];
};

struct crypto_tls_slot {
	struct crypto_tls_pair *pair;
};

static void problem_set(char *problem, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem_set(char *problem, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!cap)
		return;
	va_start(ap, fmt);
	vsnprintf(problem, cap, fmt, ap);
	va_end(ap);
}

/* The whole file, up to TLS_FILE_MAX bytes, into *ret_buf (caller frees;
 * a key's text is wiped first). */
static int tls_read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			char *bigger;
			if (cap >= TLS_FILE_MAX) {
				r = -EFBIG;
				goto out;
			}
			bigger = malloc(cap * 2);
			if (!bigger) {
				r = -ENOMEM;
				goto out;
			}
			memcpy(bigger, buf, len);
			OPENSSL_cleanse(buf, len);
			free(buf);
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
out:
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	close(fd);
	return r;
}

/* Encrypted keys are refused rather than prompted for. */
static int tls_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int tls_read_cert(struct crypto_tls_pair *p, const char *path, char *problem, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	BIO *bio;
	X509 *extra;
	int r = tls_read_file(path, &text, &len);

	if (r < 0) {
		problem_set(problem, cap, "certificate %s: cannot read it: %s", path, strerror(-r));
		return r;
	}
	bio = BIO_new_mem_buf(text, (int)len);
	r = bio ? 0 : -ENOMEM;
	if (r == 0) {
		p->cert = PEM_read_bio_X509(bio, NULL, tls_no_password, NULL);
		if (!p->cert) {
			problem_set(problem, cap, "certificate %s: holds no PEM certificate", path);
			r = -EINVAL;
		}
	}
	while (r == 0 && (extra = PEM_read_bio_X509(bio, NULL, tls_no_password, NULL))) {
		if (!sk_X509_push(p->chain, extra)) {
			X509_free(extra);
			r = -ENOMEM;
		}
	}
	BIO_free(bio);
	free(text);
	ERR_clear_error();
	return r;
}

static int tls_read_key(struct crypto_tls_pair *p, const char *path, char *problem, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	BIO *bio;
	int r = tls_read_file(path, &text, &len);

	if (r < 0) {
		problem_set(problem, cap, "private key %s: cannot read it: %s", path, strerror(-r));
		return r;
	}
	bio = BIO_new_mem_buf(text, (int)len);
	r = bio ? 0 : -ENOMEM;
	if (r == 0) {
		p->key = PEM_read_bio_PrivateKey(bio, NULL, tls_no_password, NULL);
		if (!p->key) {
			problem_set(problem, cap,
				    "private key %s: holds no unencrypted PEM private key", path);
			r = -EINVAL;
		}
	}
	BIO_free(bio);
	OPENSSL_cleanse(text, len);
	free(text);
	ERR_clear_error();
	return r;
}

static int64_t tls_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

static int tls_check(struct crypto_tls_pair *p, const char *cert_path, const char *key_path,
		     int64_t now, char *problem, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int64_t not_before = tls_asn1_time(X509_get0_notBefore(p->cert));

	if (X509_check_private_key(p->cert, p->key) != 1) {
		problem_set(problem, cap, "private key %s does not match certificate %s", key_path,
			    cert_path);
		ERR_clear_error();
		return -EINVAL;
	}
	p->not_after = tls_asn1_time(X509_get0_notAfter(p->cert));
	if (p->not_after == 0 || not_before == 0) {
		problem_set(problem, cap, "certificate %s: unreadable validity dates", cert_path);
		return -EINVAL;
	}
	if (now >= p->not_after) {
		problem_set(problem, cap, "certificate %s: expired %lld seconds ago", cert_path,
			    (long long)(now - p->not_after));
		return -EINVAL;
	}
	if (now < not_before) {
		problem_set(problem, cap, "certificate %s: not valid for another %lld seconds",
			    cert_path, (long long)(not_before - now));
		return -EINVAL;
	}
	if (X509_digest(p->cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		snprintf(p->fingerprint + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
	return 0;
}

int crypto_tls_pair_load(const char *cert_path, const char *key_path, int64_t now,
			 struct crypto_tls_pair **ret_pair, char *problem, size_t cap)
{
	struct crypto_tls_pair *p = calloc(1, sizeof(*p));
	int r;

	problem_set(problem, cap, "out of memory");
	if (!p)
		return -ENOMEM;
	p->chain = sk_X509_new_null();
	if (!p->chain) {
		r = -ENOMEM;
		goto fail;
	}
	r = tls_read_cert(p, cert_path, problem, cap);
	if (r < 0)
		goto fail;
	r = tls_read_key(p, key_path, problem, cap);
	if (r < 0)
		goto fail;
	r = tls_check(p, cert_path, key_path, now, problem, cap);
	if (r < 0)
		goto fail;
	*ret_pair = p;
	return 0;
fail:
	crypto_tls_pair_free(p);
	return r;
}

const char *crypto_tls_pair_fingerprint(const struct crypto_tls_pair *pair)
{
	return pair->fingerprint;
}

int64_t crypto_tls_pair_not_after(const struct crypto_tls_pair *pair)
{
	return pair->not_after;
}

struct crypto_tls_pair *crypto_tls_pair_free(struct crypto_tls_pair *pair)
{
	if (!pair)
		return NULL;
	X509_free(pair->cert);
	sk_X509_pop_free(pair->chain, X509_free);
	EVP_PKEY_free(pair->key); /* OpenSSL wipes the key's memory */
	free(pair);
	return NULL;
}

/* Runs in each new handshake, before the server's certificate is chosen:
 * the handshake's own copy of the certificates becomes the current pair
 * (all previous slots cleared, so a pair of another key type does not
 * leave the old certificate selectable). */
static int tls_slot_cert_cb(SSL *ssl, void *arg)
{
	const struct crypto_tls_slot *slot = arg;
	const struct crypto_tls_pair *p = slot->pair;

	SSL_certs_clear(ssl);
	if (SSL_use_cert_and_key(ssl, p->cert, p->key, p->chain, 1) != 1) {
		ERR_clear_error();
		return 0; /* ends this handshake */
	}
	return 1;
}

int crypto_tls_slot_new(SSL_CTX *ctx, struct crypto_tls_pair *pair,
			struct crypto_tls_slot **ret_slot)
{
	struct crypto_tls_slot *slot = calloc(1, sizeof(*slot));

	if (!slot) {
		crypto_tls_pair_free(pair);
		return -ENOMEM;
	}
	slot->pair = pair;
	SSL_CTX_set_cert_cb(ctx, tls_slot_cert_cb, slot);
	*ret_slot = slot;
	return 0;
}

void crypto_tls_slot_set(struct crypto_tls_slot *slot, struct crypto_tls_pair *pair)
{
	crypto_tls_pair_free(slot->pair);
	slot->pair = pair;
}

const struct crypto_tls_pair *crypto_tls_slot_pair(const struct crypto_tls_slot *slot)
{
	return slot->pair;
}

struct crypto_tls_slot *crypto_tls_slot_free(struct crypto_tls_slot *slot)
{
	if (!slot)
		return NULL;
	crypto_tls_pair_free(slot->pair);
	free(slot);
	return NULL;
}
