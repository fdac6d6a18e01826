/* The audit log in the PostgreSQL backend: a hash chain (sig_audit_hash())
 * whose last row audit_head records. Each append locks the head row
 * (SELECT ... FOR UPDATE) in its transaction, so that appends from several
 * nodes queue behind each other and make one chain; the verification
 * (audit_walk.h) reads one snapshot through a cursor, a page at a time. */
#include "store/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/log.h"
#include "store/audit_walk.h"

#define AUDIT_COLUMNS                                                                              \
	"id, at_ms, kind, session_id, roster_entry_id, invite_id, actor, detail, prev_hash, hash"
#define AUDIT_WALK_PAGE "1000"

static int audit_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_audit_event ev = {0};
	int r = pg_col_i64(res, row, 0, &ev.id);

	if (r == 0)
		r = pg_col_i64(res, row, 1, &ev.at_ms);
	if (r == 0 && sig_audit_kind_parse(pg_col_name(res, row, 2), &ev.kind) < 0) {
		log_debug("store: audit row %" PRId64 " has an unknown kind", ev.id);
		r = -EIO;
	}
	if (r == 0)
		r = pg_col_i64(res, row, 3, &ev.session_id);
	if (r == 0)
		r = pg_col_i64(res, row, 4, &ev.roster_entry_id);
	if (r == 0)
		r = pg_col_i64(res, row, 5, &ev.invite_id);
	if (r == 0)
		r = pg_col_hash(res, row, 8, ev.prev_hash);
	if (r == 0)
		r = pg_col_hash(res, row, 9, ev.hash);
	if (r == 0)
		r = pg_col_text(res, row, 6, PG_AUDIT_ACTOR_MAX, &ev.actor);
	if (r == 0)
		r = pg_col_text(res, row, 7, PG_AUDIT_DETAIL_MAX, &ev.detail);
	if (r < 0) {
		sig_audit_event_clear(&ev);
		return r;
	}
	*(struct sig_audit_event *)ret_row = ev;
	return 0;
}

static void audit_clear_func(void *row)
{
	sig_audit_event_clear(row);
}

/* The recorded last row, locked for the append when for_update. -ENOENT
 * when the head row is gone, -EBADMSG when its hash is malformed: both
 * only after tampering. */
static int audit_read_head(struct sig_store *store, bool for_update, int64_t *ret_last_id,
			   uint8_t ret_last_hash[CRYPTO_SHA256_BYTES])
{
	PGresult *res = NULL;
	int r =
	    pg_exec(store,
		    for_update ? "SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE"
			       : "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
		    NULL, &res);

	if (r < 0)
		return r;
	if (PQntuples(res) < 1)
		r = -ENOENT;
	else if (pg_col_i64(res, 0, 0, ret_last_id) < 0 ||
		 pg_col_hash(res, 0, 1, ret_last_hash) < 0)
		r = -EBADMSG;
	PQclear(res);
	return r;
}

static int audit_insert(struct sig_store *store, const struct sig_audit_event *ev)
{
	struct pg_params p = {0};

	pg_param_int(&p, ev->id);
	pg_param_int(&p, ev->at_ms);
	pg_param_text(&p, sig_audit_kind_name(ev->kind));
	pg_param_int(&p, ev->session_id);
	pg_param_int(&p, ev->roster_entry_id);
	pg_param_int(&p, ev->invite_id);
	pg_param_text(&p, ev->actor);
	pg_param_text(&p, ev->detail);
	pg_param_bytes(&p, ev->prev_hash, CRYPTO_SHA256_BYTES);
	pg_param_bytes(&p, ev->hash, CRYPTO_SHA256_BYTES);
	return pg_change(store,
			 "INSERT INTO audit (" AUDIT_COLUMNS ") "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			 &p, NULL);
}

static int audit_update_head(struct sig_store *store, int64_t last_id,
			     const uint8_t last_hash[CRYPTO_SHA256_BYTES])
{
	struct pg_params p = {0};

	pg_param_int(&p, last_id);
	pg_param_bytes(&p, last_hash, CRYPTO_SHA256_BYTES);
	return pg_change(store, "UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1",
			 &p, NULL);
}

int pg_store_audit_append_with(struct sig_store *store, struct sig_audit_event *event,
			       struct sig_outbox_row *outbox)
{
	struct sig_audit_event row = *event; /* borrows actor and detail */
	int64_t last_id = 0;
	bool own;
	int r;

	if ((unsigned)event->kind >= SIG_AUDIT_KIND_COUNT)
		return -EINVAL;
	r = pg_write_begin(store, &own);
	if (r < 0)
		return r;
	/* The head locked, the row, the new head: one transaction, so that
	 * concurrent writers (other nodes) wait here and the chain never
	 * forks. */
	r = audit_read_head(store, true, &last_id, row.prev_hash);
	if (r == -ENOENT || r == -EBADMSG)
		r = -EIO;
	if (r == 0) {
		row.id = last_id + 1;
		sig_audit_hash(&row, row.hash);
		r = audit_insert(store, &row);
	}
	if (r == 0)
		r = audit_update_head(store, row.id, row.hash);
	if (r == 0 && outbox && store->outbox_max > 0)
		r = pg_outbox_insert(store, outbox);
	r = pg_write_end(store, own, r);
	if (r < 0)
		return r;
	event->id = row.id;
	memcpy(event->prev_hash, row.prev_hash, CRYPTO_SHA256_BYTES);
	memcpy(event->hash, row.hash, CRYPTO_SHA256_BYTES);
	return 0;
}

int pg_store_audit_list(struct sig_store *store, int64_t session_id, int64_t after_id, int limit,
			GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_audit_event), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, after_id);
	pg_param_int(&p, limit);
	if (!session_id)
		return pg_list(
		    store, "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
		    &p, audit_read_row, sizeof(struct sig_audit_event), audit_clear_func, ret_rows);
	pg_param_int(&p, session_id);
	return pg_list(store,
		       "SELECT " AUDIT_COLUMNS " FROM audit "
		       "WHERE session_id = $3 AND id > $1 ORDER BY id LIMIT $2",
		       &p, audit_read_row, sizeof(struct sig_audit_event), audit_clear_func,
		       ret_rows);
}

int pg_store_audit_head(struct sig_store *store, int64_t *ret_last_id,
			uint8_t ret_last_hash[CRYPTO_SHA256_BYTES])
{
	uint8_t hash[CRYPTO_SHA256_BYTES];
	int64_t id = 0;
	int r = audit_read_head(store, false, &id, hash);

	if (r < 0)
		return r;
	*ret_last_id = id;
	memcpy(ret_last_hash, hash, sizeof(hash));
	return 0;
}

/* Checks one fetched page of rows; *ret_n: how many it held. */
static int audit_walk_page(struct sig_store *store, struct store_audit_walk *walk, int *ret_n)
{
	PGresult *res = NULL;
	int n, r = pg_exec(store, "FETCH " AUDIT_WALK_PAGE " FROM hearth_audit_walk", NULL, &res);

	if (r < 0)
		return r;
	n = PQntuples(res);
	for (int i = 0; i < n && r == 0; i++) {
		struct sig_audit_event ev;

		if (audit_read_row(res, i, &ev) < 0) {
			int64_t id = 0;
			long long lid;

			(void)pg_col_i64(res, i, 0, &id);
			lid = id;
			r = store_audit_breakf(
			    walk, id, "row %lld cannot be read (a field is malformed)", lid);
			break;
		}
		r = store_audit_check_row(walk, &ev);
		sig_audit_event_clear(&ev);
	}
	PQclear(res);
	*ret_n = n;
	return r;
}

/* Walks every row in id order, a page at a time, so the log may be long. */
static int audit_walk_rows(struct sig_store *store, struct store_audit_walk *walk)
{
	int n = 0, r = pg_exec(store,
			       "DECLARE hearth_audit_walk NO SCROLL CURSOR FOR "
			       "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY id",
			       NULL, NULL);

	while (r == 0 && (r = audit_walk_page(store, walk, &n)) == 0 && n > 0)
		;
	if (r != -EIO) /* after an error, the transaction is gone with it */
		(void)pg_exec(store, "CLOSE hearth_audit_walk", NULL, NULL);
	return r;
}

int pg_store_audit_verify(struct sig_store *store, int64_t *ret_rows, int64_t *ret_first_bad_id,
			  char **ret_problem)
{
	struct store_audit_walk walk = {0};
	uint8_t head_hash[CRYPTO_SHA256_BYTES] = {0};
	int64_t head_id = 0;
	bool own;
	int r = pg_read_begin(store, &own); /* one snapshot of rows and head */

	if (r < 0)
		return r;
	r = audit_walk_rows(store, &walk);
	if (r == 0) {
		int read_r = audit_read_head(store, false, &head_id, head_hash);

		r = store_audit_check_head(&walk, read_r, head_id, head_hash);
	}
	pg_read_end(store, own);
	return store_audit_walk_end(&walk, r, ret_rows, ret_first_bad_id, ret_problem);
}
