/* /api/v1/sessions/{id}/occurrences: the recent, current and next
 * occurrences of a session, and ending today's (what a host's in-call
 * "end" does). */
#include <errno.h>
#include <stdint.h>

#include "admin/api_call.h"
#include "service/session_ops.h"

#define SIG_API_OCCURRENCES_DEFAULT 10

/* A recorded occurrence before the current or next one: "ended" when a
 * host ended it, else "past". */
static const char *sig_api_recorded_state(const struct sig_occurrence_record *rec)
{
	return rec->ended_at ? "ended" : "past";
}

/* ?limit= (1..SIG_OCCURRENCES_LIST_MAX) of recent occurrences; answers
 * 400 when bad. */
static int sig_api_occurrences_limit(struct sig_api_call *call, int *ret_limit)
{
	char text[32];
	int len = sig_http_query(call->req, "limit", text, sizeof(text));
	int64_t v;

	*ret_limit = SIG_API_OCCURRENCES_DEFAULT;
	if (len < 0)
		return 0;
	if (sig_api_parse_id(text, (size_t)len, &v) < 0 || v > SIG_OCCURRENCES_LIST_MAX) {
		sig_api_invalid(call, "limit", "must be 1..50");
		return -EINVAL;
	}
	*ret_limit = (int)v;
	return 0;
}

/* {"items": [...]}, newest first: the next occurrence when it is not the
 * current one, the current one (its window holds now), then at most limit
 * recorded ones before it (someone joined, or a host ended them). */
void sig_api_occurrences_list(struct sig_api_call *call)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_occurrence_record));
	struct sig_session session = {0};
	struct sig_occurrence_view view;
	struct sig_occurrence_record none = {0};
	int64_t before = INT64_MAX;
	json_t *items;
	int limit, r;

	if (sig_api_occurrences_limit(call, &limit) < 0 ||
	    sig_api_load_session(call, call->ids[0], &session) < 0)
		return;
	r = sig_occurrence_view(call->api->store, &session, call->now, &view);
	sig_session_clear(&session);
	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	items = json_array();
	if (view.has_next && view.next.start != view.occurrence.start) {
		none.start = view.next.start;
		json_array_append_new(items,
				      sig_api_occurrence_json(&view.next, &none, "upcoming"));
	} else if (view.state == SIG_OCCURRENCE_NOT_OPEN_YET) {
		json_array_append_new(items,
				      sig_api_occurrence_json(&view.occurrence, &none, "upcoming"));
	}
	if (view.state == SIG_OCCURRENCE_OPEN || view.state == SIG_OCCURRENCE_ENDED) {
		view.record.start = view.occurrence.start;
		json_array_append_new(
		    items, sig_api_occurrence_json(&view.occurrence, &view.record,
						   view.record.ended_at ? "ended" : "open"));
		before = view.occurrence.start;
	} else if (view.state == SIG_OCCURRENCE_NOT_OPEN_YET) {
		before = view.occurrence.start;
	}
	r = sig_store_occurrence_list(call->api->store, call->ids[0], before, limit, rows);
	if (r < 0) {
		json_decref(items);
		sig_api_store_error(call, r, "session");
		return;
	}
	for (guint i = 0; i < rows->len; i++) {
		const struct sig_occurrence_record *rec =
		    &g_array_index(rows, struct sig_occurrence_record, i);
		json_array_append_new(
		    items, sig_api_occurrence_json(NULL, rec, sig_api_recorded_state(rec)));
	}
	json_t *body = json_pack("{s:o}", "items", items);
	sig_http_respond_json(call->req, 200, body);
	json_decref(body);
}

/* Ends the occurrence open now, as a host's in-call "end" does: everyone
 * out, no join until the next one; the series and its links stay. */
void sig_api_occurrences_end_current(struct sig_api_call *call)
{
	struct sig_session session = {0};
	json_t *body;
	int r =
	    sig_ops_end_occurrence(call->api->ops, call->ids[0], call->actor, call->now, &session);

	if (r == -ESRCH) {
		sig_api_error(call, 409, "not_open", "no occurrence of this session is open now");
		return;
	}
	if (r < 0) {
		sig_api_store_error(call, r, "session");
		return;
	}
	body = sig_api_session_json(call->api->store, &session, call->now);
	sig_http_respond_json(call->req, 200, body);
	json_decref(body);
	sig_session_clear(&session);
}
