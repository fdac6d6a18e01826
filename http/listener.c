#include "http/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

int sig_listener_open(const char *address, int port, int *ret_fd, char *ret_bound, size_t bound_len,
		      int *ret_port)
{
	struct sockaddr_storage ss = {0};
	socklen_t ss_len;
	int fd, one = 1, r;

	if (port < 0 || port > 65535)
		return -EINVAL;
	if (strchr(address, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, address, &a6->sin6_addr) != 1)
			return -EINVAL;
		ss_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, address, &a4->sin_addr) != 1)
			return -EINVAL;
		ss_len = sizeof(*a4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail_errno;
	/* "::" means IPv6 only here; IPv4 needs its own address in
	 * listen_address ("0.0.0.0, ::"). */
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail_errno;
	if (bind(fd, (struct sockaddr *)&ss, ss_len) < 0 || listen(fd, SOMAXCONN) < 0)
		goto fail_errno;

	ss_len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &ss_len) < 0)
		goto fail_errno;
	char host[INET6_ADDRSTRLEN];
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		*ret_port = ntohs(a6->sin6_port);
		snprintf(ret_bound, bound_len, "%s", host);
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		*ret_port = ntohs(a4->sin_port);
		snprintf(ret_bound, bound_len, "%s", host);
	}
	*ret_fd = fd;
	return 0;
fail_errno:
	r = -errno;
	close(fd);
	return r;
}

struct sig_conn {
	struct netaddr peer;
	char key[NETADDR_TEXT_MAX]; /* peer as text: the per-address table's key */
	bool over_cap;
	bool metrics;
	bool refused; /* counted once */
};

struct sig_conns {
	GHashTable *by_wsi;  /* const struct lws * -> struct sig_conn (owned) */
	GHashTable *by_addr; /* key text (owned by a sig_conn... copied) -> count */
	struct sig_conns_stats stats;
};

struct sig_conns *sig_conns_new(void)
{
	struct sig_conns *c = g_new0(struct sig_conns, 1);

	c->by_wsi = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	c->by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return c;
}

struct sig_conns *sig_conns_free(struct sig_conns *c)
{
	if (!c)
		return NULL;
	g_hash_table_destroy(c->by_wsi);
	g_hash_table_destroy(c->by_addr);
	g_free(c);
	return NULL;
}

unsigned sig_conns_count(const struct sig_conns *c, const struct netaddr *peer)
{
	char key[NETADDR_TEXT_MAX];

	netaddr_format(peer, key);
	return GPOINTER_TO_UINT(g_hash_table_lookup(c->by_addr, key));
}

void sig_conns_add(struct sig_conns *c, const struct lws *wsi, const struct netaddr *peer,
		   bool over_cap, bool metrics)
{
	struct sig_conn *conn = g_new0(struct sig_conn, 1);
	unsigned n;

	conn->peer = *peer;
	conn->over_cap = over_cap;
	conn->metrics = metrics;
	netaddr_format(peer, conn->key);
	n = sig_conns_count(c, peer);
	g_hash_table_insert(c->by_addr, g_strdup(conn->key), GUINT_TO_POINTER(n + 1));
	g_hash_table_insert(c->by_wsi, (gpointer)wsi, conn);
	c->stats.open++;
	c->stats.accepted++;
}

void sig_conns_remove(struct sig_conns *c, const struct lws *wsi)
{
	struct sig_conn *conn = g_hash_table_lookup(c->by_wsi, wsi);

	if (!conn)
		return;
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(c->by_addr, conn->key));
	if (n <= 1)
		g_hash_table_remove(c->by_addr, conn->key);
	else
		g_hash_table_insert(c->by_addr, g_strdup(conn->key), GUINT_TO_POINTER(n - 1));
	c->stats.open--;
	g_hash_table_remove(c->by_wsi, wsi);
}

const struct netaddr *sig_conns_peer(const struct sig_conns *c, const struct lws *wsi)
{
	const struct sig_conn *conn = g_hash_table_lookup(c->by_wsi, wsi);

	return conn ? &conn->peer : NULL;
}

bool sig_conns_metrics(const struct sig_conns *c, const struct lws *wsi)
{
	const struct sig_conn *conn = g_hash_table_lookup(c->by_wsi, wsi);

	return conn && conn->metrics;
}

bool sig_conns_refuse(struct sig_conns *c, const struct lws *wsi)
{
	struct sig_conn *conn = g_hash_table_lookup(c->by_wsi, wsi);

	if (!conn || !conn->over_cap)
		return false;
	if (!conn->refused) {
		conn->refused = true;
		c->stats.refused++;
	}
	return true;
}

void sig_conns_stats(const struct sig_conns *c, struct sig_conns_stats *ret_stats)
{
	*ret_stats = c->stats;
	ret_stats->addresses = g_hash_table_size(c->by_addr);
}
