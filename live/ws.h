/* The client protocol over WebSocket at /ws (docs/protocol.md): framing,
 * limits, the table of request handlers, and presence events. Control
 * thread only. */
#ifndef HEARTH_LIVE_WS_H
#define HEARTH_LIVE_WS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct sig_media;
struct sig_ops;
struct sig_ratelimit;
struct sig_rooms;
struct sig_server_protocol;
struct sig_store;
struct sig_ws;
struct sig_ws_conn;

#define SIG_WS_PROTOCOL	      "hearth.v1"
#define SIG_WS_MAX_MESSAGE    (64 * 1024)
#define SIG_WS_RX_KEEP	      4096 /* a receive buffer larger than this is freed after use */
#define SIG_WS_MAX_QUEUED     (1024 * 1024) /* bytes waiting to be sent to one client */
#define SIG_WS_JOIN_TIMEOUT_S 10
#define SIG_WS_RATE_WINDOW_MS 10000
#define SIG_WS_RATE_MAX	      50 /* requests per window per connection */
#define SIG_WS_RESUME_S	      30 /* a dropped connection keeps its seat this long */

/* store, limiter (failed join and resume attempts per address), rooms,
 * ops and media (NULL: no media plane) are borrowed. Registers with ops: when an operation ends a
 * session or removes an entry, the people concerned are told and disconnected. */
struct sig_ws *sig_ws_new(struct sig_store *store, struct sig_ratelimit *limiter,
			  struct sig_rooms *rooms, struct sig_ops *ops, struct sig_media *media);
struct sig_ws *sig_ws_free(struct sig_ws *ws);

/* Hands out credentials for the TURN servers of cfg (resolved) from now
 * on: in join and resume answers, renewed before they expire
 * (docs/protocol.md, "TURN"). No servers configured: iceServers stay []. */
struct cfg;
void sig_ws_use_turn(struct sig_ws *ws, const struct cfg *cfg);

/* Routes joins and resumes by the leases of cluster (borrowed,
 * service/cluster.h): a session another node serves is answered
 * wrong_node with its URL. Without a cluster, every session is served
 * here. */
struct sig_cluster;
void sig_ws_use_cluster(struct sig_ws *ws, struct sig_cluster *cluster);

/* This node lost session_id's lease to another (service/cluster.h,
 * sig_cluster_lost_fn): its members here are let go without a departure
 * (their seats are the new home's); the connected ones are told the
 * server restarts, and their resume, answered wrong_node here, takes them
 * to the new home. */
void sig_ws_session_moved(struct sig_ws *ws, int64_t session_id);

/* The client protocol as http/ serves it (SIG_WS_PROTOCOL on /ws), for
 * sig_server_new(); its callbacks find ws again. */
void sig_ws_protocol(struct sig_ws *ws, struct sig_server_protocol *ret_protocol);

/* Queues msg (taken) for member's connection, if it still has one. */
struct sig_member;
void sig_ws_send_member(struct sig_member *member, json_t *msg);
/* The same as a sig_media_tell_fn (userdata unused), for sig_media_new(). */
void sig_ws_tell(void *userdata, struct sig_member *member, json_t *msg);

/* At start: the seats stored before a restart (live/seats.c) come back as
 * disconnected members whose resume window starts now; seats that expired,
 * or whose session ended or entry was removed, are deleted (and their
 * departure audited). Returns how many came back, or a negative errno. */
int sig_ws_restore_seats(struct sig_ws *ws, int64_t now);

/* SIGTERM: the server restarts. Every connected member hears
 * {"type":"server.restarting","retry_after_ms":…} and its socket closes
 * (1012); joins and resumes are refused ("server_restarting") from now on.
 * Seats stay stored for the next process. */
void sig_ws_drain(struct sig_ws *ws, int retry_after_ms);
/* Members whose socket is still open. */
unsigned sig_ws_connected(struct sig_ws *ws);

/* Once a second: warns everyone 5 minutes before their session's window
 * (with grace) closes, and ends it for them when it does. */
#define SIG_WS_END_WARNING_S 300
void sig_ws_tick(struct sig_ws *ws, int64_t now);

/* What a join came to, for hearth_joins_total{outcome}: "ok", "waiting",
 * or the error code of docs/protocol.md that refused it; a code not in the
 * list counts as "other" (the label's values stay a fixed set). */
#define SIG_JOIN_OUTCOMES 19
const char *sig_join_outcome_name(unsigned outcome);
unsigned sig_join_outcome_of(const char *code); /* NULL or unknown: "other" */

/* The client protocol's figures for /metrics (control thread). */
struct sig_ws_stats {
	uint64_t connections_open; /* WebSocket connections now */
	uint64_t joins[SIG_JOIN_OUTCOMES];
};
void sig_ws_stats(const struct sig_ws *ws, struct sig_ws_stats *ret_stats);

#endif
