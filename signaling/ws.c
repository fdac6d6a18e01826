#include "signaling/ws.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "crypto/token.h"
#include "signaling/api_call.h"
#include "signaling/http.h"
#include "signaling/invite.h"
#include "signaling/media.h"
#include "relay/relay.h"
#include "signaling/room.h"
#include "signaling/ws_internal.h"

static int64_t sig_ws_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* A new resume token for m: returned to the client once, kept as a hash. */
static json_t *sig_ws_new_resume_token(struct sig_member *m)
{
	char token[CRYPTO_TOKEN_CHARS + 1];
	json_t *out;

	if (crypto_token_new(token) < 0)
		return json_null();
	crypto_sha256(token, strlen(token), m->resume_hash);
	out = json_string(token);
	crypto_wipe(token, sizeof(token));
	return out;
}

size_t sig_ws_conn_size(void)
{
	return sizeof(struct sig_ws_conn);
}

struct sig_ws *sig_ws_new(struct sig_api *api, struct sig_rooms *rooms)
{
	struct sig_ws *ws = g_new0(struct sig_ws, 1);

	ws->api = api;
	ws->rooms = rooms;
	return ws;
}

void sig_ws_attach_media(struct sig_ws *ws, struct sig_media *media)
{
	ws->media = media;
}

struct sig_ws *sig_ws_free(struct sig_ws *ws)
{
	if (ws) {
		/* Seats held for a resume when the server stops: they leave. */
		GArray *ids = sig_rooms_sessions(ws->rooms);
		for (guint i = 0; i < ids->len; i++) {
			GPtrArray *taken =
			    sig_rooms_take(ws->rooms, g_array_index(ids, int64_t, i), 0);
			for (guint k = 0; k < taken->len; k++)
				sig_ws_departed(ws, taken->pdata[k], "server stopping");
			g_ptr_array_free(taken, TRUE);
		}
		g_array_free(ids, TRUE);
	}
	g_free(ws);
	return NULL;
}

/* Disconnects within a second: after the queue drains, or by force. */
void sig_ws_close(struct sig_ws_conn *conn, enum lws_close_status status)
{
	if (conn->closing)
		return;
	conn->closing = true;
	conn->close_status = status;
	lws_callback_on_writable(conn->wsi);
	lws_set_timeout(conn->wsi, PENDING_TIMEOUT_CLOSE_SEND, 1);
}

/* What may reach someone in the waiting room: the answers to its own
 * requests and what happens to itself. Nothing about the others, whatever
 * path it comes by (docs/protocol.md, "The waiting room"). */
static bool sig_ws_waiting_may_hear(const json_t *msg)
{
	static const char *const own[] = {"error", "pong",	    "admitted",	     "denied",
					  "bye",   "session.ended", "session.ending"};
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (!type)
		return false;
	if (g_str_has_suffix(type, ".ok"))
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(own); i++)
		if (strcmp(type, own[i]) == 0)
			return true;
	return false;
}

/* Queues msg (takes it) for the client. A client that does not read what
 * it is sent is disconnected rather than buffered without bound. */
void sig_ws_send(struct sig_ws_conn *conn, json_t *msg)
{
	char *text = NULL;
	size_t n;

	if (conn->member && conn->member->waiting && !sig_ws_waiting_may_hear(msg)) {
		/* A path that forgot the waiting room: dropped, and said so. */
		const char *type = json_string_value(json_object_get(msg, "type"));
		log_error("ws: session %lld: not sending \"%s\" to %s, who is waiting",
			  (long long)conn->member->session_id, type ? type : "?",
			  conn->member->participant_id);
		json_decref(msg);
		return;
	}
	text = json_dumps(msg, JSON_COMPACT);
	n = text ? strlen(text) : 0;
	json_decref(msg);
	if (!text || conn->closing)
		goto out;
	if (conn->out_bytes + n > SIG_WS_MAX_QUEUED) {
		log_warn("ws: participant %s reads too slowly; disconnecting",
			 conn->member ? conn->member->participant_id : "-");
		sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		goto out;
	}
	struct sig_ws_frame *f = malloc(sizeof(*f) + LWS_PRE + n);
	if (!f)
		goto out;
	f->len = n;
	memcpy(f->data + LWS_PRE, text, n);
	g_queue_push_tail(&conn->out, f);
	conn->out_bytes += n;
	lws_callback_on_writable(conn->wsi);
out:
	free(text);
}

void sig_ws_send_member(struct sig_member *member, json_t *msg)
{
	if (member->conn)
		sig_ws_send(member->conn, msg);
	else
		json_decref(msg);
}

void sig_ws_reply(struct sig_ws_conn *conn, const json_t *id, const char *type, json_t *msg)
{
	g_autofree char *ok = g_strconcat(type, ".ok", NULL);

	if (!msg)
		msg = json_object();
	json_object_set_new(msg, "type", json_string(ok));
	if (id)
		json_object_set(msg, "id", (json_t *)id);
	sig_ws_send(conn, msg);
}

void sig_ws_error(struct sig_ws_conn *conn, const json_t *id, const char *code, const char *message,
		  json_t *extra)
{
	json_t *error = json_pack("{s:s,s:s}", "code", code, "message", message);
	json_t *msg;

	if (extra)
		json_object_update(error, extra);
	json_decref(extra);
	msg = json_pack("{s:s,s:o}", "type", "error", "error", error);
	if (id)
		json_object_set(msg, "id", (json_t *)id);
	sig_ws_send(conn, msg);
}

char *sig_ws_actor(const struct sig_member *m)
{
	return g_strdup_printf("roster:%lld", (long long)m->roster_entry_id);
}

/* An audit row of m: {"participant": id} plus extra's fields (extra taken,
 * may be NULL; never personal data). */
static void sig_ws_audit_with(struct sig_ws *ws, const struct sig_member *m,
			      enum sig_audit_kind kind, json_t *extra)
{
	g_autofree char *actor = sig_ws_actor(m);
	json_t *detail = json_pack("{s:s}", "participant", m->participant_id);

	if (extra)
		json_object_update(detail, extra);
	json_decref(extra);
	if (sig_audit_record(ws->api->store, actor, kind, m->session_id, m->roster_entry_id, 0,
			     detail) < 0)
		log_error("ws: session %lld: cannot write the audit row for %s",
			  (long long)m->session_id, m->participant_id);
}

static void sig_ws_audit(struct sig_ws *ws, const struct sig_member *m, enum sig_audit_kind kind,
			 const char *reason)
{
	sig_ws_audit_with(ws, m, kind, reason ? json_pack("{s:s}", "reason", reason) : NULL);
}

static void sig_ws_broadcast_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except)
		sig_ws_send_member(m, json_incref(b->msg));
}

static void sig_ws_moderator_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except && (m->permissions & SIG_PERM_MODERATE))
		sig_ws_send_member(m, json_incref(b->msg));
}

/* Sends msg (taken) to the hosts and cohosts admitted. */
void sig_ws_tell_moderators(struct sig_ws *ws, int64_t session_id, json_t *msg)
{
	struct sig_ws_broadcast b = {.msg = msg};

	sig_rooms_foreach_audience(ws->rooms, session_id, sig_ws_moderator_one, &b);
	json_decref(msg);
}

/* Sends msg (taken) to everyone admitted in session but except. */
void sig_ws_broadcast(struct sig_ws *ws, int64_t session_id, const struct sig_member *except,
		      json_t *msg)
{
	struct sig_ws_broadcast b = {.except = except, .msg = msg};

	sig_rooms_foreach_audience(ws->rooms, session_id, sig_ws_broadcast_one, &b);
	json_decref(msg);
}

/* A member that is no longer present: the others are told, the audit log
 * records it, its connection forgets it. The caller has detached it. */
void sig_ws_departed(struct sig_ws *ws, struct sig_member *m, const char *reason)
{
	if (ws->media)
		sig_media_member_left(ws->media, m);
	/* m is detached already: everyone still present hears it (only the
	 * hosts, for someone who was still waiting). */
	if (m->waiting)
		sig_ws_tell_moderators(ws, m->session_id,
				       json_pack("{s:s,s:s}", "type", "waiting.removed",
						 "participant_id", m->participant_id));
	else
		sig_ws_broadcast(ws, m->session_id, NULL,
				 json_pack("{s:s,s:s}", "type", "participant.left",
					   "participant_id", m->participant_id));
	sig_ws_audit(ws, m, SIG_AUDIT_LEAVE, reason);
	log_info("session %lld: participant %s (roster entry %lld) left (%s)",
		 (long long)m->session_id, m->participant_id, (long long)m->roster_entry_id,
		 reason);
	if (m->conn)
		m->conn->member = NULL;
	sig_member_free(m);
}

static void sig_ws_list_member(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except && !m->waiting)
		json_array_append_new(b->msg, sig_member_json(m));
}

static void sig_ws_list_waiting(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except && m->waiting)
		json_array_append_new(b->msg, sig_member_json(m));
}

struct sig_ws_present {
	int64_t entry_id;
	bool present;
};

static void sig_ws_present_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_present *p = userdata;

	if (m->roster_entry_id == p->entry_id)
		p->present = true;
}

/* For hosts: everyone expected (the roster, removed entries aside) and
 * whether they are here. A roster holds at most SIG_CAPACITY_MAX. */
static json_t *sig_ws_roster(struct sig_ws *ws, int64_t session_id)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_roster_entry));
	json_t *out = json_array();
	int64_t after = 0;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_roster_entry_clear);
	do {
		g_array_set_size(rows, 0);
		if (sig_store_roster_list(ws->api->store, session_id, after, SIG_STORE_LIST_MAX,
					  rows) < 0)
			break;
		for (guint i = 0; i < rows->len; i++) {
			const struct sig_roster_entry *e =
			    &g_array_index(rows, struct sig_roster_entry, i);
			struct sig_ws_present p = {.entry_id = e->id};
			after = e->id;
			if (e->removed_at)
				continue;
			sig_rooms_foreach(ws->rooms, session_id, sig_ws_present_one, &p);
			json_array_append_new(
			    out, json_pack("{s:I,s:s,s:s,s:b}", "roster_entry_id",
					   (json_int_t)e->id, "display_name", e->display_name,
					   "role", sig_role_name(e->role), "present", p.present));
		}
	} while (rows->len == SIG_STORE_LIST_MAX);
	return out;
}

/* What a member sees of the session once admitted: who is present, and
 * for hosts who is waiting. */
void sig_ws_add_presence(struct sig_ws *ws, const struct sig_member *m, json_t *msg)
{
	struct sig_ws_broadcast present = {.except = m, .msg = json_array()};

	sig_rooms_foreach(ws->rooms, m->session_id, sig_ws_list_member, &present);
	json_object_set_new(msg, "participants", present.msg);
	if (m->permissions & SIG_PERM_MODERATE) {
		struct sig_ws_broadcast waiting = {.except = m, .msg = json_array()};
		sig_rooms_foreach(ws->rooms, m->session_id, sig_ws_list_waiting, &waiting);
		json_object_set_new(msg, "waiting", waiting.msg);
		json_object_set_new(msg, "roster", sig_ws_roster(ws, m->session_id));
	}
}

static json_t *sig_ws_join_ok(struct sig_ws *ws, const struct sig_invite_resolution *res,
			      const struct sig_member *m)
{
	json_t *msg = json_pack(
	    "{s:i,s:s,s:{s:I,s:s,s:s,s:o,s:b},s:{s:s,s:I,s:s,s:s,s:o}}", "protocol", 1, "state",
	    m->waiting ? "waiting" : "admitted", "session", "id", (json_int_t)res->session.id,
	    "kind", sig_kind_name(res->session.kind), "title", res->session.title, "closes_at",
	    sig_api_time(res->occurrence.closes_at), "names_editable", res->session.names_editable,
	    "you", "participant_id", m->participant_id, "roster_entry_id",
	    (json_int_t)m->roster_entry_id, "display_name", m->display_name, "role",
	    sig_role_name(m->role), "permissions", sig_api_permissions_json(m->permissions));

	/* Someone waiting learns nothing of who is inside. */
	if (m->waiting)
		json_object_set_new(msg, "participants", json_array());
	else
		sig_ws_add_presence(ws, m, msg);
	return msg;
}

/* Tells each member taken from the room and disconnects it. */
void sig_ws_evict(struct sig_ws *ws, GPtrArray *taken, json_t *msg, const char *reason)
{
	for (guint i = 0; i < taken->len; i++) {
		struct sig_member *m = taken->pdata[i];
		if (m->conn) {
			sig_ws_send(m->conn, json_incref(msg));
			sig_ws_close(m->conn, LWS_CLOSE_STATUS_NORMAL);
		}
		sig_ws_departed(ws, m, reason);
	}
	json_decref(msg);
	g_ptr_array_free(taken, TRUE);
}

/* A refused join: the client hears why, the address's failure budget pays
 * for anything that looks like guessing, and the socket closes. */
static void sig_ws_refuse(struct sig_ws_conn *conn, const json_t *id,
			  const struct sig_invite_resolution *res)
{
	json_t *extra = NULL;

	if (res->refusal == SIG_INVITE_NOT_OPEN_YET)
		extra = json_pack("{s:o}", "opens_at", sig_api_time(res->occurrence.opens_at));
	if (res->refusal != SIG_INVITE_FAILED)
		sig_ratelimit_failed(conn->ws->api->limiter, conn->peer, sig_now_ms());
	sig_ws_error(conn, id, sig_invite_refusal_code(res->refusal),
		     sig_invite_refusal_message(res->refusal), extra);
	sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
}

/* Admits conn into the resolved session: presence, the use of the invite,
 * the audit row, then the answers. chosen_name (may be NULL, checked by
 * sig_ws_chosen_name()) replaces the roster's name for this visit. */
static void sig_ws_admit(struct sig_ws_conn *conn, const json_t *id,
			 struct sig_invite_resolution *res, const char *token,
			 const char *chosen_name)
{
	struct sig_ws *ws = conn->ws;
	struct sig_member *m = NULL;
	struct sig_invite_resolution used;
	int64_t now = (int64_t)time(NULL);
	int r;

	if (!sig_rooms_has_seat(ws->rooms, &res->session, res->entry.id)) {
		sig_ws_error(conn, id, "session_full", "the session is full", NULL);
		sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return;
	}
	/* Count the use only once the seat is certain (one thread: it stays
	 * free until the join below). */
	if (sig_invite_resolve(ws->api->store, token, now, true, &used) != SIG_INVITE_OK) {
		sig_ws_refuse(conn, id, &used);
		sig_invite_resolution_clear(&used);
		return;
	}
	sig_invite_resolution_clear(&used);
	/* One connection per roster entry: an earlier one (another tab or
	 * device) is told and closed before the newcomer is in the room. */
	sig_ws_evict(ws, sig_rooms_take(ws->rooms, res->session.id, res->entry.id),
		     json_pack("{s:s,s:s}", "type", "bye", "reason", "replaced"), "replaced");
	r = sig_rooms_join(ws->rooms, &res->session, &res->entry, conn, &m);
	if (r < 0) {
		sig_ws_error(conn, id, "internal", "the server could not add you", NULL);
		sig_ws_close(conn, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
		return;
	}
	conn->member = m;
	if (chosen_name) {
		/* Shown to the others for this visit (and kept on resume); the
		 * roster entry, and the roster hosts see, keep the roster's. */
		g_free(m->display_name);
		m->display_name = g_strdup(chosen_name);
	}
	m->closes_at = res->occurrence.closes_at;
	/* The waiting room: only a host's decision (or "admit automatically"
	 * on the roster entry) lets someone in; a host arriving does not. */
	m->waiting = res->session.waiting_room && !res->entry.auto_admit;
	lws_sul_cancel(&conn->join_timer);
	/* That a name was chosen is recorded; the name itself never is. */
	sig_ws_audit_with(ws, m, SIG_AUDIT_JOIN,
			  chosen_name ? json_pack("{s:b}", "name_chosen", 1) : NULL);
	log_info("session %lld: participant %s (roster entry %lld) joined%s%s",
		 (long long)m->session_id, m->participant_id, (long long)m->roster_entry_id,
		 m->waiting ? ", waiting" : "", chosen_name ? ", with a chosen name" : "");
	json_t *ok = sig_ws_join_ok(ws, res, m);
	json_object_set_new(ok, "resume_token", sig_ws_new_resume_token(m));
	sig_ws_reply(conn, id, "join", ok);
	if (m->waiting)
		sig_ws_tell_moderators(ws, m->session_id,
				       json_pack("{s:s,s:o}", "type", "waiting.added",
						 "participant", sig_member_json(m)));
	else
		sig_ws_broadcast(ws, m->session_id, m,
				 json_pack("{s:s,s:o}", "type", "participant.joined", "participant",
					   sig_member_json(m)));
}

/* A join's display_name error: answered with the field named, then the
 * socket closes like after any refused join. It costs the address nothing
 * from its failure budget: the link itself was good. */
static void sig_ws_bad_name(struct sig_ws_conn *conn, const json_t *id, const char *code,
			    const char *message)
{
	sig_ws_error(conn, id, code, message, json_pack("{s:s}", "field", "display_name"));
	sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
}

/* The name a joining person chose (name: the join's "display_name", a
 * string), held to the session's policy and the roster's rules. Returns 0,
 * or -EPERM / -EINVAL after answering and closing. The name is never
 * logged nor echoed: it is personal data. */
static int sig_ws_chosen_name(struct sig_ws_conn *conn, const json_t *id,
			      const struct sig_session *session, const json_t *name)
{
	g_autofree char *problem = NULL;
	g_autofree char *message = NULL;

	if (!session->names_editable) {
		sig_ws_bad_name(conn, id, "forbidden",
				"this session does not let participants change their name");
		return -EPERM;
	}
	/* No "\u0000" can hide inside: the dispatcher parses without
	 * JSON_ALLOW_NUL. */
	if (sig_display_name_validate(json_string_value(name), &problem) == 0)
		return 0;
	message = g_strdup_printf("\"display_name\" %s", problem);
	sig_ws_bad_name(conn, id, "bad_message", message);
	return -EINVAL;
}

static void sig_ws_on_join(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_invite_resolution res;
	json_t *v = json_object_get(msg, "v"), *token = json_object_get(msg, "token");
	json_t *name = json_object_get(msg, "display_name");
	int retry;

	if (conn->member) {
		sig_ws_error(conn, id, "already_joined", "this connection has joined already",
			     NULL);
		return;
	}
	if (!json_is_integer(v) || !json_is_string(token)) {
		sig_ws_error(conn, id, "bad_message", "join needs \"v\" (integer) and \"token\"",
			     NULL);
		return;
	}
	if (json_integer_value(v) != 1) {
		sig_ws_error(conn, id, "unsupported_version", "this server speaks version 1", NULL);
		sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return;
	}
	if (name && !json_is_string(name)) {
		sig_ws_bad_name(conn, id, "bad_message", "\"display_name\" must be a string");
		return;
	}
	if (!sig_ratelimit_allowed(conn->ws->api->limiter, conn->peer, sig_now_ms(), &retry)) {
		sig_ws_error(conn, id, "rate_limited", "too many failed attempts; retry later",
			     json_pack("{s:i}", "retry_after", retry));
		sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return;
	}
	const char *text = json_string_value(token);
	if (sig_invite_resolve(conn->ws->api->store, text, (int64_t)time(NULL), false, &res) !=
	    SIG_INVITE_OK)
		sig_ws_refuse(conn, id, &res);
	else if (!name || sig_ws_chosen_name(conn, id, &res.session, name) == 0)
		sig_ws_admit(conn, id, &res, text, json_string_value(name));
	sig_invite_resolution_clear(&res);
}

static void sig_ws_on_leave(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = conn->member;

	(void)msg;
	sig_rooms_detach(conn->ws->rooms, m);
	sig_ws_departed(conn->ws, m, "left");
	sig_ws_reply(conn, id, "leave", NULL);
	sig_ws_close(conn, LWS_CLOSE_STATUS_NORMAL);
}

static void sig_ws_on_ping(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	(void)msg;
	json_t *pong = json_pack("{s:s}", "type", "pong");
	if (id)
		json_object_set(pong, "id", (json_t *)id);
	sig_ws_send(conn, pong);
}

/* The "sdp" string of a media request, or an error answered. */
static const char *sig_ws_sdp(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	json_t *sdp = json_object_get(msg, "sdp");

	if (!conn->ws->media) {
		sig_ws_error(conn, id, "unknown_type", "this server relays no media", NULL);
		return NULL;
	}
	if (!json_is_string(sdp)) {
		sig_ws_error(conn, id, "bad_message", "\"sdp\" must be a string", NULL);
		return NULL;
	}
	return json_string_value(sdp);
}

static void sig_ws_on_publish(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	const char *sdp = sig_ws_sdp(conn, msg, id), *code = NULL;
	g_autofree char *problem = NULL;

	if (!sdp)
		return;
	g_autofree char *answer =
	    sig_media_publish(conn->ws->media, conn->member, sdp,
			      json_string_length(json_object_get(msg, "sdp")), &code, &problem);
	if (!answer) {
		sig_ws_error(conn, id, code, problem ? problem : "refused", NULL);
		return;
	}
	sig_ws_reply(conn, id, "publish", json_pack("{s:s}", "sdp", answer));
}

static void sig_ws_on_subscribe(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	(void)msg;
	if (!conn->ws->media) {
		sig_ws_error(conn, id, "unknown_type", "this server relays no media", NULL);
		return;
	}
	int r = sig_media_subscribe(conn->ws->media, conn->member);
	if (r == -EPERM)
		sig_ws_error(conn, id, "forbidden", "you may not receive media in this session",
			     NULL);
	else if (r < 0)
		sig_ws_error(conn, id, "internal", "the server could not subscribe you", NULL);
	else
		sig_ws_reply(conn, id, "subscribe", NULL);
}

static void sig_ws_on_subscribe_restart(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	(void)msg;
	if (!conn->ws->media || sig_media_subscribe_restart(conn->ws->media, conn->member) < 0) {
		sig_ws_error(conn, id, "bad_message", "subscribe first", NULL);
		return;
	}
	sig_ws_reply(conn, id, "subscribe.restart", NULL);
}

static void sig_ws_on_subscribe_answer(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	const char *sdp = sig_ws_sdp(conn, msg, id), *code = NULL;
	json_t *version = json_object_get(msg, "version");
	g_autofree char *problem = NULL;

	if (!sdp)
		return;
	if (!json_is_integer(version)) {
		sig_ws_error(conn, id, "bad_message", "\"version\" must be an integer", NULL);
		return;
	}
	if (sig_media_subscribe_answer(conn->ws->media, conn->member, json_integer_value(version),
				       sdp, json_string_length(json_object_get(msg, "sdp")), &code,
				       &problem) < 0) {
		sig_ws_error(conn, id, code, problem ? problem : "refused", NULL);
		return;
	}
	sig_ws_reply(conn, id, "subscribe.answer", NULL);
}

struct sig_ws_resume_find {
	uint8_t hash[CRYPTO_SHA256_BYTES];
	struct sig_member *found;
};

static void sig_ws_resume_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_resume_find *f = userdata;

	if (crypto_equal(m->resume_hash, f->hash, sizeof(f->hash)))
		f->found = m;
}

/* Takes a seat back after the socket dropped: same participant, same
 * state (no second trip through the waiting room), same media. */
static void sig_ws_on_resume(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	json_t *token = json_object_get(msg, "resume_token");
	struct sig_ws_resume_find f = {.found = NULL};
	struct sig_ws *ws = conn->ws;
	int retry;

	if (conn->member) {
		sig_ws_error(conn, id, "already_joined", "this connection has joined already",
			     NULL);
		return;
	}
	if (!json_is_string(token)) {
		sig_ws_error(conn, id, "bad_message", "resume needs \"resume_token\"", NULL);
		return;
	}
	if (!sig_ratelimit_allowed(ws->api->limiter, conn->peer, sig_now_ms(), &retry)) {
		sig_ws_error(conn, id, "rate_limited", "too many failed attempts; retry later",
			     json_pack("{s:i}", "retry_after", retry));
		sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return;
	}
	crypto_sha256(json_string_value(token), json_string_length(token), f.hash);
	GArray *ids = sig_rooms_sessions(ws->rooms);
	for (guint i = 0; i < ids->len && !f.found; i++)
		sig_rooms_foreach(ws->rooms, g_array_index(ids, int64_t, i), sig_ws_resume_one, &f);
	g_array_free(ids, TRUE);
	if (!f.found) {
		sig_ratelimit_failed(ws->api->limiter, conn->peer, sig_now_ms());
		sig_ws_error(conn, id, "resume_expired", "join again with your link", NULL);
		sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return;
	}
	struct sig_member *m = f.found;
	if (m->conn) { /* the old socket is not seen as dropped yet */
		sig_ws_send(m->conn, json_pack("{s:s,s:s}", "type", "bye", "reason", "replaced"));
		m->conn->member = NULL;
		sig_ws_close(m->conn, LWS_CLOSE_STATUS_NORMAL);
	}
	m->conn = conn;
	m->disconnected_us = 0;
	conn->member = m;
	lws_sul_cancel(&conn->join_timer);
	json_t *ok = json_pack("{s:i,s:s,s:{s:s,s:I,s:s,s:s,s:o}}", "protocol", 1, "state",
			       m->waiting ? "waiting" : "admitted", "you", "participant_id",
			       m->participant_id, "roster_entry_id", (json_int_t)m->roster_entry_id,
			       "display_name", m->display_name, "role", sig_role_name(m->role),
			       "permissions", sig_api_permissions_json(m->permissions));
	if (m->waiting)
		json_object_set_new(ok, "participants", json_array());
	else
		sig_ws_add_presence(ws, m, ok);
	json_object_set_new(ok, "resume_token", sig_ws_new_resume_token(m));
	sig_ws_reply(conn, id, "resume", ok);
	log_info("session %lld: participant %s resumed", (long long)m->session_id,
		 m->participant_id);
	if (!m->waiting)
		sig_ws_broadcast(ws, m->session_id, m,
				 json_pack("{s:s,s:s}", "type", "participant.reconnected",
					   "participant_id", m->participant_id));
}

/* Who may send a request: anyone, someone who joined, or someone joined and
 * admitted (not in the waiting room). */
enum sig_ws_need { SIG_WS_ANYONE = 0, SIG_WS_JOINED, SIG_WS_ADMITTED };

struct sig_ws_handler {
	const char *type;
	void (*fn)(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
	enum sig_ws_need need;
};

static const struct sig_ws_handler sig_ws_handlers[] = {
    {"join", sig_ws_on_join, SIG_WS_ANYONE},
    {"resume", sig_ws_on_resume, SIG_WS_ANYONE},
    {"ping", sig_ws_on_ping, SIG_WS_ANYONE},
    {"leave", sig_ws_on_leave, SIG_WS_JOINED},
    {"media.state", sig_ws_on_media_state, SIG_WS_JOINED},
    {"unmute", sig_ws_on_unmute, SIG_WS_JOINED},
    /* moderation: refused as "forbidden" to anyone who may not moderate */
    {"admit", sig_ws_on_admit, SIG_WS_JOINED},
    {"deny", sig_ws_on_deny, SIG_WS_JOINED},
    {"mute", sig_ws_on_mute, SIG_WS_JOINED},
    {"remove", sig_ws_on_remove, SIG_WS_JOINED},
    {"end", sig_ws_on_end, SIG_WS_JOINED},
    {"grant", sig_ws_on_grant, SIG_WS_JOINED},
    {"revoke", sig_ws_on_revoke, SIG_WS_JOINED},
    {"publish", sig_ws_on_publish, SIG_WS_ADMITTED},
    {"subscribe", sig_ws_on_subscribe, SIG_WS_ADMITTED},
    {"subscribe.answer", sig_ws_on_subscribe_answer, SIG_WS_ADMITTED},
    {"subscribe.restart", sig_ws_on_subscribe_restart, SIG_WS_ADMITTED},
    {"chat", sig_ws_on_chat, SIG_WS_ADMITTED},
    {"hand", sig_ws_on_hand, SIG_WS_ADMITTED},
};

/* Requests per connection per window; true when this one is allowed. */
static bool sig_ws_within_rate(struct sig_ws_conn *conn)
{
	int64_t now = sig_now_ms();

	if (now - conn->window_start_ms >= SIG_WS_RATE_WINDOW_MS) {
		conn->window_start_ms = now;
		conn->window_count = 0;
	}
	return ++conn->window_count <= SIG_WS_RATE_MAX;
}

static void sig_ws_dispatch(struct sig_ws_conn *conn, const char *text, size_t len)
{
	json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *type = json_object_get(msg, "type"), *id = json_object_get(msg, "id");

	if (!sig_ws_within_rate(conn)) {
		sig_ws_error(conn, NULL, "rate_limited", "too many requests", NULL);
		goto out;
	}
	if (!json_is_object(msg) || !json_is_string(type) ||
	    (id && (!json_is_integer(id) || json_integer_value(id) < 1 ||
		    json_integer_value(id) > INT32_MAX))) {
		sig_ws_error(conn, json_is_integer(id) ? id : NULL, "bad_message",
			     "expected a JSON object with a string \"type\" and an optional "
			     "positive integer \"id\"",
			     NULL);
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(sig_ws_handlers); i++) {
		const struct sig_ws_handler *h = &sig_ws_handlers[i];
		if (strcmp(h->type, json_string_value(type)) != 0)
			continue;
		if (h->need != SIG_WS_ANYONE && !conn->member)
			sig_ws_error(conn, id, "not_joined", "join first", NULL);
		else if (h->need == SIG_WS_ADMITTED && conn->member->waiting)
			sig_ws_error(conn, id, "waiting", "you are in the waiting room", NULL);
		else
			h->fn(conn, msg, id);
		goto out;
	}
	sig_ws_error(conn, id, "unknown_type", "this server does not know that request", NULL);
out:
	json_decref(msg);
}

static void sig_ws_join_timeout(lws_sorted_usec_list_t *sul)
{
	struct sig_ws_conn *conn = lws_container_of(sul, struct sig_ws_conn, join_timer);

	if (conn->member)
		return;
	sig_ws_error(conn, NULL, "join_timeout", "no join within 10 seconds", NULL);
	sig_ws_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION);
}

static int sig_ws_receive(struct sig_ws_conn *conn, const void *in, size_t len)
{
	int r;

	if (conn->closing)
		return 0;
	/* The buffer grows with the message, never past the cap (checked by
	 * capbuf_append before it grows). */
	r = lws_frame_is_binary(conn->wsi) ? -EMSGSIZE : capbuf_append(&conn->rx, in, len);
	if (r == -EMSGSIZE) {
		capbuf_clear(&conn->rx);
		sig_ws_error(conn, NULL, "too_large",
			     "messages are JSON text of at most 65536 bytes", NULL);
		sig_ws_close(conn, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
		return 0;
	}
	if (r < 0)
		return -1;
	if (!lws_is_final_fragment(conn->wsi) || lws_remaining_packet_payload(conn->wsi))
		return 0;
	sig_ws_dispatch(conn, conn->rx.data, conn->rx.len);
	capbuf_reset(&conn->rx, SIG_WS_RX_KEEP);
	return 0;
}

static int sig_ws_writeable(struct sig_ws_conn *conn)
{
	struct sig_ws_frame *f = g_queue_pop_head(&conn->out);

	if (f) {
		conn->out_bytes -= f->len;
		int n = lws_write(conn->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
		free(f);
		if (n < 0)
			return -1;
		if (!g_queue_is_empty(&conn->out) || conn->closing)
			lws_callback_on_writable(conn->wsi);
		return 0;
	}
	if (conn->closing) {
		lws_close_reason(conn->wsi, conn->close_status, NULL, 0);
		return -1;
	}
	return 0;
}

static void sig_ws_closed(struct sig_ws_conn *conn)
{
	struct sig_member *m = conn->member;
	struct sig_ws_frame *f;

	lws_sul_cancel(&conn->join_timer);
	if (m) {
		/* The socket dropped without a leave: the seat (and the media
		 * transports) wait SIG_WS_RESUME_S for a resume. */
		m->conn = NULL;
		m->disconnected_us = sig_ws_mono_us();
		conn->member = NULL;
		if (!m->waiting)
			sig_ws_broadcast(conn->ws, m->session_id, m,
					 json_pack("{s:s,s:s}", "type", "participant.reconnecting",
						   "participant_id", m->participant_id));
	}
	while ((f = g_queue_pop_head(&conn->out)))
		free(f);
	capbuf_clear(&conn->rx);
}

/* Over HTTP/1.1 the upgrade is a GET; over HTTP/2 (RFC 8441, which
 * libwebsockets offers browsers) a CONNECT whose path is :path. */
static bool sig_ws_path_ok(struct lws *wsi)
{
	char path[16];

	return (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) > 0 ||
		lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_HTTP_COLON_PATH) > 0) &&
	       strcmp(path, "/ws") == 0;
}

/* The client's address (through trusted proxies), for the rate limits. */
static void sig_ws_set_peer(struct sig_server *server, struct lws *wsi, struct sig_ws_conn *conn)
{
	struct netaddr client;
	char text[NETADDR_TEXT_MAX];

	conn->peer[0] = '\0';
	if (sig_server_client_address(server, wsi, &client, NULL) == 0) {
		netaddr_format(&client, text);
		g_strlcpy(conn->peer, text, sizeof(conn->peer));
	}
}

int sig_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct sig_ws_conn *conn = user;
	struct sig_server *server = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Only /ws, never on the admin socket or the metrics listener,
		 * nor over the connection cap (HTTP/2 upgrades come here
		 * without HTTP_CONFIRM_UPGRADE). */
		return !sig_ws_path_ok(wsi) ||
		       sig_server_is_admin_vhost(server, lws_get_vhost(wsi)) ||
		       sig_http_upgrade_refused(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		conn->wsi = wsi;
		conn->rx.max = SIG_WS_MAX_MESSAGE;
		conn->ws = sig_server_ws(server);
		if (!conn->ws)
			return -1;
		sig_ws_set_peer(server, wsi, conn);
		lws_sul_schedule(lws_get_context(wsi), 0, &conn->join_timer, sig_ws_join_timeout,
				 SIG_WS_JOIN_TIMEOUT_S * LWS_US_PER_SEC);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return sig_ws_receive(conn, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return sig_ws_writeable(conn);
	case LWS_CALLBACK_CLOSED:
		if (conn->ws)
			sig_ws_closed(conn);
		return 0;
	default:
		return 0;
	}
}

void sig_ws_end_session(struct sig_ws *ws, int64_t session_id, const char *reason)
{
	sig_ws_evict(ws, sig_rooms_take(ws->rooms, session_id, 0),
		     json_pack("{s:s,s:s}", "type", "session.ended", "reason", reason), reason);
}

void sig_ws_remove_entry(struct sig_ws *ws, int64_t session_id, int64_t entry_id)
{
	sig_ws_evict(ws, sig_rooms_take(ws->rooms, session_id, entry_id),
		     json_pack("{s:s,s:s}", "type", "bye", "reason", "removed"), "removed");
}

struct sig_ws_clock {
	int64_t now;
	bool over;
	bool expired; /* someone's resume time ran out */
};

static void sig_ws_expire_one(struct sig_member *m, void *userdata)
{
	GPtrArray *out = userdata;

	if (m->disconnected_us &&
	    sig_ws_mono_us() - m->disconnected_us > SIG_WS_RESUME_S * 1000000LL)
		g_ptr_array_add(out, m);
}

static void sig_ws_clock_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_clock *c = userdata;

	if (m->disconnected_us &&
	    sig_ws_mono_us() - m->disconnected_us > SIG_WS_RESUME_S * 1000000LL) {
		c->expired = true;
		return;
	}
	if (!m->closes_at)
		return;
	if (c->now >= m->closes_at) {
		c->over = true;
		return;
	}
	if (!m->warned && c->now >= m->closes_at - SIG_WS_END_WARNING_S) {
		m->warned = true;
		sig_ws_send_member(m, json_pack("{s:s,s:o,s:I}", "type", "session.ending", "at",
						sig_api_time(m->closes_at), "in_s",
						(json_int_t)(m->closes_at - c->now)));
	}
}

void sig_ws_tick(struct sig_ws *ws, int64_t now)
{
	GArray *ids = sig_rooms_sessions(ws->rooms);

	for (guint i = 0; i < ids->len; i++) {
		int64_t sid = g_array_index(ids, int64_t, i);
		struct sig_ws_clock c = {.now = now};
		sig_rooms_foreach(ws->rooms, sid, sig_ws_clock_one, &c);
		if (c.over) {
			log_info("session %lld: its window closed", (long long)sid);
			sig_ws_end_session(ws, sid, "schedule");
			continue;
		}
		if (c.expired) {
			/* Seats released: the others are told they left. */
			g_autoptr(GPtrArray) gone = g_ptr_array_new();
			sig_rooms_foreach(ws->rooms, sid, sig_ws_expire_one, gone);
			for (guint k = 0; k < gone->len; k++) {
				struct sig_member *m = gone->pdata[k];
				sig_rooms_detach(ws->rooms, m);
				sig_ws_departed(ws, m, "timeout");
			}
		}
	}
	g_array_free(ids, TRUE);
}
