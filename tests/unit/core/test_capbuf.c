/* Unit tests of core/capbuf: grows on demand, never past its cap, and the
 * cap is checked before anything grows. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "core/capbuf.h"

#define CAP (64 * 1024)

static void test_grows_on_demand(void)
{
	struct capbuf b = {.max = CAP};
	char chunk[1000];

	memset(chunk, 'x', sizeof(chunk));
	g_assert_cmpint(capbuf_append(&b, "{}", 2), ==, 0);
	g_assert_cmpuint(b.len, ==, 2);
	g_assert_cmpuint(b.size, ==, CAPBUF_MIN); /* not the cap */
	g_assert_cmpmem(b.data, 2, "{}", 2);
	for (int i = 0; i < 10; i++)
		g_assert_cmpint(capbuf_append(&b, chunk, sizeof(chunk)), ==, 0);
	g_assert_cmpuint(b.len, ==, 10002);
	g_assert_cmpuint(b.size, ==, 16384); /* doubled as needed */
	g_assert_cmpint(b.data[10001], ==, 'x');
	capbuf_reset(&b, 4096); /* large: freed */
	g_assert_null(b.data);
	g_assert_cmpuint(b.len + b.size, ==, 0);
	g_assert_cmpint(capbuf_append(&b, "ab", 2), ==, 0);
	capbuf_reset(&b, 4096); /* small: kept for the next message */
	g_assert_nonnull(b.data);
	g_assert_cmpuint(b.len, ==, 0);
	capbuf_clear(&b);
	g_assert_null(b.data);
}

static void test_cap(void)
{
	struct capbuf b = {.max = CAP};
	char *big = g_malloc(CAP + 1);

	memset(big, 'y', CAP + 1);
	/* Over the cap in one go: refused before anything is allocated. */
	g_assert_cmpint(capbuf_append(&b, big, CAP + 1), ==, -EMSGSIZE);
	g_assert_null(b.data);
	/* Exactly the cap is allowed, and allocates exactly the cap. */
	g_assert_cmpint(capbuf_append(&b, big, CAP - 1), ==, 0);
	g_assert_cmpint(capbuf_append(&b, big, 1), ==, 0);
	g_assert_cmpuint(b.len, ==, CAP);
	g_assert_cmpuint(b.size, ==, CAP);
	/* One byte more is refused, and what was held is untouched. */
	g_assert_cmpint(capbuf_append(&b, big, 1), ==, -EMSGSIZE);
	g_assert_cmpuint(b.len, ==, CAP);
	g_assert_cmpint(capbuf_append(&b, NULL, 0), ==, 0);
	capbuf_clear(&b);
	/* A length that would wrap around is refused too. */
	g_assert_cmpint(capbuf_append(&b, "a", 1), ==, 0);
	g_assert_cmpint(capbuf_append(&b, big, SIZE_MAX), ==, -EMSGSIZE);
	capbuf_clear(&b);
	/* A cap below the first allocation's size. */
	b.max = 10;
	g_assert_cmpint(capbuf_append(&b, big, 10), ==, 0);
	g_assert_cmpuint(b.size, ==, 10);
	g_assert_cmpint(capbuf_append(&b, big, 1), ==, -EMSGSIZE);
	capbuf_clear(&b);
	g_free(big);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capbuf/grows-on-demand", test_grows_on_demand);
	g_test_add_func("/capbuf/cap", test_cap);
	return g_test_run();
}
