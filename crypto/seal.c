#include "crypto/seal.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

#include "crypto/token.h"

int crypto_hkdf_sha256(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
		       const void *info, size_t info_len, uint8_t *ret_out, size_t out_len)
{
	static const uint8_t empty[1];
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[5], *p = params;
	int ok;

	if (out_len == 0 || out_len > 255 * 32)
		return -EINVAL;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!kdf)
		return -EIO;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!ctx)
		return -EIO;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)(ikm_len ? ikm : empty), ikm_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)(salt_len ? salt : empty), salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)(info_len ? info : empty), info_len);
	*p = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, ret_out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	if (!ok) {
		crypto_wipe(ret_out, out_len);
		return -EIO;
	}
	return 0;
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		       uint8_t ret_mac[CRYPTO_HMAC_BYTES])
{
	const void *pieces[] = {data};
	const size_t lens[] = {len};

	return crypto_hmac_sha256_pieces(key, key_len, pieces, lens, 1, ret_mac);
}

/* One GCM pass over in (encrypting or decrypting) into out; sets or checks
 * the tag. Returns 0 or -EIO (-EBADMSG for a tag that does not match). */
static int crypto_gcm(bool encrypt, const uint8_t key[CRYPTO_SEAL_KEY_BYTES],
		      const uint8_t nonce[CRYPTO_SEAL_NONCE_BYTES], const void *aad, size_t aad_len,
		      const uint8_t *in, size_t len, uint8_t *out,
		      uint8_t tag[CRYPTO_SEAL_TAG_BYTES])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, r = -EIO;

	if (!ctx || len > INT_MAX || aad_len > INT_MAX)
		goto out;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce, encrypt ? 1 : 0) != 1)
		goto out;
	if (aad_len && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto out;
	if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (!encrypt &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_SEAL_TAG_BYTES, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
		r = encrypt ? -EIO : -EBADMSG;
		goto out;
	}
	if (encrypt &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_SEAL_TAG_BYTES, tag) != 1)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int crypto_seal(const uint8_t key[CRYPTO_SEAL_KEY_BYTES], const void *aad, size_t aad_len,
		const void *plain, size_t len, uint8_t *ret_sealed)
{
	uint8_t *nonce = ret_sealed;
	int r;

	if (RAND_bytes(nonce, CRYPTO_SEAL_NONCE_BYTES) != 1) {
		crypto_wipe(ret_sealed, len + CRYPTO_SEAL_OVERHEAD);
		return -EIO;
	}
	r = crypto_gcm(true, key, nonce, aad, aad_len, plain, len,
		       ret_sealed + CRYPTO_SEAL_NONCE_BYTES,
		       ret_sealed + CRYPTO_SEAL_NONCE_BYTES + len);
	if (r < 0)
		crypto_wipe(ret_sealed, len + CRYPTO_SEAL_OVERHEAD);
	return r;
}

int crypto_open(const uint8_t key[CRYPTO_SEAL_KEY_BYTES], const void *aad, size_t aad_len,
		const uint8_t *sealed, size_t sealed_len, uint8_t *ret_plain)
{
	uint8_t tag[CRYPTO_SEAL_TAG_BYTES];
	size_t len;
	int r;

	if (sealed_len < CRYPTO_SEAL_OVERHEAD)
		return -EINVAL;
	len = sealed_len - CRYPTO_SEAL_OVERHEAD;
	memcpy(tag, sealed + CRYPTO_SEAL_NONCE_BYTES + len, sizeof(tag));
	r = crypto_gcm(false, key, sealed, aad, aad_len, sealed + CRYPTO_SEAL_NONCE_BYTES, len,
		       ret_plain, tag);
	if (r < 0) {
		crypto_wipe(ret_plain, len);
		return r == -EBADMSG ? -EBADMSG : r;
	}
	return 0;
}
