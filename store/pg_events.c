/* Events between nodes in the PostgreSQL backend: a row in node_events and
 * a NOTIFY in the same transaction (PostgreSQL delivers it at commit, and
 * never for a transaction rolled back), dated by the database's clock so
 * that nodes whose clocks differ agree on what is recent. */
#include "store/pg_internal.h"

#include <errno.h>
#include <string.h>

/* The database's clock, in Unix milliseconds. */
#define PG_NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

static int event_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_store_event *ev = ret_row;
	int origin_len = PQgetlength(res, row, 1), body_len = PQgetlength(res, row, 2);

	if (PQgetisnull(res, row, 1) || PQgetisnull(res, row, 2) ||
	    origin_len > SIG_STORE_EVENT_ORIGIN_MAX || body_len > SIG_STORE_EVENT_BODY_MAX)
		return -EIO;
	memset(ev, 0, sizeof(*ev));
	memcpy(ev->origin, PQgetvalue(res, row, 1), (size_t)origin_len);
	memcpy(ev->body, PQgetvalue(res, row, 2), (size_t)body_len);
	return pg_col_i64(res, row, 0, &ev->id);
}

int pg_store_event_publish(struct sig_store *store, const char *origin, const char *body,
			   int64_t *ret_id)
{
	struct pg_params p = {0};
	int64_t id = 0;

	if (strlen(origin) > SIG_STORE_EVENT_ORIGIN_MAX || strlen(body) > SIG_STORE_EVENT_BODY_MAX)
		return -EINVAL;
	pg_param_text(&p, origin);
	pg_param_text(&p, body);
	/* One statement, so that the row and its notification go together:
	 * the payload is the row's id (the listeners read the row). */
	int r = pg_write(store,
			 "WITH ev AS (INSERT INTO node_events (created_ms, origin, body) "
			 "VALUES (" PG_NOW_MS ", $1, $2) RETURNING id) "
			 "SELECT id, pg_notify('" SIG_STORE_EVENT_CHANNEL "', id::text) FROM ev",
			 &p, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int pg_store_event_list(struct sig_store *store, const char *origin, int64_t window_ms,
			int64_t after_id, int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_store_event), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	pg_param_int(&p, window_ms);
	pg_param_text(&p, origin);
	return pg_list(store,
		       "SELECT id, origin, body FROM node_events WHERE id > $1 "
		       "AND created_ms >= " PG_NOW_MS " - $3 AND origin <> $4 ORDER BY id LIMIT $2",
		       &p, event_read_row, sizeof(struct sig_store_event), NULL, ret_rows);
}

int pg_store_event_prune(struct sig_store *store, int64_t keep_ms, int *ret_count)
{
	struct pg_params p = {0};
	bool own;
	int64_t changed = 0;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	pg_param_int(&p, keep_ms);
	r = pg_change(store, "DELETE FROM node_events WHERE created_ms < " PG_NOW_MS " - $1", &p,
		      &changed);
	if (r == -ENOENT && changed == 0)
		r = 0;
	r = pg_write_end(store, own, r);
	if (r == 0 && ret_count)
		*ret_count = (int)changed;
	return r;
}
