/* Unit tests of the client address behind trusted reverse proxies. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "http/forwarded.h"

#define XFF SIG_FORWARDED_XFF
#define FWD SIG_FORWARDED_RFC7239

/* The client as text, for a request from peer with header, trusting the
 * ranges in trusted. Returned in a static buffer. */
static const char *client(const char *trusted, const char *peer, enum sig_forwarded_kind kind,
			  const char *header)
{
	static char buf[NETADDR_TEXT_MAX];
	struct netaddr_list list;
	struct netaddr p, c;

	g_assert_cmpint(netaddr_list_parse(trusted, &list, NULL, 0), ==, 0);
	g_assert_cmpint(netaddr_parse(peer, &p), ==, 0);
	memset(&c, 0xa5, sizeof(c));
	sig_forwarded_client(&list, &p, kind, header, &c);
	netaddr_format(&c, buf);
	return buf;
}

/* nginx on the same host, the usual set-up. */
#define NGINX "127.0.0.1, ::1"

static void test_untrusted_peer(void)
{
	/* Whoever is not a trusted proxy cannot choose an address. */
	g_assert_cmpstr(client(NGINX, "203.0.113.9", XFF, "198.51.100.1"), ==, "203.0.113.9");
	g_assert_cmpstr(client(NGINX, "203.0.113.9", FWD, "for=198.51.100.1"), ==, "203.0.113.9");
	g_assert_cmpstr(client("", "127.0.0.1", XFF, "198.51.100.1"), ==, "127.0.0.1");
	g_assert_cmpstr(client("10.0.0.0/8", "2001:db8::5", XFF, "10.0.0.1"), ==, "2001:db8::5");
}

static void test_xff(void)
{
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "::1", XFF, "203.0.113.7"), ==, "203.0.113.7");
	/* A v4 peer on a dual-stack socket. */
	g_assert_cmpstr(client(NGINX, "::ffff:127.0.0.1", XFF, "203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, " \t203.0.113.7 "), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "::ffff:203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "2001:DB8::0:1"), ==, "2001:db8::1");
	/* No header, or an empty one: the peer. */
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, NULL), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, ""), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, " "), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, NULL), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, ""), ==, "127.0.0.1");
}

static void test_xff_spoofing(void)
{
	/* The client sent "X-Forwarded-For: 1.1.1.1"; nginx appended its
	 * peer. Only nginx's part counts. */
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "1.1.1.1, 203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "127.0.0.1, 203.0.113.7"), ==,
			"203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "garbage, 203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, ",,, 203.0.113.7"), ==, "203.0.113.7");
	/* X-Forwarded-For has no quoting: a quote the client sent must not
	 * swallow the hop nginx appended (which would leave the proxy's own,
	 * loopback, address as the client's). */
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "\", 203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "\"1.1.1.1, 203.0.113.7"), ==,
			"203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "\"\\, 203.0.113.7"), ==, "203.0.113.7");
}

static void test_xff_chain(void)
{
	const char *t = "10.0.0.0/8";

	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, 10.0.0.2, 10.0.0.3"), ==,
			"198.51.100.1");
	/* The rightmost untrusted hop, not the leftmost. */
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "192.0.2.1, 198.51.100.1, 10.0.0.3"), ==,
			"198.51.100.1");
	/* Every hop trusted: the leftmost. */
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "10.0.0.1, 10.0.0.2, 10.0.0.3"), ==, "10.0.0.1");
	/* A hop that is no address ends the walk at the last trusted hop. */
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, unknown, 10.0.0.3"), ==,
			"10.0.0.3");
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, , 10.0.0.3"), ==, "10.0.0.3");
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, 10.0.0.2, _hidden"), ==,
			"10.0.0.4");
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, 10.0.0.3,"), ==, "10.0.0.4");
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, 10.0.0.0/8"), ==, "10.0.0.4");
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, 10.0.0.3 10.0.0.2"), ==,
			"10.0.0.4");
	g_assert_cmpstr(client(t, "10.0.0.4", XFF, "198.51.100.1, fe80::1%eth0"), ==, "10.0.0.4");
}

static void test_ports_and_brackets(void)
{
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "1.2.3.4:5678"), ==, "1.2.3.4");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "[2001:db8::1]:443"), ==, "2001:db8::1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "[2001:db8::1]"), ==, "2001:db8::1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "2001:db8::1"), ==, "2001:db8::1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", XFF, "::ffff:1.2.3.4"), ==, "1.2.3.4");
}

static bool hop_ok(const char *text)
{
	struct netaddr a;

	return sig_forwarded_parse_hop(text, strlen(text), &a) == 0;
}

static void test_parse_hop(void)
{
	struct netaddr a, b, untouched;

	g_assert_true(hop_ok("192.0.2.1"));
	g_assert_true(hop_ok("192.0.2.1:0"));
	g_assert_true(hop_ok("192.0.2.1:65535"));
	g_assert_true(hop_ok("::1"));
	g_assert_true(hop_ok("[::1]"));
	g_assert_true(hop_ok("[::1]:8080"));
	g_assert_true(hop_ok("[192.0.2.1]"));
	const char *bad[] = {"",
			     "192.0.2.1:",
			     "192.0.2.1:http",
			     "192.0.2.1:123456",
			     "192.0.2.1:-1",
			     ":80",
			     "[::1",
			     "[::1]:",
			     "[::1]x",
			     "[::1]:80x",
			     "[::1]]",
			     "[]",
			     "[]:80",
			     "::1]",
			     "unknown",
			     "_gazonk",
			     "\"192.0.2.1\"",
			     " 192.0.2.1",
			     "example.org:443",
			     "2001:db8::1:443:1:1:1:1:1"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		memset(&a, 0xa5, sizeof(a));
		untouched = a;
		g_assert_cmpint(sig_forwarded_parse_hop(bad[i], strlen(bad[i]), &a), ==, -EINVAL);
		g_assert_cmpmem(&a, sizeof(a), &untouched, sizeof(untouched));
	}
	/* Only len bytes are read; a NUL inside them is no address. */
	g_assert_cmpint(sig_forwarded_parse_hop("192.0.2.1, 10.0.0.1", 9, &a), ==, 0);
	g_assert_cmpint(netaddr_parse("192.0.2.1", &b), ==, 0);
	g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
	g_assert_cmpint(sig_forwarded_parse_hop("[::1]:80", 5, &a), ==, 0);
	g_assert_cmpint(sig_forwarded_parse_hop("1.2.3.4\0junk", 12, &a), ==, -EINVAL);
}

static void test_rfc7239(void)
{
	g_assert_cmpstr(
	    client(NGINX, "127.0.0.1", FWD, "for=192.0.2.60;proto=http;by=203.0.113.43"), ==,
	    "192.0.2.60");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "proto=https; FOR=192.0.2.60 ;by=x"), ==,
			"192.0.2.60");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"[2001:db8:cafe::17]:4711\""), ==,
			"2001:db8:cafe::17");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"192.0.2.60:4711\""), ==,
			"192.0.2.60");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"\\192.0.2.60\""), ==, "192.0.2.60");
	/* Unknown or obfuscated: no address, the walk stops at the proxy. */
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "For=unknown"), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=_hidden"), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"_gazonk\""), ==, "127.0.0.1");
	/* An element without for=: stop there. */
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "proto=https;by=203.0.113.43"), ==,
			"127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for="), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"\""), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "192.0.2.60"), ==, "127.0.0.1");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "forx=192.0.2.60"), ==, "127.0.0.1");

	const char *t = "10.0.0.0/8, 2001:db8:ffff::/48";
	/* Several elements, RFC 7239 §7.1 order: client first. */
	g_assert_cmpstr(client(t, "10.0.0.9", FWD, "for=192.0.2.43, for=198.51.100.17"), ==,
			"198.51.100.17");
	g_assert_cmpstr(client(t, "10.0.0.9", FWD,
			       "for=198.51.100.17;proto=https, for=10.0.0.1, "
			       "for=\"[2001:db8:ffff::2]:80\";by=10.0.0.9"),
			==, "198.51.100.17");
	g_assert_cmpstr(client(t, "10.0.0.9", FWD, "for=10.0.0.1, for=10.0.0.2"), ==, "10.0.0.1");
	g_assert_cmpstr(client(t, "10.0.0.9", FWD, "for=198.51.100.17, for=unknown, for=10.0.0.2"),
			==, "10.0.0.2");
	g_assert_cmpstr(client(t, "10.0.0.9", FWD, "for=198.51.100.17, proto=http, for=10.0.0.2"),
			==, "10.0.0.2");
	/* Commas inside quoted strings do not split elements. */
	g_assert_cmpstr(
	    client(t, "10.0.0.9", FWD, "for=192.0.2.1;ext=\"a, b, for=10.0.0.5\", for=10.0.0.2"),
	    ==, "192.0.2.1");
	g_assert_cmpstr(
	    client(t, "10.0.0.9", FWD, "for=192.0.2.1;ext=\"a \\\" , for=10.0.0.5\";proto=http"),
	    ==, "192.0.2.1");
	/* Nor do semicolons split pairs. */
	g_assert_cmpstr(client(t, "10.0.0.9", FWD, "ext=\"x;for=10.0.0.5\";for=192.0.2.1"), ==,
			"192.0.2.1");
}

static void test_rfc7239_spoofing(void)
{
	/* Whatever the client wrote to the left of the proxy's element. */
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=1.1.1.1, for=203.0.113.7"), ==,
			"203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"1.1.1.1, for=203.0.113.7"), ==,
			"203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "\", for=203.0.113.7"), ==, "203.0.113.7");
	g_assert_cmpstr(client(NGINX, "127.0.0.1", FWD, "for=\"\\, for=\"[2001:db8::7]:443\""), ==,
			"2001:db8::7");
}

static void test_max_hops(void)
{
	GString *h = g_string_new("198.51.100.1");

	/* The client, then SIG_FORWARDED_MAX_HOPS trusted proxies: the
	 * client is out of sight, the leftmost hop looked at is the answer. */
	for (int i = 0; i < SIG_FORWARDED_MAX_HOPS; i++)
		g_string_append_printf(h, ", 10.0.0.%d", i + 1);
	g_assert_cmpstr(client("10.0.0.0/8", "10.0.0.250", XFF, h->str), ==, "10.0.0.1");
	/* One fewer proxy: the client is within reach. */
	g_string_assign(h, "198.51.100.1");
	for (int i = 0; i < SIG_FORWARDED_MAX_HOPS - 1; i++)
		g_string_append_printf(h, ", 10.0.0.%d", i + 1);
	g_assert_cmpstr(client("10.0.0.0/8", "10.0.0.250", XFF, h->str), ==, "198.51.100.1");
	/* A long client-chosen prefix changes nothing. */
	g_string_truncate(h, 0);
	for (int i = 0; i < 1000; i++)
		g_string_append_printf(h, "192.0.2.%d, ", i % 250);
	g_string_append(h, "203.0.113.7, 10.0.0.1");
	g_assert_cmpstr(client("10.0.0.0/8", "10.0.0.250", XFF, h->str), ==, "203.0.113.7");
	/* The same for Forwarded. */
	g_string_truncate(h, 0);
	for (int i = 0; i < 100; i++)
		g_string_append_printf(h, "for=192.0.2.%d;proto=https, ", i);
	g_string_append(h, "for=203.0.113.7");
	for (int i = 0; i < SIG_FORWARDED_MAX_HOPS - 2; i++)
		g_string_append_printf(h, ", for=10.0.0.%d", i + 1);
	g_assert_cmpstr(client("10.0.0.0/8", "10.0.0.250", FWD, h->str), ==, "203.0.113.7");
	g_string_free(h, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/forwarded/untrusted-peer", test_untrusted_peer);
	g_test_add_func("/forwarded/xff", test_xff);
	g_test_add_func("/forwarded/xff-spoofing", test_xff_spoofing);
	g_test_add_func("/forwarded/xff-chain", test_xff_chain);
	g_test_add_func("/forwarded/ports-and-brackets", test_ports_and_brackets);
	g_test_add_func("/forwarded/parse-hop", test_parse_hop);
	g_test_add_func("/forwarded/rfc7239", test_rfc7239);
	g_test_add_func("/forwarded/rfc7239-spoofing", test_rfc7239_spoofing);
	g_test_add_func("/forwarded/max-hops", test_max_hops);
	return g_test_run();
}
