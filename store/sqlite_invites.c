/* Invites in the SQLite backend, found by id or by their token's hash. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"

/* ---- invites ---- */

static int invite_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_invite inv = {.id = sqlite3_column_int64(stmt, 0)};
	int r = store_column_hash(stmt, 3, inv.token_hash);

	if (r == 0)
		r = store_column_int(stmt, 4, &inv.max_uses);
	if (r == 0)
		r = store_column_int(stmt, 5, &inv.uses);
	if (r < 0)
		return r;
	inv.roster_entry_id = sqlite3_column_int64(stmt, 1);
	inv.session_id = sqlite3_column_int64(stmt, 2);
	inv.created_at = sqlite3_column_int64(stmt, 6);
	inv.revoked_at = sqlite3_column_int64(stmt, 7);
	inv.last_used_at = sqlite3_column_int64(stmt, 8);
	*(struct sig_invite *)ret_row = inv;
	return 0;
}

/* Binds ?1..?4, the fields insert and update share. */
static int invite_bind(struct sig_store *store, sqlite3_stmt *stmt, const struct sig_invite *inv)
{
	int r;

	if ((r = store_bind_int(store, stmt, 1, inv->max_uses)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, inv->uses)) < 0 ||
	    (r = store_bind_int(store, stmt, 3, inv->revoked_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 4, inv->last_used_at)) < 0)
		return r;
	return 0;
}

int sqlite_store_invite_insert(struct sig_store *store, struct sig_invite *invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_INSERT);
	int64_t id;
	int r;

	if ((r = invite_bind(store, stmt, invite)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, invite->roster_entry_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, invite->session_id)) < 0 ||
	    (r = store_bind_hash(store, stmt, 7, invite->token_hash)) < 0 ||
	    (r = store_bind_int(store, stmt, 8, invite->created_at)) < 0 ||
	    (r = store_write(store, stmt, &id)) < 0)
		return r;
	invite->id = id;
	return 0;
}

int sqlite_store_invite_get(struct sig_store *store, int64_t id, struct sig_invite *ret_invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_GET);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_get(store, stmt, invite_read_row, ret_invite);
}

int sqlite_store_invite_find_by_hash(struct sig_store *store,
				     const uint8_t hash[CRYPTO_SHA256_BYTES],
				     struct sig_invite *ret_invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_BY_HASH);
	int r = store_bind_hash(store, stmt, 1, hash);

	return r < 0 ? r : store_get(store, stmt, invite_read_row, ret_invite);
}

int sqlite_store_invite_update(struct sig_store *store, const struct sig_invite *invite)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_INVITE_UPDATE);
	int r = invite_bind(store, stmt, invite);

	if (r == 0)
		r = store_bind_int(store, stmt, 5, invite->id);
	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sqlite_store_invite_list(struct sig_store *store, int64_t session_id, int64_t roster_entry_id,
			     int64_t after_id, int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt =
	    store_stmt(store, roster_entry_id ? STORE_INVITE_LIST_ENTRY : STORE_INVITE_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_invite), limit);

	if (r == 0)
		r = store_session_exists(store, session_id);
	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r == 0 && roster_entry_id)
		r = store_bind_int(store, stmt, 4, roster_entry_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, invite_read_row, sizeof(struct sig_invite), NULL, ret_rows);
}
