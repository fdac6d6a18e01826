/* What the files of http/ share and nobody else sees: the site (the state
 * server.c owns and request handling reads: routes, connection accounting,
 * trusted proxies), the route table (router.c), the per-connection request
 * state and the "http" protocol callback (http.c).
 *
 * server.c creates the site and hands it to libwebsockets as the context's
 * user pointer; http.c finds it there. http.c never calls into server.c. */
#ifndef HEARTH_HTTP_HTTP_INTERNAL_H
#define HEARTH_HTTP_HTTP_INTERNAL_H

#include <libwebsockets.h>
#include <stddef.h>

#include "core/netaddr.h"
#include "http/forwarded.h"
#include "http/http.h"
#include "http/server.h"

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

/* router.c */
int sig_http_routes_add(struct sig_http_routes *routes, const char *path, sig_http_handler handler,
			void *userdata);
void sig_http_routes_clear(struct sig_http_routes *routes);
const struct sig_http_route *sig_http_routes_find(const struct sig_http_routes *routes,
						  const char *path);

/* The libwebsockets context's user pointer: owned by the server, read by
 * request handling. */
struct sig_http_site {
	struct sig_http_routes routes;
	struct sig_conns *conns;       /* our listeners' connections */
	struct lws_vhost *admin_vhost; /* the unix socket */
	struct netaddr_list trusted_proxies;
	enum sig_forwarded_kind proxy_header;
	void *tls_ctx; /* SSL_CTX of the TLS listener, owned by libwebsockets */
};

/* The site of wsi's context. */
struct sig_http_site *sig_http_site_of(struct lws *wsi);

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
	int status;	  /* of the response, once responded */
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

/* The "http" protocol callback; its per-connection data is a
 * struct sig_http_conn. */
int sig_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		      size_t len);

#endif
