#include "crypto/srtp.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

struct crypto_srtp {
	srtp_t session;
	enum crypto_srtp_profile profile;
	bool inbound;
};

/* RFC 3711 §3.3.2 lets the window be larger than 64; 1024 covers the
 * reordering and NACK retransmissions a video stream sees. */
#define SRTP_REPLAY_WINDOW 1024

#define RTP_MIN_HEADER	12
#define RTCP_MIN_HEADER 8

static_assert(CRYPTO_SRTP_MAX_TRAILER >= SRTP_MAX_TRAILER_LEN + 4, "trailer room");
static_assert(CRYPTO_SRTP_MAX_KEY + CRYPTO_SRTP_MAX_SALT <= SRTP_MAX_KEY_LEN, "key buffer");
static_assert((int)CRYPTO_SRTP_AES128_CM_SHA1_80 == (int)srtp_profile_aes128_cm_sha1_80,
	      "profile ids");
static_assert((int)CRYPTO_SRTP_AEAD_AES_128_GCM == (int)srtp_profile_aead_aes_128_gcm,
	      "profile ids");

/* libsrtp's own AES-128 counter mode cipher type (its cipher_types.h is not
 * installed; the symbol is exported by the shared and the static library).
 * Its description names the crypto it was built with. */
extern const srtp_cipher_type_t srtp_aes_icm_128;

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static int srtp_init_result = -EIO;
static bool srtp_has_cm, srtp_has_gcm;

static int crypto_srtp_errno(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
		return -EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return -EALREADY;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_mki:
		return -EINVAL;
	case srtp_err_status_pkt_idx_old:
	case srtp_err_status_pkt_idx_adv:
		return -ERANGE;
	case srtp_err_status_key_expired:
		return -EKEYEXPIRED;
	case srtp_err_status_alloc_fail:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int crypto_srtp_profile_lengths(enum crypto_srtp_profile profile, size_t *ret_key_len,
				size_t *ret_salt_len)
{
	switch (profile) {
	case CRYPTO_SRTP_AES128_CM_SHA1_80:
		*ret_key_len = SRTP_AES_128_KEY_LEN;
		*ret_salt_len = SRTP_SALT_LEN;
		return 0;
	case CRYPTO_SRTP_AEAD_AES_128_GCM:
		*ret_key_len = SRTP_AES_128_KEY_LEN;
		*ret_salt_len = SRTP_AES_GCM_128_KEY_LEN_WSALT - SRTP_AES_128_KEY_LEN;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* Builds the session; the concatenated master key||salt lives on this stack
 * frame only and is wiped before returning. */
static int crypto_srtp_create(enum crypto_srtp_profile profile, const uint8_t *key, size_t key_len,
			      const uint8_t *salt, size_t salt_len, bool inbound, srtp_t *ret)
{
	uint8_t master[SRTP_MAX_KEY_LEN];
	srtp_policy_t policy;
	srtp_err_status_t st;

	memset(&policy, 0, sizeof(policy));
	if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, (srtp_profile_t)profile) ||
	    srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, (srtp_profile_t)profile))
		return -EOPNOTSUPP;
	memcpy(master, key, key_len);
	memcpy(master + key_len, salt, salt_len);
	policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	policy.key = master;
	policy.window_size = SRTP_REPLAY_WINDOW;
	/* A NACKed packet is sent again unchanged; see srtp.h. */
	policy.allow_repeat_tx = inbound ? 0 : 1;
	st = srtp_create(ret, &policy);
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(&policy, sizeof(policy));
	if (st == srtp_err_status_ok)
		return 0;
	return st == srtp_err_status_alloc_fail ? -ENOMEM : -EOPNOTSUPP;
}

/* Protects and unprotects one packet with a throwaway key: proves that the
 * installed libsrtp (and its crypto backend) runs the profile. */
static bool crypto_srtp_probe(enum crypto_srtp_profile profile)
{
	uint8_t key[CRYPTO_SRTP_MAX_KEY] = {1}, salt[CRYPTO_SRTP_MAX_SALT] = {2};
	uint32_t words[(RTP_MIN_HEADER + 16 + SRTP_MAX_TRAILER_LEN) / 4] = {0};
	uint8_t *pkt = (uint8_t *)words;
	size_t key_len, salt_len;
	srtp_t out = NULL, in = NULL;
	bool ok = false;
	int len = RTP_MIN_HEADER + 16;

	if (crypto_srtp_profile_lengths(profile, &key_len, &salt_len) < 0)
		return false;
	pkt[0] = 0x80;
	pkt[3] = 1;
	pkt[11] = 1;
	if (crypto_srtp_create(profile, key, key_len, salt, salt_len, false, &out) < 0 ||
	    crypto_srtp_create(profile, key, key_len, salt, salt_len, true, &in) < 0)
		goto out;
	if (srtp_protect(out, pkt, &len) != srtp_err_status_ok || len <= RTP_MIN_HEADER + 16)
		goto out;
	if (srtp_unprotect(in, pkt, &len) != srtp_err_status_ok || len != RTP_MIN_HEADER + 16)
		goto out;
	ok = pkt[0] == 0x80 && pkt[RTP_MIN_HEADER] == 0;
out:
	if (out)
		srtp_dealloc(out);
	if (in)
		srtp_dealloc(in);
	return ok;
}

/* Library code never logs: libsrtp's reports are dropped. */
static void crypto_srtp_log_nothing(srtp_log_level_t level, const char *msg, void *data)
{
	(void)level;
	(void)msg;
	(void)data;
}

static void crypto_srtp_init_once(void)
{
	if (srtp_init() != srtp_err_status_ok)
		return;
	(void)srtp_install_log_handler(crypto_srtp_log_nothing, NULL);
	srtp_has_cm = crypto_srtp_probe(CRYPTO_SRTP_AES128_CM_SHA1_80);
	srtp_has_gcm = crypto_srtp_probe(CRYPTO_SRTP_AEAD_AES_128_GCM);
	srtp_init_result = srtp_has_cm ? 0 : -EIO;
}

static pthread_once_t srtp_library_once = PTHREAD_ONCE_INIT;
static char srtp_library_text[128];

/* "AES-128 counter mode using openssl" names the crypto; libsrtp built
 * without one says "AES-128 integer counter mode". */
static void crypto_srtp_library_once(void)
{
	const char *d = srtp_aes_icm_128.description;
	const char *using = d ? strstr(d, " using ") : NULL;

	if (using)
		snprintf(srtp_library_text, sizeof(srtp_library_text), "%s, AES-CM and GCM by %s",
			 srtp_get_version_string(), using + strlen(" using "));
	else
		snprintf(srtp_library_text, sizeof(srtp_library_text),
			 "%s, its own AES-CM (no GCM)", srtp_get_version_string());
}

const char *crypto_srtp_library(void)
{
	(void)pthread_once(&srtp_library_once, crypto_srtp_library_once);
	return srtp_library_text;
}

int crypto_srtp_global_init(void)
{
	if (pthread_once(&srtp_once, crypto_srtp_init_once) != 0)
		return -EIO;
	return srtp_init_result;
}

bool crypto_srtp_profile_supported(enum crypto_srtp_profile profile)
{
	if (srtp_init_result < 0)
		return false;
	switch (profile) {
	case CRYPTO_SRTP_AES128_CM_SHA1_80:
		return srtp_has_cm;
	case CRYPTO_SRTP_AEAD_AES_128_GCM:
		return srtp_has_gcm;
	}
	return false;
}

int crypto_srtp_new(enum crypto_srtp_profile profile, const uint8_t *key, size_t key_len,
		    const uint8_t *salt, size_t salt_len, bool inbound, struct crypto_srtp **ret)
{
	size_t want_key, want_salt;
	struct crypto_srtp *s;
	int r;

	r = crypto_srtp_global_init();
	if (r < 0)
		return r;
	if (crypto_srtp_profile_lengths(profile, &want_key, &want_salt) < 0 ||
	    !crypto_srtp_profile_supported(profile))
		return -EOPNOTSUPP;
	if (!key || !salt || key_len != want_key || salt_len != want_salt)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = crypto_srtp_create(profile, key, key_len, salt, salt_len, inbound, &s->session);
	if (r < 0) {
		free(s);
		return r;
	}
	s->profile = profile;
	s->inbound = inbound;
	*ret = s;
	return 0;
}

int crypto_srtp_new_from_keys(const struct crypto_srtp_keys *keys, bool inbound,
			      struct crypto_srtp **ret)
{
	if (inbound)
		return crypto_srtp_new(keys->profile, keys->remote_key, keys->key_len,
				       keys->remote_salt, keys->salt_len, true, ret);
	return crypto_srtp_new(keys->profile, keys->local_key, keys->key_len, keys->local_salt,
			       keys->salt_len, false, ret);
}

struct crypto_srtp *crypto_srtp_free(struct crypto_srtp *s)
{
	if (!s)
		return NULL;
	if (s->session)
		(void)srtp_dealloc(s->session);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	return NULL;
}

enum crypto_srtp_profile crypto_srtp_get_profile(const struct crypto_srtp *s)
{
	return s->profile;
}

void crypto_srtp_keys_wipe(struct crypto_srtp_keys *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof(*k));
}

static int crypto_srtp_protect_common(struct crypto_srtp *s, uint8_t *pkt, size_t *len, size_t cap,
				      bool rtcp)
{
	srtp_err_status_t st;
	int n;

	assert(s && !s->inbound);
	assert(((uintptr_t)pkt & 3) == 0);
	if (*len < (rtcp ? RTCP_MIN_HEADER : RTP_MIN_HEADER))
		return -EINVAL;
	if (*len > INT_MAX - CRYPTO_SRTP_MAX_TRAILER || cap < *len + CRYPTO_SRTP_MAX_TRAILER)
		return -ENOBUFS;
	n = (int)*len;
	st = rtcp ? srtp_protect_rtcp(s->session, pkt, &n) : srtp_protect(s->session, pkt, &n);
	if (st != srtp_err_status_ok)
		return crypto_srtp_errno(st);
	*len = (size_t)n;
	return 0;
}

static int crypto_srtp_unprotect_common(struct crypto_srtp *s, uint8_t *pkt, size_t *len, bool rtcp)
{
	srtp_err_status_t st;
	int n;

	assert(s && s->inbound);
	assert(((uintptr_t)pkt & 3) == 0);
	if (*len < (rtcp ? RTCP_MIN_HEADER : RTP_MIN_HEADER) || *len > INT_MAX)
		return -EINVAL;
	n = (int)*len;
	st = rtcp ? srtp_unprotect_rtcp(s->session, pkt, &n) : srtp_unprotect(s->session, pkt, &n);
	if (st != srtp_err_status_ok)
		return crypto_srtp_errno(st);
	*len = (size_t)n;
	return 0;
}

int crypto_srtp_protect_rtp(struct crypto_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	return crypto_srtp_protect_common(s, pkt, len, cap, false);
}

int crypto_srtp_unprotect_rtp(struct crypto_srtp *s, uint8_t *pkt, size_t *len)
{
	return crypto_srtp_unprotect_common(s, pkt, len, false);
}

void crypto_srtp_forget(struct crypto_srtp *s, uint32_t ssrc)
{
	/* libsrtp takes the SSRC in network byte order. */
	(void)srtp_remove_stream(s->session, htonl(ssrc));
}

int crypto_srtp_protect_rtcp(struct crypto_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	return crypto_srtp_protect_common(s, pkt, len, cap, true);
}

int crypto_srtp_unprotect_rtcp(struct crypto_srtp *s, uint8_t *pkt, size_t *len)
{
	return crypto_srtp_unprotect_common(s, pkt, len, true);
}
