/* The shared operations across nodes sharing one database: applying what
 * another node published, and reaching a participant connected to another
 * node through the seat it stored. Several nodes only (sig_ops_share);
 * one node alone publishes nothing and finds no remote seat. */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "service/audit.h"
#include "service/node_event.h"
#include "service/ops_internal.h"
#include "service/participant_ops.h"

/* The actor of a change applied here on another node's word: the audit
 * row, with the real actor, was written there. */
#define SIG_OPS_REMOTE_ACTOR "another node"

static void sig_ops_apply_participant(struct sig_ops *ops, const struct sig_node_event *ev)
{
	const struct sig_participant_listener *people =
	    ops->listener ? ops->listener->participants : NULL;
	const struct sig_participant_change change = {
	    .op = ev->op, .mute = ev->mute, .lock = ev->lock, .actor = SIG_OPS_REMOTE_ACTOR};
	int64_t entry_id = 0;

	/* -ENOENT: not here (another node holds it, or it left);
	 * -EALREADY: applied already. Both are nothing to do. */
	if (people)
		people->apply(ops->listener_data, ev->session_id, ev->participant_id, &change,
			      &entry_id);
}

int sig_ops_apply_event(struct sig_ops *ops, const char *body, size_t len)
{
	struct sig_node_event ev;
	int r = sig_node_event_decode(body, len, &ev);

	if (r < 0)
		return r;
	if (!ops->listener)
		return 0;
	switch (ev.kind) {
	case SIG_NODE_EVENT_ENDED:
		ops->listener->session_ended(ops->listener_data, ev.session_id, "ended");
		break;
	case SIG_NODE_EVENT_DELETED:
		ops->listener->session_ended(ops->listener_data, ev.session_id, "deleted");
		break;
	case SIG_NODE_EVENT_REMOVED:
		ops->listener->entry_removed(ops->listener_data, ev.session_id, ev.entry_id);
		break;
	case SIG_NODE_EVENT_PARTICIPANT:
		sig_ops_apply_participant(ops, &ev);
		break;
	}
	return 0;
}

/* The seat of participant_id in session_id stored by another node. */
static int sig_ops_remote_seat(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			       struct sig_seat *ret_seat)
{
	int r;

	if (!*ops->node_id || !sig_node_event_pid_ok(participant_id, strnlen(participant_id, 32)))
		return -ENOENT;
	r = sig_store_seat_get(ops->store, participant_id, ret_seat);
	if (r == 0 && ret_seat->session_id != session_id) {
		sig_seat_clear(ret_seat);
		r = -ENOENT; /* ids do not cross sessions */
	}
	return r;
}

int sig_ops_remote_find(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			int64_t *ret_entry_id)
{
	struct sig_seat seat = {0};
	int r = sig_ops_remote_seat(ops, session_id, participant_id, &seat);

	if (r == 0)
		*ret_entry_id = seat.roster_entry_id;
	sig_seat_clear(&seat);
	return r;
}

int sig_ops_remote_change(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			  const struct sig_participant_change *change, int audit_kind,
			  json_t *extra)
{
	struct sig_node_event ev = {.kind = SIG_NODE_EVENT_PARTICIPANT,
				    .session_id = session_id,
				    .op = change->op,
				    .mute = change->mute,
				    .lock = change->lock};
	struct sig_seat seat = {0};
	int r = sig_ops_remote_seat(ops, session_id, participant_id, &seat);

	if (r == 0 && change->op == SIG_PARTICIPANT_TO_WAITING && seat.waiting)
		r = -EALREADY;
	if (r == 0 && change->op == SIG_PARTICIPANT_ADMIT && !seat.waiting)
		r = -EALREADY;
	g_strlcpy(ev.participant_id, participant_id, sizeof(ev.participant_id));
	if (r == 0)
		r = sig_store_begin(ops->store);
	if (r == 0) {
		r = sig_audit_record(ops->store, change->actor, (enum sig_audit_kind)audit_kind,
				     session_id, seat.roster_entry_id, 0,
				     sig_audit_participant_detail(participant_id, extra));
		extra = NULL; /* taken */
		if (r == 0)
			r = sig_ops_publish(ops, &ev);
		if (r == 0)
			r = sig_store_commit(ops->store);
		if (r < 0)
			sig_store_rollback(ops->store);
		if (r < 0)
			log_warn(
			    "session %lld: participant %s: the change for another node was not "
			    "written (%s)",
			    (long long)session_id, participant_id, strerror(-r));
	}
	json_decref(extra);
	sig_seat_clear(&seat);
	return r;
}
