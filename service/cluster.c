/* This node among several: heartbeat, leases, who else is alive
 * (service/cluster.h). */
#include "service/cluster.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "core/log.h"

#define SIG_CLUSTER_NODES_MAX 200 /* live nodes listed for the page's CSP */

struct sig_cluster_lease {
	int64_t session_id;
	int64_t start;
};

struct sig_cluster {
	struct sig_store *store; /* borrowed */
	struct sig_node self;	 /* id, public_url, media (owned) */
	int64_t lease_ms;
	bool sole;	    /* SQLite: the only node, the home of everything */
	int64_t beat_ok_ms; /* when the last beat renewed every lease held */
	GArray *held;	    /* of struct sig_cluster_lease */
	GString *peers;	    /* the other live nodes' origins */
};

struct sig_cluster *sig_cluster_new(struct sig_store *store, const char *node_id,
				    const char *public_url, const char *media, int lease_seconds,
				    bool sole)
{
	struct sig_cluster *c = g_new0(struct sig_cluster, 1);

	g_assert(store && node_id && public_url && lease_seconds > 0);
	c->store = store;
	g_strlcpy(c->self.id, node_id, sizeof(c->self.id));
	c->self.public_url = g_strdup(public_url);
	c->self.media = g_strdup(media ? media : "");
	c->lease_ms = (int64_t)lease_seconds * 1000;
	c->sole = sole;
	c->held = g_array_new(FALSE, FALSE, sizeof(struct sig_cluster_lease));
	c->peers = g_string_new(NULL);
	return c;
}

struct sig_cluster *sig_cluster_free(struct sig_cluster *c)
{
	if (!c)
		return NULL;
	sig_node_clear(&c->self);
	g_array_free(c->held, TRUE);
	g_string_free(c->peers, TRUE);
	g_free(c);
	return NULL;
}

const char *sig_cluster_node_id(const struct sig_cluster *c)
{
	return c->self.id;
}

int64_t sig_cluster_beat_interval_ms(const struct sig_cluster *c)
{
	return c->lease_ms / 4;
}

static int sig_cluster_find(const struct sig_cluster *c, int64_t session_id, int64_t start)
{
	for (guint i = 0; i < c->held->len; i++) {
		const struct sig_cluster_lease *l =
		    &g_array_index(c->held, struct sig_cluster_lease, i);
		if (l->session_id == session_id && l->start == start)
			return (int)i;
	}
	return -1;
}

char *sig_cluster_origin(const char *url)
{
	static const char host_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					 "0123456789.-:[]";
	const char *rest;
	size_t n;

	if (g_str_has_prefix(url, "http://"))
		rest = url + 7;
	else if (g_str_has_prefix(url, "https://"))
		rest = url + 8;
	else
		return NULL;
	n = strcspn(rest, "/?#");
	if (n == 0 || strspn(rest, host_chars) < n)
		return NULL;
	return g_strndup(url, (size_t)(rest - url) + n);
}

/* The other live nodes, as origins the page may open WebSockets to. */
static void sig_cluster_list_peers(struct sig_cluster *c, int64_t now_ms)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_node));

	g_array_set_clear_func(rows, (GDestroyNotify)sig_node_clear);
	if (sig_store_node_list(c->store, now_ms - c->lease_ms, SIG_CLUSTER_NODES_MAX, rows) < 0)
		return; /* the last list stands */
	g_string_truncate(c->peers, 0);
	for (guint i = 0; i < rows->len; i++) {
		const struct sig_node *n = &g_array_index(rows, struct sig_node, i);
		g_autofree char *origin = NULL;

		if (strcmp(n->id, c->self.id) == 0 || !(origin = sig_cluster_origin(n->public_url)))
			continue;
		/* A WebSocket's origin in CSP: ws(s) for http(s). */
		g_string_append_printf(c->peers, "%s%s%s", c->peers->len ? " " : "",
				       g_str_has_prefix(origin, "https") ? "wss" : "ws",
				       strchr(origin, ':'));
	}
}

/* After a lease's time without a beat that worked: which leases are still
 * this node's (each re-taken: renewed if it is, taken again if it expired
 * untouched); the others are forgotten and told to lost. */
static int sig_cluster_recheck(struct sig_cluster *c, int64_t now_ms, sig_cluster_lost_fn lost,
			       void *userdata)
{
	for (guint i = c->held->len; i-- > 0;) {
		struct sig_cluster_lease l = g_array_index(c->held, struct sig_cluster_lease, i);
		struct sig_lease holder = {0};
		int r = sig_store_lease_take(c->store, l.session_id, l.start, c->self.id,
					     c->sole ? INT64_MAX : now_ms, now_ms + c->lease_ms,
					     &holder);

		if (r == -ENOENT) { /* the session was deleted */
			g_array_remove_index_fast(c->held, i);
			continue;
		}
		if (r < 0)
			return r;
		if (strcmp(holder.node_id, c->self.id) != 0) {
			g_array_remove_index_fast(c->held, i);
			log_warn(
			    "cluster: session %lld: node %s took it over while this node could "
			    "not beat",
			    (long long)l.session_id, holder.node_id);
			if (lost)
				lost(userdata, l.session_id);
		}
		sig_lease_clear(&holder);
	}
	return 0;
}

int sig_cluster_beat(struct sig_cluster *c, int64_t now_ms, int load,
		     sig_cluster_present_fn present, sig_cluster_lost_fn lost, void *userdata)
{
	int r;

	/* Backwards: releasing removes from the array. */
	for (guint i = c->held->len; i-- > 0;) {
		struct sig_cluster_lease l = g_array_index(c->held, struct sig_cluster_lease, i);

		if (present(userdata, l.session_id))
			continue;
		r = sig_store_lease_release(c->store, l.session_id, l.start, c->self.id);
		if (r < 0 && r != -ENOENT)
			return r; /* kept: tried again at the next beat */
		g_array_remove_index_fast(c->held, i);
		log_debug("cluster: session %lld: lease released (nobody here)",
			  (long long)l.session_id);
	}
	/* Until then, the leases were this node's whoever asked. */
	if (c->beat_ok_ms && now_ms - c->beat_ok_ms >= c->lease_ms &&
	    (r = sig_cluster_recheck(c, now_ms, lost, userdata)) < 0)
		return r;
	c->self.load = load;
	c->self.heartbeat_ms = now_ms;
	r = sig_store_node_beat(c->store, &c->self, now_ms + c->lease_ms);
	if (r == 0) {
		c->beat_ok_ms = now_ms;
		sig_cluster_list_peers(c, now_ms);
	}
	return r;
}

int sig_cluster_home(struct sig_cluster *c, int64_t session_id, int64_t start, int64_t now_ms,
		     char **ret_url)
{
	struct sig_lease holder = {0};
	int held = sig_cluster_find(c, session_id, start);
	int r;

	if (held < 0 && c->held->len >= SIG_CLUSTER_HELD_MAX)
		return -ENOSPC;
	/* Held, and renewed by a beat less than half a lease ago: it is still
	 * this node's for at least that long, no need to ask the database. */
	if (held >= 0 && c->beat_ok_ms && now_ms - c->beat_ok_ms < c->lease_ms / 2)
		return SIG_CLUSTER_HERE;
	r = sig_store_lease_take(c->store, session_id, start, c->self.id,
				 c->sole ? INT64_MAX : now_ms, now_ms + c->lease_ms, &holder);
	if (r < 0)
		return r;
	if (strcmp(holder.node_id, c->self.id) != 0) {
		if (held >= 0) { /* lost while this node did not beat */
			g_array_remove_index_fast(c->held, (guint)held);
			log_warn("cluster: session %lld: the lease went to node %s",
				 (long long)session_id, holder.node_id);
		}
		if (!*holder.public_url) { /* its row is gone: nowhere to send anyone */
			sig_lease_clear(&holder);
			return -EAGAIN;
		}
		*ret_url = holder.public_url; /* taken */
		return SIG_CLUSTER_ELSEWHERE;
	}
	sig_lease_clear(&holder);
	if (held >= 0)
		return SIG_CLUSTER_HERE;
	struct sig_cluster_lease l = {.session_id = session_id, .start = start};
	g_array_append_val(c->held, l);
	log_info("cluster: session %lld: homed on this node (%s)", (long long)session_id,
		 c->self.id);
	return SIG_CLUSTER_TAKEN;
}

void sig_cluster_leave(struct sig_cluster *c)
{
	int r = sig_store_node_leave(c->store, c->self.id);

	if (r < 0)
		log_warn(
		    "cluster: could not release this node's leases (%s): they expire in %lld s",
		    strerror(-r), (long long)(c->lease_ms / 1000));
	else
		log_info("cluster: %u leases released", c->held->len);
	g_array_set_size(c->held, 0);
}

const char *sig_cluster_peer_origins(const struct sig_cluster *c)
{
	return c->peers->str;
}
