/* DTLS-SRTP (RFC 5763, RFC 5764) key agreement for one transport, over
 * OpenSSL with memory BIOs: no sockets, no threads, no clock of its own.
 *
 * The caller (a media worker) owns the UDP socket and the timer. It feeds
 * every received DTLS datagram to crypto_dtls_receive(), then sends every
 * datagram crypto_dtls_next_datagram() hands out (each at most
 * CRYPTO_DTLS_MTU bytes, one UDP payload each), then re-arms its timer from
 * crypto_dtls_timeout_us(). When the handshake is done and the peer's
 * certificate matched the a=fingerprint of its SDP, crypto_dtls_srtp_keys()
 * gives the SRTP master keys (see crypto/srtp.h).
 *
 * DTLS 1.2 only (OpenSSL 3.0 has no DTLS 1.3; browsers fall back to 1.2),
 * ECDHE with AES-GCM or ChaCha20 suites, no renegotiation, no resumption,
 * no application data (a datagram's application records are discarded).
 * SRTP profiles offered and, as server, preferred in this order:
 * AEAD_AES_128_GCM, AES128_CM_SHA1_80.
 *
 * An association is used by one thread at a time; an identity may be
 * shared by associations on any number of threads. Nothing here logs. */
#ifndef HEARTH_CRYPTO_DTLS_H
#define HEARTH_CRYPTO_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/srtp.h"

/* Largest datagram handed out: a UDP payload that passes any path that
 * carries WebRTC (IPv6 minimum MTU 1280 less headers and TURN framing). */
#define CRYPTO_DTLS_MTU 1200
/* Received datagrams above this (one maximal DTLS 1.2 record, RFC 6347
 * §4.1 and RFC 5246 §6.2.3) are dropped unread; browsers send ~1,500. */
#define CRYPTO_DTLS_MAX_DATAGRAM (16384 + 2048 + 13)
/* "sha-512 " + 64 colon-separated hex pairs + NUL. */
#define CRYPTO_DTLS_FINGERPRINT_MAX 200

/* Our certificate and private key, and the settings every association made
 * from it shares. Reference-counted (any thread may drop a reference);
 * associations keep what they need alive through OpenSSL's own references,
 * so it may be freed while they still run. Immutable after creation. */
struct crypto_dtls_identity;

/* A new ECDSA P-256 key and a self-signed X.509v3 certificate for it
 * (CN=hearth, notBefore = now - 1 day, notAfter = notBefore + 30 days,
 * random positive 127-bit serial, ecdsa-with-SHA256). Returns 0, -ENOMEM or -EIO. Browsers check
 * only the fingerprint, not the validity period, but a daemon running for weeks should make a fresh
 * identity for new sessions well before 30 days. */
int crypto_dtls_identity_generate(struct crypto_dtls_identity **ret);

/* Loads a PEM certificate and its PEM private key (ECDSA or RSA). Returns
 * 0, -ENOENT/-EACCES/... when a file cannot be opened, -EINVAL when a file
 * does not hold what it should or the key does not match the certificate,
 * -ENOMEM or -EIO. */
int crypto_dtls_identity_load(const char *cert_pem_path, const char *key_pem_path,
			      struct crypto_dtls_identity **ret);

/* "sha-256 AB:CD:..." (RFC 8122 §5: upper-case hex pairs) of the DER
 * certificate, for SDP a=fingerprint. Borrowed, valid as long as id. */
const char *crypto_dtls_identity_fingerprint(const struct crypto_dtls_identity *id);

/* Copies the DER certificate into out. Returns 0 (with *ret_len) or
 * -ENOBUFS when cap is too small (*ret_len then says how much is needed). */
int crypto_dtls_identity_certificate(const struct crypto_dtls_identity *id, uint8_t *out,
				     size_t cap, size_t *ret_len);

/* Unix time the certificate stops being valid (0 if unreadable). */
int64_t crypto_dtls_identity_not_after(const struct crypto_dtls_identity *id);

/* Takes another reference; returns id. */
struct crypto_dtls_identity *crypto_dtls_identity_ref(struct crypto_dtls_identity *id);

/* Drops a reference (the last one frees). Accepts NULL; returns NULL. */
struct crypto_dtls_identity *crypto_dtls_identity_free(struct crypto_dtls_identity *id);

/* One DTLS association (one transport). */
struct crypto_dtls;

enum crypto_dtls_state {
	CRYPTO_DTLS_HANDSHAKING = 0,
	CRYPTO_DTLS_CONNECTED = 1,
};

/* Makes an association with our identity id (borrowed for the call only).
 * is_server: our DTLS role (a=setup:passive → server, active → client).
 * peer_fingerprint: the peer's SDP a=fingerprint value, "sha-256 AB:CD:..."
 * (hash name case-insensitive; sha-256, sha-384 or sha-512; hex in either
 * case), copied. Returns 0, -EINVAL for a malformed fingerprint,
 * -EOPNOTSUPP for another hash function, -ENOMEM or -EIO. */
int crypto_dtls_new(struct crypto_dtls_identity *id, bool is_server, const char *peer_fingerprint,
		    struct crypto_dtls **ret);

/* Client: writes the ClientHello (take it with crypto_dtls_next_datagram).
 * Server: does nothing. Returns the state or a terminal error (below). */
int crypto_dtls_start(struct crypto_dtls *d);

/* Feeds one received datagram and advances the handshake. Returns
 * CRYPTO_DTLS_HANDSHAKING or CRYPTO_DTLS_CONNECTED (every call from the
 * one that completed the handshake on), or a terminal error, after which
 * the association stays failed and only its queued datagrams (an alert)
 * are still worth sending:
 *   -EPERM       the peer's certificate does not match peer_fingerprint;
 *   -EPROTO      the handshake failed (bad message, peer alert, no SRTP
 *                profile in common);
 *   -ECONNRESET  the peer closed (close_notify);
 *   -ETIMEDOUT   too many retransmissions (from crypto_dtls_on_timeout);
 *   -ENOBUFS     our outgoing queue overflowed (the caller stopped draining);
 *   -ESHUTDOWN   after crypto_dtls_close();
 *   -ENOMEM.
 * Malformed, replayed or stray records are dropped silently (RFC 6347
 * §4.1.2.7); an empty or oversized datagram is dropped likewise. */
int crypto_dtls_receive(struct crypto_dtls *d, const uint8_t *datagram, size_t len);

/* Takes the oldest queued outgoing datagram: copies it to out and sets
 * *ret_len; 0 with *ret_len = 0 when none is queued; -EMSGSIZE (datagram
 * kept) when cap is too small (CRYPTO_DTLS_MTU always suffices). Drain
 * after every crypto_dtls_start/_receive/_on_timeout. */
int crypto_dtls_next_datagram(struct crypto_dtls *d, uint8_t *out, size_t cap, size_t *ret_len);

/* Microseconds until crypto_dtls_on_timeout() must be called (0: now), or
 * -1 when no retransmission timer runs. Re-read after every call above.
 * Timers follow RFC 6347 §4.2.4.1: 1 s, doubling, at most 60 s. */
int64_t crypto_dtls_timeout_us(struct crypto_dtls *d);

/* Retransmits the last flight if its timer expired. Returns the state or a
 * terminal error (as crypto_dtls_receive). */
int crypto_dtls_on_timeout(struct crypto_dtls *d);

/* After CRYPTO_DTLS_CONNECTED: the negotiated profile and the RFC 5764 §4.2
 * exporter output ("EXTRACTOR-dtls_srtp"), split into our (local) and the
 * peer's (remote) write keys by our role. The caller wipes *ret with
 * crypto_srtp_keys_wipe() as soon as the SRTP contexts are made. Returns
 * 0, -ENOTCONN before the handshake completed, the terminal error of a
 * failed association (never keys after -EPERM), or -EIO. */
int crypto_dtls_srtp_keys(struct crypto_dtls *d, struct crypto_srtp_keys *ret);

/* The negotiated cipher suite's IANA/OpenSSL name ("ECDHE-ECDSA-AES128-GCM-
 * SHA256"), or NULL before the handshake completed. Static string. */
const char *crypto_dtls_cipher_name(struct crypto_dtls *d);

/* Ends the association: queues a close_notify alert when connected (drain
 * and send it), after which every call returns -ESHUTDOWN. Returns 0. */
int crypto_dtls_close(struct crypto_dtls *d);

/* Sends nothing. Accepts NULL; returns NULL. */
struct crypto_dtls *crypto_dtls_free(struct crypto_dtls *d);

#endif
