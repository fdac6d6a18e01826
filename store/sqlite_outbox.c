/* The webhook outbox in the SQLite backend: rows written beside audit rows
 * (sqlite_audit.c), taken one at a time in order per session by the
 * daemon's delivery, marked delivered or rescheduled, pruned, and held
 * under a cap. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"

void sig_outbox_row_clear(struct sig_outbox_row *row)
{
	if (!row)
		return;
	g_free(row->delivery_id);
	g_free(row->event);
	g_free(row->body);
	memset(row, 0, sizeof(*row));
}

void sig_store_outbox_limit(struct sig_store *store, int max_rows)
{
	store->outbox_max = max_rows > 0 ? max_rows : 0;
}

bool sig_store_outbox_on(const struct sig_store *store)
{
	return store->outbox_max > 0;
}

uint64_t sig_store_outbox_dropped(const struct sig_store *store)
{
	return store->outbox_dropped;
}

static int outbox_count(struct sig_store *store, int *ret_rows, int *ret_pending)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_COUNT);
	int r = store_step(store, stmt, "outbox count");

	if (r == 0)
		r = -EIO; /* an aggregate always has a row */
	if (r > 0) {
		r = store_column_int(stmt, 0, ret_rows);
		if (r == 0)
			r = store_column_int(stmt, 1, ret_pending);
	}
	store_reset(stmt);
	return r;
}

/* Deletes the oldest rows over the cap, delivered ones first; counts the
 * pending ones among them. */
static int outbox_trim(struct sig_store *store)
{
	sqlite3_stmt *stmt;
	int rows = 0, pending = 0, r = outbox_count(store, &rows, &pending);
	uint64_t dropped = 0;

	if (r < 0 || rows <= store->outbox_max)
		return r;
	stmt = store_stmt(store, STORE_OUTBOX_TRIM);
	r = store_bind_int(store, stmt, 1, rows - store->outbox_max);
	while (r == 0 && (r = store_step(store, stmt, "outbox trim")) > 0) {
		if (sqlite3_column_int64(stmt, 0) == 0)
			dropped++;
		r = 0;
	}
	store_reset(stmt);
	if (r == 0)
		store->outbox_dropped += dropped; /* the caller's transaction may still fail */
	return r;
}

int store_outbox_insert(struct sig_store *store, struct sig_outbox_row *row)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_INSERT);
	int r;

	if ((r = store_bind_int(store, stmt, 1, row->session_id)) < 0 ||
	    (r = store_bind_text(store, stmt, 2, row->delivery_id)) < 0 ||
	    (r = store_bind_text(store, stmt, 3, row->event)) < 0 ||
	    (r = store_bind_text(store, stmt, 4, row->body)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, row->created_ms)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, row->next_ms)) < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_change(store, stmt);
	if (r < 0)
		return r;
	row->id = sqlite3_last_insert_rowid(store->db);
	row->attempts = 0;
	row->delivered_ms = 0;
	return outbox_trim(store);
}

static int outbox_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_outbox_row row = {
	    .id = sqlite3_column_int64(stmt, 0),
	    .session_id = sqlite3_column_int64(stmt, 1),
	    .created_ms = sqlite3_column_int64(stmt, 5),
	    .next_ms = sqlite3_column_int64(stmt, 7),
	    .delivered_ms = sqlite3_column_int64(stmt, 8),
	};
	int r = store_column_text(stmt, 2, 64, &row.delivery_id);

	if (r == 0)
		r = store_column_text(stmt, 3, 64, &row.event);
	if (r == 0)
		r = store_column_text(stmt, 4, STORE_OUTBOX_BODY_MAX, &row.body);
	if (r == 0)
		r = store_column_int(stmt, 6, &row.attempts);
	if (r < 0) {
		sig_outbox_row_clear(&row);
		return r;
	}
	*(struct sig_outbox_row *)ret_row = row;
	return 0;
}

int sig_store_outbox_next(struct sig_store *store, int64_t now_ms, struct sig_outbox_row *ret_row)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_NEXT);
	int r = store_bind_int(store, stmt, 1, now_ms);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_get(store, stmt, outbox_read_row, ret_row);
}

int sig_store_outbox_delivered(struct sig_store *store, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_DELIVERED);
	int r;

	if ((r = store_bind_int(store, stmt, 1, id)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, now_ms > 0 ? now_ms : 1)) < 0) {
		store_reset(stmt);
		return r;
	}
	return store_write(store, stmt, NULL);
}

int sig_store_outbox_retry(struct sig_store *store, int64_t id, int attempts, int64_t next_ms)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_RETRY);
	int r;

	if ((r = store_bind_int(store, stmt, 1, id)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, attempts)) < 0 ||
	    (r = store_bind_int(store, stmt, 3, next_ms)) < 0) {
		store_reset(stmt);
		return r;
	}
	return store_write(store, stmt, NULL);
}

int sig_store_outbox_delete(struct sig_store *store, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_DELETE);
	int r = store_bind_int(store, stmt, 1, id);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_write(store, stmt, NULL);
}

int sig_store_outbox_prune(struct sig_store *store, int64_t before_ms, int *ret_count)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_PRUNE);
	int r = store_bind_int(store, stmt, 1, before_ms);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_write(store, stmt, NULL);
	if (r == -ENOENT)
		r = 0; /* nothing old enough */
	if (r == 0 && ret_count)
		*ret_count = sqlite3_changes(store->db);
	return r;
}

int sig_store_outbox_depth(struct sig_store *store, int *ret_rows, int *ret_pending)
{
	int rows = 0, pending = 0;
	int r = outbox_count(store, &rows, &pending);

	if (r < 0)
		return r;
	*ret_rows = rows;
	*ret_pending = pending;
	return 0;
}
