/* Occurrences in the PostgreSQL backend: what happened in one occurrence
 * of a session (its first join, its end), and invite uses counted once
 * per occurrence. */
#include "store/pg_internal.h"

#include <errno.h>

static int occurrence_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_occurrence_record rec = {0};
	int r = pg_col_i64(res, row, 0, &rec.session_id);

	if (r == 0)
		r = pg_col_i64(res, row, 1, &rec.start);
	if (r == 0)
		r = pg_col_i64(res, row, 2, &rec.first_join_at);
	if (r == 0)
		r = pg_col_i64(res, row, 3, &rec.ended_at);
	if (r < 0)
		return r;
	*(struct sig_occurrence_record *)ret_row = rec;
	return 0;
}

static void params3(struct pg_params *p, int64_t a, int64_t b, int64_t c)
{
	pg_param_int(p, a);
	pg_param_int(p, b);
	pg_param_int(p, c);
}

int pg_store_occurrence_get(struct sig_store *store, int64_t session_id, int64_t start,
			    struct sig_occurrence_record *ret)
{
	struct pg_params p = {0};

	pg_param_int(&p, session_id);
	pg_param_int(&p, start);
	return pg_get(store,
		      "SELECT session_id, start, first_join_at, ended_at FROM occurrences "
		      "WHERE session_id = $1 AND start = $2",
		      &p, occurrence_read_row, ret);
}

int pg_store_occurrence_joined(struct sig_store *store, int64_t session_id, int64_t start,
			       int64_t now, bool *ret_first)
{
	struct pg_params p = {0};

	params3(&p, session_id, start, now);
	return pg_write_changed(
	    store,
	    "INSERT INTO occurrences (session_id, start, first_join_at, ended_at) "
	    "VALUES ($1, $2, $3, 0) ON CONFLICT (session_id, start) "
	    "DO UPDATE SET first_join_at = excluded.first_join_at "
	    "WHERE occurrences.first_join_at = 0",
	    &p, ret_first);
}

int pg_store_occurrence_end(struct sig_store *store, int64_t session_id, int64_t start, int64_t now,
			    bool *ret_first)
{
	struct pg_params p = {0};

	params3(&p, session_id, start, now);
	return pg_write_changed(
	    store,
	    "INSERT INTO occurrences (session_id, start, first_join_at, ended_at) "
	    "VALUES ($1, $2, 0, $3) ON CONFLICT (session_id, start) "
	    "DO UPDATE SET ended_at = excluded.ended_at "
	    "WHERE occurrences.ended_at = 0",
	    &p, ret_first);
}

int pg_store_occurrence_list(struct sig_store *store, int64_t session_id, int64_t before_start,
			     int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_occurrence_record), limit);

	if (r == 0)
		r = pg_session_exists(store, session_id);
	if (r < 0)
		return r;
	params3(&p, before_start, limit, session_id);
	return pg_list(store,
		       "SELECT session_id, start, first_join_at, ended_at FROM occurrences "
		       "WHERE session_id = $3 AND start < $1 ORDER BY start DESC LIMIT $2",
		       &p, occurrence_read_row, sizeof(struct sig_occurrence_record), NULL,
		       ret_rows);
}

int pg_store_invite_use(struct sig_store *store, int64_t invite_id, int64_t occurrence_start,
			int64_t now, bool *ret_new)
{
	struct pg_params p = {0}, q = {0};
	int64_t changed = -1; /* set only when the INSERT ran */
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	params3(&p, invite_id, occurrence_start, now);
	r = pg_change(store,
		      "INSERT INTO invite_uses (invite_id, occurrence_start, at) "
		      "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		      &p, &changed);
	if (r == -ENOENT && changed == 0)
		r = 0; /* used in this occurrence already */
	/* One statement checks and counts: a second node's UPDATE waits for
	 * this row's lock and then sees the new count (read committed
	 * re-checks the WHERE on the row it waited for). */
	if (r == 0 && changed > 0) {
		pg_param_int(&q, invite_id);
		r = pg_change(
		    store, "UPDATE invites SET uses = uses + 1 WHERE id = $1 AND uses < max_uses",
		    &q, NULL);
		if (r == -ENOENT)
			r = -EDQUOT;
	}
	r = pg_write_end(store, own, r);
	if (r == 0)
		*ret_new = changed > 0;
	return r;
}

int pg_store_invite_used_in(struct sig_store *store, int64_t invite_id, int64_t occurrence_start,
			    bool *ret_used)
{
	struct pg_params p = {0};
	PGresult *res = NULL;
	int r;

	pg_param_int(&p, invite_id);
	pg_param_int(&p, occurrence_start);
	r = pg_exec(store,
		    "SELECT 1 FROM invite_uses WHERE invite_id = $1 AND occurrence_start = $2", &p,
		    &res);
	if (r < 0)
		return r;
	*ret_used = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

int pg_store_invite_note_low(struct sig_store *store, int64_t invite_id, int64_t now,
			     bool *ret_first)
{
	struct pg_params p = {0};

	pg_param_int(&p, invite_id);
	pg_param_int(&p, now);
	return pg_write_changed(
	    store, "UPDATE invites SET low_noted_at = $2 WHERE id = $1 AND low_noted_at = 0", &p,
	    ret_first);
}
