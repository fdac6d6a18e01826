/* HTTP request handling inside signaling/: the libwebsockets protocol
 * callback, request bodies with their cap, the route table, and responses.
 * Private to signaling/; handlers see only server.h. */
#ifndef HEARTH_SIGNALING_HTTP_H
#define HEARTH_SIGNALING_HTTP_H

#include <libwebsockets.h>
#include <stddef.h>

#include "signaling/server.h"

struct sig_http_route {
	char *path; /* owned */
	size_t path_len;
	bool prefix;
	sig_http_handler handler;
	void *userdata;
};

struct sig_http_routes {
	struct sig_http_route items[SIG_SERVER_MAX_ROUTES];
	size_t count;
};

int sig_http_routes_add(struct sig_http_routes *routes, const char *path, sig_http_handler handler,
			void *userdata);
void sig_http_routes_clear(struct sig_http_routes *routes);
const struct sig_http_route *sig_http_routes_find(const struct sig_http_routes *routes,
						  const char *path);

/* Whether a connection arrived on the admin unix socket; on the metrics
 * listener. */
bool sig_server_is_admin_vhost(const struct sig_server *server, const struct lws_vhost *vhost);
bool sig_server_is_metrics_conn(const struct sig_server *server, struct lws *wsi);

/* The accounting of connections from our listeners. */
struct sig_conns *sig_server_conns(const struct sig_server *server);

/* The /ws service the server's WebSocket protocol dispatches to. */
struct sig_ws *sig_server_ws(const struct sig_server *server);

/* libwebsockets made the TLS listener's SSL_CTX (certificate reloads
 * attach to it). */
void sig_server_set_tls_ctx(struct sig_server *server, void *ssl_ctx);

/* The server's table, for the protocol callback. */
const struct sig_http_routes *sig_server_routes(const struct sig_server *server);

/* Per HTTP connection (one request at a time; reset between keep-alive
 * requests). */
struct sig_http_conn {
	char path[SIG_HTTP_MAX_PATH + 1];
	int method; /* LWSHUMETH_* */
	char *body; /* request body being collected, NUL-terminated */
	size_t body_len;
	size_t body_expected;
	unsigned char *out; /* LWS_PRE bytes of headroom, then the response body */
	size_t out_len;
	size_t out_sent; /* body bytes written so far */
	bool responded;
	bool close_after; /* the request was refused before its body was read */
	struct {
		char name[32];
		char value[160];
	} extra[4]; /* headers for the response, from sig_http_add_header() */
	unsigned extra_count;
	/* The query, checked and decoded: names and values point into
	 * query_buf. */
	char query_buf[SIG_HTTP_MAX_QUERY_ARGS * (SIG_HTTP_MAX_QUERY_ARG + 2)];
	struct {
		const char *name, *value;
	} query[SIG_HTTP_MAX_QUERY_ARGS];
	unsigned query_count;
};

/* Whether a WebSocket upgrade on wsi's connection must be refused: over
 * the per-address cap (counted), or on the metrics listener. */
bool sig_http_upgrade_refused(struct lws *wsi);

/* The "http" protocol callback; its per-connection data is a
 * struct sig_http_conn. */
int sig_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		      size_t len);

#endif
