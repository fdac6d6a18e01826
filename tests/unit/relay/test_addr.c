/* Unit tests of relay/addr.c: a peer seen through a dual-stack socket (a
 * v4-mapped IPv6 address) is the same key as the peer seen as plain IPv4,
 * and different ports, families and addresses are different keys. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "relay/addr.h"

static struct sockaddr_storage addr(const char *text, int port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		g_assert_cmpint(inet_pton(AF_INET6, text, &in6->sin6_addr), ==, 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		g_assert_cmpint(inet_pton(AF_INET, text, &in->sin_addr), ==, 1);
	}
	return ss;
}

static bool same(const char *a, int pa, const char *b, int pb)
{
	struct sockaddr_storage sa = addr(a, pa), sb = addr(b, pb);
	struct relay_addr_key ka, kb;

	relay_addr_key_from(&sa, &ka);
	relay_addr_key_from(&sb, &kb);
	bool eq = relay_addr_key_equal(&ka, &kb);
	if (eq)
		g_assert_cmpuint(relay_addr_key_hash(&ka), ==, relay_addr_key_hash(&kb));
	return eq;
}

static void test_v4_mapped_is_ipv4(void)
{
	g_assert_true(same("::ffff:203.0.113.5", 5000, "203.0.113.5", 5000));
	g_assert_true(same("::ffff:127.0.0.1", 40000, "127.0.0.1", 40000));
	g_assert_true(same("2001:db8::5", 5000, "2001:db8::5", 5000));
}

static void test_different_peers(void)
{
	g_assert_false(same("::ffff:203.0.113.5", 5000, "203.0.113.5", 5001));
	g_assert_false(same("::ffff:203.0.113.5", 5000, "203.0.113.6", 5000));
	/* An IPv6 address whose last 32 bits read as the IPv4 one. */
	g_assert_false(same("::cb00:7105", 5000, "203.0.113.5", 5000));
	g_assert_false(same("2001:db8::5", 5000, "2001:db8::6", 5000));
	g_assert_false(same("::1", 5000, "127.0.0.1", 5000));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/addr/v4-mapped-is-ipv4", test_v4_mapped_is_ipv4);
	g_test_add_func("/relay/addr/different-peers", test_different_peers);
	return g_test_run();
}
