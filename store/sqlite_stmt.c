/* The statement toolkit of the SQLite backend: errors mapped to errno
 * codes, binding and reading columns, one-statement writes, gets and
 * pages, and the transactions (a write's own, or a savepoint inside the
 * caller's group) (see sqlite_internal.h). */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "core/log.h"
#include "model/metadata.h"

/* ---- errors, statements, columns ---- */

int store_fail(struct sig_store *store, int rc, const char *what)
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

sqlite3_stmt *store_stmt(struct sig_store *store, enum store_stmt_id id)
{
	g_assert((unsigned)id < STORE_STMT_COUNT && store->stmt[id]);
	return store->stmt[id];
}

void store_reset(sqlite3_stmt *stmt)
{
	/* Repeats the last step's error, which the caller has handled. */
	(void)sqlite3_reset(stmt);
	(void)sqlite3_clear_bindings(stmt);
}

int store_step(struct sig_store *store, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(store, rc, what);
}

int store_bind_int(struct sig_store *store, sqlite3_stmt *stmt, int index, int64_t value)
{
	int rc = sqlite3_bind_int64(stmt, index, value);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

int store_bind_text(struct sig_store *store, sqlite3_stmt *stmt, int index, const char *text)
{
	/* NULL binds NULL, which NOT NULL columns refuse (-EINVAL). */
	int rc = sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

int store_bind_hash(struct sig_store *store, sqlite3_stmt *stmt, int index,
		    const uint8_t hash[CRYPTO_SHA256_BYTES])
{
	int rc = sqlite3_bind_blob(stmt, index, hash, CRYPTO_SHA256_BYTES, SQLITE_STATIC);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

int store_run(struct sig_store *store, enum store_stmt_id id)
{
	sqlite3_stmt *stmt = store_stmt(store, id);
	int r = store_step(store, stmt, store_stmt_sql[id]);

	store_reset(stmt);
	return r > 0 ? -EIO : r;
}

int store_column_text(sqlite3_stmt *stmt, int col, size_t max, char **ret_text)
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

int store_bind_labels(struct sig_store *store, sqlite3_stmt *stmt, const char *external_id,
		      const char *metadata)
{
	int r = store_bind_text(store, stmt, STORE_PARAM_EXTERNAL_ID, external_id);

	return r < 0 ? r : store_bind_text(store, stmt, STORE_PARAM_METADATA, metadata);
}

int store_column_labels(sqlite3_stmt *stmt, int col, char **ret_external_id, char **ret_metadata)
{
	char *external_id = NULL, *metadata = NULL;
	int r = 0;

	if (sqlite3_column_type(stmt, col) != SQLITE_NULL)
		r = store_column_text(stmt, col, SIG_EXTERNAL_ID_MAX, &external_id);
	if (r == 0 && sqlite3_column_type(stmt, col + 1) != SQLITE_NULL)
		r = store_column_text(stmt, col + 1, SIG_METADATA_MAX, &metadata);
	if (r < 0) {
		g_free(external_id);
		return r;
	}
	*ret_external_id = external_id;
	*ret_metadata = metadata;
	return 0;
}

const char *store_column_name(sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);

	return text ? (const char *)text : "";
}

int store_column_hash(sqlite3_stmt *stmt, int col, uint8_t ret_hash[CRYPTO_SHA256_BYTES])
{
	const void *blob = sqlite3_column_blob(stmt, col);

	if (!blob || sqlite3_column_bytes(stmt, col) != CRYPTO_SHA256_BYTES) {
		log_debug("store: column %d is not a 32-byte hash", col);
		return -EIO;
	}
	memcpy(ret_hash, blob, CRYPTO_SHA256_BYTES);
	return 0;
}

int store_column_int(sqlite3_stmt *stmt, int col, int *ret_value)
{
	int64_t v = sqlite3_column_int64(stmt, col);

	if (v < INT_MIN || v > INT_MAX) {
		log_debug("store: column %d is out of range", col);
		return -EIO;
	}
	*ret_value = (int)v;
	return 0;
}

int store_list_check(GArray *ret_rows, size_t row_size, int limit)
{
	g_assert(ret_rows && g_array_get_element_size(ret_rows) == row_size);
	return limit >= 1 && limit <= SIG_STORE_LIST_MAX ? 0 : -EINVAL;
}

int store_list(struct sig_store *store, sqlite3_stmt *stmt, store_row_fn read_row, size_t row_size,
	       GDestroyNotify clear, GArray *ret_rows)
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

int store_write_begin(struct sig_store *store, bool *ret_own)
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

void store_abort(struct sig_store *store, bool own)
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

int store_write_end(struct sig_store *store, bool own, int r)
{
	if (r == 0) {
		r = store_run(store, own ? STORE_COMMIT : STORE_RELEASE);
		if (r == 0)
			return 0;
	}
	store_abort(store, own);
	return r;
}

int store_read_begin(struct sig_store *store, bool *ret_own)
{
	bool own = sqlite3_get_autocommit(store->db);
	int r = own ? store_run(store, STORE_BEGIN_READ) : 0;

	if (r < 0)
		return r;
	*ret_own = own;
	return 0;
}

void store_read_end(struct sig_store *store, bool own)
{
	if (own && !sqlite3_get_autocommit(store->db))
		(void)store_run(store, STORE_COMMIT);
}

/* ---- one statement: a write, a get, a page ---- */

int store_change(struct sig_store *store, sqlite3_stmt *stmt)
{
	int r = store_step(store, stmt, sqlite3_sql(stmt));

	store_reset(stmt);
	if (r > 0)
		return -EIO; /* writes return no rows */
	if (r == 0 && sqlite3_changes(store->db) == 0)
		return -ENOENT;
	return r;
}

int store_write(struct sig_store *store, sqlite3_stmt *stmt, int64_t *ret_id)
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

int store_get(struct sig_store *store, sqlite3_stmt *stmt, store_row_fn read_row, void *ret_row)
{
	int r = store_step(store, stmt, sqlite3_sql(stmt));

	if (r > 0)
		r = read_row(stmt, ret_row);
	else if (r == 0)
		r = -ENOENT;
	store_reset(stmt);
	return r;
}

int store_bind_page(struct sig_store *store, sqlite3_stmt *stmt, int64_t after_id, int limit,
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

int sqlite_store_begin(struct sig_store *store)
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

int sqlite_store_commit(struct sig_store *store)
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

void sqlite_store_rollback(struct sig_store *store)
{
	store->in_transaction = false;
	if (!sqlite3_get_autocommit(store->db))
		(void)store_run(store, STORE_ROLLBACK);
}
