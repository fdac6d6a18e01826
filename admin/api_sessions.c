/* /api/v1/sessions: create, list, read, change, delete, end. */
#include <errno.h>
#include <string.h>

#include "admin/api_call.h"
#include "model/metadata.h"
#include "service/session_ops.h"

static const struct sig_api_field session_fields[] = {
    {"kind", JSON_STRING, true},
    {"title", JSON_STRING, true},
    {"capacity", JSON_INTEGER, false},
    {"waiting_room", JSON_TRUE, false},
    {"names_editable", JSON_TRUE, false},
    {"publish_policy", JSON_STRING, false},
    {"schedule", JSON_OBJECT, true},
    {"external_id", JSON_STRING, false, true},
    {"metadata", JSON_OBJECT, false, true},
};

/* PATCH: the same fields, none required (kind is refused by name). */
static const struct sig_api_field session_patch_fields[] = {
    {"kind", JSON_STRING, false},	    {"title", JSON_STRING, false},
    {"capacity", JSON_INTEGER, false},	    {"waiting_room", JSON_TRUE, false},
    {"names_editable", JSON_TRUE, false},   {"publish_policy", JSON_STRING, false},
    {"schedule", JSON_OBJECT, false},	    {"external_id", JSON_STRING, false, true},
    {"metadata", JSON_OBJECT, false, true},
};

/* Applies the optional fields present in body to session (kind excepted)
 * and validates the result. Answers 400 and returns -EINVAL on a problem. */
static int sig_api_apply_session(struct sig_api_call *call, const json_t *body,
				 struct sig_session *session)
{
	const char *field = NULL;
	g_autofree char *problem = NULL;
	json_t *v;

	if ((v = json_object_get(body, "title"))) {
		g_free(session->title);
		session->title = g_strdup(json_string_value(v));
	}
	if ((v = json_object_get(body, "capacity"))) {
		json_int_t c = json_integer_value(v);
		session->capacity = c < 0 || c > SIG_CAPACITY_MAX ? -1 : (int)c;
	}
	if ((v = json_object_get(body, "waiting_room")))
		session->waiting_room = json_is_true(v);
	if ((v = json_object_get(body, "names_editable")))
		session->names_editable = json_is_true(v);
	if ((v = json_object_get(body, "publish_policy")) &&
	    sig_publish_policy_parse(json_string_value(v), &session->publish_policy) < 0) {
		sig_api_invalid(call, "publish_policy", "must be \"everyone\" or \"hosts\"");
		return -EINVAL;
	}
	if ((v = json_object_get(body, "schedule")) &&
	    sig_schedule_from_json(v, &session->schedule, &field, &problem) < 0) {
		sig_api_invalid(call, field, problem);
		return -EINVAL;
	}
	if (sig_api_apply_labels(call, body, &session->external_id, &session->metadata) < 0)
		return -EINVAL;
	if (sig_session_validate(session, &field, &problem) < 0) {
		sig_api_invalid(call, field, problem);
		return -EINVAL;
	}
	return 0;
}

static void sig_api_respond_session(struct sig_api_call *call, int status,
				    const struct sig_session *session)
{
	json_t *body = sig_api_session_json(call->api->store, session, call->now);

	sig_http_respond_json(call->req, status, body);
	json_decref(body);
}

void sig_api_sessions_create(struct sig_api_call *call)
{
	struct sig_session session = {0};
	struct sig_store *store = call->api->store;
	int r;

	if (sig_api_require_body(call, false) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, session_fields,
				 G_N_ELEMENTS(session_fields)) < 0)
		return;
	if (sig_kind_parse(json_string_value(json_object_get(call->body, "kind")), &session.kind) <
	    0) {
		sig_api_invalid(call, "kind",
				"must be individual, couples, family, group or workshop");
		return;
	}
	sig_session_defaults(session.kind, &session);
	if (sig_api_apply_session(call, call->body, &session) < 0)
		goto out;
	session.created_at = session.updated_at = call->now;

	r = sig_store_begin(store);
	if (r == 0)
		r = sig_store_session_insert(store, &session);
	if (r == 0)
		r = sig_api_audit(call, SIG_AUDIT_SESSION_CREATED, session.id, 0, 0,
				  json_pack("{s:s}", "kind", sig_kind_name(session.kind)));
	if (sig_api_finish(call, r, "session") == 0)
		sig_api_respond_session(call, 201, &session);
out:
	sig_session_clear(&session);
}

void sig_api_sessions_list(struct sig_api_call *call)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_session));
	int64_t after;
	int limit, r;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_session_clear);
	if (sig_api_page(call, &after, &limit) < 0)
		return;
	/* ?external_id=: the scheduling system's own id (sent, never logged). */
	char external_id[SIG_HTTP_MAX_QUERY_ARG + 1];
	g_autofree char *problem = NULL;
	int n = sig_http_query(call->req, "external_id", external_id, sizeof(external_id));
	if (n >= 0 && sig_external_id_validate(external_id, &problem) < 0) {
		sig_api_invalid(call, "external_id", problem);
		return;
	}
	if (n >= 0)
		r = sig_store_session_list_external(call->api->store, external_id, after, limit,
						    rows);
	else
		r = sig_store_session_list(call->api->store, after, limit, rows);
	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	json_t *items = json_array();
	for (guint i = 0; i < rows->len; i++)
		json_array_append_new(
		    items,
		    sig_api_session_json(call->api->store,
					 &g_array_index(rows, struct sig_session, i), call->now));
	sig_api_respond_page(call, items, limit,
			     rows->len ? g_array_index(rows, struct sig_session, rows->len - 1).id
				       : 0);
}

void sig_api_sessions_get(struct sig_api_call *call)
{
	struct sig_session session = {0};

	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	sig_api_respond_session(call, 200, &session);
	sig_session_clear(&session);
}

void sig_api_sessions_update(struct sig_api_call *call)
{
	struct sig_session session = {0};
	struct sig_store *store = call->api->store;
	int r;

	if (sig_api_require_body(call, false) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, session_patch_fields,
				 G_N_ELEMENTS(session_patch_fields)) < 0)
		return;
	if (json_object_get(call->body, "kind")) {
		sig_api_invalid(call, "kind", "cannot be changed; create a new session");
		return;
	}
	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	if (session.ended_at) {
		sig_api_error(call, 409, "conflict", "the session has ended");
		goto out;
	}
	if (sig_api_apply_session(call, call->body, &session) < 0)
		goto out;
	session.updated_at = call->now;

	/* Lowering the capacity below the roster is allowed: everyone keeps
	 * their entry, and joins beyond the capacity are refused
	 * (session_full) while the session is that full. */
	r = sig_store_begin(store);
	if (r == 0)
		r = sig_store_session_update(store, &session);
	if (r == 0)
		r = sig_api_audit(call, SIG_AUDIT_SESSION_UPDATED, session.id, 0, 0,
				  sig_api_changed_fields(call->body));
	if (sig_api_finish(call, r, "session") == 0)
		sig_api_respond_session(call, 200, &session);
out:
	sig_session_clear(&session);
}

void sig_api_sessions_delete(struct sig_api_call *call)
{
	int r = sig_ops_delete_session(call->api->ops, call->ids[0], call->actor);

	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	sig_http_respond_empty(call->req, 204);
}

static const struct sig_api_field end_fields[] = {
    {"confirm", JSON_STRING, false},
};

/* Ends the session for good. For a weekly session that is every future
 * occurrence and every link, so it takes {"confirm": "end-series"};
 * today's occurrence alone ends with POST …/occurrences/current/end. */
void sig_api_sessions_end(struct sig_api_call *call)
{
	struct sig_session session = {0};
	const char *confirm;
	int r;

	if (sig_api_require_body(call, true) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, end_fields, G_N_ELEMENTS(end_fields)) < 0)
		return;
	confirm = json_string_value(json_object_get(call->body, "confirm"));
	if (confirm && strcmp(confirm, "end-series") != 0) {
		sig_api_invalid(call, "confirm", "must be \"end-series\"");
		return;
	}
	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	if (!confirm && session.schedule.kind == SIG_SCHEDULE_WEEKLY && !session.ended_at) {
		g_autofree char *message = g_strdup_printf(
		    "this ends every future occurrence of a weekly session and all its links; "
		    "send {\"confirm\": \"end-series\"}, or end today's occurrence with POST "
		    "/api/v1/sessions/%lld/occurrences/current/end",
		    (long long)session.id);
		json_t *body =
		    json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "confirmation_required",
			      "message", message, "field", "confirm");
		sig_http_respond_json(call->req, 400, body);
		json_decref(body);
		sig_session_clear(&session);
		return;
	}
	sig_session_clear(&session);
	r = sig_ops_end_session(call->api->ops, call->ids[0], call->actor, call->now, &session);
	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	sig_api_respond_session(call, 200, &session);
	sig_session_clear(&session);
}
