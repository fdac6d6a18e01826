/* Invites in the PostgreSQL backend, found by id or by their token's
 * hash. */
#include "store/pg_internal.h"

#include <errno.h>

#define INVITE_COLUMNS                                                                             \
	"id, roster_entry_id, session_id, token_hash, max_uses, uses, created_at, revoked_at, "    \
	"last_used_at"

static int invite_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_invite inv = {0};
	int r = pg_col_i64(res, row, 0, &inv.id);

	if (r == 0)
		r = pg_col_i64(res, row, 1, &inv.roster_entry_id);
	if (r == 0)
		r = pg_col_i64(res, row, 2, &inv.session_id);
	if (r == 0)
		r = pg_col_hash(res, row, 3, inv.token_hash);
	if (r == 0)
		r = pg_col_int(res, row, 4, &inv.max_uses);
	if (r == 0)
		r = pg_col_int(res, row, 5, &inv.uses);
	if (r == 0)
		r = pg_col_i64(res, row, 6, &inv.created_at);
	if (r == 0)
		r = pg_col_i64(res, row, 7, &inv.revoked_at);
	if (r == 0)
		r = pg_col_i64(res, row, 8, &inv.last_used_at);
	if (r < 0)
		return r;
	*(struct sig_invite *)ret_row = inv;
	return 0;
}

/* $1..$4, the fields insert and update share. */
static void invite_params(struct pg_params *p, const struct sig_invite *inv)
{
	pg_param_int(p, inv->max_uses);
	pg_param_int(p, inv->uses);
	pg_param_int(p, inv->revoked_at);
	pg_param_int(p, inv->last_used_at);
}

int pg_store_invite_insert(struct sig_store *store, struct sig_invite *invite)
{
	struct pg_params p = {0};
	int64_t id = 0;
	int r;

	invite_params(&p, invite);
	pg_param_int(&p, invite->roster_entry_id);
	pg_param_int(&p, invite->session_id);
	pg_param_bytes(&p, invite->token_hash, CRYPTO_SHA256_BYTES);
	pg_param_int(&p, invite->created_at);
	r = pg_write(store,
		     "INSERT INTO invites (max_uses, uses, revoked_at, last_used_at, "
		     "roster_entry_id, session_id, token_hash, created_at) "
		     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
		     &p, &id);
	if (r < 0)
		return r;
	invite->id = id;
	return 0;
}

int pg_store_invite_get(struct sig_store *store, int64_t id, struct sig_invite *ret)
{
	struct pg_params p = {0};

	pg_param_int(&p, id);
	return pg_get(store, "SELECT " INVITE_COLUMNS " FROM invites WHERE id = $1", &p,
		      invite_read_row, ret);
}

int pg_store_invite_find_by_hash(struct sig_store *store, const uint8_t hash[CRYPTO_SHA256_BYTES],
				 struct sig_invite *ret)
{
	struct pg_params p = {0};

	pg_param_bytes(&p, hash, CRYPTO_SHA256_BYTES);
	return pg_get(store, "SELECT " INVITE_COLUMNS " FROM invites WHERE token_hash = $1", &p,
		      invite_read_row, ret);
}

int pg_store_invite_update(struct sig_store *store, const struct sig_invite *invite)
{
	struct pg_params p = {0};

	/* Not uses: pg_store_invite_use() counts them in the database, so
	 * that a stale copy read on another node cannot undo a use. */
	pg_param_int(&p, invite->max_uses);
	pg_param_int(&p, invite->revoked_at);
	pg_param_int(&p, invite->last_used_at);
	pg_param_int(&p, invite->id);
	return pg_write(store,
			"UPDATE invites SET max_uses = $1, revoked_at = $2, last_used_at = $3 "
			"WHERE id = $4",
			&p, NULL);
}

int pg_store_invite_list(struct sig_store *store, int64_t session_id, int64_t roster_entry_id,
			 int64_t after_id, int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_invite), limit);

	if (r == 0)
		r = pg_session_exists(store, session_id);
	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	pg_param_int(&p, session_id);
	if (!roster_entry_id)
		return pg_list(store,
			       "SELECT " INVITE_COLUMNS " FROM invites "
			       "WHERE session_id = $3 AND id > $1 ORDER BY id LIMIT $2",
			       &p, invite_read_row, sizeof(struct sig_invite), NULL, ret_rows);
	pg_param_int(&p, roster_entry_id);
	return pg_list(store,
		       "SELECT " INVITE_COLUMNS " FROM invites WHERE session_id = $3 "
		       "AND roster_entry_id = $4 AND id > $1 ORDER BY id LIMIT $2",
		       &p, invite_read_row, sizeof(struct sig_invite), NULL, ret_rows);
}
