/* Sessions in the SQLite backend: rows, the schedule kept as JSON text. */
#include "store/sqlite_internal.h"

#include "store/schedule_text.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/log.h"

/* ---- sessions ---- */

static int session_decode_schedule(sqlite3_stmt *stmt, int col, struct sig_schedule *ret_schedule)
{
	const char *text = (const char *)sqlite3_column_text(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);

	if (!text || len < 0)
		return -EIO;
	return store_schedule_decode(text, (size_t)len, ret_schedule);
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
	if (r == 0)
		r = store_column_labels(stmt, 11, &s.external_id, &s.metadata);
	if (r < 0) {
		sig_session_clear(&s);
		return r;
	}
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
	    (r = store_bind_int(store, stmt, 9, session->names_editable)) < 0 ||
	    (r = store_bind_labels(store, stmt, session->external_id, session->metadata)) < 0)
		return r;
	return 0;
}

int sqlite_store_session_insert(struct sig_store *store, struct sig_session *session)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_INSERT);
	char *schedule = NULL;
	int64_t id;
	int r = store_schedule_encode(&session->schedule, &schedule);

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

int sqlite_store_session_get(struct sig_store *store, int64_t id, struct sig_session *ret_session)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_GET);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_get(store, stmt, session_read_row, ret_session);
}

int sqlite_store_session_update(struct sig_store *store, const struct sig_session *session)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_UPDATE);
	char *schedule = NULL;
	int r = store_schedule_encode(&session->schedule, &schedule);

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

int sqlite_store_session_delete(struct sig_store *store, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_DELETE);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sqlite_store_session_list(struct sig_store *store, int64_t after_id, int limit,
			      GArray *ret_rows)
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

int sqlite_store_session_list_external(struct sig_store *store, const char *external_id,
				       int64_t after_id, int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SESSION_LIST_EXTERNAL);
	int r = store_list_check(ret_rows, sizeof(struct sig_session), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, 0);
	if (r == 0)
		r = store_bind_text(store, stmt, 3, external_id);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_list(store, stmt, session_read_row, sizeof(struct sig_session),
			  session_clear_func, ret_rows);
}

int store_session_exists(struct sig_store *store, int64_t id)
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
