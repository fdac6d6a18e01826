/* Unit tests of relay/addr.c: a peer seen through a dual-stack socket (a
 * v4-mapped IPv6 address) is the same key as the peer seen as plain IPv4,
 * and different ports, families and addresses are different keys; the
 * local address a socket binds. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

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

/* The local address a socket binds: both families with their port, and
 * nothing that is not a numeric address; a bound socket's port read back. */
static void test_parse_and_bound_port(void)
{
	struct sockaddr_storage ss;

	g_assert_cmpint(relay_addr_parse("127.0.0.1", 3478, &ss), ==, sizeof(struct sockaddr_in));
	g_assert_cmpint(ss.ss_family, ==, AF_INET);
	g_assert_cmpuint(ntohs(((struct sockaddr_in *)&ss)->sin_port), ==, 3478);
	g_assert_cmpint(relay_addr_parse("::1", 0, &ss), ==, sizeof(struct sockaddr_in6));
	g_assert_cmpint(ss.ss_family, ==, AF_INET6);
	g_assert_cmpint(relay_addr_parse("localhost", 1, &ss), ==, -EINVAL);
	g_assert_cmpint(relay_addr_parse("127.0.0.1, ::1", 1, &ss), ==, -EINVAL);
	g_assert_cmpint(relay_addr_parse("", 1, &ss), ==, -EINVAL);

	int fd = socket(AF_INET, SOCK_DGRAM, 0), port = 0;
	int len = relay_addr_parse("127.0.0.1", 0, &ss);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&ss, (socklen_t)len), ==, 0);
	g_assert_cmpint(relay_addr_bound_port(fd, &port), ==, 0);
	g_assert_cmpint(port, >, 0);
	close(fd);
	g_assert_cmpint(relay_addr_bound_port(fd, &port), <, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/addr/v4-mapped-is-ipv4", test_v4_mapped_is_ipv4);
	g_test_add_func("/relay/addr/different-peers", test_different_peers);
	g_test_add_func("/relay/addr/parse-and-bound-port", test_parse_and_bound_port);
	return g_test_run();
}
