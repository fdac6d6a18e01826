/* Unit tests of crypto/dtls: identities and fingerprints; handshakes between
 * two associations and against an independent OpenSSL peer (browser-like
 * SRTP profile orders, a ClientHello fragmented over two datagrams, the
 * RFC 5764 exporter checked from the other side); fingerprint mismatch;
 * the 1,200-byte datagram limit with a large certificate; a crafted
 * fragmented ClientHello; retransmission after a lost flight; close. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "crypto/dtls.h"
#include "crypto/srtp.h"

#define DGRAM_CAP  2048
#define MAX_ROUNDS 30

static struct crypto_dtls_identity *id_a, *id_b, *id_other;
static size_t max_datagram; /* largest datagram any association sent */

/* ---- Helpers ----------------------------------------------------------- */

static void sha256_fingerprint(const uint8_t *der, size_t len,
			       char out[CRYPTO_DTLS_FINGERPRINT_MAX])
{
	uint8_t md[32];
	unsigned n = 0;

	g_assert_cmpint(EVP_Digest(der, len, md, &n, EVP_sha256(), NULL), ==, 1);
	g_assert_cmpuint(n, ==, 32);
	memcpy(out, "sha-256 ", 9);
	for (unsigned i = 0; i < n; i++)
		g_snprintf(out + 8 + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
}

static void x509_fingerprint(X509 *x, char out[CRYPTO_DTLS_FINGERPRINT_MAX])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	g_assert_cmpint(n, >, 0);
	sha256_fingerprint(der, (size_t)n, out);
	OPENSSL_free(der);
}

/* A self-signed P-256 certificate; san_count DNS names make it larger. */
static X509 *test_cert(EVP_PKEY *key, const char *cn, int san_count)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);

	g_assert_cmpint(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), ==, 1);
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	g_assert_cmpint(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						   (const unsigned char *)cn, -1, -1, 0),
			==, 1);
	g_assert_cmpint(X509_set_issuer_name(x, name), ==, 1);
	g_assert_cmpint(X509_set_pubkey(x, key), ==, 1);
	if (san_count > 0) {
		GString *san = g_string_new(NULL);
		for (int i = 0; i < san_count; i++)
			g_string_append_printf(san, "%sDNS:host-%04d.relay.hearth.example",
					       i ? "," : "", i);
		X509_EXTENSION *ext =
		    X509V3_EXT_nconf_nid(NULL, NULL, NID_subject_alt_name, san->str);
		g_assert_nonnull(ext);
		g_assert_cmpint(X509_add_ext(x, ext, -1), ==, 1);
		X509_EXTENSION_free(ext);
		g_string_free(san, TRUE);
	}
	g_assert_cmpint(X509_sign(x, key, EVP_sha256()), >, 0);
	return x;
}

static char *write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key, bool encrypt)
{
	char *path = g_build_filename(dir, name, NULL);
	FILE *f = fopen(path, "w");

	g_assert_nonnull(f);
	if (cert)
		g_assert_cmpint(PEM_write_X509(f, cert), ==, 1);
	if (key)
		g_assert_cmpint(PEM_write_PrivateKey(f, key, encrypt ? EVP_aes_128_cbc() : NULL,
						     (unsigned char *)"secret", encrypt ? 6 : 0,
						     NULL, NULL),
				==, 1);
	g_assert_cmpint(fclose(f), ==, 0);
	return path;
}

static struct crypto_dtls *new_dtls(struct crypto_dtls_identity *ours, bool server,
				    struct crypto_dtls_identity *expected_peer)
{
	struct crypto_dtls *d = NULL;

	g_assert_cmpint(
	    crypto_dtls_new(ours, server, crypto_dtls_identity_fingerprint(expected_peer), &d), ==,
	    0);
	return d;
}

/* Returns false to drop the datagram; may rewrite it (len up to DGRAM_CAP). */
typedef bool (*filter_fn)(void *ctx, uint8_t *dgram, size_t *len);

/* Moves every queued datagram of from into to. Returns how many moved. */
static int pump(struct crypto_dtls *from, struct crypto_dtls *to, int *to_state, filter_fn filter,
		void *ctx)
{
	uint8_t buf[DGRAM_CAP];
	size_t len;
	int n = 0;

	for (;;) {
		g_assert_cmpint(crypto_dtls_next_datagram(from, buf, sizeof(buf), &len), ==, 0);
		if (len == 0)
			return n;
		g_assert_cmpuint(len, <=, CRYPTO_DTLS_MTU);
		max_datagram = MAX(max_datagram, len);
		n++;
		if (filter && !filter(ctx, buf, &len))
			continue;
		int r = crypto_dtls_receive(to, buf, len);
		if (*to_state >= 0)
			*to_state = r;
	}
}

/* Shuttles until both connect or one fails; returns the rounds taken. */
static int run(struct crypto_dtls *client, struct crypto_dtls *server, int *cs, int *ss,
	       filter_fn to_server, void *ctx)
{
	int rounds = 0;

	for (; rounds < MAX_ROUNDS; rounds++) {
		int moved = pump(client, server, ss, to_server, ctx);
		moved += pump(server, client, cs, NULL, NULL);
		if ((*cs == CRYPTO_DTLS_CONNECTED && *ss == CRYPTO_DTLS_CONNECTED) || *cs < 0 ||
		    *ss < 0 || moved == 0)
			break;
	}
	/* Deliver what the failing side queued last (its alert). */
	pump(client, server, ss, to_server, ctx);
	pump(server, client, cs, NULL, NULL);
	return rounds;
}

static void connect_pair(struct crypto_dtls *client, struct crypto_dtls *server)
{
	int cs = crypto_dtls_start(client), ss = CRYPTO_DTLS_HANDSHAKING;

	g_assert_cmpint(cs, ==, CRYPTO_DTLS_HANDSHAKING);
	run(client, server, &cs, &ss, NULL, NULL);
	g_assert_cmpint(cs, ==, CRYPTO_DTLS_CONNECTED);
	g_assert_cmpint(ss, ==, CRYPTO_DTLS_CONNECTED);
}

/* SRTP contexts from both sides' keys carry a packet each way. */
static void assert_srtp_works(const struct crypto_srtp_keys *a, const struct crypto_srtp_keys *b)
{
	const struct crypto_srtp_keys *dir[2][2] = {{a, b}, {b, a}};

	for (int i = 0; i < 2; i++) {
		struct crypto_srtp *out = NULL, *in = NULL;
		alignas(4)
		    uint8_t pkt[256] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0xca, 0xfe, 0, (uint8_t)i};
		size_t len = 12 + 40;

		g_assert_cmpint(crypto_srtp_new_from_keys(dir[i][0], false, &out), ==, 0);
		g_assert_cmpint(crypto_srtp_new_from_keys(dir[i][1], true, &in), ==, 0);
		g_assert_cmpint(crypto_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), ==, 0);
		g_assert_cmpint(crypto_srtp_unprotect_rtp(in, pkt, &len), ==, 0);
		g_assert_cmpuint(len, ==, 52);
		crypto_srtp_free(out);
		crypto_srtp_free(in);
	}
}

static void assert_mirrored(const struct crypto_srtp_keys *c, const struct crypto_srtp_keys *s)
{
	g_assert_cmpint(c->profile, ==, s->profile);
	g_assert_cmpuint(c->key_len, ==, s->key_len);
	g_assert_cmpuint(c->salt_len, ==, s->salt_len);
	g_assert_true(memcmp(c->local_key, s->remote_key, c->key_len) == 0);
	g_assert_true(memcmp(c->remote_key, s->local_key, c->key_len) == 0);
	g_assert_true(memcmp(c->local_salt, s->remote_salt, c->salt_len) == 0);
	g_assert_true(memcmp(c->remote_salt, s->local_salt, c->salt_len) == 0);
	g_assert_true(memcmp(c->local_key, c->remote_key, c->key_len) != 0);
}

/* ---- Identities --------------------------------------------------------- */

static void test_identity_generate(void)
{
	uint8_t der[4096];
	size_t len = 0;
	char fp[CRYPTO_DTLS_FINGERPRINT_MAX];
	const char *got = crypto_dtls_identity_fingerprint(id_a);

	g_assert_true(g_regex_match_simple("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", got, 0, 0));
	g_assert_cmpint(crypto_dtls_identity_certificate(id_a, der, 10, &len), ==, -ENOBUFS);
	g_assert_cmpint(crypto_dtls_identity_certificate(id_a, der, sizeof(der), &len), ==, 0);
	sha256_fingerprint(der, len, fp);
	g_assert_cmpstr(got, ==, fp);
	g_assert_cmpstr(got, !=, crypto_dtls_identity_fingerprint(id_b));

	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	g_assert_nonnull(x);
	g_assert_cmpint(X509_get_version(x), ==, X509_VERSION_3);
	char cn[64] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	g_assert_cmpstr(cn, ==, "hearth");
	g_assert_cmpint(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), ==, 0);
	EVP_PKEY *pub = X509_get0_pubkey(x);
	g_assert_true(EVP_PKEY_is_a(pub, "EC"));
	char group[32] = "";
	g_assert_cmpint(EVP_PKEY_get_group_name(pub, group, sizeof(group), NULL), ==, 1);
	g_assert_cmpstr(group, ==, "prime256v1");
	g_assert_cmpint(X509_verify(x, pub), ==, 1); /* self-signed */
	g_assert_cmpint(X509_get_signature_nid(x), ==, NID_ecdsa_with_SHA256);
	/* notBefore = now - 1 day, notAfter = notBefore + 30 days (± slack). */
	int days, secs;
	g_assert_cmpint(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(x)), ==, 1);
	g_assert_cmpint(days * 86400 + secs, >=, -86400 - 120);
	g_assert_cmpint(days * 86400 + secs, <=, -86400 + 120);
	g_assert_cmpint(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)),
			==, 1);
	g_assert_cmpint(days, ==, 30);
	g_assert_cmpint(secs, ==, 0);
	BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	g_assert_false(BN_is_negative(serial));
	g_assert_cmpint(BN_num_bits(serial), >, 64);
	g_assert_cmpint(BN_num_bits(serial), <=, 127);
	BN_free(serial);
	X509_free(x);
}

static void test_identity_load(void)
{
	g_autofree char *dir = g_dir_make_tmp("hearth-dtls-XXXXXX", NULL);
	EVP_PKEY *key = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
	X509 *cert = test_cert(key, "loaded", 0);
	g_autofree char *cert_path = write_pem(dir, "cert.pem", cert, NULL, false);
	g_autofree char *key_path = write_pem(dir, "key.pem", NULL, key, false);
	g_autofree char *other_path = write_pem(dir, "other.pem", NULL, other, false);
	g_autofree char *enc_path = write_pem(dir, "enc.pem", NULL, key, true);
	g_autofree char *missing = g_build_filename(dir, "missing.pem", NULL);
	struct crypto_dtls_identity *id = NULL;
	char fp[CRYPTO_DTLS_FINGERPRINT_MAX];

	g_assert_cmpint(crypto_dtls_identity_load(cert_path, key_path, &id), ==, 0);
	x509_fingerprint(cert, fp);
	g_assert_cmpstr(crypto_dtls_identity_fingerprint(id), ==, fp);
	id = crypto_dtls_identity_free(id);
	g_assert_null(id);

	g_assert_cmpint(crypto_dtls_identity_load(cert_path, other_path, &id), ==, -EINVAL);
	g_assert_cmpint(crypto_dtls_identity_load(cert_path, enc_path, &id), ==, -EINVAL);
	g_assert_cmpint(crypto_dtls_identity_load(key_path, key_path, &id), ==, -EINVAL);
	g_assert_cmpint(crypto_dtls_identity_load(missing, key_path, &id), ==, -ENOENT);
	g_assert_cmpint(crypto_dtls_identity_load(cert_path, missing, &id), ==, -ENOENT);
	g_assert_null(id);
	g_assert_cmpint(ERR_peek_error(), ==, 0); /* no stale OpenSSL errors left */

	const char *files[] = {cert_path, key_path, other_path, enc_path};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
		g_unlink(files[i]);
	g_rmdir(dir);
	X509_free(cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static void test_fingerprint_parsing(void)
{
	const char *fp = crypto_dtls_identity_fingerprint(id_b);
	g_autofree char *lower = g_ascii_strdown(fp, -1);
	g_autofree char *upper_name = g_strdup(fp);
	g_autofree char *short_fp = g_strndup(fp, strlen(fp) - 3);
	g_autofree char *long_fp = g_strconcat(fp, ":AB", NULL);
	g_autofree char *trailing = g_strconcat(fp, ":", NULL);
	g_autofree char *space = g_strconcat(fp, " ", NULL);
	g_autofree char *sha1 = g_strdup_printf("sha-1 %s", fp + 8 + 36);
	g_autofree char *nohex = g_strdup(fp);
	GString *sha384 = g_string_new("sha-384 ");
	struct crypto_dtls *d = NULL;

	memcpy(upper_name, "SHA-256", 7);
	nohex[10] = 'G';
	for (int i = 0; i < 48; i++)
		g_string_append(sha384, i ? ":0A" : "0A");
	const char *good[] = {fp, lower, upper_name, sha384->str};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_assert_cmpint(crypto_dtls_new(id_a, true, good[i], &d), ==, 0);
		d = crypto_dtls_free(d);
	}
	const char *bad[] = {"",       "sha-256", "sha-256 ", short_fp,	     long_fp,
			     trailing, space,	  nohex,      "sha-256AB:CD"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(crypto_dtls_new(id_a, true, bad[i], &d), ==, -EINVAL);
	g_assert_cmpint(crypto_dtls_new(id_a, true, sha1, &d), ==, -EOPNOTSUPP);
	g_assert_cmpint(crypto_dtls_new(id_a, true, "md5 AB:CD", &d), ==, -EOPNOTSUPP);
	g_assert_null(d);
	g_string_free(sha384, TRUE);
}

/* ---- Handshakes between two associations -------------------------------- */

static void test_handshake(void)
{
	struct crypto_dtls *client = new_dtls(id_a, false, id_b);
	struct crypto_dtls *server = new_dtls(id_b, true, id_a);
	struct crypto_srtp_keys ck, sk;

	g_assert_cmpint(crypto_dtls_srtp_keys(server, &sk), ==, -ENOTCONN);
	g_assert_null(crypto_dtls_cipher_name(server));
	g_assert_cmpint(crypto_dtls_timeout_us(server), ==, -1);
	max_datagram = 0;
	connect_pair(client, server);
	g_test_message("largest datagram %zu", max_datagram);
	g_assert_cmpuint(max_datagram, <=, CRYPTO_DTLS_MTU);

	g_assert_cmpint(crypto_dtls_srtp_keys(client, &ck), ==, 0);
	g_assert_cmpint(crypto_dtls_srtp_keys(server, &sk), ==, 0);
	g_assert_cmpint(sk.profile, ==, CRYPTO_SRTP_AEAD_AES_128_GCM);
	g_assert_cmpuint(sk.key_len, ==, 16);
	g_assert_cmpuint(sk.salt_len, ==, 12);
	assert_mirrored(&ck, &sk);
	assert_srtp_works(&ck, &sk);
	g_assert_cmpstr(crypto_dtls_cipher_name(server), ==, "ECDHE-ECDSA-AES128-GCM-SHA256");
	g_assert_cmpstr(crypto_dtls_cipher_name(client), ==, "ECDHE-ECDSA-AES128-GCM-SHA256");
	g_test_message("client timer after connect: %" G_GINT64_FORMAT
		       " us, server: %" G_GINT64_FORMAT " us",
		       crypto_dtls_timeout_us(client), crypto_dtls_timeout_us(server));
	crypto_srtp_keys_wipe(&ck);
	crypto_srtp_keys_wipe(&sk);

	/* Datagrams after the handshake are harmless, and state stays. */
	uint8_t junk[64];
	memset(junk, 0x17, sizeof(junk));
	g_assert_cmpint(crypto_dtls_receive(server, junk, sizeof(junk)), ==, CRYPTO_DTLS_CONNECTED);
	g_assert_cmpint(crypto_dtls_start(client), ==, CRYPTO_DTLS_CONNECTED);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
}

static void mismatch(bool server_side)
{
	/* The side that checks expects id_other's fingerprint instead. */
	struct crypto_dtls *client = new_dtls(id_a, false, server_side ? id_b : id_other);
	struct crypto_dtls *server = new_dtls(id_b, true, server_side ? id_other : id_a);
	int cs = crypto_dtls_start(client), ss = CRYPTO_DTLS_HANDSHAKING;
	struct crypto_srtp_keys k, untouched;

	run(client, server, &cs, &ss, NULL, NULL);
	g_test_message("client %d server %d", cs, ss);
	g_assert_cmpint(server_side ? ss : cs, ==, -EPERM);
	/* The other side heard the alert and failed too; neither connected. */
	g_assert_cmpint(server_side ? cs : ss, ==, -EPROTO);
	memset(&k, 0xa5, sizeof(k));
	memcpy(&untouched, &k, sizeof(k));
	g_assert_cmpint(crypto_dtls_srtp_keys(server, &k), ==, ss);
	g_assert_cmpint(crypto_dtls_srtp_keys(client, &k), ==, cs);
	g_assert_true(memcmp(&k, &untouched, sizeof(k)) == 0);
	/* Terminal: further input changes nothing. */
	g_assert_cmpint(crypto_dtls_receive(server, (const uint8_t *)"\x16\xfe\xfd", 3), ==, ss);
	g_assert_cmpint(crypto_dtls_on_timeout(client), ==, cs);
	g_assert_cmpint(crypto_dtls_timeout_us(client), ==, -1);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
}

static void test_mismatch_server(void)
{
	mismatch(true);
}

static void test_mismatch_client(void)
{
	mismatch(false);
}

/* A filter that passes everything and counts handshake records that are
 * not the first fragment of their message. */
static bool count_fragments(void *ctx, uint8_t *p, size_t *len)
{
	size_t left = *len;

	while (left >= 13 + 12) {
		size_t rlen = (size_t)p[11] << 8 | p[12];
		uint32_t off = (uint32_t)p[13 + 6] << 16 | (uint32_t)p[13 + 7] << 8 | p[13 + 8];
		if (p[0] == 22 && p[3] == 0 && p[4] == 0 && off > 0)
			(*(int *)ctx)++;
		if (13 + rlen > left)
			break;
		p += 13 + rlen;
		left -= 13 + rlen;
	}
	return true;
}

/* A ~3 KB certificate: its flight spans several datagrams, none over the
 * MTU, and the Certificate message is split into fragments. */
static void test_mtu_large_certificate(void)
{
	g_autofree char *dir = g_dir_make_tmp("hearth-dtls-XXXXXX", NULL);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = test_cert(key, "large", 80);
	g_autofree char *cert_path = write_pem(dir, "cert.pem", cert, NULL, false);
	g_autofree char *key_path = write_pem(dir, "key.pem", NULL, key, false);
	struct crypto_dtls_identity *big = NULL;
	int der_len = i2d_X509(cert, NULL);

	g_assert_cmpint(der_len, >, 2 * CRYPTO_DTLS_MTU);
	g_assert_cmpint(crypto_dtls_identity_load(cert_path, key_path, &big), ==, 0);
	struct crypto_dtls *client = new_dtls(id_a, false, big);
	struct crypto_dtls *server = new_dtls(big, true, id_a);
	int cs = crypto_dtls_start(client), ss = CRYPTO_DTLS_HANDSHAKING;

	/* Associations keep what they need of an identity (dtls.h). */
	big = crypto_dtls_identity_free(big);

	int fragments = 0;
	pump(client, server, &ss, NULL, NULL);
	int flight = pump(server, client, &cs, count_fragments, &fragments);
	g_test_message("certificate %d bytes, server flight %d datagrams, %d fragments", der_len,
		       flight, fragments);
	g_assert_cmpint(flight, >=, 3);
	g_assert_cmpint(fragments, >=, 2);
	run(client, server, &cs, &ss, NULL, NULL);
	g_assert_cmpint(cs, ==, CRYPTO_DTLS_CONNECTED);
	g_assert_cmpint(ss, ==, CRYPTO_DTLS_CONNECTED);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
	g_unlink(cert_path);
	g_unlink(key_path);
	g_rmdir(dir);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* ---- A ClientHello fragmented by hand ----------------------------------- */

/* Fuzz seed corpus, written when HEARTH_DTLS_CORPUS_DIR is set: each file
 * is a sequence of datagrams, each prefixed by its 2-byte big-endian
 * length (the format of tests/fuzz/fuzz_dtls.c). */
static void corpus_append(GByteArray *file, const uint8_t *d, size_t len)
{
	uint8_t prefix[2] = {(uint8_t)(len >> 8), (uint8_t)len};

	if (!file)
		return;
	g_byte_array_append(file, prefix, 2);
	g_byte_array_append(file, d, (guint)len);
}

static void corpus_write(GByteArray *file, const char *name)
{
	const char *dir = g_getenv("HEARTH_DTLS_CORPUS_DIR");

	if (!file)
		return;
	if (dir) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_assert_true(g_file_set_contents(path, (const char *)file->data, file->len, NULL));
	}
	g_byte_array_unref(file);
}

static GByteArray *corpus_new(void)
{
	return g_getenv("HEARTH_DTLS_CORPUS_DIR") ? g_byte_array_new() : NULL;
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16), p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)v;
}

/* The fragments took record sequence numbers 0 and 1: the client's later
 * epoch-0 records move up by one, as a real fragmenting client's would. */
static bool shift_epoch0_seqs(void *ctx, uint8_t *p, size_t *len)
{
	size_t left = *len;

	corpus_append(ctx, p, *len);
	while (left >= 13) {
		size_t rlen = (size_t)p[11] << 8 | p[12];
		if (p[3] == 0 && p[4] == 0) {
			uint64_t seq = 0;
			for (int i = 5; i < 11; i++)
				seq = seq << 8 | p[i];
			seq++;
			for (int i = 10; i >= 5; i--, seq >>= 8)
				p[i] = (uint8_t)seq;
		}
		if (13 + rlen > left)
			break;
		p += 13 + rlen;
		left -= 13 + rlen;
	}
	return true;
}

/* Splits the single-record ClientHello in dgram into two records, each one
 * handshake fragment (RFC 6347 §4.2.3), in frag[0] and frag[1]. */
static void split_hello(const uint8_t *dgram, size_t len, uint8_t frag[2][DGRAM_CAP],
			size_t flen[2])
{
	size_t rlen = (size_t)dgram[11] << 8 | dgram[12];
	uint32_t body = (uint32_t)dgram[14] << 16 | (uint32_t)dgram[15] << 8 | dgram[16];
	uint32_t cut = body / 2;

	g_assert_cmpint(dgram[0], ==, 22);     /* handshake record */
	g_assert_cmpint(dgram[13], ==, 1);     /* client_hello */
	g_assert_cmpuint(13 + rlen, ==, len);  /* one record */
	g_assert_cmpuint(12 + body, ==, rlen); /* one unfragmented message */
	for (int i = 0; i < 2; i++) {
		uint32_t off = i ? cut : 0, n = i ? body - cut : cut;
		memcpy(frag[i], dgram, 13 + 12);
		frag[i][10] = (uint8_t)i;
		frag[i][11] = (uint8_t)((12 + n) >> 8), frag[i][12] = (uint8_t)(12 + n);
		put24(frag[i] + 13 + 6, off);
		put24(frag[i] + 13 + 9, n);
		memcpy(frag[i] + 25, dgram + 25 + off, n);
		flen[i] = 25 + n;
	}
}

static void fragmented_hello(bool reverse)
{
	struct crypto_dtls *client = new_dtls(id_a, false, id_b);
	struct crypto_dtls *server = new_dtls(id_b, true, id_a);
	uint8_t hello[DGRAM_CAP], frag[2][DGRAM_CAP], out[DGRAM_CAP];
	size_t len, flen[2], out_len;
	int cs = crypto_dtls_start(client), ss;
	GByteArray *whole = corpus_new(), *split = corpus_new(), *flights = corpus_new();

	g_assert_cmpint(crypto_dtls_next_datagram(client, hello, sizeof(hello), &len), ==, 0);
	g_assert_cmpuint(len, >, 100);
	g_assert_cmpint(crypto_dtls_next_datagram(client, out, sizeof(out), &out_len), ==, 0);
	g_assert_cmpuint(out_len, ==, 0);
	corpus_append(whole, hello, len);
	corpus_append(flights, hello, len);
	split_hello(hello, len, frag, flen);
	for (int k = 0; k < 2; k++) {
		int i = reverse ? 1 - k : k;
		corpus_append(split, frag[i], flen[i]);
		ss = crypto_dtls_receive(server, frag[i], flen[i]);
		g_assert_cmpint(ss, ==, CRYPTO_DTLS_HANDSHAKING);
		if (k == 0) { /* nothing until the whole ClientHello is in */
			g_assert_cmpint(
			    crypto_dtls_next_datagram(server, out, sizeof(out), &out_len), ==, 0);
			g_assert_cmpuint(out_len, ==, 0);
		}
	}
	run(client, server, &cs, &ss, shift_epoch0_seqs, flights);
	g_assert_cmpint(cs, ==, CRYPTO_DTLS_CONNECTED);
	g_assert_cmpint(ss, ==, CRYPTO_DTLS_CONNECTED);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
	corpus_write(whole, "client_hello");
	corpus_write(split, reverse ? "client_hello_split_reversed" : "client_hello_split");
	corpus_write(flights, "client_flights");
}

static void test_fragmented_hello(void)
{
	fragmented_hello(false);
}

static void test_fragmented_hello_reversed(void)
{
	fragmented_hello(true);
}

/* ---- An independent peer: plain OpenSSL over memory BIOs --------------- */

struct raw {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	EVP_PKEY *key;
	X509 *cert;
	char fingerprint[CRYPTO_DTLS_FINGERPRINT_MAX];
	bool server, done;
};

static int accept_any(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;
}

/* profiles: use_srtp offer (client) or preference (server). alpn_bytes of
 * ALPN names make the ClientHello as large as a browser's (~1.4 KB). */
static struct raw *raw_new(bool server, const char *profiles, size_t alpn_bytes)
{
	struct raw *r = g_new0(struct raw, 1);

	r->server = server;
	r->key = EVP_EC_gen("P-256");
	r->cert = test_cert(r->key, "raw-peer", 0);
	x509_fingerprint(r->cert, r->fingerprint);
	r->ctx = SSL_CTX_new(DTLS_method());
	g_assert_cmpint(SSL_CTX_use_certificate(r->ctx, r->cert), ==, 1);
	g_assert_cmpint(SSL_CTX_use_PrivateKey(r->ctx, r->key), ==, 1);
	g_assert_cmpint(SSL_CTX_set_tlsext_use_srtp(r->ctx, profiles), ==, 0);
	SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
	SSL_CTX_set_options(r->ctx, SSL_OP_NO_QUERY_MTU);
	r->ssl = SSL_new(r->ctx);
	r->rbio = BIO_new(BIO_s_mem());
	r->wbio = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(r->rbio, -1);
	SSL_set_bio(r->ssl, r->rbio, r->wbio);
	g_assert_cmpint(SSL_set_mtu(r->ssl, CRYPTO_DTLS_MTU), ==, CRYPTO_DTLS_MTU);
	if (alpn_bytes) {
		GByteArray *alpn = g_byte_array_new();
		for (uint8_t k = 0; alpn->len < alpn_bytes; k++) {
			uint8_t name[201];
			name[0] = 200;
			memset(name + 1, 'a' + k % 26, 200);
			g_byte_array_append(alpn, name, sizeof(name));
		}
		g_assert_cmpint(SSL_set_alpn_protos(r->ssl, alpn->data, alpn->len), ==, 0);
		g_byte_array_unref(alpn);
	}
	if (server)
		SSL_set_accept_state(r->ssl);
	else
		SSL_set_connect_state(r->ssl);
	return r;
}

static void raw_free(struct raw *r)
{
	SSL_free(r->ssl);
	SSL_CTX_free(r->ctx);
	X509_free(r->cert);
	EVP_PKEY_free(r->key);
	g_free(r);
}

static void raw_step(struct raw *r)
{
	uint8_t sink[512];

	ERR_clear_error();
	if (!r->done) {
		int rc = SSL_do_handshake(r->ssl);
		if (rc == 1) {
			r->done = true;
		} else if (SSL_get_error(r->ssl, rc) != SSL_ERROR_WANT_READ) {
			r->done = false;
			return;
		}
	}
	while (r->done && SSL_read(r->ssl, sink, sizeof(sink)) > 0)
		;
	ERR_clear_error();
}

/* The raw peer's output is a run of records; pack them into datagrams of
 * at most the MTU, as a socket-based OpenSSL would send them. */
static int raw_to_ours(struct raw *r, struct crypto_dtls *ours, int *state, GByteArray *corpus)
{
	char *data = NULL;
	long n = BIO_get_mem_data(r->wbio, &data);
	g_autofree uint8_t *all = g_memdup2(data, (gsize)MAX(n, 0));
	size_t left = (size_t)MAX(n, 0), off = 0;
	int datagrams = 0;

	(void)BIO_reset(r->wbio);
	while (off < left) {
		size_t start = off;
		while (off + 13 <= left) {
			size_t rec = 13 + ((size_t)all[off + 11] << 8 | all[off + 12]);
			g_assert_cmpuint(rec, <=, CRYPTO_DTLS_MTU);
			if (off - start + rec > CRYPTO_DTLS_MTU)
				break;
			off += rec;
		}
		g_assert_cmpuint(off, >, start);
		corpus_append(corpus, all + start, off - start);
		*state = crypto_dtls_receive(ours, all + start, off - start);
		datagrams++;
	}
	return datagrams;
}

static int ours_to_raw(struct crypto_dtls *ours, struct raw *r)
{
	uint8_t buf[DGRAM_CAP];
	size_t len;
	int n = 0;

	for (;;) {
		g_assert_cmpint(crypto_dtls_next_datagram(ours, buf, sizeof(buf), &len), ==, 0);
		if (len == 0)
			return n;
		g_assert_cmpuint(len, <=, CRYPTO_DTLS_MTU);
		g_assert_cmpint(BIO_write(r->rbio, buf, (int)len), ==, (int)len);
		raw_step(r);
		n++;
	}
}

/* Returns how many datagrams the raw peer's first flight took. */
static int run_raw(struct crypto_dtls *ours, int *state, struct raw *r, GByteArray *corpus)
{
	int first = -1;

	if (r->server)
		*state = crypto_dtls_start(ours);
	else
		raw_step(r);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		int moved = ours_to_raw(ours, r);
		int sent = raw_to_ours(r, ours, state, corpus);
		if (first < 0 && sent > 0)
			first = sent;
		if ((*state == CRYPTO_DTLS_CONNECTED && r->done) || *state < 0 || moved + sent == 0)
			break;
	}
	ours_to_raw(ours, r);
	return first;
}

/* What the raw peer's own exporter says must be what we split. */
static void assert_keys_match_raw(struct crypto_dtls *ours, struct raw *r, int profile)
{
	struct crypto_srtp_keys k;
	uint8_t m[2 * (CRYPTO_SRTP_MAX_KEY + CRYPTO_SRTP_MAX_SALT)];
	const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(r->ssl);

	g_assert_nonnull(p);
	g_assert_cmpint((int)p->id, ==, profile);
	g_assert_cmpint(crypto_dtls_srtp_keys(ours, &k), ==, 0);
	g_assert_cmpint(k.profile, ==, profile);
	g_assert_cmpuint(k.key_len, ==, 16);
	g_assert_cmpuint(k.salt_len, ==, profile == CRYPTO_SRTP_AEAD_AES_128_GCM ? 12 : 14);
	size_t kl = k.key_len, sl = k.salt_len;
	g_assert_cmpint(SSL_export_keying_material(r->ssl, m, 2 * (kl + sl), "EXTRACTOR-dtls_srtp",
						   19, NULL, 0, 0),
			==, 1);
	/* client key | server key | client salt | server salt */
	const uint8_t *raw_key = r->server ? m + kl : m, *our_key = r->server ? m : m + kl;
	const uint8_t *raw_salt = m + 2 * kl + (r->server ? sl : 0);
	const uint8_t *our_salt = m + 2 * kl + (r->server ? 0 : sl);
	g_assert_true(memcmp(k.remote_key, raw_key, kl) == 0);
	g_assert_true(memcmp(k.local_key, our_key, kl) == 0);
	g_assert_true(memcmp(k.remote_salt, raw_salt, sl) == 0);
	g_assert_true(memcmp(k.local_salt, our_salt, sl) == 0);
	crypto_srtp_keys_wipe(&k);
}

static void assert_raw_saw(struct raw *r, struct crypto_dtls_identity *id)
{
	char fp[CRYPTO_DTLS_FINGERPRINT_MAX];
	X509 *peer = SSL_get0_peer_certificate(r->ssl);

	g_assert_nonnull(peer);
	x509_fingerprint(peer, fp);
	g_assert_cmpstr(fp, ==, crypto_dtls_identity_fingerprint(id));
}

/* Against the raw peer: which profile ends up negotiated, and how many
 * datagrams the raw client's ClientHello took. */
struct raw_case {
	bool raw_server;
	const char *profiles;
	size_t alpn_bytes;
	int want; /* profile, or a negative error */
	int hello_datagrams;
	const char *corpus;
};

static const struct raw_case raw_cases[] = {
    /* Browser-sized ClientHello over two datagrams, Chromium's order
     * (AES_CM first): as server we still pick AEAD_AES_128_GCM. */
    {false, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM", 1100,
     CRYPTO_SRTP_AEAD_AES_128_GCM, 2, "browser_like_flights"},
    {false,
     "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80:"
     "SRTP_AES128_CM_SHA1_32",
     0, CRYPTO_SRTP_AEAD_AES_128_GCM, 1, NULL},
    {false, "SRTP_AES128_CM_SHA1_80", 0, CRYPTO_SRTP_AES128_CM_SHA1_80, 1, NULL},
    /* No profile in common: no keys. */
    {false, "SRTP_AEAD_AES_256_GCM", 0, -EPROTO, 1, NULL},
    /* We are the client; the server prefers AES_CM (as Chromium's does). */
    {true, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", 0, CRYPTO_SRTP_AES128_CM_SHA1_80, -1,
     NULL},
};

static void test_raw_peer(gconstpointer data)
{
	const struct raw_case *c = data;
	struct raw *r = raw_new(c->raw_server, c->profiles, c->alpn_bytes);
	struct crypto_dtls_identity *ours = c->raw_server ? id_a : id_b;
	struct crypto_dtls *d = NULL;
	struct crypto_srtp_keys k;
	int state = CRYPTO_DTLS_HANDSHAKING;
	GByteArray *corpus = c->corpus ? corpus_new() : NULL;

	g_assert_cmpint(crypto_dtls_new(ours, !c->raw_server, r->fingerprint, &d), ==, 0);
	int hello = run_raw(d, &state, r, corpus);
	if (!c->raw_server)
		g_assert_cmpint(hello, ==, c->hello_datagrams);
	if (c->want < 0) {
		g_assert_cmpint(state, ==, c->want);
		g_assert_cmpint(crypto_dtls_srtp_keys(d, &k), ==, c->want);
	} else {
		g_assert_cmpint(state, ==, CRYPTO_DTLS_CONNECTED);
		g_assert_true(r->done);
		assert_keys_match_raw(d, r, c->want);
		assert_raw_saw(r, ours); /* as client, we sent our certificate when asked */
	}
	crypto_dtls_free(d);
	raw_free(r);
	corpus_write(corpus, c->corpus);
}

/* ---- Timers, close, garbage --------------------------------------------- */

static bool drop_all(void *ctx, uint8_t *dgram, size_t *len)
{
	(void)dgram;
	(void)len;
	(*(int *)ctx)++;
	return false;
}

static void test_retransmission(void)
{
	struct crypto_dtls *client = new_dtls(id_a, false, id_b);
	struct crypto_dtls *server = new_dtls(id_b, true, id_a);
	int cs = crypto_dtls_start(client), ss = CRYPTO_DTLS_HANDSHAKING, dropped = 0;
	int64_t t;

	g_assert_cmpint(crypto_dtls_timeout_us(client), >, 0);
	pump(client, server, &ss, NULL, NULL);
	pump(server, client, &cs, drop_all, &dropped); /* the server's flight is lost */
	g_assert_cmpint(dropped, >, 0);
	t = crypto_dtls_timeout_us(server);
	g_assert_cmpint(t, >, 0);
	g_assert_cmpint(t, <=, 1000000);
	/* Not yet expired: nothing is sent again. */
	g_assert_cmpint(crypto_dtls_on_timeout(server), ==, CRYPTO_DTLS_HANDSHAKING);
	g_assert_cmpint(pump(server, client, &cs, drop_all, &dropped), ==, 0);

	g_usleep((gulong)t + 20000);
	g_assert_cmpint(crypto_dtls_timeout_us(server), ==, 0);
	g_assert_cmpint(crypto_dtls_on_timeout(server), ==, CRYPTO_DTLS_HANDSHAKING);
	t = crypto_dtls_timeout_us(server);
	g_assert_cmpint(t, >, 1000000); /* doubled */
	g_assert_cmpint(t, <=, 2000000);
	g_assert_cmpint(crypto_dtls_on_timeout(client), ==, CRYPTO_DTLS_HANDSHAKING);
	g_assert_cmpint(pump(server, client, &cs, NULL, NULL), >, 0); /* the flight again */
	run(client, server, &cs, &ss, NULL, NULL);
	g_assert_cmpint(cs, ==, CRYPTO_DTLS_CONNECTED);
	g_assert_cmpint(ss, ==, CRYPTO_DTLS_CONNECTED);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
}

static void test_close_notify(void)
{
	struct crypto_dtls *client = new_dtls(id_a, false, id_b);
	struct crypto_dtls *server = new_dtls(id_b, true, id_a);
	struct crypto_srtp_keys k;
	int ss = CRYPTO_DTLS_CONNECTED;

	connect_pair(client, server);
	g_assert_cmpint(crypto_dtls_close(client), ==, 0);
	g_assert_cmpint(crypto_dtls_start(client), ==, -ESHUTDOWN);
	g_assert_cmpint(pump(client, server, &ss, NULL, NULL), ==, 1);
	g_assert_cmpint(ss, ==, -ECONNRESET);
	g_assert_cmpint(crypto_dtls_srtp_keys(server, &k), ==, -ECONNRESET);
	g_assert_cmpint(crypto_dtls_close(server), ==, 0);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
	g_assert_null(crypto_dtls_free(NULL));
}

/* Datagrams that are not DTLS records, or whose records do not fit the
 * datagram, are dropped without a word and the handshake still succeeds. */
static void test_garbage_then_handshake(void)
{
	struct crypto_dtls *client = new_dtls(id_a, false, id_b);
	struct crypto_dtls *server = new_dtls(id_b, true, id_a);
	g_autoptr(GRand) rand = g_rand_new_with_seed(1234);
	static uint8_t big[CRYPTO_DTLS_MAX_DATAGRAM + 1];
	uint8_t buf[DGRAM_CAP];
	size_t len;

	for (int i = 0; i < 400; i++) {
		len = (size_t)g_rand_int_range(rand, 1, 1500);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)g_rand_int(rand);
		if (i % 2 && len > 13) { /* a DTLS 1.2 handshake record, truncated */
			size_t claimed = len - 13 + 1 + (size_t)g_rand_int_range(rand, 0, 200);
			buf[0] = 22, buf[1] = 0xfe, buf[2] = 0xfd, buf[3] = buf[4] = 0;
			buf[11] = (uint8_t)(claimed >> 8), buf[12] = (uint8_t)claimed;
		}
		g_assert_cmpint(crypto_dtls_receive(server, buf, len), ==, CRYPTO_DTLS_HANDSHAKING);
	}
	g_assert_cmpint(crypto_dtls_receive(server, buf, 0), ==, CRYPTO_DTLS_HANDSHAKING);
	g_assert_cmpint(crypto_dtls_receive(server, big, sizeof(big)), ==, CRYPTO_DTLS_HANDSHAKING);
	g_assert_cmpint(crypto_dtls_next_datagram(server, buf, sizeof(buf), &len), ==, 0);
	g_assert_cmpuint(len, ==, 0);
	connect_pair(client, server);
	crypto_dtls_free(client);
	crypto_dtls_free(server);
}

/* A well-framed record holding a malformed ClientHello is a fatal
 * handshake error (decode_error alert), as in any TLS stack. */
static void test_malformed_hello(void)
{
	struct crypto_dtls *server = new_dtls(id_b, true, id_a);
	uint8_t rec[13 + 12 + 40] = {22, 0xfe, 0xfd, 0,	 0, 0, 0, 0, 0, 0, 0, 0, 52,
				     1,	 0,    0,    40, 0, 0, 0, 0, 0, 0, 0, 40};
	uint8_t alert[DGRAM_CAP];
	size_t len;

	memset(rec + 25, 0xee, 40);
	g_assert_cmpint(crypto_dtls_receive(server, rec, sizeof(rec)), ==, -EPROTO);
	g_assert_cmpint(crypto_dtls_next_datagram(server, alert, sizeof(alert), &len), ==, 0);
	g_assert_cmpuint(len, ==, 13 + 2);
	g_assert_cmpint(alert[0], ==, 21); /* alert record */
	g_assert_cmpint(alert[13], ==, 2); /* fatal */
	crypto_dtls_free(server);
}

static void test_small_output_buffer(void)
{
	struct crypto_dtls *client = new_dtls(id_a, false, id_b);
	uint8_t buf[DGRAM_CAP];
	size_t len = 99;

	g_assert_cmpint(crypto_dtls_start(client), ==, CRYPTO_DTLS_HANDSHAKING);
	g_assert_cmpint(crypto_dtls_next_datagram(client, buf, 20, &len), ==, -EMSGSIZE);
	g_assert_cmpint(crypto_dtls_next_datagram(client, buf, sizeof(buf), &len), ==, 0);
	g_assert_cmpuint(len, >, 20);
	crypto_dtls_free(client);
}

int main(int argc, char **argv)
{
	int r;

	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(crypto_dtls_identity_generate(&id_a), ==, 0);
	g_assert_cmpint(crypto_dtls_identity_generate(&id_b), ==, 0);
	g_assert_cmpint(crypto_dtls_identity_generate(&id_other), ==, 0);
	g_test_add_func("/crypto/dtls/identity/generate", test_identity_generate);
	g_test_add_func("/crypto/dtls/identity/load", test_identity_load);
	g_test_add_func("/crypto/dtls/fingerprint-parsing", test_fingerprint_parsing);
	g_test_add_func("/crypto/dtls/handshake", test_handshake);
	g_test_add_func("/crypto/dtls/mismatch/server-side", test_mismatch_server);
	g_test_add_func("/crypto/dtls/mismatch/client-side", test_mismatch_client);
	g_test_add_func("/crypto/dtls/mtu/large-certificate", test_mtu_large_certificate);
	g_test_add_func("/crypto/dtls/fragmented-hello/in-order", test_fragmented_hello);
	g_test_add_func("/crypto/dtls/fragmented-hello/reversed", test_fragmented_hello_reversed);
	const char *raw_names[] = {"client-chromium-order", "client-firefox-order",
				   "client-cm-only", "client-no-common-profile",
				   "server-prefers-cm"};
	G_STATIC_ASSERT(G_N_ELEMENTS(raw_names) == G_N_ELEMENTS(raw_cases));
	for (size_t i = 0; i < G_N_ELEMENTS(raw_cases); i++) {
		g_autofree char *path =
		    g_strconcat("/crypto/dtls/openssl-peer/", raw_names[i], NULL);
		g_test_add_data_func(path, &raw_cases[i], test_raw_peer);
	}
	g_test_add_func("/crypto/dtls/retransmission", test_retransmission);
	g_test_add_func("/crypto/dtls/close-notify", test_close_notify);
	g_test_add_func("/crypto/dtls/garbage-then-handshake", test_garbage_then_handshake);
	g_test_add_func("/crypto/dtls/malformed-hello", test_malformed_hello);
	g_test_add_func("/crypto/dtls/small-output-buffer", test_small_output_buffer);
	r = g_test_run();
	crypto_dtls_identity_free(id_a);
	crypto_dtls_identity_free(id_b);
	crypto_dtls_identity_free(id_other);
	return r;
}
