/* This hearthd as one node of several (service/cluster.h), as the control
 * loop runs it: built from the configuration once the public URL is
 * known, beating every lease_seconds / 4 from the control tick, leaving
 * (its leases released) when the daemon drains, and telling the page's
 * CSP which other nodes it may reach. Control thread only. */
#ifndef HEARTH_DAEMON_NODES_H
#define HEARTH_DAEMON_NODES_H

#include <stdbool.h>
#include <stdint.h>

#include "http/web.h"

struct cfg;
struct sig_cluster;
struct sig_rooms;
struct sig_store;
struct sig_ws;
struct sig_nodes;

/* cfg, store, rooms and ws are borrowed (ws: told when a session moved to
 * another node). Beats once at once (the node row is there before anyone
 * is sent here): a failure is logged, not fatal. */
struct sig_nodes *sig_nodes_new(const struct cfg *cfg, struct sig_store *store,
				struct sig_rooms *rooms, struct sig_ws *ws, bool tls);
struct sig_nodes *sig_nodes_free(struct sig_nodes *nodes);

struct sig_cluster *sig_nodes_cluster(struct sig_nodes *nodes);
/* For sig_web_register_peers(): valid while nodes is. */
const struct sig_web_peers *sig_nodes_web_peers(struct sig_nodes *nodes);

/* From the control tick: beats when one is due (now: monotonic us). */
void sig_nodes_tick(struct sig_nodes *nodes, int64_t now_us);
/* Drain: leases released, no more beats. */
void sig_nodes_leave(struct sig_nodes *nodes);

#endif
