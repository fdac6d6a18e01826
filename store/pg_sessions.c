/* Sessions in the PostgreSQL backend: rows, the schedule kept as JSON
 * text (schedule_text.h). */
#include "store/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "core/log.h"
#include "model/metadata.h"
#include "store/schedule_text.h"

#define SESSION_COLUMNS                                                                            \
	"id, kind, title, capacity, waiting_room, publish_policy, schedule, ended_at, "            \
	"created_at, updated_at, names_editable, external_id, metadata"

static int session_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_session s = {0};
	int waiting_room = 0, names_editable = 0;
	int r = pg_col_i64(res, row, 0, &s.id);

	if (r == 0 && (sig_kind_parse(pg_col_name(res, row, 1), &s.kind) < 0 ||
		       sig_publish_policy_parse(pg_col_name(res, row, 5), &s.publish_policy) < 0)) {
		log_debug("store: session %" PRId64 " has an unknown kind or policy", s.id);
		r = -EIO;
	}
	if (r == 0)
		r = pg_col_int(res, row, 3, &s.capacity);
	if (r == 0)
		r = pg_col_int(res, row, 4, &waiting_room);
	if (r == 0)
		r = pg_col_int(res, row, 10, &names_editable);
	if (r == 0)
		r = pg_col_i64(res, row, 7, &s.ended_at);
	if (r == 0)
		r = pg_col_i64(res, row, 8, &s.created_at);
	if (r == 0)
		r = pg_col_i64(res, row, 9, &s.updated_at);
	if (r == 0 && PQgetisnull(res, row, 6))
		r = -EIO;
	if (r == 0)
		r = store_schedule_decode(PQgetvalue(res, row, 6), (size_t)PQgetlength(res, row, 6),
					  &s.schedule);
	if (r == 0)
		r = pg_col_text(res, row, 2, SIG_TITLE_MAX, &s.title);
	if (r == 0)
		r = pg_col_opt_text(res, row, 11, SIG_EXTERNAL_ID_MAX, &s.external_id);
	if (r == 0)
		r = pg_col_opt_text(res, row, 12, SIG_METADATA_MAX, &s.metadata);
	if (r < 0) {
		sig_session_clear(&s);
		return r;
	}
	s.waiting_room = waiting_room != 0;
	s.names_editable = names_editable != 0;
	*(struct sig_session *)ret_row = s;
	return 0;
}

static void session_clear_func(void *row)
{
	sig_session_clear(row);
}

/* $1..$11, the fields insert and update share. */
static int session_params(struct pg_params *p, const struct sig_session *session,
			  const char *schedule)
{
	if ((unsigned)session->kind >= SIG_KIND_COUNT ||
	    (unsigned)session->publish_policy >= SIG_PUBLISH_COUNT)
		return -EINVAL;
	pg_param_text(p, sig_kind_name(session->kind));
	pg_param_text(p, session->title);
	pg_param_int(p, session->capacity);
	pg_param_int(p, session->waiting_room);
	pg_param_text(p, sig_publish_policy_name(session->publish_policy));
	pg_param_text(p, schedule);
	pg_param_int(p, session->ended_at);
	pg_param_int(p, session->updated_at);
	pg_param_int(p, session->names_editable);
	pg_param_text(p, session->external_id);
	pg_param_text(p, session->metadata);
	return 0;
}

int pg_store_session_insert(struct sig_store *store, struct sig_session *session)
{
	struct pg_params p = {0};
	char *schedule = NULL;
	int64_t id = 0;
	int r = store_schedule_encode(&session->schedule, &schedule);

	if (r == 0)
		r = session_params(&p, session, schedule);
	pg_param_int(&p, session->created_at);
	if (r == 0)
		r = pg_write(
		    store,
		    "INSERT INTO sessions (kind, title, capacity, waiting_room, "
		    "publish_policy, schedule, ended_at, updated_at, names_editable, "
		    "external_id, metadata, created_at) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
		    &p, &id);
	free(schedule);
	if (r < 0)
		return r;
	session->id = id;
	return 0;
}

int pg_store_session_get(struct sig_store *store, int64_t id, struct sig_session *ret)
{
	struct pg_params p = {0};

	pg_param_int(&p, id);
	return pg_get(store, "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = $1", &p,
		      session_read_row, ret);
}

int pg_store_session_update(struct sig_store *store, const struct sig_session *session)
{
	struct pg_params p = {0};
	char *schedule = NULL;
	int r = store_schedule_encode(&session->schedule, &schedule);

	if (r == 0)
		r = session_params(&p, session, schedule);
	pg_param_int(&p, session->id);
	if (r == 0)
		r = pg_write(store,
			     "UPDATE sessions SET kind = $1, title = $2, capacity = $3, "
			     "waiting_room = $4, publish_policy = $5, schedule = $6, "
			     "ended_at = $7, updated_at = $8, names_editable = $9, "
			     "external_id = $10, metadata = $11 WHERE id = $12",
			     &p, NULL);
	free(schedule);
	return r;
}

int pg_store_session_delete(struct sig_store *store, int64_t id)
{
	struct pg_params p = {0};

	pg_param_int(&p, id);
	return pg_write(store, "DELETE FROM sessions WHERE id = $1", &p, NULL);
}

int pg_store_session_list(struct sig_store *store, int64_t after_id, int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_session), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	return pg_list(
	    store, "SELECT " SESSION_COLUMNS " FROM sessions WHERE id > $1 ORDER BY id LIMIT $2",
	    &p, session_read_row, sizeof(struct sig_session), session_clear_func, ret_rows);
}

int pg_store_session_list_external(struct sig_store *store, const char *external_id,
				   int64_t after_id, int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_session), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	pg_param_text(&p, external_id);
	return pg_list(store,
		       "SELECT " SESSION_COLUMNS " FROM sessions "
		       "WHERE external_id = $3 AND id > $1 ORDER BY id LIMIT $2",
		       &p, session_read_row, sizeof(struct sig_session), session_clear_func,
		       ret_rows);
}

int pg_session_exists(struct sig_store *store, int64_t id)
{
	struct pg_params p = {0};
	PGresult *res = NULL;
	int r;

	pg_param_int(&p, id);
	r = pg_exec(store, "SELECT 1 FROM sessions WHERE id = $1", &p, &res);
	if (r < 0)
		return r;
	r = PQntuples(res) > 0 ? 0 : -ENOENT;
	PQclear(res);
	return r;
}
