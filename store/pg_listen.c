/* The LISTEN connection: a second libpq connection that only LISTENs on
 * SIG_STORE_EVENT_CHANNEL, so that a node hears another node's event
 * within a round trip of its commit. Never used for statements, so it
 * never blocks the control loop but to reconnect.
 *
 * The control loop watches one descriptor for the listener's life (the
 * server watches a duplicate of it): an epoll descriptor that holds the
 * connection's socket of the moment, swapped when a lost connection is
 * made again. A lost connection is never fatal: the nodes' poll of the
 * events table (daemon/crossnode.c) covers the gap. */
#include "store/pg_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/log.h"

struct sig_store_listener {
	struct sig_store *store; /* borrowed: its URL and password */
	PGconn *conn;		 /* NULL while lost */
	int sock;		 /* conn's socket in epoll_fd, or -1 */
	int epoll_fd;
	int64_t tried_ms; /* last connection attempt (the caller's clock) */
	int64_t lost_ms;  /* when check first found it lost; 0 while up */
};

static void pg_listen_drop(struct sig_store_listener *l)
{
	if (l->sock >= 0)
		epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, l->sock, NULL);
	l->sock = -1;
	if (l->conn)
		PQfinish(l->conn);
	l->conn = NULL;
}

static int pg_listen_connect(struct sig_store_listener *l)
{
	struct pg_store *pg = l->store->pg;
	struct epoll_event ev = {.events = EPOLLIN};
	PGresult *res;
	int r = pg_connect(pg->url, pg->password, "hearthd-listen", &l->conn);

	if (r < 0)
		return r;
	res = PQexec(l->conn, "LISTEN " SIG_STORE_EVENT_CHANNEL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_debug("store: LISTEN failed: %s", PQerrorMessage(l->conn));
		r = -EIO;
	}
	PQclear(res);
	if (r == 0 && PQsetnonblocking(l->conn, 1) != 0)
		r = -EIO;
	if (r == 0) {
		l->sock = PQsocket(l->conn);
		ev.data.fd = l->sock;
		if (l->sock < 0 || epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, l->sock, &ev) < 0) {
			l->sock = -1;
			r = -EIO;
		}
	}
	if (r < 0)
		pg_listen_drop(l);
	return r;
}

int pg_store_listen(struct sig_store *store, struct sig_store_listener **ret_listener)
{
	struct sig_store_listener *l = g_new0(struct sig_store_listener, 1);
	int r;

	l->store = store;
	l->sock = -1;
	l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epoll_fd < 0) {
		r = -errno;
		g_free(l);
		return r;
	}
	/* Not connected is no failure: the poll covers, and
	 * sig_store_listener_check() tries again. */
	r = pg_listen_connect(l);
	if (r < 0)
		log_warn("store: no LISTEN connection to PostgreSQL yet; events arrive by the "
			 "poll until there is");
	*ret_listener = l;
	return 0;
}

int sig_store_listener_fd(const struct sig_store_listener *listener)
{
	return listener->epoll_fd;
}

int sig_store_listener_read(struct sig_store_listener *l, bool *ret_notified)
{
	struct epoll_event ev;
	PGnotify *n;

	*ret_notified = false;
	/* Level-triggered: take what the socket holds, or the loop spins (a
	 * failed read leaves the connection CONNECTION_BAD, below). */
	if (epoll_wait(l->epoll_fd, &ev, 1, 0) > 0 && l->conn)
		PQconsumeInput(l->conn);
	if (!l->conn)
		return -ENOTCONN;
	if (PQstatus(l->conn) == CONNECTION_BAD) {
		log_warn("store: the LISTEN connection to PostgreSQL was lost; events arrive by "
			 "the poll until it is back");
		pg_listen_drop(l);
		return -ENOTCONN;
	}
	while ((n = PQnotifies(l->conn)) != NULL) {
		*ret_notified = true;
		PQfreemem(n);
	}
	return 0;
}

int sig_store_listener_check(struct sig_store_listener *l, int64_t now_ms, int64_t retry_ms)
{
	int r;

	if (l->conn && PQstatus(l->conn) == CONNECTION_OK)
		return 0;
	pg_listen_drop(l);
	/* Not at once after a loss (a server restarting refuses for a
	 * while), then every retry_ms. */
	if (!l->lost_ms)
		l->lost_ms = now_ms;
	if (now_ms - l->lost_ms < retry_ms || now_ms - l->tried_ms < retry_ms)
		return -ENOTCONN;
	l->tried_ms = now_ms;
	r = pg_listen_connect(l);
	if (r < 0)
		return -ENOTCONN;
	l->lost_ms = 0;
	log_info("store: the LISTEN connection to PostgreSQL is back");
	return 0;
}

struct sig_store_listener *sig_store_listener_free(struct sig_store_listener *l)
{
	if (!l)
		return NULL;
	pg_listen_drop(l);
	if (l->epoll_fd >= 0)
		close(l->epoll_fd);
	g_free(l);
	return NULL;
}
