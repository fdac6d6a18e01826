/* Seats in the PostgreSQL backend: the state of each place held in an open
 * session, one row per participant, written whole on each seat event. */
#include "store/pg_internal.h"

#include <errno.h>
#include <string.h>

#include "model/domain.h"

int pg_seat_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_seat seat = {0};
	int waiting = 0, granted = 0, muted = 0, locked = 0;
	int r = pg_col_i64(res, row, 0, &seat.id);

	if (r == 0 && (PQgetisnull(res, row, 1) ||
		       PQgetlength(res, row, 1) != (int)sizeof(seat.participant_id) - 2))
		r = -EIO;
	if (r == 0)
		memcpy(seat.participant_id, PQgetvalue(res, row, 1),
		       sizeof(seat.participant_id) - 2);
	if (r == 0)
		r = pg_col_i64(res, row, 2, &seat.session_id);
	if (r == 0)
		r = pg_col_i64(res, row, 3, &seat.roster_entry_id);
	if (r == 0)
		r = pg_col_hash(res, row, 4, seat.resume_hash);
	if (r == 0)
		r = pg_col_int(res, row, 5, &waiting);
	if (r == 0)
		r = pg_col_int(res, row, 6, &granted);
	if (r == 0)
		r = pg_col_int(res, row, 7, &muted);
	if (r == 0)
		r = pg_col_int(res, row, 8, &locked);
	if (r == 0)
		r = pg_col_i64(res, row, 10, &seat.closes_at);
	if (r == 0)
		r = pg_col_i64(res, row, 11, &seat.expires_at);
	if (r == 0)
		r = pg_col_opt_text(res, row, 9, SIG_DISPLAY_NAME_MAX, &seat.display_name);
	if (r < 0)
		return r;
	seat.waiting = waiting != 0;
	seat.granted = (unsigned)granted;
	seat.muted = (unsigned)muted;
	seat.locked = (unsigned)locked;
	*(struct sig_seat *)ret_row = seat;
	return 0;
}

int pg_store_seat_put(struct sig_store *store, const struct sig_seat *seat)
{
	struct pg_params p = {0};

	pg_param_bytes(&p, seat->resume_hash, CRYPTO_SHA256_BYTES);
	pg_param_int(&p, seat->waiting);
	pg_param_int(&p, seat->granted);
	pg_param_int(&p, seat->muted);
	pg_param_int(&p, seat->locked);
	pg_param_text(&p, seat->display_name);
	pg_param_int(&p, seat->closes_at);
	pg_param_int(&p, seat->expires_at);
	pg_param_text(&p, seat->participant_id);
	pg_param_int(&p, seat->session_id);
	pg_param_int(&p, seat->roster_entry_id);
	/* One write per seat event: the row is the seat's whole state. */
	return pg_write(store,
			"INSERT INTO seats (resume_hash, waiting, granted, muted, locked, "
			"display_name, closes_at, expires_at, participant_id, session_id, "
			"roster_entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
			"ON CONFLICT (participant_id) DO UPDATE SET resume_hash = $1, "
			"waiting = $2, granted = $3, muted = $4, locked = $5, display_name = $6, "
			"closes_at = $7, expires_at = $8",
			&p, NULL);
}

int pg_store_seat_delete(struct sig_store *store, const char *participant_id)
{
	struct pg_params p = {0};

	pg_param_text(&p, participant_id);
	return pg_write(store, "DELETE FROM seats WHERE participant_id = $1", &p, NULL);
}

int pg_store_seat_list(struct sig_store *store, int64_t after_id, int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_seat), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	return pg_list(store,
		       "SELECT id, participant_id, session_id, roster_entry_id, resume_hash, "
		       "waiting, granted, muted, locked, display_name, closes_at, expires_at "
		       "FROM seats WHERE id > $1 ORDER BY id LIMIT $2",
		       &p, pg_seat_read_row, sizeof(struct sig_seat),
		       (GDestroyNotify)sig_seat_clear, ret_rows);
}

#define PG_SEAT_COLUMNS                                                                            \
	"id, participant_id, session_id, roster_entry_id, resume_hash, waiting, granted, muted, "  \
	"locked, display_name, closes_at, expires_at"

int pg_store_seat_list_session(struct sig_store *store, int64_t session_id, int64_t after_id,
			       int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_seat), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	pg_param_int(&p, session_id);
	return pg_list(store,
		       "SELECT " PG_SEAT_COLUMNS " FROM seats WHERE session_id = $3 AND id > $1 "
		       "ORDER BY id LIMIT $2",
		       &p, pg_seat_read_row, sizeof(struct sig_seat),
		       (GDestroyNotify)sig_seat_clear, ret_rows);
}

int pg_store_seat_find(struct sig_store *store, const uint8_t resume_hash[CRYPTO_SHA256_BYTES],
		       struct sig_seat *ret_seat)
{
	struct pg_params p = {0};

	pg_param_bytes(&p, resume_hash, CRYPTO_SHA256_BYTES);
	return pg_get(store, "SELECT " PG_SEAT_COLUMNS " FROM seats WHERE resume_hash = $1 LIMIT 1",
		      &p, pg_seat_read_row, ret_seat);
}

int pg_store_seat_get(struct sig_store *store, const char *participant_id, struct sig_seat *ret)
{
	struct pg_params p = {0};

	pg_param_text(&p, participant_id);
	return pg_get(store,
		      "SELECT id, participant_id, session_id, roster_entry_id, resume_hash, "
		      "waiting, granted, muted, locked, display_name, closes_at, expires_at "
		      "FROM seats WHERE participant_id = $1",
		      &p, pg_seat_read_row, ret);
}
