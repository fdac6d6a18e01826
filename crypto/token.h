/* Secrets that identify people: invite tokens and API keys, and the hashes
 * they are stored as.
 *
 * A token is 256 random bits from OpenSSL's RAND_bytes, written as 43
 * base64url characters without padding. Only its SHA-256 is ever stored;
 * comparisons of secrets or their hashes are constant-time. */
#ifndef HEARTH_CRYPTO_TOKEN_H
#define HEARTH_CRYPTO_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_TOKEN_BYTES  32
#define CRYPTO_TOKEN_CHARS  43 /* base64url of 32 bytes, no padding */
#define CRYPTO_SHA256_BYTES 32
#define CRYPTO_SHA256_HEX   64

/* Fills ret_token with a new random token and its NUL. Returns 0 or -EIO
 * when the random generator fails (nothing usable is left in ret_token). */
int crypto_token_new(char ret_token[CRYPTO_TOKEN_CHARS + 1]);

/* Whether text is exactly CRYPTO_TOKEN_CHARS base64url characters. */
bool crypto_token_well_formed(const char *text);

void crypto_sha256(const void *data, size_t len, uint8_t ret_digest[CRYPTO_SHA256_BYTES]);

/* HMAC-SHA256 (RFC 2104) of the data pieces one after the other, as one
 * message. Returns 0 or -EIO. */
int crypto_hmac_sha256_pieces(const void *key, size_t key_len, const void *const *pieces,
			      const size_t *lens, size_t count,
			      uint8_t ret_mac[CRYPTO_SHA256_BYTES]);

/* Fills buf with len random bytes. Returns 0 or -EIO. */
int crypto_random(void *buf, size_t len);

/* Lower-case hex of bytes; ret_hex holds 2 * len + 1. */
void crypto_hex(const uint8_t *bytes, size_t len, char *ret_hex);

/* Parses exactly 2 * len hex digits (either case). Returns 0 or -EINVAL,
 * leaving ret_bytes untouched. Kept for its callers: new code calls
 * core/parse.h's parse_hex(), which this is. */
/* Constant-time equality of two equal-length buffers. */
bool crypto_equal(const void *a, const void *b, size_t len);

/* Overwrites a secret so the compiler cannot skip it. Accepts NULL. */
void crypto_wipe(void *p, size_t len);

#endif
