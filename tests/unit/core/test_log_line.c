/* Unit tests of core/log_line: JSON string escaping (RFC 8259 §7) that
 * keeps any input valid JSON and valid UTF-8, and lines that stay one
 * whole object (or one text line) whatever the message holds. */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "core/log_line.h"

static char *escape(const char *in, size_t in_len, size_t cap, bool *ret_cut)
{
	char *out = g_malloc0(cap + 1);
	size_t n = log_json_escape(out, cap, in, in_len, ret_cut);

	g_assert_cmpuint(n, <=, cap);
	out[n] = '\0';
	return out;
}

static void test_escape(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
	    {"plain", 5, "plain"},
	    {"say \"hi\"", 8, "say \\\"hi\\\""},
	    {"a\\b", 3, "a\\\\b"},
	    {"l1\nl2\r\t", 7, "l1\\nl2\\r\\t"},
	    {"\b\f", 2, "\\b\\f"},
	    {"\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f"},
	    {"nul\0in", 6, "nul\\u0000in"},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
	    {"\xff", 1, "\\ufffd"},
	    {"\xc0\x80", 2, "\\ufffd\\ufffd"},			     /* overlong NUL */
	    {"\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd"},	     /* a surrogate */
	    {"\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd"}, /* past U+10FFFF */
	    {"x\xe2\x82", 3, "x\\ufffd\\ufffd"},		     /* cut short */
	    {"/</script>", 10, "/</script>"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		bool cut = true;
		g_autofree char *out = escape(cases[i].in, cases[i].len, 256, &cut);
		g_assert_cmpstr(out, ==, cases[i].out);
		g_assert_false(cut);
	}
}

/* A full buffer stops before an escape or a character, never inside. */
static void test_escape_cut(void)
{
	bool cut = false;
	g_autofree char *a = escape("ab\"cd", 5, 3, &cut);
	g_assert_cmpstr(a, ==, "ab");
	g_assert_true(cut);
	g_autofree char *b = escape("a\xe2\x82\xac", 4, 3, &cut);
	g_assert_cmpstr(b, ==, "a");
	g_assert_true(cut);
	g_autofree char *c = escape("\x01", 1, 5, &cut);
	g_assert_cmpstr(c, ==, "");
	g_assert_true(cut);
	g_autofree char *d = escape("abc", 3, 3, &cut);
	g_assert_cmpstr(d, ==, "abc");
	g_assert_false(cut);
}

static json_t *parse_line(const char *buf, size_t len, const char *prefix)
{
	json_error_t err;

	g_assert_cmpuint(len, >, strlen(prefix) + 1);
	g_assert_cmpint(memcmp(buf, prefix, strlen(prefix)), ==, 0);
	g_assert_cmpint(buf[len - 1], ==, '\n');
	g_assert_null(memchr(buf, '\n', len - 1)); /* one line */
	json_t *o =
	    json_loadb(buf + strlen(prefix), len - 1 - strlen(prefix), JSON_ALLOW_NUL, &err);
	if (!o)
		g_error("not JSON (%s): %.*s", err.text, (int)len, buf);
	g_assert_true(json_is_object(o));
	return o;
}

static void test_json_line(void)
{
	const char *msg = "media transport 7 \"up\"\non worker 0";
	struct log_line l = {
	    .format = LOG_FORMAT_JSON,
	    .prefix = "",
	    .timestamp = "2026-12-07T02:05:03.123Z",
	    .level_name = "info",
	    .fields = "session=12 participant=p-00ff transport=7 junk msg=x =y bad-key=1",
	    .msg = msg,
	    .msg_len = strlen(msg),
	};
	char buf[1024];
	size_t n = log_line_format(&l, buf, sizeof(buf));
	json_t *o = parse_line(buf, n, "");

	g_assert_cmpstr(json_string_value(json_object_get(o, "ts")), ==, l.timestamp);
	g_assert_cmpstr(json_string_value(json_object_get(o, "level")), ==, "info");
	g_assert_cmpstr(json_string_value(json_object_get(o, "msg")), ==, msg);
	g_assert_cmpstr(json_string_value(json_object_get(o, "session")), ==, "12");
	g_assert_cmpstr(json_string_value(json_object_get(o, "participant")), ==, "p-00ff");
	g_assert_cmpstr(json_string_value(json_object_get(o, "transport")), ==, "7");
	/* Not pairs, a reserved key, an empty or odd key: skipped. */
	g_assert_cmpuint(json_object_size(o), ==, 6);
	g_assert_null(json_object_get(o, "truncated"));
	json_decref(o);

	/* The journal's priority prefix stays in front of the object. */
	l.prefix = "<6>";
	l.fields = NULL;
	n = log_line_format(&l, buf, sizeof(buf));
	o = parse_line(buf, n, "<6>");
	g_assert_cmpuint(json_object_size(o), ==, 3);
	json_decref(o);
}

/* A message longer than the line: cut, marked, still one object, with its
 * fields. */
static void test_json_long(void)
{
	char msg[3000], buf[512];

	memset(msg, '"', sizeof(msg));
	struct log_line l = {.format = LOG_FORMAT_JSON,
			     .prefix = "",
			     .timestamp = "t",
			     .level_name = "warn",
			     .fields = "session=1",
			     .msg = msg,
			     .msg_len = sizeof(msg)};
	size_t n = log_line_format(&l, buf, sizeof(buf));
	g_assert_cmpuint(n, <=, sizeof(buf));
	json_t *o = parse_line(buf, n, "");
	g_assert_true(json_is_true(json_object_get(o, "truncated")));
	g_assert_cmpstr(json_string_value(json_object_get(o, "session")), ==, "1");
	g_assert_cmpuint(strlen(json_string_value(json_object_get(o, "msg"))), >, 100);
	json_decref(o);
}

/* Whatever bytes a message or the fields hold, the line is one JSON
 * object (jansson refuses invalid UTF-8, so this checks that too). */
static void test_json_any_bytes(void)
{
	GRand *rand = g_rand_new_with_seed(18);
	char msg[600], fields[200], buf[256 + 512];

	for (int round = 0; round < 5000; round++) {
		size_t len = (size_t)g_rand_int_range(rand, 0, sizeof(msg));
		for (size_t i = 0; i < len; i++)
			msg[i] = (char)g_rand_int_range(rand, 0, 256);
		size_t flen = (size_t)g_rand_int_range(rand, 0, sizeof(fields));
		for (size_t i = 0; i < flen; i++)
			fields[i] = (char)g_rand_int_range(rand, 1, 256);
		fields[flen] = '\0';
		size_t cap = (size_t)g_rand_int_range(rand, 256, sizeof(buf));
		struct log_line l = {.format = LOG_FORMAT_JSON,
				     .prefix = "",
				     .timestamp = "t",
				     .level_name = "debug",
				     .fields = fields,
				     .msg = msg,
				     .msg_len = len};
		size_t n = log_line_format(&l, buf, cap);
		g_assert_cmpuint(n, <=, cap);
		json_decref(parse_line(buf, n, ""));
	}
	g_rand_free(rand);
}

static void test_text_line(void)
{
	const char *msg = "media transport 7 up";
	struct log_line l = {.format = LOG_FORMAT_TEXT,
			     .prefix = "2026-12-07T02:05:03.123Z info  ",
			     .fields = "session=12 participant=p-00ff",
			     .msg = msg,
			     .msg_len = strlen(msg)};
	char buf[300];
	size_t n = log_line_format(&l, buf, sizeof(buf));

	g_autofree char *line = g_strndup(buf, n);
	g_assert_cmpstr(line, ==,
			"2026-12-07T02:05:03.123Z info  session=12 participant=p-00ff: media "
			"transport 7 up\n");
	l.fields = NULL;
	n = log_line_format(&l, buf, sizeof(buf));
	g_assert_cmpint(memcmp(buf, "2026-12-07T02:05:03.123Z info  media", 36), ==, 0);

	/* No line break or control character gets through to split a line. */
	l.fields = "session=1\nfake";
	l.msg = "a\nb\r\x1b[31mc\td";
	l.msg_len = strlen(l.msg);
	n = log_line_format(&l, buf, sizeof(buf));
	g_autofree char *clean = g_strndup(buf, n);
	g_assert_cmpstr(clean + 31, ==, "session=1?fake: a?b??[31mc\td\n");

	char big[1000];
	memset(big, 'x', sizeof(big));
	l.msg = big;
	l.msg_len = sizeof(big);
	n = log_line_format(&l, buf, sizeof(buf));
	g_assert_cmpuint(n, ==, sizeof(buf));
	g_assert_cmpint(memcmp(buf + n - 4, "...\n", 4), ==, 0);

	/* Fields too long for the line (found by fuzz_log_line): cut like a
	 * message, every byte of the line written. */
	char long_fields[400];
	memset(long_fields, 'f', sizeof(long_fields) - 1);
	long_fields[sizeof(long_fields) - 1] = '\0';
	memset(buf, '\n', sizeof(buf));
	l.fields = long_fields;
	n = log_line_format(&l, buf, sizeof(buf));
	g_assert_cmpuint(n, ==, sizeof(buf));
	g_assert_null(memchr(buf, '\n', n - 1));
	g_assert_cmpint(memcmp(buf + n - 5, "f...\n", 5), ==, 0);
}

static void test_format_names(void)
{
	enum log_format f = LOG_FORMAT_TEXT;

	g_assert_cmpint(log_format_parse("json", &f), ==, 0);
	g_assert_cmpint(f, ==, LOG_FORMAT_JSON);
	g_assert_cmpint(log_format_parse("JSON", &f), ==, -EINVAL);
	g_assert_cmpint(log_format_parse("", &f), ==, -EINVAL);
	g_assert_cmpint(f, ==, LOG_FORMAT_JSON);
	g_assert_cmpint(log_format_parse("text", &f), ==, 0);
	g_assert_cmpint(f, ==, LOG_FORMAT_TEXT);
	g_assert_cmpstr(log_format_name(LOG_FORMAT_JSON), ==, "json");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log-line/escape", test_escape);
	g_test_add_func("/log-line/escape-cut", test_escape_cut);
	g_test_add_func("/log-line/json", test_json_line);
	g_test_add_func("/log-line/json-long", test_json_long);
	g_test_add_func("/log-line/json-any-bytes", test_json_any_bytes);
	g_test_add_func("/log-line/text", test_text_line);
	g_test_add_func("/log-line/format-names", test_format_names);
	return g_test_run();
}
