/* Unit tests of crypto/srtp: known answers (libsrtp's reference packets for
 * AES128_CM_SHA1_80; RFC 7714 §16.1.1 / §17.1 for AEAD_AES_128_GCM through
 * an independent OpenSSL model whose key derivation is checked against
 * RFC 3711 Appendix B.3), round trips, tampering, replay, wrong keys,
 * malformed packets and key wiping. */
#include <errno.h>
#include <glib.h>
#include <openssl/evp.h>
#include <stdalign.h>
#include <string.h>

#include "crypto/srtp.h"

#define BUF 1600

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = hex; *p;) {
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		g_assert_true(g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]));
		g_assert_cmpuint(n, <, cap);
		out[n++] = (uint8_t)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		p += 2;
	}
	return n;
}

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	g_assert_cmpuint(got_len, ==, want_len);
	if (memcmp(got, want, want_len) != 0) {
		g_autofree char *g = g_malloc(2 * got_len + 1), *w = g_malloc(2 * want_len + 1);
		for (size_t i = 0; i < got_len; i++)
			g_snprintf(g + 2 * i, 3, "%02x", got[i]);
		for (size_t i = 0; i < want_len; i++)
			g_snprintf(w + 2 * i, 3, "%02x", want[i]);
		g_error("bytes differ:\n got  %s\n want %s", g, w);
	}
}

static struct crypto_srtp *make(enum crypto_srtp_profile p, const uint8_t *key, const uint8_t *salt,
				bool inbound)
{
	struct crypto_srtp *s = NULL;
	size_t kl, sl;

	g_assert_cmpint(crypto_srtp_profile_lengths(p, &kl, &sl), ==, 0);
	g_assert_cmpint(crypto_srtp_new(p, key, kl, salt, sl, inbound, &s), ==, 0);
	g_assert_nonnull(s);
	return s;
}

/* ---- An independent model of the SRTP transforms, on OpenSSL ---------- */

/* RFC 3711 §4.3.1/§4.3.3 with key_derivation_rate 0: AES-CM keystream under
 * the master key, IV = (master salt XOR label at octet 7) || 0x0000. A
 * 12-byte AEAD master salt is left-aligned and zero-padded to 14 (as
 * libsrtp and the browsers do). */
static void ref_kdf(const uint8_t key[16], const uint8_t *salt, size_t salt_len, uint8_t label,
		    uint8_t *out, size_t out_len)
{
	uint8_t iv[16] = {0}, zeros[64] = {0};
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	g_assert_cmpuint(out_len, <=, sizeof(zeros));
	memcpy(iv, salt, salt_len);
	iv[7] ^= label;
	g_assert_nonnull(c);
	g_assert_cmpint(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv), ==, 1);
	g_assert_cmpint(EVP_EncryptUpdate(c, out, &n, zeros, (int)out_len), ==, 1);
	g_assert_cmpint(n, ==, (int)out_len);
	EVP_CIPHER_CTX_free(c);
}

/* AES-128-GCM of in[aad_len..len) with in[0..aad_len) (plus extra_aad) as
 * associated data; writes ciphertext then the 16-byte tag at out. */
static void ref_gcm(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		    const uint8_t *extra_aad, size_t extra_len, const uint8_t *plain,
		    size_t plain_len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	g_assert_nonnull(c);
	g_assert_cmpint(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL), ==, 1);
	g_assert_cmpint(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), ==, 1);
	g_assert_cmpint(EVP_EncryptInit_ex(c, NULL, NULL, key, iv), ==, 1);
	g_assert_cmpint(EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len), ==, 1);
	if (extra_len)
		g_assert_cmpint(EVP_EncryptUpdate(c, NULL, &n, extra_aad, (int)extra_len), ==, 1);
	g_assert_cmpint(EVP_EncryptUpdate(c, out, &n, plain, (int)plain_len), ==, 1);
	g_assert_cmpint(EVP_EncryptFinal_ex(c, out + n, &n), ==, 1);
	g_assert_cmpint(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + plain_len), ==, 1);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt; AAD = the
 * 12-byte header (no CSRCs or extensions in these packets). */
static size_t ref_gcm_rtp(const uint8_t key[16], const uint8_t salt[12], uint32_t roc,
			  const uint8_t *pkt, size_t len, uint8_t *out)
{
	uint8_t iv[12] = {0};

	memcpy(iv + 2, pkt + 8, 4);
	iv[6] = (uint8_t)(roc >> 24), iv[7] = (uint8_t)(roc >> 16);
	iv[8] = (uint8_t)(roc >> 8), iv[9] = (uint8_t)roc;
	memcpy(iv + 10, pkt + 2, 2);
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
	memcpy(out, pkt, 12);
	ref_gcm(key, iv, pkt, 12, NULL, 0, pkt + 12, len - 12, out + 12);
	return len + 16;
}

/* RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || index) XOR salt;
 * AAD = 8-byte header || E flag + index; trailer = tag || E + index. */
static size_t ref_gcm_rtcp(const uint8_t key[16], const uint8_t salt[12], uint32_t index,
			   const uint8_t *pkt, size_t len, uint8_t *out)
{
	uint8_t iv[12] = {0}, eidx[4];

	eidx[0] = (uint8_t)(0x80 | index >> 24), eidx[1] = (uint8_t)(index >> 16);
	eidx[2] = (uint8_t)(index >> 8), eidx[3] = (uint8_t)index;
	memcpy(iv + 2, pkt + 4, 4);
	memcpy(iv + 8, eidx, 4);
	iv[8] &= 0x7f;
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
	memcpy(out, pkt, 8);
	ref_gcm(key, iv, pkt, 8, eidx, 4, pkt + 8, len - 8, out + 8);
	memcpy(out + len + 16, eidx, 4);
	return len + 20;
}

/* ---- Vectors ---------------------------------------------------------- */

/* libsrtp test/srtp_driver.c srtp_validate(): AES128_CM_SHA1_80 with the
 * RFC 3711 B.3 master key and salt; first RTP and first RTCP packet. */
static const char cm_master[] = "e1f97a0d3e018be0d64fa32c06de4139";
static const char cm_salt[] = "0ec675ad498afeebb6960b3aabe6";
static const char cm_rtp_plain[] = "800f1234decafbadcafebabeabababababababababababababababab";
static const char cm_rtp_protected[] = "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402"
				       "b78d6acc99ea179b8dbb";
static const char cm_rtcp_plain[] = "81c8000bcafebabeabababababababababababababababab";
static const char cm_rtcp_protected[] = "81c8000bcafebabe7128035be487b9bdbef89041f977a5a8"
					"80000001993e08cd54d6c1230798";

/* RFC 7714 §16.1.1 and §17.1 (session key and salt given directly). */
static const char gcm_key[] = "000102030405060708090a0b0c0d0e0f";
static const char gcm_salt[] = "517569642070726f2071756f";
static const char gcm_rtp_plain[] = "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f"
				    "6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573";
static const char gcm_rtp_protected[] = "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c"
					"9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf"
					"8833 899d7f27 beb16a91 52cf765e e4390cce";
static const char gcm_rtcp_plain[] = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
				     "0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef"
				     "deadbeef";
static const char gcm_rtcp_protected[] = "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99"
					 "7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded"
					 "0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4";

static void test_profiles_supported(void)
{
	g_assert_cmpint(crypto_srtp_global_init(), ==, 0);
	g_assert_cmpint(crypto_srtp_global_init(), ==, 0);
	/* Not a skip: a libsrtp without GCM must fail this suite. */
	g_assert_true(crypto_srtp_profile_supported(CRYPTO_SRTP_AES128_CM_SHA1_80));
	g_assert_true(crypto_srtp_profile_supported(CRYPTO_SRTP_AEAD_AES_128_GCM));
	g_assert_false(crypto_srtp_profile_supported((enum crypto_srtp_profile)2));
}

/* The library line names libsrtp and the crypto both profiles run on. */
static void test_library_named(void)
{
	const char *lib = crypto_srtp_library();

	g_assert_true(g_str_has_prefix(lib, "libsrtp2 "));
	g_assert_nonnull(strstr(lib, ", AES-CM and GCM by "));
	g_assert_true(lib == crypto_srtp_library());
}

static void test_cm_known_answer(void)
{
	uint8_t key[16], salt[14], want[64];
	alignas(4) uint8_t pkt[BUF];
	size_t len, wlen;
	struct crypto_srtp *out, *in;

	unhex(cm_master, key, sizeof(key));
	unhex(cm_salt, salt, sizeof(salt));
	out = make(CRYPTO_SRTP_AES128_CM_SHA1_80, key, salt, false);
	in = make(CRYPTO_SRTP_AES128_CM_SHA1_80, key, salt, true);

	len = unhex(cm_rtp_plain, pkt, sizeof(pkt));
	wlen = unhex(cm_rtp_protected, want, sizeof(want));
	g_assert_cmpint(crypto_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), ==, 0);
	assert_bytes(pkt, len, want, wlen);
	g_assert_cmpint(crypto_srtp_unprotect_rtp(in, pkt, &len), ==, 0);
	wlen = unhex(cm_rtp_plain, want, sizeof(want));
	assert_bytes(pkt, len, want, wlen);

	len = unhex(cm_rtcp_plain, pkt, sizeof(pkt));
	wlen = unhex(cm_rtcp_protected, want, sizeof(want));
	g_assert_cmpint(crypto_srtp_protect_rtcp(out, pkt, &len, sizeof(pkt)), ==, 0);
	assert_bytes(pkt, len, want, wlen);
	g_assert_cmpint(crypto_srtp_unprotect_rtcp(in, pkt, &len), ==, 0);
	wlen = unhex(cm_rtcp_plain, want, sizeof(want));
	assert_bytes(pkt, len, want, wlen);

	crypto_srtp_free(out);
	crypto_srtp_free(in);
}

/* The model's key derivation against RFC 3711 Appendix B.3. */
static void test_reference_kdf_rfc3711(void)
{
	uint8_t key[16], salt[14], got[20], want[20];

	unhex(cm_master, key, sizeof(key));
	unhex(cm_salt, salt, sizeof(salt));
	ref_kdf(key, salt, 14, 0x00, got, 16);
	assert_bytes(got, 16, want, unhex("C61E7A93744F39EE10734AFE3FF7A087", want, 20));
	ref_kdf(key, salt, 14, 0x02, got, 14);
	assert_bytes(got, 14, want, unhex("30CBBC08863D8C85D49DB34A9AE1", want, 20));
	ref_kdf(key, salt, 14, 0x01, got, 20);
	assert_bytes(got, 20, want, unhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", want, 20));
}

/* The model's packet transforms against RFC 7714 §16.1.1 and §17.1. */
static void test_reference_gcm_rfc7714(void)
{
	uint8_t key[16], salt[12], plain[128], want[128], got[128];
	size_t plen, wlen;

	unhex(gcm_key, key, sizeof(key));
	unhex(gcm_salt, salt, sizeof(salt));
	plen = unhex(gcm_rtp_plain, plain, sizeof(plain));
	wlen = unhex(gcm_rtp_protected, want, sizeof(want));
	assert_bytes(got, ref_gcm_rtp(key, salt, 0, plain, plen, got), want, wlen);

	plen = unhex(gcm_rtcp_plain, plain, sizeof(plain));
	wlen = unhex(gcm_rtcp_protected, want, sizeof(want));
	assert_bytes(got, ref_gcm_rtcp(key, salt, 0x5d4, plain, plen, got), want, wlen);
}

/* crypto_srtp with a GCM master key must produce, byte for byte, what the
 * RFC-checked model produces from the session keys it derives (labels 0/2
 * for SRTP, 3/5 for SRTCP), and accept what the model produces. */
static void test_gcm_known_answer(void)
{
	uint8_t mkey[16], msalt[12], k[16], s[12], plain[128], want[160];
	alignas(4) uint8_t pkt[BUF];
	size_t plen, wlen, len;
	struct crypto_srtp *out, *in;

	unhex(gcm_key, mkey, sizeof(mkey));
	unhex(gcm_salt, msalt, sizeof(msalt));
	out = make(CRYPTO_SRTP_AEAD_AES_128_GCM, mkey, msalt, false);
	in = make(CRYPTO_SRTP_AEAD_AES_128_GCM, mkey, msalt, true);

	ref_kdf(mkey, msalt, 12, 0x00, k, 16);
	ref_kdf(mkey, msalt, 12, 0x02, s, 12);
	plen = unhex(gcm_rtp_plain, plain, sizeof(plain));
	wlen = ref_gcm_rtp(k, s, 0, plain, plen, want);
	memcpy(pkt, plain, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), ==, 0);
	assert_bytes(pkt, len, want, wlen);
	g_assert_cmpint(crypto_srtp_unprotect_rtp(in, pkt, &len), ==, 0);
	assert_bytes(pkt, len, plain, plen);

	/* libsrtp numbers SRTCP packets from 1. */
	ref_kdf(mkey, msalt, 12, 0x03, k, 16);
	ref_kdf(mkey, msalt, 12, 0x05, s, 12);
	plen = unhex(gcm_rtcp_plain, plain, sizeof(plain));
	wlen = ref_gcm_rtcp(k, s, 1, plain, plen, want);
	memcpy(pkt, plain, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_protect_rtcp(out, pkt, &len, sizeof(pkt)), ==, 0);
	assert_bytes(pkt, len, want, wlen);

	/* And the other way: a model-built packet (index 7) unprotects. */
	wlen = ref_gcm_rtcp(k, s, 7, plain, plen, want);
	memcpy(pkt, want, wlen);
	len = wlen;
	g_assert_cmpint(crypto_srtp_unprotect_rtcp(in, pkt, &len), ==, 0);
	assert_bytes(pkt, len, plain, plen);

	crypto_srtp_free(out);
	crypto_srtp_free(in);
}

/* ---- Behaviour -------------------------------------------------------- */

struct pair {
	enum crypto_srtp_profile profile;
	struct crypto_srtp *out, *in;
	size_t tag;
};

static void pair_init(struct pair *p, enum crypto_srtp_profile profile)
{
	uint8_t key[16], salt[14];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(0x30 + i);
	for (int i = 0; i < 14; i++)
		salt[i] = (uint8_t)(0xa0 + i);
	p->profile = profile;
	p->out = make(profile, key, salt, false);
	p->in = make(profile, key, salt, true);
	p->tag = profile == CRYPTO_SRTP_AEAD_AES_128_GCM ? 16 : 10;
	g_assert_cmpint(crypto_srtp_get_profile(p->in), ==, profile);
}

static void pair_clear(struct pair *p)
{
	p->out = crypto_srtp_free(p->out);
	p->in = crypto_srtp_free(p->in);
	g_assert_null(p->out);
}

static size_t rtp_packet(uint8_t *pkt, uint32_t ssrc, uint16_t seq, size_t payload)
{
	pkt[0] = 0x80, pkt[1] = 96;
	pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++)
		pkt[4 + i] = (uint8_t)(seq * 90u >> (24 - 8 * i));
	for (int i = 0; i < 4; i++)
		pkt[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	for (size_t i = 0; i < payload; i++)
		pkt[12 + i] = (uint8_t)(i * 7 + seq);
	return 12 + payload;
}

static size_t rtcp_packet(uint8_t *pkt, uint32_t ssrc)
{
	/* A receiver report with one report block: 32 bytes. */
	memset(pkt, 0, 32);
	pkt[0] = 0x81, pkt[1] = 201, pkt[3] = 7;
	for (int i = 0; i < 4; i++)
		pkt[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	for (int i = 8; i < 32; i++)
		pkt[i] = (uint8_t)i;
	return 32;
}

static void round_trips(gconstpointer data)
{
	struct pair p;
	alignas(4) uint8_t pkt[BUF], ref[BUF];
	size_t sizes[] = {0, 1, 160, 1188};

	pair_init(&p, (enum crypto_srtp_profile)GPOINTER_TO_INT(data));
	for (uint32_t ssrc = 1; ssrc <= 3; ssrc++) {
		for (uint16_t seq = 65530; seq != 10; seq++) { /* crosses the ROC */
			size_t plen = rtp_packet(ref, ssrc * 0x1000193u, seq, sizes[seq % 4]);
			size_t len = plen;
			memcpy(pkt, ref, plen);
			g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &len, sizeof(pkt)), ==,
					0);
			g_assert_cmpuint(len, ==, plen + p.tag);
			if (sizes[seq % 4] >= 16)
				g_assert_true(memcmp(pkt + 12, ref + 12, 16) != 0);
			g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, 0);
			assert_bytes(pkt, len, ref, plen);
		}
		for (int i = 0; i < 5; i++) {
			size_t plen = rtcp_packet(ref, ssrc), len = plen;
			memcpy(pkt, ref, plen);
			g_assert_cmpint(crypto_srtp_protect_rtcp(p.out, pkt, &len, sizeof(pkt)), ==,
					0);
			g_assert_cmpuint(len, ==, plen + 4 + p.tag);
			/* E flag set: RFC 3711 puts E+index before the tag,
			 * RFC 7714 §9 after it. */
			size_t e = p.tag == 16 ? len - 4 : len - p.tag - 4;
			g_assert_cmpint(pkt[e] & 0x80, !=, 0);
			g_assert_cmpint(crypto_srtp_unprotect_rtcp(p.in, pkt, &len), ==, 0);
			assert_bytes(pkt, len, ref, plen);
		}
	}
	pair_clear(&p);
}

static void tamper(gconstpointer data)
{
	struct pair p;
	alignas(4) uint8_t pkt[BUF], prot[BUF];
	size_t plen, len;

	pair_init(&p, (enum crypto_srtp_profile)GPOINTER_TO_INT(data));
	plen = rtp_packet(pkt, 42, 1000, 100);
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &plen, sizeof(pkt)), ==, 0);
	memcpy(prot, pkt, plen);
	/* A flipped bit in the header, the payload, the tag. */
	size_t where[] = {1, 12 + 50, plen - 1};
	for (size_t i = 0; i < G_N_ELEMENTS(where); i++) {
		memcpy(pkt, prot, plen);
		pkt[where[i]] ^= 0x04;
		len = plen;
		g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, -EBADMSG);
	}
	/* Truncated tag. */
	memcpy(pkt, prot, plen);
	len = plen - 1;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, -EBADMSG);
	/* The intact packet still passes: failures did not advance the window. */
	memcpy(pkt, prot, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, 0);

	plen = rtcp_packet(pkt, 42);
	g_assert_cmpint(crypto_srtp_protect_rtcp(p.out, pkt, &plen, sizeof(pkt)), ==, 0);
	pkt[10] ^= 1;
	g_assert_cmpint(crypto_srtp_unprotect_rtcp(p.in, pkt, &plen), ==, -EBADMSG);
	pair_clear(&p);
}

static void replay(gconstpointer data)
{
	struct pair p;
	alignas(4) uint8_t pkt[BUF], prot[BUF], first[BUF];
	size_t plen, len, first_len;

	pair_init(&p, (enum crypto_srtp_profile)GPOINTER_TO_INT(data));
	first_len = rtp_packet(first, 7, 10, 40);
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, first, &first_len, sizeof(first)), ==, 0);
	plen = rtp_packet(pkt, 7, 11, 40);
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &plen, sizeof(pkt)), ==, 0);
	memcpy(prot, pkt, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, 0);
	memcpy(pkt, prot, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, -EALREADY);

	/* Reordered inside the window is fine... */
	memcpy(pkt, first, first_len);
	len = first_len;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, 0);
	/* ...but not once the window (1024) has moved past it. */
	for (uint16_t seq = 12; seq < 12 + 1100; seq++) {
		len = rtp_packet(pkt, 7, seq, 8);
		g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &len, sizeof(pkt)), ==, 0);
		if (seq == 12)
			memcpy(first, pkt, first_len = len);
		g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, 0);
	}
	memcpy(pkt, first, first_len);
	len = first_len;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, -EALREADY);

	/* SRTCP replay. */
	plen = rtcp_packet(pkt, 7);
	g_assert_cmpint(crypto_srtp_protect_rtcp(p.out, pkt, &plen, sizeof(pkt)), ==, 0);
	memcpy(prot, pkt, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtcp(p.in, pkt, &len), ==, 0);
	memcpy(pkt, prot, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtcp(p.in, pkt, &len), ==, -EALREADY);

	/* Outbound: sending the same packet again (NACK) is allowed and gives
	 * the same bytes. */
	plen = rtp_packet(pkt, 8, 500, 64);
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &plen, sizeof(pkt)), ==, 0);
	memcpy(prot, pkt, plen);
	len = rtp_packet(pkt, 8, 500, 64);
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &len, sizeof(pkt)), ==, 0);
	assert_bytes(pkt, len, prot, plen);
	pair_clear(&p);
}

static void wrong_key(gconstpointer data)
{
	enum crypto_srtp_profile profile = (enum crypto_srtp_profile)GPOINTER_TO_INT(data);
	uint8_t key[16] = {1, 2, 3}, salt[14] = {4, 5, 6};
	alignas(4) uint8_t pkt[BUF];
	struct crypto_srtp *out, *in_key, *in_salt;
	size_t plen, len;
	alignas(4) uint8_t prot[BUF];

	out = make(profile, key, salt, false);
	key[15] ^= 1;
	in_key = make(profile, key, salt, true);
	key[15] ^= 1;
	salt[0] ^= 1;
	in_salt = make(profile, key, salt, true);

	plen = rtp_packet(pkt, 9, 1, 80);
	g_assert_cmpint(crypto_srtp_protect_rtp(out, pkt, &plen, sizeof(pkt)), ==, 0);
	memcpy(prot, pkt, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(in_key, pkt, &len), ==, -EBADMSG);
	memcpy(pkt, prot, plen);
	len = plen;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(in_salt, pkt, &len), ==, -EBADMSG);
	crypto_srtp_free(out);
	crypto_srtp_free(in_key);
	crypto_srtp_free(in_salt);
}

static void malformed(gconstpointer data)
{
	struct pair p;
	alignas(4) uint8_t pkt[BUF];
	size_t len;

	pair_init(&p, (enum crypto_srtp_profile)GPOINTER_TO_INT(data));
	/* Too short to be RTP or RTCP. */
	memset(pkt, 0x80, 64);
	len = 4;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), ==, -EINVAL);
	len = 11;
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &len, sizeof(pkt)), ==, -EINVAL);
	len = 7;
	g_assert_cmpint(crypto_srtp_unprotect_rtcp(p.in, pkt, &len), ==, -EINVAL);
	/* Fifteen CSRCs announced in a 20-byte packet: the header runs past
	 * the end. Must be refused, not read out of bounds (ASan build). */
	len = rtp_packet(pkt, 5, 1, 8);
	pkt[0] = 0x8f;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), <, 0);
	/* A header extension longer than the packet. */
	len = rtp_packet(pkt, 5, 2, 8);
	pkt[0] = 0x90, pkt[12] = 0xbe, pkt[13] = 0xde, pkt[14] = 0xff, pkt[15] = 0xff;
	g_assert_cmpint(crypto_srtp_unprotect_rtp(p.in, pkt, &len), <, 0);
	/* Not enough room for the trailer: refused, packet untouched. */
	len = rtp_packet(pkt, 5, 3, 100);
	g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &len, len + 10), ==, -ENOBUFS);
	g_assert_cmpuint(len, ==, 112);
	g_assert_cmpint(pkt[12], ==, 3);
	pair_clear(&p);
}

static void test_bad_parameters(void)
{
	uint8_t key[32] = {0}, salt[14] = {0};
	struct crypto_srtp *s = NULL;

	g_assert_cmpint(crypto_srtp_new(CRYPTO_SRTP_AES128_CM_SHA1_80, key, 16, salt, 12, true, &s),
			==, -EINVAL);
	g_assert_cmpint(crypto_srtp_new(CRYPTO_SRTP_AEAD_AES_128_GCM, key, 16, salt, 14, true, &s),
			==, -EINVAL);
	g_assert_cmpint(crypto_srtp_new(CRYPTO_SRTP_AES128_CM_SHA1_80, key, 32, salt, 14, true, &s),
			==, -EINVAL);
	g_assert_cmpint(crypto_srtp_new((enum crypto_srtp_profile)8, key, 32, salt, 12, true, &s),
			==, -EOPNOTSUPP);
	g_assert_null(s);
	g_assert_null(crypto_srtp_free(NULL));
}

static void test_keys_wipe(void)
{
	struct crypto_srtp_keys k;
	struct crypto_srtp *in = NULL, *out = NULL;
	const uint8_t zero[sizeof(k)] = {0};
	alignas(4) uint8_t pkt[BUF];
	size_t len;

	memset(&k, 0x5a, sizeof(k));
	k.profile = CRYPTO_SRTP_AEAD_AES_128_GCM;
	k.key_len = 16;
	k.salt_len = 12;
	/* Contexts built from the keys stand alone: they work after the keys
	 * are wiped, and the wipe leaves no byte of key material behind. */
	g_assert_cmpint(crypto_srtp_new_from_keys(&k, false, &out), ==, 0);
	memcpy(k.remote_key, k.local_key, sizeof(k.local_key));
	memcpy(k.remote_salt, k.local_salt, sizeof(k.local_salt));
	g_assert_cmpint(crypto_srtp_new_from_keys(&k, true, &in), ==, 0);
	crypto_srtp_keys_wipe(&k);
	g_assert_true(memcmp(&k, zero, sizeof(k)) == 0);
	len = rtp_packet(pkt, 1, 1, 20);
	g_assert_cmpint(crypto_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), ==, 0);
	g_assert_cmpint(crypto_srtp_unprotect_rtp(in, pkt, &len), ==, 0);
	crypto_srtp_keys_wipe(NULL);
	crypto_srtp_free(in);
	crypto_srtp_free(out);
}

/* Only with -m perf: protect cost of a 1,200-byte packet. */
static void perf(gconstpointer data)
{
	struct pair p;
	alignas(4) uint8_t pkt[BUF];
	const int n = 200000;
	size_t len;

	pair_init(&p, (enum crypto_srtp_profile)GPOINTER_TO_INT(data));
	g_test_timer_start();
	for (int i = 0; i < n; i++) {
		len = rtp_packet(pkt, 1, (uint16_t)i, 1188);
		g_assert_cmpint(crypto_srtp_protect_rtp(p.out, pkt, &len, sizeof(pkt)), ==, 0);
	}
	double protect_s = g_test_timer_elapsed();
	g_test_minimized_result(protect_s * 1e6 / n, "protect 1200 B: %.2f us",
				protect_s * 1e6 / n);
	pair_clear(&p);
}

static void add_both(const char *name, GTestDataFunc fn)
{
	g_autofree char *cm = g_strdup_printf("/crypto/srtp/aes128-cm-sha1-80/%s", name);
	g_autofree char *gcm = g_strdup_printf("/crypto/srtp/aead-aes-128-gcm/%s", name);

	g_test_add_data_func(cm, GINT_TO_POINTER(CRYPTO_SRTP_AES128_CM_SHA1_80), fn);
	g_test_add_data_func(gcm, GINT_TO_POINTER(CRYPTO_SRTP_AEAD_AES_128_GCM), fn);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/crypto/srtp/profiles-supported", test_profiles_supported);
	g_test_add_func("/crypto/srtp/library-named", test_library_named);
	g_test_add_func("/crypto/srtp/known-answer/aes128-cm-sha1-80", test_cm_known_answer);
	g_test_add_func("/crypto/srtp/known-answer/model-kdf-rfc3711", test_reference_kdf_rfc3711);
	g_test_add_func("/crypto/srtp/known-answer/model-gcm-rfc7714", test_reference_gcm_rfc7714);
	g_test_add_func("/crypto/srtp/known-answer/aead-aes-128-gcm", test_gcm_known_answer);
	add_both("round-trips", round_trips);
	add_both("tamper", tamper);
	add_both("replay", replay);
	add_both("wrong-key", wrong_key);
	add_both("malformed", malformed);
	g_test_add_func("/crypto/srtp/bad-parameters", test_bad_parameters);
	g_test_add_func("/crypto/srtp/keys-wipe", test_keys_wipe);
	if (g_test_perf())
		add_both("perf", perf);
	return g_test_run();
}
