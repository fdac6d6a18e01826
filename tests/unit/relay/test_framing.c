/* relay/framing.c: RFC 4571 frames (lengths, partial reads, the cap) and
 * the ufrag an ICE-TCP connection's first frame names (RFC 6544 §3). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "relay/framing.h"
#include "relay/stun.h"

static const uint8_t txid[RELAY_STUN_TXID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static size_t binding(uint8_t *out, size_t cap, const char *username)
{
	struct relay_stun_request rq = {
	    .txid = txid,
	    .username = username,
	    .username_len = strlen(username),
	    .priority = 1853824767,
	    .controlling = true,
	    .tiebreaker = 42,
	    .key = "relay-password-of-22chars",
	    .key_len = strlen("relay-password-of-22chars"),
	};
	size_t len = 0;

	g_assert_cmpint(relay_stun_build_request(out, cap, &rq, &len), ==, 0);
	return len;
}

static void test_next(void)
{
	uint8_t buf[16] = {0, 3, 'a', 'b', 'c', 0, 0, 0xff, 0};
	size_t len = 99;

	/* fewer bytes than the header, than the frame: wait */
	g_assert_cmpint(relay_framing_next(buf, 0, 1500, &len), ==, 0);
	g_assert_cmpint(relay_framing_next(buf, 1, 1500, &len), ==, 0);
	g_assert_cmpint(relay_framing_next(buf, 4, 1500, &len), ==, 0);
	g_assert_cmpuint(len, ==, 99); /* untouched */
	g_assert_cmpint(relay_framing_next(buf, 5, 1500, &len), ==, 1);
	g_assert_cmpuint(len, ==, 3);
	/* an empty frame (RFC 4571 allows it), then one over the cap */
	g_assert_cmpint(relay_framing_next(buf + 5, 2, 1500, &len), ==, 1);
	g_assert_cmpuint(len, ==, 0);
	g_assert_cmpint(relay_framing_next(buf + 7, 2, 1500, &len), ==, -EMSGSIZE);
	/* the cap is inclusive; the largest RFC 4571 length is refused at once */
	uint8_t at[2], over[2] = {0xff, 0xff};
	relay_framing_header(at, RELAY_FRAMING_MAX);
	g_assert_cmpint(relay_framing_next(at, 2, RELAY_FRAMING_MAX, &len), ==, 0);
	g_assert_cmpint(relay_framing_next(over, 2, RELAY_FRAMING_MAX, &len), ==, -EMSGSIZE);
}

static void test_header(void)
{
	uint8_t h[2];

	relay_framing_header(h, 0x1234);
	g_assert_cmpuint(h[0], ==, 0x12);
	g_assert_cmpuint(h[1], ==, 0x34);
}

static void test_first_ufrag(void)
{
	uint8_t pkt[512];
	char ufrag[RELAY_ICE_UFRAG_MAX + 1];
	size_t len = binding(pkt, sizeof(pkt), "relayufrag:browserufrag");

	g_assert_cmpint(relay_framing_first_ufrag(pkt, len, ufrag), ==, 0);
	g_assert_cmpstr(ufrag, ==, "relayufrag");

	/* no colon, an empty or too long first half: no ufrag */
	len = binding(pkt, sizeof(pkt), "nocolon");
	g_assert_cmpint(relay_framing_first_ufrag(pkt, len, ufrag), ==, -ENOENT);
	len = binding(pkt, sizeof(pkt), ":theirs");
	g_assert_cmpint(relay_framing_first_ufrag(pkt, len, ufrag), ==, -ENOENT);
	len = binding(pkt, sizeof(pkt), "abcdefghijabcdefghijabcdefghijabc:x"); /* 33 */
	g_assert_cmpint(relay_framing_first_ufrag(pkt, len, ufrag), ==, -ENOENT);
	len = binding(pkt, sizeof(pkt), "abcdefghijabcdefghijabcdefghijab:x"); /* 32 */
	g_assert_cmpint(relay_framing_first_ufrag(pkt, len, ufrag), ==, 0);
	g_assert_cmpuint(strlen(ufrag), ==, 32);

	/* not STUN: DTLS, RTP, garbage, a truncated request, a response */
	static const uint8_t dtls[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t rtp[] = {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
	g_assert_cmpint(relay_framing_first_ufrag(dtls, sizeof(dtls), ufrag), ==, -EBADMSG);
	g_assert_cmpint(relay_framing_first_ufrag(rtp, sizeof(rtp), ufrag), ==, -EBADMSG);
	g_assert_cmpint(relay_framing_first_ufrag((const uint8_t *)"GET / HTTP/1.1", 14, ufrag), ==,
			-EBADMSG);
	g_assert_cmpint(relay_framing_first_ufrag(pkt, 0, ufrag), ==, -EBADMSG);
	len = binding(pkt, sizeof(pkt), "relayufrag:browserufrag");
	g_assert_cmpint(relay_framing_first_ufrag(pkt, len - 8, ufrag), ==, -EBADMSG);
	pkt[0] = 0x01; /* a Binding success response (0x0101) */
	g_assert_cmpint(relay_framing_first_ufrag(pkt, len, ufrag), ==, -EBADMSG);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/framing/next", test_next);
	g_test_add_func("/relay/framing/header", test_header);
	g_test_add_func("/relay/framing/first-ufrag", test_first_ufrag);
	return g_test_run();
}
