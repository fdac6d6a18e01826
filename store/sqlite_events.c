/* Events between nodes in the SQLite backend: the same table as
 * PostgreSQL's (one node on SQLite publishes none; the store tests run the
 * calls on both backends). There is no second connection to LISTEN on. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

static int event_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_store_event *ev = ret_row;
	const unsigned char *origin = sqlite3_column_text(stmt, 1);
	const unsigned char *body = sqlite3_column_text(stmt, 2);
	int origin_len = sqlite3_column_bytes(stmt, 1), body_len = sqlite3_column_bytes(stmt, 2);

	if (!origin || !body || origin_len > SIG_STORE_EVENT_ORIGIN_MAX ||
	    body_len > SIG_STORE_EVENT_BODY_MAX)
		return -EIO;
	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(stmt, 0);
	memcpy(ev->origin, origin, (size_t)origin_len);
	memcpy(ev->body, body, (size_t)body_len);
	return 0;
}

int sqlite_store_event_publish(struct sig_store *store, const char *origin, const char *body,
			       int64_t *ret_id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_EVENT_INSERT);
	int64_t id = 0;
	int r;

	if (strlen(origin) > SIG_STORE_EVENT_ORIGIN_MAX || strlen(body) > SIG_STORE_EVENT_BODY_MAX)
		return -EINVAL;
	if ((r = store_bind_text(store, stmt, 1, origin)) < 0 ||
	    (r = store_bind_text(store, stmt, 2, body)) < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_write(store, stmt, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int sqlite_store_event_list(struct sig_store *store, const char *origin, int64_t window_ms,
			    int64_t after_id, int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_EVENT_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_store_event), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, 0);
	if (r == 0)
		r = store_bind_int(store, stmt, 3, window_ms);
	if (r == 0)
		r = store_bind_text(store, stmt, 4, origin);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_list(store, stmt, event_read_row, sizeof(struct sig_store_event), NULL,
			  ret_rows);
}

int sqlite_store_event_prune(struct sig_store *store, int64_t keep_ms, int *ret_count)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_EVENT_PRUNE);
	int r = store_bind_int(store, stmt, 1, keep_ms);
	bool own;

	if (r == 0)
		r = store_write_begin(store, &own);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_change(store, stmt);
	int changed = r == 0 ? sqlite3_changes(store->db) : 0;
	if (r == -ENOENT)
		r = 0;
	r = store_write_end(store, own, r);
	if (r == 0 && ret_count)
		*ret_count = changed;
	return r;
}

int sqlite_store_listen(struct sig_store *store, struct sig_store_listener **ret_listener)
{
	(void)store;
	(void)ret_listener;
	return -EOPNOTSUPP; /* one node: nobody else to hear from */
}
