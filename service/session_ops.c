#include "service/session_ops.h"

#include <errno.h>
#include <glib.h>

#include "service/audit.h"
#include "service/invite.h"
#include "model/domain_json.h"
#include "service/node_event.h"
#include "service/ops_internal.h"

struct sig_ops *sig_ops_new(struct sig_store *store)
{
	struct sig_ops *ops = g_new0(struct sig_ops, 1);

	ops->store = store;
	return ops;
}

struct sig_ops *sig_ops_free(struct sig_ops *ops)
{
	g_free(ops);
	return NULL;
}

void sig_ops_listen(struct sig_ops *ops, const struct sig_presence_listener *listener,
		    void *userdata)
{
	ops->listener = listener;
	ops->listener_data = userdata;
}

void sig_ops_share(struct sig_ops *ops, const char *node_id)
{
	g_strlcpy(ops->node_id, node_id ? node_id : "", sizeof(ops->node_id));
}

int sig_ops_publish(struct sig_ops *ops, const struct sig_node_event *ev)
{
	char body[SIG_STORE_EVENT_BODY_MAX + 1];
	int n;

	if (!*ops->node_id)
		return 0;
	n = sig_node_event_encode(ev, body, sizeof(body));
	if (n < 0)
		return n;
	return sig_store_event_publish(ops->store, ops->node_id, body, NULL);
}

/* Publishes that session_id ended (or was deleted), or that entry_id of it
 * was removed (entry_id not 0), when r is 0. */
static int sig_ops_publish_gone(struct sig_ops *ops, int r, enum sig_node_event_kind kind,
				int64_t session_id, int64_t entry_id)
{
	const struct sig_node_event ev = {
	    .kind = kind, .session_id = session_id, .entry_id = entry_id};

	return r == 0 ? sig_ops_publish(ops, &ev) : r;
}

/* Ends the transaction the operation began: commits when r is 0, else
 * rolls back. */
static int sig_ops_finish(struct sig_ops *ops, int r)
{
	if (r == 0)
		r = sig_store_commit(ops->store);
	if (r < 0)
		sig_store_rollback(ops->store);
	return r;
}

static void sig_ops_session_ended(struct sig_ops *ops, int64_t session_id, const char *reason)
{
	if (ops->listener)
		ops->listener->session_ended(ops->listener_data, session_id, reason);
}

static void sig_ops_entry_removed(struct sig_ops *ops, int64_t session_id, int64_t entry_id)
{
	if (ops->listener)
		ops->listener->entry_removed(ops->listener_data, session_id, entry_id);
}

/* Marks the occurrence open at now (if any, and not ended yet) ended, with
 * its audit row, inside the operation's transaction. */
static int sig_ops_close_occurrence(struct sig_ops *ops, const struct sig_session *session,
				    const struct sig_occurrence_view *view, const char *actor,
				    int64_t now)
{
	bool first = false;
	int r;

	if (view->state != SIG_OCCURRENCE_OPEN)
		return 0;
	r = sig_store_occurrence_end(ops->store, session->id, view->occurrence.start, now, &first);
	if (r == 0 && first)
		r = sig_audit_record(ops->store, actor, SIG_AUDIT_OCCURRENCE_ENDED, session->id, 0,
				     0, sig_occurrence_detail(view->occurrence.start, NULL));
	return r;
}

/* Ends the session (the series) for good at now, with its audit row
 * (detail: scope, and the occurrence open then, if any). */
static int sig_ops_end_for_good(struct sig_ops *ops, struct sig_session *session,
				const struct sig_occurrence_view *view, const char *actor,
				int64_t now)
{
	json_t *detail = json_pack("{s:s}", "scope", "series");
	int r;

	session->ended_at = session->updated_at = now;
	r = sig_store_session_update(ops->store, session);
	if (view->state == SIG_OCCURRENCE_OPEN || view->state == SIG_OCCURRENCE_ENDED)
		json_object_set_new(detail, "occurrence", sig_json_time(view->occurrence.start));
	if (r == 0)
		r = sig_audit_record(ops->store, actor, SIG_AUDIT_SESSION_ENDED, session->id, 0, 0,
				     detail);
	else
		json_decref(detail);
	return r;
}

/* Loads the session and its occurrences at now, in the operation's
 * transaction (begun here). */
static int sig_ops_load(struct sig_ops *ops, int64_t session_id, int64_t now,
			struct sig_session *session, struct sig_occurrence_view *view)
{
	int r = sig_store_begin(ops->store);

	if (r == 0)
		r = sig_store_session_get(ops->store, session_id, session);
	if (r == 0)
		r = sig_occurrence_view(ops->store, session, now, view);
	return r;
}

/* The end of an operation that ended something: committed, the people in
 * the session disconnected (also when it had ended already: nobody stays in
 * an ended session or occurrence), and the session handed back. */
static int sig_ops_ended(struct sig_ops *ops, int r, struct sig_session *session,
			 struct sig_session *ret_session)
{
	r = sig_ops_finish(ops, r);
	if (r < 0) {
		sig_session_clear(session);
		return r;
	}
	sig_ops_session_ended(ops, session->id, "ended");
	if (ret_session)
		*ret_session = *session;
	else
		sig_session_clear(session);
	return 0;
}

int sig_ops_end_session(struct sig_ops *ops, int64_t session_id, const char *actor, int64_t now,
			struct sig_session *ret_session)
{
	struct sig_session session = {0};
	struct sig_occurrence_view view;
	int r = sig_ops_load(ops, session_id, now, &session, &view);

	if (r == 0 && !session.ended_at) {
		r = sig_ops_close_occurrence(ops, &session, &view, actor, now);
		if (r == 0)
			r = sig_ops_end_for_good(ops, &session, &view, actor, now);
	}
	r = sig_ops_publish_gone(ops, r, SIG_NODE_EVENT_ENDED, session_id, 0);
	return sig_ops_ended(ops, r, &session, ret_session);
}

int sig_ops_end_occurrence(struct sig_ops *ops, int64_t session_id, const char *actor, int64_t now,
			   struct sig_session *ret_session)
{
	struct sig_session session = {0};
	struct sig_occurrence_view view;
	int r = sig_ops_load(ops, session_id, now, &session, &view);

	if (r == 0 &&
	    (view.state == SIG_OCCURRENCE_NOT_OPEN_YET || view.state == SIG_OCCURRENCE_OVER))
		r = -ESRCH;
	if (r == 0)
		r = sig_ops_close_occurrence(ops, &session, &view, actor, now);
	/* A one-off has no next occurrence: it ends for good, as it always
	 * did. */
	if (r == 0 && !session.ended_at && session.schedule.kind == SIG_SCHEDULE_ONCE)
		r = sig_ops_end_for_good(ops, &session, &view, actor, now);
	r = sig_ops_publish_gone(ops, r, SIG_NODE_EVENT_ENDED, session_id, 0);
	return sig_ops_ended(ops, r, &session, ret_session);
}

int sig_ops_delete_session(struct sig_ops *ops, int64_t session_id, const char *actor)
{
	int r = sig_store_begin(ops->store);

	if (r == 0)
		r = sig_store_session_delete(ops->store, session_id);
	if (r == 0)
		r = sig_audit_record(ops->store, actor, SIG_AUDIT_SESSION_DELETED, session_id, 0, 0,
				     NULL);
	r = sig_ops_publish_gone(ops, r, SIG_NODE_EVENT_DELETED, session_id, 0);
	r = sig_ops_finish(ops, r);
	if (r == 0)
		sig_ops_session_ended(ops, session_id, "deleted");
	return r;
}

int sig_ops_remove_entry(struct sig_ops *ops, int64_t session_id, int64_t entry_id,
			 const char *actor, int64_t now, const char *participant_id)
{
	struct sig_roster_entry entry = {0};
	int r = sig_store_begin(ops->store);

	if (r == 0)
		r = sig_store_roster_get(ops->store, entry_id, &entry);
	if (r == 0 && entry.session_id != session_id)
		r = -ENOENT; /* ids do not cross sessions */
	if (r == 0) {
		entry.removed_at = entry.updated_at = now;
		r = sig_store_roster_update(ops->store, &entry);
	}
	if (r == 0)
		r = sig_invite_revoke_entry(ops->store, session_id, entry_id, now, actor,
					    "removed");
	if (r == 0)
		r = sig_audit_record(ops->store, actor, SIG_AUDIT_REMOVE, session_id, entry_id, 0,
				     sig_audit_participant_detail(participant_id, NULL));
	sig_roster_entry_clear(&entry);
	r = sig_ops_publish_gone(ops, r, SIG_NODE_EVENT_REMOVED, session_id, entry_id);
	r = sig_ops_finish(ops, r);
	if (r == 0)
		sig_ops_entry_removed(ops, session_id, entry_id);
	return r;
}

int sig_ops_delete_entry(struct sig_ops *ops, int64_t session_id, int64_t entry_id,
			 const char *actor)
{
	int r = sig_store_begin(ops->store);

	if (r == 0)
		r = sig_store_roster_delete(ops->store, entry_id);
	if (r == 0)
		r = sig_audit_record(ops->store, actor, SIG_AUDIT_ROSTER_DELETED, session_id,
				     entry_id, 0, NULL);
	r = sig_ops_publish_gone(ops, r, SIG_NODE_EVENT_REMOVED, session_id, entry_id);
	r = sig_ops_finish(ops, r);
	if (r == 0)
		sig_ops_entry_removed(ops, session_id, entry_id);
	return r;
}
