/* Our own TCP listeners and the connections they accept: bound exactly to
 * the configured address (libwebsockets 4.1 binds every interface when told
 * an IP literal), counted per client address with a cap, and handed to a
 * libwebsockets vhost. Private to http/ (server.c, http.c).
 *
 * Control thread only. */
#ifndef HEARTH_HTTP_LISTENER_H
#define HEARTH_HTTP_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/netaddr.h"

struct lws;

/* Opens a listening TCP socket (non-blocking, close-on-exec) bound to
 * exactly address (an IP literal; IPv6 sockets are v6-only) and port (0:
 * any free port). On success *ret_fd is the socket, and ret_bound and
 * ret_port what getsockname() reads back ("127.0.0.1", "::1"). */
int sig_listener_open(const char *address, int port, int *ret_fd, char *ret_bound, size_t bound_len,
		      int *ret_port);

/* Per-connection accounting. */
struct sig_conns;

struct sig_conns_stats {
	uint64_t open;	    /* connections open now */
	uint64_t accepted;  /* since start */
	uint64_t refused;   /* answered 503: too many from one address */
	uint64_t addresses; /* distinct addresses with a connection open */
};

struct sig_conns *sig_conns_new(void);
struct sig_conns *sig_conns_free(struct sig_conns *conns);

/* Records a connection from peer that libwebsockets adopted as wsi;
 * over_cap marks it to be answered 503 and closed; metrics, that it came
 * from the metrics listener. */
void sig_conns_add(struct sig_conns *conns, const struct lws *wsi, const struct netaddr *peer,
		   bool over_cap, bool metrics);

/* Whether wsi's connection came from the metrics listener. */
bool sig_conns_metrics(const struct sig_conns *conns, const struct lws *wsi);

/* How many connections peer has open now. */
unsigned sig_conns_count(const struct sig_conns *conns, const struct netaddr *peer);

/* Forgets wsi (any wsi: those never added are ignored). */
void sig_conns_remove(struct sig_conns *conns, const struct lws *wsi);

/* The peer of the network connection wsi, or NULL when not ours (the admin
 * socket). Borrowed until the connection closes. */
const struct netaddr *sig_conns_peer(const struct sig_conns *conns, const struct lws *wsi);

/* Whether wsi's connection is over its address's cap; the first call that
 * says so counts one refusal. */
bool sig_conns_refuse(struct sig_conns *conns, const struct lws *wsi);

void sig_conns_stats(const struct sig_conns *conns, struct sig_conns_stats *ret_stats);

#endif
