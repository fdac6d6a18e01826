/* The control plane's storage: sessions, roster entries, invites and the
 * audit log. All access goes through these functions, and two backends
 * implement them (backend.h): SQLite (sqlite_*.c, the default: one file in
 * the state directory, WAL, foreign keys on, synchronous=FULL, schema
 * version in PRAGMA user_version with migrations in code) and PostgreSQL
 * (pg_*.c, through libpq, for several nodes sharing one database: the
 * same schema, versioned in a schema_version table).
 *
 * Every function that writes runs in its own transaction, unless the caller
 * opened one with sig_store_begin() to group several; a committed change
 * survives kill -9. Errors: -ENOENT (no such row, or the row it refers to is
 * missing), -EEXIST (a unique value taken), -EIO (the database failed; the
 * store logs the database's message at debug level only), -EINVAL (a value
 * the schema refuses).
 *
 * Control thread only; not thread-safe. */
#ifndef HEARTH_STORE_STORE_H
#define HEARTH_STORE_STORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/domain.h"

#define SIG_STORE_LIST_MAX 200 /* rows one list call returns at most */

struct sig_store;
struct sig_outbox_row;

/* Opens (creating and migrating as needed) the database at where: a
 * postgresql:// or postgres:// URL (sig_store_is_url()), else the path of
 * a SQLite file. Refuses a database whose schema is newer than this build
 * knows (-EPROTO). For PostgreSQL, password (may be NULL: then libpq's
 * PGPASSWORD or PGPASSFILE) is used to log in; a URL that carries a
 * password itself is refused (-EINVAL). */
int sig_store_open_with(const char *where, const char *password, struct sig_store **ret_store);
/* The same without a password. */
int sig_store_open(const char *where, struct sig_store **ret_store);
bool sig_store_is_url(const char *where);
/* Checks a PostgreSQL URL's form without connecting: 0, or -EINVAL with
 * ret_problem (caller frees; names no credentials). */
int sig_store_url_check(const char *url, char **ret_problem);
/* The URL with any password and query left out, for logs (caller frees). */
char *sig_store_url_redacted(const char *url);
/* "sqlite" or "postgresql". */
const char *sig_store_backend_name(const struct sig_store *store);
/* Accepts NULL; returns NULL. */
struct sig_store *sig_store_close(struct sig_store *store);
/* The schema version this build writes. */
int sig_store_schema_version(void);

/* Groups the following calls into one transaction (SQLite: BEGIN
 * IMMEDIATE, one writer at a time; PostgreSQL: BEGIN, read committed, so
 * a group that reads then writes a row another node may write too must
 * lock it). No nesting. */
int sig_store_begin(struct sig_store *store);
int sig_store_commit(struct sig_store *store);
/* Safe to call when no transaction is open. */
void sig_store_rollback(struct sig_store *store);

/* Lists return rows with id > after_id in id order, at most limit (1..
 * SIG_STORE_LIST_MAX), appended to ret_rows: a GArray of the row struct
 * whose clear func the caller set (e.g. sig_session_clear). */

/* Sessions. insert sets session->id; the caller fills created_at and
 * updated_at. delete removes its roster entries and invites too (not its
 * audit rows). */
int sig_store_session_insert(struct sig_store *store, struct sig_session *session);
int sig_store_session_get(struct sig_store *store, int64_t id, struct sig_session *ret_session);
int sig_store_session_update(struct sig_store *store, const struct sig_session *session);
int sig_store_session_delete(struct sig_store *store, int64_t id);
int sig_store_session_list(struct sig_store *store, int64_t after_id, int limit, GArray *ret_rows);
/* The same, only sessions whose external_id is exactly external_id. */
int sig_store_session_list_external(struct sig_store *store, const char *external_id,
				    int64_t after_id, int limit, GArray *ret_rows);

/* Roster entries (of an existing session: else -ENOENT). count counts the
 * entries not removed. delete removes the entry's invites too. */
int sig_store_roster_insert(struct sig_store *store, struct sig_roster_entry *entry);
int sig_store_roster_get(struct sig_store *store, int64_t id, struct sig_roster_entry *ret_entry);
int sig_store_roster_update(struct sig_store *store, const struct sig_roster_entry *entry);
int sig_store_roster_delete(struct sig_store *store, int64_t id);
int sig_store_roster_list(struct sig_store *store, int64_t session_id, int64_t after_id, int limit,
			  GArray *ret_rows);
int sig_store_roster_count(struct sig_store *store, int64_t session_id, int *ret_count);

/* Invites. insert refuses a token hash already stored (-EEXIST).
 * find_by_hash looks a hash up; the caller still compares it in constant
 * time. list filters by session, and by roster entry unless 0. */
int sig_store_invite_insert(struct sig_store *store, struct sig_invite *invite);
int sig_store_invite_get(struct sig_store *store, int64_t id, struct sig_invite *ret_invite);
int sig_store_invite_find_by_hash(struct sig_store *store, const uint8_t hash[CRYPTO_SHA256_BYTES],
				  struct sig_invite *ret_invite);
/* Writes every field but uses, which only sig_store_invite_use() counts
 * (atomically, so that nodes sharing the database lose no use). */
int sig_store_invite_update(struct sig_store *store, const struct sig_invite *invite);
int sig_store_invite_list(struct sig_store *store, int64_t session_id, int64_t roster_entry_id,
			  int64_t after_id, int limit, GArray *ret_rows);

/* Seats: who holds a place in an open session, so that a restart of the
 * daemon drops no call (live/seats.c keeps them up to date). The resume
 * token is kept only as its SHA-256. */
struct sig_seat {
	int64_t id;
	char participant_id[20]; /* "p-" + 16 hex digits */
	int64_t session_id;
	int64_t roster_entry_id;
	uint8_t resume_hash[CRYPTO_SHA256_BYTES];
	bool waiting;
	unsigned granted;   /* SIG_PERM_* a host granted for this visit */
	unsigned muted;	    /* RELAY_MUTE_* a host imposed */
	unsigned locked;    /* of those, the ones the participant may not lift */
	char *display_name; /* chosen for this visit; NULL: the roster's */
	int64_t closes_at;  /* end of the occurrence's window, Unix s; 0: none */
	int64_t expires_at; /* Unix s after which the seat is worth nothing */
};
void sig_seat_clear(struct sig_seat *seat);

/* put inserts the seat of seat->participant_id or replaces its state (the
 * session and entry of a seat never change); -ENOENT when the roster entry
 * is gone. delete: -ENOENT when there is no such seat. */
int sig_store_seat_put(struct sig_store *store, const struct sig_seat *seat);
int sig_store_seat_delete(struct sig_store *store, const char *participant_id);
int sig_store_seat_list(struct sig_store *store, int64_t after_id, int limit, GArray *ret_rows);
/* The seat of participant_id, or -ENOENT (caller clears ret_seat). */
int sig_store_seat_get(struct sig_store *store, const char *participant_id,
		       struct sig_seat *ret_seat);
/* The same, only the seats of one session (its resume window follows it to
 * whichever node takes its lease). */
int sig_store_seat_list_session(struct sig_store *store, int64_t session_id, int64_t after_id,
				int limit, GArray *ret_rows);
/* The seat whose resume token hashes to resume_hash; -ENOENT for none. */
int sig_store_seat_find(struct sig_store *store, const uint8_t resume_hash[CRYPTO_SHA256_BYTES],
			struct sig_seat *ret_seat);

/* Nodes and leases (several hearthd on one database; service/cluster.c):
 * each node beats (its row, with when it last did, and its leases renewed
 * in the same transaction); an open occurrence is homed on one node by a
 * lease that expires unless renewed. Times are Unix milliseconds of the
 * nodes' clocks (kept in step by NTP). */
#define SIG_NODE_ID_MAX	   64  /* bytes: [A-Za-z0-9._-] */
#define SIG_NODE_URL_MAX   512 /* bytes of a node's public URL */
#define SIG_NODE_MEDIA_MAX 512 /* bytes of its media addresses, as text */
struct sig_node {
	char id[SIG_NODE_ID_MAX + 1];
	char *public_url; /* owned */
	char *media;	  /* owned: "addr[,addr]", what its SDP offers */
	int load;	  /* participants present */
	int64_t heartbeat_ms;
};
void sig_node_clear(struct sig_node *node);

/* Who holds a lease: the node, its public URL ("" when its row is gone),
 * until when. */
struct sig_lease {
	char node_id[SIG_NODE_ID_MAX + 1];
	char *public_url; /* owned */
	int64_t expires_ms;
};
void sig_lease_clear(struct sig_lease *lease);

/* One transaction: node's row inserted or replaced, and every lease it
 * holds renewed until lease_until_ms. */
int sig_store_node_beat(struct sig_store *store, const struct sig_node *node,
			int64_t lease_until_ms);
/* A node leaving (drain): its leases released and its row deleted. */
int sig_store_node_leave(struct sig_store *store, const char *node_id);
/* The nodes that beat at or after alive_since_ms, by id, at most limit
 * (1..SIG_STORE_LIST_MAX), as struct sig_node rows. */
int sig_store_node_list(struct sig_store *store, int64_t alive_since_ms, int limit,
			GArray *ret_rows);
/* Takes the lease of the occurrence (session_id, start) for node_id until
 * expires_ms, in one atomic step: inserted when there is none, renewed
 * when node_id holds it, taken over when it expired before now_ms; else
 * left to its holder. ret_holder says who holds it afterwards (node_id
 * when taken). */
int sig_store_lease_take(struct sig_store *store, int64_t session_id, int64_t start,
			 const char *node_id, int64_t now_ms, int64_t expires_ms,
			 struct sig_lease *ret_holder);
/* Releases the lease if node_id holds it (-ENOENT otherwise). */
int sig_store_lease_release(struct sig_store *store, int64_t session_id, int64_t start,
			    const char *node_id);

/* Occurrences of a session, keyed by their scheduled start (schedule.h
 * computes them; the store keeps only what happened in one). get: -ENOENT
 * when nothing happened yet. joined records a join at now; *ret_first
 * says whether it was the occurrence's first. end marks it ended at now;
 * *ret_first is false when it had ended already (ended_at kept). list
 * gives the session's recorded occurrences that start before
 * before_start, newest first (at most limit), as struct
 * sig_occurrence_record rows; -ENOENT for no such session. */
int sig_store_occurrence_get(struct sig_store *store, int64_t session_id, int64_t start,
			     struct sig_occurrence_record *ret_record);
int sig_store_occurrence_joined(struct sig_store *store, int64_t session_id, int64_t start,
				int64_t now, bool *ret_first);
int sig_store_occurrence_end(struct sig_store *store, int64_t session_id, int64_t start,
			     int64_t now, bool *ret_first);
int sig_store_occurrence_list(struct sig_store *store, int64_t session_id, int64_t before_start,
			      int limit, GArray *ret_rows);

/* An invite's uses, one per occurrence: use records that invite_id was
 * used in the occurrence starting at occurrence_start and, the first time
 * (*ret_new), counts it in the invite's uses in the same statement as the
 * check uses < max_uses, so that two nodes cannot both take the last use:
 * -EDQUOT (nothing recorded) when the invite is used up. used_in asks
 * whether it was. note_low marks the invite's "nearly used up" audit row
 * as written (*ret_first: not before). */
int sig_store_invite_use(struct sig_store *store, int64_t invite_id, int64_t occurrence_start,
			 int64_t now, bool *ret_new);
int sig_store_invite_used_in(struct sig_store *store, int64_t invite_id, int64_t occurrence_start,
			     bool *ret_used);
int sig_store_invite_note_low(struct sig_store *store, int64_t invite_id, int64_t now,
			      bool *ret_first);

/* The audit log: append-only. append fills event->id, prev_hash and hash
 * (chained with sig_audit_hash()); the caller fills the rest. list filters
 * by session unless 0. verify walks the whole chain: returns 0 with
 * ret_rows set when every row and the recorded head match, or -EBADMSG with
 * ret_first_bad_id (the first row that does not verify; for a truncated
 * log, the id after the last row) and ret_problem (caller frees). */
int sig_store_audit_append(struct sig_store *store, struct sig_audit_event *event);
/* The same, and outbox (may be NULL) into the webhook outbox in the same
 * transaction: neither is written without the other. outbox->id is set. */
int sig_store_audit_append_with(struct sig_store *store, struct sig_audit_event *event,
				struct sig_outbox_row *outbox);
int sig_store_audit_list(struct sig_store *store, int64_t session_id, int64_t after_id, int limit,
			 GArray *ret_rows);
/* The newest row's id (0 when empty) and hash, as the head records them. */
int sig_store_audit_head(struct sig_store *store, int64_t *ret_last_id,
			 uint8_t ret_last_hash[CRYPTO_SHA256_BYTES]);
int sig_store_audit_verify(struct sig_store *store, int64_t *ret_rows, int64_t *ret_first_bad_id,
			   char **ret_problem);

/* Events between nodes sharing one database (service/node_event.h encodes
 * the body: ids only, never personal data). publish inserts one in the
 * caller's transaction (or its own) and, on PostgreSQL, NOTIFYs channel
 * SIG_STORE_EVENT_CHANNEL with the event's id: the notification leaves at
 * commit, and not at all for a write rolled back. list gives the events
 * the database's clock dated within the last window_ms that origin did not
 * publish, id > after_id, oldest first (at most limit), as struct
 * sig_store_event rows; prune deletes those older than keep_ms. */
#define SIG_STORE_EVENT_CHANNEL	   "hearth_events"
#define SIG_STORE_EVENT_ORIGIN_MAX 32
#define SIG_STORE_EVENT_BODY_MAX   256
struct sig_store_event {
	int64_t id;
	char origin[SIG_STORE_EVENT_ORIGIN_MAX + 1];
	char body[SIG_STORE_EVENT_BODY_MAX + 1];
};
int sig_store_event_publish(struct sig_store *store, const char *origin, const char *body,
			    int64_t *ret_id);
int sig_store_event_list(struct sig_store *store, const char *origin, int64_t window_ms,
			 int64_t after_id, int limit, GArray *ret_rows);
int sig_store_event_prune(struct sig_store *store, int64_t keep_ms, int *ret_count);

/* A second connection, used only to LISTEN on SIG_STORE_EVENT_CHANNEL
 * (PostgreSQL; -EOPNOTSUPP for SQLite, which serves one node). Its fd
 * stays the same across reconnections (an epoll descriptor that holds the
 * connection's socket): readable when something arrived. read takes what
 * arrived without blocking; *ret_notified: a notification came. A lost
 * connection is reported by read (-ENOTCONN) and by check, which
 * reconnects (blocking up to the connect timeout) retry_ms after it
 * first found it lost, and then at most every retry_ms. sig_store_listen succeeds without a
 * connection too (the database is down): check makes it later. */
struct sig_store_listener;
int sig_store_listen(struct sig_store *store, struct sig_store_listener **ret_listener);
int sig_store_listener_fd(const struct sig_store_listener *listener);
int sig_store_listener_read(struct sig_store_listener *listener, bool *ret_notified);
/* 0 when connected (again), -ENOTCONN while it is not. */
int sig_store_listener_check(struct sig_store_listener *listener, int64_t now_ms, int64_t retry_ms);
/* Accepts NULL; returns NULL. */
struct sig_store_listener *sig_store_listener_free(struct sig_store_listener *listener);

/* The admin API's idempotent answers (admin/api_idempotency.c), each under
 * a 32-byte lookup key. The store sees only MACs and sealed bytes. */
#define SIG_STORE_IDEMPOTENCY_ROWS_MAX	 50000 /* rows kept at most (within 24 h) */
#define SIG_STORE_IDEMPOTENCY_SEALED_MAX 16412 /* 16 KiB answer + nonce and tag */
struct sig_idempotent_answer {
	uint8_t request_mac[CRYPTO_SHA256_BYTES];
	int status;	 /* 200..299 */
	uint8_t *sealed; /* owned (g_free); at most SIG_STORE_IDEMPOTENCY_SEALED_MAX */
	size_t sealed_len;
	int64_t created_at; /* Unix seconds */
};
/* The answer stored under lookup at or after not_before, or -ENOENT. */
int sig_store_idempotency_get(struct sig_store *store, const uint8_t lookup[CRYPTO_SHA256_BYTES],
			      int64_t not_before, struct sig_idempotent_answer *ret_answer);
/* Deletes answers older than prune_before, then stores answer under lookup:
 * -EEXIST when lookup is taken, -ENOSPC when SIG_STORE_IDEMPOTENCY_ROWS_MAX
 * rows are kept already. One transaction. */
int sig_store_idempotency_put(struct sig_store *store, const uint8_t lookup[CRYPTO_SHA256_BYTES],
			      const struct sig_idempotent_answer *answer, int64_t prune_before);
void sig_idempotent_answer_clear(struct sig_idempotent_answer *answer);
/* The webhook outbox: events to deliver, each with a delivery id that
 * stays the same across retries. Rows come only with audit rows
 * (sig_store_audit_append_with); the outbox holds at most the configured
 * number of rows: over it, the oldest go, delivered ones first, and each
 * pending one trimmed is counted (sig_store_outbox_dropped). */
struct sig_outbox_row {
	int64_t id; /* assigned by the store, increasing */
	int64_t session_id;
	char *delivery_id;    /* unique; at most 64 bytes */
	char *event;	      /* "participant.joined", ...; at most 64 bytes */
	char *body;	      /* the JSON object sent, fixed when written */
	int64_t created_ms;   /* Unix milliseconds */
	int attempts;	      /* tries so far */
	int64_t next_ms;      /* when the next try is due, Unix milliseconds */
	int64_t delivered_ms; /* 0 while pending */
};
void sig_outbox_row_clear(struct sig_outbox_row *row);

/* Caps the outbox at max_rows; 0 (the default) turns it off: appends then
 * write no outbox row. */
void sig_store_outbox_limit(struct sig_store *store, int max_rows);
bool sig_store_outbox_on(const struct sig_store *store);
uint64_t sig_store_outbox_dropped(const struct sig_store *store);
/* The next row to try at now_ms: the oldest pending row due whose session
 * has no older row pending (in order per session). -ENOENT when none. On
 * PostgreSQL the row's session is claimed: no node's next gives a row of
 * it for half a minute, or until delivered or retry says when it is due (so
 * that of several nodes, one delivers each event). */
int sig_store_outbox_next(struct sig_store *store, int64_t now_ms, struct sig_outbox_row *ret_row);
/* Marks a pending row delivered (-ENOENT if it is not pending). */
int sig_store_outbox_delivered(struct sig_store *store, int64_t id, int64_t now_ms);
/* Records a failed try: attempts so far and when the next is due. */
int sig_store_outbox_retry(struct sig_store *store, int64_t id, int attempts, int64_t next_ms);
/* Removes a row (given up). */
int sig_store_outbox_delete(struct sig_store *store, int64_t id);
/* Removes rows delivered before before_ms; ret_count may be NULL. */
int sig_store_outbox_prune(struct sig_store *store, int64_t before_ms, int *ret_count);
/* Rows held, and of them pending. */
int sig_store_outbox_depth(struct sig_store *store, int *ret_rows, int *ret_pending);

#endif
