/* Unit tests of core/clock: the units agree with each other and with the
 * system's clocks, and monotonic time does not go back. */
#include <stdint.h>
#include <time.h>

#include <glib.h>

#include "core/clock.h"

static void test_monotonic(void)
{
	int64_t us = clock_mono_us(), ms = clock_mono_ms(), last = us;

	g_assert_cmpint(us, >, 0);
	/* ms read after us: the same instant within a second's slack. */
	g_assert_cmpint(ms, >=, us / 1000);
	g_assert_cmpint(ms - us / 1000, <, 1000);
	for (int i = 0; i < 1000; i++) {
		int64_t now = clock_mono_us();

		g_assert_cmpint(now, >=, last);
		last = now;
	}
	g_usleep(20000);
	g_assert_cmpint(clock_mono_us() - us, >=, 20000);
	g_assert_cmpint(clock_mono_ms() - ms, >=, 20);
}

static void test_wall(void)
{
	int64_t before = (int64_t)time(NULL);
	int64_t s = clock_wall_s(), ms = clock_wall_ms();
	int64_t after = (int64_t)time(NULL);

	/* time() may lag CLOCK_REALTIME by a tick: a second of slack. */
	g_assert_cmpint(s, >=, before - 1);
	g_assert_cmpint(s, <=, after + 1);
	g_assert_cmpint(ms / 1000, >=, s - 1);
	g_assert_cmpint(ms / 1000, <=, after + 1);
	g_assert_cmpint(s, >, 1600000000); /* after 2020: real Unix time */
	g_assert_cmpint(g_get_real_time() / 1000 - ms, <, 1000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/clock/monotonic", test_monotonic);
	g_test_add_func("/clock/wall", test_wall);
	return g_test_run();
}
