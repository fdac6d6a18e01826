/* The state of the shared operations (session_ops.c, participant_ops.c).
 * Private to service/. */
#ifndef HEARTH_SERVICE_OPS_INTERNAL_H
#define HEARTH_SERVICE_OPS_INTERNAL_H

#include <jansson.h>

#include "service/session_ops.h"

struct sig_ops {
	struct sig_store *store; /* borrowed */
	const struct sig_presence_listener *listener;
	void *listener_data;
	/* Several nodes on one database (sig_ops_share): this node's id, the
	 * origin of the events it publishes; "" for one node alone. */
	char node_id[SIG_STORE_EVENT_ORIGIN_MAX + 1];
};

struct sig_node_event;

/* Inside the operation's transaction: publishes ev for the other nodes
 * (nothing for one node alone). */
int sig_ops_publish(struct sig_ops *ops, const struct sig_node_event *ev);

struct sig_participant_change;

/* ops_nodes.c: participants connected to another node, known here by the
 * seat that node stored (live/seats.c keeps it current). find: the seat's
 * roster entry, or -ENOENT (one node alone; no seat; a seat of another
 * session). change: what the holder is asked to do, checked against the
 * seat (-EALREADY as the holder would answer), audited with kind and
 * extra (taken) and published in one transaction. */
int sig_ops_remote_find(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			int64_t *ret_entry_id);
/* Appends to list (a JSON array) the participants of session_id whom
 * another node holds (their stored seats), as the list shows them, with
 * "other_node": true. */
void sig_ops_remote_list(struct sig_ops *ops, int64_t session_id, json_t *list);
int sig_ops_remote_change(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			  const struct sig_participant_change *change, int audit_kind,
			  json_t *extra);

#endif
