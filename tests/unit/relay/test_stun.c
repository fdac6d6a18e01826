/* Unit tests of relay/stun: the RFC 5769 test vectors (parse, integrity,
 * fingerprint, and our builder's XOR-MAPPED-ADDRESS against theirs), the
 * builders against a from-the-definition composer that reproduces RFC 5769
 * §2.1 byte for byte, the ICE-lite verdicts, malformed input, random
 * mutations, and buffer capacities. */
#include <glib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "relay/stun.h"

/* RFC 5769 §2.1: "STUN test client", PRIORITY, ICE-CONTROLLED, USERNAME
 * "evtj:h6vY" (padded with spaces), MESSAGE-INTEGRITY, FINGERPRINT. */
static const uint8_t rfc5769_request[108] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 §2.2: "test vector " software, XOR-MAPPED-ADDRESS
 * 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT. */
static const uint8_t rfc5769_ipv4_response[80] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 §2.3: as §2.2 with [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t rfc5769_ipv6_response[92] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

/* RFC 5769 §2.4: long-term credentials; USERNAME "マトリックス", NONCE,
 * REALM "example.org", MESSAGE-INTEGRITY, no FINGERPRINT. */
static const uint8_t rfc5769_long_term_request[116] = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72,
    0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88,
    0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00,
    0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36,
    0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73,
    0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72,
    0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02,
    0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
};

static const char rfc5769_password[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t rfc5769_txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
					 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

/* ---- An independent composer, straight from RFC 5389 §6, §15 ---- */

struct tmsg {
	uint8_t b[2048];
	size_t len;
};

/* CRC-32 bit by bit (not the codec's table). */
static uint32_t t_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void t_set_len(struct tmsg *m, size_t body)
{
	m->b[2] = (uint8_t)(body >> 8);
	m->b[3] = (uint8_t)body;
}

static void t_begin(struct tmsg *m, uint16_t type, const uint8_t txid[12])
{
	static const uint8_t cookie[4] = {0x21, 0x12, 0xa4, 0x42};

	m->b[0] = (uint8_t)(type >> 8);
	m->b[1] = (uint8_t)type;
	memcpy(m->b + 4, cookie, 4);
	memcpy(m->b + 8, txid, 12);
	m->len = 20;
	t_set_len(m, 0);
}

static void t_attr_pad(struct tmsg *m, uint16_t type, const void *v, size_t n, uint8_t pad)
{
	g_assert_cmpuint(m->len + 4 + n + 3, <=, sizeof(m->b));
	m->b[m->len] = (uint8_t)(type >> 8);
	m->b[m->len + 1] = (uint8_t)type;
	m->b[m->len + 2] = (uint8_t)(n >> 8);
	m->b[m->len + 3] = (uint8_t)n;
	if (n)
		memcpy(m->b + m->len + 4, v, n);
	m->len += 4 + n;
	while (m->len % 4)
		m->b[m->len++] = pad;
	t_set_len(m, m->len - 20);
}

static void t_attr(struct tmsg *m, uint16_t type, const void *v, size_t n)
{
	t_attr_pad(m, type, v, n, 0);
}

static void t_integrity(struct tmsg *m, const char *key)
{
	uint8_t mac[20];
	unsigned mac_len = 0;

	t_set_len(m, m->len - 20 + 24);
	g_assert_nonnull(HMAC(EVP_sha1(), key, (int)strlen(key), m->b, m->len, mac, &mac_len));
	t_attr(m, 0x0008, mac, sizeof(mac));
}

static void t_fingerprint(struct tmsg *m)
{
	uint32_t crc;
	uint8_t v[4];

	t_set_len(m, m->len - 20 + 8);
	crc = t_crc32(m->b, m->len) ^ 0x5354554eu;
	v[0] = (uint8_t)(crc >> 24);
	v[1] = (uint8_t)(crc >> 16);
	v[2] = (uint8_t)(crc >> 8);
	v[3] = (uint8_t)crc;
	t_attr(m, 0x8028, v, 4);
}

/* The value of the first attribute of a type, or NULL. */
static const uint8_t *t_find(const uint8_t *p, size_t len, uint16_t type, size_t *ret_n)
{
	for (size_t off = 20; off + 4 <= len;) {
		uint16_t t = (uint16_t)(p[off] << 8 | p[off + 1]);
		size_t n = (size_t)(p[off + 2] << 8 | p[off + 3]);
		if (t == type) {
			*ret_n = n;
			return p + off + 4;
		}
		off += 4 + ((n + 3) & ~(size_t)3);
	}
	return NULL;
}

static void check_ipv4(const struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	struct sockaddr_in sin;
	struct in_addr want;

	g_assert_cmpint(ss->ss_family, ==, AF_INET);
	memcpy(&sin, ss, sizeof(sin));
	g_assert_cmpint(inet_pton(AF_INET, addr, &want), ==, 1);
	g_assert_cmpuint(ntohs(sin.sin_port), ==, port);
	g_assert_cmpuint(sin.sin_addr.s_addr, ==, want.s_addr);
}

static void check_ipv6(const struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	struct sockaddr_in6 sin6;
	struct in6_addr want;

	g_assert_cmpint(ss->ss_family, ==, AF_INET6);
	memcpy(&sin6, ss, sizeof(sin6));
	g_assert_cmpint(inet_pton(AF_INET6, addr, &want), ==, 1);
	g_assert_cmpuint(ntohs(sin6.sin6_port), ==, port);
	g_assert_cmpmem(&sin6.sin6_addr, 16, &want, 16);
}

static struct sockaddr_storage make_addr(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {0};

	if (strchr(addr, ':')) {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
		g_assert_cmpint(inet_pton(AF_INET6, addr, &sin6.sin6_addr), ==, 1);
		memcpy(&ss, &sin6, sizeof(sin6));
	} else {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
		g_assert_cmpint(inet_pton(AF_INET, addr, &sin.sin_addr), ==, 1);
		memcpy(&ss, &sin, sizeof(sin));
	}
	return ss;
}

static bool integrity(const uint8_t *p, size_t len, const struct relay_stun_msg *m, const char *key)
{
	return relay_stun_integrity_ok(p, len, m, key, strlen(key));
}

/* ---- RFC 5769 ---- */

static void test_rfc5769_request(void)
{
	struct relay_stun_msg m;
	struct relay_stun_str local, remote;
	const uint8_t *p = rfc5769_request;
	size_t len = sizeof(rfc5769_request);

	g_assert_true(relay_stun_looks_like(p, len));
	g_assert_cmpint(relay_stun_parse(p, len, &m), ==, 0);
	g_assert_cmpuint(m.type, ==, RELAY_STUN_BINDING_REQUEST);
	g_assert_cmpmem(m.txid, 12, rfc5769_txid, 12);
	g_assert_cmpmem(m.username, m.username_len, "evtj:h6vY", 9);
	g_assert_true(m.has_priority);
	g_assert_cmpuint(m.priority, ==, 0x6e0001ff);
	g_assert_true(m.controlled);
	g_assert_false(m.controlling);
	g_assert_cmphex(m.tiebreaker, ==, 0x932ff9b151263b36);
	g_assert_false(m.use_candidate);
	g_assert_true(m.has_integrity);
	g_assert_cmpuint(m.integrity_at, ==, 76);
	g_assert_true(m.has_fingerprint);
	g_assert_cmpuint(m.unknown_count, ==, 0);
	g_assert_false(m.has_xor_mapped);
	g_assert_true(integrity(p, len, &m, rfc5769_password));
	g_assert_false(integrity(p, len, &m, "VOkJxbRl1RmTxUk/WvJxBu"));
	g_assert_false(integrity(p, len, &m, ""));
	g_assert_cmpint(relay_stun_username_split(&m, &local, &remote), ==, 0);
	g_assert_cmpmem(local.ptr, local.len, "evtj", 4);
	g_assert_cmpmem(remote.ptr, remote.len, "h6vY", 4);
	/* It claims the controlled role: a lite agent answers 487. */
	g_assert_cmpint(relay_stun_lite_verdict(&m, true), ==, RELAY_STUN_ERR_ROLE_CONFLICT);
}

static void check_rfc5769_response(const uint8_t *p, size_t len,
				   const struct sockaddr_storage *want, size_t xma_len)
{
	struct relay_stun_msg m;
	uint8_t out[256];
	size_t out_len = 0, vn = 0;
	const uint8_t *ours, *theirs;

	g_assert_cmpint(relay_stun_parse(p, len, &m), ==, 0);
	g_assert_cmpuint(m.type, ==, RELAY_STUN_BINDING_SUCCESS);
	g_assert_cmpmem(m.txid, 12, rfc5769_txid, 12);
	g_assert_true(m.has_xor_mapped);
	g_assert_true(m.has_fingerprint);
	g_assert_true(m.has_integrity);
	g_assert_cmpuint(m.integrity_at, ==, len - 32);
	g_assert_true(integrity(p, len, &m, rfc5769_password));
	g_assert_false(integrity(p, len, &m, "wrong"));
	g_assert_cmpint(relay_stun_lite_verdict(&m, true), ==, -EINVAL);
	/* Our builder writes the same XOR-MAPPED-ADDRESS bytes. */
	g_assert_cmpint(relay_stun_build_success(out, sizeof(out), rfc5769_txid,
						 (const struct sockaddr *)want, rfc5769_password,
						 strlen(rfc5769_password), &out_len),
			==, 0);
	ours = t_find(out, out_len, 0x0020, &vn);
	g_assert_nonnull(ours);
	g_assert_cmpuint(vn, ==, xma_len);
	theirs = p + 36 + 4; /* after the header and SOFTWARE */
	g_assert_cmpmem(ours - 4, 4 + vn, theirs - 4, 4 + xma_len);
}

static void test_rfc5769_ipv4_response(void)
{
	struct relay_stun_msg m;
	struct sockaddr_storage want = make_addr("192.0.2.1", 32853);

	g_assert_cmpint(relay_stun_parse(rfc5769_ipv4_response, sizeof(rfc5769_ipv4_response), &m),
			==, 0);
	check_ipv4(&m.xor_mapped, "192.0.2.1", 32853);
	check_rfc5769_response(rfc5769_ipv4_response, sizeof(rfc5769_ipv4_response), &want, 8);
}

static void test_rfc5769_ipv6_response(void)
{
	struct relay_stun_msg m;
	const char *addr = "2001:db8:1234:5678:11:2233:4455:6677";
	struct sockaddr_storage want = make_addr(addr, 32853);

	g_assert_cmpint(relay_stun_parse(rfc5769_ipv6_response, sizeof(rfc5769_ipv6_response), &m),
			==, 0);
	check_ipv6(&m.xor_mapped, addr, 32853);
	check_rfc5769_response(rfc5769_ipv6_response, sizeof(rfc5769_ipv6_response), &want, 20);
}

/* ICE never uses long-term credentials, but the MAC is the same: its key is
 * MD5(username ":" realm ":" SASLprep(password)), and SASLprep turns the
 * RFC's password into "TheMatrIX" (RFC 5769 §2.4). */
static void test_rfc5769_long_term(void)
{
	static const char user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
				   "\xe3\x82\xb9";
	const uint8_t *p = rfc5769_long_term_request;
	size_t len = sizeof(rfc5769_long_term_request);
	struct relay_stun_msg m;
	uint8_t key[16];
	unsigned key_len = 0;
	char *material = g_strdup_printf("%s:example.org:TheMatrIX", user);

	g_assert_true(EVP_Digest(material, strlen(material), key, &key_len, EVP_md5(), NULL));
	g_free(material);
	g_assert_cmpint(relay_stun_parse(p, len, &m), ==, 0);
	g_assert_cmpuint(m.type, ==, RELAY_STUN_BINDING_REQUEST);
	g_assert_cmpmem(m.username, m.username_len, user, strlen(user));
	g_assert_false(m.has_fingerprint);
	g_assert_cmpuint(m.unknown_count, ==, 0); /* REALM and NONCE are understood */
	g_assert_true(relay_stun_integrity_ok(p, len, &m, key, key_len));
	key[0] ^= 1;
	g_assert_false(relay_stun_integrity_ok(p, len, &m, key, key_len));
	/* No colon: not an ICE username. */
	struct relay_stun_str a, b;
	g_assert_cmpint(relay_stun_username_split(&m, &a, &b), ==, -EINVAL);
}

/* The composer reproduces RFC 5769 §2.1 byte for byte, so it can judge the
 * builder. */
static void test_composer_matches_rfc(void)
{
	static const uint8_t prio[4] = {0x6e, 0x00, 0x01, 0xff};
	static const uint8_t tie[8] = {0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36};
	struct tmsg m;

	t_begin(&m, 0x0001, rfc5769_txid);
	t_attr_pad(&m, 0x8022, "STUN test client", 16, ' ');
	t_attr_pad(&m, 0x0024, prio, 4, ' ');
	t_attr_pad(&m, 0x8029, tie, 8, ' ');
	t_attr_pad(&m, 0x0006, "evtj:h6vY", 9, ' ');
	t_integrity(&m, rfc5769_password);
	t_fingerprint(&m);
	g_assert_cmpmem(m.b, m.len, rfc5769_request, sizeof(rfc5769_request));
}

/* ---- Builders ---- */

static const uint8_t txid_a[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static struct relay_stun_request sample_request(void)
{
	return (struct relay_stun_request){
	    .txid = txid_a,
	    .username = "relayufrag:browserufrag",
	    .username_len = strlen("relayufrag:browserufrag"),
	    .priority = 1853824767,
	    .controlling = true,
	    .tiebreaker = 0x0123456789abcdefull,
	    .use_candidate = true,
	    .key = "relay-password-of-22chars",
	    .key_len = strlen("relay-password-of-22chars"),
	};
}

static void test_builder_matches_composer(void)
{
	static const uint8_t prio[4] = {0x6e, 0x7f, 0x1e, 0xff}; /* 1853824767 */
	static const uint8_t tie[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	struct relay_stun_request rq = sample_request();
	struct sockaddr_storage v6 = make_addr("2001:db8::1", 50000);
	struct relay_stun_msg req;
	uint8_t out[256];
	size_t len = 0;
	struct tmsg m;

	g_assert_cmpint(relay_stun_build_request(out, sizeof(out), &rq, &len), ==, 0);
	t_begin(&m, 0x0001, txid_a);
	t_attr(&m, 0x0006, rq.username, rq.username_len);
	t_attr(&m, 0x0024, prio, 4);
	t_attr(&m, 0x802a, tie, 8);
	t_attr(&m, 0x0025, NULL, 0);
	t_integrity(&m, rq.key);
	t_fingerprint(&m);
	g_assert_cmpmem(out, len, m.b, m.len);

	/* Success response, IPv6: the XOR covers cookie and transaction id. */
	static const uint8_t xma[20] = {0x00, 0x02, 0xe2, 0x42, 0x01, 0x13, 0xa9, 0xfa, 0x01, 0x02,
					0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d};
	g_assert_cmpint(relay_stun_build_success(out, sizeof(out), txid_a,
						 (const struct sockaddr *)&v6, "pw-xyz", 6, &len),
			==, 0);
	t_begin(&m, 0x0101, txid_a);
	t_attr(&m, 0x0020, xma, sizeof(xma));
	t_integrity(&m, "pw-xyz");
	t_fingerprint(&m);
	g_assert_cmpmem(out, len, m.b, m.len);

	/* Error response 401, unsigned. */
	g_assert_cmpint(relay_stun_parse(m.b, m.len, &req), ==, 0);
	req.type = RELAY_STUN_BINDING_REQUEST;
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &req, 401, NULL, 0, &len), ==, 0);
	static const uint8_t ec[16] = {0,   0,	 4,   1,   'U', 'n', 'a', 'u',
				       't', 'h', 'o', 'r', 'i', 'z', 'e', 'd'};
	t_begin(&m, 0x0111, txid_a);
	t_attr(&m, 0x0009, ec, sizeof(ec));
	t_fingerprint(&m);
	g_assert_cmpmem(out, len, m.b, m.len);
}

static void test_round_trip(void)
{
	struct relay_stun_request rq = sample_request();
	const char *addrs[] = {"198.51.100.7", "2001:db8:aa::bb"};
	struct relay_stun_msg req, resp;
	struct relay_stun_str local, remote;
	uint8_t buf[256], out[256];
	size_t len = 0, out_len = 0;

	g_assert_cmpint(relay_stun_build_request(buf, sizeof(buf), &rq, &len), ==, 0);
	g_assert_true(relay_stun_looks_like(buf, len));
	g_assert_cmpint(relay_stun_parse(buf, len, &req), ==, 0);
	g_assert_cmpuint(req.type, ==, RELAY_STUN_BINDING_REQUEST);
	g_assert_cmpmem(req.txid, 12, txid_a, 12);
	g_assert_cmpmem(req.username, req.username_len, rq.username, rq.username_len);
	g_assert_cmpuint(req.priority, ==, rq.priority);
	g_assert_true(req.controlling && !req.controlled && req.use_candidate);
	g_assert_cmphex(req.tiebreaker, ==, rq.tiebreaker);
	g_assert_true(req.has_fingerprint);
	g_assert_true(relay_stun_integrity_ok(buf, len, &req, rq.key, rq.key_len));
	g_assert_false(integrity(buf, len, &req, "relay-password-of-22chart"));
	g_assert_cmpint(relay_stun_username_split(&req, &local, &remote), ==, 0);
	g_assert_cmpmem(local.ptr, local.len, "relayufrag", 10);
	g_assert_cmpmem(remote.ptr, remote.len, "browserufrag", 12);
	g_assert_cmpint(relay_stun_lite_verdict(&req, true), ==, 0);
	g_assert_cmpint(relay_stun_lite_verdict(&req, false), ==, RELAY_STUN_ERR_UNAUTHORIZED);

	for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
		struct sockaddr_storage from = make_addr(addrs[i], (uint16_t)(40000 + i));
		g_assert_cmpint(relay_stun_build_success(out, sizeof(out), req.txid,
							 (const struct sockaddr *)&from, rq.key,
							 rq.key_len, &out_len),
				==, 0);
		g_assert_cmpint(relay_stun_parse(out, out_len, &resp), ==, 0);
		g_assert_cmpuint(resp.type, ==, RELAY_STUN_BINDING_SUCCESS);
		g_assert_cmpmem(resp.txid, 12, txid_a, 12);
		g_assert_true(resp.has_xor_mapped && resp.has_fingerprint);
		if (i == 0)
			check_ipv4(&resp.xor_mapped, addrs[i], 40000);
		else
			check_ipv6(&resp.xor_mapped, addrs[i], 40001);
		g_assert_true(relay_stun_integrity_ok(out, out_len, &resp, rq.key, rq.key_len));
		g_assert_false(integrity(out, out_len, &resp, "other"));
	}
	/* An IPv4 peer seen through a dual-stack socket is answered in IPv4. */
	struct sockaddr_storage mapped = make_addr("::ffff:203.0.113.5", 5000);
	g_assert_cmpint(relay_stun_build_success(out, sizeof(out), req.txid,
						 (const struct sockaddr *)&mapped, rq.key,
						 rq.key_len, &out_len),
			==, 0);
	g_assert_cmpint(relay_stun_parse(out, out_len, &resp), ==, 0);
	check_ipv4(&resp.xor_mapped, "203.0.113.5", 5000);
	g_assert_true(relay_stun_integrity_ok(out, out_len, &resp, rq.key, rq.key_len));
	struct sockaddr bad = {.sa_family = AF_UNIX};
	g_assert_cmpint(relay_stun_build_success(out, sizeof(out), req.txid, &bad, rq.key,
						 rq.key_len, &out_len),
			==, -EAFNOSUPPORT);
	struct sockaddr_storage v4 = make_addr("192.0.2.9", 1);
	g_assert_cmpint(relay_stun_build_success(out, sizeof(out), req.txid,
						 (const struct sockaddr *)&v4, "", 0, &out_len),
			==, -EINVAL);
	rq.username_len = RELAY_STUN_USERNAME_MAX + 1;
	g_assert_cmpint(relay_stun_build_request(buf, sizeof(buf), &rq, &len), ==, -EINVAL);
}

/* ---- ICE-lite verdicts and error responses ---- */

static void parse_ok(const struct tmsg *m, struct relay_stun_msg *ret)
{
	g_assert_cmpint(relay_stun_parse(m->b, m->len, ret), ==, 0);
}

static void test_verdicts_and_errors(void)
{
	static const uint8_t tie[8] = {9, 9, 9, 9, 9, 9, 9, 9};
	static const uint8_t prio[4] = {0, 0, 0, 1};
	struct relay_stun_msg m, e;
	uint8_t out[256];
	size_t len = 0, n = 0;
	const uint8_t *v;
	struct tmsg t;

	/* No MESSAGE-INTEGRITY: 400, unsigned. */
	t_begin(&t, 0x0001, txid_a);
	t_attr(&t, 0x0006, "a:b", 3);
	t_fingerprint(&t);
	parse_ok(&t, &m);
	g_assert_cmpint(relay_stun_lite_verdict(&m, false), ==, RELAY_STUN_ERR_BAD_REQUEST);
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &m, 400, NULL, 0, &len), ==, 0);
	g_assert_cmpint(relay_stun_parse(out, len, &e), ==, 0);
	g_assert_cmpuint(e.type, ==, RELAY_STUN_BINDING_ERROR);
	g_assert_cmpint(e.error_code, ==, 400);
	g_assert_false(e.has_integrity);
	g_assert_true(e.has_fingerprint);
	g_assert_cmpmem(e.txid, 12, txid_a, 12);
	v = t_find(out, len, 0x0009, &n);
	g_assert_nonnull(v);
	g_assert_cmpmem(v + 4, n - 4, "Bad Request", 11);

	/* No USERNAME: 400 too. */
	t_begin(&t, 0x0001, txid_a);
	t_integrity(&t, "pw");
	parse_ok(&t, &m);
	g_assert_cmpint(relay_stun_lite_verdict(&m, true), ==, RELAY_STUN_ERR_BAD_REQUEST);

	/* Unknown comprehension-required attributes: 420 listing them,
	 * signed; comprehension-optional ones are skipped. */
	t_begin(&t, 0x0001, txid_a);
	t_attr(&t, 0x0006, "a:b", 3);
	t_attr(&t, 0x0003, "\0\0\0\0", 4); /* RFC 3489 CHANGE-REQUEST */
	t_attr(&t, 0xc057, "\0\1\0\2", 4); /* Chrome's GOOG-NETWORK-INFO */
	t_attr(&t, 0x7fff, "x", 1);
	t_attr(&t, 0x0003, "\0\0\0\0", 4); /* listed once */
	t_attr(&t, 0x802a, tie, 8);
	t_integrity(&t, "pw");
	t_fingerprint(&t);
	parse_ok(&t, &m);
	g_assert_cmpuint(m.unknown_count, ==, 2);
	g_assert_cmphex(m.unknown_required[0], ==, 0x0003);
	g_assert_cmphex(m.unknown_required[1], ==, 0x7fff);
	g_assert_true(integrity(t.b, t.len, &m, "pw"));
	g_assert_cmpint(relay_stun_lite_verdict(&m, true), ==, RELAY_STUN_ERR_UNKNOWN_ATTR);
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &m, 420, "pw", 2, &len), ==, 0);
	g_assert_cmpint(relay_stun_parse(out, len, &e), ==, 0);
	g_assert_cmpint(e.error_code, ==, 420);
	g_assert_true(integrity(out, len, &e, "pw"));
	v = t_find(out, len, 0x000a, &n);
	g_assert_nonnull(v);
	g_assert_cmpmem(v, n, "\x00\x03\x7f\xff", 4);

	/* ICE-CONTROLLED: 487, signed; ICE-CONTROLLING with the same
	 * attributes: success. */
	for (int controlled = 0; controlled < 2; controlled++) {
		t_begin(&t, 0x0001, txid_a);
		t_attr(&t, 0x0006, "a:b", 3);
		t_attr(&t, 0x0024, prio, 4);
		t_attr(&t, controlled ? 0x8029 : 0x802a, tie, 8);
		t_integrity(&t, "pw");
		t_fingerprint(&t);
		parse_ok(&t, &m);
		g_assert_cmpint(relay_stun_lite_verdict(&m, true), ==,
				controlled ? RELAY_STUN_ERR_ROLE_CONFLICT : 0);
	}
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &m, 487, "pw", 2, &len), ==, 0);
	g_assert_cmpint(relay_stun_parse(out, len, &e), ==, 0);
	g_assert_cmpint(e.error_code, ==, 487);
	g_assert_true(integrity(out, len, &e, "pw"));
	v = t_find(out, len, 0x0009, &n);
	g_assert_cmpmem(v, n, "\0\0\x04\x57Role Conflict", 17);

	/* Indications and responses get no answer; bad codes are refused. */
	m.type = RELAY_STUN_BINDING_INDICATION;
	g_assert_cmpint(relay_stun_lite_verdict(&m, true), ==, -EINVAL);
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &m, 299, NULL, 0, &len), ==,
			-EINVAL);
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &m, 700, NULL, 0, &len), ==,
			-EINVAL);
	g_assert_cmpint(relay_stun_build_error(out, sizeof(out), &m, 400, "", 0, &len), ==,
			-EINVAL);
}

/* ---- Malformed input ---- */

static void expect_fail(const uint8_t *p, size_t len, int want)
{
	struct relay_stun_msg m;

	memset(&m, 0x5a, sizeof(m));
	g_assert_cmpint(relay_stun_parse(p, len, &m), ==, want);
	for (size_t i = 0; i < sizeof(m); i++) /* untouched on failure */
		g_assert_cmpuint(((const uint8_t *)&m)[i], ==, 0x5a);
}

static void test_fingerprint_corruption(void)
{
	uint8_t p[sizeof(rfc5769_request)];
	struct relay_stun_msg m;
	struct tmsg t;

	/* A bit error anywhere is caught by the CRC, except in FINGERPRINT's
	 * own type: then it is an unknown attribute after MESSAGE-INTEGRITY,
	 * ignored (RFC 5389 §15.4), and the message has no FINGERPRINT. */
	for (size_t i = 0; i < sizeof(p); i++) {
		memcpy(p, rfc5769_request, sizeof(p));
		p[i] ^= 0x10;
		if (i == sizeof(p) - 8 || i == sizeof(p) - 7) {
			g_assert_cmpint(relay_stun_parse(p, sizeof(p), &m), ==, 0);
			g_assert_false(m.has_fingerprint);
			g_assert_true(integrity(p, sizeof(p), &m, rfc5769_password));
		} else {
			g_assert_cmpint(relay_stun_parse(p, sizeof(p), &m), <, 0);
		}
	}
	/* A byte of SOFTWARE: the framing is intact, only the CRC says no. */
	memcpy(p, rfc5769_request, sizeof(p));
	p[30] = 'X';
	expect_fail(p, sizeof(p), -EBADMSG);
	/* The same corruption with a recomputed FINGERPRINT parses, and then
	 * MESSAGE-INTEGRITY catches it. */
	memcpy(t.b, p, sizeof(p) - 8);
	t.len = sizeof(p) - 8;
	t_fingerprint(&t);
	parse_ok(&t, &m);
	g_assert_true(m.has_fingerprint);
	g_assert_false(integrity(t.b, t.len, &m, rfc5769_password));
	/* Without FINGERPRINT (length fixed up), the message still checks:
	 * its MESSAGE-INTEGRITY never covered the FINGERPRINT. */
	memcpy(t.b, rfc5769_request, sizeof(p) - 8);
	t.len = sizeof(p) - 8;
	t_set_len(&t, t.len - 20);
	parse_ok(&t, &m);
	g_assert_false(m.has_fingerprint);
	g_assert_true(integrity(t.b, t.len, &m, rfc5769_password));
}

static void test_malformed(void)
{
	uint8_t p[sizeof(rfc5769_request) + 8];
	const size_t len = sizeof(rfc5769_request);

	for (size_t n = 0; n < len; n++)
		g_assert_cmpint(relay_stun_parse(rfc5769_request, n, &(struct relay_stun_msg){0}),
				<, 0);
#define RESET() memcpy(p, rfc5769_request, len)
	RESET();
	p[4] ^= 0x01; /* magic cookie */
	expect_fail(p, len, -EBADMSG);
	RESET();
	p[0] |= 0x40; /* top bits */
	expect_fail(p, len, -EBADMSG);
	RESET();
	p[3] = 0x57; /* length not a multiple of 4 */
	expect_fail(p, len, -EBADMSG);
	RESET();
	p[3] = 0x5c; /* length past the datagram */
	expect_fail(p, len, -EBADMSG);
	RESET();
	memset(p + len, 0, 8); /* datagram past the length */
	expect_fail(p, len + 8, -EBADMSG);
	/* Trailing bytes after a message without FINGERPRINT, too. */
	uint8_t lt[sizeof(rfc5769_long_term_request) + 4] = {0};
	memcpy(lt, rfc5769_long_term_request, sizeof(rfc5769_long_term_request));
	expect_fail(lt, sizeof(lt), -EBADMSG);
	RESET();
	p[len - 5] = 0x08; /* FINGERPRINT's length runs past the end */
	expect_fail(p, len, -EBADMSG);
	RESET();
	p[22] = p[23] = 0xff; /* SOFTWARE's length runs past the end */
	expect_fail(p, len, -EBADMSG);
#undef RESET
}

/* A request made of one attribute of a type with a value of n bytes. */
static int parse_one(uint16_t type, const void *v, size_t n)
{
	struct relay_stun_msg m;
	struct tmsg t;

	t_begin(&t, 0x0001, txid_a);
	t_attr(&t, type, v, n);
	return relay_stun_parse(t.b, t.len, &m);
}

static void test_attribute_rules(void)
{
	static char user[RELAY_STUN_USERNAME_MAX + 1];
	struct relay_stun_msg m;
	struct tmsg t;

	/* Known types with values of the wrong size. */
	g_assert_cmpint(parse_one(0x0024, "abc", 3), ==, -EBADMSG);	  /* PRIORITY */
	g_assert_cmpint(parse_one(0x0025, "abcd", 4), ==, -EBADMSG);	  /* USE-CANDIDATE */
	g_assert_cmpint(parse_one(0x802a, "abcd", 4), ==, -EBADMSG);	  /* ICE-CONTROLLING */
	g_assert_cmpint(parse_one(0x8029, "abcdefghi", 9), ==, -EBADMSG); /* ICE-CONTROLLED */
	g_assert_cmpint(parse_one(0x0008, "abcd", 4), ==, -EBADMSG);	  /* MESSAGE-INTEGRITY */
	g_assert_cmpint(parse_one(0x8028, "abcdefgh", 8), ==, -EBADMSG);  /* FINGERPRINT */
	g_assert_cmpint(parse_one(0x0020, "\0\3\0\0\0\0\0\0", 8), ==, -EBADMSG); /* family 3 */
	g_assert_cmpint(parse_one(0x0020, "\0\1\0\0\0\0\0\0\0\0\0\0", 12), ==, -EBADMSG);
	g_assert_cmpint(parse_one(0x0009, "\0\0\7\0", 4), ==, -EBADMSG);   /* class 7 */
	g_assert_cmpint(parse_one(0x0009, "\0\0\4\144", 4), ==, -EBADMSG); /* number 100 */
	memset(user, 'u', sizeof(user));
	g_assert_cmpint(parse_one(0x0006, user, RELAY_STUN_USERNAME_MAX), ==, 0);
	g_assert_cmpint(parse_one(0x0006, user, RELAY_STUN_USERNAME_MAX + 1), ==, -EBADMSG);
	g_assert_cmpint(parse_one(0x8022, user, RELAY_STUN_USERNAME_MAX + 1), ==, 0);

	/* First occurrence wins; after MESSAGE-INTEGRITY only FINGERPRINT
	 * counts; nothing may follow FINGERPRINT. */
	t_begin(&t, 0x0001, txid_a);
	t_attr(&t, 0x0006, "first:x", 7);
	t_attr(&t, 0x0006, "second:y", 8);
	t_integrity(&t, "pw");
	size_t mi_end = t.len;
	t_attr(&t, 0x0003, "\0\0\0\0", 4);
	t_attr(&t, 0x0024, "abc", 3); /* malformed, but ignored here */
	t_attr(&t, 0x0008, "short", 5);
	t_fingerprint(&t);
	parse_ok(&t, &m);
	g_assert_cmpmem(m.username, m.username_len, "first:x", 7);
	g_assert_cmpuint(m.unknown_count, ==, 0);
	g_assert_false(m.has_priority);
	g_assert_cmpuint(m.integrity_at, ==, mi_end - 24);
	g_assert_true(integrity(t.b, t.len, &m, "pw"));
	t_attr(&t, 0x8022, "late", 4);
	expect_fail(t.b, t.len, -EBADMSG);
	/* Even with a CRC that covers the final length. */
	t.len -= 16;
	t_set_len(&t, t.len - 20 + 16);
	uint32_t crc = t_crc32(t.b, t.len) ^ 0x5354554eu;
	uint8_t fp[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
			 (uint8_t)crc};
	t_attr(&t, 0x8028, fp, 4);
	t_attr(&t, 0x8022, "late", 4);
	g_assert_cmpuint(t.b[2] << 8 | t.b[3], ==, t.len - 20);
	expect_fail(t.b, t.len, -EBADMSG);

	/* More unknown required types than the list holds: still a 420. */
	t_begin(&t, 0x0001, txid_a);
	for (uint16_t type = 0x0040; type < 0x0050; type++)
		t_attr(&t, type, NULL, 0);
	parse_ok(&t, &m);
	g_assert_cmpuint(m.unknown_count, ==, RELAY_STUN_UNKNOWN_MAX);

	/* The attribute cap. */
	t_begin(&t, 0x0001, txid_a);
	for (int i = 0; i < RELAY_STUN_MAX_ATTRS; i++)
		t_attr(&t, 0x8022, NULL, 0);
	parse_ok(&t, &m);
	t_attr(&t, 0x8022, NULL, 0);
	expect_fail(t.b, t.len, -E2BIG);

	/* Too long for us, though well-formed. */
	t_begin(&t, 0x0001, txid_a);
	static const uint8_t big[RELAY_STUN_MAX_LEN];
	t_attr(&t, 0x8022, big, sizeof(big) - 20);
	expect_fail(t.b, t.len, -EMSGSIZE);
}

static void test_demux_and_split(void)
{
	static const uint8_t rtp[24] = {0x80, 0x60, 0x00, 0x01};
	static const uint8_t dtls[24] = {0x16, 0xfe, 0xfd};
	struct relay_stun_msg m = {0};
	struct relay_stun_str a, b;

	g_assert_true(relay_stun_looks_like(rfc5769_ipv6_response, sizeof(rfc5769_ipv6_response)));
	g_assert_false(relay_stun_looks_like(rtp, sizeof(rtp)));
	g_assert_false(relay_stun_looks_like(dtls, sizeof(dtls)));
	g_assert_false(relay_stun_looks_like(rfc5769_request, 19));
	g_assert_false(relay_stun_looks_like(rfc5769_request, 0));

	const char *bad[] = {"nocolon", ":theirs", "ours:", ":"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		m.username = bad[i];
		m.username_len = strlen(bad[i]);
		g_assert_cmpint(relay_stun_username_split(&m, &a, &b), ==, -EINVAL);
	}
	m.username = "o:t:x"; /* ufrags have no colon; the first one splits */
	m.username_len = 5;
	g_assert_cmpint(relay_stun_username_split(&m, &a, &b), ==, 0);
	g_assert_cmpmem(a.ptr, a.len, "o", 1);
	g_assert_cmpmem(b.ptr, b.len, "t:x", 3);
	m.username = NULL;
	m.username_len = 0;
	g_assert_cmpint(relay_stun_username_split(&m, &a, &b), ==, -EINVAL);
}

/* ---- Random mutations ---- */

/* A successful parse must describe the datagram it came from, and a
 * MESSAGE-INTEGRITY that checks must mean the bytes it covers are the
 * original ones. */
static void check_mutant(const uint8_t *p, size_t len, const uint8_t *orig, size_t orig_len,
			 const char *key, unsigned *parsed, unsigned *forged)
{
	struct relay_stun_msg m, again;

	if (relay_stun_parse(p, len, &m) < 0)
		return;
	(*parsed)++;
	g_assert_true(relay_stun_looks_like(p, len));
	g_assert_true(m.txid == p + 8);
	if (m.username)
		g_assert_true((const uint8_t *)m.username >= p + 24 &&
			      (const uint8_t *)m.username + m.username_len <= p + len);
	g_assert_cmpuint(m.unknown_count, <=, RELAY_STUN_UNKNOWN_MAX);
	g_assert_cmpint(relay_stun_parse(p, len, &again), ==, 0);
	g_assert_cmpuint(again.type, ==, m.type);
	g_assert_true(again.username == m.username && again.username_len == m.username_len);
	g_assert_true(again.has_integrity == m.has_integrity &&
		      again.integrity_at == m.integrity_at);
	if (!m.has_integrity)
		return;
	g_assert_cmpuint(m.integrity_at + 24, <=, len);
	if (!integrity(p, len, &m, key))
		return;
	size_t covered = m.integrity_at + 24;
	if (covered > orig_len || memcmp(p, orig, 2) != 0 ||
	    memcmp(p + 4, orig + 4, covered - 4) != 0)
		(*forged)++;
}

static void mutate(GRand *r, uint8_t *p, size_t *len, size_t cap)
{
	switch (g_rand_int_range(r, 0, 4)) {
	case 0: /* flip a few bytes */
		for (int k = g_rand_int_range(r, 1, 5); k > 0; k--)
			p[g_rand_int_range(r, 0, (gint32)*len)] ^=
			    (uint8_t)g_rand_int_range(r, 1, 256);
		break;
	case 1: /* truncate */
		*len = (size_t)g_rand_int_range(r, 0, (gint32)*len);
		break;
	case 2: /* a random attribute length */
		p[g_rand_int_range(r, 20, (gint32)*len) & ~3] = (uint8_t)g_rand_int(r);
		p[(g_rand_int_range(r, 20, (gint32)*len) & ~3) + 3] = (uint8_t)g_rand_int(r);
		break;
	default: /* append words, with or without fixing the length */
		for (size_t k = (size_t)g_rand_int_range(r, 1, 5) * 4; k > 0 && *len < cap; k--)
			p[(*len)++] = (uint8_t)g_rand_int(r);
		if (g_rand_boolean(r) && *len >= 20) {
			p[2] = (uint8_t)((*len - 20) >> 8);
			p[3] = (uint8_t)(*len - 20);
		}
		break;
	}
}

static void test_mutations(void)
{
	static const uint8_t tie[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct relay_stun_request rq = sample_request();
	GRand *r = g_rand_new_with_seed(5769);
	struct tmsg with_fp, without_fp;
	unsigned parsed[2] = {0, 0}, forged = 0;
	uint8_t p[sizeof(with_fp.b)];

	g_assert_cmpint(relay_stun_build_request(with_fp.b, sizeof(with_fp.b), &rq, &with_fp.len),
			==, 0);
	/* Without FINGERPRINT more mutants get past the framing checks. */
	t_begin(&without_fp, 0x0001, txid_a);
	t_attr(&without_fp, 0x0006, "evtj:h6vY", 9);
	t_attr(&without_fp, 0x0024, "\x6e\0\1\xff", 4);
	t_attr(&without_fp, 0x802a, tie, 8);
	t_attr(&without_fp, 0x0025, NULL, 0);
	t_integrity(&without_fp, rq.key);
	for (int i = 0; i < 2000; i++) {
		const struct tmsg *base = i % 2 ? &without_fp : &with_fp;
		size_t len = base->len;
		memcpy(p, base->b, len);
		mutate(r, p, &len, sizeof(p));
		check_mutant(p, len, base->b, base->len, rq.key, &parsed[i % 2], &forged);
	}
	g_test_message("mutants parsed: %u with FINGERPRINT, %u without, of 1000 each", parsed[0],
		       parsed[1]);
	g_assert_cmpuint(parsed[1], >, 0);
	g_assert_cmpuint(forged, ==, 0);
	g_rand_free(r);
}

/* ---- Capacity ---- */

enum { BUILD_REQUEST, BUILD_SUCCESS, BUILD_ERROR };

static int build(int which, uint8_t *out, size_t cap, size_t *ret_len)
{
	struct relay_stun_request rq = sample_request();
	struct sockaddr_storage to = make_addr("2001:db8::7", 9);
	struct relay_stun_msg req = {.type = RELAY_STUN_BINDING_REQUEST, .txid = txid_a};

	req.unknown_count = 3;
	req.unknown_required[0] = 0x0003;
	switch (which) {
	case BUILD_REQUEST:
		return relay_stun_build_request(out, cap, &rq, ret_len);
	case BUILD_SUCCESS:
		return relay_stun_build_success(out, cap, txid_a, (const struct sockaddr *)&to,
						"pw", 2, ret_len);
	default:
		return relay_stun_build_error(out, cap, &req, 420, "pw", 2, ret_len);
	}
}

static void test_capacity(void)
{
	uint8_t full[256], out[256 + 16];

	for (int which = BUILD_REQUEST; which <= BUILD_ERROR; which++) {
		size_t need = 0;
		g_assert_cmpint(build(which, full, sizeof(full), &need), ==, 0);
		g_assert_cmpuint(need, >, 20);
		for (size_t cap = 0; cap <= need; cap++) {
			size_t got = 12345;
			memset(out, 0xa5, sizeof(out));
			int r = build(which, out, cap, &got);
			for (size_t i = cap; i < sizeof(out); i++)
				g_assert_cmphex(out[i], ==, 0xa5);
			if (cap < need) {
				g_assert_cmpint(r, ==, -ENOBUFS);
				g_assert_cmpuint(got, ==, 12345);
			} else {
				g_assert_cmpint(r, ==, 0);
				g_assert_cmpmem(out, got, full, need);
			}
		}
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/stun/rfc5769/request", test_rfc5769_request);
	g_test_add_func("/relay/stun/rfc5769/ipv4-response", test_rfc5769_ipv4_response);
	g_test_add_func("/relay/stun/rfc5769/ipv6-response", test_rfc5769_ipv6_response);
	g_test_add_func("/relay/stun/rfc5769/long-term-request", test_rfc5769_long_term);
	g_test_add_func("/relay/stun/rfc5769/composer", test_composer_matches_rfc);
	g_test_add_func("/relay/stun/build/matches-composer", test_builder_matches_composer);
	g_test_add_func("/relay/stun/build/round-trip", test_round_trip);
	g_test_add_func("/relay/stun/build/capacity", test_capacity);
	g_test_add_func("/relay/stun/lite/verdicts-and-errors", test_verdicts_and_errors);
	g_test_add_func("/relay/stun/parse/fingerprint-corruption", test_fingerprint_corruption);
	g_test_add_func("/relay/stun/parse/malformed", test_malformed);
	g_test_add_func("/relay/stun/parse/attribute-rules", test_attribute_rules);
	g_test_add_func("/relay/stun/parse/demux-and-split", test_demux_and_split);
	g_test_add_func("/relay/stun/parse/mutations", test_mutations);
	return g_test_run();
}
