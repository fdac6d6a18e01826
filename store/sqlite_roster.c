/* Roster entries in the SQLite backend. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/log.h"

/* ---- roster entries ---- */

static int roster_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_roster_entry e = {.id = sqlite3_column_int64(stmt, 0)};
	int64_t permissions = sqlite3_column_int64(stmt, 4);
	int r;

	if (sig_role_parse(store_column_name(stmt, 3), &e.role) < 0 || permissions < 0 ||
	    permissions > SIG_PERM_ALL) {
		log_debug("store: roster entry %" PRId64 " has an unknown role or permission",
			  e.id);
		return -EIO;
	}
	r = store_column_text(stmt, 2, SIG_DISPLAY_NAME_MAX, &e.display_name);
	if (r == 0)
		r = store_column_labels(stmt, 9, &e.external_id, &e.metadata);
	if (r < 0) {
		sig_roster_entry_clear(&e);
		return r;
	}
	e.session_id = sqlite3_column_int64(stmt, 1);
	e.permissions = (unsigned)permissions;
	e.auto_admit = sqlite3_column_int(stmt, 5) != 0;
	e.removed_at = sqlite3_column_int64(stmt, 6);
	e.created_at = sqlite3_column_int64(stmt, 7);
	e.updated_at = sqlite3_column_int64(stmt, 8);
	*(struct sig_roster_entry *)ret_row = e;
	return 0;
}

static void roster_clear_func(void *row)
{
	sig_roster_entry_clear(row);
}

/* Binds ?1..?6, the fields insert and update share. */
static int roster_bind(struct sig_store *store, sqlite3_stmt *stmt,
		       const struct sig_roster_entry *entry)
{
	int r;

	if ((unsigned)entry->role >= SIG_ROLE_COUNT)
		return -EINVAL;
	if ((r = store_bind_text(store, stmt, 1, entry->display_name)) < 0 ||
	    (r = store_bind_text(store, stmt, 2, sig_role_name(entry->role))) < 0 ||
	    (r = store_bind_int(store, stmt, 3, entry->permissions)) < 0 ||
	    (r = store_bind_int(store, stmt, 4, entry->auto_admit)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, entry->removed_at)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, entry->updated_at)) < 0 ||
	    (r = store_bind_labels(store, stmt, entry->external_id, entry->metadata)) < 0)
		return r;
	return 0;
}

int sqlite_store_roster_insert(struct sig_store *store, struct sig_roster_entry *entry)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_INSERT);
	int64_t id;
	int r = roster_bind(store, stmt, entry);

	if (r == 0)
		r = store_bind_int(store, stmt, 7, entry->session_id);
	if (r == 0)
		r = store_bind_int(store, stmt, 8, entry->created_at);
	if (r == 0)
		r = store_write(store, stmt, &id);
	if (r < 0)
		return r;
	entry->id = id;
	return 0;
}

int sqlite_store_roster_get(struct sig_store *store, int64_t id, struct sig_roster_entry *ret_entry)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_GET);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_get(store, stmt, roster_read_row, ret_entry);
}

int sqlite_store_roster_update(struct sig_store *store, const struct sig_roster_entry *entry)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_UPDATE);
	int r = roster_bind(store, stmt, entry);

	if (r == 0)
		r = store_bind_int(store, stmt, 7, entry->id);
	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sqlite_store_roster_delete(struct sig_store *store, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_DELETE);
	int r = store_bind_int(store, stmt, 1, id);

	return r < 0 ? r : store_write(store, stmt, NULL);
}

int sqlite_store_roster_list(struct sig_store *store, int64_t session_id, int64_t after_id,
			     int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_roster_entry), limit);

	if (r == 0)
		r = store_session_exists(store, session_id);
	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, roster_read_row, sizeof(struct sig_roster_entry),
			  roster_clear_func, ret_rows);
}

int sqlite_store_roster_count(struct sig_store *store, int64_t session_id, int *ret_count)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_ROSTER_COUNT);
	int count = 0;
	int r = store_session_exists(store, session_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 1, session_id);
	if (r == 0)
		r = store_step(store, stmt, "roster count");
	if (r > 0)
		r = store_column_int(stmt, 0, &count);
	else if (r == 0)
		r = -EIO; /* count(*) always returns a row */
	store_reset(stmt);
	if (r < 0)
		return r;
	*ret_count = count;
	return 0;
}
