/* The STUN codec an ICE-lite agent needs (RFC 5389, ICE usage RFC 8445):
 * parse a datagram into a struct whose pointers point into the datagram,
 * check MESSAGE-INTEGRITY with a short-term key (§15.4) and FINGERPRINT
 * (§15.5), and build Binding requests, success and error responses into a
 * caller buffer with a capacity. It sits on the packet path: no allocation
 * of its own, no logging, no locks of its own, no state. (OpenSSL's HMAC()
 * allocates and fetches internally for each MAC: see relay_stun_integrity_ok.)
 *
 * Unknown comprehension-required attributes (0x0000-0x7FFF) do not fail
 * the parse: they are listed in the result, and relay_stun_lite_verdict()
 * turns them into a 420 answer with UNKNOWN-ATTRIBUTES (RFC 5389 §7.3.1). */
#ifndef HEARTH_RELAY_STUN_H
#define HEARTH_RELAY_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RELAY_STUN_HEADER_LEN 20
#define RELAY_STUN_TXID_LEN   12
/* Longer datagrams are not STUN we answer (RFC 5389 §7.1 keeps messages
 * under the path MTU); this also bounds the integrity check's copy. */
#define RELAY_STUN_MAX_LEN	1500
#define RELAY_STUN_MAX_ATTRS	32  /* per message; more is refused (-E2BIG) */
#define RELAY_STUN_UNKNOWN_MAX	8   /* unknown required attributes listed */
#define RELAY_STUN_USERNAME_MAX 512 /* RFC 5389 §15.3: less than 513 bytes */

/* Message types (RFC 5389 §6: method and class interleaved). */
#define RELAY_STUN_BINDING_REQUEST    0x0001
#define RELAY_STUN_BINDING_INDICATION 0x0011
#define RELAY_STUN_BINDING_SUCCESS    0x0101
#define RELAY_STUN_BINDING_ERROR      0x0111

/* Error codes (RFC 5389 §15.6, RFC 8445 §7.3.1.1). */
#define RELAY_STUN_ERR_BAD_REQUEST   400
#define RELAY_STUN_ERR_UNAUTHORIZED  401
#define RELAY_STUN_ERR_UNKNOWN_ATTR  420
#define RELAY_STUN_ERR_ROLE_CONFLICT 487

/* A parsed message. Pointers are borrowed from the datagram given to
 * relay_stun_parse() and valid as long as it is. Of each attribute only the
 * first occurrence counts (RFC 5389 §15); attributes after
 * MESSAGE-INTEGRITY other than FINGERPRINT are ignored (§15.4). */
struct relay_stun_msg {
	uint16_t type;	      /* RELAY_STUN_BINDING_… or another method/class */
	const uint8_t *txid;  /* RELAY_STUN_TXID_LEN bytes */
	const char *username; /* not NUL-terminated; NULL when absent */
	size_t username_len;
	bool has_integrity;   /* MESSAGE-INTEGRITY present (not yet checked) */
	size_t integrity_at;  /* offset of its attribute header */
	bool has_fingerprint; /* present, and correct: a wrong one fails the parse */
	bool has_priority;
	uint32_t priority;   /* PRIORITY (RFC 8445 §7.1.1) */
	bool use_candidate;  /* USE-CANDIDATE */
	bool controlling;    /* ICE-CONTROLLING present */
	bool controlled;     /* ICE-CONTROLLED present */
	uint64_t tiebreaker; /* of the first of the two */
	int error_code;	     /* ERROR-CODE as 300..699; 0 when absent */
	bool has_xor_mapped;
	struct sockaddr_storage xor_mapped; /* XOR-MAPPED-ADDRESS, decoded */
	size_t unknown_count;		    /* unknown comprehension-required types listed */
	uint16_t unknown_required[RELAY_STUN_UNKNOWN_MAX];
};

/* A view of bytes inside a datagram. */
struct relay_stun_str {
	const char *ptr;
	size_t len;
};

/* Cheap test for the demultiplexer: zero top bits, magic cookie, and a
 * message length that is a multiple of 4 and matches the datagram. */
bool relay_stun_looks_like(const uint8_t *pkt, size_t len);

/* Parses one datagram as one STUN message. Returns 0, -EBADMSG when it is
 * not well-formed STUN (header, lengths, padding, an attribute of a known
 * type with a bad value, FINGERPRINT not last or not matching), -EMSGSIZE
 * past RELAY_STUN_MAX_LEN, or -E2BIG past RELAY_STUN_MAX_ATTRS attributes.
 * ret_msg is left untouched on failure. */
int relay_stun_parse(const uint8_t *pkt, size_t len, struct relay_stun_msg *ret_msg);

/* Whether msg (parsed from pkt, len) carries a MESSAGE-INTEGRITY that is
 * HMAC-SHA1 keyed with key over the message up to it, the length field
 * adjusted to end with it (RFC 5389 §15.4). For ICE the key is the
 * receiver's password as is (short-term, RFC 8445 §7.2.2). Compared in
 * constant time. False without an attribute or with an empty key. Each call
 * goes through OpenSSL's HMAC(), which in 3.0 fetches the MAC and
 * allocates its context internally. */
bool relay_stun_integrity_ok(const uint8_t *pkt, size_t len, const struct relay_stun_msg *msg,
			     const void *key, size_t key_len);

/* Splits USERNAME "a:b" at its first colon (RFC 8445 §7.2.2: the receiver's
 * ufrag, then the sender's): for a request we receive, ret_local is ours and
 * ret_remote the peer's. Returns 0, or -EINVAL without a colon, with an
 * empty half, or without USERNAME. Views borrow from the datagram. */
int relay_stun_username_split(const struct relay_stun_msg *msg, struct relay_stun_str *ret_local,
			      struct relay_stun_str *ret_remote);

/* What an ICE-lite agent answers to a Binding request (RFC 8445 §7.3),
 * given whether the caller found the key named by USERNAME and
 * relay_stun_integrity_ok() passed with it. Returns:
 *  0    answer with a success response (relay_stun_build_success);
 *  400  no USERNAME or no MESSAGE-INTEGRITY (RFC 5389 §10.1.2), unsigned;
 *  401  unknown USERNAME or wrong MESSAGE-INTEGRITY (§10.1.2), unsigned;
 *  420  unknown comprehension-required attributes (§7.3.1), signed;
 *  487  ICE-CONTROLLED (RFC 8445 §7.3.1.1), signed: a lite agent is
 *       always controlled (§6.1.1) and never switches, so it loses every
 *       tie-break and the full peer takes the controlling role (§7.2.5.1);
 *  -EINVAL for anything but a Binding request: no answer at all.
 * "Signed" means build the error with the key, "unsigned" without. Callers
 * may drop instead of answering 400/401, which exposes nothing to
 * unauthenticated senders. */
int relay_stun_lite_verdict(const struct relay_stun_msg *msg, bool authenticated);

/* Binding success response to txid: XOR-MAPPED-ADDRESS of mapped (AF_INET
 * or AF_INET6; an IPv4-mapped IPv6 address, as a dual-stack socket reports
 * an IPv4 peer, goes out as IPv4), MESSAGE-INTEGRITY keyed with key,
 * FINGERPRINT. Writes at
 * most cap bytes into out. Returns 0 with the length in ret_len, -ENOBUFS
 * when cap is too small, -EAFNOSUPPORT, or -EINVAL for an empty key. */
int relay_stun_build_success(uint8_t *out, size_t cap, const uint8_t txid[RELAY_STUN_TXID_LEN],
			     const struct sockaddr *mapped, const void *key, size_t key_len,
			     size_t *ret_len);

/* Error response to req with ERROR-CODE code (300..699) and its reason
 * phrase, UNKNOWN-ATTRIBUTES from req for 420, MESSAGE-INTEGRITY when key is
 * not NULL (see relay_stun_lite_verdict for when), FINGERPRINT. Returns 0
 * with the length in ret_len, -ENOBUFS, or -EINVAL. */
int relay_stun_build_error(uint8_t *out, size_t cap, const struct relay_stun_msg *req, int code,
			   const void *key, size_t key_len, size_t *ret_len);

/* A Binding request as an ICE agent sends it (RFC 8445 §7.2.2). */
struct relay_stun_request {
	const uint8_t *txid;  /* RELAY_STUN_TXID_LEN random bytes (RFC 5389 §6) */
	const char *username; /* "<their ufrag>:<our ufrag>" */
	size_t username_len;
	uint32_t priority;
	bool controlling; /* ICE-CONTROLLING, else ICE-CONTROLLED */
	uint64_t tiebreaker;
	bool use_candidate;
	const void *key; /* the receiver's password */
	size_t key_len;
};

/* Binding request: USERNAME, PRIORITY, ICE-CONTROLLING or ICE-CONTROLLED,
 * USE-CANDIDATE when asked, MESSAGE-INTEGRITY, FINGERPRINT. Returns 0 with
 * the length in ret_len, -ENOBUFS, or -EINVAL (empty key, USERNAME empty
 * or longer than RELAY_STUN_USERNAME_MAX). */
int relay_stun_build_request(uint8_t *out, size_t cap, const struct relay_stun_request *req,
			     size_t *ret_len);

#endif
