/* Keys derived from a secret and data sealed under them: HKDF-SHA256
 * (RFC 5869), HMAC-SHA256, and AES-256-GCM with a random 96-bit nonce.
 *
 * The admin API keeps its idempotent answers with these (admin/
 * api_idempotency.c): each answer is sealed under a key derived from the
 * caller's idempotency key, so the stored row alone cannot be read.
 *
 * Pure functions over the caller's buffers; no allocation that outlives a
 * call, no logging. Key material on the stack is wiped before returning. */
#ifndef HEARTH_CRYPTO_SEAL_H
#define HEARTH_CRYPTO_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SEAL_KEY_BYTES	32 /* AES-256 */
#define CRYPTO_SEAL_NONCE_BYTES 12
#define CRYPTO_SEAL_TAG_BYTES	16
/* What sealing adds to the plaintext: the nonce before it, the tag after. */
#define CRYPTO_SEAL_OVERHEAD (CRYPTO_SEAL_NONCE_BYTES + CRYPTO_SEAL_TAG_BYTES)
#define CRYPTO_HMAC_BYTES    32

/* RFC 5869 HKDF-SHA256: extract with salt (may be empty), expand with info
 * into out_len bytes (at most 255 * 32). Returns 0, or -EINVAL / -EIO. */
int crypto_hkdf_sha256(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
		       const void *info, size_t info_len, uint8_t *ret_out, size_t out_len);

/* HMAC-SHA256 of data under key. Returns 0 or -EIO. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		       uint8_t ret_mac[CRYPTO_HMAC_BYTES]);

/* AES-256-GCM: writes nonce || ciphertext || tag (len + CRYPTO_SEAL_OVERHEAD
 * bytes) to ret_sealed; aad is authenticated, not encrypted. Returns 0, or
 * -EIO (random generator or cipher failure; ret_sealed is then wiped). */
int crypto_seal(const uint8_t key[CRYPTO_SEAL_KEY_BYTES], const void *aad, size_t aad_len,
		const void *plain, size_t len, uint8_t *ret_sealed);

/* Opens what crypto_seal() made (sealed_len >= CRYPTO_SEAL_OVERHEAD) into
 * ret_plain (sealed_len - CRYPTO_SEAL_OVERHEAD bytes). Returns 0, -EINVAL
 * for a short input, or -EBADMSG when the key, aad or bytes do not match
 * (ret_plain is then wiped). */
int crypto_open(const uint8_t key[CRYPTO_SEAL_KEY_BYTES], const void *aad, size_t aad_len,
		const uint8_t *sealed, size_t sealed_len, uint8_t *ret_plain);

#endif
