/* What the files of the client protocol (ws*.c) share: the service, the
 * connection and its transport, sending, answering, broadcasting, and the
 * request handlers. Private to live/ws*.c (and the unit tests, which play
 * the transport). No libwebsockets here: only ws_lws.c knows it. */
#ifndef HEARTH_LIVE_WS_INTERNAL_H
#define HEARTH_LIVE_WS_INTERNAL_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "live/room.h"
#include "live/ws.h"
#include "model/domain.h"

struct sig_ws {
	struct sig_store *store;       /* borrowed */
	struct sig_ratelimit *limiter; /* borrowed: failed attempts per address */
	struct sig_rooms *rooms;       /* borrowed */
	struct sig_media *media;       /* borrowed; NULL: no media plane */
	struct sig_ops *ops;	       /* borrowed: the operations both protocols share */
	struct sig_turn *turn;	       /* owned; NULL: no TURN servers */
	struct sig_cluster *cluster;   /* borrowed; NULL: one node, no leases */
	bool dispatching;	       /* a request handler is running */
	bool draining;		       /* the server restarts: no join, no resume */
	int retry_after_ms;	       /* what draining tells clients to wait */
	GArray *pending;	       /* of struct sig_ws_eviction: to run once it returns */
	struct sig_ws_stats stats;     /* for /metrics (ws_stats.c) */
};

/* Who an operation (service/session_ops.h) disconnects: everyone in a
 * session, or the member of one roster entry. */
struct sig_ws_eviction {
	int64_t session_id;
	int64_t entry_id; /* 0: the whole session ended */
	char reason[16];  /* "ended", "deleted" */
};

/* RFC 6455 §7.4.1 close codes the protocol uses (libwebsockets' enum
 * lws_close_status has the same values). */
enum sig_ws_close_code {
	SIG_WS_CLOSE_NORMAL = 1000,
	SIG_WS_CLOSE_POLICY = 1008,
	SIG_WS_CLOSE_TOO_LARGE = 1009,
	SIG_WS_CLOSE_UNEXPECTED = 1011,
	SIG_WS_CLOSE_RESTART = 1012, /* "Service Restart" (IANA WebSocket close codes) */
};

struct sig_ws_conn;

/* What carries a connection's messages: libwebsockets in hearthd
 * (ws_lws.c), a fake in the unit tests. */
struct sig_ws_io {
	/* Queues one text message (copied). Returns 0, or -ENOBUFS when the
	 * client has more than SIG_WS_MAX_QUEUED bytes waiting (the caller
	 * disconnects it), or -ENOMEM. */
	int (*write)(struct sig_ws_conn *conn, const char *text, size_t len);
	/* Closes with code once what is queued went out, within a second.
	 * Called once. */
	void (*close)(struct sig_ws_conn *conn, enum sig_ws_close_code code);
	/* The connection joined or resumed: its join timeout stops. */
	void (*joined)(struct sig_ws_conn *conn);
};

/* The protocol's part of one connection (zeroed, then
 * sig_ws_conn_open()). */
struct sig_ws_conn {
	struct sig_ws *ws;
	const struct sig_ws_io *io;
	struct sig_member *member; /* NULL until join.ok, and after leaving */
	char peer[64];		   /* the client's address, for the rate limits */
	bool closing;
	const char *last_error; /* the code of the last error sent (static), for the join count */
	int64_t window_start_ms;
	int window_count;
};

/* What the transport calls: a connection opened (peer: its client's
 * address, "" when unknown); one complete text message arrived; no join
 * came within SIG_WS_JOIN_TIMEOUT_S; the connection is gone (the protocol
 * forgets it; a member keeps its seat for a resume). */
void sig_ws_conn_open(struct sig_ws_conn *conn, struct sig_ws *ws, const struct sig_ws_io *io,
		      const char *peer);
void sig_ws_dispatch(struct sig_ws_conn *conn, const char *text, size_t len);
void sig_ws_join_timeout(struct sig_ws_conn *conn);
void sig_ws_conn_closed(struct sig_ws_conn *conn);

struct sig_ws_broadcast {
	const struct sig_member *except;
	json_t *msg;
};

/* Disconnects within a second: after the queue drains, or by force. */
void sig_ws_close(struct sig_ws_conn *conn, enum sig_ws_close_code code);
/* Queues msg (taken) for the client. */
void sig_ws_send(struct sig_ws_conn *conn, json_t *msg);
/* "<type>.ok" with the request's id and msg's fields (msg taken, may be NULL). */
void sig_ws_reply(struct sig_ws_conn *conn, const json_t *id, const char *type, json_t *msg);
/* {"type":"error","id":…,"error":{"code","message"} + extra (taken)}. */
void sig_ws_error(struct sig_ws_conn *conn, const json_t *id, const char *code, const char *message,
		  json_t *extra);
/* "roster:<id>" for the audit log; caller frees. */
char *sig_ws_actor(const struct sig_member *m);
/* msg (taken) to everyone admitted in the session but except. */
void sig_ws_broadcast(struct sig_ws *ws, int64_t session_id, const struct sig_member *except,
		      json_t *msg);
/* msg (taken) to the hosts and cohosts present. */
void sig_ws_tell_moderators(struct sig_ws *ws, int64_t session_id, json_t *msg);
/* A detached member is gone: the others told, audited, freed. */
void sig_ws_departed(struct sig_ws *ws, struct sig_member *m, const char *reason);
/* Tells each member taken from the room (msg taken) and disconnects it. */
void sig_ws_evict(struct sig_ws *ws, GPtrArray *taken, json_t *msg, const char *reason);
/* An audit row of m, by m: {"participant": id} plus extra's fields (extra
 * taken, may be NULL; never personal data). */
void sig_ws_audit_with(struct sig_ws *ws, const struct sig_member *m, enum sig_audit_kind kind,
		       json_t *extra);
/* "participants" (and for hosts "waiting", "roster") into msg. */
void sig_ws_add_presence(struct sig_ws *ws, const struct sig_member *m, json_t *msg);

/* The shared operations on one participant (service/participant_ops.h),
 * as the client protocol does them (ws_participant_ops.c). */
extern const struct sig_participant_listener sig_ws_participants;
/* m leaves the waiting room: told, with who is present; the others told. */
void sig_ws_admit_member(struct sig_ws *ws, struct sig_member *m, const char *actor);
/* Sets (on) or lifts a host's mute of one kind (a RELAY_MUTE_* bit) and
 * tells everyone admitted; by: "host" or "self". */
void sig_ws_apply_mute(struct sig_ws *ws, struct sig_member *m, unsigned bit, bool on, bool lock,
		       const char *by);

/* Runs the evictions operations asked for while a handler ran. */
void sig_ws_run_pending(struct sig_ws *ws);

/* Request handlers of ws_join.c: getting in and out. */
void sig_ws_on_join(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
/* sig_ws_on_join, counted by outcome (ws_stats.c). */
void sig_ws_on_join_counted(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_resume(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_leave(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
/* From the once-a-second tick: m's TURN credentials renewed (ice.servers)
 * when they are due. */
void sig_ws_turn_tick(struct sig_ws *ws, struct sig_member *m, int64_t now);

/* seats.c: m's seat written to the store (join, admission, resume, a
 * host's mute or grant), or deleted (departure). Failures are logged. */
void sig_ws_seat_save(struct sig_ws *ws, const struct sig_member *m);
void sig_ws_seat_forget(struct sig_ws *ws, const struct sig_member *m);

/* seats.c: the stored seats of one session come back (a node took its
 * lease), as sig_ws_restore_seats does for all at start. */
int sig_ws_restore_session_seats(struct sig_ws *ws, int64_t session_id, int64_t now);

/* ws_lease.c and ws_home.c: which node serves a session
 * (service/cluster.h). sig_ws_lease: an enum sig_cluster_home for session's current occurrence
 * (SIG_CLUSTER_HERE without a cluster), *ret_url for ELSEWHERE; or a
 * negative errno. sig_ws_home: 0 when this node serves session (its seats
 * restored if it took the lease now); else the client was answered
 * (wrong_node, or try again) and the socket closes, and a negative errno
 * is returned. sig_ws_resume_home: for a resume token no member here
 * holds: 0 when it is not another node's (its seats restored here if this
 * node took the session over), 1 when the client was answered. */
int sig_ws_lease(struct sig_ws *ws, const struct sig_session *session, int64_t now, char **ret_url);
int sig_ws_home(struct sig_ws_conn *conn, const json_t *id, const struct sig_session *session);
int sig_ws_resume_home(struct sig_ws_conn *conn, const json_t *id,
		       const uint8_t hash[CRYPTO_SHA256_BYTES]);

/* Request handlers of ws_media.c: media negotiation. */
void sig_ws_on_publish(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_subscribe(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_subscribe_answer(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_subscribe_restart(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_subscribe_hint(struct sig_ws_conn *conn, json_t *msg, const json_t *id);

/* Request handlers of ws_moderation.c: the waiting room, moderation,
 * raised hands, presence of camera and microphone, chat. */
void sig_ws_on_admit(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_deny(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_mute(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_unmute(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_media_state(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_remove(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_to_waiting(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_end(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_chat(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_hand(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_grant(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_revoke(struct sig_ws_conn *conn, json_t *msg, const json_t *id);

#endif
