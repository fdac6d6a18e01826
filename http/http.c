#include "http/http_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/parse.h"
#include "http/listener.h"

#include <glib.h>

static const char *const sig_method_names[] = {
    [LWSHUMETH_GET] = "GET",	     [LWSHUMETH_POST] = "POST",	  [LWSHUMETH_OPTIONS] = "OPTIONS",
    [LWSHUMETH_PUT] = "PUT",	     [LWSHUMETH_PATCH] = "PATCH", [LWSHUMETH_DELETE] = "DELETE",
    [LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
};

struct sig_http_site *sig_http_site_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static bool sig_http_metrics_conn(struct sig_http_site *site, struct lws *wsi)
{
	return sig_conns_metrics(site->conns, lws_get_network_wsi(wsi));
}

bool sig_http_admin_socket(struct lws *wsi)
{
	struct sig_http_site *site = sig_http_site_of(wsi);

	return site->admin_vhost && lws_get_vhost(wsi) == site->admin_vhost;
}

int sig_http_client_address(struct lws *wsi, struct netaddr *ret_client, bool *ret_forwarded)
{
	struct sig_http_site *site = sig_http_site_of(wsi);
	const struct netaddr *peer = sig_conns_peer(site->conns, lws_get_network_wsi(wsi));
	char header[SIG_SERVER_MAX_FORWARDED + 1];
	const char *value = NULL;
	int n = 0;

	if (!peer)
		return -ENOENT;
	if (netaddr_list_contains(&site->trusted_proxies, peer)) {
		if (site->proxy_header == SIG_FORWARDED_XFF)
			n = lws_hdr_copy(wsi, header, sizeof(header), WSI_TOKEN_X_FORWARDED_FOR);
		else
			n = lws_hdr_custom_copy(wsi, header, sizeof(header), "forwarded:", 10);
		/* The buffer holds any header libwebsockets accepts. */
		if (n > 0)
			value = header;
	}
	sig_forwarded_client(&site->trusted_proxies, peer, site->proxy_header, value, ret_client);
	if (ret_forwarded)
		*ret_forwarded = value != NULL;
	return 0;
}

static void sig_http_conn_reset(struct sig_http_conn *conn)
{
	free(conn->body);
	free(conn->out);
	memset(conn, 0, sizeof(*conn));
}

static void sig_http_respond_bytes(struct lws *wsi, int status, const char *content_type,
				   const void *body, size_t len,
				   const struct sig_http_header *fixed, size_t nfixed)
{
	struct sig_http_conn *conn = lws_wsi_user(wsi);
	unsigned char headers[LWS_PRE + 2048];
	unsigned char *start = headers + LWS_PRE, *p = start, *end = headers + sizeof(headers) - 1;

	if (!conn || conn->responded)
		return;
	conn->responded = true;
	conn->status = status;
	conn->out = malloc(LWS_PRE + len + 1);
	if (!conn->out) {
		lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	memcpy(conn->out + LWS_PRE, body, len);
	conn->out_len = len;

	if (lws_add_http_common_headers(wsi, (unsigned)status, content_type, (lws_filepos_t)len, &p,
					end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
					(const unsigned char *)"nosniff", 7, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"referrer-policy:",
					(const unsigned char *)"no-referrer", 11, &p, end)) {
		log_debug("http: cannot write response headers");
		return;
	}
	for (size_t i = 0; i < nfixed; i++) {
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)fixed[i].name,
						(const unsigned char *)fixed[i].value,
						(int)strlen(fixed[i].value), &p, end)) {
			log_debug("http: cannot write response headers");
			return;
		}
	}
	for (unsigned i = 0; i < conn->extra_count; i++) {
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)conn->extra[i].name,
						(const unsigned char *)conn->extra[i].value,
						(int)strlen(conn->extra[i].value), &p, end)) {
			log_debug("http: cannot write response headers");
			return;
		}
	}
	if (lws_finalize_write_http_header(wsi, start, &p, end)) {
		log_debug("http: cannot write response headers");
		return;
	}
	lws_callback_on_writable(wsi);
}

void sig_http_respond_json(struct sig_http_request *req, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	if (!text) {
		static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out "
					  "of memory\"}}";
		sig_http_respond_bytes(req->wsi, 500, "application/json", oom, sizeof(oom) - 1,
				       NULL, 0);
		return;
	}
	sig_http_respond_bytes(req->wsi, status, "application/json", text, strlen(text), NULL, 0);
	free(text);
}

void sig_http_respond_error(struct sig_http_request *req, int status, const char *code,
			    const char *message)
{
	json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);

	sig_http_respond_json(req, status, body);
	json_decref(body);
}

void sig_http_respond_text(struct sig_http_request *req, int status, const char *content_type,
			   const char *text)
{
	sig_http_respond_bytes(req->wsi, status, content_type, text, strlen(text), NULL, 0);
}

void sig_http_respond_static(struct sig_http_request *req, int status, const char *content_type,
			     const void *body, size_t len, const struct sig_http_header *headers,
			     size_t count)
{
	sig_http_respond_bytes(req->wsi, status, content_type, body, len, headers, count);
}

void sig_http_respond_empty(struct sig_http_request *req, int status)
{
	sig_http_respond_bytes(req->wsi, status, "application/json", "", 0, NULL, 0);
}

int sig_http_response(struct sig_http_request *req, int *ret_status, const void **ret_body,
		      size_t *ret_len)
{
	struct sig_http_conn *conn = lws_wsi_user(req->wsi);

	if (!conn || !conn->responded || !conn->out)
		return -ENOENT;
	*ret_status = conn->status;
	*ret_body = conn->out + LWS_PRE;
	*ret_len = conn->out_len;
	return 0;
}

int sig_http_header(struct sig_http_request *req, const char *name, char *buf, size_t len)
{
	int nlen = (int)strlen(name);
	int n = lws_hdr_custom_length(req->wsi, name, nlen);

	if (n < 0)
		return -ENOENT;
	if ((size_t)n >= len)
		return -E2BIG;
	if (lws_hdr_custom_copy(req->wsi, buf, (int)len, name, nlen) != n)
		return -ENOENT;
	return n;
}

void sig_http_add_header(struct sig_http_request *req, const char *name, const char *value)
{
	struct sig_http_conn *conn = lws_wsi_user(req->wsi);

	g_assert(strlen(name) < sizeof(conn->extra[0].name));
	if (!conn || conn->extra_count == G_N_ELEMENTS(conn->extra) ||
	    strlen(value) >= sizeof(conn->extra[0].value))
		return;
	memcpy(conn->extra[conn->extra_count].name, name, strlen(name) + 1);
	memcpy(conn->extra[conn->extra_count].value, value, strlen(value) + 1);
	conn->extra_count++;
}

int sig_http_query(struct sig_http_request *req, const char *name, char *buf, size_t len)
{
	struct sig_http_conn *conn = lws_wsi_user(req->wsi);

	for (unsigned i = 0; conn && i < conn->query_count; i++) {
		if (strcmp(conn->query[i].name, name) != 0)
			continue;
		size_t n = strlen(conn->query[i].value);
		if (n >= len)
			return -1;
		memcpy(buf, conn->query[i].value, n + 1);
		return (int)n;
	}
	return -1;
}

int sig_http_query_only(struct sig_http_request *req, const char *const *allowed)
{
	struct sig_http_conn *conn = lws_wsi_user(req->wsi);

	for (unsigned i = 0; conn && i < conn->query_count; i++) {
		bool known = false;
		for (size_t k = 0; allowed && allowed[k] && !known; k++)
			known = strcmp(allowed[k], conn->query[i].name) == 0;
		if (!known) {
			g_autofree char *message =
			    g_strdup_printf("unknown query parameter \"%s\"", conn->query[i].name);
			sig_http_respond_error(req, 400, "bad_query", message);
			return -EINVAL;
		}
	}
	return 0;
}

static bool sig_http_query_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > 32)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '_')
			return false;
	return true;
}

/* Splits the query (as libwebsockets decoded it, one fragment per argument;
 * it also splits at ';') into name=value pairs. Answers 400 or 414 and
 * returns -EINVAL for anything else: an argument without '=', a bad name, a
 * name twice, a NUL, too many or too long arguments. */
static int sig_http_parse_query(struct sig_http_request *req, struct sig_http_conn *conn)
{
	char *p = conn->query_buf;
	size_t left = sizeof(conn->query_buf);
	const char *problem = NULL;

	/* libwebsockets counts one separator between fragments in the total. */
	int total = lws_hdr_total_length(req->wsi, WSI_TOKEN_HTTP_URI_ARGS), seen = 0;

	conn->query_count = 0;
	for (int idx = 0; seen < total; idx++) {
		int len = lws_hdr_fragment_length(req->wsi, WSI_TOKEN_HTTP_URI_ARGS, idx);
		seen += len + (idx > 0);
		if (len <= 0) {
			problem = "an empty query argument";
			break;
		}
		if (len > SIG_HTTP_MAX_QUERY_ARG) {
			sig_http_respond_error(req, 414, "uri_too_long",
					       "a query argument is longer than 256 bytes");
			return -EINVAL;
		}
		if (conn->query_count == SIG_HTTP_MAX_QUERY_ARGS) {
			problem = "too many query arguments";
			break;
		}
		if ((size_t)len + 2 > left ||
		    lws_hdr_copy_fragment(req->wsi, p, (int)left, WSI_TOKEN_HTTP_URI_ARGS, idx) !=
			len ||
		    strlen(p) != (size_t)len) {
			problem = "a query argument holds a NUL or cannot be read";
			break;
		}
		char *eq = strchr(p, '=');
		if (!eq || !sig_http_query_name_ok(p, (size_t)(eq - p))) {
			problem = "query arguments must be name=value";
			break;
		}
		*eq = '\0';
		for (unsigned i = 0; i < conn->query_count && !problem; i++)
			if (strcmp(conn->query[i].name, p) == 0)
				problem = "a query argument appears twice";
		if (problem)
			break;
		conn->query[conn->query_count].name = p;
		conn->query[conn->query_count].value = eq + 1;
		conn->query_count++;
		p += len + 1;
		left -= (size_t)len + 1;
	}
	if (!problem)
		return 0;
	conn->query_count = 0;
	sig_http_respond_error(req, 400, "bad_query", problem);
	return -EINVAL;
}

/* Routes that the metrics listener serves; everything else is 404 there. */
static bool sig_http_metrics_route(const char *path)
{
	return strcmp(path, "/metrics") == 0 || strcmp(path, "/healthz") == 0;
}

static void sig_http_dispatch(struct lws *wsi, struct sig_http_conn *conn)
{
	struct sig_http_site *site = sig_http_site_of(wsi);
	char peer[NETADDR_TEXT_MAX] = "";
	struct sig_http_request req = {
	    .wsi = wsi,
	    .method = sig_method_names[conn->method],
	    .path = conn->path,
	    .body = conn->body ? conn->body : "",
	    .body_len = conn->body_len,
	    .admin_socket = sig_http_admin_socket(wsi),
	    .metrics_listener = sig_http_metrics_conn(site, wsi),
	    .peer = peer,
	};

	if (!req.admin_socket && sig_http_client_address(wsi, &req.client, &req.forwarded) == 0)
		netaddr_format(&req.client, peer);
	if (sig_http_parse_query(&req, conn) < 0)
		return;
	const struct sig_http_route *route = sig_http_routes_find(&site->routes, conn->path);

	if (!route || (req.metrics_listener && !sig_http_metrics_route(conn->path))) {
		sig_http_respond_error(&req, 404, "not_found", "no such resource");
		return;
	}
	route->handler(route->userdata, &req);
	if (!conn->responded)
		sig_http_respond_error(&req, 500, "internal", "no response");
}

/* Whether wsi's connection is one too many from its address (it is answered
 * 503 and closed). */
static bool sig_http_over_cap(struct lws *wsi)
{
	return sig_conns_refuse(sig_http_site_of(wsi)->conns, lws_get_network_wsi(wsi));
}

bool sig_http_upgrade_refused(struct lws *wsi)
{
	return sig_http_metrics_conn(sig_http_site_of(wsi), wsi) || sig_http_over_cap(wsi);
}

/* A WebSocket upgrade refused before it happens: over the connection cap,
 * or on the metrics listener. Writes the answer itself (libwebsockets wants
 * it written when the callback returns). */
static int sig_http_confirm_upgrade(struct lws *wsi)
{
	struct sig_http_site *site = sig_http_site_of(wsi);
	static const char busy[] = "{\"error\":{\"code\":\"too_many_connections\",\"message\":"
				   "\"too many open connections from this address\"}}";
	static const char nowhere[] = "{\"error\":{\"code\":\"not_found\",\"message\":"
				      "\"no such resource\"}}";
	unsigned char buf[LWS_PRE + 512];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	const char *body;
	unsigned status;

	if (!sig_http_upgrade_refused(wsi))
		return 0;
	if (sig_http_metrics_conn(site, wsi)) {
		status = 404;
		body = nowhere;
	} else {
		status = 503;
		body = busy;
	}
	size_t len = strlen(body);
	if (lws_add_http_common_headers(wsi, status, "application/json", (lws_filepos_t)len, &p,
					end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
					(const unsigned char *)"close", 5, &p, end) ||
	    lws_finalize_http_header(wsi, &p, end))
		return -1;
	memcpy(p, body, len);
	p += len;
	lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL);
	return -1;
}

/* A new request: check what can be checked before any body arrives. Returns
 * true when the request waits for its body. */
static bool sig_http_begin(struct lws *wsi, struct sig_http_conn *conn, const char *path)
{
	struct sig_http_request req = {.wsi = wsi, .path = "", .body = ""};
	char *uri = NULL;
	char length[32];
	int uri_len = 0;
	int method = lws_http_get_uri_and_method(wsi, &uri, &uri_len);

	sig_http_conn_reset(conn);
	if (sig_http_over_cap(wsi)) {
		sig_http_respond_error(&req, 503, "too_many_connections",
				       "too many open connections from this address");
		return false;
	}
	if (method < 0 ||
	    (size_t)method >= sizeof(sig_method_names) / sizeof(sig_method_names[0]) ||
	    !sig_method_names[method]) {
		sig_http_respond_error(&req, 405, "method_not_allowed", "unsupported method");
		return false;
	}
	conn->method = method;
	req.method = sig_method_names[method];
	if (strlen(path) > SIG_HTTP_MAX_PATH) {
		sig_http_respond_error(&req, 414, "uri_too_long", "the request path is too long");
		return false;
	}
	memcpy(conn->path, path, strlen(path) + 1);

	/* Bodies come with a Content-Length: a chunked body's size is not
	 * known before it has been read. */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		sig_http_respond_error(&req, 411, "length_required",
				       "send the body with a Content-Length, not chunked");
		return false;
	}
	if (lws_hdr_copy(wsi, length, sizeof(length), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
		/* RFC 9110 §8.6: 1*DIGIT, nothing else. */
		uint64_t n;
		int r = parse_uint64_n(length, strlen(length), SIG_HTTP_MAX_BODY, &n);
		if (r == -EINVAL || length[strspn(length, "0123456789")] != '\0') {
			sig_http_respond_error(&req, 400, "bad_request", "bad Content-Length");
			return false;
		}
		if (r < 0) {
			sig_http_respond_error(&req, 413, "body_too_large",
					       "request bodies are limited to 65536 bytes");
			return false;
		}
		conn->body_expected = (size_t)n;
	}
	if (conn->body_expected == 0)
		return false;
	conn->body = malloc(conn->body_expected + 1);
	if (!conn->body) {
		sig_http_respond_error(&req, 500, "internal", "out of memory");
		return false;
	}
	conn->body[0] = '\0';
	return true;
}

static int sig_http_body(struct lws *wsi, struct sig_http_conn *conn, const void *in, size_t len)
{
	/* More than Content-Length promised: refuse rather than grow. */
	if (!conn->body || len > conn->body_expected - conn->body_len) {
		struct sig_http_request req = {.wsi = wsi, .method = "", .path = "", .body = ""};
		sig_http_respond_error(&req, 413, "body_too_large", "body exceeds Content-Length");
		conn->close_after = true;
		return 0;
	}
	memcpy(conn->body + conn->body_len, in, len);
	conn->body_len += len;
	conn->body[conn->body_len] = '\0';
	return 0;
}

/* Body bytes one lws_write() takes: below HTTP/2's smallest maximum frame
 * size (16,384, RFC 9113 §4.2), which libwebsockets 4.1 does not split
 * bodies to, and small enough to share the loop with other connections. */
#define SIG_HTTP_CHUNK 4096

/* Writes the next piece of the response body. A body goes out over as many
 * writable callbacks as it takes: each piece fits the chunk size and the
 * peer's HTTP/2 flow-control window; only the last is LWS_WRITE_HTTP_FINAL
 * (which ends the HTTP/2 stream), even when the body is empty. */
static int sig_http_writeable(struct lws *wsi, struct sig_http_conn *conn)
{
	size_t left, n;
	lws_fileofs_t allowance;

	if (!conn->out)
		return 0;
	left = conn->out_len - conn->out_sent;
	n = left < SIG_HTTP_CHUNK ? left : SIG_HTTP_CHUNK;
	allowance = lws_get_peer_write_allowance(wsi); /* -1: no HTTP/2 window */
	if (allowance == 0 && n > 0)
		return 0; /* lws asks again when a WINDOW_UPDATE gives credit */
	if (allowance > 0 && (lws_fileofs_t)n > allowance)
		n = (size_t)allowance;
	bool last = n == left;

	/* The LWS_PRE bytes before the piece are headroom lws_write() may
	 * overwrite: the buffer's own headroom, or body bytes already sent. */
	int w = lws_write(wsi, conn->out + LWS_PRE + conn->out_sent, n,
			  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
	if (w < 0) {
		sig_http_conn_reset(conn);
		return -1;
	}
	conn->out_sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	bool close_after = conn->close_after;
	sig_http_conn_reset(conn);
	if (close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int sig_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		      size_t len)
{
	struct sig_http_conn *conn = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (!sig_http_begin(wsi, conn, in ? (const char *)in : "/")) {
			if (conn->responded)
				conn->close_after = true;
			else
				sig_http_dispatch(wsi, conn);
		}
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		return conn->responded ? 0 : sig_http_body(wsi, conn, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!conn->responded)
			sig_http_dispatch(wsi, conn);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return sig_http_writeable(wsi, conn);
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		/* The TLS vhost's SSL_CTX (user), made while the vhost is
		 * created: the context's user is the server already. */
		if (wsi && lws_get_context(wsi))
			sig_http_site_of(wsi)->tls_ctx = user;
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return sig_http_confirm_upgrade(wsi);
	case LWS_CALLBACK_WSI_DESTROY: {
		struct sig_http_site *site = sig_http_site_of(wsi);
		if (site)
			sig_conns_remove(site->conns, wsi);
		break;
	}
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* A WebSocket upgrade lands here when it names no protocol we
		 * serve: refuse it rather than speak plain HTTP over it. */
		return 1;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (conn)
			sig_http_conn_reset(conn);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
