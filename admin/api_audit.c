/* /api/v1/audit: the access log, and the check of its hash chain. */
#include <errno.h>
#include <string.h>

#include "admin/api_call.h"

static json_t *sig_api_audit_json(const struct sig_audit_event *e)
{
	char at[64], hash[CRYPTO_SHA256_HEX + 1];
	json_t *detail = json_loads(e->detail, 0, NULL);
	time_t secs = (time_t)(e->at_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(e->at_ms % 1000));
	crypto_hex(e->hash, sizeof(e->hash), hash);
	return json_pack(
	    "{s:I,s:s,s:s,s:o,s:o,s:o,s:s,s:o,s:s}", "id", (json_int_t)e->id, "at", at, "kind",
	    sig_audit_kind_name(e->kind), "session_id",
	    e->session_id ? json_integer(e->session_id) : json_null(), "roster_entry_id",
	    e->roster_entry_id ? json_integer(e->roster_entry_id) : json_null(), "invite_id",
	    e->invite_id ? json_integer(e->invite_id) : json_null(), "actor", e->actor, "detail",
	    detail ? detail : json_object(), "hash", hash);
}

void sig_api_audit_list(struct sig_api_call *call)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_audit_event));
	int64_t after, session_id = 0;
	char buf[32];
	int limit, r;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_audit_event_clear);
	if (sig_api_page(call, &after, &limit) < 0)
		return;
	if (sig_http_query(call->req, "session", buf, sizeof(buf)) >= 0) {
		int64_t v;
		if (sig_api_parse_id(buf, strlen(buf), &v) < 0) {
			sig_api_invalid(call, "session", "must be a positive id");
			return;
		}
		session_id = v;
	}
	r = sig_store_audit_list(call->api->store, session_id, after, limit, rows);
	if (r < 0) {
		sig_api_store_error(call, r, "audit row");
		return;
	}
	json_t *items = json_array();
	for (guint i = 0; i < rows->len; i++)
		json_array_append_new(
		    items, sig_api_audit_json(&g_array_index(rows, struct sig_audit_event, i)));
	sig_api_respond_page(
	    call, items, limit,
	    rows->len ? g_array_index(rows, struct sig_audit_event, rows->len - 1).id : 0);
}

void sig_api_audit_verify(struct sig_api_call *call)
{
	int64_t rows = 0, first_bad = 0;
	g_autofree char *problem = NULL;
	json_t *body;
	int r = sig_store_audit_verify(call->api->store, &rows, &first_bad, &problem);

	if (r == 0) {
		body = json_pack("{s:b,s:I}", "ok", 1, "rows", (json_int_t)rows);
	} else if (r == -EBADMSG) {
		body = json_pack("{s:b,s:I,s:I,s:s}", "ok", 0, "rows", (json_int_t)rows,
				 "first_bad_id", (json_int_t)first_bad, "problem",
				 problem ? problem : "the chain is broken");
	} else {
		sig_api_store_error(call, r, "audit row");
		return;
	}
	sig_http_respond_json(call->req, 200, body);
	json_decref(body);
}
