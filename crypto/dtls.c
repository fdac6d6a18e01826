#include "crypto/dtls.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "core/parse.h"

/* Outgoing datagrams wait here until the caller takes them. A flight with
 * an ECDSA certificate takes ~1 KB; 16 KB holds a large RSA chain with a
 * retransmission on top. */
#define OUTQ_BYTES 16384
#define OUTQ_SLOTS 32

/* WebRTC-grade suites only: ECDHE, AEAD. The RSA ones serve a peer with an
 * RSA certificate when we are the client. */
#define DTLS_CIPHERS                                                                               \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"                             \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384"
#define DTLS_GROUPS "X25519:P-256:P-384"

/* RFC 5764 §4.2. */
#define DTLS_SRTP_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

/* Datagrams a BIO write queues. OpenSSL's DTLS writes one record per
 * BIO_write, asks BIO_wpending() how full the current datagram is to size
 * the next record, and calls BIO_flush() where a datagram must end (MTU
 * reached, end of a flight). So: writes append to an open datagram, flush
 * closes it, and a record that would push the open datagram past the MTU
 * closes it first (OpenSSL leaves the AEAD expansion of encrypted
 * handshake records out of its own sum). */
struct dtls_outq {
	size_t used; /* bytes in buf */
	size_t read; /* start of the oldest closed datagram */
	size_t open; /* start of the datagram being filled; == used when none */
	unsigned head, count;
	uint16_t lens[OUTQ_SLOTS]; /* closed datagrams, FIFO from head */
	bool overflow;
	uint8_t buf[OUTQ_BYTES];
};

struct crypto_dtls_identity {
	atomic_int refs; /* the control thread and queued transport parameters */
	SSL_CTX *ctx;
	X509 *cert;
	char fingerprint[CRYPTO_DTLS_FINGERPRINT_MAX];
};

struct crypto_dtls {
	SSL *ssl;
	BIO *rbio; /* owned by ssl */
	const EVP_MD *peer_md;
	uint8_t peer_digest[EVP_MAX_MD_SIZE];
	unsigned peer_digest_len;
	bool is_server, connected, peer_matched, peer_mismatch;
	int error; /* terminal, sticky; 0 while alive */
	struct dtls_outq out;
};

static const struct {
	const char *name;
	unsigned len;
} dtls_hashes[] = {{"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64}};

/* ---- Outgoing datagram queue, as a BIO --------------------------------- */

static pthread_once_t outq_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *outq_method;

static int outq_close(struct dtls_outq *q)
{
	size_t n = q->used - q->open;

	if (n == 0)
		return 0;
	if (q->count == OUTQ_SLOTS) {
		q->overflow = true;
		return -1;
	}
	q->lens[(q->head + q->count) % OUTQ_SLOTS] = (uint16_t)n;
	q->count++;
	q->open = q->used;
	return 0;
}

static int outq_bio_write(BIO *b, const char *data, int len)
{
	struct dtls_outq *q = BIO_get_data(b);
	size_t n = len > 0 ? (size_t)len : 0;

	BIO_clear_retry_flags(b);
	if (n == 0)
		return 0;
	if (n > CRYPTO_DTLS_MTU) {
		q->overflow = true;
		return -1;
	}
	if (q->used - q->open + n > CRYPTO_DTLS_MTU && outq_close(q) < 0)
		return -1;
	if (q->used + n > OUTQ_BYTES) {
		q->overflow = true;
		return -1;
	}
	memcpy(q->buf + q->used, data, n);
	q->used += n;
	return len;
}

static long outq_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct dtls_outq *q = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return outq_close(q) == 0 ? 1 : 0;
	case BIO_CTRL_WPENDING:
		return (long)(q->used - q->open);
	case BIO_CTRL_DGRAM_QUERY_MTU:
		return CRYPTO_DTLS_MTU;
	default:
		return 0;
	}
}

static void outq_method_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hearth-dtls-out");

	if (m && BIO_meth_set_write(m, outq_bio_write) && BIO_meth_set_ctrl(m, outq_bio_ctrl)) {
		outq_method = m;
		return;
	}
	BIO_meth_free(m);
}

static BIO *outq_bio_new(struct dtls_outq *q)
{
	BIO *b;

	if (pthread_once(&outq_once, outq_method_init) != 0 || !outq_method)
		return NULL;
	b = BIO_new(outq_method);
	if (!b)
		return NULL;
	BIO_set_data(b, q);
	BIO_set_init(b, 1);
	return b;
}

static int outq_pop(struct dtls_outq *q, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n;

	if (q->count == 0 && outq_close(q) < 0)
		return -ENOBUFS;
	if (q->count == 0) {
		q->used = q->read = q->open = 0;
		*ret_len = 0;
		return 0;
	}
	n = q->lens[q->head];
	if (n > cap)
		return -EMSGSIZE;
	memcpy(out, q->buf + q->read, n);
	q->read += n;
	q->head = (q->head + 1) % OUTQ_SLOTS;
	q->count--;
	if (q->count == 0 && q->open == q->used)
		q->used = q->read = q->open = 0;
	*ret_len = n;
	return 0;
}

/* ---- Fingerprints ------------------------------------------------------ */

/* RFC 8122 §5: hash-func SP fingerprint, fingerprint = 2UHEX *(":" 2UHEX).
 * Hex is accepted in either case. */
static int parse_fingerprint(const char *text, const EVP_MD **ret_md, uint8_t *ret_digest,
			     unsigned *ret_len)
{
	const char *p = text, *sp = strchr(text, ' ');
	const EVP_MD *md = NULL;
	unsigned want = 0;

	if (!sp || sp == text)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(dtls_hashes) / sizeof(dtls_hashes[0]); i++) {
		if ((size_t)(sp - text) == strlen(dtls_hashes[i].name) &&
		    strncasecmp(text, dtls_hashes[i].name, (size_t)(sp - text)) == 0) {
			want = dtls_hashes[i].len;
			md = want == 32 ? EVP_sha256() : want == 48 ? EVP_sha384() : EVP_sha512();
		}
	}
	if (!md)
		return -EOPNOTSUPP;
	for (p = sp; *p == ' '; p++)
		;
	for (unsigned i = 0; i < want; i++) {
		int hi = parse_hex_digit(p[0]), lo = hi < 0 ? -1 : parse_hex_digit(p[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		ret_digest[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i + 1 < want && *p++ != ':')
			return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	*ret_md = md;
	*ret_len = want;
	return 0;
}

static int format_fingerprint(X509 *cert, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char *o = out;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return -EIO;
	memcpy(o, "sha-256 ", 8);
	o += 8;
	for (unsigned i = 0; i < n; i++) {
		*o++ = digits[md[i] >> 4];
		*o++ = digits[md[i] & 15];
		*o++ = i + 1 < n ? ':' : '\0';
	}
	return 0;
}

/* Constant time over the digest (RFC 5763 §5 / RFC 8122 §5). */
static bool peer_cert_matches(const struct crypto_dtls *d, X509 *cert)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!cert || X509_digest(cert, d->peer_md, md, &n) != 1 || n != d->peer_digest_len)
		return false;
	return CRYPTO_memcmp(md, d->peer_digest, n) == 0;
}

/* Self-signed peer certificates are the rule in WebRTC: what authenticates
 * the peer is that its end-entity certificate hashes to the fingerprint of
 * its SDP (and the handshake proves it holds the key). Checked here so a
 * mismatch aborts before either side sends Finished. */
static int verify_peer(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct crypto_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;

	(void)preverify_ok;
	if (!d)
		return 0;
	if (!peer_cert_matches(d, X509_STORE_CTX_get0_cert(store))) {
		d->peer_mismatch = true;
		X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	d->peer_matched = true;
	return 1;
}

/* ---- Identity ---------------------------------------------------------- */

static int identity_ctx(struct crypto_dtls_identity *id, EVP_PKEY *key)
{
	const char *profiles = crypto_srtp_profile_supported(CRYPTO_SRTP_AEAD_AES_128_GCM)
				   ? "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
				   : "SRTP_AES128_CM_SHA1_80";
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());

	if (!ctx)
		return -ENOMEM;
	id->ctx = ctx;
	if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS) != 1 ||
	    SSL_CTX_set_tlsext_use_srtp(ctx, profiles) != 0 || /* 0 is success here */
	    SSL_CTX_use_certificate(ctx, id->cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return -EIO;
	/* We pick the SRTP profile and suite as server; no MTU discovery (we
	 * have no socket); no session reuse, tickets or renegotiation. */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_QUERY_MTU |
				     SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
				     SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
	return 0;
}

/* Takes its own references to cert and key. */
static int identity_new(X509 *cert, EVP_PKEY *key, struct crypto_dtls_identity **ret)
{
	struct crypto_dtls_identity *id;
	int r = crypto_srtp_global_init();

	if (r < 0)
		return r;
	id = calloc(1, sizeof(*id));
	if (!id)
		return -ENOMEM;
	atomic_init(&id->refs, 1);
	if (X509_up_ref(cert) != 1) {
		free(id);
		return -EIO;
	}
	id->cert = cert;
	r = format_fingerprint(cert, id->fingerprint);
	if (r >= 0)
		r = identity_ctx(id, key);
	if (r < 0) {
		crypto_dtls_identity_free(id);
		return r;
	}
	*ret = id;
	return 0;
}

static int make_certificate(EVP_PKEY *key, X509 **ret)
{
	uint8_t serial[16];
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	X509_NAME *name;
	int r = -EIO;

	if (!x)
		return -ENOMEM;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f; /* positive: 127 random bits */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_get_subject_name(x);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400L) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 30, 0, &(time_t){time(NULL) - 86400L}) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"hearth",
				       -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	*ret = x;
	x = NULL;
	r = 0;
out:
	BN_free(bn);
	X509_free(x);
	return r;
}

int crypto_dtls_identity_generate(struct crypto_dtls_identity **ret)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = NULL;
	int r;

	if (!key) {
		ERR_clear_error();
		return -EIO;
	}
	r = make_certificate(key, &cert);
	if (r >= 0)
		r = identity_new(cert, key, ret);
	X509_free(cert);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}

/* Encrypted keys are refused rather than prompted for on a terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int read_pem(const char *path, X509 **ret_cert, EVP_PKEY **ret_key)
{
	BIO *b;

	errno = 0;
	b = BIO_new_file(path, "re"); /* "e": O_CLOEXEC */
	if (!b)
		return errno > 0 ? -errno : -EIO;
	if (ret_cert)
		*ret_cert = PEM_read_bio_X509(b, NULL, no_password, NULL);
	else
		*ret_key = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
	BIO_free(b);
	return (ret_cert ? *ret_cert != NULL : *ret_key != NULL) ? 0 : -EINVAL;
}

int crypto_dtls_identity_load(const char *cert_pem_path, const char *key_pem_path,
			      struct crypto_dtls_identity **ret)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int r;

	r = read_pem(cert_pem_path, &cert, NULL);
	if (r >= 0)
		r = read_pem(key_pem_path, NULL, &key);
	if (r >= 0 && X509_check_private_key(cert, key) != 1)
		r = -EINVAL;
	if (r >= 0)
		r = identity_new(cert, key, ret);
	X509_free(cert);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}

const char *crypto_dtls_identity_fingerprint(const struct crypto_dtls_identity *id)
{
	return id->fingerprint;
}

int crypto_dtls_identity_certificate(const struct crypto_dtls_identity *id, uint8_t *out,
				     size_t cap, size_t *ret_len)
{
	int n = i2d_X509(id->cert, NULL);

	if (n <= 0)
		return -EIO;
	*ret_len = (size_t)n;
	if ((size_t)n > cap)
		return -ENOBUFS;
	return i2d_X509(id->cert, &out) == n ? 0 : -EIO;
}

int64_t crypto_dtls_identity_not_after(const struct crypto_dtls_identity *id)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(id->cert), &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

struct crypto_dtls_identity *crypto_dtls_identity_ref(struct crypto_dtls_identity *id)
{
	atomic_fetch_add_explicit(&id->refs, 1, memory_order_relaxed);
	return id;
}

struct crypto_dtls_identity *crypto_dtls_identity_free(struct crypto_dtls_identity *id)
{
	if (!id)
		return NULL;
	if (atomic_fetch_sub_explicit(&id->refs, 1, memory_order_acq_rel) != 1)
		return NULL;
	SSL_CTX_free(id->ctx);
	X509_free(id->cert);
	free(id);
	return NULL;
}

/* ---- Association ------------------------------------------------------- */

static int dtls_fail(struct crypto_dtls *d, int error)
{
	d->error = error;
	ERR_clear_error();
	return error;
}

static int dtls_state(const struct crypto_dtls *d)
{
	if (d->error)
		return d->error;
	return d->connected ? CRYPTO_DTLS_CONNECTED : CRYPTO_DTLS_HANDSHAKING;
}

/* Maps what an SSL call returned; a failure is terminal. */
static int dtls_result(struct crypto_dtls *d, int rc)
{
	unsigned long e;

	switch (SSL_get_error(d->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		ERR_clear_error();
		return dtls_state(d);
	case SSL_ERROR_ZERO_RETURN:
		return dtls_fail(d, -ECONNRESET);
	default:
		if (d->out.overflow)
			return dtls_fail(d, -ENOBUFS);
		if (d->peer_mismatch)
			return dtls_fail(d, -EPERM);
		e = ERR_peek_last_error();
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			return dtls_fail(d, -ENOMEM);
		return dtls_fail(d, -EPROTO);
	}
}

int crypto_dtls_new(struct crypto_dtls_identity *id, bool is_server, const char *peer_fingerprint,
		    struct crypto_dtls **ret)
{
	struct crypto_dtls *d = calloc(1, sizeof(*d));
	BIO *rbio = NULL, *wbio = NULL;
	int r;

	if (!d)
		return -ENOMEM;
	r = parse_fingerprint(peer_fingerprint, &d->peer_md, d->peer_digest, &d->peer_digest_len);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	d->is_server = is_server;
	d->ssl = SSL_new(id->ctx);
	rbio = BIO_new(BIO_s_mem());
	wbio = outq_bio_new(&d->out);
	if (!d->ssl || !rbio || !wbio)
		goto fail;
	BIO_set_mem_eof_return(rbio, -1); /* empty: "want read", not EOF */
	d->rbio = rbio;
	SSL_set_bio(d->ssl, rbio, wbio);
	rbio = wbio = NULL;
	SSL_set_app_data(d->ssl, d);
	r = -EIO;
	if (SSL_set_mtu(d->ssl, CRYPTO_DTLS_MTU) != CRYPTO_DTLS_MTU)
		goto fail;
	if (is_server)
		SSL_set_accept_state(d->ssl);
	else
		SSL_set_connect_state(d->ssl);
	*ret = d;
	return 0;
fail:
	BIO_free(rbio);
	BIO_free(wbio);
	crypto_dtls_free(d);
	ERR_clear_error();
	return r;
}

/* Records after the handshake: alerts (close_notify), a retransmitted
 * Finished we must answer, application data (unused, dropped). */
static int dtls_read_records(struct crypto_dtls *d)
{
	uint8_t sink[2048];

	for (;;) {
		int n;

		ERR_clear_error();
		n = SSL_read(d->ssl, sink, sizeof(sink));
		if (n <= 0)
			return dtls_result(d, n);
	}
}

static int dtls_handshake_done(struct crypto_dtls *d)
{
	const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
	size_t kl, sl;
	int r = 0;

	/* The verify callback ran and matched; check the final certificate
	 * again in case OpenSSL ever skips the callback. */
	if (!d->peer_matched || !peer_cert_matches(d, SSL_get0_peer_certificate(d->ssl)))
		r = -EPERM;
	else if (!p || crypto_srtp_profile_lengths((enum crypto_srtp_profile)p->id, &kl, &sl) < 0)
		r = -EPROTO; /* no SRTP profile in common */
	if (r < 0) {
		/* Tell the peer (close_notify) rather than leave it waiting. */
		(void)SSL_shutdown(d->ssl);
		return dtls_fail(d, r);
	}
	d->connected = true;
	return dtls_read_records(d);
}

int crypto_dtls_start(struct crypto_dtls *d)
{
	int rc;

	if (d->error || d->is_server || d->connected)
		return dtls_state(d);
	ERR_clear_error();
	rc = SSL_do_handshake(d->ssl);
	return rc == 1 ? dtls_handshake_done(d) : dtls_result(d, rc);
}

int crypto_dtls_receive(struct crypto_dtls *d, const uint8_t *datagram, size_t len)
{
	int r, rc;

	if (d->error)
		return d->error;
	if (!datagram || len == 0 || len > CRYPTO_DTLS_MAX_DATAGRAM)
		return dtls_state(d);
	if (BIO_write(d->rbio, datagram, (int)len) != (int)len)
		return dtls_fail(d, -ENOMEM);
	if (d->connected) {
		r = dtls_read_records(d);
	} else {
		ERR_clear_error();
		rc = SSL_do_handshake(d->ssl);
		r = rc == 1 ? dtls_handshake_done(d) : dtls_result(d, rc);
	}
	/* Whatever was not consumed belongs to this datagram only. */
	(void)BIO_reset(d->rbio);
	return r;
}

int crypto_dtls_next_datagram(struct crypto_dtls *d, uint8_t *out, size_t cap, size_t *ret_len)
{
	return outq_pop(&d->out, out, cap, ret_len);
}

int64_t crypto_dtls_timeout_us(struct crypto_dtls *d)
{
	struct timeval tv;

	if (d->error || DTLSv1_get_timeout(d->ssl, &tv) != 1)
		return -1;
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int crypto_dtls_on_timeout(struct crypto_dtls *d)
{
	if (d->error)
		return d->error;
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0)
		return dtls_fail(d, d->out.overflow ? -ENOBUFS : -ETIMEDOUT);
	ERR_clear_error();
	return dtls_state(d);
}

int crypto_dtls_srtp_keys(struct crypto_dtls *d, struct crypto_srtp_keys *ret)
{
	uint8_t m[2 * (CRYPTO_SRTP_MAX_KEY + CRYPTO_SRTP_MAX_SALT)];
	const SRTP_PROTECTION_PROFILE *p;
	struct crypto_srtp_keys k = {0};
	const uint8_t *ck, *sk, *cs, *ss;

	if (d->error)
		return d->error;
	if (!d->connected || !d->peer_matched)
		return -ENOTCONN;
	p = SSL_get_selected_srtp_profile(d->ssl);
	k.profile = (enum crypto_srtp_profile)p->id;
	if (crypto_srtp_profile_lengths(k.profile, &k.key_len, &k.salt_len) < 0)
		return -EPROTO;
	/* client_write_key | server_write_key | client_write_salt |
	 * server_write_salt (RFC 5764 §4.2). */
	if (SSL_export_keying_material(d->ssl, m, 2 * (k.key_len + k.salt_len),
				       DTLS_SRTP_EXPORTER_LABEL, strlen(DTLS_SRTP_EXPORTER_LABEL),
				       NULL, 0, 0) != 1) {
		OPENSSL_cleanse(m, sizeof(m));
		ERR_clear_error();
		return -EIO;
	}
	ck = m, sk = m + k.key_len;
	cs = m + 2 * k.key_len, ss = cs + k.salt_len;
	memcpy(k.local_key, d->is_server ? sk : ck, k.key_len);
	memcpy(k.remote_key, d->is_server ? ck : sk, k.key_len);
	memcpy(k.local_salt, d->is_server ? ss : cs, k.salt_len);
	memcpy(k.remote_salt, d->is_server ? cs : ss, k.salt_len);
	*ret = k;
	OPENSSL_cleanse(m, sizeof(m));
	OPENSSL_cleanse(&k, sizeof(k));
	return 0;
}

const char *crypto_dtls_cipher_name(struct crypto_dtls *d)
{
	if (!d->connected)
		return NULL;
	return SSL_CIPHER_get_name(SSL_get_current_cipher(d->ssl));
}

int crypto_dtls_close(struct crypto_dtls *d)
{
	if (d->connected && !d->error) {
		ERR_clear_error();
		(void)SSL_shutdown(d->ssl);
		ERR_clear_error();
	}
	if (!d->error)
		d->error = -ESHUTDOWN;
	return 0;
}

struct crypto_dtls *crypto_dtls_free(struct crypto_dtls *d)
{
	if (!d)
		return NULL;
	SSL_free(d->ssl);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
	return NULL;
}
