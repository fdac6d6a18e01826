/* Getting in and out: join (an invite link, the waiting room, a chosen
 * name), resume after a dropped socket, and leave. docs/protocol.md,
 * "Joining". */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "crypto/token.h"
#include "live/room.h"
#include "live/turn.h"
#include "live/ws_internal.h"
#include "model/domain_json.h"
#include "service/audit.h"
#include "service/invite.h"
#include "service/ratelimit.h"
#include "core/clock.h"

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

static json_t *sig_ws_join_ok(struct sig_ws *ws, const struct sig_invite_resolution *res,
			      const struct sig_member *m)
{
	json_t *msg = json_pack(
	    "{s:i,s:s,s:{s:I,s:s,s:s,s:o,s:b},s:{s:s,s:I,s:s,s:s,s:o}}", "protocol", 1, "state",
	    m->waiting ? "waiting" : "admitted", "session", "id", (json_int_t)res->session.id,
	    "kind", sig_kind_name(res->session.kind), "title", res->session.title, "closes_at",
	    sig_json_time(res->occurrence.closes_at), "names_editable", res->session.names_editable,
	    "you", "participant_id", m->participant_id, "roster_entry_id",
	    (json_int_t)m->roster_entry_id, "display_name", m->display_name, "role",
	    sig_role_name(m->role), "permissions", sig_json_permissions(m->permissions));

	/* Someone waiting learns nothing of who is inside. */
	if (m->waiting)
		json_object_set_new(msg, "participants", json_array());
	else
		sig_ws_add_presence(ws, m, msg);
	return msg;
}

/* "ice_servers" into msg: fresh TURN credentials for m ([] without TURN).
 * The credential is a secret: never logged. */
static void sig_ws_add_ice_servers(struct sig_ws *ws, struct sig_member *m, int64_t now,
				   json_t *msg)
{
	int64_t expires_at;

	json_object_set_new(msg, "ice_servers",
			    sig_turn_ice_servers(ws->turn, m->participant_id, now, &expires_at));
	m->turn_expires_at = expires_at;
}

void sig_ws_turn_tick(struct sig_ws *ws, struct sig_member *m, int64_t now)
{
	if (!m->conn || !sig_turn_due(ws->turn, m->turn_expires_at, now))
		return;
	json_t *msg = json_pack("{s:s}", "type", "ice.servers");
	sig_ws_add_ice_servers(ws, m, now, msg);
	sig_ws_send(m->conn, msg);
}

/* A refused join: the client hears why, the address's failure budget pays
 * for anything that looks like guessing, and the socket closes. */
static void sig_ws_refuse(struct sig_ws_conn *conn, const json_t *id,
			  const struct sig_invite_resolution *res)
{
	json_t *extra = sig_invite_refusal_extra(res);

	if (res->refusal != SIG_INVITE_FAILED)
		sig_ratelimit_failed(conn->ws->limiter, conn->peer, clock_wall_ms());
	sig_ws_error(conn, id, sig_invite_refusal_code(res->refusal),
		     sig_invite_refusal_message(res->refusal), extra);
	sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
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
	int64_t now = clock_wall_s();
	int r;

	if (!sig_rooms_has_seat(ws->rooms, &res->session, res->entry.id)) {
		sig_ws_error(conn, id, "session_full", "the session is full", NULL);
		sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
		return;
	}
	/* Count the use only once the seat is certain (one thread: it stays
	 * free until the join below). */
	if (sig_invite_resolve(ws->store, token, now, true, &used) != SIG_INVITE_OK) {
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
		sig_ws_close(conn, SIG_WS_CLOSE_UNEXPECTED);
		return;
	}
	conn->member = m;
	if (chosen_name) {
		/* Shown to the others for this visit (and kept on resume); the
		 * roster entry, and the roster hosts see, keep the roster's. */
		g_free(m->display_name);
		m->display_name = g_strdup(chosen_name);
		m->name_chosen = true;
	}
	m->closes_at = res->occurrence.closes_at;
	m->occurrence_start = res->occurrence.start;
	m->joined_at = now;
	/* The waiting room: only a host's decision (or "admit automatically"
	 * on the roster entry) lets someone in; a host arriving does not. */
	m->waiting = res->session.waiting_room && !res->entry.auto_admit;
	conn->io->joined(conn);
	/* That a name was chosen is recorded; the name itself never is. A
	 * join into the waiting room says so (its webhook event is
	 * participant.waiting). */
	json_t *extra = json_object();
	if (chosen_name)
		json_object_set_new(extra, "name_chosen", json_true());
	if (m->waiting)
		json_object_set_new(extra, "waiting", json_true());
	sig_ws_audit_with(ws, m, SIG_AUDIT_JOIN, extra);
	log_info("session %lld: participant %s (roster entry %lld) joined%s%s",
		 (long long)m->session_id, m->participant_id, (long long)m->roster_entry_id,
		 m->waiting ? ", waiting" : "", chosen_name ? ", with a chosen name" : "");
	json_t *ok = sig_ws_join_ok(ws, res, m);
	json_object_set_new(ok, "resume_token", sig_ws_new_resume_token(m));
	sig_ws_seat_save(ws, m);
	sig_ws_add_ice_servers(ws, m, clock_wall_s(), ok);
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
	sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
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

/* While the server drains for a restart: no join or resume here; the
 * client tries again on the next process. Costs no failure budget. */
static bool sig_ws_refuse_draining(struct sig_ws_conn *conn, const json_t *id)
{
	if (!conn->ws->draining)
		return false;
	sig_ws_error(conn, id, "server_restarting", "the server is restarting; try again shortly",
		     json_pack("{s:i}", "retry_after_ms", conn->ws->retry_after_ms));
	sig_ws_close(conn, SIG_WS_CLOSE_RESTART);
	return true;
}

void sig_ws_on_join(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
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
	if (sig_ws_refuse_draining(conn, id))
		return;
	if (!json_is_integer(v) || !json_is_string(token)) {
		sig_ws_error(conn, id, "bad_message", "join needs \"v\" (integer) and \"token\"",
			     NULL);
		return;
	}
	if (json_integer_value(v) != 1) {
		sig_ws_error(conn, id, "unsupported_version", "this server speaks version 1", NULL);
		sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
		return;
	}
	if (name && !json_is_string(name)) {
		sig_ws_bad_name(conn, id, "bad_message", "\"display_name\" must be a string");
		return;
	}
	if (!sig_ratelimit_check(conn->ws->limiter, SIG_RATELIMIT_JOIN, conn->peer, clock_wall_ms(),
				 &retry)) {
		sig_ws_error(conn, id, "rate_limited", "too many failed attempts; retry later",
			     json_pack("{s:i}", "retry_after", retry));
		sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
		return;
	}
	const char *text = json_string_value(token);
	if (sig_invite_resolve(conn->ws->store, text, clock_wall_s(), false, &res) != SIG_INVITE_OK)
		sig_ws_refuse(conn, id, &res);
	else if ((!name || sig_ws_chosen_name(conn, id, &res.session, name) == 0) &&
		 sig_ws_home(conn, id, &res.session) == 0)
		sig_ws_admit(conn, id, &res, text, json_string_value(name));
	sig_invite_resolution_clear(&res);
}

void sig_ws_on_leave(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = conn->member;

	(void)msg;
	sig_rooms_detach(conn->ws->rooms, m);
	sig_ws_departed(conn->ws, m, "left");
	sig_ws_reply(conn, id, "leave", NULL);
	sig_ws_close(conn, SIG_WS_CLOSE_NORMAL);
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

static void sig_ws_resume_find(struct sig_ws *ws, struct sig_ws_resume_find *f)
{
	GArray *ids = sig_rooms_sessions(ws->rooms);

	for (guint i = 0; i < ids->len && !f->found; i++)
		sig_rooms_foreach(ws->rooms, g_array_index(ids, int64_t, i), sig_ws_resume_one, f);
	g_array_free(ids, TRUE);
}

/* Takes a seat back after the socket dropped: same participant, same
 * state (no second trip through the waiting room), same media. */
void sig_ws_on_resume(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
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
	if (sig_ws_refuse_draining(conn, id))
		return;
	if (!json_is_string(token)) {
		sig_ws_error(conn, id, "bad_message", "resume needs \"resume_token\"", NULL);
		return;
	}
	if (!sig_ratelimit_check(ws->limiter, SIG_RATELIMIT_RESUME, conn->peer, clock_wall_ms(),
				 &retry)) {
		sig_ws_error(conn, id, "rate_limited", "too many failed attempts; retry later",
			     json_pack("{s:i}", "retry_after", retry));
		sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
		return;
	}
	crypto_sha256(json_string_value(token), json_string_length(token), f.hash);
	sig_ws_resume_find(ws, &f);
	/* Not here: another node's, or a node's that died (taken over now). */
	if (!f.found) {
		if (sig_ws_resume_home(conn, id, f.hash) > 0)
			return;
		sig_ws_resume_find(ws, &f);
	}
	if (!f.found) {
		sig_ratelimit_failed(ws->limiter, conn->peer, clock_wall_ms());
		sig_ws_error(conn, id, "resume_expired", "join again with your link", NULL);
		sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
		return;
	}
	struct sig_member *m = f.found;
	if (m->conn) { /* the old socket is not seen as dropped yet */
		sig_ws_send(m->conn, json_pack("{s:s,s:s}", "type", "bye", "reason", "replaced"));
		m->conn->member = NULL;
		sig_ws_close(m->conn, SIG_WS_CLOSE_NORMAL);
	}
	m->conn = conn;
	m->disconnected_us = 0;
	conn->member = m;
	conn->io->joined(conn);
	json_t *ok = json_pack("{s:i,s:s,s:{s:s,s:I,s:s,s:s,s:o}}", "protocol", 1, "state",
			       m->waiting ? "waiting" : "admitted", "you", "participant_id",
			       m->participant_id, "roster_entry_id", (json_int_t)m->roster_entry_id,
			       "display_name", m->display_name, "role", sig_role_name(m->role),
			       "permissions", sig_json_permissions(m->permissions));
	if (m->waiting)
		json_object_set_new(ok, "participants", json_array());
	else
		sig_ws_add_presence(ws, m, ok);
	json_object_set_new(ok, "resume_token", sig_ws_new_resume_token(m));
	sig_ws_seat_save(ws, m);
	/* After a restart the relay knows nothing of this member's media:
	 * the client publishes and subscribes again on new connections. */
	if (m->restored)
		json_object_set_new(ok, "renegotiate", json_true());
	m->restored = false;
	sig_ws_add_ice_servers(ws, m, clock_wall_s(), ok);
	sig_ws_reply(conn, id, "resume", ok);
	log_info("session %lld: participant %s resumed", (long long)m->session_id,
		 m->participant_id);
	if (!m->waiting)
		sig_ws_broadcast(ws, m->session_id, m,
				 json_pack("{s:s,s:s}", "type", "participant.reconnected",
					   "participant_id", m->participant_id));
}
