/* The operations both protocols perform: ending and deleting a session,
 * removing (marking removed, links revoked) and deleting a roster entry.
 * admin/ and live/ meet here, and neither includes the other.
 *
 * Each operation writes the store change and its audit row in one
 * transaction, and only once that committed tells the listener (the client
 * protocol, which registers itself) so that the people concerned are
 * disconnected. Control thread only. */
#ifndef HEARTH_SERVICE_SESSION_OPS_H
#define HEARTH_SERVICE_SESSION_OPS_H

#include <stdint.h>

#include "model/domain.h"
#include "service/occurrence.h"
#include "store/store.h"

struct sig_participant_listener;

/* What the protocol serving the people connected now is told. */
struct sig_presence_listener {
	/* Everyone in session_id is told the session ended (reason "ended",
	 * "deleted") and disconnected. */
	void (*session_ended)(void *userdata, int64_t session_id, const char *reason);
	/* The member of roster entry entry_id, if present, is told it was
	 * removed and disconnected within a second. */
	void (*entry_removed)(void *userdata, int64_t session_id, int64_t entry_id);
	/* Who is present and what happens to one of them
	 * (service/participant_ops.h); NULL: nobody is ever present. */
	const struct sig_participant_listener *participants;
};

struct sig_ops;

/* store is borrowed for the life of ops. */
struct sig_ops *sig_ops_new(struct sig_store *store);
/* Accepts NULL; returns NULL. */
struct sig_ops *sig_ops_free(struct sig_ops *ops);

/* Registers the one listener (listener and userdata borrowed until it is
 * replaced; NULL forgets it). Without one, operations only change the
 * store. */
void sig_ops_listen(struct sig_ops *ops, const struct sig_presence_listener *listener,
		    void *userdata);

/* Several nodes on one database: from now on each operation also
 * publishes what it did to the people concerned (service/node_event.h) in
 * its transaction, as node_id (at most SIG_STORE_EVENT_ORIGIN_MAX bytes),
 * and the participant operations reach people connected to another node
 * through their stored seats (participant_ops.h). Without it (one node, the
 * SQLite default) nothing is published. */
void sig_ops_share(struct sig_ops *ops, const char *node_id);

/* Applies an event another node published (the len bytes at body): what
 * the operation that published it does to the people connected here: the
 * session's people disconnected, a removed entry's member disconnected, a
 * participant admitted, sent back to the waiting room or muted. Writes
 * nothing (the node that published it wrote the store and the audit row);
 * applying one twice, or one about nobody here, changes nothing. Returns 0,
 * or -EINVAL for a text no node makes. */
int sig_ops_apply_event(struct sig_ops *ops, const char *body, size_t len);

/* Ends session_id for good at now, the whole series of a weekly session
 * (ended_at set, audit row session_ended {"scope": "series"} by actor, and
 * occurrence_ended for an occurrence open then), unless it had ended
 * already; either way the people in it are disconnected. On success fills
 * ret_session (if not NULL; caller clears). Returns 0, -ENOENT or a store
 * error (rolled back). */
int sig_ops_end_session(struct sig_ops *ops, int64_t session_id, const char *actor, int64_t now,
			struct sig_session *ret_session);

/* Ends the occurrence of session_id open at now (what a host's "end"
 * does): recorded ended (audit row occurrence_ended, once), everyone in it
 * disconnected, and no join until the next occurrence opens; the series
 * and its invites stay valid. A one-off session ends for good with it, as
 * sig_ops_end_session() ends it. An occurrence ended already, or a session
 * ended already, only disconnects. Fills ret_session as
 * sig_ops_end_session() does. Returns 0, -ENOENT, -ESRCH (no occurrence
 * is open now) or a store error. */
int sig_ops_end_occurrence(struct sig_ops *ops, int64_t session_id, const char *actor, int64_t now,
			   struct sig_session *ret_session);

/* Deletes session_id with everything in it (audit row session.deleted);
 * the people in it are disconnected. Returns 0, -ENOENT or a store
 * error. */
int sig_ops_delete_session(struct sig_ops *ops, int64_t session_id, const char *actor);

/* Removes roster entry entry_id of session_id at now: marked removed, its
 * links revoked, an audit row participant.removed (detail {"participant":
 * participant_id} when not NULL); its member is disconnected. Returns 0,
 * -ENOENT or a store error. */
int sig_ops_remove_entry(struct sig_ops *ops, int64_t session_id, int64_t entry_id,
			 const char *actor, int64_t now, const char *participant_id);

/* Deletes roster entry entry_id of session_id (audit row roster.deleted);
 * its member is disconnected. Returns 0, -ENOENT or a store error. */
int sig_ops_delete_entry(struct sig_ops *ops, int64_t session_id, int64_t entry_id,
			 const char *actor);

#endif
