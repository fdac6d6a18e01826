#include "http/web.h"

#include <glib.h>
#include <string.h>

#include "http/server.h"
#include "http/web_assets.h"

#define SIG_WEB_PAGE "/app/index.html"

/* Everything comes from this origin; nothing may frame the page. The page's
 * media elements take MediaStreams through srcObject, which needs no
 * source. With several nodes, the page may open its WebSocket to the
 * other live nodes too (a session homed there: docs/protocol.md, "Several
 * nodes"): connect-src names them, from the last heartbeat. */
#define SIG_WEB_CSP_TAIL                                                                           \
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
#define SIG_WEB_CSP		"default-src 'self'; " SIG_WEB_CSP_TAIL
#define SIG_WEB_CSP_ORIGINS_MAX 16384 /* bytes of peer origins named at most */

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

static void sig_web_respond(struct sig_http_request *req, bool tls, const char *origins)
{
	struct sig_http_header headers[G_N_ELEMENTS(sig_web_headers)];
	size_t nheaders = G_N_ELEMENTS(sig_web_headers) - (tls ? 0 : 1);
	g_autofree char *csp = NULL;
	const char *path = req->path;

	memcpy(headers, sig_web_headers, sizeof(headers));
	if (origins && *origins && strlen(origins) <= SIG_WEB_CSP_ORIGINS_MAX) {
		csp = g_strdup_printf(
		    "default-src 'self'; connect-src 'self' %s; " SIG_WEB_CSP_TAIL, origins);
		headers[0].value = csp;
	}

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
	sig_http_respond_static(req, 200, asset->mime, asset->data, asset->len, headers, nheaders);
}

static void sig_web_serve(void *userdata, struct sig_http_request *req)
{
	sig_web_respond(req, userdata != NULL, NULL);
}

static void sig_web_serve_peers(void *userdata, struct sig_http_request *req)
{
	const struct sig_web_peers *peers = userdata;

	sig_web_respond(req, peers->tls, peers->origins(peers->userdata));
}

static int sig_web_routes(struct sig_server *server, sig_http_handler handler, void *userdata)
{
	static const char *const paths[] = {"/", "/join/", "/app/"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int r = sig_server_route(server, paths[i], handler, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

int sig_web_register(struct sig_server *server, bool tls)
{
	return sig_web_routes(server, sig_web_serve, tls ? (void *)server : NULL);
}

int sig_web_register_peers(struct sig_server *server, const struct sig_web_peers *peers)
{
	return sig_web_routes(server, sig_web_serve_peers, (void *)peers);
}
