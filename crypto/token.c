#include "crypto/token.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

#include "core/parse.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* RFC 4648 §5, without padding. ret holds 4 * ceil(len / 3) + 1. */
static size_t crypto_base64url(const uint8_t *in, size_t len, char *ret)
{
	size_t o = 0, i = 0;

	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		ret[o++] = b64url[v >> 18 & 63];
		ret[o++] = b64url[v >> 12 & 63];
		ret[o++] = b64url[v >> 6 & 63];
		ret[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		ret[o++] = b64url[v >> 18 & 63];
		ret[o++] = b64url[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		ret[o++] = b64url[v >> 18 & 63];
		ret[o++] = b64url[v >> 12 & 63];
		ret[o++] = b64url[v >> 6 & 63];
	}
	ret[o] = '\0';
	return o;
}

int crypto_token_new(char ret_token[CRYPTO_TOKEN_CHARS + 1])
{
	uint8_t raw[CRYPTO_TOKEN_BYTES];

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		crypto_wipe(raw, sizeof(raw));
		return -EIO;
	}
	crypto_base64url(raw, sizeof(raw), ret_token);
	crypto_wipe(raw, sizeof(raw));
	return 0;
}

bool crypto_token_well_formed(const char *text)
{
	size_t n = 0;

	for (; text[n]; n++) {
		char c = text[n];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok || n >= CRYPTO_TOKEN_CHARS)
			return false;
	}
	return n == CRYPTO_TOKEN_CHARS;
}

void crypto_sha256(const void *data, size_t len, uint8_t ret_digest[CRYPTO_SHA256_BYTES])
{
	unsigned int out_len = CRYPTO_SHA256_BYTES;

	/* EVP_Digest only fails on allocation failure inside OpenSSL; a zero
	 * digest then matches nothing stored, which fails closed. */
	if (EVP_Digest(data, len, ret_digest, &out_len, EVP_sha256(), NULL) != 1)
		memset(ret_digest, 0, CRYPTO_SHA256_BYTES);
}

void crypto_hex(const uint8_t *bytes, size_t len, char *ret_hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		ret_hex[2 * i] = digits[bytes[i] >> 4];
		ret_hex[2 * i + 1] = digits[bytes[i] & 15];
	}
	ret_hex[2 * len] = '\0';
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_wipe(void *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
}

int crypto_hmac_sha256_pieces(const void *key, size_t key_len, const void *const *pieces,
			      const size_t *lens, size_t count,
			      uint8_t ret_mac[CRYPTO_SHA256_BYTES])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	size_t out_len = 0;
	int ok = ctx && EVP_MAC_init(ctx, key, key_len, params) == 1;

	for (size_t i = 0; ok && i < count; i++)
		ok = EVP_MAC_update(ctx, pieces[i], lens[i]) == 1;
	ok = ok && EVP_MAC_final(ctx, ret_mac, &out_len, CRYPTO_SHA256_BYTES) == 1 &&
	     out_len == CRYPTO_SHA256_BYTES;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -EIO;
}

int crypto_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}
