/* Private to store/pg_*.c: what the files of the PostgreSQL backend of
 * store.h share.
 *
 * One libpq connection, owned by the control thread, kept in struct
 * pg_store (reachable for LISTEN/NOTIFY later). Calls block, bounded by
 * libpq's connect_timeout and the server's statement_timeout and
 * lock_timeout (PG_TIMEOUT_MS); a connection found lost outside a
 * transaction is reset and the statement tried once more. Values are
 * always sent as parameters ($1, $2, ...), never spliced into SQL;
 * results come as text and are read with the pg_col_*() helpers.
 *
 *   pg_conn.c     the connection, the URL, errors, statements, columns,
 *                 transactions (a write's own, or a savepoint inside the
 *                 caller's group, as sqlite_stmt.c)
 *   pg_schema.c   the migrations (the same schema as sqlite_open.c's),
 *                 applied under an advisory lock
 *   pg_sessions.c pg_roster.c pg_invites.c pg_occurrences.c pg_audit.c
 *   pg_seats.c    pg_idempotency.c pg_outbox.c pg_events.c pg_nodes.c
 *                 one entity each, as the SQLite backend's files
 *   pg_listen.c   the second connection, which only LISTENs for events
 *
 * The audit log: sig_audit_hash() chains the rows; each append locks the
 * head row (SELECT ... FOR UPDATE) in its transaction, so that appends
 * from several nodes make one chain. */
#ifndef HEARTH_STORE_PG_INTERNAL_H
#define HEARTH_STORE_PG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <libpq-fe.h>

#include "store/backend.h"
#include "store/store.h"

#define PG_CONNECT_TIMEOUT_S 5
#define PG_TIMEOUT_MS	     5000 /* statement_timeout and lock_timeout */
#define PG_PARAMS_MAX	     16
#define PG_AUDIT_ACTOR_MAX   128
#define PG_AUDIT_DETAIL_MAX  4096
#define PG_OUTBOX_BODY_MAX   8192
#define PG_OUTBOX_CLAIM_MS   30000 /* a node's hold on the head it delivers */

struct pg_store {
	PGconn *conn;
	bool tx_open;	/* a transaction is open on conn (ours or the caller's) */
	char *url;	/* for the LISTEN connection (pg_listen.c) */
	char *password; /* may be NULL; wiped at close */
};

extern const struct store_backend store_pg_backend;

STORE_OPS(STORE_OP_DECLARE_PG)
void pg_store_rollback(struct sig_store *store);
void pg_store_close(struct sig_store *store);

/* ---- pg_conn.c: parameters ---- */

/* A statement's parameters, appended in order ($1, $2, ...). Text values
 * are borrowed until the statement has run. */
struct pg_params {
	int n;
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX];
	int formats[PG_PARAMS_MAX];
	char ints[PG_PARAMS_MAX][24];
};

void pg_param_int(struct pg_params *p, int64_t value);
/* NULL sends NULL. */
void pg_param_text(struct pg_params *p, const char *text);
/* Sent in binary (bytea). */
void pg_param_bytes(struct pg_params *p, const void *data, size_t len);

/* ---- pg_conn.c: statements and errors ---- */

/* Runs sql with p (may be NULL). 0 with *ret_res (caller PQclear()s; may
 * be NULL when the caller wants no rows), or -ENOENT (foreign key),
 * -EEXIST (unique), -EINVAL (check, not null, a malformed or too long
 * value), else -EIO; the server's message is logged at debug level
 * (never its detail, which may hold values). */
int pg_exec(struct sig_store *store, const char *sql, const struct pg_params *p,
	    PGresult **ret_res);
/* A write inside the open transaction: -ENOENT when it changed no row;
 * *ret_changed (may be NULL) the number it changed. */
int pg_change(struct sig_store *store, const char *sql, const struct pg_params *p,
	      int64_t *ret_changed);
/* One write in its own transaction (or the caller's); an INSERT ...
 * RETURNING id gives the id in ret_id (may be NULL). -ENOENT when it
 * changed no row. */
int pg_write(struct sig_store *store, const char *sql, const struct pg_params *p, int64_t *ret_id);
/* The same, and changing no row is no error (*ret_changed says). */
int pg_write_changed(struct sig_store *store, const char *sql, const struct pg_params *p,
		     bool *ret_changed);

/* Reads row `row` of res into *ret_row (a row struct), or returns -EIO. */
typedef int (*pg_row_fn)(const PGresult *res, int row, void *ret_row);

/* A single-row SELECT: -ENOENT for none. */
int pg_get(struct sig_store *store, const char *sql, const struct pg_params *p, pg_row_fn read_row,
	   void *ret_row);
/* A SELECT's rows appended to ret_rows (untouched on failure). */
int pg_list(struct sig_store *store, const char *sql, const struct pg_params *p, pg_row_fn read_row,
	    size_t row_size, GDestroyNotify clear, GArray *ret_rows);
/* -EINVAL unless 1 <= limit <= SIG_STORE_LIST_MAX. */
int pg_list_check(GArray *ret_rows, size_t row_size, int limit);
/* A SELECT of one integer (count(*), ...). */
int pg_get_int(struct sig_store *store, const char *sql, const struct pg_params *p,
	       int64_t *ret_value);

/* ---- pg_conn.c: columns ---- */

int pg_col_i64(const PGresult *res, int row, int col, int64_t *ret_value);
int pg_col_int(const PGresult *res, int row, int col, int *ret_value);
/* A copy of a text column of at most max bytes (caller g_free()s it);
 * -EIO for NULL. */
int pg_col_text(const PGresult *res, int row, int col, size_t max, char **ret_text);
/* The same, NULL giving NULL. */
int pg_col_opt_text(const PGresult *res, int row, int col, size_t max, char **ret_text);
/* A name column for the *_parse() functions: "" for NULL. */
const char *pg_col_name(const PGresult *res, int row, int col);
/* A bytea column of exactly CRYPTO_SHA256_BYTES. */
int pg_col_hash(const PGresult *res, int row, int col, uint8_t ret_hash[CRYPTO_SHA256_BYTES]);
/* A bytea column of 1..max bytes (caller g_free()s it). */
int pg_col_bytes(const PGresult *res, int row, int col, size_t max, uint8_t **ret_data,
		 size_t *ret_len);

/* ---- pg_conn.c: transactions ---- */

int pg_write_begin(struct sig_store *store, bool *ret_own);
int pg_write_end(struct sig_store *store, bool own, int r);
/* One snapshot for several reads (REPEATABLE READ), unless the caller's
 * group is open. */
int pg_read_begin(struct sig_store *store, bool *ret_own);
void pg_read_end(struct sig_store *store, bool own);

/* ---- pg_open.c ---- */

/* A connection with hearthd's timeouts, named application_name in
 * pg_stat_activity. */
int pg_connect(const char *url, const char *password, const char *application_name,
	       PGconn **ret_conn);

/* ---- pg_schema.c ---- */

/* Creates or migrates the schema to STORE_SCHEMA_VERSION under an
 * advisory lock; -EPROTO for a newer schema. */
int pg_migrate(struct sig_store *store);

/* ---- pg_sessions.c ---- */

/* -ENOENT unless the session exists, for the per-session lists. */
int pg_session_exists(struct sig_store *store, int64_t id);

/* ---- pg_seats.c ---- */

int pg_seat_read_row(const PGresult *res, int row, void *ret_row);

/* ---- pg_outbox.c ---- */

/* Inserts row (an audit append's companion) in the open transaction and
 * trims the outbox to its cap. */
int pg_outbox_insert(struct sig_store *store, struct sig_outbox_row *row);

#endif
