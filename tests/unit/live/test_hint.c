/* Unit tests of the subscribe.hint parser (live/hint.c): what it takes,
 * and each malformed message refused with a message that says why. */
#include <glib.h>
#include <jansson.h>
#include <string.h>

#include "live/hint.h"

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);

	g_assert_nonnull(j);
	return j;
}

/* Parses text with max entries; returns the problem (NULL: accepted). */
static char *parse(const char *text, unsigned max, struct sig_hint *ret)
{
	json_t *msg = load(text);
	char *problem = NULL;
	int r = sig_hint_parse(msg, max, ret, &problem);

	json_decref(msg);
	g_assert_true((r == 0) == (problem == NULL));
	return problem;
}

static void test_accepts(void)
{
	struct sig_hint h;

	g_assert_null(parse("{\"streams\":[{\"mid\":\"1\",\"visible\":true,\"width\":640,"
			    "\"height\":360},{\"mid\":\"4\",\"visible\":false}]}",
			    16, &h));
	g_assert_cmpuint(h.count, ==, 2);
	g_assert_cmpstr(h.entries[0].mid, ==, "1");
	g_assert_true(h.entries[0].visible);
	g_assert_cmpuint(h.entries[0].width, ==, 640);
	g_assert_cmpuint(h.entries[0].height, ==, 360);
	g_assert_cmpstr(h.entries[1].mid, ==, "4");
	g_assert_false(h.entries[1].visible);
	g_assert_cmpuint(h.entries[1].height, ==, 0); /* not given: not known */
	/* The bounds themselves, and an empty list (nothing received yet). */
	g_assert_null(parse("{\"streams\":[{\"mid\":\"123456789012345\",\"visible\":true,"
			    "\"width\":16384,\"height\":0}]}",
			    1, &h));
	g_assert_cmpuint(h.entries[0].width, ==, 16384);
	g_assert_null(parse("{\"streams\":[]}", 0, &h));
	g_assert_cmpuint(h.count, ==, 0);
}

static void test_refuses(void)
{
	static const struct {
		const char *text;
		const char *says;
	} cases[] = {
	    {"{}", "\"streams\" must be an array"},
	    {"{\"streams\":{}}", "\"streams\" must be an array"},
	    {"{\"streams\":[1]}", "streams[0] must be an object"},
	    {"{\"streams\":[{\"visible\":true}]}", "streams[0].mid must be a string"},
	    {"{\"streams\":[{\"mid\":\"\",\"visible\":true}]}", "streams[0].mid must be a string"},
	    {"{\"streams\":[{\"mid\":\"1234567890123456\",\"visible\":true}]}",
	     "streams[0].mid must be a string of 1..15 bytes"},
	    {"{\"streams\":[{\"mid\":\"a\\u0000b\",\"visible\":true}]}",
	     "streams[0].mid must be a string"},
	    {"{\"streams\":[{\"mid\":\"1\"}]}", "streams[0].visible must be true or false"},
	    {"{\"streams\":[{\"mid\":\"1\",\"visible\":1}]}", "streams[0].visible must be"},
	    {"{\"streams\":[{\"mid\":\"1\",\"visible\":true,\"width\":-1}]}",
	     "streams[0].width must be an integer 0..16384"},
	    {"{\"streams\":[{\"mid\":\"1\",\"visible\":true,\"height\":16385}]}",
	     "streams[0].height must be an integer 0..16384"},
	    {"{\"streams\":[{\"mid\":\"1\",\"visible\":true,\"height\":1.5}]}",
	     "streams[0].height must be an integer"},
	    {"{\"streams\":[{\"mid\":\"1\",\"visible\":true},{\"mid\":\"1\",\"visible\":false}]}",
	     "streams[1].mid: \"1\" comes twice"},
	    {"{\"streams\":[{\"mid\":\"1\",\"visible\":true},{\"mid\":\"2\",\"visible\":true},"
	     "{\"mid\":\"3\",\"visible\":true}]}",
	     "at most 2 streams"},
	};
	struct sig_hint h = {.count = 99};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *problem = parse(cases[i].text, 2, &h);
		g_assert_nonnull(problem);
		if (!strstr(problem, cases[i].says))
			g_error("%s: \"%s\" does not say \"%s\"", cases[i].text, problem,
				cases[i].says);
		g_assert_cmpuint(h.count, ==, 99); /* untouched */
	}
}

/* More entries than any connection has m-lines are refused whatever the
 * caller allows. */
static void test_cap(void)
{
	g_autoptr(GString) text = g_string_new("{\"streams\":[");
	struct sig_hint h;

	for (int i = 0; i <= SIG_HINT_MAX_STREAMS; i++)
		g_string_append_printf(text, "%s{\"mid\":\"%d\",\"visible\":true}", i ? "," : "",
				       i);
	g_string_append(text, "]}");
	g_autofree char *problem = parse(text->str, 1000, &h);
	g_assert_nonnull(strstr(problem, "at most 48 streams"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/live/hint/accepts", test_accepts);
	g_test_add_func("/live/hint/refuses", test_refuses);
	g_test_add_func("/live/hint/cap", test_cap);
	return g_test_run();
}
