/* Unit tests of the per-address failure budget. */
#include <glib.h>

#include "service/ratelimit.h"

static void test_budget_and_refill(void)
{
	struct sig_ratelimit *l = sig_ratelimit_new(3, 1000, 100);
	int retry = 0;

	g_assert_true(sig_ratelimit_allowed(l, "192.0.2.1", 0, NULL));
	for (int i = 0; i < 3; i++)
		sig_ratelimit_failed(l, "192.0.2.1", 0);
	g_assert_false(sig_ratelimit_allowed(l, "192.0.2.1", 0, &retry));
	g_assert_cmpint(retry, ==, 1);
	/* Another address is not affected. */
	g_assert_true(sig_ratelimit_allowed(l, "192.0.2.2", 0, NULL));
	/* One attempt back after one refill period, not before. */
	g_assert_false(sig_ratelimit_allowed(l, "192.0.2.1", 999, NULL));
	g_assert_true(sig_ratelimit_allowed(l, "192.0.2.1", 1000, NULL));
	sig_ratelimit_failed(l, "192.0.2.1", 1000);
	g_assert_false(sig_ratelimit_allowed(l, "192.0.2.1", 1500, &retry));
	/* Never more than the burst, however long the wait. */
	g_assert_true(sig_ratelimit_allowed(l, "192.0.2.1", 1000000, NULL));
	for (int i = 0; i < 3; i++)
		sig_ratelimit_failed(l, "192.0.2.1", 1000000);
	g_assert_false(sig_ratelimit_allowed(l, "192.0.2.1", 1000000, NULL));
	sig_ratelimit_free(l);
}

static void test_ipv6_prefix_and_mapped(void)
{
	struct sig_ratelimit *l = sig_ratelimit_new(1, 60000, 100);

	sig_ratelimit_failed(l, "2001:db8:1:2:aaaa::1", 0);
	/* Same /64, other interface id: the same budget. */
	g_assert_false(sig_ratelimit_allowed(l, "2001:db8:1:2:bbbb::9", 0, NULL));
	g_assert_true(sig_ratelimit_allowed(l, "2001:db8:1:3::1", 0, NULL));
	sig_ratelimit_failed(l, "::ffff:198.51.100.7", 0);
	g_assert_false(sig_ratelimit_allowed(l, "198.51.100.7", 0, NULL));
	g_assert_cmpuint(sig_ratelimit_size(l), ==, 2);
	sig_ratelimit_free(l);
}

static void test_bounded_table(void)
{
	struct sig_ratelimit *l = sig_ratelimit_new(1, 60000, 50);

	for (int i = 0; i < 1000; i++) {
		char addr[32];
		g_snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 256, i % 256);
		sig_ratelimit_failed(l, addr, i);
	}
	g_assert_cmpuint(sig_ratelimit_size(l), ==, 50);
	/* The most recent are kept, the idle ones forgotten. */
	g_assert_false(sig_ratelimit_allowed(l, "10.0.3.231", 1000, NULL));
	g_assert_true(sig_ratelimit_allowed(l, "10.0.0.1", 1000, NULL));
	sig_ratelimit_free(l);
}

/* Refusals are counted by what was refused; allowed attempts are not. */
static void test_refusals_by_what(void)
{
	struct sig_ratelimit *l = sig_ratelimit_new(1, 60000, 100);

	g_assert_true(sig_ratelimit_check(l, SIG_RATELIMIT_JOIN, "192.0.2.7", 0, NULL));
	sig_ratelimit_failed(l, "192.0.2.7", 0);
	g_assert_false(sig_ratelimit_check(l, SIG_RATELIMIT_JOIN, "192.0.2.7", 0, NULL));
	g_assert_false(sig_ratelimit_check(l, SIG_RATELIMIT_JOIN, "192.0.2.7", 1, NULL));
	/* One budget for every door. */
	g_assert_false(sig_ratelimit_check(l, SIG_RATELIMIT_API_KEY, "192.0.2.7", 2, NULL));
	g_assert_false(sig_ratelimit_allowed(l, "192.0.2.7", 3, NULL));
	g_assert_true(sig_ratelimit_check(l, SIG_RATELIMIT_RESUME, "192.0.2.8", 3, NULL));
	g_assert_cmpuint(sig_ratelimit_refused_for(l, SIG_RATELIMIT_JOIN), ==, 2);
	g_assert_cmpuint(sig_ratelimit_refused_for(l, SIG_RATELIMIT_API_KEY), ==, 1);
	g_assert_cmpuint(sig_ratelimit_refused_for(l, SIG_RATELIMIT_OTHER), ==, 1);
	g_assert_cmpuint(sig_ratelimit_refused_for(l, SIG_RATELIMIT_RESUME), ==, 0);
	g_assert_cmpuint(sig_ratelimit_refused_for(l, SIG_RATELIMIT_WHATS), ==, 0);
	g_assert_cmpuint(sig_ratelimit_refused(l), ==, 4);
	sig_ratelimit_free(l);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ratelimit/budget", test_budget_and_refill);
	g_test_add_func("/ratelimit/ipv6", test_ipv6_prefix_and_mapped);
	g_test_add_func("/ratelimit/bounded", test_bounded_table);
	g_test_add_func("/ratelimit/by-what", test_refusals_by_what);
	return g_test_run();
}
