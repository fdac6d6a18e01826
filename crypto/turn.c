#include "crypto/turn.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <string.h>

int crypto_turn_password(const char *secret, size_t secret_len, const char *username,
			 char ret_password[CRYPTO_TURN_PASSWORD_CHARS + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	unsigned char text[CRYPTO_TURN_PASSWORD_CHARS + 1];

	if (secret_len == 0 || secret_len > (size_t)INT32_MAX)
		return -EINVAL;
	if (!HMAC(EVP_sha1(), secret, (int)secret_len, (const unsigned char *)username,
		  strlen(username), mac, &mac_len) ||
	    mac_len != 20) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return -EIO;
	}
	/* EVP_EncodeBlock writes standard base64 with '=' padding and a NUL. */
	int n = EVP_EncodeBlock(text, mac, (int)mac_len);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (n != CRYPTO_TURN_PASSWORD_CHARS)
		return -EIO;
	memcpy(ret_password, text, CRYPTO_TURN_PASSWORD_CHARS + 1);
	return 0;
}
