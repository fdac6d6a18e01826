/* /api/v1/sessions/{id}/roster: who may join a session, as what. */
#include <errno.h>
#include <string.h>

#include "admin/api_call.h"
#include "service/session_ops.h"

static const struct sig_api_field roster_fields[] = {
    {"display_name", JSON_STRING, true},       {"role", JSON_STRING, true},
    {"permissions", JSON_OBJECT, false},       {"auto_admit", JSON_TRUE, false},
    {"external_id", JSON_STRING, false, true}, {"metadata", JSON_OBJECT, false, true},
};

static const struct sig_api_field roster_patch_fields[] = {
    {"display_name", JSON_STRING, false},      {"role", JSON_STRING, false},
    {"permissions", JSON_OBJECT, false},       {"auto_admit", JSON_TRUE, false},
    {"external_id", JSON_STRING, false, true}, {"metadata", JSON_OBJECT, false, true},
};

static const struct sig_api_field permission_fields[] = {
    {"publish_audio", JSON_TRUE, false}, {"publish_video", JSON_TRUE, false},
    {"share_screen", JSON_TRUE, false},	 {"subscribe", JSON_TRUE, false},
    {"moderate", JSON_TRUE, false},
};

/* Merges {"publish_video": false, ...} into *permissions. */
static int sig_api_apply_permissions(struct sig_api_call *call, const json_t *object,
				     unsigned *permissions)
{
	const char *key;
	json_t *value;

	if (sig_api_check_fields(call, object, "permissions", permission_fields,
				 G_N_ELEMENTS(permission_fields)) < 0)
		return -EINVAL;
	json_object_foreach((json_t *)object, key, value)
	{
		for (unsigned bit = 1; bit <= SIG_PERM_MODERATE; bit <<= 1) {
			if (strcmp(sig_permission_name(bit), key) != 0)
				continue;
			if (json_is_true(value))
				*permissions |= bit;
			else
				*permissions &= ~bit;
		}
	}
	return 0;
}

/* Applies body to entry; a role given without permissions resets them to
 * the role's defaults under the session's policy. */
static int sig_api_apply_entry(struct sig_api_call *call, const struct sig_session *session,
			       struct sig_roster_entry *entry, bool creating)
{
	const char *field = NULL;
	g_autofree char *problem = NULL;
	json_t *v;

	if ((v = json_object_get(call->body, "display_name"))) {
		g_free(entry->display_name);
		entry->display_name = g_strdup(json_string_value(v));
	}
	if ((v = json_object_get(call->body, "role"))) {
		if (sig_role_parse(json_string_value(v), &entry->role) < 0) {
			sig_api_invalid(call, "role",
					"must be host, cohost, client, partner, family, peer or "
					"viewer");
			return -EINVAL;
		}
		entry->permissions =
		    sig_role_default_permissions(entry->role, session->publish_policy);
		if (creating)
			entry->auto_admit = sig_role_default_auto_admit(entry->role);
	}
	if ((v = json_object_get(call->body, "permissions")) &&
	    sig_api_apply_permissions(call, v, &entry->permissions) < 0)
		return -EINVAL;
	if ((v = json_object_get(call->body, "auto_admit")))
		entry->auto_admit = json_is_true(v);
	if (sig_api_apply_labels(call, call->body, &entry->external_id, &entry->metadata) < 0)
		return -EINVAL;
	if (sig_roster_entry_validate(entry, &field, &problem) < 0) {
		sig_api_invalid(call, field, problem);
		return -EINVAL;
	}
	return 0;
}

static void sig_api_respond_entry(struct sig_api_call *call, int status,
				  const struct sig_roster_entry *entry)
{
	json_t *body = sig_api_roster_json(entry);

	sig_http_respond_json(call->req, status, body);
	json_decref(body);
}

void sig_api_roster_create(struct sig_api_call *call)
{
	struct sig_session session = {0};
	struct sig_roster_entry entry = {0};
	struct sig_store *store = call->api->store;
	int count = 0, r;

	if (sig_api_require_body(call, false) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, roster_fields,
				 G_N_ELEMENTS(roster_fields)) < 0)
		return;
	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	if (session.ended_at) {
		sig_api_error(call, 409, "conflict", "the session has ended");
		goto out;
	}
	entry.session_id = session.id;
	if (sig_api_apply_entry(call, &session, &entry, true) < 0)
		goto out;
	entry.created_at = entry.updated_at = call->now;

	r = sig_store_begin(store);
	if (r == 0)
		r = sig_store_roster_count(store, session.id, &count);
	if (r == 0 && count >= session.capacity) {
		sig_store_rollback(store);
		sig_api_error(call, 409, "capacity_exceeded", "the roster is full (%d of %d)",
			      count, session.capacity);
		goto out;
	}
	if (r == 0)
		r = sig_store_roster_insert(store, &entry);
	if (r == 0)
		r = sig_api_audit(call, SIG_AUDIT_ROSTER_ADDED, session.id, entry.id, 0,
				  json_pack("{s:s}", "role", sig_role_name(entry.role)));
	if (sig_api_finish(call, r, "session") == 0)
		sig_api_respond_entry(call, 201, &entry);
out:
	sig_roster_entry_clear(&entry);
	sig_session_clear(&session);
}

void sig_api_roster_list(struct sig_api_call *call)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_roster_entry));
	struct sig_session session = {0};
	int64_t after;
	int limit, r;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_roster_entry_clear);
	if (sig_api_page(call, &after, &limit) < 0 ||
	    sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	sig_session_clear(&session);
	r = sig_store_roster_list(call->api->store, call->ids[0], after, limit, rows);
	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	json_t *items = json_array();
	for (guint i = 0; i < rows->len; i++)
		json_array_append_new(
		    items, sig_api_roster_json(&g_array_index(rows, struct sig_roster_entry, i)));
	sig_api_respond_page(
	    call, items, limit,
	    rows->len ? g_array_index(rows, struct sig_roster_entry, rows->len - 1).id : 0);
}

void sig_api_roster_get(struct sig_api_call *call)
{
	struct sig_roster_entry entry = {0};

	if (sig_api_load_entry(call, call->ids[0], call->ids[1], &entry) < 0)
		return;
	sig_api_respond_entry(call, 200, &entry);
	sig_roster_entry_clear(&entry);
}

void sig_api_roster_update(struct sig_api_call *call)
{
	struct sig_session session = {0};
	struct sig_roster_entry entry = {0};
	struct sig_store *store = call->api->store;
	int r;

	if (sig_api_require_body(call, false) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, roster_patch_fields,
				 G_N_ELEMENTS(roster_patch_fields)) < 0)
		return;
	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	if (sig_api_load_entry(call, session.id, call->ids[1], &entry) < 0)
		goto out;
	if (sig_api_apply_entry(call, &session, &entry, false) < 0)
		goto out;
	entry.updated_at = call->now;

	r = sig_store_begin(store);
	if (r == 0)
		r = sig_store_roster_update(store, &entry);
	if (r == 0)
		r = sig_api_audit(call, SIG_AUDIT_ROSTER_UPDATED, session.id, entry.id, 0,
				  sig_api_changed_fields(call->body));
	if (sig_api_finish(call, r, "roster entry") == 0)
		sig_api_respond_entry(call, 200, &entry);
out:
	sig_roster_entry_clear(&entry);
	sig_session_clear(&session);
}

void sig_api_roster_delete(struct sig_api_call *call)
{
	struct sig_roster_entry entry = {0};
	int r;

	if (sig_api_load_entry(call, call->ids[0], call->ids[1], &entry) < 0)
		return;
	sig_roster_entry_clear(&entry);
	r = sig_ops_delete_entry(call->api->ops, call->ids[0], call->ids[1], call->actor);
	if (r < 0) {
		sig_api_store_error(call, r, "roster entry");
		return;
	}
	sig_http_respond_empty(call->req, 204);
}
