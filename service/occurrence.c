#include "service/occurrence.h"

#include <errno.h>
#include <string.h>

#include "model/domain_json.h"
#include "service/audit.h"

static const char *const state_names[] = {
    [SIG_OCCURRENCE_OPEN] = "open",
    [SIG_OCCURRENCE_ENDED] = "ended",
    [SIG_OCCURRENCE_NOT_OPEN_YET] = "not_open_yet",
    [SIG_OCCURRENCE_OVER] = "over",
    [SIG_OCCURRENCE_SESSION_ENDED] = "session_ended",
};

const char *sig_occurrence_state_name(enum sig_occurrence_state state)
{
	return state_names[state];
}

json_t *sig_occurrence_detail(int64_t start, json_t *extra)
{
	json_t *detail = json_pack("{s:o}", "occurrence", sig_json_time(start));

	if (extra)
		json_object_update(detail, extra);
	json_decref(extra);
	return detail;
}

/* The occurrence after the one that holds now (ended early): the next
 * window to open once this one closes, if any. */
static void sig_occurrence_after(const struct sig_session *session, struct sig_occurrence_view *v)
{
	struct sig_occurrence next;

	switch (sig_schedule_at(&session->schedule, v->occurrence.closes_at, &next)) {
	case SIG_SCHEDULE_OPEN:
	case SIG_SCHEDULE_NOT_OPEN_YET:
		if (next.start > v->occurrence.start) {
			v->has_next = true;
			v->next = next;
		}
		break;
	case SIG_SCHEDULE_OVER:
		break;
	}
}

int sig_occurrence_view(struct sig_store *store, const struct sig_session *session, int64_t now,
			struct sig_occurrence_view *ret_view)
{
	struct sig_occurrence_view v = {0};
	enum sig_schedule_state state = sig_schedule_at(&session->schedule, now, &v.occurrence);
	int r;

	if (state != SIG_SCHEDULE_OVER || session->schedule.kind == SIG_SCHEDULE_ONCE) {
		r = sig_store_occurrence_get(store, session->id, v.occurrence.start, &v.record);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (session->ended_at)
		v.state = SIG_OCCURRENCE_SESSION_ENDED;
	else if (state == SIG_SCHEDULE_OVER)
		v.state = SIG_OCCURRENCE_OVER;
	else if (state == SIG_SCHEDULE_NOT_OPEN_YET)
		v.state = SIG_OCCURRENCE_NOT_OPEN_YET;
	else if (v.record.ended_at)
		v.state = SIG_OCCURRENCE_ENDED;
	else
		v.state = SIG_OCCURRENCE_OPEN;

	if (v.state == SIG_OCCURRENCE_OPEN || v.state == SIG_OCCURRENCE_NOT_OPEN_YET) {
		v.has_next = true;
		v.next = v.occurrence;
	} else if (v.state == SIG_OCCURRENCE_ENDED) {
		sig_occurrence_after(session, &v);
	}
	*ret_view = v;
	return 0;
}

/* The invite's "nearly used up" row, the first time a use leaves it so. */
static int sig_occurrence_invite_low(struct sig_store *store, const struct sig_invite *invite,
				     int64_t start, int64_t now)
{
	bool first = false;
	int r;

	if (!sig_invite_nearly_used_up(invite))
		return 0;
	r = sig_store_invite_note_low(store, invite->id, now, &first);
	if (r < 0 || !first)
		return r;
	return sig_audit_record(
	    store, "system", SIG_AUDIT_INVITE_LOW, invite->session_id, invite->roster_entry_id,
	    invite->id,
	    sig_occurrence_detail(start, json_pack("{s:i,s:i}", "max_uses", invite->max_uses,
						   "remaining", sig_invite_remaining(invite))));
}

int sig_occurrence_note_join(struct sig_store *store, struct sig_invite *invite, int64_t start,
			     int64_t now, const char *actor)
{
	bool first = false, new_use = false;
	int r = sig_store_occurrence_joined(store, invite->session_id, start, now, &first);

	if (r == 0 && first)
		r = sig_audit_record(store, actor, SIG_AUDIT_OCCURRENCE_STARTED, invite->session_id,
				     invite->roster_entry_id, 0,
				     sig_occurrence_detail(start, NULL));
	if (r == 0)
		r = sig_store_invite_use(store, invite->id, start, now, &new_use);
	if (r < 0)
		return r; /* -EDQUOT: used up, by another node since it was read */
	/* The store counted it (sig_store_invite_use); the copy read before
	 * may be stale when another node counted one meanwhile. */
	if (new_use)
		r = sig_store_invite_get(store, invite->id, invite);
	if (r < 0)
		return r;
	invite->last_used_at = now;
	r = sig_store_invite_update(store, invite);
	if (r == 0 && new_use)
		r = sig_occurrence_invite_low(store, invite, start, now);
	return r;
}
