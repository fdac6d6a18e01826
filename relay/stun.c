/* The STUN codec of the ICE-lite agent (RFC 5389, RFC 8445): see stun.h.
 * Every length read from the wire is checked against the datagram before
 * it is used; builders check the capacity before every write. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "relay/stun.h"

#define STUN_MAGIC_COOKIE    0x2112A442u /* RFC 5389 §6 */
#define STUN_FINGERPRINT_XOR 0x5354554eu /* RFC 5389 §15.5 */
#define STUN_HMAC_LEN	     20
#define STUN_ERROR_CLASS     0x0110 /* class bits of an error response */
#define STUN_CLASS_MASK	     0x0110

/* Attribute types (RFC 5389 §18.2, RFC 8445 §16.1). */
enum {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_PRIORITY = 0x0024,
	STUN_ATTR_USE_CANDIDATE = 0x0025,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,
	STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* CRC-32 of ISO 3309 / ITU-T V.42 (RFC 5389 §15.5), reflected polynomial
 * 0xEDB88320, the same as zlib's crc32(). */
static const uint32_t stun_crc_table[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

static uint16_t stun_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t stun_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void stun_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void stun_put32(uint8_t *p, uint32_t v)
{
	stun_put16(p, (uint16_t)(v >> 16));
	stun_put16(p + 2, (uint16_t)v);
}

static uint32_t stun_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--)
		c = stun_crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static int stun_hmac(const void *key, size_t key_len, const uint8_t *data, size_t n,
		     uint8_t mac[STUN_HMAC_LEN])
{
	unsigned int mac_len = 0;

	if (key_len == 0 || key_len > INT_MAX)
		return -EINVAL;
	if (!HMAC(EVP_sha1(), key, (int)key_len, data, n, mac, &mac_len) ||
	    mac_len != STUN_HMAC_LEN)
		return -EIO;
	return 0;
}

/* The checks of RFC 5389 §7.3 that need no attribute: top two bits zero
 * (§6), magic cookie, and a length that covers the datagram exactly in
 * whole 4-byte words (UDP carries one message per datagram, §7.2.1). */
bool relay_stun_looks_like(const uint8_t *pkt, size_t len)
{
	size_t body;

	if (len < RELAY_STUN_HEADER_LEN || (pkt[0] & 0xc0) != 0 ||
	    stun_get32(pkt + 4) != STUN_MAGIC_COOKIE)
		return false;
	body = stun_get16(pkt + 2);
	return (body & 3) == 0 && body + RELAY_STUN_HEADER_LEN == len;
}

/* XOR-MAPPED-ADDRESS (RFC 5389 §15.2): the port is XORed with the cookie's
 * top half, an IPv4 address with the cookie, an IPv6 address with the
 * cookie followed by the transaction id. */
static int stun_parse_xor_address(const uint8_t *v, size_t n, const uint8_t *txid,
				  struct sockaddr_storage *ret)
{
	uint16_t port;

	if (n < 4)
		return -EBADMSG;
	port = stun_get16(v + 2) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	memset(ret, 0, sizeof(*ret));
	if (v[1] == 0x01 && n == 8) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
		sin.sin_addr.s_addr = htonl(stun_get32(v + 4) ^ STUN_MAGIC_COOKIE);
		memcpy(ret, &sin, sizeof(sin));
		return 0;
	}
	if (v[1] == 0x02 && n == 20) {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
		uint8_t mask[16];
		stun_put32(mask, STUN_MAGIC_COOKIE);
		memcpy(mask + 4, txid, RELAY_STUN_TXID_LEN);
		for (size_t i = 0; i < 16; i++)
			sin6.sin6_addr.s6_addr[i] = v[4 + i] ^ mask[i];
		memcpy(ret, &sin6, sizeof(sin6));
		return 0;
	}
	return -EBADMSG;
}

/* ERROR-CODE (RFC 5389 §15.6): class 3..6 and number 0..99. */
static int stun_parse_error_code(struct relay_stun_msg *m, const uint8_t *v, size_t n)
{
	unsigned cls, number;

	if (n < 4)
		return -EBADMSG;
	cls = v[2] & 0x07;
	number = v[3];
	if (cls < 3 || cls > 6 || number > 99)
		return -EBADMSG;
	if (m->error_code == 0)
		m->error_code = (int)(cls * 100 + number);
	return 0;
}

/* An unknown comprehension-required type, listed once for a 420 answer
 * (RFC 5389 §7.3.1); past the cap the list is just full. */
static void stun_note_unknown(struct relay_stun_msg *m, uint16_t type)
{
	for (size_t i = 0; i < m->unknown_count; i++)
		if (m->unknown_required[i] == type)
			return;
	if (m->unknown_count < RELAY_STUN_UNKNOWN_MAX)
		m->unknown_required[m->unknown_count++] = type;
}

/* One attribute before MESSAGE-INTEGRITY; only the first of each type
 * counts (RFC 5389 §15). A known type with a value of the wrong size makes
 * the message malformed. */
static int stun_parse_attr(struct relay_stun_msg *m, uint16_t type, const uint8_t *v, size_t n)
{
	switch (type) {
	case STUN_ATTR_USERNAME:
		if (n > RELAY_STUN_USERNAME_MAX)
			return -EBADMSG;
		if (!m->username) {
			m->username = (const char *)v;
			m->username_len = n;
		}
		return 0;
	case STUN_ATTR_PRIORITY:
		if (n != 4)
			return -EBADMSG;
		if (!m->has_priority)
			m->priority = stun_get32(v);
		m->has_priority = true;
		return 0;
	case STUN_ATTR_USE_CANDIDATE:
		if (n != 0)
			return -EBADMSG;
		m->use_candidate = true;
		return 0;
	case STUN_ATTR_ICE_CONTROLLED:
	case STUN_ATTR_ICE_CONTROLLING:
		if (n != 8)
			return -EBADMSG;
		if (!m->controlled && !m->controlling)
			m->tiebreaker = (uint64_t)stun_get32(v) << 32 | stun_get32(v + 4);
		if (type == STUN_ATTR_ICE_CONTROLLED)
			m->controlled = true;
		else
			m->controlling = true;
		return 0;
	case STUN_ATTR_ERROR_CODE:
		return stun_parse_error_code(m, v, n);
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		if (m->has_xor_mapped)
			return 0;
		m->has_xor_mapped = true;
		return stun_parse_xor_address(v, n, m->txid, &m->xor_mapped);
	case STUN_ATTR_MAPPED_ADDRESS:
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
	case STUN_ATTR_REALM:
	case STUN_ATTR_NONCE:
		return 0; /* understood; ICE with short-term credentials has no use for them */
	default:
		/* RFC 5389 §15: 0x0000-0x7FFF are comprehension-required. */
		if (type < 0x8000)
			stun_note_unknown(m, type);
		return 0;
	}
}

/* FINGERPRINT at off (RFC 5389 §15.5): CRC-32 of everything before it,
 * XORed with 0x5354554e. It is the last attribute, so the header's length
 * already ends with it. */
static int stun_check_fingerprint(const uint8_t *pkt, size_t off, const uint8_t *v, size_t n)
{
	if (n != 4 || stun_get32(v) != (stun_crc32(pkt, off) ^ STUN_FINGERPRINT_XOR))
		return -EBADMSG;
	return 0;
}

int relay_stun_parse(const uint8_t *pkt, size_t len, struct relay_stun_msg *ret_msg)
{
	struct relay_stun_msg m = {0};
	size_t off = RELAY_STUN_HEADER_LEN;
	unsigned count = 0;
	int r;

	if (len > RELAY_STUN_MAX_LEN)
		return -EMSGSIZE;
	if (!relay_stun_looks_like(pkt, len))
		return -EBADMSG;
	m.type = stun_get16(pkt);
	m.txid = pkt + 8;
	/* off and len are multiples of 4, so an attribute header always fits;
	 * its value, padded to 4 bytes (§15), must too. */
	while (off < len) {
		uint16_t type = stun_get16(pkt + off);
		size_t n = stun_get16(pkt + off + 2);
		size_t padded = (n + 3) & ~(size_t)3;
		const uint8_t *v = pkt + off + 4;

		if (padded > len - off - 4)
			return -EBADMSG;
		if (++count > RELAY_STUN_MAX_ATTRS)
			return -E2BIG;
		if (m.has_fingerprint)
			return -EBADMSG; /* §15.5: FINGERPRINT is the last attribute */
		if (type == STUN_ATTR_FINGERPRINT) {
			r = stun_check_fingerprint(pkt, off, v, n);
			m.has_fingerprint = true;
		} else if (m.has_integrity) {
			r = 0; /* §15.4: ignored after MESSAGE-INTEGRITY */
		} else if (type == STUN_ATTR_MESSAGE_INTEGRITY) {
			r = n == STUN_HMAC_LEN ? 0 : -EBADMSG;
			m.has_integrity = true;
			m.integrity_at = off;
		} else {
			r = stun_parse_attr(&m, type, v, n);
		}
		if (r < 0)
			return r;
		off += 4 + padded;
	}
	*ret_msg = m;
	return 0;
}

/* RFC 5389 §15.4: the HMAC covers the message up to MESSAGE-INTEGRITY, with
 * the header's length set as if the message ended with it. The datagram is
 * const, so that prefix is copied (typically under 100 bytes). */
bool relay_stun_integrity_ok(const uint8_t *pkt, size_t len, const struct relay_stun_msg *msg,
			     const void *key, size_t key_len)
{
	uint8_t buf[RELAY_STUN_MAX_LEN];
	uint8_t mac[STUN_HMAC_LEN];
	size_t at = msg->integrity_at;

	if (!msg->has_integrity || len > RELAY_STUN_MAX_LEN || at < RELAY_STUN_HEADER_LEN ||
	    at > len || len - at < 4 + STUN_HMAC_LEN ||
	    stun_get16(pkt + at) != STUN_ATTR_MESSAGE_INTEGRITY ||
	    stun_get16(pkt + at + 2) != STUN_HMAC_LEN)
		return false;
	memcpy(buf, pkt, at);
	stun_put16(buf + 2, (uint16_t)(at - RELAY_STUN_HEADER_LEN + 4 + STUN_HMAC_LEN));
	if (stun_hmac(key, key_len, buf, at, mac) < 0)
		return false;
	return CRYPTO_memcmp(mac, pkt + at + 4, STUN_HMAC_LEN) == 0;
}

int relay_stun_username_split(const struct relay_stun_msg *msg, struct relay_stun_str *ret_local,
			      struct relay_stun_str *ret_remote)
{
	const char *colon;
	size_t n;

	if (!msg->username)
		return -EINVAL;
	colon = memchr(msg->username, ':', msg->username_len);
	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - msg->username);
	if (n == 0 || n + 1 == msg->username_len)
		return -EINVAL;
	*ret_local = (struct relay_stun_str){.ptr = msg->username, .len = n};
	*ret_remote = (struct relay_stun_str){.ptr = colon + 1, .len = msg->username_len - n - 1};
	return 0;
}

/* RFC 5389 §10.1.2 (authentication first), §7.3.1 (then unknown
 * attributes), RFC 8445 §7.3.1.1 (then the role). */
int relay_stun_lite_verdict(const struct relay_stun_msg *msg, bool authenticated)
{
	if (msg->type != RELAY_STUN_BINDING_REQUEST)
		return -EINVAL;
	if (!msg->username || msg->username_len == 0 || !msg->has_integrity)
		return RELAY_STUN_ERR_BAD_REQUEST;
	if (!authenticated)
		return RELAY_STUN_ERR_UNAUTHORIZED;
	if (msg->unknown_count > 0)
		return RELAY_STUN_ERR_UNKNOWN_ATTR;
	if (msg->controlled)
		return RELAY_STUN_ERR_ROLE_CONFLICT;
	return 0;
}

/* Builds a message front to back. Once something does not fit, nothing
 * more is written and the result is -ENOBUFS; nothing is ever written at or
 * past cap. */
struct stun_writer {
	uint8_t *out;
	size_t cap, len;
	bool full;
};

static void stun_begin(struct stun_writer *w, uint16_t type, const uint8_t *txid)
{
	if (w->cap < RELAY_STUN_HEADER_LEN) {
		w->full = true;
		return;
	}
	stun_put16(w->out, type);
	stun_put16(w->out + 2, 0);
	stun_put32(w->out + 4, STUN_MAGIC_COOKIE);
	memcpy(w->out + 8, txid, RELAY_STUN_TXID_LEN);
	w->len = RELAY_STUN_HEADER_LEN;
}

/* Appends an attribute header and zero padding; returns where its n value
 * bytes go, or NULL when it does not fit. */
static uint8_t *stun_attr(struct stun_writer *w, uint16_t type, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;
	uint8_t *p;

	if (w->full || n > UINT16_MAX || padded + 4 > w->cap - w->len) {
		w->full = true;
		return NULL;
	}
	p = w->out + w->len;
	stun_put16(p, type);
	stun_put16(p + 2, (uint16_t)n);
	memset(p + 4 + n, 0, padded - n);
	w->len += 4 + padded;
	return p + 4;
}

/* RFC 5389 §15.4; see relay_stun_integrity_ok. */
static int stun_put_integrity(struct stun_writer *w, const void *key, size_t key_len)
{
	uint8_t mac[STUN_HMAC_LEN];
	uint8_t *v;
	int r;

	if (w->full || 4 + STUN_HMAC_LEN > w->cap - w->len) {
		w->full = true;
		return 0;
	}
	stun_put16(w->out + 2, (uint16_t)(w->len - RELAY_STUN_HEADER_LEN + 4 + STUN_HMAC_LEN));
	r = stun_hmac(key, key_len, w->out, w->len, mac);
	if (r < 0)
		return r;
	v = stun_attr(w, STUN_ATTR_MESSAGE_INTEGRITY, STUN_HMAC_LEN);
	memcpy(v, mac, STUN_HMAC_LEN);
	return 0;
}

/* RFC 5389 §15.5; always last, so it also sets the final length. */
static void stun_put_fingerprint(struct stun_writer *w)
{
	uint32_t crc;

	if (w->full || 8 > w->cap - w->len) {
		w->full = true;
		return;
	}
	stun_put16(w->out + 2, (uint16_t)(w->len - RELAY_STUN_HEADER_LEN + 8));
	crc = stun_crc32(w->out, w->len) ^ STUN_FINGERPRINT_XOR;
	stun_put32(stun_attr(w, STUN_ATTR_FINGERPRINT, 4), crc);
}

static int stun_finish(struct stun_writer *w, size_t *ret_len)
{
	if (w->full)
		return -ENOBUFS;
	*ret_len = w->len;
	return 0;
}

/* XOR-MAPPED-ADDRESS (RFC 5389 §15.2), the inverse of
 * stun_parse_xor_address. The family was checked by the caller. */
static void stun_put_xor_address(struct stun_writer *w, const struct sockaddr *sa,
				 const uint8_t *txid)
{
	uint8_t *v;

	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;
		memcpy(&sin, sa, sizeof(sin));
		v = stun_attr(w, STUN_ATTR_XOR_MAPPED_ADDRESS, 8);
		if (!v)
			return;
		v[0] = 0;
		v[1] = 0x01;
		stun_put16(v + 2, ntohs(sin.sin_port) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
		stun_put32(v + 4, ntohl(sin.sin_addr.s_addr) ^ STUN_MAGIC_COOKIE);
		return;
	}
	struct sockaddr_in6 sin6;
	uint8_t mask[16];
	memcpy(&sin6, sa, sizeof(sin6));
	if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
		/* A dual-stack socket's IPv4 peer: it sent from IPv4, so that is
		 * the address it must see. */
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = sin6.sin6_port};
		memcpy(&sin.sin_addr, sin6.sin6_addr.s6_addr + 12, 4);
		stun_put_xor_address(w, (const struct sockaddr *)&sin, txid);
		return;
	}
	v = stun_attr(w, STUN_ATTR_XOR_MAPPED_ADDRESS, 20);
	if (!v)
		return;
	v[0] = 0;
	v[1] = 0x02;
	stun_put16(v + 2, ntohs(sin6.sin6_port) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
	stun_put32(mask, STUN_MAGIC_COOKIE);
	memcpy(mask + 4, txid, RELAY_STUN_TXID_LEN);
	for (size_t i = 0; i < 16; i++)
		v[4 + i] = sin6.sin6_addr.s6_addr[i] ^ mask[i];
}

int relay_stun_build_success(uint8_t *out, size_t cap, const uint8_t txid[RELAY_STUN_TXID_LEN],
			     const struct sockaddr *mapped, const void *key, size_t key_len,
			     size_t *ret_len)
{
	struct stun_writer w = {.out = out, .cap = cap};
	int r;

	if (mapped->sa_family != AF_INET && mapped->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!key || key_len == 0)
		return -EINVAL;
	stun_begin(&w, RELAY_STUN_BINDING_SUCCESS, txid);
	stun_put_xor_address(&w, mapped, txid);
	r = stun_put_integrity(&w, key, key_len);
	if (r < 0)
		return r;
	stun_put_fingerprint(&w);
	return stun_finish(&w, ret_len);
}

static const char *stun_reason(int code)
{
	switch (code) {
	case 300:
		return "Try Alternate";
	case RELAY_STUN_ERR_BAD_REQUEST:
		return "Bad Request";
	case RELAY_STUN_ERR_UNAUTHORIZED:
		return "Unauthorized";
	case RELAY_STUN_ERR_UNKNOWN_ATTR:
		return "Unknown Attribute";
	case 438:
		return "Stale Nonce";
	case RELAY_STUN_ERR_ROLE_CONFLICT:
		return "Role Conflict";
	case 500:
		return "Server Error";
	default:
		return "";
	}
}

int relay_stun_build_error(uint8_t *out, size_t cap, const struct relay_stun_msg *req, int code,
			   const void *key, size_t key_len, size_t *ret_len)
{
	struct stun_writer w = {.out = out, .cap = cap};
	const char *reason = stun_reason(code);
	size_t reason_len = strlen(reason);
	uint16_t type = (uint16_t)((req->type & ~STUN_CLASS_MASK) | STUN_ERROR_CLASS);
	uint8_t *v;
	int r;

	if (code < 300 || code > 699 || (key && key_len == 0))
		return -EINVAL;
	stun_begin(&w, type, req->txid);
	v = stun_attr(&w, STUN_ATTR_ERROR_CODE, 4 + reason_len);
	if (v) {
		v[0] = v[1] = 0;
		v[2] = (uint8_t)(code / 100);
		v[3] = (uint8_t)(code % 100);
		memcpy(v + 4, reason, reason_len);
	}
	if (code == RELAY_STUN_ERR_UNKNOWN_ATTR) {
		/* RFC 5389 §15.9 */
		size_t n = req->unknown_count < RELAY_STUN_UNKNOWN_MAX ? req->unknown_count
								       : RELAY_STUN_UNKNOWN_MAX;
		v = stun_attr(&w, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n);
		for (size_t i = 0; v && i < n; i++)
			stun_put16(v + 2 * i, req->unknown_required[i]);
	}
	if (key) {
		r = stun_put_integrity(&w, key, key_len);
		if (r < 0)
			return r;
	}
	stun_put_fingerprint(&w);
	return stun_finish(&w, ret_len);
}

/* RFC 8445 §7.2.2 */
int relay_stun_build_request(uint8_t *out, size_t cap, const struct relay_stun_request *req,
			     size_t *ret_len)
{
	struct stun_writer w = {.out = out, .cap = cap};
	uint8_t *v;
	int r;

	if (!req->key || req->key_len == 0 || !req->username || req->username_len == 0 ||
	    req->username_len > RELAY_STUN_USERNAME_MAX)
		return -EINVAL;
	stun_begin(&w, RELAY_STUN_BINDING_REQUEST, req->txid);
	v = stun_attr(&w, STUN_ATTR_USERNAME, req->username_len);
	if (v)
		memcpy(v, req->username, req->username_len);
	v = stun_attr(&w, STUN_ATTR_PRIORITY, 4);
	if (v)
		stun_put32(v, req->priority);
	v = stun_attr(&w, req->controlling ? STUN_ATTR_ICE_CONTROLLING : STUN_ATTR_ICE_CONTROLLED,
		      8);
	if (v) {
		stun_put32(v, (uint32_t)(req->tiebreaker >> 32));
		stun_put32(v + 4, (uint32_t)req->tiebreaker);
	}
	if (req->use_candidate)
		stun_attr(&w, STUN_ATTR_USE_CANDIDATE, 0);
	r = stun_put_integrity(&w, req->key, req->key_len);
	if (r < 0)
		return r;
	stun_put_fingerprint(&w);
	return stun_finish(&w, ret_len);
}
