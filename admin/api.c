/* The admin API's front door: authentication, routing by a table of
 * patterns, body parsing, and the helpers every handler shares. */
#include "admin/api.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/parse.h"
#include "crypto/seal.h"
#include "crypto/token.h"
#include "admin/api_call.h"
#include "http/server.h"
#include "core/clock.h"

#define SIG_API_PREFIX	      "/api/v1"
#define SIG_API_MAX_KEY_BYTES 256
#define SIG_API_KEY_SCOPE     "hearth admin idempotency scope v1"
#define SIG_API_SOCKET_SCOPE  "hearth admin idempotency scope v1: admin socket"

struct sig_api_route {
	const char *method;
	const char *pattern; /* admin/api_path.h */
	sig_api_handler handler;
	bool writes;
	const char *const *query; /* the query arguments it takes; NULL: none */
};

static const char *const sig_api_q_page[] = {"after", "limit", NULL};
static const char *const sig_api_q_sessions[] = {"after", "limit", "external_id", NULL};
static const char *const sig_api_q_limit[] = {"limit", NULL};
static const char *const sig_api_q_invites[] = {"after", "limit", "roster_entry", NULL};
static const char *const sig_api_q_audit[] = {"after", "limit", "session", NULL};

static const struct sig_api_route sig_api_routes[] = {
    {"POST", "/sessions", sig_api_sessions_create, true},
    {"GET", "/sessions", sig_api_sessions_list, false, sig_api_q_sessions},
    {"GET", "/sessions/#", sig_api_sessions_get, false},
    {"PATCH", "/sessions/#", sig_api_sessions_update, true},
    {"DELETE", "/sessions/#", sig_api_sessions_delete, true},
    {"POST", "/sessions/#/end", sig_api_sessions_end, true},
    {"GET", "/sessions/#/occurrences", sig_api_occurrences_list, false, sig_api_q_limit},
    {"POST", "/sessions/#/occurrences/current/end", sig_api_occurrences_end_current, true},
    {"POST", "/sessions/#/roster", sig_api_roster_create, true},
    {"GET", "/sessions/#/roster", sig_api_roster_list, false, sig_api_q_page},
    {"GET", "/sessions/#/roster/#", sig_api_roster_get, false},
    {"PATCH", "/sessions/#/roster/#", sig_api_roster_update, true},
    {"DELETE", "/sessions/#/roster/#", sig_api_roster_delete, true},
    {"POST", "/sessions/#/roster/#/invite", sig_api_invites_create, true},
    {"GET", "/sessions/#/invites", sig_api_invites_list, false, sig_api_q_invites},
    {"GET", "/sessions/#/invites/#", sig_api_invites_get, false},
    {"DELETE", "/sessions/#/invites/#", sig_api_invites_revoke, true},
    {"GET", "/sessions/#/participants", sig_api_participants_list, false},
    {"POST", "/sessions/#/participants/$/remove", sig_api_participants_remove, true},
    {"POST", "/sessions/#/participants/$/mute", sig_api_participants_mute, true},
    {"POST", "/sessions/#/participants/$/to-waiting", sig_api_participants_to_waiting, true},
    {"POST", "/sessions/#/participants/$/admit", sig_api_participants_admit, true},
    {"GET", "/audit", sig_api_audit_list, false, sig_api_q_audit},
    {"GET", "/audit/verify", sig_api_audit_verify, false},
    {"GET", "/openapi.json", sig_api_openapi_get, false},
};

void sig_invite_check_handler(void *userdata, struct sig_http_request *req);

static const char *sig_api_type_name(json_type type)
{
	switch (type) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_TRUE:
		return "true or false";
	default:
		return "of another type";
	}
}

static bool sig_api_type_matches(const json_t *value, const struct sig_api_field *field)
{
	json_type type = field->type;

	if (field->nullable && json_is_null(value))
		return true;
	if (type == JSON_TRUE)
		return json_is_boolean(value);
	return json_typeof(value) == type;
}

int sig_api_check_fields(struct sig_api_call *call, const json_t *object, const char *prefix,
			 const struct sig_api_field *fields, size_t count)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)object, key, value)
	{
		size_t i = 0;
		while (i < count && strcmp(fields[i].name, key) != 0)
			i++;
		g_autofree char *name =
		    prefix ? g_strconcat(prefix, ".", key, NULL) : g_strdup(key);
		if (i == count) {
			sig_api_invalid(call, name, "unknown field");
			return -EINVAL;
		}
		if (!sig_api_type_matches(value, &fields[i])) {
			g_autofree char *p =
			    g_strdup_printf("must be %s%s", sig_api_type_name(fields[i].type),
					    fields[i].nullable ? " or null" : "");
			sig_api_invalid(call, name, p);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < count; i++) {
		if (fields[i].required && !json_object_get(object, fields[i].name)) {
			g_autofree char *name = prefix
						    ? g_strconcat(prefix, ".", fields[i].name, NULL)
						    : g_strdup(fields[i].name);
			sig_api_invalid(call, name, "is required");
			return -EINVAL;
		}
	}
	return 0;
}

int sig_api_require_body(struct sig_api_call *call, bool allow_empty)
{
	if (!call->body && allow_empty) {
		call->body = json_object();
		return 0;
	}
	if (!call->body) {
		sig_api_error(call, 400, "bad_json", "a JSON object body is required");
		return -EINVAL;
	}
	return 0;
}

int sig_api_page(struct sig_api_call *call, int64_t *ret_after, int *ret_limit)
{
	char buf[32];
	int64_t v;

	*ret_after = 0;
	*ret_limit = SIG_API_LIST_DEFAULT;
	if (sig_http_query(call->req, "after", buf, sizeof(buf)) >= 0) {
		if (sig_api_parse_id(buf, strlen(buf), &v) < 0) {
			sig_api_invalid(call, "after", "must be a positive id");
			return -EINVAL;
		}
		*ret_after = v;
	}
	if (sig_http_query(call->req, "limit", buf, sizeof(buf)) >= 0) {
		if (sig_api_parse_id(buf, strlen(buf), &v) < 0 || v > SIG_STORE_LIST_MAX) {
			sig_api_invalid(call, "limit", "must be between 1 and 200");
			return -EINVAL;
		}
		*ret_limit = (int)v;
	}
	return 0;
}

void sig_api_respond_page(struct sig_api_call *call, json_t *items, int limit, int64_t last_id)
{
	json_t *next =
	    json_array_size(items) == (size_t)limit ? json_integer(last_id) : json_null();
	json_t *body = json_pack("{s:o,s:o}", "items", items, "next_after", next);

	sig_http_respond_json(call->req, 200, body);
	json_decref(body);
}

int sig_api_audit(struct sig_api_call *call, enum sig_audit_kind kind, int64_t session_id,
		  int64_t roster_entry_id, int64_t invite_id, json_t *detail)
{
	return sig_audit_record(call->api->store, call->actor, kind, session_id, roster_entry_id,
				invite_id, detail);
}

/* Constant-time over every configured key, so the time taken does not say
 * which key came close. Returns the key's index or -1. */
static int sig_api_match_key(const struct sig_api *api, const char *key)
{
	uint8_t hash[CRYPTO_SHA256_BYTES];
	int found = -1;

	crypto_sha256(key, strlen(key), hash);
	for (int i = 0; i < api->key_count; i++)
		if (crypto_equal(hash, api->keys[i].hash, sizeof(hash)))
			found = i;
	crypto_wipe(hash, sizeof(hash));
	return found;
}

/* Sets call->actor, or answers 401/403/429 and returns -EACCES. */
static int sig_api_authenticate(struct sig_api_call *call, char *actor_buf, size_t actor_len,
				bool writes)
{
	struct sig_http_request *req = call->req;
	char header[SIG_API_MAX_KEY_BYTES + 16];
	int64_t now_ms = clock_wall_ms();
	int retry_after, idx = -1;

	if (req->admin_socket) {
		call->actor = "admin-socket";
		crypto_sha256(SIG_API_SOCKET_SCOPE, strlen(SIG_API_SOCKET_SCOPE), call->scope);
		return 0;
	}
	if (!sig_ratelimit_check(call->api->limiter, SIG_RATELIMIT_API_KEY, req->peer, now_ms,
				 &retry_after)) {
		char value[16];
		snprintf(value, sizeof(value), "%d", retry_after);
		sig_http_add_header(req, "retry-after:", value);
		sig_api_error(call, 429, "rate_limited", "too many failed attempts; retry in %d s",
			      retry_after);
		return -EACCES;
	}
	int n = lws_hdr_copy(req->wsi, header, sizeof(header), WSI_TOKEN_HTTP_AUTHORIZATION);
	if (n > 7 && g_ascii_strncasecmp(header, "Bearer ", 7) == 0)
		idx = sig_api_match_key(call->api, header + 7);
	/* The key itself, which the configuration holds only a hash of, keys
	 * this caller's idempotent answers (api_idempotency.c). */
	int scoped = idx < 0 ? 0
			     : crypto_hmac_sha256(header + 7, strlen(header + 7), SIG_API_KEY_SCOPE,
						  strlen(SIG_API_KEY_SCOPE), call->scope);
	crypto_wipe(header, sizeof(header));
	if (scoped < 0) {
		sig_api_error(call, 500, "internal", "cannot key this caller's idempotent answers");
		return -EACCES;
	}
	if (idx < 0) {
		sig_ratelimit_failed(call->api->limiter, req->peer, now_ms);
		sig_http_add_header(req, "www-authenticate:", "Bearer");
		sig_api_error(call, 401, "unauthorized",
			      n > 0 ? "the API key is not valid" : "an API key is required");
		return -EACCES;
	}
	if (writes && call->api->keys[idx].read_only) {
		sig_api_error(call, 403, "forbidden", "this API key may only read");
		return -EACCES;
	}
	snprintf(actor_buf, actor_len, "api-key:%s", call->api->keys[idx].name);
	call->actor = actor_buf;
	return 0;
}

static const struct sig_api_route *sig_api_route(struct sig_api_call *call, const char *path)
{
	bool path_known = false;

	for (size_t i = 0; i < G_N_ELEMENTS(sig_api_routes); i++) {
		if (!sig_api_path_match(sig_api_routes[i].pattern, path, call->ids,
					call->participant_id))
			continue;
		path_known = true;
		if (strcmp(sig_api_routes[i].method, call->req->method) == 0)
			return &sig_api_routes[i];
	}
	if (path_known)
		sig_api_error(call, 405, "method_not_allowed", "%s is not allowed here",
			      call->req->method);
	else
		sig_api_error(call, 404, "not_found", "no such resource");
	return NULL;
}

static int sig_api_parse_body(struct sig_api_call *call)
{
	json_error_t error;

	if (call->req->body_len == 0)
		return 0;
	call->body =
	    json_loadb(call->req->body, call->req->body_len, JSON_REJECT_DUPLICATES, &error);
	if (!call->body || !json_is_object(call->body)) {
		sig_api_error(call, 400, "bad_json", "the body is not a JSON object%s%s",
			      call->body ? "" : ": ", call->body ? "" : error.text);
		json_decref(call->body);
		call->body = NULL;
		return -EINVAL;
	}
	return 0;
}

static void sig_api_handle(void *userdata, struct sig_http_request *req)
{
	struct sig_api_call call = {.api = userdata, .req = req, .now = clock_wall_s()};
	const char *path = req->path + strlen(SIG_API_PREFIX);
	char actor[64];

	/* Authenticate before routing, so that probes learn nothing. */
	bool writes = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
	if (sig_api_authenticate(&call, actor, sizeof(actor), writes) < 0)
		return;
	const struct sig_api_route *route = sig_api_route(&call, path);
	if (!route)
		return;
	if (sig_http_query_only(req, route->query) < 0)
		return;
	if (sig_api_parse_body(&call) < 0)
		return;
	struct sig_api_idempotency idem;
	if (sig_api_idempotency_begin(&call, &idem) == 0) {
		route->handler(&call);
		sig_api_idempotency_end(&call, &idem);
	}
	crypto_wipe(call.scope, sizeof(call.scope));
	json_decref(call.body);
}

void sig_api_reload(struct sig_api *api, const struct cfg *cfg)
{
	g_autofree char *problem = NULL;
	int n = cfg_api_keys_parse(cfg->admin_api_keys, api->keys, &problem);

	/* The configuration was validated when loaded. */
	api->key_count = n < 0 ? 0 : n;
	g_free(api->public_url);
	/* Several nodes: invite links name the cluster's entry (the load
	 * balancer), which sends each join to its session's node. */
	api->public_url =
	    g_strdup(*cfg->cluster_entry_url ? cfg->cluster_entry_url : cfg->public_url);
}

int sig_api_new(struct sig_store *store, struct sig_ratelimit *limiter, struct sig_ops *ops,
		const struct cfg *cfg, struct sig_server *server, struct sig_api **ret_api)
{
	struct sig_api *api = g_new0(struct sig_api, 1);
	int r;

	api->store = store;
	api->limiter = limiter;
	api->ops = ops;
	sig_api_reload(api, cfg);
	r = sig_server_route(server, SIG_API_PREFIX "/", sig_api_handle, api);
	if (r == 0)
		r = sig_server_route(server, "/invite/check", sig_invite_check_handler, api);
	if (r < 0) {
		sig_api_free(api);
		return r;
	}
	*ret_api = api;
	return 0;
}

struct sig_api *sig_api_free(struct sig_api *api)
{
	if (!api)
		return NULL;
	crypto_wipe(api->keys, sizeof(api->keys));
	g_free(api->public_url);
	g_free(api);
	return NULL;
}
