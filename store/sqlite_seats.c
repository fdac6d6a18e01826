/* Seats in the SQLite backend: the state of each place held in an open
 * session, one row per participant, written whole on each seat event. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"

int store_seat_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_seat seat = {.id = sqlite3_column_int64(stmt, 0)};
	const unsigned char *pid = sqlite3_column_text(stmt, 1);
	int waiting = 0, granted = 0, muted = 0, locked = 0;
	int r;

	if (!pid || sqlite3_column_bytes(stmt, 1) != (int)sizeof(seat.participant_id) - 2)
		return -EIO;
	memcpy(seat.participant_id, pid, sizeof(seat.participant_id) - 2);
	r = store_column_hash(stmt, 4, seat.resume_hash);
	if (r == 0)
		r = store_column_int(stmt, 5, &waiting);
	if (r == 0)
		r = store_column_int(stmt, 6, &granted);
	if (r == 0)
		r = store_column_int(stmt, 7, &muted);
	if (r == 0)
		r = store_column_int(stmt, 8, &locked);
	if (r == 0 && sqlite3_column_type(stmt, 9) != SQLITE_NULL)
		r = store_column_text(stmt, 9, SIG_DISPLAY_NAME_MAX, &seat.display_name);
	if (r < 0)
		return r;
	seat.session_id = sqlite3_column_int64(stmt, 2);
	seat.roster_entry_id = sqlite3_column_int64(stmt, 3);
	seat.waiting = waiting != 0;
	seat.granted = (unsigned)granted;
	seat.muted = (unsigned)muted;
	seat.locked = (unsigned)locked;
	seat.closes_at = sqlite3_column_int64(stmt, 10);
	seat.expires_at = sqlite3_column_int64(stmt, 11);
	*(struct sig_seat *)ret_row = seat;
	return 0;
}

int sqlite_store_seat_put(struct sig_store *store, const struct sig_seat *seat)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SEAT_PUT);
	int r;

	if ((r = store_bind_hash(store, stmt, 1, seat->resume_hash)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, seat->waiting)) < 0 ||
	    (r = store_bind_int(store, stmt, 3, seat->granted)) < 0 ||
	    (r = store_bind_int(store, stmt, 4, seat->muted)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, seat->locked)) < 0 ||
	    (r = store_bind_text(store, stmt, 6, seat->display_name)) < 0 ||
	    (r = store_bind_int(store, stmt, 7, seat->closes_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 8, seat->expires_at)) < 0 ||
	    (r = store_bind_text(store, stmt, 9, seat->participant_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 10, seat->session_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 11, seat->roster_entry_id)) < 0) {
		store_reset(stmt);
		return r;
	}
	return store_write(store, stmt, NULL);
}

int sqlite_store_seat_delete(struct sig_store *store, const char *participant_id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SEAT_DELETE);
	int r = store_bind_text(store, stmt, 1, participant_id);

	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sqlite_store_seat_list(struct sig_store *store, int64_t after_id, int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SEAT_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_seat), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, 0);
	if (r < 0)
		return r;
	return store_list(store, stmt, store_seat_read_row, sizeof(struct sig_seat),
			  (GDestroyNotify)sig_seat_clear, ret_rows);
}

int sqlite_store_seat_get(struct sig_store *store, const char *participant_id,
			  struct sig_seat *ret_seat)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SEAT_GET);
	int r = store_bind_text(store, stmt, 1, participant_id);

	if (r < 0) {
		store_reset(stmt);
		return r;
	}
	return store_get(store, stmt, store_seat_read_row, ret_seat);
}

int sqlite_store_seat_list_session(struct sig_store *store, int64_t session_id, int64_t after_id,
				   int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SEAT_LIST_SESSION);
	int r = store_list_check(ret_rows, sizeof(struct sig_seat), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, store_seat_read_row, sizeof(struct sig_seat),
			  (GDestroyNotify)sig_seat_clear, ret_rows);
}

int sqlite_store_seat_find(struct sig_store *store, const uint8_t resume_hash[CRYPTO_SHA256_BYTES],
			   struct sig_seat *ret_seat)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_SEAT_FIND);
	int r = store_bind_hash(store, stmt, 1, resume_hash);

	return r < 0 ? r : store_get(store, stmt, store_seat_read_row, ret_seat);
}
