/* What a request handler or a protocol served by http/ sees: the request,
 * its query, the responses, and the client's address. The server itself
 * (listeners, routes, the loop) is http/server.h.
 *
 * Everything here runs on the control thread. */
#ifndef HEARTH_HTTP_HTTP_H
#define HEARTH_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/netaddr.h"

struct lws;

/* One HTTP request, borrowed for the duration of the handler call. */
struct sig_http_request {
	struct lws *wsi;
	const char *method;    /* "GET", "POST", ... */
	const char *path;      /* without query string, not decoded */
	const char *body;      /* NUL-terminated; "" when none */
	size_t body_len;       /* at most SIG_HTTP_MAX_BODY */
	bool admin_socket;     /* arrived on the admin unix socket (trusted) */
	bool metrics_listener; /* arrived on the metrics listener */
	/* The client's address: the TCP peer, or for a request through a
	 * trusted proxy the address the proxy forwarded (see
	 * sig_http_client_address()). "" on the admin socket. */
	const char *peer;
	struct netaddr client; /* the same, parsed; zero on the admin socket */
	/* A trusted proxy forwarded it (sent a forwarding header, usable or
	 * not): the TCP peer says nothing about the client. */
	bool forwarded;
};

/* Request bodies larger than this are refused with 413. */
#define SIG_HTTP_MAX_BODY (64 * 1024)
/* Request paths longer than this are refused with 414. */
#define SIG_HTTP_MAX_PATH 1024
/* Query strings: at most this many name=value arguments, each at most
 * SIG_HTTP_MAX_QUERY_ARG bytes (decoded); more is 400, longer 414. */
#define SIG_HTTP_MAX_QUERY_ARGS 16
#define SIG_HTTP_MAX_QUERY_ARG	256
/* X-Forwarded-For / Forwarded headers are read up to this length: all that
 * libwebsockets' header buffer (4 KiB) can hold. */
#define SIG_SERVER_MAX_FORWARDED 4096

/* Handlers answer with sig_http_respond*(); a handler that does not answer
 * gets a 500. */
typedef void (*sig_http_handler)(void *userdata, struct sig_http_request *req);

/* Answers with a JSON body (takes a reference to body). */
void sig_http_respond_json(struct sig_http_request *req, int status, json_t *body);

/* Answers {"error":{"code":code,"message":message}}. */
void sig_http_respond_error(struct sig_http_request *req, int status, const char *code,
			    const char *message);

/* Adds a response header ("retry-after:", "www-authenticate:") to the next
 * sig_http_respond_*() call of this request. At most 4 per response. */
void sig_http_add_header(struct sig_http_request *req, const char *name, const char *value);

/* Copies the value of query argument name (e.g. "limit") into buf; returns
 * its length, or -1 when absent or longer than the buffer. The query was
 * checked before the handler ran: name=value pairs, no name twice. */
int sig_http_query(struct sig_http_request *req, const char *name, char *buf, size_t len);

/* Answers 400 bad_query and returns -EINVAL when the query has an argument
 * not named in allowed (a NULL-terminated list; NULL: none allowed). */
int sig_http_query_only(struct sig_http_request *req, const char *const *allowed);

/* Answers with a text body of the given content type. */
void sig_http_respond_text(struct sig_http_request *req, int status, const char *content_type,
			   const char *text);

/* A response header whose name and value outlive the response (literals). */
struct sig_http_header {
	const char *name; /* "content-security-policy:" */
	const char *value;
};

/* Answers with body (copied) and, besides the usual headers, `count`
 * headers of the caller's. */
void sig_http_respond_static(struct sig_http_request *req, int status, const char *content_type,
			     const void *body, size_t len, const struct sig_http_header *headers,
			     size_t count);

/* Answers 204 No Content. */
void sig_http_respond_empty(struct sig_http_request *req, int status);

/* The answer given to req so far, for a caller that keeps it (the admin
 * API's idempotent answers): its status, and its body, borrowed until the
 * handler returns. Returns 0, or -ENOENT before any answer. */
int sig_http_response(struct sig_http_request *req, int *ret_status, const void **ret_body,
		      size_t *ret_len);

/* Copies the value of request header name (lower case, with its colon:
 * "idempotency-key:") into buf with a NUL; returns its length, -ENOENT when
 * absent, or -E2BIG when it does not fit in len. */
int sig_http_header(struct sig_http_request *req, const char *name, char *buf, size_t len);

/* The client address of the request or WebSocket on wsi (while its headers
 * are at hand): its TCP peer, or when that peer is a trusted proxy, the
 * rightmost untrusted hop of the configured forwarding header
 * (*ret_forwarded, if not NULL, says whether such a header came from a
 * trusted proxy, even one that named no usable client). Returns 0,
 * or -ENOENT for a connection not from our listeners (the admin socket). */
int sig_http_client_address(struct lws *wsi, struct netaddr *ret_client, bool *ret_forwarded);

/* Whether a WebSocket upgrade on wsi's connection must be refused: over
 * the per-address cap (counted), or on the metrics listener. */
bool sig_http_upgrade_refused(struct lws *wsi);

/* Whether the connection of wsi arrived on the admin unix socket. */
bool sig_http_admin_socket(struct lws *wsi);

#endif
