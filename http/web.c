#include "http/web.h"

#include <string.h>

#include "http/server.h"
#include "http/web_assets.h"

#define SIG_WEB_PAGE "/app/index.html"

/* Everything comes from this origin; nothing may frame the page. The page's
 * media elements take MediaStreams through srcObject, which needs no
 * source. */
#define SIG_WEB_CSP                                                                                \
	"default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "             \
	"frame-ancestors 'none'"

static const struct sig_http_header sig_web_headers[] = {
    {"content-security-policy:", SIG_WEB_CSP},
    {"permissions-policy:",
     "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=()"},
    {"cross-origin-opener-policy:", "same-origin"},
    {"x-frame-options:", "DENY"},
    {"strict-transport-security:", "max-age=31536000"}, /* last: only with TLS */
};

static const struct sig_web_asset *sig_web_find(const char *path)
{
	for (unsigned i = 0; i < sig_web_asset_count; i++)
		if (strcmp(sig_web_assets[i].path, path) == 0)
			return &sig_web_assets[i];
	return NULL;
}

static void sig_web_serve(void *userdata, struct sig_http_request *req)
{
	bool tls = userdata != NULL;
	size_t nheaders = sizeof(sig_web_headers) / sizeof(sig_web_headers[0]) - (tls ? 0 : 1);
	const char *path = req->path;

	if (strcmp(req->method, "GET") != 0) {
		sig_http_add_header(req, "allow:", "GET");
		sig_http_respond_error(req, 405, "method_not_allowed", "only GET is served here");
		return;
	}
	/* The page itself, for "/" and every invite link; the client reads
	 * the token from its own address. */
	if (strcmp(path, "/") == 0 || strncmp(path, "/join/", 6) == 0)
		path = SIG_WEB_PAGE;
	const struct sig_web_asset *asset = sig_web_find(path);
	if (!asset) {
		sig_http_respond_error(req, 404, "not_found", "no such resource");
		return;
	}
	sig_http_respond_static(req, 200, asset->mime, asset->data, asset->len, sig_web_headers,
				nheaders);
}

int sig_web_register(struct sig_server *server, bool tls)
{
	static const char *const paths[] = {"/", "/join/", "/app/"};
	void *flag = tls ? (void *)server : NULL;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int r = sig_server_route(server, paths[i], sig_web_serve, flag);
		if (r < 0)
			return r;
	}
	return 0;
}
