/* Occurrences in the SQLite backend: what happened in one occurrence of a
 * session (its first join, its end), and invite uses counted once per
 * occurrence. */
#include "store/sqlite_internal.h"

#include <errno.h>

/* Runs one bound INSERT or UPDATE in its own transaction (or the
 * caller's); *ret_changed says whether it changed a row (an ignored
 * conflict changes none, which is no error here). */
static int occurrence_write(struct sig_store *store, sqlite3_stmt *stmt, bool *ret_changed)
{
	bool own, changed = false;
	int r = store_write_begin(store, &own);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_step(store, stmt, sqlite3_sql(stmt));
	store_reset(stmt);
	if (r > 0)
		r = -EIO; /* writes return no rows */
	if (r == 0)
		changed = sqlite3_changes(store->db) > 0;
	r = store_write_end(store, own, r);
	if (r == 0)
		*ret_changed = changed;
	return r;
}

static int occurrence_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	*(struct sig_occurrence_record *)ret_row = (struct sig_occurrence_record){
	    .session_id = sqlite3_column_int64(stmt, 0),
	    .start = sqlite3_column_int64(stmt, 1),
	    .first_join_at = sqlite3_column_int64(stmt, 2),
	    .ended_at = sqlite3_column_int64(stmt, 3),
	};
	return 0;
}

/* Binds ?1, ?2 and ?3: the three values every statement here takes. */
static int occurrence_bind3(struct sig_store *store, sqlite3_stmt *stmt, int64_t a, int64_t b,
			    int64_t c)
{
	int r = store_bind_int(store, stmt, 1, a);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, b);
	if (r == 0)
		r = store_bind_int(store, stmt, 3, c);
	if (r < 0)
		store_reset(stmt);
	return r;
}

int sqlite_store_occurrence_get(struct sig_store *store, int64_t session_id, int64_t start,
				struct sig_occurrence_record *ret_record)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OCCURRENCE_GET);
	int r = store_bind_int(store, stmt, 1, session_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, start);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_get(store, stmt, occurrence_read_row, ret_record);
}

int sqlite_store_occurrence_joined(struct sig_store *store, int64_t session_id, int64_t start,
				   int64_t now, bool *ret_first)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OCCURRENCE_JOINED);
	int r = occurrence_bind3(store, stmt, session_id, start, now);

	return r < 0 ? r : occurrence_write(store, stmt, ret_first);
}

int sqlite_store_occurrence_end(struct sig_store *store, int64_t session_id, int64_t start,
				int64_t now, bool *ret_first)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OCCURRENCE_END);
	int r = occurrence_bind3(store, stmt, session_id, start, now);

	return r < 0 ? r : occurrence_write(store, stmt, ret_first);
}

int sqlite_store_occurrence_list(struct sig_store *store, int64_t session_id, int64_t before_start,
				 int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_OCCURRENCE_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_occurrence_record), limit);

	if (r == 0)
		r = store_session_exists(store, session_id);
	if (r == 0)
		r = store_bind_page(store, stmt, before_start, limit, session_id);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_list(store, stmt, occurrence_read_row, sizeof(struct sig_occurrence_record),
			  NULL, ret_rows);
}

int sqlite_store_invite_use(struct sig_store *store, int64_t invite_id, int64_t occurrence_start,
			    int64_t now, bool *ret_new)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_USE);
	bool own, changed = false;
	int r = occurrence_bind3(store, stmt, invite_id, occurrence_start, now);

	if (r == 0)
		r = store_write_begin(store, &own);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	r = store_step(store, stmt, sqlite3_sql(stmt));
	store_reset(stmt);
	if (r > 0)
		r = -EIO; /* writes return no rows */
	if (r == 0)
		changed = sqlite3_changes(store->db) > 0;
	/* A new use counts, unless the invite is used up: then nothing. */
	if (r == 0 && changed) {
		stmt = store_stmt(store, STORE_INVITE_COUNT_USE);
		r = store_bind_int(store, stmt, 1, invite_id);
		if (r == 0)
			r = store_change(store, stmt);
		else
			store_reset(stmt);
		if (r == -ENOENT)
			r = -EDQUOT;
	}
	r = store_write_end(store, own, r);
	if (r == 0)
		*ret_new = changed;
	return r;
}

int sqlite_store_invite_used_in(struct sig_store *store, int64_t invite_id,
				int64_t occurrence_start, bool *ret_used)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_USED_IN);
	int r = store_bind_int(store, stmt, 1, invite_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, occurrence_start);
	if (r == 0)
		r = store_step(store, stmt, "invite used in");
	store_reset(stmt);
	if (r < 0)
		return r;
	*ret_used = r > 0;
	return 0;
}

int sqlite_store_invite_note_low(struct sig_store *store, int64_t invite_id, int64_t now,
				 bool *ret_first)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_NOTE_LOW);
	int r = store_bind_int(store, stmt, 1, invite_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, now);
	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return occurrence_write(store, stmt, ret_first);
}
