/* The webhook outbox in the SQLite backend: rows written beside audit rows
 * (sqlite_audit.c), taken one at a time in order per session by the
 * daemon's delivery, marked delivered or rescheduled, pruned, and held
 * under a cap. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"

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

/* Whether the outbox may hold more than its cap: the span of its ids is
 * an index lookup, the exact count a scan, made only when the span is
 * over the cap. */
static int outbox_over_cap(struct sig_store *store, int *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_SPAN);
	int64_t span = 0;
	int pending = 0, r = store_step(store, stmt, "outbox span");

	if (r > 0) {
		span = sqlite3_column_int64(stmt, 0);
		r = 0;
	} else if (r == 0) {
		r = -EIO;
	}
	store_reset(stmt);
	if (r < 0)
		return r;
	if (span <= store->outbox_max)
		return 0;
	r = outbox_count(store, ret_rows, &pending);
	if (r < 0)
		return r;
	return *ret_rows > store->outbox_max;
}

/* Deletes the oldest rows over the cap, delivered ones first; counts the
 * pending ones among them. */
static int outbox_trim(struct sig_store *store)
{
	sqlite3_stmt *stmt;
	int rows = 0, r = outbox_over_cap(store, &rows);
	uint64_t dropped = 0;

	if (r <= 0)
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

/* Binds ?1 (and ?2 unless has_second is false) and runs one write inside
 * the open transaction. */
static int outbox_change(struct sig_store *store, enum store_stmt_id id, int64_t first,
			 bool has_second, int64_t second)
{
	sqlite3_stmt *stmt = store_stmt(store, id);
	int r = store_bind_int(store, stmt, 1, first);

	if (r == 0 && has_second)
		r = store_bind_int(store, stmt, 2, second);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_change(store, stmt);
}

int store_outbox_insert(struct sig_store *store, struct sig_outbox_row *row)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_INSERT);
	int r;

	if ((r = store_bind_int(store, stmt, 1, row->session_id)) < 0 ||
	    (r = store_bind_text(store, stmt, 2, row->delivery_id)) < 0 ||
	    (r = store_bind_text(store, stmt, 3, row->event)) < 0 ||
	    (r = store_bind_text(store, stmt, 4, row->body)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, row->created_ms)) < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_change(store, stmt);
	if (r < 0)
		return r;
	row->id = sqlite3_last_insert_rowid(store->db);
	row->attempts = 0;
	row->delivered_ms = 0;
	r = outbox_change(store, STORE_OUTBOX_HEAD_ADD, row->session_id, true, row->next_ms);
	if (r == -ENOENT)
		r = 0; /* the session was queued already */
	return r < 0 ? r : outbox_trim(store);
}

static int outbox_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_outbox_row row = {
	    .id = sqlite3_column_int64(stmt, 0),
	    .session_id = sqlite3_column_int64(stmt, 1),
	    .created_ms = sqlite3_column_int64(stmt, 5),
	    .delivered_ms = sqlite3_column_int64(stmt, 7),
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

/* The session whose head is due first at now_ms: 1, 0 for none, or a
 * negative errno. */
static int outbox_head_due(struct sig_store *store, int64_t now_ms, int64_t *ret_session,
			   int64_t *ret_next_ms)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_HEAD_DUE);
	int r = store_bind_int(store, stmt, 1, now_ms);

	if (r == 0)
		r = store_step(store, stmt, "outbox head");
	if (r > 0) {
		*ret_session = sqlite3_column_int64(stmt, 0);
		*ret_next_ms = sqlite3_column_int64(stmt, 1);
	}
	store_reset(stmt);
	return r;
}

static int outbox_head_drop(struct sig_store *store, int64_t session_id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_HEAD_DELETE);
	int r = store_bind_int(store, stmt, 1, session_id);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_write(store, stmt, NULL);
}

int sqlite_store_outbox_next(struct sig_store *store, int64_t now_ms,
			     struct sig_outbox_row *ret_row)
{
	for (;;) {
		sqlite3_stmt *stmt = store_stmt(store, STORE_OUTBOX_HEAD_ROW);
		int64_t session_id = 0, next_ms = 0;
		int r = outbox_head_due(store, now_ms, &session_id, &next_ms);

		if (r <= 0)
			return r == 0 ? -ENOENT : r;
		r = store_bind_int(store, stmt, 1, session_id);
		if (r < 0) {
			store_reset(stmt);
			return r;
		}
		r = store_get(store, stmt, outbox_read_row, ret_row);
		if (r == 0) {
			ret_row->next_ms = next_ms;
			return 0;
		}
		if (r != -ENOENT)
			return r;
		/* Nothing pending left (delivered, given up or trimmed): the
		 * session leaves the queue. Each turn removes one. */
		r = outbox_head_drop(store, session_id);
		if (r < 0)
			return r;
	}
}

int sqlite_store_outbox_delivered(struct sig_store *store, int64_t id, int64_t now_ms)
{
	bool own;
	int r;

	if (now_ms < 1)
		now_ms = 1;
	r = store_write_begin(store, &own);
	if (r < 0)
		return r;
	/* The session's next row is due at once, behind those already due. */
	r = outbox_change(store, STORE_OUTBOX_DELIVERED, id, true, now_ms);
	if (r == 0) {
		r = outbox_change(store, STORE_OUTBOX_HEAD_SET, id, true, now_ms);
		if (r == -ENOENT)
			r = 0;
	}
	return store_write_end(store, own, r);
}

int sqlite_store_outbox_retry(struct sig_store *store, int64_t id, int attempts, int64_t next_ms)
{
	bool own;
	int r = store_write_begin(store, &own);

	if (r < 0)
		return r;
	r = outbox_change(store, STORE_OUTBOX_RETRY, id, true, attempts);
	if (r == 0) {
		r = outbox_change(store, STORE_OUTBOX_HEAD_SET, id, true, next_ms);
		if (r == -ENOENT)
			r = 0;
	}
	return store_write_end(store, own, r);
}

int sqlite_store_outbox_delete(struct sig_store *store, int64_t id)
{
	bool own;
	int r = store_write_begin(store, &own);

	if (r < 0)
		return r;
	/* The session's next row is due at once; found before the row goes. */
	r = outbox_change(store, STORE_OUTBOX_HEAD_SET, id, true, 0);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = outbox_change(store, STORE_OUTBOX_DELETE, id, false, 0);
	return store_write_end(store, own, r);
}

int sqlite_store_outbox_prune(struct sig_store *store, int64_t before_ms, int *ret_count)
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

int sqlite_store_outbox_depth(struct sig_store *store, int *ret_rows, int *ret_pending)
{
	int rows = 0, pending = 0;
	int r = outbox_count(store, &rows, &pending);

	if (r < 0)
		return r;
	*ret_rows = rows;
	*ret_pending = pending;
	return 0;
}
