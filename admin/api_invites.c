/* Invites: /api/v1/sessions/{id}/roster/{id}/invite and
 * /api/v1/sessions/{id}/invites, plus the public /invite/check. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "admin/api_call.h"
#include "service/invite.h"
#include "core/clock.h"

void sig_invite_check_handler(void *userdata, struct sig_http_request *req);

static const struct sig_api_field invite_fields[] = {
    {"max_uses", JSON_INTEGER, false},
};

static void sig_api_respond_new_invite(struct sig_api_call *call, const struct sig_invite *inv,
				       const char *token)
{
	g_autofree char *url = g_strdup_printf("%s/join/%s", call->api->public_url, token);
	json_t *body = json_pack("{s:o,s:s,s:s}", "invite", sig_api_invite_json(inv), "token",
				 token, "url", url);

	sig_http_respond_json(call->req, 201, body);
	json_decref(body);
	crypto_wipe(url, strlen(url));
}

void sig_api_invites_create(struct sig_api_call *call)
{
	struct sig_session session = {0};
	struct sig_roster_entry entry = {0};
	struct sig_invite inv = {.max_uses = SIG_INVITE_USES_DEFAULT};
	struct sig_store *store = call->api->store;
	char token[CRYPTO_TOKEN_CHARS + 1];
	json_t *v;
	int r;

	if (sig_api_require_body(call, true) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, invite_fields,
				 G_N_ELEMENTS(invite_fields)) < 0)
		return;
	if ((v = json_object_get(call->body, "max_uses"))) {
		json_int_t n = json_integer_value(v);
		if (n < 1 || n > SIG_INVITE_USES_MAX) {
			sig_api_invalid(call, "max_uses", "must be between 1 and 1000");
			return;
		}
		inv.max_uses = (int)n;
	}
	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	if (sig_api_load_entry(call, session.id, call->ids[1], &entry) < 0)
		goto out;
	if (session.ended_at || entry.removed_at) {
		sig_api_error(call, 409, "conflict", "the %s",
			      session.ended_at ? "session has ended"
					       : "roster entry was removed from the session");
		goto out;
	}
	if (crypto_token_new(token) < 0) {
		sig_api_error(call, 500, "internal", "no random bytes for a token");
		goto out;
	}
	crypto_sha256(token, strlen(token), inv.token_hash);
	inv.session_id = session.id;
	inv.roster_entry_id = entry.id;
	inv.created_at = call->now;

	r = sig_store_begin(store);
	if (r == 0)
		/* One link per roster entry: earlier ones stop working. */
		r = sig_invite_revoke_entry(store, session.id, entry.id, call->now, call->actor,
					    "replaced");
	if (r == 0)
		r = sig_store_invite_insert(store, &inv);
	if (r == 0)
		r = sig_api_audit(call, SIG_AUDIT_INVITE_CREATED, session.id, entry.id, inv.id,
				  json_pack("{s:i}", "max_uses", inv.max_uses));
	if (sig_api_finish(call, r, "invite") == 0)
		sig_api_respond_new_invite(call, &inv, token);
	crypto_wipe(token, sizeof(token));
out:
	sig_roster_entry_clear(&entry);
	sig_session_clear(&session);
}

void sig_api_invites_list(struct sig_api_call *call)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_invite));
	struct sig_session session = {0};
	int64_t after, entry_id = 0;
	char buf[32];
	int limit, r;

	if (sig_api_page(call, &after, &limit) < 0)
		return;
	if (sig_http_query(call->req, "roster_entry", buf, sizeof(buf)) >= 0) {
		int64_t v;
		if (sig_api_parse_id(buf, strlen(buf), &v) < 0) {
			sig_api_invalid(call, "roster_entry", "must be a positive id");
			return;
		}
		entry_id = v;
	}
	if (sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	sig_session_clear(&session);
	r = sig_store_invite_list(call->api->store, call->ids[0], entry_id, after, limit, rows);
	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	json_t *items = json_array();
	for (guint i = 0; i < rows->len; i++)
		json_array_append_new(
		    items, sig_api_invite_json(&g_array_index(rows, struct sig_invite, i)));
	sig_api_respond_page(call, items, limit,
			     rows->len ? g_array_index(rows, struct sig_invite, rows->len - 1).id
				       : 0);
}

/* Loads an invite of the session in ids[0], or answers 404. */
static int sig_api_load_invite(struct sig_api_call *call, struct sig_invite *ret_invite)
{
	int r = sig_store_invite_get(call->api->store, call->ids[1], ret_invite);

	if (r == 0 && ret_invite->session_id != call->ids[0])
		r = -ENOENT;
	if (r < 0)
		sig_api_store_error(call, r, "invite");
	return r;
}

static void sig_api_respond_invite(struct sig_api_call *call, const struct sig_invite *inv)
{
	json_t *body = sig_api_invite_json(inv);

	sig_http_respond_json(call->req, 200, body);
	json_decref(body);
}

void sig_api_invites_get(struct sig_api_call *call)
{
	struct sig_invite inv;

	if (sig_api_load_invite(call, &inv) == 0)
		sig_api_respond_invite(call, &inv);
}

void sig_api_invites_revoke(struct sig_api_call *call)
{
	struct sig_store *store = call->api->store;
	struct sig_invite inv;
	int r;

	if (sig_api_load_invite(call, &inv) < 0)
		return;
	if (!inv.revoked_at) {
		inv.revoked_at = call->now;
		r = sig_store_begin(store);
		if (r == 0)
			r = sig_store_invite_update(store, &inv);
		if (r == 0)
			r = sig_api_audit(call, SIG_AUDIT_INVITE_REVOKED, inv.session_id,
					  inv.roster_entry_id, inv.id, NULL);
		if (sig_api_finish(call, r, "invite") < 0)
			return;
	}
	sig_api_respond_invite(call, &inv);
}

static void sig_invite_check_respond(struct sig_http_request *req,
				     const struct sig_invite_resolution *res)
{
	const struct sig_session *s = &res->session;
	const struct sig_roster_entry *e = &res->entry;
	const struct sig_occurrence *occ = &res->view.occurrence;
	const char *status = sig_api_session_status(&res->view);
	/* names_editable: whether the pre-join screen lets the person choose
	 * the name the others see (the join request's display_name). */
	json_t *body = json_pack(
	    "{s:{s:I,s:s,s:s,s:s,s:o,s:o,s:b},s:{s:I,s:s,s:s,s:o,s:b}}", "session", "id",
	    (json_int_t)s->id, "kind", sig_kind_name(s->kind), "title", s->title, "status", status,
	    "opens_at", sig_json_time(occ->opens_at), "closes_at", sig_json_time(occ->closes_at),
	    "names_editable", s->names_editable, "participant", "roster_entry_id",
	    (json_int_t)e->id, "display_name", e->display_name, "role", sig_role_name(e->role),
	    "permissions", sig_json_permissions(e->permissions), "auto_admit", e->auto_admit);

	sig_http_respond_json(req, 200, body);
	json_decref(body);
}

static void sig_invite_check_refuse(struct sig_http_request *req,
				    const struct sig_invite_resolution *res)
{
	json_t *error = json_pack("{s:s,s:s}", "code", sig_invite_refusal_code(res->refusal),
				  "message", sig_invite_refusal_message(res->refusal));
	json_t *extra = sig_invite_refusal_extra(res), *body;

	if (extra)
		json_object_update(error, extra);
	json_decref(extra);
	body = json_pack("{s:o}", "error", error);
	sig_http_respond_json(req, sig_invite_refusal_status(res->refusal), body);
	json_decref(body);
}

void sig_invite_check_handler(void *userdata, struct sig_http_request *req)
{
	struct sig_api *api = userdata;
	struct sig_invite_resolution res;
	int64_t now = clock_wall_s();
	int retry_after;

	if (strcmp(req->method, "POST") != 0) {
		sig_http_respond_error(req, 405, "method_not_allowed", "use POST");
		return;
	}
	if (!req->admin_socket && !sig_ratelimit_check(api->limiter, SIG_RATELIMIT_INVITE_CHECK,
						       req->peer, now * 1000, &retry_after)) {
		char value[16];
		snprintf(value, sizeof(value), "%d", retry_after);
		sig_http_add_header(req, "retry-after:", value);
		sig_http_respond_error(req, 429, "rate_limited",
				       "too many failed attempts; retry later");
		return;
	}
	json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
	json_t *token = json_object_get(body, "token");
	if (!json_is_object(body) || !json_is_string(token) || json_object_size(body) != 1) {
		sig_http_respond_error(req, 400, "bad_json", "expected {\"token\": \"...\"}");
		json_decref(body);
		return;
	}
	sig_invite_resolve(api->store, json_string_value(token), now, false, &res);
	json_decref(body);
	if (res.refusal == SIG_INVITE_OK) {
		sig_invite_check_respond(req, &res);
	} else {
		if (res.refusal != SIG_INVITE_FAILED && !req->admin_socket)
			sig_ratelimit_failed(api->limiter, req->peer, now * 1000);
		sig_invite_check_refuse(req, &res);
	}
	sig_invite_resolution_clear(&res);
}
