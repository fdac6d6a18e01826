/* JSON forms of sessions, roster entries and invites for the admin API, and
 * the loaders handlers share. */
#include <errno.h>
#include <string.h>

#include "admin/api_call.h"
#include "model/domain_json.h"
#include "model/metadata.h"
#include "service/invite.h"

const char *sig_api_session_status(const struct sig_occurrence_view *view)
{
	switch (view->state) {
	case SIG_OCCURRENCE_OPEN:
		return "open";
	case SIG_OCCURRENCE_ENDED:
		return "occurrence_ended";
	case SIG_OCCURRENCE_NOT_OPEN_YET:
		return "not_open_yet";
	case SIG_OCCURRENCE_OVER:
		return "over";
	default:
		return "ended";
	}
}

/* external_id and metadata, added to a session's or entry's object. */
static json_t *sig_api_add_labels(json_t *object, const char *external_id, const char *metadata)
{
	json_object_set_new(object, "external_id",
			    external_id ? json_string(external_id) : json_null());
	json_object_set_new(object, "metadata", sig_metadata_to_json(metadata));
	return object;
}

int sig_api_apply_labels(struct sig_api_call *call, const json_t *body, char **external_id,
			 char **metadata)
{
	g_autofree char *problem = NULL, *field = NULL;
	json_t *v;

	if ((v = json_object_get(body, "external_id"))) {
		if (json_is_string(v) &&
		    sig_external_id_validate(json_string_value(v), &problem) < 0) {
			sig_api_invalid(call, "external_id", problem);
			return -EINVAL;
		}
		g_free(*external_id);
		*external_id = json_is_string(v) ? g_strdup(json_string_value(v)) : NULL;
	}
	if ((v = json_object_get(body, "metadata"))) {
		char *text = NULL;
		if (!json_is_null(v) && sig_metadata_from_json(v, &text, &field, &problem) < 0) {
			sig_api_invalid(call, field, problem);
			return -EINVAL;
		}
		g_free(*metadata);
		*metadata = text;
	}
	return 0;
}

/* {"start","end","opens_at","closes_at"} of an occurrence's window. */
static json_t *sig_api_window_json(const struct sig_occurrence *occ)
{
	return json_pack("{s:o,s:o,s:o,s:o}", "start", sig_json_time(occ->start), "end",
			 sig_json_time(occ->end), "opens_at", sig_json_time(occ->opens_at),
			 "closes_at", sig_json_time(occ->closes_at));
}

json_t *sig_api_occurrence_json(const struct sig_occurrence *occ,
				const struct sig_occurrence_record *record, const char *state)
{
	json_t *out = occ ? sig_api_window_json(occ)
			  : json_pack("{s:o}", "start", sig_json_time(record->start));

	json_object_set_new(out, "state", json_string(state));
	json_object_set_new(out, "first_join_at", sig_json_time(record->first_join_at));
	json_object_set_new(out, "ended_at", sig_json_time(record->ended_at));
	return out;
}

static json_t *sig_api_session_fields(struct sig_store *store, const struct sig_session *s,
				      int64_t now)
{
	struct sig_occurrence_view view = {0};
	json_t *current = json_null(), *next = json_null();
	const char *status;

	if (sig_occurrence_view(store, s, now, &view) < 0)
		view.state = s->ended_at ? SIG_OCCURRENCE_SESSION_ENDED : SIG_OCCURRENCE_OVER;
	status = sig_api_session_status(&view);
	/* current_occurrence: the one whose window holds now (ended by a host
	 * or not); next_occurrence: the one a join would be in, now or next. */
	if (view.state == SIG_OCCURRENCE_OPEN || view.state == SIG_OCCURRENCE_ENDED)
		current = sig_api_occurrence_json(&view.occurrence, &view.record,
						  view.record.ended_at ? "ended" : "open");
	if (view.has_next)
		next = sig_api_window_json(&view.next);
	return json_pack(
	    "{s:I,s:s,s:s,s:i,s:b,s:b,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)s->id,
	    "kind", sig_kind_name(s->kind), "title", s->title, "capacity", s->capacity,
	    "waiting_room", s->waiting_room, "names_editable", s->names_editable, "publish_policy",
	    sig_publish_policy_name(s->publish_policy), "schedule",
	    sig_schedule_to_json(&s->schedule), "status", status, "current_occurrence", current,
	    "next_occurrence", next, "ended_at", sig_json_time(s->ended_at), "created_at",
	    sig_json_time(s->created_at), "updated_at", sig_json_time(s->updated_at));
}

static json_t *sig_api_roster_fields(const struct sig_roster_entry *e)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:o,s:b,s:o,s:o,s:o}", "id", (json_int_t)e->id,
			 "session_id", (json_int_t)e->session_id, "display_name", e->display_name,
			 "role", sig_role_name(e->role), "permissions",
			 sig_json_permissions(e->permissions), "auto_admit", e->auto_admit,
			 "removed_at", sig_json_time(e->removed_at), "created_at",
			 sig_json_time(e->created_at), "updated_at", sig_json_time(e->updated_at));
}

json_t *sig_api_session_json(struct sig_store *store, const struct sig_session *s, int64_t now)
{
	return sig_api_add_labels(sig_api_session_fields(store, s, now), s->external_id,
				  s->metadata);
}

json_t *sig_api_roster_json(const struct sig_roster_entry *e)
{
	return sig_api_add_labels(sig_api_roster_fields(e), e->external_id, e->metadata);
}

json_t *sig_api_invite_json(const struct sig_invite *i)
{
	/* uses: occurrences it was used in (rejoins in one occurrence are
	 * free); nearly_used_up: time to send a new link. */
	return json_pack("{s:I,s:I,s:I,s:i,s:i,s:i,s:b,s:s,s:o,s:o,s:o}", "id", (json_int_t)i->id,
			 "session_id", (json_int_t)i->session_id, "roster_entry_id",
			 (json_int_t)i->roster_entry_id, "max_uses", i->max_uses, "uses", i->uses,
			 "remaining_uses", sig_invite_remaining(i), "nearly_used_up",
			 sig_invite_nearly_used_up(i), "state", sig_invite_state(i), "created_at",
			 sig_json_time(i->created_at), "revoked_at", sig_json_time(i->revoked_at),
			 "last_used_at", sig_json_time(i->last_used_at));
}

int sig_api_finish(struct sig_api_call *call, int r, const char *what)
{
	if (r == 0)
		r = sig_store_commit(call->api->store);
	if (r < 0) {
		sig_store_rollback(call->api->store);
		sig_api_store_error(call, r, what);
	}
	return r;
}

int sig_api_load_session(struct sig_api_call *call, int64_t id, struct sig_session *ret_session)
{
	int r = sig_store_session_get(call->api->store, id, ret_session);

	if (r < 0)
		sig_api_store_error(call, r, "session");
	return r;
}

int sig_api_load_entry(struct sig_api_call *call, int64_t session_id, int64_t entry_id,
		       struct sig_roster_entry *ret_entry)
{
	struct sig_roster_entry entry = {0};
	int r = sig_store_roster_get(call->api->store, entry_id, &entry);

	/* Another session's entry is "not found" here: ids do not cross. */
	if (r == 0 && entry.session_id != session_id) {
		sig_roster_entry_clear(&entry);
		r = -ENOENT;
	}
	if (r < 0) {
		sig_api_store_error(call, r, "roster entry");
		return r;
	}
	*ret_entry = entry;
	return 0;
}

json_t *sig_api_changed_fields(const json_t *body)
{
	json_t *names = json_array();
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)body, key, value)
	    json_array_append_new(names, json_string(key));
	return json_pack("{s:o}", "fields", names);
}
