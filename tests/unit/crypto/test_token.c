/* Unit tests of crypto/token: FIPS 180-2 SHA-256 known answers, token shape
 * and randomness, hex round trips, constant-time equality. */
#include <glib.h>
#include <string.h>

#include "crypto/token.h"

static void check_sha256(const char *input, const char *expect_hex)
{
	uint8_t digest[CRYPTO_SHA256_BYTES];
	char hex[CRYPTO_SHA256_HEX + 1];

	crypto_sha256(input, strlen(input), digest);
	crypto_hex(digest, sizeof(digest), hex);
	g_assert_cmpstr(hex, ==, expect_hex);
}

static void test_sha256_vectors(void)
{
	/* FIPS 180-2 Appendix B.1 and B.2, and the empty string. */
	check_sha256("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_sha256("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_token_shape(void)
{
	char a[CRYPTO_TOKEN_CHARS + 1], b[CRYPTO_TOKEN_CHARS + 1];

	g_assert_cmpint(crypto_token_new(a), ==, 0);
	g_assert_cmpint(crypto_token_new(b), ==, 0);
	g_assert_cmpuint(strlen(a), ==, 43);
	g_assert_true(crypto_token_well_formed(a));
	g_assert_cmpstr(a, !=, b);
	g_assert_false(crypto_token_well_formed(""));
	g_assert_false(crypto_token_well_formed("abc"));
	char bad[CRYPTO_TOKEN_CHARS + 1];
	memcpy(bad, a, sizeof(bad));
	bad[5] = '+'; /* base64, not base64url */
	g_assert_false(crypto_token_well_formed(bad));
	char longer[CRYPTO_TOKEN_CHARS + 2];
	memcpy(longer, a, CRYPTO_TOKEN_CHARS);
	longer[CRYPTO_TOKEN_CHARS] = 'A';
	longer[CRYPTO_TOKEN_CHARS + 1] = '\0';
	g_assert_false(crypto_token_well_formed(longer));
}

/* 1000 tokens: all distinct, and every base64url character appears (a
 * broken generator or encoder shows here). */
static void test_token_spread(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	bool chars[128] = {0};

	for (int i = 0; i < 1000; i++) {
		char t[CRYPTO_TOKEN_CHARS + 1];
		g_assert_cmpint(crypto_token_new(t), ==, 0);
		for (int k = 0; k < CRYPTO_TOKEN_CHARS; k++)
			chars[(unsigned char)t[k]] = true;
		g_assert_true(g_hash_table_add(seen, g_strdup(t)));
	}
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (const char *c = alphabet; *c; c++)
		g_assert_true(chars[(unsigned char)*c]);
}

static void test_hex_and_equal(void)
{
	uint8_t bytes[4] = {0x00, 0xab, 0x10, 0xff}, back[4];
	char hex[9];

	crypto_hex(bytes, 4, hex);
	g_assert_cmpstr(hex, ==, "00ab10ff");
	memcpy(back, bytes, sizeof(back));
	g_assert_true(crypto_equal(bytes, back, 4));
	back[3] ^= 1;
	g_assert_false(crypto_equal(bytes, back, 4));
	crypto_wipe(bytes, sizeof(bytes));
	g_assert_cmpint(bytes[1], ==, 0);
	crypto_wipe(NULL, 10);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/crypto/sha256", test_sha256_vectors);
	g_test_add_func("/crypto/token/shape", test_token_shape);
	g_test_add_func("/crypto/token/spread", test_token_spread);
	g_test_add_func("/crypto/hex", test_hex_and_equal);
	return g_test_run();
}
