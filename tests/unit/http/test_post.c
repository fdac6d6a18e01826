/* The webhook receiver's URL (config/webhook_url.c) and the status of its
 * answer (http/post_parse.c): what is taken, what is refused. */
#include "config/webhook_url.h"
#include "http/post.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

static void test_url_ok(void)
{
	struct cfg_webhook_url url;
	char problem[CFG_WEBHOOK_PROBLEM_MAX];

	g_assert_cmpint(cfg_webhook_url_parse("http://127.0.0.1:8099/hooks?a=1", &url, problem), ==,
			0);
	g_assert_false(url.tls);
	g_assert_cmpstr(url.host, ==, "127.0.0.1");
	g_assert_cmpint(url.port, ==, 8099);
	g_assert_cmpstr(url.path, ==, "/hooks?a=1");
	g_assert_cmpstr(url.authority, ==, "127.0.0.1:8099");
	g_assert_cmpint(cfg_webhook_url_parse("https://hooks.example.org", &url, problem), ==, 0);
	g_assert_true(url.tls);
	g_assert_cmpint(url.port, ==, 443);
	g_assert_cmpstr(url.path, ==, "/");
	g_assert_cmpint(cfg_webhook_url_parse("https://[::1]:9/x", &url, problem), ==, 0);
	g_assert_cmpstr(url.host, ==, "::1");
	g_assert_cmpstr(url.authority, ==, "[::1]:9");
	g_assert_cmpint(cfg_webhook_url_parse("http://h?q", &url, problem), ==, 0);
	g_assert_cmpstr(url.path, ==, "/?q");
}

static void test_url_refused(void)
{
	static const char *const bad[] = {
	    "",
	    "ftp://h/",
	    "http://",
	    "http:///x",
	    "http://user:pw@h/",
	    "http://h:0/",
	    "http://h:65536/",
	    "http://h:/",
	    "http://h:12a/",
	    "http://h/x#frag",
	    "http://h/a b",
	    "http://[::1/",
	    "http://[]/",
	    "http://[::1]x/",
	    "http://h_1/",
	};
	struct cfg_webhook_url url;
	char problem[CFG_WEBHOOK_PROBLEM_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		problem[0] = '\0';
		g_assert_cmpint(cfg_webhook_url_parse(bad[i], &url, problem), ==, -EINVAL);
		g_assert_cmpuint(strlen(problem), >, 0);
	}
	g_assert_nonnull(strstr((cfg_webhook_url_parse("http://a:b@h/", &url, problem), problem),
				"user information"));
}

static int status(const char *text)
{
	return sig_post_parse_status(text, strlen(text));
}

static void test_status(void)
{
	g_assert_cmpint(status("HTTP/1.1 200 OK\r\n"), ==, 200);
	g_assert_cmpint(status("HTTP/1.0 500 Internal\r\n\r\n"), ==, 500);
	g_assert_cmpint(status("HTTP/1.1 204\r\n"), ==, 204);
	g_assert_cmpint(status("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"), ==, 201);
	g_assert_cmpint(status(""), ==, -EAGAIN);
	g_assert_cmpint(status("HTTP/1"), ==, -EAGAIN);
	g_assert_cmpint(status("HTTP/1.1 200"), ==, -EAGAIN);
	g_assert_cmpint(status("HTTP/1.1 100 Continue\r\n"), ==, -EAGAIN);
	g_assert_cmpint(status("HTTP/2 200 \r\n"), ==, -EBADMSG);
	g_assert_cmpint(status("HTTP/1.1 2x0 OK\r\n"), ==, -EBADMSG);
	g_assert_cmpint(status("HTTP/1.1 099 Low\r\n"), ==, -EBADMSG);
	g_assert_cmpint(status("HTTP/1.1 600 High\r\n"), ==, -EBADMSG);
	g_assert_cmpint(status("HTTP/1.1 2000 OK\r\n"), ==, -EBADMSG);
	g_assert_cmpint(status("SSH-2.0-OpenSSH\r\n"), ==, -EBADMSG);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/post/url-ok", test_url_ok);
	g_test_add_func("/post/url-refused", test_url_refused);
	g_test_add_func("/post/status", test_status);
	return g_test_run();
}
