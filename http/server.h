/* The control thread's event loop: one libwebsockets context serving HTTP on
 * the configured address, plus descriptors and timers of our own (the relay's
 * event fd, the signalfd) run on the same loop.
 *
 * Request handlers register routes (sig_server_route); a WebSocket protocol
 * registers itself when the server is created (struct sig_server_protocol:
 * libwebsockets needs every protocol when it creates the vhosts) and gets
 * its own context back in its callback. What handlers and protocols see of
 * a request is http/http.h.
 *
 * Everything here runs on the control thread. */
#ifndef HEARTH_HTTP_SERVER_H
#define HEARTH_HTTP_SERVER_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct cfg;
struct sig_server;

typedef void (*sig_fd_callback)(void *userdata);
typedef void (*sig_timer_callback)(void *userdata);

/* A WebSocket protocol served beside HTTP. Its callback gets `user` back as
 * lws_get_protocol(wsi)->user, and per_connection_size bytes of zeroed
 * per-connection data as its `user` argument. The callback decides which
 * upgrades it takes (LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION). */
struct sig_server_protocol {
	const char *name; /* the Sec-WebSocket-Protocol it answers, a literal */
	lws_callback_function *callback;
	size_t per_connection_size;
	size_t rx_buffer_size;
	void *user; /* borrowed: must outlive the server */
};
#define SIG_SERVER_MAX_PROTOCOLS 2

/* Creates the context and the HTTP listener, serving the `count` WebSocket
 * protocols (at most SIG_SERVER_MAX_PROTOCOLS; copied). Returns 0 or a
 * negative errno; a listener that cannot bind is logged with its address. */
int sig_server_new(const struct cfg *cfg, const struct sig_server_protocol *protocols, size_t count,
		   struct sig_server **ret_server);

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

/* The address(es) the HTTP listener is bound to, as the kernel reports
 * them ("127.0.0.1" or "127.0.0.1,::1"); the
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

/* Serves requests whose path is exactly `path`, or that start with it when
 * it ends in '/'. The longest match wins. At most SIG_SERVER_MAX_ROUTES. */
#define SIG_SERVER_MAX_ROUTES 32
int sig_server_route(struct sig_server *server, const char *path, sig_http_handler handler,
		     void *userdata);

/* Calls cb on the loop whenever fd is readable. The server watches a
 * duplicate of fd: the caller keeps and closes its own. At most
 * SIG_SERVER_MAX_WATCHES descriptors. */
#define SIG_SERVER_MAX_WATCHES 12
int sig_server_watch_fd(struct sig_server *server, int fd, sig_fd_callback cb, void *userdata);

/* Calls cb every interval_us, starting one interval from now. At most
 * SIG_SERVER_MAX_TIMERS timers. */
#define SIG_SERVER_MAX_TIMERS 4
int sig_server_every(struct sig_server *server, int64_t interval_us, sig_timer_callback cb,
		     void *userdata);

/* Runs the loop once (waits for the next event or timer). */
void sig_server_service(struct sig_server *server);

#endif
