/* Roster entries in the PostgreSQL backend. */
#include "store/pg_internal.h"

#include <errno.h>
#include <inttypes.h>

#include "core/log.h"
#include "model/metadata.h"

#define ROSTER_COLUMNS                                                                             \
	"id, session_id, display_name, role, permissions, auto_admit, removed_at, created_at, "    \
	"updated_at, external_id, metadata"

static int roster_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_roster_entry e = {0};
	int permissions = 0, auto_admit = 0;
	int r = pg_col_i64(res, row, 0, &e.id);

	if (r == 0)
		r = pg_col_int(res, row, 4, &permissions);
	if (r == 0 && (sig_role_parse(pg_col_name(res, row, 3), &e.role) < 0 || permissions < 0 ||
		       permissions > (int)SIG_PERM_ALL)) {
		log_debug("store: roster entry %" PRId64 " has an unknown role or permission",
			  e.id);
		r = -EIO;
	}
	if (r == 0)
		r = pg_col_i64(res, row, 1, &e.session_id);
	if (r == 0)
		r = pg_col_int(res, row, 5, &auto_admit);
	if (r == 0)
		r = pg_col_i64(res, row, 6, &e.removed_at);
	if (r == 0)
		r = pg_col_i64(res, row, 7, &e.created_at);
	if (r == 0)
		r = pg_col_i64(res, row, 8, &e.updated_at);
	if (r == 0)
		r = pg_col_text(res, row, 2, SIG_DISPLAY_NAME_MAX, &e.display_name);
	if (r == 0)
		r = pg_col_opt_text(res, row, 9, SIG_EXTERNAL_ID_MAX, &e.external_id);
	if (r == 0)
		r = pg_col_opt_text(res, row, 10, SIG_METADATA_MAX, &e.metadata);
	if (r < 0) {
		sig_roster_entry_clear(&e);
		return r;
	}
	e.permissions = (unsigned)permissions;
	e.auto_admit = auto_admit != 0;
	*(struct sig_roster_entry *)ret_row = e;
	return 0;
}

static void roster_clear_func(void *row)
{
	sig_roster_entry_clear(row);
}

/* $1..$8, the fields insert and update share. */
static int roster_params(struct pg_params *p, const struct sig_roster_entry *entry)
{
	if ((unsigned)entry->role >= SIG_ROLE_COUNT)
		return -EINVAL;
	pg_param_text(p, entry->display_name);
	pg_param_text(p, sig_role_name(entry->role));
	pg_param_int(p, entry->permissions);
	pg_param_int(p, entry->auto_admit);
	pg_param_int(p, entry->removed_at);
	pg_param_int(p, entry->updated_at);
	pg_param_text(p, entry->external_id);
	pg_param_text(p, entry->metadata);
	return 0;
}

int pg_store_roster_insert(struct sig_store *store, struct sig_roster_entry *entry)
{
	struct pg_params p = {0};
	int64_t id = 0;
	int r = roster_params(&p, entry);

	if (r < 0)
		return r;
	pg_param_int(&p, entry->session_id);
	pg_param_int(&p, entry->created_at);
	r = pg_write(store,
		     "INSERT INTO roster_entries (display_name, role, permissions, auto_admit, "
		     "removed_at, updated_at, external_id, metadata, session_id, created_at) "
		     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
		     &p, &id);
	if (r < 0)
		return r;
	entry->id = id;
	return 0;
}

int pg_store_roster_get(struct sig_store *store, int64_t id, struct sig_roster_entry *ret)
{
	struct pg_params p = {0};

	pg_param_int(&p, id);
	return pg_get(store, "SELECT " ROSTER_COLUMNS " FROM roster_entries WHERE id = $1", &p,
		      roster_read_row, ret);
}

int pg_store_roster_update(struct sig_store *store, const struct sig_roster_entry *entry)
{
	struct pg_params p = {0};
	int r = roster_params(&p, entry);

	if (r < 0)
		return r;
	pg_param_int(&p, entry->id);
	return pg_write(store,
			"UPDATE roster_entries SET display_name = $1, role = $2, "
			"permissions = $3, auto_admit = $4, removed_at = $5, updated_at = $6, "
			"external_id = $7, metadata = $8 WHERE id = $9",
			&p, NULL);
}

int pg_store_roster_delete(struct sig_store *store, int64_t id)
{
	struct pg_params p = {0};

	pg_param_int(&p, id);
	return pg_write(store, "DELETE FROM roster_entries WHERE id = $1", &p, NULL);
}

int pg_store_roster_list(struct sig_store *store, int64_t session_id, int64_t after_id, int limit,
			 GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_roster_entry), limit);

	if (r == 0)
		r = pg_session_exists(store, session_id);
	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	pg_param_int(&p, session_id);
	return pg_list(store,
		       "SELECT " ROSTER_COLUMNS " FROM roster_entries "
		       "WHERE session_id = $3 AND id > $1 ORDER BY id LIMIT $2",
		       &p, roster_read_row, sizeof(struct sig_roster_entry), roster_clear_func,
		       ret_rows);
}

int pg_store_roster_count(struct sig_store *store, int64_t session_id, int *ret_count)
{
	struct pg_params p = {0};
	int64_t count = 0;
	int r = pg_session_exists(store, session_id);

	if (r < 0)
		return r;
	pg_param_int(&p, session_id);
	r = pg_get_int(
	    store, "SELECT count(*) FROM roster_entries WHERE session_id = $1 AND removed_at = 0",
	    &p, &count);
	if (r < 0)
		return r;
	*ret_count = (int)count;
	return 0;
}
