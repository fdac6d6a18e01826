/* SRTP and SRTCP protection of one direction of one transport, over
 * libsrtp (RFC 3711, AEAD per RFC 7714).
 *
 * A transport has two contexts: an inbound one (unprotect what the peer
 * sends, replay-checked) and an outbound one (protect what we send). Each
 * context covers every SSRC of its direction (libsrtp's ssrc_any_inbound /
 * ssrc_any_outbound templates), keyed from the DTLS-SRTP exporter (see
 * crypto/dtls.h). Protect and unprotect work in place, never allocate in
 * this code (libsrtp allocates one stream the first time it sees an SSRC)
 * and never log. A context is used by one thread at a time.
 *
 * Master keys handed in are copied only for the time srtp_create needs
 * them and are wiped afterwards; crypto_srtp_free wipes what it owns. */
#ifndef HEARTH_CRYPTO_SRTP_H
#define HEARTH_CRYPTO_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA "DTLS-SRTP Protection Profiles" ids (RFC 5764 §4.1.2, RFC 7714
 * §14.2), equal to libsrtp's srtp_profile_t values. */
enum crypto_srtp_profile {
	CRYPTO_SRTP_AES128_CM_SHA1_80 = 0x0001,
	CRYPTO_SRTP_AEAD_AES_128_GCM = 0x0007,
};

#define CRYPTO_SRTP_MAX_KEY  32
#define CRYPTO_SRTP_MAX_SALT 14

/* Room a buffer must have after the packet for protect_rtp/_rtcp: libsrtp
 * may write SRTP_MAX_TRAILER_LEN (+4 for the SRTCP index) past the
 * packet. The trailer actually added is at most 20 bytes. */
#define CRYPTO_SRTP_MAX_TRAILER 148

/* Master keys and salts of one DTLS-SRTP association, split by direction:
 * local_* protect what we send, remote_* unprotect what we receive.
 * AES128_CM_SHA1_80: 16-byte key, 14-byte salt; AEAD_AES_128_GCM: 16-byte
 * key, 12-byte salt (RFC 7714 §12). Wipe with crypto_srtp_keys_wipe. */
struct crypto_srtp_keys {
	enum crypto_srtp_profile profile;
	size_t key_len, salt_len;
	uint8_t local_key[CRYPTO_SRTP_MAX_KEY], local_salt[CRYPTO_SRTP_MAX_SALT];
	uint8_t remote_key[CRYPTO_SRTP_MAX_KEY], remote_salt[CRYPTO_SRTP_MAX_SALT];
};

/* One direction: an opaque libsrtp session. */
struct crypto_srtp;

/* Initialises libsrtp once per process (safe to call from any thread, any
 * number of times), silences its logging, and probes which profiles the
 * installed libsrtp can run. Returns 0, or -EIO when libsrtp fails to
 * start or cannot run AES128_CM_SHA1_80 (the one profile WebRTC mandates). */
int crypto_srtp_global_init(void);

/* Which libsrtp runs, for the logs and --version: its version and the
 * crypto its AES counter mode uses, as libsrtp describes its own cipher,
 * e.g. "libsrtp2 2.5.0, AES-CM and GCM by openssl" (Hearth's build, see
 * scripts/libsrtp-openssl) or "... by NSS" (Debian's libsrtp2). A static
 * string; callable before crypto_srtp_global_init. */
const char *crypto_srtp_library(void);

/* Whether the installed libsrtp runs profile (after crypto_srtp_global_init;
 * false before). Debian's libsrtp2 (NSS backend) runs both. */
bool crypto_srtp_profile_supported(enum crypto_srtp_profile profile);

/* Key and salt lengths of a profile. Returns 0 or -EOPNOTSUPP. */
int crypto_srtp_profile_lengths(enum crypto_srtp_profile profile, size_t *ret_key_len,
				size_t *ret_salt_len);

/* Makes a context for one direction. inbound: replay protection with a
 * 1024-packet window. Outbound: repeated sequence numbers are allowed, so
 * that a NACKed packet can be sent again; the caller must only ever repeat
 * a packet byte for byte (with GCM, another payload under the same
 * sequence number would reuse the nonce). key/salt are borrowed and not
 * kept. Returns 0, -EINVAL (lengths do not fit profile), -EOPNOTSUPP
 * (profile not run by this libsrtp), -ENOMEM or -EIO. */
int crypto_srtp_new(enum crypto_srtp_profile profile, const uint8_t *key, size_t key_len,
		    const uint8_t *salt, size_t salt_len, bool inbound, struct crypto_srtp **ret);

/* The context for one direction of a DTLS-SRTP association: inbound takes
 * keys->remote_*, outbound keys->local_*. Same returns as crypto_srtp_new. */
int crypto_srtp_new_from_keys(const struct crypto_srtp_keys *keys, bool inbound,
			      struct crypto_srtp **ret);

/* Destroys a context: srtp_dealloc releases libsrtp's session keys (held
 * in its NSS cipher contexts); the master key was never kept. Accepts
 * NULL; returns NULL. */
struct crypto_srtp *crypto_srtp_free(struct crypto_srtp *s);

enum crypto_srtp_profile crypto_srtp_get_profile(const struct crypto_srtp *s);

/* Packet functions. pkt must be 4-byte aligned. On success *len is the new
 * length; on failure the packet content is undefined and must be dropped.
 * protect_*: outbound contexts only; cap is the buffer size and must be at
 * least *len + CRYPTO_SRTP_MAX_TRAILER (else -ENOBUFS, packet untouched).
 * unprotect_*: inbound contexts only.
 * Errors: -EBADMSG authentication failed (tampered, or wrong key),
 * -EALREADY replayed or too old for the replay window, -EINVAL malformed
 * (too short, header lengths past the end), -ERANGE index out of range,
 * -EKEYEXPIRED key used up, -ENOMEM, -EIO anything else. */
int crypto_srtp_protect_rtp(struct crypto_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
int crypto_srtp_unprotect_rtp(struct crypto_srtp *s, uint8_t *pkt, size_t *len);
int crypto_srtp_protect_rtcp(struct crypto_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
int crypto_srtp_unprotect_rtcp(struct crypto_srtp *s, uint8_t *pkt, size_t *len);

/* Frees what an inbound context keeps for one SSRC (its replay window,
 * created when its first packet was unprotected); a later packet from it
 * starts afresh. Nothing when there is none. */
void crypto_srtp_forget(struct crypto_srtp *s, uint32_t ssrc);

/* Overwrites all key material in k (and the lengths and profile). */
void crypto_srtp_keys_wipe(struct crypto_srtp_keys *k);

#endif
