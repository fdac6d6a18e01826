/* What the files of the client protocol (ws.c, ws_moderation.c) share:
 * the connection, sending, answering, broadcasting, and the request
 * handlers. Private to live/ws*.c. */
#ifndef HEARTH_LIVE_WS_INTERNAL_H
#define HEARTH_LIVE_WS_INTERNAL_H

#include <glib.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/capbuf.h"
#include "live/room.h"
#include "live/ws.h"

struct sig_ws {
	struct sig_store *store;       /* borrowed */
	struct sig_ratelimit *limiter; /* borrowed: failed attempts per address */
	struct sig_rooms *rooms;       /* borrowed */
	struct sig_media *media;       /* borrowed; NULL: no media plane */
	struct sig_ops *ops;	       /* borrowed: the operations both protocols share */
	bool dispatching;	       /* a request handler is running */
	GArray *pending;	       /* of struct sig_ws_eviction: to run once it returns */
};

/* Who an operation (service/session_ops.h) disconnects: everyone in a
 * session, or the member of one roster entry. */
struct sig_ws_eviction {
	int64_t session_id;
	int64_t entry_id; /* 0: the whole session ended */
	char reason[16];  /* "ended", "deleted" */
};

/* One queued outgoing text frame, with LWS_PRE bytes of headroom. */
struct sig_ws_frame {
	size_t len;
	unsigned char data[];
};

/* Per connection; lws allocates and zeroes it. */
struct sig_ws_conn {
	struct lws *wsi;
	struct sig_ws *ws;
	struct sig_member *member; /* NULL until join.ok, and after leaving */
	char peer[64];
	struct capbuf rx; /* the message being received: grows up to SIG_WS_MAX_MESSAGE */
	GQueue out;
	size_t out_bytes;
	bool closing;
	enum lws_close_status close_status;
	lws_sorted_usec_list_t join_timer;
	int64_t window_start_ms;
	int window_count;
};

struct sig_ws_broadcast {
	const struct sig_member *except;
	json_t *msg;
};

/* Disconnects within a second: after the queue drains, or by force. */
void sig_ws_close(struct sig_ws_conn *conn, enum lws_close_status status);
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
/* "participants" (and for hosts "waiting", "roster") into msg. */
void sig_ws_add_presence(struct sig_ws *ws, const struct sig_member *m, json_t *msg);

/* Runs the evictions operations asked for while a handler ran. */
void sig_ws_run_pending(struct sig_ws *ws);

/* Request handlers of ws_moderation.c: the waiting room, moderation,
 * raised hands, presence of camera and microphone, chat. */
void sig_ws_on_admit(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_deny(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_mute(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_unmute(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_media_state(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_remove(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_end(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_chat(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_hand(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_grant(struct sig_ws_conn *conn, json_t *msg, const json_t *id);
void sig_ws_on_revoke(struct sig_ws_conn *conn, json_t *msg, const json_t *id);

#endif
