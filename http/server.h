/* The control thread's event loop: one libwebsockets context serving HTTP on
 * the configured address, plus descriptors and timers of our own (the relay's
 * event fd, the signalfd) run on the same loop.
 *
 * Everything here runs on the control thread. */
#ifndef HEARTH_HTTP_SERVER_H
#define HEARTH_HTTP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/netaddr.h"

struct cfg;
struct lws;
struct sig_server;

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
	 * sig_server_client_address()). "" on the admin socket. */
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

typedef void (*sig_fd_callback)(void *userdata);
typedef void (*sig_timer_callback)(void *userdata);

/* Creates the context and the HTTP listener. Returns 0 or a negative errno;
 * a listener that cannot bind is logged with its address. */
int sig_server_new(const struct cfg *cfg, struct sig_server **ret_server);

/* Applies the reloadable listener settings: trusted proxies, their header,
 * the per-address connection cap. */
void sig_server_configure(struct sig_server *server, const struct cfg *cfg);

/* Closes the listener and every connection. Accepts NULL; returns NULL. */
struct sig_server *sig_server_free(struct sig_server *server);

/* The TCP port the HTTP listener is bound to (useful when configured as 0). */
int sig_server_port(const struct sig_server *server);

/* The HTTPS listener's OpenSSL SSL_CTX (an SSL_CTX *, borrowed, valid until
 * sig_server_free), or NULL without TLS. */
void *sig_server_tls_ctx(const struct sig_server *server);

/* The address the HTTP listener is bound to, as the kernel reports it; the
 * metrics listener's, or NULL when /metrics has none of its own, and its
 * port. */
const char *sig_server_bound(const struct sig_server *server);
const char *sig_server_metrics_bound(const struct sig_server *server);
int sig_server_metrics_port(const struct sig_server *server);

struct sig_server_stats {
	uint64_t connections_open;     /* HTTP/WebSocket connections now */
	uint64_t connections_accepted; /* since start */
	uint64_t connections_refused;  /* over max_connections_per_address */
};
void sig_server_stats(const struct sig_server *server, struct sig_server_stats *ret_stats);

/* The client address of the request or WebSocket on wsi (while its headers
 * are at hand): its TCP peer, or when that peer is a trusted proxy, the
 * rightmost untrusted hop of the configured forwarding header
 * (*ret_forwarded, if not NULL, says whether such a header came from a
 * trusted proxy, even one that named no usable client). Returns 0,
 * or -ENOENT for a connection not from our listeners (the admin socket). */
struct lws;
int sig_server_client_address(const struct sig_server *server, struct lws *wsi,
			      struct netaddr *ret_client, bool *ret_forwarded);

/* Serves requests whose path is exactly `path`, or that start with it when
 * it ends in '/'. The longest match wins. At most SIG_SERVER_MAX_ROUTES. */
#define SIG_SERVER_MAX_ROUTES 32
int sig_server_route(struct sig_server *server, const char *path, sig_http_handler handler,
		     void *userdata);

/* Calls cb on the loop whenever fd is readable. The server watches a
 * duplicate of fd: the caller keeps and closes its own. At most
 * SIG_SERVER_MAX_WATCHES descriptors. */
#define SIG_SERVER_MAX_WATCHES 6
int sig_server_watch_fd(struct sig_server *server, int fd, sig_fd_callback cb, void *userdata);

/* Calls cb every interval_us, starting one interval from now. At most
 * SIG_SERVER_MAX_TIMERS timers. */
#define SIG_SERVER_MAX_TIMERS 4
int sig_server_every(struct sig_server *server, int64_t interval_us, sig_timer_callback cb,
		     void *userdata);

/* Serves the client protocol on /ws with ws (borrowed). */
struct sig_ws;
void sig_server_set_ws(struct sig_server *server, struct sig_ws *ws);

/* Runs the loop once (waits for the next event or timer). */
void sig_server_service(struct sig_server *server);

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

#endif
