/* What the admin API's handlers share: the call being served, strict JSON
 * field readers, and error answers. Private to admin/api*.c. */
#ifndef HEARTH_ADMIN_API_CALL_H
#define HEARTH_ADMIN_API_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "admin/api_path.h"
#include "config/cfg.h"
#include "service/audit.h"
#include "service/occurrence.h"
#include "model/domain.h"
#include "model/domain_json.h"
#include "service/ratelimit.h"
#include "http/http.h"
#include "store/store.h"

#define SIG_API_LIST_DEFAULT 50

struct sig_ops;

struct sig_api {
	struct sig_store *store;       /* borrowed */
	struct sig_ops *ops;	       /* borrowed: the operations that disconnect people */
	struct sig_ratelimit *limiter; /* borrowed */
	struct cfg_api_key keys[CFG_API_KEYS_MAX];
	int key_count;
	char *public_url;
};

/* One request, after authentication and routing. */
struct sig_api_call {
	struct sig_api *api;
	struct sig_http_request *req;
	int64_t ids[SIG_API_PATH_IDS]; /* the {id} segments of the path, in order */
	char participant_id[SIG_API_PARTICIPANT_ID_SIZE]; /* the {participant_id} segment, or "" */
	json_t *body;	   /* the parsed body object, or NULL when none was sent */
	const char *actor; /* "admin-socket" or "api-key:<name>" */
	int64_t now;	   /* Unix seconds, read once per call */
	/* Whose idempotency keys these are (api_idempotency.c): an HMAC of
	 * the caller's API key, or a constant for the admin socket. */
	uint8_t scope[CRYPTO_SHA256_BYTES];
};

typedef void (*sig_api_handler)(struct sig_api_call *call);

/* Error answers: {"error":{"code","message"[,"field"]}}. */
void sig_api_error(struct sig_api_call *call, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sig_api_invalid(struct sig_api_call *call, const char *field, const char *problem);
/* Maps a store error to 404, 409 or 500. */
void sig_api_store_error(struct sig_api_call *call, int r, const char *what);

/* Strict body checks. Each returns 0, or -EINVAL after answering 400 with
 * the field named. */
struct sig_api_field {
	const char *name;
	json_type type; /* JSON_TRUE stands for "a boolean" */
	bool required;
	bool nullable; /* null is accepted too */
};
int sig_api_check_fields(struct sig_api_call *call, const json_t *object, const char *prefix,
			 const struct sig_api_field *fields, size_t count);
/* The body must be a JSON object (an absent body counts as {} when
 * allow_empty). */
int sig_api_require_body(struct sig_api_call *call, bool allow_empty);

/* ?limit= and ?after= for lists; answers 400 and returns -EINVAL when bad. */
int sig_api_page(struct sig_api_call *call, int64_t *ret_after, int *ret_limit);

/* {"items": items, "next_after": last id or null}; takes items. */
void sig_api_respond_page(struct sig_api_call *call, json_t *items, int limit, int64_t last_id);

/* Appends one audit row (takes detail, which may be NULL); on failure the
 * caller's transaction must roll back. */
int sig_api_audit(struct sig_api_call *call, enum sig_audit_kind kind, int64_t session_id,
		  int64_t roster_entry_id, int64_t invite_id, json_t *detail);

/* JSON forms of the domain rows (new references). */
json_t *sig_api_session_json(struct sig_store *store, const struct sig_session *session,
			     int64_t now);
/* One occurrence: its window (when occ is not NULL, else just its start),
 * state ("open", "ended", "upcoming", "past") and what was recorded. */
json_t *sig_api_occurrence_json(const struct sig_occurrence *occ,
				const struct sig_occurrence_record *record, const char *state);
json_t *sig_api_roster_json(const struct sig_roster_entry *entry);
json_t *sig_api_invite_json(const struct sig_invite *invite);

/* {"fields": [names of body's members]}: what a PATCH changed, for the audit
 * row, without the values (a name or title may identify a person). */
json_t *sig_api_changed_fields(const json_t *body);

/* Status of a session in a view of its occurrences: "ended" (the series),
 * "open", "occurrence_ended" (today's was ended; the next opens later),
 * "not_open_yet" or "over". */
const char *sig_api_session_status(const struct sig_occurrence_view *view);

/* Handlers, by resource (api_sessions.c, api_roster.c, api_invites.c,
 * api_participants.c, api_audit.c). */
void sig_api_sessions_create(struct sig_api_call *call);
void sig_api_sessions_list(struct sig_api_call *call);
void sig_api_sessions_get(struct sig_api_call *call);
void sig_api_sessions_update(struct sig_api_call *call);
void sig_api_sessions_delete(struct sig_api_call *call);
void sig_api_sessions_end(struct sig_api_call *call);
void sig_api_occurrences_list(struct sig_api_call *call);
void sig_api_occurrences_end_current(struct sig_api_call *call);
void sig_api_roster_create(struct sig_api_call *call);
void sig_api_roster_list(struct sig_api_call *call);
void sig_api_roster_get(struct sig_api_call *call);
void sig_api_roster_update(struct sig_api_call *call);
void sig_api_roster_delete(struct sig_api_call *call);
void sig_api_invites_create(struct sig_api_call *call);
void sig_api_invites_list(struct sig_api_call *call);
void sig_api_invites_get(struct sig_api_call *call);
void sig_api_invites_revoke(struct sig_api_call *call);
void sig_api_participants_list(struct sig_api_call *call);
void sig_api_participants_remove(struct sig_api_call *call);
void sig_api_participants_mute(struct sig_api_call *call);
void sig_api_participants_to_waiting(struct sig_api_call *call);
void sig_api_participants_admit(struct sig_api_call *call);
void sig_api_audit_list(struct sig_api_call *call);
void sig_api_audit_verify(struct sig_api_call *call);

/* Idempotency-Key on POSTs (api_idempotency.c). begin() returns 0 to go
 * on (idem->active when the answer is to be kept), or a negative code when
 * it answered: a replayed answer, 409 for a key used with another request,
 * 400 for a bad key, 500. end() keeps a successful answer; both wipe idem. */
struct sig_api_idempotency {
	bool active;
	uint8_t lookup[CRYPTO_SHA256_BYTES];
	uint8_t mac_key[CRYPTO_SHA256_BYTES];
	uint8_t seal_key[CRYPTO_SHA256_BYTES];
	uint8_t request_mac[CRYPTO_SHA256_BYTES];
};
int sig_api_idempotency_begin(struct sig_api_call *call, struct sig_api_idempotency *idem);
void sig_api_idempotency_end(struct sig_api_call *call, struct sig_api_idempotency *idem);

/* GET /api/v1/openapi.json: the API's description, built in (api_openapi.c). */
void sig_api_openapi_get(struct sig_api_call *call);

/* An external_id (string or null) and metadata (object or null) from body
 * into *external_id and *metadata (replaced when present). Answers 400 and
 * returns -EINVAL on a problem (api_json.c). */
int sig_api_apply_labels(struct sig_api_call *call, const json_t *body, char **external_id,
			 char **metadata);

/* Ends a transaction the handler began: commits when r is 0, else rolls
 * back. Returns 0, or answers the error (what names the resource for 404)
 * and returns it. */
int sig_api_finish(struct sig_api_call *call, int r, const char *what);

/* Loads a session, or answers 404 and returns -ENOENT. */
int sig_api_load_session(struct sig_api_call *call, int64_t id, struct sig_session *ret_session);
/* Loads a roster entry of that session, or answers 404. */
int sig_api_load_entry(struct sig_api_call *call, int64_t session_id, int64_t entry_id,
		       struct sig_roster_entry *ret_entry);

#endif
