/* Unit tests of crypto/seal: HKDF and HMAC against the RFCs' vectors,
 * AES-256-GCM against the GCM specification's, and what opening refuses. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "core/parse.h"
#include "crypto/seal.h"

static void hex(const char *text, uint8_t *ret, size_t len)
{
	g_assert_cmpuint(strlen(text), ==, 2 * len);
	g_assert_cmpint(parse_hex(text, ret, len), ==, 0);
}

static void test_hkdf_rfc5869(void)
{
	/* RFC 5869 appendix A.1, test case 1. */
	uint8_t ikm[22], salt[13], info[10], okm[42], expect[42];

	memset(ikm, 0x0b, sizeof(ikm));
	hex("000102030405060708090a0b0c", salt, sizeof(salt));
	hex("f0f1f2f3f4f5f6f7f8f9", info, sizeof(info));
	hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865",
	    expect, sizeof(expect));
	g_assert_cmpint(crypto_hkdf_sha256(salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info),
					   okm, sizeof(okm)),
			==, 0);
	g_assert_cmpmem(okm, sizeof(okm), expect, sizeof(expect));
	g_assert_cmpint(crypto_hkdf_sha256(salt, 1, ikm, 1, info, 1, okm, 0), ==, -EINVAL);
}

static void test_hmac_rfc4231(void)
{
	/* RFC 4231 §4.3, test case 2. */
	static const char data[] = "what do ya want for nothing?";
	uint8_t mac[CRYPTO_HMAC_BYTES], expect[CRYPTO_HMAC_BYTES];

	hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", expect,
	    sizeof(expect));
	g_assert_cmpint(crypto_hmac_sha256("Jefe", 4, data, strlen(data), mac), ==, 0);
	g_assert_cmpmem(mac, sizeof(mac), expect, sizeof(expect));
}

static void test_gcm_vector(void)
{
	/* The GCM specification (McGrew and Viega), test case 14: a zero
	 * key, a zero IV, one zero block. */
	uint8_t key[CRYPTO_SEAL_KEY_BYTES] = {0}, sealed[12 + 16 + 16] = {0}, plain[16];
	static const uint8_t zeros[16];

	hex("cea7403d4d606b6e074ec5d3baf39d18", sealed + 12, 16);
	hex("d0d1c8a799996bf0265b98b5d48ab919", sealed + 28, 16);
	g_assert_cmpint(crypto_open(key, NULL, 0, sealed, sizeof(sealed), plain), ==, 0);
	g_assert_cmpmem(plain, sizeof(plain), zeros, sizeof(zeros));
}

static void test_round_trip_and_refusals(void)
{
	uint8_t key[CRYPTO_SEAL_KEY_BYTES], other[CRYPTO_SEAL_KEY_BYTES];
	static const char text[] = "{\"token\":\"secret\"}";
	uint8_t sealed[sizeof(text) + CRYPTO_SEAL_OVERHEAD], again[sizeof(sealed)];
	char plain[sizeof(text)];

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	g_assert_cmpint(crypto_seal(key, "aad", 3, text, sizeof(text), sealed), ==, 0);
	g_assert_null(memmem(sealed, sizeof(sealed), "secret", 6));
	g_assert_cmpint(crypto_open(key, "aad", 3, sealed, sizeof(sealed), (uint8_t *)plain), ==,
			0);
	g_assert_cmpstr(plain, ==, text);
	/* A fresh nonce each time: the same text seals differently. */
	g_assert_cmpint(crypto_seal(key, "aad", 3, text, sizeof(text), again), ==, 0);
	g_assert_true(memcmp(sealed, again, sizeof(sealed)) != 0);

	g_assert_cmpint(crypto_open(other, "aad", 3, sealed, sizeof(sealed), (uint8_t *)plain), ==,
			-EBADMSG);
	g_assert_cmpint(crypto_open(key, "aaD", 3, sealed, sizeof(sealed), (uint8_t *)plain), ==,
			-EBADMSG);
	sealed[CRYPTO_SEAL_NONCE_BYTES] ^= 1;
	g_assert_cmpint(crypto_open(key, "aad", 3, sealed, sizeof(sealed), (uint8_t *)plain), ==,
			-EBADMSG);
	g_assert_cmpint(
	    crypto_open(key, "aad", 3, sealed, CRYPTO_SEAL_OVERHEAD - 1, (uint8_t *)plain), ==,
	    -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/crypto/seal/hkdf-rfc5869", test_hkdf_rfc5869);
	g_test_add_func("/crypto/seal/hmac-rfc4231", test_hmac_rfc4231);
	g_test_add_func("/crypto/seal/gcm-vector", test_gcm_vector);
	g_test_add_func("/crypto/seal/round-trip", test_round_trip_and_refusals);
	return g_test_run();
}
