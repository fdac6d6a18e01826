/* Who is present in a session now, and what a host can do to one of
 * them, through the admin API (docs/admin-api.md, "Participants"): remove,
 * mute, send back to the waiting room, admit. The operations are
 * service/participant_ops.h's, shared with the hosts' requests in the
 * client protocol; they are audited with the API key as the actor.
 * Display names are in the answers (the API is authenticated), never in
 * logs. */
#include <errno.h>
#include <string.h>

#include "admin/api_call.h"
#include "http/server.h"
#include "service/participant_ops.h"

/* Answers 404 unless the path's session exists. */
static int sig_api_session_exists(struct sig_api_call *call)
{
	struct sig_session session = {0};
	int r = sig_api_load_session(call, call->ids[0], &session);

	sig_session_clear(&session);
	return r;
}

void sig_api_participants_list(struct sig_api_call *call)
{
	if (sig_api_session_exists(call) < 0)
		return;
	json_t *body =
	    json_pack("{s:o}", "items", sig_ops_participants(call->api->ops, call->ids[0]));

	sig_http_respond_json(call->req, 200, body);
	json_decref(body);
}

/* 200 with the participant as the list shows it now. */
static void sig_api_respond_participant(struct sig_api_call *call)
{
	json_t *all = sig_ops_participants(call->api->ops, call->ids[0]), *p;
	size_t i;

	json_array_foreach(all, i, p)
	{
		if (strcmp(json_string_value(json_object_get(p, "participant_id")),
			   call->participant_id) == 0) {
			sig_http_respond_json(call->req, 200, p);
			json_decref(all);
			return;
		}
	}
	json_decref(all);
	sig_http_respond_empty(call->req, 204); /* gone in between: nothing to show */
}

/* Answers an operation's error: nobody of that id in this session (404),
 * already in the state asked for (409 code conflict_code), or the store. */
static void sig_api_participant_error(struct sig_api_call *call, int r, const char *conflict_code,
				      const char *conflict)
{
	if (r == -ENOENT)
		sig_api_error(call, 404, "not_found",
			      "nobody of that participant id is in this "
			      "session");
	else if (r == -EALREADY && conflict_code && conflict)
		sig_api_error(call, 409, conflict_code, "%s", conflict);
	else
		sig_api_store_error(call, r, "participant");
}

/* No body, or {}: these operations take no fields. */
static int sig_api_no_fields(struct sig_api_call *call)
{
	if (sig_api_require_body(call, true) < 0)
		return -EINVAL;
	return sig_api_check_fields(call, call->body, NULL, NULL, 0);
}

void sig_api_participants_remove(struct sig_api_call *call)
{
	int r;

	if (sig_api_no_fields(call) < 0 || sig_api_session_exists(call) < 0)
		return;
	r = sig_ops_remove_participant(call->api->ops, call->ids[0], call->participant_id,
				       call->actor, call->now);
	if (r < 0) {
		sig_api_participant_error(call, r, NULL, NULL);
		return;
	}
	sig_http_respond_empty(call->req, 204);
}

static const struct sig_api_field mute_fields[] = {
    {"kind", JSON_STRING, true},
    {"lock", JSON_TRUE, false},
};

void sig_api_participants_mute(struct sig_api_call *call)
{
	unsigned kinds = 0;
	int r;

	if (sig_api_require_body(call, false) < 0 ||
	    sig_api_check_fields(call, call->body, NULL, mute_fields, G_N_ELEMENTS(mute_fields)) <
		0)
		return;
	const char *kind = json_string_value(json_object_get(call->body, "kind"));
	if (strcmp(kind, "audio") == 0)
		kinds = SIG_OPS_MUTE_AUDIO;
	else if (strcmp(kind, "video") == 0)
		kinds = SIG_OPS_MUTE_VIDEO;
	else {
		sig_api_invalid(call, "kind", "must be \"audio\" or \"video\"");
		return;
	}
	if (sig_api_session_exists(call) < 0)
		return;
	r = sig_ops_mute(call->api->ops, call->ids[0], call->participant_id, kinds,
			 json_is_true(json_object_get(call->body, "lock")), call->actor);
	if (r < 0) {
		sig_api_participant_error(call, r, NULL, NULL);
		return;
	}
	sig_api_respond_participant(call);
}

void sig_api_participants_to_waiting(struct sig_api_call *call)
{
	int r;

	if (sig_api_no_fields(call) < 0 || sig_api_session_exists(call) < 0)
		return;
	r = sig_ops_to_waiting(call->api->ops, call->ids[0], call->participant_id, call->actor);
	if (r < 0) {
		sig_api_participant_error(call, r, "already_waiting",
					  "that participant is in the waiting room already");
		return;
	}
	sig_api_respond_participant(call);
}

void sig_api_participants_admit(struct sig_api_call *call)
{
	int r;

	if (sig_api_no_fields(call) < 0 || sig_api_session_exists(call) < 0)
		return;
	r = sig_ops_admit(call->api->ops, call->ids[0], call->participant_id, call->actor);
	if (r < 0) {
		sig_api_participant_error(call, r, "not_waiting",
					  "that participant is not in the waiting room");
		return;
	}
	sig_api_respond_participant(call);
}
