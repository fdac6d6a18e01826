/* This hearthd as one node of several: the cluster built from [cluster],
 * its heartbeat, its leave on drain, and the other nodes for the page's
 * CSP (daemon/nodes.h). */
#include "daemon/nodes.h"

#include <glib.h>
#include <string.h>

#include "config/cfg.h"
#include "core/clock.h"
#include "core/log.h"
#include "live/room.h"
#include "live/ws.h"
#include "service/cluster.h"
#include "store/store.h"

struct sig_nodes {
	struct sig_store *store; /* borrowed */
	struct sig_rooms *rooms; /* borrowed */
	struct sig_ws *ws;	 /* borrowed: told of sessions another node took over */
	struct sig_cluster *cluster;
	struct sig_web_peers peers;
	int64_t beat_due_us; /* monotonic; 0: left, no more beats */
	bool failing;	     /* the last beat failed (logged once until one works) */
};

static bool sig_nodes_present(void *userdata, int64_t session_id)
{
	struct sig_nodes *n = userdata;

	return sig_rooms_count(n->rooms, session_id) > 0;
}

static void sig_nodes_lost(void *userdata, int64_t session_id)
{
	struct sig_nodes *n = userdata;

	sig_ws_session_moved(n->ws, session_id);
}

static const char *sig_nodes_origins(void *userdata)
{
	struct sig_nodes *n = userdata;

	return sig_cluster_peer_origins(n->cluster);
}

/* Participants present on this node, for its row's load. */
static int sig_nodes_load(struct sig_nodes *n)
{
	GArray *ids = sig_rooms_sessions(n->rooms);
	unsigned load = 0;

	for (guint i = 0; i < ids->len; i++)
		load += sig_rooms_count(n->rooms, g_array_index(ids, int64_t, i));
	g_array_free(ids, TRUE);
	return load > INT32_MAX ? INT32_MAX : (int)load;
}

static void sig_nodes_beat(struct sig_nodes *n)
{
	int r = sig_cluster_beat(n->cluster, clock_wall_ms(), sig_nodes_load(n), sig_nodes_present,
				 sig_nodes_lost, n);

	if (r < 0 && !n->failing)
		log_warn("cluster: heartbeat failed (%s): this node's leases expire unless the "
			 "next one works",
			 strerror(-r));
	else if (r == 0 && n->failing)
		log_info("cluster: heartbeat works again");
	n->failing = r < 0;
}

struct sig_nodes *sig_nodes_new(const struct cfg *cfg, struct sig_store *store,
				struct sig_rooms *rooms, struct sig_ws *ws, bool tls)
{
	struct sig_nodes *n = g_new0(struct sig_nodes, 1);
	const struct cfg_addr_pair *media =
	    *cfg->media_public_address ? &cfg->media_public : &cfg->media_bind;
	g_autofree char *addresses =
	    g_strdup_printf("%s%s%s", media->v4, *media->v4 && *media->v6 ? "," : "", media->v6);
	bool sole = strcmp(sig_store_backend_name(store), "sqlite") == 0;

	n->store = store;
	n->rooms = rooms;
	n->ws = ws;
	n->cluster = sig_cluster_new(store, cfg->cluster_node_id, cfg->public_url, addresses,
				     cfg->cluster_lease_seconds, sole);
	n->peers = (struct sig_web_peers){.tls = tls, .origins = sig_nodes_origins, .userdata = n};
	log_info("cluster: node %s, %s, lease %d s", cfg->cluster_node_id,
		 sole ? "the only node (SQLite)" : "one of several (PostgreSQL)",
		 cfg->cluster_lease_seconds);
	sig_nodes_beat(n);
	n->beat_due_us = clock_mono_us() + sig_cluster_beat_interval_ms(n->cluster) * 1000;
	return n;
}

struct sig_nodes *sig_nodes_free(struct sig_nodes *n)
{
	if (!n)
		return NULL;
	n->cluster = sig_cluster_free(n->cluster);
	g_free(n);
	return NULL;
}

struct sig_cluster *sig_nodes_cluster(struct sig_nodes *n)
{
	return n->cluster;
}

const struct sig_web_peers *sig_nodes_web_peers(struct sig_nodes *n)
{
	return &n->peers;
}

void sig_nodes_tick(struct sig_nodes *n, int64_t now_us)
{
	if (!n->beat_due_us || now_us < n->beat_due_us)
		return;
	n->beat_due_us = now_us + sig_cluster_beat_interval_ms(n->cluster) * 1000;
	sig_nodes_beat(n);
}

void sig_nodes_leave(struct sig_nodes *n)
{
	if (!n->beat_due_us)
		return;
	n->beat_due_us = 0;
	sig_cluster_leave(n->cluster);
}
