/* The webhook outbox in the PostgreSQL backend: rows written beside audit
 * rows (pg_audit.c), taken one at a time in order per session by the
 * daemon's delivery, marked delivered or rescheduled, pruned, and held
 * under a cap (the same queries as sqlite_outbox.c). */
#include "store/pg_internal.h"

#include <errno.h>

#define OUTBOX_COLUMNS                                                                             \
	"id, session_id, delivery_id, event, body, created_ms, attempts, delivered_ms"

static int outbox_count(struct sig_store *store, int *ret_rows, int *ret_pending)
{
	PGresult *res = NULL;
	int r = pg_exec(store,
			"SELECT count(*), count(*) FILTER (WHERE delivered_ms = 0) "
			"FROM webhook_outbox",
			NULL, &res);

	if (r < 0)
		return r;
	r = PQntuples(res) == 1 ? pg_col_int(res, 0, 0, ret_rows) : -EIO;
	if (r == 0)
		r = pg_col_int(res, 0, 1, ret_pending);
	PQclear(res);
	return r;
}

/* Whether the outbox may hold more than its cap: the span of its ids is
 * an index lookup, the exact count a scan, made only when the span is
 * over the cap. */
static int outbox_over_cap(struct sig_store *store, int *ret_rows)
{
	int64_t span = 0;
	int pending = 0;
	int r = pg_get_int(store, "SELECT coalesce(max(id) - min(id) + 1, 0) FROM webhook_outbox",
			   NULL, &span);

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
	struct pg_params p = {0};
	PGresult *res = NULL;
	uint64_t dropped = 0;
	int rows = 0, r = outbox_over_cap(store, &rows);

	if (r <= 0)
		return r;
	pg_param_int(&p, rows - store->outbox_max);
	r = pg_exec(store,
		    "DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM webhook_outbox "
		    "ORDER BY delivered_ms = 0, id LIMIT $1) RETURNING delivered_ms",
		    &p, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res) && r == 0; i++) {
		int64_t delivered = 0;

		r = pg_col_i64(res, i, 0, &delivered);
		if (r == 0 && delivered == 0)
			dropped++;
	}
	PQclear(res);
	if (r == 0)
		store->outbox_dropped += dropped; /* the caller's transaction may still fail */
	return r;
}

/* Runs one write of $1 (and $2 unless has_second is false) inside the
 * open transaction. */
static int outbox_change(struct sig_store *store, const char *sql, int64_t first, bool has_second,
			 int64_t second)
{
	struct pg_params p = {0};

	pg_param_int(&p, first);
	if (has_second)
		pg_param_int(&p, second);
	return pg_change(store, sql, &p, NULL);
}

/* The row's session: due at $2 (its next row at once, or a retry). */
#define OUTBOX_HEAD_SET                                                                            \
	"UPDATE webhook_heads SET next_ms = $2 WHERE session_id = "                                \
	"(SELECT session_id FROM webhook_outbox WHERE id = $1)"

int pg_outbox_insert(struct sig_store *store, struct sig_outbox_row *row)
{
	struct pg_params p = {0};
	PGresult *res = NULL;
	int64_t id = 0;
	int r;

	pg_param_int(&p, row->session_id);
	pg_param_text(&p, row->delivery_id);
	pg_param_text(&p, row->event);
	pg_param_text(&p, row->body);
	pg_param_int(&p, row->created_ms);
	r = pg_exec(store,
		    "INSERT INTO webhook_outbox (session_id, delivery_id, event, body, "
		    "created_ms, attempts, delivered_ms) VALUES ($1, $2, $3, $4, $5, 0, 0) "
		    "RETURNING id",
		    &p, &res);
	if (r < 0)
		return r;
	r = PQntuples(res) == 1 ? pg_col_i64(res, 0, 0, &id) : -EIO;
	PQclear(res);
	if (r < 0)
		return r;
	row->id = id;
	row->attempts = 0;
	row->delivered_ms = 0;
	/* A session already queued keeps its place (and its backoff). */
	r = outbox_change(store,
			  "INSERT INTO webhook_heads (session_id, next_ms) VALUES ($1, $2) "
			  "ON CONFLICT (session_id) DO NOTHING",
			  row->session_id, true, row->next_ms);
	if (r == -ENOENT)
		r = 0;
	return r < 0 ? r : outbox_trim(store);
}

static int outbox_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_outbox_row o = {0};
	int r = pg_col_i64(res, row, 0, &o.id);

	if (r == 0)
		r = pg_col_i64(res, row, 1, &o.session_id);
	if (r == 0)
		r = pg_col_i64(res, row, 5, &o.created_ms);
	if (r == 0)
		r = pg_col_int(res, row, 6, &o.attempts);
	if (r == 0)
		r = pg_col_i64(res, row, 7, &o.delivered_ms);
	if (r == 0)
		r = pg_col_text(res, row, 2, 64, &o.delivery_id);
	if (r == 0)
		r = pg_col_text(res, row, 3, 64, &o.event);
	if (r == 0)
		r = pg_col_text(res, row, 4, PG_OUTBOX_BODY_MAX, &o.body);
	if (r < 0) {
		sig_outbox_row_clear(&o);
		return r;
	}
	*(struct sig_outbox_row *)ret_row = o;
	return 0;
}

/* The session whose head is due first at now_ms, claimed: 1, 0 for none,
 * or a negative errno. Several nodes deliver from one outbox: taking a
 * head moves it PG_OUTBOX_CLAIM_MS ahead in the same statement (a head
 * another node is taking is skipped, not waited for), so that one node
 * delivers each event; delivered or retry then sets when it is due again.
 * A node that dies holding a claim delays that session's events by the
 * claim (30 s, past http/post.c's timeout), and the next node delivers them (at least once:
 * receivers dedupe by delivery id). */
static int outbox_head_due(struct sig_store *store, int64_t now_ms, int64_t *ret_session,
			   int64_t *ret_next_ms)
{
	struct pg_params p = {0};
	PGresult *res = NULL;
	int r;

	pg_param_int(&p, now_ms);
	/* Saturating: callers may ask for "everything due" with INT64_MAX. */
	pg_param_int(&p, now_ms > INT64_MAX - PG_OUTBOX_CLAIM_MS ? INT64_MAX
								 : now_ms + PG_OUTBOX_CLAIM_MS);
	r = pg_exec(store,
		    "WITH due AS (SELECT session_id, next_ms FROM webhook_heads "
		    "WHERE next_ms <= $1 ORDER BY next_ms, session_id LIMIT 1 "
		    "FOR UPDATE SKIP LOCKED) "
		    "UPDATE webhook_heads h SET next_ms = $2 FROM due "
		    "WHERE h.session_id = due.session_id RETURNING due.session_id, due.next_ms",
		    &p, &res);
	if (r < 0)
		return r;
	if (PQntuples(res) > 0) {
		r = pg_col_i64(res, 0, 0, ret_session);
		if (r == 0)
			r = pg_col_i64(res, 0, 1, ret_next_ms);
		if (r == 0)
			r = 1;
	}
	PQclear(res);
	return r;
}

int pg_store_outbox_next(struct sig_store *store, int64_t now_ms, struct sig_outbox_row *ret)
{
	for (;;) {
		struct pg_params p = {0};
		int64_t session_id = 0, next_ms = 0;
		int r = outbox_head_due(store, now_ms, &session_id, &next_ms);

		if (r <= 0)
			return r == 0 ? -ENOENT : r;
		pg_param_int(&p, session_id);
		r = pg_get(store,
			   "SELECT " OUTBOX_COLUMNS " FROM webhook_outbox "
			   "WHERE delivered_ms = 0 AND session_id = $1 ORDER BY id LIMIT 1",
			   &p, outbox_read_row, ret);
		if (r == 0) {
			ret->next_ms = next_ms;
			return 0;
		}
		if (r != -ENOENT)
			return r;
		/* Nothing pending left (delivered, given up or trimmed): the
		 * session leaves the queue. Each turn removes one. */
		r = pg_write(store, "DELETE FROM webhook_heads WHERE session_id = $1", &p, NULL);
		if (r < 0 && r != -ENOENT)
			return r;
	}
}

int pg_store_outbox_delivered(struct sig_store *store, int64_t id, int64_t now_ms)
{
	bool own;
	int r;

	if (now_ms < 1)
		now_ms = 1;
	r = pg_write_begin(store, &own);
	if (r < 0)
		return r;
	/* The session's next row is due at once, behind those already due. */
	r = outbox_change(store,
			  "UPDATE webhook_outbox SET delivered_ms = $2, attempts = attempts + 1 "
			  "WHERE id = $1 AND delivered_ms = 0",
			  id, true, now_ms);
	if (r == 0) {
		r = outbox_change(store, OUTBOX_HEAD_SET, id, true, now_ms);
		if (r == -ENOENT)
			r = 0;
	}
	return pg_write_end(store, own, r);
}

int pg_store_outbox_retry(struct sig_store *store, int64_t id, int attempts, int64_t next_ms)
{
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	r = outbox_change(
	    store, "UPDATE webhook_outbox SET attempts = $2 WHERE id = $1 AND delivered_ms = 0", id,
	    true, attempts);
	if (r == 0) {
		r = outbox_change(store, OUTBOX_HEAD_SET, id, true, next_ms);
		if (r == -ENOENT)
			r = 0;
	}
	return pg_write_end(store, own, r);
}

int pg_store_outbox_delete(struct sig_store *store, int64_t id)
{
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	/* The session's next row is due at once; found before the row goes. */
	r = outbox_change(store, OUTBOX_HEAD_SET, id, true, 0);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = outbox_change(store, "DELETE FROM webhook_outbox WHERE id = $1", id, false, 0);
	return pg_write_end(store, own, r);
}

int pg_store_outbox_prune(struct sig_store *store, int64_t before_ms, int *ret_count)
{
	struct pg_params p = {0};
	int64_t changed = 0;
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	pg_param_int(&p, before_ms);
	r = pg_change(store,
		      "DELETE FROM webhook_outbox WHERE delivered_ms > 0 AND delivered_ms < $1", &p,
		      &changed);
	if (r == -ENOENT)
		r = 0; /* nothing old enough */
	r = pg_write_end(store, own, r);
	if (r == 0 && ret_count)
		*ret_count = (int)changed;
	return r;
}

int pg_store_outbox_depth(struct sig_store *store, int *ret_rows, int *ret_pending)
{
	int rows = 0, pending = 0;
	int r = outbox_count(store, &rows, &pending);

	if (r < 0)
		return r;
	*ret_rows = rows;
	*ret_pending = pending;
	return 0;
}
