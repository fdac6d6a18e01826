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
#define SIG_OPS_SEAT_PAGES   50 /* of SIG_STORE_LIST_MAX seats read for a list */

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

/* The seat as the holder will store it once it applied change. */
static void sig_ops_seat_changed(struct sig_seat *seat, const struct sig_participant_change *change)
{
	switch (change->op) {
	case SIG_PARTICIPANT_TO_WAITING:
		seat->waiting = true;
		break;
	case SIG_PARTICIPANT_ADMIT:
		seat->waiting = false;
		break;
	case SIG_PARTICIPANT_MUTE:
		seat->muted |= change->mute;
		if (change->lock)
			seat->locked |= change->mute;
		break;
	}
}

static json_t *sig_ops_kinds_json(unsigned bits)
{
	json_t *out = json_array();

	if (bits & SIG_OPS_MUTE_AUDIO)
		json_array_append_new(out, json_string("audio"));
	if (bits & SIG_OPS_MUTE_VIDEO)
		json_array_append_new(out, json_string("video"));
	return out;
}

/* A participant connected to another node, as the list shows one: what
 * its seat and roster entry say; what only its node knows (microphone and
 * camera, a raised hand, the connection, when it joined) is null. */
static json_t *sig_ops_seat_json(struct sig_ops *ops, const struct sig_seat *seat)
{
	struct sig_roster_entry entry = {0};
	json_t *out;

	if (sig_store_roster_get(ops->store, seat->roster_entry_id, &entry) < 0)
		return NULL;
	out =
	    json_pack("{s:s,s:I,s:s,s:s,s:s,s:n,s:n,s:o,s:o,s:n,s:n,s:n,s:b}", "participant_id",
		      seat->participant_id, "roster_entry_id", (json_int_t)seat->roster_entry_id,
		      "display_name", seat->display_name ? seat->display_name : entry.display_name,
		      "role", sig_role_name(entry.role), "state",
		      seat->waiting ? "waiting" : "admitted", "audio", "video", "muted",
		      sig_ops_kinds_json(seat->muted), "locked", sig_ops_kinds_json(seat->locked),
		      "hand_raised", "connected", "joined_at", "other_node", true);
	sig_roster_entry_clear(&entry);
	return out;
}

static bool sig_ops_listed(json_t *list, const char *participant_id)
{
	size_t i;
	json_t *p;

	json_array_foreach(list, i, p)
	{
		const char *id = json_string_value(json_object_get(p, "participant_id"));
		if (id && strcmp(id, participant_id) == 0)
			return true;
	}
	return false;
}

void sig_ops_remote_list(struct sig_ops *ops, int64_t session_id, json_t *list)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_seat));
	int64_t after = 0;

	if (!*ops->node_id)
		return;
	g_array_set_clear_func(rows, (GDestroyNotify)sig_seat_clear);
	/* Seats are few (the people in calls now); SIG_OPS_SEAT_PAGES caps the
	 * walk. */
	for (int page = 0; page < SIG_OPS_SEAT_PAGES; page++) {
		g_array_set_size(rows, 0);
		if (sig_store_seat_list(ops->store, after, SIG_STORE_LIST_MAX, rows) < 0)
			return;
		for (guint i = 0; i < rows->len; i++) {
			const struct sig_seat *seat = &g_array_index(rows, struct sig_seat, i);
			after = seat->id;
			if (seat->session_id != session_id ||
			    sig_ops_listed(list, seat->participant_id))
				continue;
			json_t *one = sig_ops_seat_json(ops, seat);
			if (one)
				json_array_append_new(list, one);
		}
		if (rows->len < SIG_STORE_LIST_MAX)
			return;
	}
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
		/* The seat says what was decided at once (the admin API's answer
		 * and list show it); the holder writes it again once applied. */
		sig_ops_seat_changed(&seat, change);
		r = sig_store_seat_put(ops->store, &seat);
		if (r == 0)
			r = sig_audit_record(ops->store, change->actor,
					     (enum sig_audit_kind)audit_kind, session_id,
					     seat.roster_entry_id, 0,
					     sig_audit_participant_detail(participant_id, extra));
		else
			json_decref(extra);
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
