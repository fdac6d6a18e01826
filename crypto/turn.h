/* TURN REST credentials as coturn checks them with use-auth-secret
 * (draft-uberti-behave-turn-rest-00 §2.2): the password of a username is
 * base64(HMAC-SHA1(secret, username)). Pure; no allocation. */
#ifndef HEARTH_CRYPTO_TURN_H
#define HEARTH_CRYPTO_TURN_H

#include <stddef.h>

#define CRYPTO_TURN_PASSWORD_CHARS 28 /* base64 (padded) of SHA-1's 20 bytes */

/* Writes the password of username (NUL-terminated) to ret_password.
 * Returns 0, or -EINVAL for an empty secret or -EIO when OpenSSL fails
 * (ret_password untouched). */
int crypto_turn_password(const char *secret, size_t secret_len, const char *username,
			 char ret_password[CRYPTO_TURN_PASSWORD_CHARS + 1]);

#endif
