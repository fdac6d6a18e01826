/* Private to store/: what the backends of store.h share. store.c chooses
 * a backend at sig_store_open() (a postgresql:// or postgres:// URL:
 * PostgreSQL, pg_*.c; anything else: a SQLite file, sqlite_*.c) and
 * forwards each public call through the backend's table of functions.
 *
 * STORE_OPS lists every forwarded call once: its return type, its name
 * (sig_store_<name> in store.h, <backend>_store_<name> in a backend) and
 * its parameters. Each backend declares its functions with
 * STORE_DECLARE_OPS and fills a struct store_backend with
 * STORE_BACKEND_INIT, so that a call missing from a backend does not
 * build. */
#ifndef HEARTH_STORE_BACKEND_H
#define HEARTH_STORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* The schema version both backends migrate to: each has exactly this many
 * migrations (a static assertion in sqlite_open.c and pg_schema.c), so a
 * migration added to one and not the other does not build. */
#define STORE_SCHEMA_VERSION 8

#define STORE_OPS(X)                                                                               \
	X(int, begin, (struct sig_store * store), (store))                                         \
	X(int, commit, (struct sig_store * store), (store))                                        \
	X(int, session_insert, (struct sig_store * store, struct sig_session * session),           \
	  (store, session))                                                                        \
	X(int, session_get, (struct sig_store * store, int64_t id, struct sig_session * ret),      \
	  (store, id, ret))                                                                        \
	X(int, session_update, (struct sig_store * store, const struct sig_session *session),      \
	  (store, session))                                                                        \
	X(int, session_delete, (struct sig_store * store, int64_t id), (store, id))                \
	X(int, session_list,                                                                       \
	  (struct sig_store * store, int64_t after_id, int limit, GArray *ret_rows),               \
	  (store, after_id, limit, ret_rows))                                                      \
	X(int, session_list_external,                                                              \
	  (struct sig_store * store, const char *external_id, int64_t after_id, int limit,         \
	   GArray *ret_rows),                                                                      \
	  (store, external_id, after_id, limit, ret_rows))                                         \
	X(int, roster_insert, (struct sig_store * store, struct sig_roster_entry * entry),         \
	  (store, entry))                                                                          \
	X(int, roster_get, (struct sig_store * store, int64_t id, struct sig_roster_entry * ret),  \
	  (store, id, ret))                                                                        \
	X(int, roster_update, (struct sig_store * store, const struct sig_roster_entry *entry),    \
	  (store, entry))                                                                          \
	X(int, roster_delete, (struct sig_store * store, int64_t id), (store, id))                 \
	X(int, roster_list,                                                                        \
	  (struct sig_store * store, int64_t session_id, int64_t after_id, int limit,              \
	   GArray *ret_rows),                                                                      \
	  (store, session_id, after_id, limit, ret_rows))                                          \
	X(int, roster_count, (struct sig_store * store, int64_t session_id, int *ret_count),       \
	  (store, session_id, ret_count))                                                          \
	X(int, invite_insert, (struct sig_store * store, struct sig_invite * invite),              \
	  (store, invite))                                                                         \
	X(int, invite_get, (struct sig_store * store, int64_t id, struct sig_invite * ret),        \
	  (store, id, ret))                                                                        \
	X(int, invite_find_by_hash,                                                                \
	  (struct sig_store * store, const uint8_t hash[CRYPTO_SHA256_BYTES],                      \
	   struct sig_invite *ret),                                                                \
	  (store, hash, ret))                                                                      \
	X(int, invite_update, (struct sig_store * store, const struct sig_invite *invite),         \
	  (store, invite))                                                                         \
	X(int, invite_list,                                                                        \
	  (struct sig_store * store, int64_t session_id, int64_t roster_entry_id,                  \
	   int64_t after_id, int limit, GArray *ret_rows),                                         \
	  (store, session_id, roster_entry_id, after_id, limit, ret_rows))                         \
	X(int, seat_put, (struct sig_store * store, const struct sig_seat *seat), (store, seat))   \
	X(int, seat_delete, (struct sig_store * store, const char *participant_id),                \
	  (store, participant_id))                                                                 \
	X(int, seat_list,                                                                          \
	  (struct sig_store * store, int64_t after_id, int limit, GArray *ret_rows),               \
	  (store, after_id, limit, ret_rows))                                                      \
	X(int, seat_get,                                                                           \
	  (struct sig_store * store, const char *participant_id, struct sig_seat *ret),            \
	  (store, participant_id, ret))                                                            \
	X(int, event_publish,                                                                      \
	  (struct sig_store * store, const char *origin, const char *body, int64_t *ret_id),       \
	  (store, origin, body, ret_id))                                                           \
	X(int, event_list,                                                                         \
	  (struct sig_store * store, const char *origin, int64_t window_ms, int64_t after_id,      \
	   int limit, GArray *ret_rows),                                                           \
	  (store, origin, window_ms, after_id, limit, ret_rows))                                   \
	X(int, event_prune, (struct sig_store * store, int64_t keep_ms, int *ret_count),           \
	  (store, keep_ms, ret_count))                                                             \
	X(int, listen, (struct sig_store * store, struct sig_store_listener * *ret), (store, ret)) \
	X(int, seat_list_session,                                                                  \
	  (struct sig_store * store, int64_t session_id, int64_t after_id, int limit,              \
	   GArray *ret_rows),                                                                      \
	  (store, session_id, after_id, limit, ret_rows))                                          \
	X(int, seat_find,                                                                          \
	  (struct sig_store * store, const uint8_t resume_hash[CRYPTO_SHA256_BYTES],               \
	   struct sig_seat *ret_seat),                                                             \
	  (store, resume_hash, ret_seat))                                                          \
	X(int, node_beat,                                                                          \
	  (struct sig_store * store, const struct sig_node *node, int64_t lease_until_ms),         \
	  (store, node, lease_until_ms))                                                           \
	X(int, node_leave, (struct sig_store * store, const char *node_id), (store, node_id))      \
	X(int, node_list,                                                                          \
	  (struct sig_store * store, int64_t alive_since_ms, int limit, GArray *ret_rows),         \
	  (store, alive_since_ms, limit, ret_rows))                                                \
	X(int, lease_take,                                                                         \
	  (struct sig_store * store, int64_t session_id, int64_t start, const char *node_id,       \
	   int64_t now_ms, int64_t expires_ms, struct sig_lease *ret_holder),                      \
	  (store, session_id, start, node_id, now_ms, expires_ms, ret_holder))                     \
	X(int, lease_release,                                                                      \
	  (struct sig_store * store, int64_t session_id, int64_t start, const char *node_id),      \
	  (store, session_id, start, node_id))                                                     \
	X(int, occurrence_get,                                                                     \
	  (struct sig_store * store, int64_t session_id, int64_t start,                            \
	   struct sig_occurrence_record * ret),                                                    \
	  (store, session_id, start, ret))                                                         \
	X(int, occurrence_joined,                                                                  \
	  (struct sig_store * store, int64_t session_id, int64_t start, int64_t now,               \
	   bool *ret_first),                                                                       \
	  (store, session_id, start, now, ret_first))                                              \
	X(int, occurrence_end,                                                                     \
	  (struct sig_store * store, int64_t session_id, int64_t start, int64_t now,               \
	   bool *ret_first),                                                                       \
	  (store, session_id, start, now, ret_first))                                              \
	X(int, occurrence_list,                                                                    \
	  (struct sig_store * store, int64_t session_id, int64_t before_start, int limit,          \
	   GArray *ret_rows),                                                                      \
	  (store, session_id, before_start, limit, ret_rows))                                      \
	X(int, invite_use,                                                                         \
	  (struct sig_store * store, int64_t invite_id, int64_t occurrence_start, int64_t now,     \
	   bool *ret_new),                                                                         \
	  (store, invite_id, occurrence_start, now, ret_new))                                      \
	X(int, invite_used_in,                                                                     \
	  (struct sig_store * store, int64_t invite_id, int64_t occurrence_start, bool *ret_used), \
	  (store, invite_id, occurrence_start, ret_used))                                          \
	X(int, invite_note_low,                                                                    \
	  (struct sig_store * store, int64_t invite_id, int64_t now, bool *ret_first),             \
	  (store, invite_id, now, ret_first))                                                      \
	X(int, audit_append_with,                                                                  \
	  (struct sig_store * store, struct sig_audit_event * event,                               \
	   struct sig_outbox_row * outbox),                                                        \
	  (store, event, outbox))                                                                  \
	X(int, audit_list,                                                                         \
	  (struct sig_store * store, int64_t session_id, int64_t after_id, int limit,              \
	   GArray *ret_rows),                                                                      \
	  (store, session_id, after_id, limit, ret_rows))                                          \
	X(int, audit_head,                                                                         \
	  (struct sig_store * store, int64_t * ret_last_id,                                        \
	   uint8_t ret_last_hash[CRYPTO_SHA256_BYTES]),                                            \
	  (store, ret_last_id, ret_last_hash))                                                     \
	X(int, audit_verify,                                                                       \
	  (struct sig_store * store, int64_t * ret_rows, int64_t * ret_first_bad_id,               \
	   char **ret_problem),                                                                    \
	  (store, ret_rows, ret_first_bad_id, ret_problem))                                        \
	X(int, idempotency_get,                                                                    \
	  (struct sig_store * store, const uint8_t lookup[CRYPTO_SHA256_BYTES],                    \
	   int64_t not_before, struct sig_idempotent_answer *ret),                                 \
	  (store, lookup, not_before, ret))                                                        \
	X(int, idempotency_put,                                                                    \
	  (struct sig_store * store, const uint8_t lookup[CRYPTO_SHA256_BYTES],                    \
	   const struct sig_idempotent_answer *answer, int64_t prune_before),                      \
	  (store, lookup, answer, prune_before))                                                   \
	X(int, outbox_next,                                                                        \
	  (struct sig_store * store, int64_t now_ms, struct sig_outbox_row * ret),                 \
	  (store, now_ms, ret))                                                                    \
	X(int, outbox_delivered, (struct sig_store * store, int64_t id, int64_t now_ms),           \
	  (store, id, now_ms))                                                                     \
	X(int, outbox_retry,                                                                       \
	  (struct sig_store * store, int64_t id, int attempts, int64_t next_ms),                   \
	  (store, id, attempts, next_ms))                                                          \
	X(int, outbox_delete, (struct sig_store * store, int64_t id), (store, id))                 \
	X(int, outbox_prune, (struct sig_store * store, int64_t before_ms, int *ret_count),        \
	  (store, before_ms, ret_count))                                                           \
	X(int, outbox_depth, (struct sig_store * store, int *ret_rows, int *ret_pending),          \
	  (store, ret_rows, ret_pending))

/* One backend: its forwarded calls, and close and rollback (which return
 * nothing useful). */
struct store_backend {
	const char *name; /* "sqlite", "postgresql" */
#define STORE_OP_FIELD(ret, name, params, args) ret(*name) params;
	STORE_OPS(STORE_OP_FIELD)
#undef STORE_OP_FIELD
	void (*rollback)(struct sig_store *store);
	void (*close)(struct sig_store *store); /* frees store */
};

#define STORE_OP_DECLARE_SQLITE(ret, name, params, args) ret sqlite_store_##name params;
#define STORE_OP_DECLARE_PG(ret, name, params, args)	 ret pg_store_##name params;
#define STORE_OP_INIT_SQLITE(ret, name, params, args)	 .name = sqlite_store_##name,
#define STORE_OP_INIT_PG(ret, name, params, args)	 .name = pg_store_##name,

struct sqlite3;
struct sqlite3_stmt;
struct pg_store;

/* A store: the backend, the state every backend keeps the same way, and
 * the backend's own (only one of db and pg is set). */
struct sig_store {
	const struct store_backend *backend;
	bool in_transaction;	 /* opened by sig_store_begin() */
	int outbox_max;		 /* rows the webhook outbox holds; 0: none */
	uint64_t outbox_dropped; /* pending rows trimmed over the cap */
	/* SQLite (sqlite_internal.h) */
	struct sqlite3 *db;
	struct sqlite3_stmt **stmt; /* STORE_STMT_COUNT, prepared at open */
	/* PostgreSQL (pg_internal.h) */
	struct pg_store *pg;
};

/* The backends' openers. password may be NULL (SQLite ignores it). */
int sqlite_store_open(const char *path, struct sig_store **ret_store);
int pg_store_open(const char *url, const char *password, struct sig_store **ret_store);

#endif
