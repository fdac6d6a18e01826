/* The client protocol's core (docs/protocol.md): the service's life,
 * the table of request handlers with who may send
 * each, what the shared operations ask of it, and the clock (resume
 * timeouts, the end of a session's window). The transport underneath is
 * struct sig_ws_io: libwebsockets in hearthd (ws_lws.c). */
#include "live/ws.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "live/media.h"
#include "live/room.h"
#include "live/turn.h"
#include "live/speaker_room.h"
#include "live/ws_internal.h"
#include "model/domain_json.h"
#include "service/audit.h"
#include "service/session_ops.h"
#include "core/clock.h"

static void sig_ws_session_ended(void *userdata, int64_t session_id, const char *reason);

static void sig_ws_entry_removed(void *userdata, int64_t session_id, int64_t entry_id);

/* What the shared operations (service/) tell the client protocol. */
static const struct sig_presence_listener sig_ws_presence = {
    .session_ended = sig_ws_session_ended,
    .entry_removed = sig_ws_entry_removed,
    .participants = &sig_ws_participants,
};

struct sig_ws *sig_ws_new(struct sig_store *store, struct sig_ratelimit *limiter,
			  struct sig_rooms *rooms, struct sig_ops *ops, struct sig_media *media)
{
	struct sig_ws *ws = g_new0(struct sig_ws, 1);

	ws->store = store;
	ws->limiter = limiter;
	ws->rooms = rooms;
	ws->ops = ops;
	ws->media = media;
	ws->pending = g_array_new(FALSE, TRUE, sizeof(struct sig_ws_eviction));
	sig_ops_listen(ops, &sig_ws_presence, ws);
	return ws;
}

void sig_ws_use_turn(struct sig_ws *ws, const struct cfg *cfg)
{
	ws->turn = sig_turn_free(ws->turn);
	ws->turn = sig_turn_new(cfg);
}

struct sig_ws *sig_ws_free(struct sig_ws *ws)
{
	if (ws) {
		ws->turn = sig_turn_free(ws->turn);
		/* The server stops: every seat stays stored for the next
		 * process (sig_ws_restore_seats), so nobody departs; only
		 * this process's memory of them goes. */
		GArray *ids = sig_rooms_sessions(ws->rooms);
		unsigned kept = 0;
		for (guint i = 0; i < ids->len; i++) {
			GPtrArray *taken =
			    sig_rooms_take(ws->rooms, g_array_index(ids, int64_t, i), 0);
			for (guint k = 0; k < taken->len; k++) {
				struct sig_member *m = taken->pdata[k];
				if (ws->media)
					sig_media_member_left(ws->media, m);
				if (m->conn)
					m->conn->member = NULL;
				sig_member_free(m);
			}
			kept += taken->len;
			g_ptr_array_free(taken, TRUE);
		}
		g_array_free(ids, TRUE);
		if (kept)
			log_info("seats: %u kept for a resume after the restart", kept);
		sig_ops_listen(ws->ops, NULL, NULL);
		g_array_free(ws->pending, TRUE);
	}
	g_free(ws);
	return NULL;
}

void sig_ws_conn_open(struct sig_ws_conn *conn, struct sig_ws *ws, const struct sig_ws_io *io,
		      const char *peer)
{
	conn->ws = ws;
	conn->io = io;
	g_strlcpy(conn->peer, peer, sizeof(conn->peer));
	ws->stats.connections_open++;
}

static void sig_ws_on_ping(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	(void)msg;
	json_t *pong = json_pack("{s:s}", "type", "pong");
	if (id)
		json_object_set(pong, "id", (json_t *)id);
	sig_ws_send(conn, pong);
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
    {"join", sig_ws_on_join_counted, SIG_WS_ANYONE},
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
    {"to_waiting", sig_ws_on_to_waiting, SIG_WS_JOINED},
    {"end", sig_ws_on_end, SIG_WS_JOINED},
    {"grant", sig_ws_on_grant, SIG_WS_JOINED},
    {"revoke", sig_ws_on_revoke, SIG_WS_JOINED},
    {"publish", sig_ws_on_publish, SIG_WS_ADMITTED},
    {"subscribe", sig_ws_on_subscribe, SIG_WS_ADMITTED},
    {"subscribe.answer", sig_ws_on_subscribe_answer, SIG_WS_ADMITTED},
    {"subscribe.restart", sig_ws_on_subscribe_restart, SIG_WS_ADMITTED},
    {"subscribe.hint", sig_ws_on_subscribe_hint, SIG_WS_ADMITTED},
    {"chat", sig_ws_on_chat, SIG_WS_ADMITTED},
    {"hand", sig_ws_on_hand, SIG_WS_ADMITTED},
};

/* Requests per connection per window; true when this one is allowed. */
static bool sig_ws_within_rate(struct sig_ws_conn *conn)
{
	int64_t now = clock_wall_ms();

	if (now - conn->window_start_ms >= SIG_WS_RATE_WINDOW_MS) {
		conn->window_start_ms = now;
		conn->window_count = 0;
	}
	return ++conn->window_count <= SIG_WS_RATE_MAX;
}

void sig_ws_dispatch(struct sig_ws_conn *conn, const char *text, size_t len)
{
	json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *type = json_object_get(msg, "type"), *id = json_object_get(msg, "id");

	/* Hints (a tile scrolled into view) have their own, tighter limit
	 * (sig_media_subscribe_hint) and do not use up the requests'. */
	bool hint = json_is_string(type) && strcmp(json_string_value(type), "subscribe.hint") == 0;

	if (!hint && !sig_ws_within_rate(conn)) {
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
		else {
			conn->ws->dispatching = true;
			h->fn(conn, msg, id);
			conn->ws->dispatching = false;
			sig_ws_run_pending(conn->ws);
		}
		goto out;
	}
	sig_ws_error(conn, id, "unknown_type", "this server does not know that request", NULL);
out:
	json_decref(msg);
}

void sig_ws_join_timeout(struct sig_ws_conn *conn)
{
	if (conn->member)
		return;
	sig_ws_error(conn, NULL, "join_timeout", "no join within 10 seconds", NULL);
	sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
}

void sig_ws_conn_closed(struct sig_ws_conn *conn)
{
	struct sig_member *m = conn->member;

	conn->ws->stats.connections_open--;
	if (!m)
		return;
	/* The socket dropped without a leave: the seat (and the media
	 * transports) wait SIG_WS_RESUME_S for a resume. */
	m->conn = NULL;
	m->disconnected_us = clock_mono_us();
	conn->member = NULL;
	if (!m->waiting)
		sig_ws_broadcast(conn->ws, m->session_id, m,
				 json_pack("{s:s,s:s}", "type", "participant.reconnecting",
					   "participant_id", m->participant_id));
}

struct sig_ws_drain {
	struct sig_ws *ws;
	unsigned connected;
};

static void sig_ws_drain_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_drain *d = userdata;

	if (!m->conn)
		return;
	d->connected++;
	if (!d->ws)
		return;
	sig_ws_send(m->conn, json_pack("{s:s,s:i}", "type", "server.restarting", "retry_after_ms",
				       d->ws->retry_after_ms));
	sig_ws_close(m->conn, SIG_WS_CLOSE_RESTART);
}

/* Calls fn for every member of every session. */
static void sig_ws_foreach_member(struct sig_ws *ws, sig_member_fn fn, void *userdata)
{
	GArray *ids = sig_rooms_sessions(ws->rooms);

	for (guint i = 0; i < ids->len; i++)
		sig_rooms_foreach(ws->rooms, g_array_index(ids, int64_t, i), fn, userdata);
	g_array_free(ids, TRUE);
}

void sig_ws_drain(struct sig_ws *ws, int retry_after_ms)
{
	struct sig_ws_drain d = {.ws = ws};

	ws->draining = true;
	ws->retry_after_ms = retry_after_ms;
	sig_ws_foreach_member(ws, sig_ws_drain_one, &d);
	log_info("draining: %u connected participants told the server restarts", d.connected);
}

unsigned sig_ws_connected(struct sig_ws *ws)
{
	struct sig_ws_drain d = {.ws = NULL};

	sig_ws_foreach_member(ws, sig_ws_drain_one, &d);
	return d.connected;
}

static void sig_ws_end_session(struct sig_ws *ws, int64_t session_id, const char *reason)
{
	sig_ws_evict(ws, sig_rooms_take(ws->rooms, session_id, 0),
		     json_pack("{s:s,s:s}", "type", "session.ended", "reason", reason), reason);
}

static void sig_ws_run_eviction(struct sig_ws *ws, const struct sig_ws_eviction *e)
{
	if (!e->entry_id)
		sig_ws_end_session(ws, e->session_id, e->reason);
	else
		sig_ws_evict(ws, sig_rooms_take(ws->rooms, e->session_id, e->entry_id),
			     json_pack("{s:s,s:s}", "type", "bye", "reason", "removed"), "removed");
}

/* An operation asked from a request of this protocol (a host's "end" or
 * "remove") disconnects people once that request is answered: the host
 * hears "end.ok" before its own connection closes. One asked from
 * elsewhere (the admin API) takes effect at once. */
static void sig_ws_evict_later(struct sig_ws *ws, struct sig_ws_eviction e)
{
	if (ws->dispatching)
		g_array_append_val(ws->pending, e);
	else
		sig_ws_run_eviction(ws, &e);
}

void sig_ws_run_pending(struct sig_ws *ws)
{
	for (guint i = 0; i < ws->pending->len; i++)
		sig_ws_run_eviction(ws, &g_array_index(ws->pending, struct sig_ws_eviction, i));
	g_array_set_size(ws->pending, 0);
}

static void sig_ws_session_ended(void *userdata, int64_t session_id, const char *reason)
{
	struct sig_ws_eviction e = {.session_id = session_id};

	g_strlcpy(e.reason, reason, sizeof(e.reason));
	sig_ws_evict_later(userdata, e);
}

static void sig_ws_entry_removed(void *userdata, int64_t session_id, int64_t entry_id)
{
	sig_ws_evict_later(
	    userdata, (struct sig_ws_eviction){.session_id = session_id, .entry_id = entry_id});
}

struct sig_ws_clock {
	struct sig_ws *ws;
	int64_t now;
	bool over;
	bool expired; /* someone's resume time ran out */
};

static void sig_ws_expire_one(struct sig_member *m, void *userdata)
{
	GPtrArray *out = userdata;

	if (m->disconnected_us &&
	    clock_mono_us() - m->disconnected_us > SIG_WS_RESUME_S * 1000000LL)
		g_ptr_array_add(out, m);
}

static void sig_ws_clock_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_clock *c = userdata;

	if (m->disconnected_us &&
	    clock_mono_us() - m->disconnected_us > SIG_WS_RESUME_S * 1000000LL) {
		c->expired = true;
		return;
	}
	if (c->ws->media)
		sig_media_hint_flush(c->ws->media, m); /* hints the rate limit held back */
	if (!m->disconnected_us)
		sig_ws_turn_tick(c->ws, m, c->now);
	if (!m->closes_at)
		return;
	if (c->now >= m->closes_at) {
		c->over = true;
		return;
	}
	if (!m->warned && c->now >= m->closes_at - SIG_WS_END_WARNING_S) {
		m->warned = true;
		sig_ws_send_member(m, json_pack("{s:s,s:o,s:I}", "type", "session.ending", "at",
						sig_json_time(m->closes_at), "in_s",
						(json_int_t)(m->closes_at - c->now)));
	}
}

void sig_ws_tick(struct sig_ws *ws, int64_t now)
{
	GArray *ids = sig_rooms_sessions(ws->rooms);

	for (guint i = 0; i < ids->len; i++) {
		int64_t sid = g_array_index(ids, int64_t, i);
		struct sig_ws_clock c = {.ws = ws, .now = now};
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
	sig_speaker_room_tick(ws->rooms, clock_mono_us(), sig_ws_tell, NULL);
}
