/* The admin API's idempotent answers in the SQLite backend: MACs, a status
 * and sealed bytes under a lookup key, kept 24 h by the caller's pruning
 * and at most SIG_STORE_IDEMPOTENCY_ROWS_MAX rows. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

static int idempotency_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_idempotent_answer a = {0};
	const void *blob = sqlite3_column_blob(stmt, 2);
	int len = sqlite3_column_bytes(stmt, 2);
	int r = store_column_hash(stmt, 0, a.request_mac);

	if (r < 0)
		return r;
	if (!blob || len <= 0 || len > SIG_STORE_IDEMPOTENCY_SEALED_MAX)
		return -EIO;
	a.status = sqlite3_column_int(stmt, 1);
	a.sealed = g_memdup2(blob, (gsize)len);
	a.sealed_len = (size_t)len;
	a.created_at = sqlite3_column_int64(stmt, 3);
	*(struct sig_idempotent_answer *)ret_row = a;
	return 0;
}

int sqlite_store_idempotency_get(struct sig_store *store, const uint8_t lookup[CRYPTO_SHA256_BYTES],
				 int64_t not_before, struct sig_idempotent_answer *ret_answer)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_IDEMPOTENCY_GET);
	int r = store_bind_hash(store, stmt, 1, lookup);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, not_before);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_get(store, stmt, idempotency_read_row, ret_answer);
}

/* Within the open write: -ENOSPC when the table is full. */
static int idempotency_room(struct sig_store *store)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_IDEMPOTENCY_COUNT);
	int count = 0;
	int r = store_step(store, stmt, "idempotency count");

	if (r > 0)
		r = store_column_int(stmt, 0, &count);
	else if (r == 0)
		r = -EIO;
	store_reset(stmt);
	if (r < 0)
		return r;
	return count >= SIG_STORE_IDEMPOTENCY_ROWS_MAX ? -ENOSPC : 0;
}

static int idempotency_bind(struct sig_store *store, sqlite3_stmt *stmt,
			    const uint8_t lookup[CRYPTO_SHA256_BYTES],
			    const struct sig_idempotent_answer *answer)
{
	int r, rc;

	if ((r = store_bind_hash(store, stmt, 1, lookup)) < 0 ||
	    (r = store_bind_hash(store, stmt, 2, answer->request_mac)) < 0 ||
	    (r = store_bind_int(store, stmt, 3, answer->status)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, answer->created_at)) < 0)
		return r;
	rc = sqlite3_bind_blob(stmt, 4, answer->sealed, (int)answer->sealed_len, SQLITE_STATIC);
	return rc == SQLITE_OK ? 0 : store_fail(store, rc, "bind");
}

int sqlite_store_idempotency_put(struct sig_store *store, const uint8_t lookup[CRYPTO_SHA256_BYTES],
				 const struct sig_idempotent_answer *answer, int64_t prune_before)
{
	sqlite3_stmt *prune = store_stmt(store, STORE_IDEMPOTENCY_PRUNE);
	sqlite3_stmt *insert = store_stmt(store, STORE_IDEMPOTENCY_INSERT);
	bool own;
	int r;

	if (answer->status < 200 || answer->status > 299 || !answer->sealed ||
	    answer->sealed_len > SIG_STORE_IDEMPOTENCY_SEALED_MAX)
		return -EINVAL;
	r = store_write_begin(store, &own);
	if (r < 0)
		return r;
	r = store_bind_int(store, prune, 1, prune_before);
	if (r == 0) {
		r = store_step(store, prune, "idempotency prune");
		r = r > 0 ? 0 : r;
	}
	store_reset(prune);
	if (r == 0)
		r = idempotency_room(store);
	if (r == 0)
		r = idempotency_bind(store, insert, lookup, answer);
	if (r == 0)
		r = store_change(store, insert);
	store_reset(insert);
	return store_write_end(store, own, r);
}
