/* Unit tests of address and range parsing (server.trusted_proxies). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "core/netaddr.h"

static struct netaddr addr(const char *text)
{
	struct netaddr a;

	g_assert_cmpint(netaddr_parse(text, &a), ==, 0);
	return a;
}

static bool same(const struct netaddr *a, const struct netaddr *b)
{
	return a->v4 == b->v4 && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static bool range_ok(const char *text)
{
	struct netaddr_range r;

	return netaddr_range_parse(text, &r) == 0;
}

/* Whether text parses as a list that contains addr_text. */
static bool list_has(const char *list_text, const char *addr_text)
{
	struct netaddr_list l;
	struct netaddr a = addr(addr_text);

	g_assert_cmpint(netaddr_list_parse(list_text, &l, NULL, 0), ==, 0);
	return netaddr_list_contains(&l, &a);
}

static void test_parse(void)
{
	struct netaddr a, b, untouched;
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	a = addr("192.0.2.1");
	g_assert_true(a.v4);
	g_assert_cmpmem(a.bytes, 16, mapped, 16);
	b = addr("::ffff:192.0.2.1");
	g_assert_true(b.v4);
	g_assert_true(same(&a, &b));
	a = addr("2001:db8::1");
	g_assert_false(a.v4);
	g_assert_cmpmem(a.bytes, 16, v6, 16);
	b = addr("2001:0db8:0:0::0001");
	g_assert_true(same(&a, &b));
	/* ::1.2.3.4 (v4-compatible, deprecated) is not the IPv4 address. */
	a = addr("::192.0.2.1");
	g_assert_false(a.v4);

	memset(&untouched, 0xa5, sizeof(untouched));
	a = untouched;
	const char *bad[] = {
	    "",		  " 192.0.2.1",	  "192.0.2.1 ", "192.0.2",   "192.0.2.256",
	    "192.0.2.01", "1.2.3.4.5",	  "[::1]",	"::1%lo",    "2001:db8::1::2",
	    "::g",	  "192.0.2.1:80", "1.2.3.4/32", "localhost", "::ffff:1.2.3"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(netaddr_parse(bad[i], &a), ==, -EINVAL);
		g_assert_cmpmem(&a, sizeof(a), &untouched, sizeof(untouched));
	}
}

static void test_range(void)
{
	struct netaddr_range r;

	g_assert_cmpint(netaddr_range_parse("10.0.0.0/8", &r), ==, 0);
	g_assert_true(r.base.v4);
	g_assert_cmpuint(r.prefix, ==, 96 + 8);
	g_assert_cmpint(netaddr_range_parse("192.0.2.7", &r), ==, 0);
	g_assert_cmpuint(r.prefix, ==, 128);
	g_assert_cmpint(netaddr_range_parse("2001:db8::/32", &r), ==, 0);
	g_assert_false(r.base.v4);
	g_assert_cmpuint(r.prefix, ==, 32);
	g_assert_cmpint(netaddr_range_parse("::1", &r), ==, 0);
	g_assert_cmpuint(r.prefix, ==, 128);

	/* Edges of the prefix length. */
	g_assert_true(range_ok("0.0.0.0/0"));
	g_assert_true(range_ok("192.0.2.1/32"));
	g_assert_true(range_ok("::/0"));
	g_assert_true(range_ok("2001:db8::1/128"));
	g_assert_false(range_ok("10.0.0.0/08"));
	g_assert_false(range_ok("192.0.2.0/33"));
	g_assert_false(range_ok("2001:db8::/129"));
	g_assert_false(range_ok("2001:db8::/0128"));
	g_assert_false(range_ok("10.0.0.0/"));
	g_assert_false(range_ok("10.0.0.0/-8"));
	g_assert_false(range_ok("10.0.0.0/+8"));
	g_assert_false(range_ok("10.0.0.0/8 "));
	g_assert_false(range_ok("10.0.0.0 /8"));
	g_assert_false(range_ok("10.0.0.0/8/8"));
	g_assert_false(range_ok("10.0.0.0/0x8"));
	g_assert_false(range_ok("/8"));
	g_assert_false(range_ok(""));
	/* Host bits set below the prefix: a typo, refused. */
	g_assert_false(range_ok("10.0.0.1/8"));
	g_assert_false(range_ok("0.0.0.1/0"));
	g_assert_false(range_ok("192.0.2.128/24"));
	g_assert_true(range_ok("192.0.2.128/25"));
	g_assert_false(range_ok("192.0.2.129/25"));
	g_assert_false(range_ok("2001:db8::1/64"));
	g_assert_false(range_ok("::1/0"));
	g_assert_true(range_ok("2001:db8:8000::/33"));
	g_assert_false(range_ok("2001:db8:c000::/33"));
	/* Longer than any address text can be. */
	g_assert_false(range_ok("0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/8"));
}

static void test_list(void)
{
	struct netaddr_list l;
	char bad[64];

	g_assert_cmpint(netaddr_list_parse("", &l, NULL, 0), ==, 0);
	g_assert_cmpuint(l.count, ==, 0);
	g_assert_cmpint(netaddr_list_parse("  ", &l, NULL, 0), ==, 0);
	g_assert_cmpuint(l.count, ==, 0);
	g_assert_cmpint(netaddr_list_parse("127.0.0.1", &l, NULL, 0), ==, 0);
	g_assert_cmpuint(l.count, ==, 1);
	g_assert_cmpint(
	    netaddr_list_parse(" 10.0.0.0/8 ,\t192.0.2.1, ::1 ,2001:db8::/48 ", &l, NULL, 0), ==,
	    0);
	g_assert_cmpuint(l.count, ==, 4);
	g_assert_cmpuint(l.items[3].prefix, ==, 48);

	/* The offending item, trimmed, is copied out for the error message. */
	memset(bad, 'x', sizeof(bad));
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8, 10.0.0.1/8 ,::1", &l, bad, sizeof(bad)), ==,
			-EINVAL);
	g_assert_cmpstr(bad, ==, "10.0.0.1/8");
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8, nginx", &l, bad, sizeof(bad)), ==, -EINVAL);
	g_assert_cmpstr(bad, ==, "nginx");
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8,,::1", &l, bad, sizeof(bad)), ==, -EINVAL);
	g_assert_cmpstr(bad, ==, "");
	g_assert_cmpint(netaddr_list_parse(",::1", &l, bad, sizeof(bad)), ==, -EINVAL);
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8,", &l, bad, sizeof(bad)), ==, -EINVAL);
	g_assert_cmpstr(bad, ==, "");
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8 , ", &l, bad, sizeof(bad)), ==, -EINVAL);
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8 192.0.2.1", &l, bad, sizeof(bad)), ==,
			-EINVAL);
	g_assert_cmpstr(bad, ==, "10.0.0.0/8 192.0.2.1");
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8;192.0.2.1", &l, bad, sizeof(bad)), ==,
			-EINVAL);
	/* A short buffer gets what fits; a zero-length one is not written. */
	g_assert_cmpint(netaddr_list_parse("2001:db8::zz", &l, bad, 5), ==, -EINVAL);
	g_assert_cmpstr(bad, ==, "2001");
	g_assert_cmpint(netaddr_list_parse("bogus", &l, NULL, 0), ==, -EINVAL);
	/* An item longer than any range: refused, and copied as far as it fits. */
	char long_item[200];
	memset(long_item, '1', sizeof(long_item) - 1);
	long_item[sizeof(long_item) - 1] = '\0';
	g_assert_cmpint(netaddr_list_parse(long_item, &l, bad, sizeof(bad)), ==, -EINVAL);
	g_assert_cmpuint(strlen(bad), ==, sizeof(bad) - 1);

	/* At most NETADDR_LIST_MAX entries; the first one past is named. */
	GString *s = g_string_new("");
	for (int i = 0; i < NETADDR_LIST_MAX; i++)
		g_string_append_printf(s, "%s192.0.2.%d", i ? ", " : "", i);
	g_assert_cmpint(netaddr_list_parse(s->str, &l, bad, sizeof(bad)), ==, 0);
	g_assert_cmpuint(l.count, ==, NETADDR_LIST_MAX);
	g_string_append(s, ", 198.51.100.1");
	g_assert_cmpint(netaddr_list_parse(s->str, &l, bad, sizeof(bad)), ==, -E2BIG);
	g_assert_cmpstr(bad, ==, "198.51.100.1");
	g_string_free(s, TRUE);

	/* On failure the list is left untouched. */
	g_assert_cmpint(netaddr_list_parse("::1", &l, NULL, 0), ==, 0);
	g_assert_cmpint(netaddr_list_parse("10.0.0.0/8, x", &l, NULL, 0), ==, -EINVAL);
	g_assert_cmpuint(l.count, ==, 1);
}

static void test_contains(void)
{
	struct netaddr_list empty = {0};
	struct netaddr a = addr("192.0.2.1");

	g_assert_false(netaddr_list_contains(&empty, &a));

	g_assert_true(list_has("10.0.0.0/8", "10.0.0.0"));
	g_assert_true(list_has("10.0.0.0/8", "10.255.255.255"));
	g_assert_false(list_has("10.0.0.0/8", "11.0.0.0"));
	g_assert_false(list_has("10.0.0.0/8", "9.255.255.255"));
	g_assert_true(list_has("192.0.2.128/25", "192.0.2.200"));
	g_assert_false(list_has("192.0.2.128/25", "192.0.2.127"));
	g_assert_true(list_has("198.51.100.0/23", "198.51.101.9"));
	g_assert_false(list_has("198.51.100.0/23", "198.51.102.0"));
	/* A v4 peer on a dual-stack socket is the same address. */
	g_assert_true(list_has("1.2.3.4/32", "::ffff:1.2.3.4"));
	g_assert_true(list_has("::ffff:1.2.3.4", "1.2.3.4"));
	g_assert_true(list_has("1.2.3.4", "1.2.3.4"));
	g_assert_false(list_has("1.2.3.4/32", "1.2.3.5"));
	/* The v4-compatible form and an IPv6 address with the same low bits are not. */
	g_assert_false(list_has("1.2.3.4/32", "::1.2.3.4"));
	g_assert_false(list_has("0.0.0.0/0", "2001:db8::1"));
	g_assert_false(list_has("0.0.0.0/0", "::1"));
	g_assert_true(list_has("0.0.0.0/0", "203.0.113.7"));
	g_assert_true(list_has("::/0", "2001:db8::1"));
	g_assert_true(list_has("::/0", "203.0.113.7"));
	g_assert_true(list_has("2001:db8::/32", "2001:db8:ffff::1"));
	g_assert_false(list_has("2001:db8::/32", "2001:db9::1"));
	g_assert_true(list_has("2001:db8::1/128", "2001:db8::1"));
	g_assert_false(list_has("2001:db8::1/128", "2001:db8::2"));
	g_assert_true(list_has("2001:db8:8000::/33", "2001:db8:ffff::1"));
	g_assert_false(list_has("2001:db8:8000::/33", "2001:db8:7fff::1"));
	/* Any item of the list. */
	g_assert_true(list_has("127.0.0.1, ::1, 10.0.0.0/8", "::1"));
	g_assert_true(list_has("127.0.0.1, ::1, 10.0.0.0/8", "10.1.2.3"));
	g_assert_false(list_has("127.0.0.1, ::1, 10.0.0.0/8", "127.0.0.2"));
}

static void test_loopback(void)
{
	const char *yes[] = {"127.0.0.1", "127.255.255.254", "127.0.0.0", "::1",
			     "::ffff:127.0.0.1"};
	const char *no[] = {"128.0.0.1", "126.255.255.255", "::2",	   "::",
			    "0.0.0.0",	 "::127.0.0.1",	    "2001:db8::1", "10.0.0.1"};

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		struct netaddr a = addr(yes[i]);
		g_assert_true(netaddr_is_loopback(&a));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++) {
		struct netaddr a = addr(no[i]);
		g_assert_false(netaddr_is_loopback(&a));
	}
}

static void test_format(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"192.0.2.1", "192.0.2.1"},
	    {"::ffff:192.0.2.1", "192.0.2.1"},
	    {"::FFFF:C000:0201", "192.0.2.1"},
	    {"0.0.0.0", "0.0.0.0"},
	    {"255.255.255.255", "255.255.255.255"},
	    {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
	    {"2001:db8::0:1", "2001:db8::1"},
	    {"::1", "::1"},
	    {"::", "::"},
	    {"fe80::1:2:3:4", "fe80::1:2:3:4"},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	};
	char buf[NETADDR_TEXT_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct netaddr a = addr(cases[i].in), back;
		netaddr_format(&a, buf);
		g_assert_cmpstr(buf, ==, cases[i].out);
		g_assert_cmpint(netaddr_parse(buf, &back), ==, 0);
		g_assert_true(same(&a, &back));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/netaddr/parse", test_parse);
	g_test_add_func("/netaddr/range", test_range);
	g_test_add_func("/netaddr/list", test_list);
	g_test_add_func("/netaddr/contains", test_contains);
	g_test_add_func("/netaddr/loopback", test_loopback);
	g_test_add_func("/netaddr/format", test_format);
	return g_test_run();
}
