#include "service/participant_ops.h"

#include <errno.h>

#include "service/audit.h"
#include "service/ops_internal.h"

static const struct sig_participant_listener *sig_ops_people(const struct sig_ops *ops)
{
	return ops->listener ? ops->listener->participants : NULL;
}

json_t *sig_ops_participants(struct sig_ops *ops, int64_t session_id)
{
	const struct sig_participant_listener *people = sig_ops_people(ops);
	json_t *list = people ? people->list(ops->listener_data, session_id) : json_array();

	sig_ops_remote_list(ops, session_id, list); /* several nodes: the others' */
	return list;
}

/* Applies change and writes its audit row (kind, detail extra: taken). */
static int sig_ops_change(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			  const struct sig_participant_change *change, enum sig_audit_kind kind,
			  json_t *extra)
{
	const struct sig_participant_listener *people = sig_ops_people(ops);
	int64_t entry_id = 0;
	int r = people ? people->apply(ops->listener_data, session_id, participant_id, change,
				       &entry_id)
		       : -ENOENT;

	/* Not here: connected to another node, which is asked to do it. */
	if (r == -ENOENT)
		return sig_ops_remote_change(ops, session_id, participant_id, change, (int)kind,
					     extra);
	if (r < 0) {
		json_decref(extra);
		return r;
	}
	sig_audit_participant(ops->store, change->actor, kind, session_id, entry_id, participant_id,
			      extra);
	return 0;
}

int sig_ops_to_waiting(struct sig_ops *ops, int64_t session_id, const char *participant_id,
		       const char *actor)
{
	const struct sig_participant_change change = {.op = SIG_PARTICIPANT_TO_WAITING,
						      .actor = actor};

	return sig_ops_change(ops, session_id, participant_id, &change, SIG_AUDIT_TO_WAITING, NULL);
}

int sig_ops_admit(struct sig_ops *ops, int64_t session_id, const char *participant_id,
		  const char *actor)
{
	const struct sig_participant_change change = {.op = SIG_PARTICIPANT_ADMIT, .actor = actor};

	return sig_ops_change(ops, session_id, participant_id, &change, SIG_AUDIT_ADMIT, NULL);
}

int sig_ops_mute(struct sig_ops *ops, int64_t session_id, const char *participant_id,
		 unsigned kinds, bool lock, const char *actor)
{
	const struct sig_participant_change change = {
	    .op = SIG_PARTICIPANT_MUTE, .mute = kinds, .lock = lock, .actor = actor};
	json_t *names = json_array();

	if (!kinds || (kinds & ~(SIG_OPS_MUTE_AUDIO | SIG_OPS_MUTE_VIDEO))) {
		json_decref(names);
		return -EINVAL;
	}
	if (kinds & SIG_OPS_MUTE_AUDIO)
		json_array_append_new(names, json_string("audio"));
	if (kinds & SIG_OPS_MUTE_VIDEO)
		json_array_append_new(names, json_string("video"));
	return sig_ops_change(ops, session_id, participant_id, &change, SIG_AUDIT_MUTE,
			      json_pack("{s:o,s:b}", "kinds", names, "locked", lock));
}

int sig_ops_remove_participant(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			       const char *actor, int64_t now)
{
	const struct sig_participant_listener *people = sig_ops_people(ops);
	int64_t entry_id = 0;
	int r = people ? people->find(ops->listener_data, session_id, participant_id, &entry_id)
		       : -ENOENT;

	if (r == -ENOENT) /* connected to another node: the removal reaches it */
		r = sig_ops_remote_find(ops, session_id, participant_id, &entry_id);
	if (r < 0)
		return r;
	return sig_ops_remove_entry(ops, session_id, entry_id, actor, now, participant_id);
}
