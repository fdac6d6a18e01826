/* The SQLite backend of store.h.
 *
 * One connection, owned by the control thread. Every statement is prepared
 * once at open (SQLITE_PREPARE_PERSISTENT), kept in store->stmt[] and reset
 * after each use; values are always bound, never spliced into SQL. The
 * schema lives in migrations[] below: each script runs in one transaction
 * that also bumps PRAGMA user_version.
 *
 * The audit log is a hash chain (sig_audit_hash()); audit_head records its
 * last row, updated in the same transaction as each append, so that
 * cutting rows off the end is detectable too. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

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
	STORE_AUDIT_HEAD,
	STORE_AUDIT_INSERT,
	STORE_AUDIT_HEAD_UPDATE,
	STORE_AUDIT_LIST,
	STORE_AUDIT_LIST_SESSION,
	STORE_AUDIT_ALL,
	STORE_STMT_COUNT
};

struct sig_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STORE_STMT_COUNT]; /* prepared at open, reset after each use */
	bool in_transaction;		      /* opened by sig_store_begin() */
};

/* Reads the current row into *ret_row (a row struct), or returns -EIO. */
typedef int (*store_row_fn)(sqlite3_stmt *stmt, void *ret_row);

/* The CHECK constraints of migration 1 spell these limits out; a change
 * needs a migration, not just a new constant. */
G_STATIC_ASSERT(SIG_TITLE_MAX == 200);
G_STATIC_ASSERT(SIG_DISPLAY_NAME_MAX == 100);
G_STATIC_ASSERT(SIG_CAPACITY_MAX == 500);
G_STATIC_ASSERT(SIG_INVITE_USES_MAX == 1000);
G_STATIC_ASSERT(SIG_PERM_ALL == 31);
G_STATIC_ASSERT(CRYPTO_SHA256_BYTES == 32);
G_STATIC_ASSERT(STORE_AUDIT_ACTOR_MAX == 128 && STORE_AUDIT_DETAIL_MAX == 4096);

/* Append only: never edit a migration that has shipped. Rebuilding a table
 * in a later migration needs foreign_keys off around it (see "ALTER TABLE"
 * in the SQLite documentation). */
static const char *const migrations[] = {
    /* 1: sessions, rosters, invites, the audit log. */
    "CREATE TABLE sessions ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL"
    "  CHECK (kind IN ('individual', 'couples', 'family', 'group', 'workshop')),"
    " title TEXT NOT NULL CHECK (length(CAST(title AS BLOB)) BETWEEN 1 AND 200),"
    " capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),"
    " waiting_room INTEGER NOT NULL CHECK (waiting_room IN (0, 1)),"
    " publish_policy TEXT NOT NULL CHECK (publish_policy IN ('everyone', 'hosts')),"
    " schedule TEXT NOT NULL"
    "  CHECK (length(CAST(schedule AS BLOB)) <= 2048 AND json_valid(schedule)),"
    " ended_at INTEGER NOT NULL CHECK (ended_at >= 0),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT;"
    /* UNIQUE (session_id, id) indexes rosters by session and is the
     * parent key that ties an invite to an entry of its own session. */
    "CREATE TABLE roster_entries ("
    " id INTEGER PRIMARY KEY,"
    " session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
    " display_name TEXT NOT NULL"
    "  CHECK (length(CAST(display_name AS BLOB)) BETWEEN 1 AND 100),"
    " role TEXT NOT NULL CHECK (role IN"
    "  ('host', 'cohost', 'client', 'partner', 'family', 'peer', 'viewer')),"
    " permissions INTEGER NOT NULL CHECK (permissions BETWEEN 0 AND 31),"
    " auto_admit INTEGER NOT NULL CHECK (auto_admit IN (0, 1)),"
    " removed_at INTEGER NOT NULL CHECK (removed_at >= 0),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (session_id, id)"
    ") STRICT;"
    "CREATE TABLE invites ("
    " id INTEGER PRIMARY KEY,"
    " roster_entry_id INTEGER NOT NULL,"
    " session_id INTEGER NOT NULL,"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " max_uses INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),"
    " uses INTEGER NOT NULL CHECK (uses >= 0),"
    " created_at INTEGER NOT NULL,"
    " revoked_at INTEGER NOT NULL CHECK (revoked_at >= 0),"
    " last_used_at INTEGER NOT NULL CHECK (last_used_at >= 0),"
    " FOREIGN KEY (session_id, roster_entry_id)"
    "  REFERENCES roster_entries (session_id, id) ON DELETE CASCADE"
    ") STRICT;"
    "CREATE INDEX invites_by_session ON invites (session_id, id);"
    "CREATE INDEX invites_by_entry ON invites (session_id, roster_entry_id, id);"
    /* No foreign keys: audit rows outlive what they name. The kind is
     * checked for shape only, so that a new kind needs no table rebuild. */
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " kind TEXT NOT NULL"
    "  CHECK (length(kind) BETWEEN 1 AND 32 AND NOT kind GLOB '*[^a-z_]*'),"
    " session_id INTEGER NOT NULL CHECK (session_id >= 0),"
    " roster_entry_id INTEGER NOT NULL CHECK (roster_entry_id >= 0),"
    " invite_id INTEGER NOT NULL CHECK (invite_id >= 0),"
    " actor TEXT NOT NULL CHECK (length(CAST(actor AS BLOB)) BETWEEN 1 AND 128),"
    " detail TEXT NOT NULL"
    "  CHECK (length(CAST(detail AS BLOB)) <= 4096 AND json_valid(detail)),"
    " prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
    " hash BLOB NOT NULL CHECK (length(hash) = 32)"
    ") STRICT;"
    "CREATE INDEX audit_by_session ON audit (session_id, id);"
    "CREATE TABLE audit_head ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " last_id INTEGER NOT NULL CHECK (last_id >= 0),"
    " last_hash BLOB NOT NULL CHECK (length(last_hash) = 32)"
    ") STRICT;"
    "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, zeroblob(32));"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
    " BEGIN SELECT RAISE(ABORT, 'the audit head is permanent'); END;",
    /* 2: whether participants may choose the name others see (issue 6);
     * existing sessions keep their roster names. */
    "ALTER TABLE sessions ADD COLUMN names_editable INTEGER NOT NULL DEFAULT 0"
    " CHECK (names_editable IN (0, 1));",
};

#define SESSION_COLUMNS                                                                            \
	"id, kind, title, capacity, waiting_room, publish_policy, schedule, ended_at, "            \
	"created_at, updated_at, names_editable"
#define ROSTER_COLUMNS                                                                             \
	"id, session_id, display_name, role, permissions, auto_admit, removed_at, created_at, "    \
	"updated_at"
#define INVITE_COLUMNS                                                                             \
	"id, roster_entry_id, session_id, token_hash, max_uses, uses, created_at, revoked_at, "    \
	"last_used_at"
#define AUDIT_COLUMNS                                                                              \
	"id, at_ms, kind, session_id, roster_entry_id, invite_id, actor, detail, prev_hash, hash"

/* Parameters ?1.. are shared by each table's insert and update: the fields
 * both write come first, then what differs (insert: the keys it fixes for
 * good; update: the row id). */
static const char *const stmt_sql[STORE_STMT_COUNT] = {
    [STORE_BEGIN] = "BEGIN IMMEDIATE",
    [STORE_BEGIN_READ] = "BEGIN DEFERRED",
    [STORE_COMMIT] = "COMMIT",
    [STORE_ROLLBACK] = "ROLLBACK",
    [STORE_SAVEPOINT] = "SAVEPOINT store_write",
    [STORE_RELEASE] = "RELEASE store_write",
    [STORE_ROLLBACK_TO] = "ROLLBACK TO store_write",

    [STORE_SESSION_INSERT] = "INSERT INTO sessions (kind, title, capacity, waiting_room, "
			     "publish_policy, schedule, ended_at, updated_at, names_editable, "
			     "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STORE_SESSION_GET] = "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1",
    [STORE_SESSION_UPDATE] = "UPDATE sessions SET kind = ?1, title = ?2, capacity = ?3, "
			     "waiting_room = ?4, publish_policy = ?5, schedule = ?6, "
			     "ended_at = ?7, updated_at = ?8, names_editable = ?9 WHERE id = ?10",
    [STORE_SESSION_DELETE] = "DELETE FROM sessions WHERE id = ?1",
    [STORE_SESSION_LIST] =
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE id > ?1 ORDER BY id LIMIT ?2",
    [STORE_SESSION_EXISTS] = "SELECT 1 FROM sessions WHERE id = ?1",

    [STORE_ROSTER_INSERT] = "INSERT INTO roster_entries (display_name, role, permissions, "
			    "auto_admit, removed_at, updated_at, session_id, created_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STORE_ROSTER_GET] = "SELECT " ROSTER_COLUMNS " FROM roster_entries WHERE id = ?1",
    [STORE_ROSTER_UPDATE] = "UPDATE roster_entries SET display_name = ?1, role = ?2, "
			    "permissions = ?3, auto_admit = ?4, removed_at = ?5, "
			    "updated_at = ?6 WHERE id = ?7",
    [STORE_ROSTER_DELETE] = "DELETE FROM roster_entries WHERE id = ?1",
    [STORE_ROSTER_LIST] = "SELECT " ROSTER_COLUMNS " FROM roster_entries "
			  "WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_ROSTER_COUNT] = "SELECT count(*) FROM roster_entries "
			   "WHERE session_id = ?1 AND removed_at = 0",

    [STORE_INVITE_INSERT] = "INSERT INTO invites (max_uses, uses, revoked_at, last_used_at, "
			    "roster_entry_id, session_id, token_hash, created_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STORE_INVITE_GET] = "SELECT " INVITE_COLUMNS " FROM invites WHERE id = ?1",
    [STORE_INVITE_BY_HASH] = "SELECT " INVITE_COLUMNS " FROM invites WHERE token_hash = ?1",
    [STORE_INVITE_UPDATE] = "UPDATE invites SET max_uses = ?1, uses = ?2, revoked_at = ?3, "
			    "last_used_at = ?4 WHERE id = ?5",
    [STORE_INVITE_LIST] = "SELECT " INVITE_COLUMNS " FROM invites "
			  "WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_INVITE_LIST_ENTRY] =
	"SELECT " INVITE_COLUMNS " FROM invites WHERE session_id = ?3 AND roster_entry_id = ?4 "
	"AND id > ?1 ORDER BY id LIMIT ?2",

    [STORE_AUDIT_HEAD] = "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
    [STORE_AUDIT_INSERT] = "INSERT INTO audit (" AUDIT_COLUMNS ") "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STORE_AUDIT_HEAD_UPDATE] = "UPDATE audit_head SET last_id = ?1, last_hash = ?2 "
				"WHERE id = 1",
    [STORE_AUDIT_LIST] = "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
    [STORE_AUDIT_LIST_SESSION] = "SELECT " AUDIT_COLUMNS " FROM audit "
				 "WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_AUDIT_ALL] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY id",
};

/* ---- errors, statements, columns ---- */

static int store_fail(struct sig_store *store, int rc, const char *what)
{
	/* SQLite's messages name tables and constraints, never values. */
	log_debug("store: %s: %s (%d)", what, sqlite3_errmsg(store->db), rc);
	switch (rc) {
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOENT;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_DATATYPE:
	case SQLITE_TOOBIG:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static sqlite3_stmt *store_stmt(struct sig_store *store, enum store_stmt_id id)
{
	g_assert((unsigned)id < STORE_STMT_COUNT && store->stmt[id]);
	return store->stmt[id];
}

/* Readies a statement for its next use and drops bound pointers to the
 * caller's strings. */
static void store_reset(sqlite3_stmt *stmt)
{
	/* Repeats the last step's error, which the caller has handled. */
	(void)sqlite3_reset(stmt);
	(void)sqlite3_clear_bindings(stmt);
}

static int store_step(struct sig_store *store, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(store, rc, what);
}

static int store_bind_int(struct sig_store *store, sqlite3_stmt *stmt, int index, int64_t value)
{
	int rc = sqlite3_bind_int64(stmt, index, value);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

static int store_bind_text(struct sig_store *store, sqlite3_stmt *stmt, int index, const char *text)
{
	/* NULL binds NULL, which NOT NULL columns refuse (-EINVAL). */
	int rc = sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

static int store_bind_hash(struct sig_store *store, sqlite3_stmt *stmt, int index,
			   const uint8_t hash[CRYPTO_SHA256_BYTES])
{
	int rc = sqlite3_bind_blob(stmt, index, hash, CRYPTO_SHA256_BYTES, SQLITE_STATIC);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

/* Runs a statement that returns no rows (BEGIN, COMMIT, ...). */
static int store_run(struct sig_store *store, enum store_stmt_id id)
{
	sqlite3_stmt *stmt = store_stmt(store, id);
	int r = store_step(store, stmt, stmt_sql[id]);

	store_reset(stmt);
	return r > 0 ? -EIO : r;
}

static int store_column_text(sqlite3_stmt *stmt, int col, size_t max, char **ret_text)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);

	if (!text || len < 0 || (size_t)len > max) {
		log_debug("store: column %d is missing or too long", col);
		return -EIO;
	}
	*ret_text = g_strndup((const char *)text, (gsize)len);
	return 0;
}

/* A name column for the *_parse() functions: "" (unknown) for NULL. */
static const char *store_column_name(sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);

	return text ? (const char *)text : "";
}

static int store_column_hash(sqlite3_stmt *stmt, int col, uint8_t ret_hash[CRYPTO_SHA256_BYTES])
{
	const void *blob = sqlite3_column_blob(stmt, col);

	if (!blob || sqlite3_column_bytes(stmt, col) != CRYPTO_SHA256_BYTES) {
		log_debug("store: column %d is not a 32-byte hash", col);
		return -EIO;
	}
	memcpy(ret_hash, blob, CRYPTO_SHA256_BYTES);
	return 0;
}

static int store_column_int(sqlite3_stmt *stmt, int col, int *ret_value)
{
	int64_t v = sqlite3_column_int64(stmt, col);

	if (v < INT_MIN || v > INT_MAX) {
		log_debug("store: column %d is out of range", col);
		return -EIO;
	}
	*ret_value = (int)v;
	return 0;
}

static int store_list_check(GArray *ret_rows, size_t row_size, int limit)
{
	g_assert(ret_rows && g_array_get_element_size(ret_rows) == row_size);
	return limit >= 1 && limit <= SIG_STORE_LIST_MAX ? 0 : -EINVAL;
}

static int store_list(struct sig_store *store, sqlite3_stmt *stmt, store_row_fn read_row,
		      size_t row_size, GDestroyNotify clear, GArray *ret_rows)
{
	/* Rows collect in tmp, so ret_rows is untouched on failure. */
	GArray *tmp = g_array_sized_new(FALSE, TRUE, (guint)row_size, 16);
	int r;

	g_array_set_clear_func(tmp, clear);
	while ((r = store_step(store, stmt, "list")) > 0) {
		g_array_set_size(tmp, tmp->len + 1);
		r = read_row(stmt, tmp->data + (gsize)(tmp->len - 1) * row_size);
		if (r < 0)
			break;
	}
	store_reset(stmt);
	if (r == 0) {
		g_array_append_vals(ret_rows, tmp->data, tmp->len);
		g_array_set_clear_func(tmp, NULL); /* ret_rows owns the strings now */
	}
	g_array_free(tmp, TRUE);
	return r;
}

/* ---- transactions ---- */

static int store_write_begin(struct sig_store *store, bool *ret_own)
{
	bool own = !store->in_transaction;
	int r;

	/* SQLite rolls a transaction back by itself after some errors; the
	 * caller's group is then lost, and a write must not commit alone. */
	if (!own && sqlite3_get_autocommit(store->db)) {
		log_debug("store: the caller's transaction was rolled back");
		return -EIO;
	}
	r = store_run(store, own ? STORE_BEGIN : STORE_SAVEPOINT);
	if (r < 0)
		return r;
	*ret_own = own;
	return 0;
}

static void store_abort(struct sig_store *store, bool own)
{
	if (sqlite3_get_autocommit(store->db))
		return; /* already rolled back by SQLite */
	if (own) {
		(void)store_run(store, STORE_ROLLBACK);
		return;
	}
	/* Undo this write only; the caller's transaction stays open. */
	(void)store_run(store, STORE_ROLLBACK_TO);
	(void)store_run(store, STORE_RELEASE);
}

static int store_write_end(struct sig_store *store, bool own, int r)
{
	if (r == 0) {
		r = store_run(store, own ? STORE_COMMIT : STORE_RELEASE);
		if (r == 0)
			return 0;
	}
	store_abort(store, own);
	return r;
}

static int store_read_begin(struct sig_store *store, bool *ret_own)
{
	bool own = sqlite3_get_autocommit(store->db);
	int r = own ? store_run(store, STORE_BEGIN_READ) : 0;

	if (r < 0)
		return r;
	*ret_own = own;
	return 0;
}

static void store_read_end(struct sig_store *store, bool own)
{
	if (own && !sqlite3_get_autocommit(store->db))
		(void)store_run(store, STORE_COMMIT);
}

/* ---- one statement: a write, a get, a page ---- */

/* Steps a bound INSERT, UPDATE or DELETE inside the open transaction;
 * -ENOENT when it changed no row. */
static int store_change(struct sig_store *store, sqlite3_stmt *stmt)
{
	int r = store_step(store, stmt, sqlite3_sql(stmt));

	store_reset(stmt);
	if (r > 0)
		return -EIO; /* writes return no rows */
	if (r == 0 && sqlite3_changes(store->db) == 0)
		return -ENOENT;
	return r;
}

/* Runs one bound write in its own transaction (or the caller's). An
 * INSERT gives its new rowid in ret_id (may be NULL). */
static int store_write(struct sig_store *store, sqlite3_stmt *stmt, int64_t *ret_id)
{
	int64_t id = 0;
	bool own;
	int r = store_write_begin(store, &own);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_change(store, stmt);
	if (r == 0)
		id = sqlite3_last_insert_rowid(store->db);
	r = store_write_end(store, own, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

/* Steps a bound single-row SELECT and reads its row; -ENOENT for none. */
static int store_get(struct sig_store *store, sqlite3_stmt *stmt, store_row_fn read_row,
		     void *ret_row)
{
	int r = store_step(store, stmt, sqlite3_sql(stmt));

	if (r > 0)
		r = read_row(stmt, ret_row);
	else if (r == 0)
		r = -ENOENT;
	store_reset(stmt);
	return r;
}

/* Binds a list's after_id (?1), limit (?2) and owner (?3, when not 0). */
static int store_bind_page(struct sig_store *store, sqlite3_stmt *stmt, int64_t after_id, int limit,
			   int64_t owner_id)
{
	int r = store_bind_int(store, stmt, 1, after_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, limit);
	if (r == 0 && owner_id != 0)
		r = store_bind_int(store, stmt, 3, owner_id);
	return r;
}

/* ---- transactions the caller groups ---- */

int sig_store_begin(struct sig_store *store)
{
	int r;

	if (store->in_transaction || !sqlite3_get_autocommit(store->db))
		return -EBUSY;
	r = store_run(store, STORE_BEGIN);
	if (r < 0)
		return r;
	store->in_transaction = true;
	return 0;
}

int sig_store_commit(struct sig_store *store)
{
	int r;

	if (!store->in_transaction)
		return -EINVAL;
	store->in_transaction = false;
	if (sqlite3_get_autocommit(store->db)) {
		log_debug("store: commit: the transaction was already rolled back");
		return -EIO;
	}
	r = store_run(store, STORE_COMMIT);
	if (r < 0)
		store_abort(store, true);
	return r;
}

void sig_store_rollback(struct sig_store *store)
{
	store->in_transaction = false;
	if (!sqlite3_get_autocommit(store->db))
		(void)store_run(store, STORE_ROLLBACK);
}

/* ---- open, configure, migrate ---- */

int sig_store_schema_version(void)
{
	return (int)G_N_ELEMENTS(migrations);
}

/* Creates the file private to the daemon before SQLite opens it; SQLite
 * gives its -wal and -shm files the same mode. */
static int store_create_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Runs a one-off statement that returns one row, for PRAGMAs. */
static int store_query_row(struct sig_store *store, const char *sql, sqlite3_stmt **ret_stmt)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
	int r;

	if (rc != SQLITE_OK)
		return store_fail(store, rc, sql);
	r = store_step(store, stmt, sql);
	if (r <= 0) {
		sqlite3_finalize(stmt);
		return r < 0 ? r : -EIO;
	}
	*ret_stmt = stmt;
	return 0;
}

static int store_pragma_int(struct sig_store *store, const char *sql, int *ret_value)
{
	sqlite3_stmt *stmt;
	int r = store_query_row(store, sql, &stmt);

	if (r < 0)
		return r;
	*ret_value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

static int store_exec(struct sig_store *store, const char *sql, const char *what)
{
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, what);
}

/* Sets each PRAGMA and reads it back: SQLite ignores some silently. */
static int store_configure(struct sig_store *store)
{
	sqlite3_stmt *stmt;
	int fk = 0, sync = 0;
	bool wal;
	int r = store_query_row(store, "PRAGMA journal_mode = WAL", &stmt);

	if (r < 0)
		return r;
	wal = g_strcmp0((const char *)sqlite3_column_text(stmt, 0), "wal") == 0;
	sqlite3_finalize(stmt);
	if (!wal) {
		log_debug("store: the database refused WAL mode");
		return -EIO;
	}
	r = store_exec(store, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "pragma");
	if (r < 0)
		return r;
	r = store_pragma_int(store, "PRAGMA synchronous", &sync);
	if (r == 0)
		r = store_pragma_int(store, "PRAGMA foreign_keys", &fk);
	if (r < 0)
		return r;
	if (sync != 2 || fk != 1) {
		log_debug("store: synchronous=%d foreign_keys=%d after setting them", sync, fk);
		return -EIO;
	}
	return 0;
}

/* Applies migration to_version (1-based) inside the open transaction. */
static int store_apply_migration(struct sig_store *store, int to_version)
{
	char bump[48];
	int r = store_exec(store, migrations[to_version - 1], "migration");

	if (r < 0)
		return r;
	/* PRAGMAs take no parameters; the number is ours, not input. */
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", to_version);
	return store_exec(store, bump, "migration");
}

/* One transaction per step; the version is read inside it, so two
 * processes opening a new file do not both migrate it. */
static int store_migrate(struct sig_store *store)
{
	const int latest = sig_store_schema_version();

	for (;;) {
		int version = 0;
		int r = store_exec(store, "BEGIN IMMEDIATE", "migration");

		if (r < 0)
			return r;
		r = store_pragma_int(store, "PRAGMA user_version", &version);
		if (r == 0 && (version < 0 || version > latest)) {
			log_debug("store: schema version %d, this build knows %d", version, latest);
			r = -EPROTO;
		}
		if (r == 0 && version < latest)
			r = store_apply_migration(store, version + 1);
		if (r == 0)
			r = store_exec(store, "COMMIT", "migration");
		if (r < 0) {
			if (!sqlite3_get_autocommit(store->db))
				(void)store_exec(store, "ROLLBACK", "migration");
			return r;
		}
		if (version >= latest)
			return 0;
		log_debug("store: migrated to schema version %d", version + 1);
	}
}

static int store_prepare(struct sig_store *store)
{
	for (int i = 0; i < STORE_STMT_COUNT; i++) {
		const char *tail = NULL;
		int rc = sqlite3_prepare_v3(store->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &store->stmt[i], &tail);

		if (rc != SQLITE_OK)
			return store_fail(store, rc, stmt_sql[i]);
		g_assert(tail && *tail == '\0');
	}
	return 0;
}

int sig_store_open(const char *path, struct sig_store **ret_store)
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	struct sig_store *store;
	int rc, r;

	g_assert(path && ret_store);
	r = store_create_file(path);
	if (r < 0)
		return r;
	store = g_new0(struct sig_store, 1);
	rc = sqlite3_open_v2(path, &store->db, flags, NULL);
	if (rc != SQLITE_OK) {
		log_debug("store: open: %s", store->db ? sqlite3_errmsg(store->db) : "no memory");
		r = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(store->db, 1);
	rc = sqlite3_busy_timeout(store->db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		r = store_fail(store, rc, "busy_timeout");
		goto fail;
	}
	r = store_configure(store);
	if (r < 0)
		goto fail;
	r = store_migrate(store);
	if (r < 0)
		goto fail;
	r = store_prepare(store);
	if (r < 0)
		goto fail;
	*ret_store = store;
	return 0;

fail:
	sig_store_close(store);
	return r;
}

struct sig_store *sig_store_close(struct sig_store *store)
{
	int rc;

	if (!store)
		return NULL;
	if (store->db && !sqlite3_get_autocommit(store->db) && store->stmt[STORE_ROLLBACK])
		(void)store_run(store, STORE_ROLLBACK);
	for (int i = 0; i < STORE_STMT_COUNT; i++)
		sqlite3_finalize(store->stmt[i]);
	rc = sqlite3_close(store->db);
	if (rc != SQLITE_OK)
		log_debug("store: close: %s", sqlite3_errstr(rc));
	g_free(store);
	return NULL;
}

/* ---- sessions ---- */

/* The schedule as the JSON text the sessions table holds. Caller frees
 * with free(). */
static int session_encode_schedule(const struct sig_schedule *schedule, char **ret_text)
{
	const char *field = NULL;
	char *problem = NULL;
	json_t *json;
	char *text;

	if (sig_schedule_validate(schedule, &field, &problem) < 0) {
		g_free(problem);
		return -EINVAL;
	}
	json = sig_schedule_to_json(schedule);
	if (!json)
		return -EINVAL;
	text = json_dumps(json, JSON_COMPACT);
	json_decref(json);
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}

static int session_decode_schedule(sqlite3_stmt *stmt, int col, struct sig_schedule *ret_schedule)
{
	const char *text = (const char *)sqlite3_column_text(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);
	struct sig_schedule schedule = {0};
	const char *field = NULL;
	char *problem = NULL;
	json_t *json;
	int r;

	if (!text || len > STORE_SCHEDULE_MAX)
		return -EIO;
	json = json_loadb(text, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
	if (!json)
		return -EIO;
	r = sig_schedule_from_json(json, &schedule, &field, &problem);
	json_decref(json);
	if (r < 0) {
		log_debug("store: a stored schedule does not parse (%s)", field ? field : "?");
		g_free(problem);
		return -EIO;
	}
	*ret_schedule = schedule;
	return 0;
}

static int session_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_session s = {.id = sqlite3_column_int64(stmt, 0)};
	int r;

	if (sig_kind_parse(store_column_name(stmt, 1), &s.kind) < 0 ||
	    sig_publish_policy_parse(store_column_name(stmt, 5), &s.publish_policy) < 0) {
		log_debug("store: session %" PRId64 " has an unknown kind or policy", s.id);
		return -EIO;
	}
	r = store_column_int(stmt, 3, &s.capacity);
	if (r == 0)
		r = session_decode_schedule(stmt, 6, &s.schedule);
	if (r == 0)
		r = store_column_text(stmt, 2, SIG_TITLE_MAX, &s.title);
	if (r < 0)
		return r;
	s.waiting_room = sqlite3_column_int(stmt, 4) != 0;
	s.names_editable = sqlite3_column_int(stmt, 10) != 0;
	s.ended_at = sqlite3_column_int64(stmt, 7);
	s.created_at = sqlite3_column_int64(stmt, 8);
	s.updated_at = sqlite3_column_int64(stmt, 9);
	*(struct sig_session *)ret_row = s;
	return 0;
}

static void session_clear_func(void *row)
{
	sig_session_clear(row);
}

/* Binds ?1..?9, the fields insert and update share. */
static int session_bind(struct sig_store *store, sqlite3_stmt *stmt,
			const struct sig_session *session, const char *schedule)
{
	int r;

	if ((unsigned)session->kind >= SIG_KIND_COUNT ||
	    (unsigned)session->publish_policy >= SIG_PUBLISH_COUNT)
		return -EINVAL;
	if ((r = store_bind_text(store, stmt, 1, sig_kind_name(session->kind))) < 0 ||
	    (r = store_bind_text(store, stmt, 2, session->title)) < 0 ||
	    (r = store_bind_int(store, stmt, 3, session->capacity)) < 0 ||
	    (r = store_bind_int(store, stmt, 4, session->waiting_room)) < 0 ||
	    (r = store_bind_text(store, stmt, 5,
				 sig_publish_policy_name(session->publish_policy))) < 0 ||
	    (r = store_bind_text(store, stmt, 6, schedule)) < 0 ||
	    (r = store_bind_int(store, stmt, 7, session->ended_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 8, session->updated_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 9, session->names_editable)) < 0)
		return r;
	return 0;
}

int sig_store_session_insert(struct sig_store *store, struct sig_session *session)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_INSERT);
	char *schedule = NULL;
	int64_t id;
	int r = session_encode_schedule(&session->schedule, &schedule);

	if (r == 0)
		r = session_bind(store, stmt, session, schedule);
	if (r == 0)
		r = store_bind_int(store, stmt, 10, session->created_at);
	if (r == 0)
		r = store_write(store, stmt, &id);
	else
		store_reset(stmt);
	free(schedule); /* after the reset: it was bound SQLITE_STATIC */
	if (r < 0)
		return r;
	session->id = id;
	return 0;
}

int sig_store_session_get(struct sig_store *store, int64_t id, struct sig_session *ret_session)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_GET);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_get(store, stmt, session_read_row, ret_session);
}

int sig_store_session_update(struct sig_store *store, const struct sig_session *session)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_UPDATE);
	char *schedule = NULL;
	int r = session_encode_schedule(&session->schedule, &schedule);

	if (r == 0)
		r = session_bind(store, stmt, session, schedule);
	if (r == 0)
		r = store_bind_int(store, stmt, 10, session->id);
	if (r == 0)
		r = store_write(store, stmt, NULL);
	else
		store_reset(stmt);
	free(schedule);
	return r;
}

int sig_store_session_delete(struct sig_store *store, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_DELETE);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sig_store_session_list(struct sig_store *store, int64_t after_id, int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_session), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, 0);
	if (r < 0)
		return r;
	return store_list(store, stmt, session_read_row, sizeof(struct sig_session),
			  session_clear_func, ret_rows);
}

/* -ENOENT unless the session exists, for the per-session lists. */
static int session_exists(struct sig_store *store, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_EXISTS);
	int r = store_bind_int(store, stmt, 1, id);

	if (r == 0)
		r = store_step(store, stmt, "session exists");
	store_reset(stmt);
	if (r < 0)
		return r;
	return r > 0 ? 0 : -ENOENT;
}

/* ---- roster entries ---- */

static int roster_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_roster_entry e = {.id = sqlite3_column_int64(stmt, 0)};
	int64_t permissions = sqlite3_column_int64(stmt, 4);
	int r;

	if (sig_role_parse(store_column_name(stmt, 3), &e.role) < 0 || permissions < 0 ||
	    permissions > SIG_PERM_ALL) {
		log_debug("store: roster entry %" PRId64 " has an unknown role or permission",
			  e.id);
		return -EIO;
	}
	r = store_column_text(stmt, 2, SIG_DISPLAY_NAME_MAX, &e.display_name);
	if (r < 0)
		return r;
	e.session_id = sqlite3_column_int64(stmt, 1);
	e.permissions = (unsigned)permissions;
	e.auto_admit = sqlite3_column_int(stmt, 5) != 0;
	e.removed_at = sqlite3_column_int64(stmt, 6);
	e.created_at = sqlite3_column_int64(stmt, 7);
	e.updated_at = sqlite3_column_int64(stmt, 8);
	*(struct sig_roster_entry *)ret_row = e;
	return 0;
}

static void roster_clear_func(void *row)
{
	sig_roster_entry_clear(row);
}

/* Binds ?1..?6, the fields insert and update share. */
static int roster_bind(struct sig_store *store, sqlite3_stmt *stmt,
		       const struct sig_roster_entry *entry)
{
	int r;

	if ((unsigned)entry->role >= SIG_ROLE_COUNT)
		return -EINVAL;
	if ((r = store_bind_text(store, stmt, 1, entry->display_name)) < 0 ||
	    (r = store_bind_text(store, stmt, 2, sig_role_name(entry->role))) < 0 ||
	    (r = store_bind_int(store, stmt, 3, entry->permissions)) < 0 ||
	    (r = store_bind_int(store, stmt, 4, entry->auto_admit)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, entry->removed_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, entry->updated_at)) < 0)
		return r;
	return 0;
}

int sig_store_roster_insert(struct sig_store *store, struct sig_roster_entry *entry)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_INSERT);
	int64_t id;
	int r = roster_bind(store, stmt, entry);

	if (r == 0)
		r = store_bind_int(store, stmt, 7, entry->session_id);
	if (r == 0)
		r = store_bind_int(store, stmt, 8, entry->created_at);
	if (r == 0)
		r = store_write(store, stmt, &id);
	if (r < 0)
		return r;
	entry->id = id;
	return 0;
}

int sig_store_roster_get(struct sig_store *store, int64_t id, struct sig_roster_entry *ret_entry)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_GET);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_get(store, stmt, roster_read_row, ret_entry);
}

int sig_store_roster_update(struct sig_store *store, const struct sig_roster_entry *entry)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_UPDATE);
	int r = roster_bind(store, stmt, entry);

	if (r == 0)
		r = store_bind_int(store, stmt, 7, entry->id);
	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sig_store_roster_delete(struct sig_store *store, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_DELETE);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sig_store_roster_list(struct sig_store *store, int64_t session_id, int64_t after_id, int limit,
			  GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_roster_entry), limit);

	if (r == 0)
		r = session_exists(store, session_id);
	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, roster_read_row, sizeof(struct sig_roster_entry),
			  roster_clear_func, ret_rows);
}

int sig_store_roster_count(struct sig_store *store, int64_t session_id, int *ret_count)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_COUNT);
	int count = 0;
	int r = session_exists(store, session_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 1, session_id);
	if (r == 0)
		r = store_step(store, stmt, "roster count");
	if (r > 0)
		r = store_column_int(stmt, 0, &count);
	else if (r == 0)
		r = -EIO; /* count(*) always returns a row */
	store_reset(stmt);
	if (r < 0)
		return r;
	*ret_count = count;
	return 0;
}

/* ---- invites ---- */

static int invite_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_invite inv = {.id = sqlite3_column_int64(stmt, 0)};
	int r = store_column_hash(stmt, 3, inv.token_hash);

	if (r == 0)
		r = store_column_int(stmt, 4, &inv.max_uses);
	if (r == 0)
		r = store_column_int(stmt, 5, &inv.uses);
	if (r < 0)
		return r;
	inv.roster_entry_id = sqlite3_column_int64(stmt, 1);
	inv.session_id = sqlite3_column_int64(stmt, 2);
	inv.created_at = sqlite3_column_int64(stmt, 6);
	inv.revoked_at = sqlite3_column_int64(stmt, 7);
	inv.last_used_at = sqlite3_column_int64(stmt, 8);
	*(struct sig_invite *)ret_row = inv;
	return 0;
}

/* Binds ?1..?4, the fields insert and update share. */
static int invite_bind(struct sig_store *store, sqlite3_stmt *stmt, const struct sig_invite *inv)
{
	int r;

	if ((r = store_bind_int(store, stmt, 1, inv->max_uses)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, inv->uses)) < 0 ||
	    (r = store_bind_int(store, stmt, 3, inv->revoked_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 4, inv->last_used_at)) < 0)
		return r;
	return 0;
}

int sig_store_invite_insert(struct sig_store *store, struct sig_invite *invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_INSERT);
	int64_t id;
	int r;

	if ((r = invite_bind(store, stmt, invite)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, invite->roster_entry_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, invite->session_id)) < 0 ||
	    (r = store_bind_hash(store, stmt, 7, invite->token_hash)) < 0 ||
	    (r = store_bind_int(store, stmt, 8, invite->created_at)) < 0 ||
	    (r = store_write(store, stmt, &id)) < 0)
		return r;
	invite->id = id;
	return 0;
}

int sig_store_invite_get(struct sig_store *store, int64_t id, struct sig_invite *ret_invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_GET);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_get(store, stmt, invite_read_row, ret_invite);
}

int sig_store_invite_find_by_hash(struct sig_store *store, const uint8_t hash[CRYPTO_SHA256_BYTES],
				  struct sig_invite *ret_invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_BY_HASH);
	int r = store_bind_hash(store, stmt, 1, hash);

	return r < 0 ? r : store_get(store, stmt, invite_read_row, ret_invite);
}

int sig_store_invite_update(struct sig_store *store, const struct sig_invite *invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_UPDATE);
	int r = invite_bind(store, stmt, invite);

	if (r == 0)
		r = store_bind_int(store, stmt, 5, invite->id);
	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sig_store_invite_list(struct sig_store *store, int64_t session_id, int64_t roster_entry_id,
			  int64_t after_id, int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt =
	    store_stmt(store, roster_entry_id ? STORE_INVITE_LIST_ENTRY : STORE_INVITE_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_invite), limit);

	if (r == 0)
		r = session_exists(store, session_id);
	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r == 0 && roster_entry_id)
		r = store_bind_int(store, stmt, 4, roster_entry_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, invite_read_row, sizeof(struct sig_invite), NULL, ret_rows);
}

/* ---- the audit log ---- */

static int audit_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_audit_event ev = {
	    .id = sqlite3_column_int64(stmt, 0),
	    .at_ms = sqlite3_column_int64(stmt, 1),
	    .session_id = sqlite3_column_int64(stmt, 3),
	    .roster_entry_id = sqlite3_column_int64(stmt, 4),
	    .invite_id = sqlite3_column_int64(stmt, 5),
	};
	int r;

	if (sig_audit_kind_parse(store_column_name(stmt, 2), &ev.kind) < 0) {
		log_debug("store: audit row %" PRId64 " has an unknown kind", ev.id);
		return -EIO;
	}
	r = store_column_hash(stmt, 8, ev.prev_hash);
	if (r == 0)
		r = store_column_hash(stmt, 9, ev.hash);
	if (r == 0)
		r = store_column_text(stmt, 6, STORE_AUDIT_ACTOR_MAX, &ev.actor);
	if (r == 0)
		r = store_column_text(stmt, 7, STORE_AUDIT_DETAIL_MAX, &ev.detail);
	if (r < 0) {
		sig_audit_event_clear(&ev);
		return r;
	}
	*(struct sig_audit_event *)ret_row = ev;
	return 0;
}

static void audit_clear_func(void *row)
{
	sig_audit_event_clear(row);
}

/* The recorded last row. -ENOENT when the head row is gone, -EBADMSG when
 * its hash is malformed: both only after tampering. */
static int audit_read_head(struct sig_store *store, int64_t *ret_last_id,
			   uint8_t ret_last_hash[CRYPTO_SHA256_BYTES])
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_HEAD);
	int r = store_step(store, stmt, "audit head");

	if (r == 0)
		r = -ENOENT;
	if (r > 0) {
		*ret_last_id = sqlite3_column_int64(stmt, 0);
		r = store_column_hash(stmt, 1, ret_last_hash) < 0 ? -EBADMSG : 0;
	}
	store_reset(stmt);
	return r;
}

static int audit_insert(struct sig_store *store, const struct sig_audit_event *ev)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_INSERT);
	int r;

	if ((r = store_bind_int(store, stmt, 1, ev->id)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, ev->at_ms)) < 0 ||
	    (r = store_bind_text(store, stmt, 3, sig_audit_kind_name(ev->kind))) < 0 ||
	    (r = store_bind_int(store, stmt, 4, ev->session_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, ev->roster_entry_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, ev->invite_id)) < 0 ||
	    (r = store_bind_text(store, stmt, 7, ev->actor)) < 0 ||
	    (r = store_bind_text(store, stmt, 8, ev->detail)) < 0 ||
	    (r = store_bind_hash(store, stmt, 9, ev->prev_hash)) < 0 ||
	    (r = store_bind_hash(store, stmt, 10, ev->hash)) < 0)
		return r;
	return store_change(store, stmt);
}

static int audit_update_head(struct sig_store *store, int64_t last_id,
			     const uint8_t last_hash[CRYPTO_SHA256_BYTES])
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_HEAD_UPDATE);
	int r;

	if ((r = store_bind_int(store, stmt, 1, last_id)) < 0 ||
	    (r = store_bind_hash(store, stmt, 2, last_hash)) < 0)
		return r;
	return store_change(store, stmt);
}

int sig_store_audit_append(struct sig_store *store, struct sig_audit_event *event)
{
	struct sig_audit_event row = *event; /* borrows actor and detail */
	int64_t last_id = 0;
	bool own;
	int r;

	if ((unsigned)event->kind >= SIG_AUDIT_KIND_COUNT)
		return -EINVAL;
	r = store_write_begin(store, &own);
	if (r < 0)
		return r;
	/* Head, row and new head in one transaction: the chain never forks. */
	r = audit_read_head(store, &last_id, row.prev_hash);
	if (r == -ENOENT || r == -EBADMSG)
		r = -EIO;
	if (r == 0) {
		row.id = last_id + 1;
		sig_audit_hash(&row, row.hash);
		r = audit_insert(store, &row);
	}
	if (r == 0)
		r = audit_update_head(store, row.id, row.hash);
	r = store_write_end(store, own, r);
	if (r < 0)
		return r;
	event->id = row.id;
	memcpy(event->prev_hash, row.prev_hash, CRYPTO_SHA256_BYTES);
	memcpy(event->hash, row.hash, CRYPTO_SHA256_BYTES);
	return 0;
}

int sig_store_audit_list(struct sig_store *store, int64_t session_id, int64_t after_id, int limit,
			 GArray *ret_rows)
{
	sqlite3_stmt *stmt =
	    store_stmt(store, session_id ? STORE_AUDIT_LIST_SESSION : STORE_AUDIT_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_audit_event), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, audit_read_row, sizeof(struct sig_audit_event),
			  audit_clear_func, ret_rows);
}

/* The state of a walk along the chain, and the first break found. */
struct audit_walk {
	int64_t rows;
	int64_t last_id; /* 0 before the first row */
	uint8_t last_hash[CRYPTO_SHA256_BYTES];
	int64_t bad_id;
	char *problem;
};

/* Records the first break; returns -EBADMSG. */
static int audit_breakf(struct audit_walk *walk, int64_t bad_id, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static int audit_breakf(struct audit_walk *walk, int64_t bad_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	walk->bad_id = bad_id;
	walk->problem = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Checks the next row against the chain so far. */
static int audit_check_row(struct audit_walk *walk, const struct sig_audit_event *ev)
{
	const long long id = ev->id, expected = walk->last_id + 1;
	uint8_t hash[CRYPTO_SHA256_BYTES];

	if (id != expected && expected == 1)
		return audit_breakf(walk, 1, "row 1 is missing (the log starts at row %lld)", id);
	if (id != expected)
		return audit_breakf(walk, expected,
				    "row %lld is missing (row %lld follows row %lld)", expected, id,
				    expected - 1);
	if (memcmp(ev->prev_hash, walk->last_hash, CRYPTO_SHA256_BYTES) != 0 && id == 1)
		return audit_breakf(walk, 1, "row 1: its previous-row hash is not zero");
	if (memcmp(ev->prev_hash, walk->last_hash, CRYPTO_SHA256_BYTES) != 0)
		return audit_breakf(walk, id,
				    "row %lld: its previous-row hash does not match row %lld", id,
				    id - 1);
	sig_audit_hash(ev, hash);
	if (memcmp(hash, ev->hash, CRYPTO_SHA256_BYTES) != 0)
		return audit_breakf(walk, id, "row %lld: hash does not match its contents", id);
	walk->rows++;
	walk->last_id = ev->id;
	memcpy(walk->last_hash, ev->hash, CRYPTO_SHA256_BYTES);
	return 0;
}

/* Checks the recorded head against the last row walked. */
static int audit_check_head(struct sig_store *store, struct audit_walk *walk)
{
	const long long last = walk->last_id;
	uint8_t head_hash[CRYPTO_SHA256_BYTES];
	int64_t head_id = 0;
	int r = audit_read_head(store, &head_id, head_hash);
	long long head = head_id;

	if (r == -ENOENT || r == -EBADMSG)
		return audit_breakf(walk, last + 1,
				    "the log's head record is missing or malformed");
	if (r < 0)
		return r;
	if (head > last && last == 0)
		return audit_breakf(walk, 1, "the log is empty but its head records row %lld",
				    head);
	if (head > last)
		return audit_breakf(walk, last + 1,
				    "the log ends at row %lld but its head records row %lld", last,
				    head);
	if (head < last)
		return audit_breakf(
		    walk, head + 1,
		    "the log's head records row %lld but the log goes on to row %lld", head, last);
	if (memcmp(head_hash, walk->last_hash, CRYPTO_SHA256_BYTES) == 0)
		return 0;
	if (last == 0)
		return audit_breakf(walk, 1, "the log is empty but its head records a hash");
	return audit_breakf(walk, last, "row %lld: hash does not match the log's head", last);
}

/* Walks every row in id order; streams, so the log may be long. */
static int audit_walk_rows(struct sig_store *store, struct audit_walk *walk)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_ALL);
	int r;

	while ((r = store_step(store, stmt, "audit verify")) > 0) {
		struct sig_audit_event ev;

		if (audit_read_row(stmt, &ev) < 0) {
			long long id = sqlite3_column_int64(stmt, 0);

			r = audit_breakf(walk, id, "row %lld cannot be read (a field is malformed)",
					 id);
			break;
		}
		r = audit_check_row(walk, &ev);
		sig_audit_event_clear(&ev);
		if (r < 0)
			break;
	}
	store_reset(stmt);
	return r;
}

int sig_store_audit_head(struct sig_store *store, int64_t *ret_last_id,
			 uint8_t ret_last_hash[CRYPTO_SHA256_BYTES])
{
	int64_t id;
	uint8_t hash[CRYPTO_SHA256_BYTES];
	int r = audit_read_head(store, &id, hash);

	if (r < 0)
		return r;
	*ret_last_id = id;
	memcpy(ret_last_hash, hash, sizeof(hash));
	return 0;
}

int sig_store_audit_verify(struct sig_store *store, int64_t *ret_rows, int64_t *ret_first_bad_id,
			   char **ret_problem)
{
	struct audit_walk walk = {0};
	bool own;
	int r = store_read_begin(store, &own); /* one snapshot of rows and head */

	if (r < 0)
		return r;
	r = audit_walk_rows(store, &walk);
	if (r == 0)
		r = audit_check_head(store, &walk);
	store_read_end(store, own);
	if (r == -EBADMSG) {
		*ret_first_bad_id = walk.bad_id;
		*ret_problem = walk.problem;
		return r;
	}
	g_free(walk.problem);
	if (r < 0)
		return r;
	*ret_rows = walk.rows;
	return 0;
}
