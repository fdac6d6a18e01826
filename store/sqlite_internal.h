/* Private to store/sqlite_*.c: what the files of the SQLite backend of
 * store.h share.
 *
 * One connection, owned by the control thread. Every statement is prepared
 * once at open (SQLITE_PREPARE_PERSISTENT), kept in store->stmt[] and reset
 * after each use; values are always bound, never spliced into SQL. The
 * schema lives in the migrations of sqlite_open.c: each script runs in one
 * transaction that also bumps PRAGMA user_version.
 *
 *   sqlite_open.c      the file, settings, migrations, the statements' SQL
 *   sqlite_stmt.c      errors, binding, columns, writes, gets, pages,
 *                      transactions
 *   sqlite_sessions.c  sqlite_roster.c  sqlite_invites.c  sqlite_audit.c
 *   sqlite_seats.c     sqlite_idempotency.c  sqlite_outbox.c
 *                      one entity each: its rows and its part of store.h
 *   sqlite_occurrences.c  occurrences and the per-occurrence invite uses
 *   sqlite_nodes.c     nodes, their heartbeats and the leases that home
 *                      occurrences on them
 *
 * The audit log is a hash chain (sig_audit_hash()); audit_head records its
 * last row, updated in the same transaction as each append, so that
 * cutting rows off the end is detectable too. */
#ifndef HEARTH_STORE_SQLITE_INTERNAL_H
#define HEARTH_STORE_SQLITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <sqlite3.h>

#include "store/backend.h"
#include "store/store.h"

#define STORE_BUSY_TIMEOUT_MS  5000
#define STORE_SCHEDULE_MAX     2048 /* bytes of a schedule's JSON text */
#define STORE_AUDIT_ACTOR_MAX  128  /* bytes of an audit row's actor */
#define STORE_AUDIT_DETAIL_MAX 4096 /* bytes of an audit row's detail JSON */

enum store_stmt_id {
	STORE_BEGIN = 0,
	STORE_BEGIN_READ,
	STORE_COMMIT,
	STORE_ROLLBACK,
	STORE_SAVEPOINT,
	STORE_RELEASE,
	STORE_ROLLBACK_TO,
	STORE_SESSION_INSERT,
	STORE_SESSION_GET,
	STORE_SESSION_UPDATE,
	STORE_SESSION_DELETE,
	STORE_SESSION_LIST,
	STORE_SESSION_EXISTS,
	STORE_SESSION_LIST_EXTERNAL,
	STORE_ROSTER_INSERT,
	STORE_ROSTER_GET,
	STORE_ROSTER_UPDATE,
	STORE_ROSTER_DELETE,
	STORE_ROSTER_LIST,
	STORE_ROSTER_COUNT,
	STORE_INVITE_INSERT,
	STORE_INVITE_GET,
	STORE_INVITE_BY_HASH,
	STORE_INVITE_UPDATE,
	STORE_INVITE_LIST,
	STORE_INVITE_LIST_ENTRY,
	STORE_SEAT_PUT,
	STORE_SEAT_DELETE,
	STORE_SEAT_LIST,
	STORE_SEAT_GET,
	STORE_SEAT_LIST_SESSION,
	STORE_SEAT_FIND,
	STORE_NODE_PUT,
	STORE_NODE_DELETE,
	STORE_NODE_LIST,
	STORE_LEASE_RENEW,
	STORE_LEASE_DROP_NODE,
	STORE_LEASE_TAKE,
	STORE_LEASE_HOLDER,
	STORE_LEASE_RELEASE,
	STORE_OCCURRENCE_GET,
	STORE_OCCURRENCE_JOINED,
	STORE_OCCURRENCE_END,
	STORE_OCCURRENCE_LIST,
	STORE_INVITE_USE,
	STORE_INVITE_COUNT_USE,
	STORE_INVITE_USED_IN,
	STORE_INVITE_NOTE_LOW,
	STORE_AUDIT_HEAD,
	STORE_AUDIT_INSERT,
	STORE_AUDIT_HEAD_UPDATE,
	STORE_AUDIT_LIST,
	STORE_AUDIT_LIST_SESSION,
	STORE_AUDIT_ALL,
	STORE_IDEMPOTENCY_GET,
	STORE_IDEMPOTENCY_PRUNE,
	STORE_IDEMPOTENCY_COUNT,
	STORE_IDEMPOTENCY_INSERT,
	STORE_OUTBOX_INSERT,
	STORE_OUTBOX_HEAD_ADD,
	STORE_OUTBOX_SPAN,
	STORE_OUTBOX_COUNT,
	STORE_OUTBOX_TRIM,
	STORE_OUTBOX_HEAD_DUE,
	STORE_OUTBOX_HEAD_ROW,
	STORE_OUTBOX_HEAD_DELETE,
	STORE_OUTBOX_HEAD_SET,
	STORE_OUTBOX_DELIVERED,
	STORE_OUTBOX_RETRY,
	STORE_OUTBOX_DELETE,
	STORE_OUTBOX_PRUNE,
	STORE_EVENT_INSERT,
	STORE_EVENT_LIST,
	STORE_EVENT_PRUNE,
	STORE_STMT_COUNT
};

/* struct sig_store (backend.h) keeps the connection in db and the
 * statements, prepared at open and reset after each use, in stmt[]. */
STORE_OPS(STORE_OP_DECLARE_SQLITE)
void sqlite_store_rollback(struct sig_store *store);
void sqlite_store_close(struct sig_store *store);

/* The SQL of each statement (sqlite_open.c). */
extern const char *const store_stmt_sql[STORE_STMT_COUNT];
extern const struct store_backend store_sqlite_backend;

/* Reads the current row into *ret_row (a row struct), or returns -EIO. */
typedef int (*store_row_fn)(sqlite3_stmt *stmt, void *ret_row);

/* ---- sqlite_stmt.c: errors, statements, columns ---- */

/* Logs (debug) and maps an SQLite result code to a negative errno code:
 * -ENOENT (foreign key), -EEXIST (unique), -EINVAL (check, not null, too
 * big), else -EIO. */
int store_fail(struct sig_store *store, int rc, const char *what);
sqlite3_stmt *store_stmt(struct sig_store *store, enum store_stmt_id id);
/* Readies a statement for its next use and drops bound pointers to the
 * caller's strings. */
void store_reset(sqlite3_stmt *stmt);
/* 1 for a row, 0 when done, or a negative errno code (store_fail()). */
int store_step(struct sig_store *store, sqlite3_stmt *stmt, const char *what);
int store_bind_int(struct sig_store *store, sqlite3_stmt *stmt, int index, int64_t value);
/* The text is borrowed until store_reset(); NULL binds NULL. */
int store_bind_text(struct sig_store *store, sqlite3_stmt *stmt, int index, const char *text);
int store_bind_hash(struct sig_store *store, sqlite3_stmt *stmt, int index,
		    const uint8_t hash[CRYPTO_SHA256_BYTES]);
/* Runs a statement that returns no rows (BEGIN, COMMIT, ...). */
int store_run(struct sig_store *store, enum store_stmt_id id);
/* A copy of a text column of at most max bytes (caller g_free()s it). */
int store_column_text(sqlite3_stmt *stmt, int col, size_t max, char **ret_text);
/* A name column for the *_parse() functions: "" (unknown) for NULL. */
const char *store_column_name(sqlite3_stmt *stmt, int col);
int store_column_hash(sqlite3_stmt *stmt, int col, uint8_t ret_hash[CRYPTO_SHA256_BYTES]);
int store_column_int(sqlite3_stmt *stmt, int col, int *ret_value);
/* -EINVAL unless 1 <= limit <= SIG_STORE_LIST_MAX. */
int store_list_check(GArray *ret_rows, size_t row_size, int limit);
/* Appends every row of a bound SELECT to ret_rows (untouched on failure). */
int store_list(struct sig_store *store, sqlite3_stmt *stmt, store_row_fn read_row, size_t row_size,
	       GDestroyNotify clear, GArray *ret_rows);

/* ---- sqlite_stmt.c: transactions ---- */

/* A write's own transaction, or a savepoint inside the caller's group
 * (*ret_own false); store_write_end() commits or rolls back either. */
int store_write_begin(struct sig_store *store, bool *ret_own);
void store_abort(struct sig_store *store, bool own);
int store_write_end(struct sig_store *store, bool own, int r);
/* A read transaction, unless the caller's group is open. */
int store_read_begin(struct sig_store *store, bool *ret_own);
void store_read_end(struct sig_store *store, bool own);

/* ---- sqlite_stmt.c: one statement: a write, a get, a page ---- */

/* Steps a bound INSERT, UPDATE or DELETE inside the open transaction;
 * -ENOENT when it changed no row. */
int store_change(struct sig_store *store, sqlite3_stmt *stmt);
/* Runs one bound write in its own transaction (or the caller's). An
 * INSERT gives its new rowid in ret_id (may be NULL). */
int store_write(struct sig_store *store, sqlite3_stmt *stmt, int64_t *ret_id);
/* Steps a bound single-row SELECT and reads its row; -ENOENT for none. */
int store_get(struct sig_store *store, sqlite3_stmt *stmt, store_row_fn read_row, void *ret_row);
/* Binds a list's after_id (?1), limit (?2) and owner (?3, when not 0). */
int store_bind_page(struct sig_store *store, sqlite3_stmt *stmt, int64_t after_id, int limit,
		    int64_t owner_id);

/* Binds a session's or roster entry's external id (?20) and metadata (?21),
 * which their insert and update statements share; NULL binds NULL. */
#define STORE_PARAM_EXTERNAL_ID 20
#define STORE_PARAM_METADATA	21
int store_bind_labels(struct sig_store *store, sqlite3_stmt *stmt, const char *external_id,
		      const char *metadata);
/* Reads them from columns col and col + 1 (NULL stays NULL). */
int store_column_labels(sqlite3_stmt *stmt, int col, char **ret_external_id, char **ret_metadata);
/* ---- sqlite_outbox.c ---- */

#define STORE_OUTBOX_BODY_MAX 8192 /* bytes of an outbox row's JSON body */

/* Inserts row (an audit append's companion) in the open transaction and
 * trims the outbox to its cap. */
int store_outbox_insert(struct sig_store *store, struct sig_outbox_row *row);

/* ---- sqlite_seats.c ---- */

int store_seat_read_row(sqlite3_stmt *stmt, void *ret_row);

/* ---- sqlite_sessions.c ---- */

/* -ENOENT unless the session exists, for the per-session lists. */
int store_session_exists(struct sig_store *store, int64_t id);

#endif
