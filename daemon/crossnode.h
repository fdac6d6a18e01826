/* Several nodes on one PostgreSQL database: what one node's operations did
 * to people connected to another reaches that node within a second
 * (docs/operations.md, "Several nodes"). Each operation publishes an event
 * in its transaction (service/session_ops.h, sig_ops_share); here each
 * node hears of them through a LISTEN connection watched by the control
 * loop, and polls the events table every half second besides, so that a
 * lost connection or a missed notification costs at most that. Each event
 * is applied once (applying one twice would change nothing either) through
 * sig_ops_apply_event(). On SQLite (one node) there is nothing to do. */
#ifndef HEARTH_DAEMON_CROSSNODE_H
#define HEARTH_DAEMON_CROSSNODE_H

#include <glib.h>
#include <stdint.h>

struct sig_store;
struct sig_ops;
struct sig_server;
struct sig_crossnode;

/* Starts sharing ops's effects with the other nodes of store's database,
 * and hearing theirs on server's loop: 0 with *ret (NULL for a store that
 * serves one node, SQLite), or a negative errno. All borrowed for the
 * life of the result. */
int sig_crossnode_new(struct sig_store *store, struct sig_ops *ops, struct sig_server *server,
		      struct sig_crossnode **ret);

/* Accepts NULL; returns NULL. */
struct sig_crossnode *sig_crossnode_free(struct sig_crossnode *x);

/* The hearth_node_events_* metrics (nothing for NULL). */
void sig_crossnode_metrics(const struct sig_crossnode *x, GString *out);

#endif
