/* The audit log in the SQLite backend: a hash chain (sig_audit_hash())
 * whose last row audit_head records, updated in the same transaction as
 * each append, so that cutting rows off the end is detectable too; and
 * its verification. */
#include "store/sqlite_internal.h"

#include "store/audit_walk.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/log.h"

/* ---- the audit log ---- */

static int audit_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_audit_event ev = {
	    .id = sqlite3_column_int64(stmt, 0),
	    .at_ms = sqlite3_column_int64(stmt, 1),
	    .session_id = sqlite3_column_int64(stmt, 3),
	    .roster_entry_id = sqlite3_column_int64(stmt, 4),
	    .invite_id = sqlite3_column_int64(stmt, 5),
	};
	int r;

	if (sig_audit_kind_parse(store_column_name(stmt, 2), &ev.kind) < 0) {
		log_debug("store: audit row %" PRId64 " has an unknown kind", ev.id);
		return -EIO;
	}
	r = store_column_hash(stmt, 8, ev.prev_hash);
	if (r == 0)
		r = store_column_hash(stmt, 9, ev.hash);
	if (r == 0)
		r = store_column_text(stmt, 6, STORE_AUDIT_ACTOR_MAX, &ev.actor);
	if (r == 0)
		r = store_column_text(stmt, 7, STORE_AUDIT_DETAIL_MAX, &ev.detail);
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

/* The recorded last row. -ENOENT when the head row is gone, -EBADMSG when
 * its hash is malformed: both only after tampering. */
static int audit_read_head(struct sig_store *store, int64_t *ret_last_id,
			   uint8_t ret_last_hash[CRYPTO_SHA256_BYTES])
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_HEAD);
	int r = store_step(store, stmt, "audit head");

	if (r == 0)
		r = -ENOENT;
	if (r > 0) {
		*ret_last_id = sqlite3_column_int64(stmt, 0);
		r = store_column_hash(stmt, 1, ret_last_hash) < 0 ? -EBADMSG : 0;
	}
	store_reset(stmt);
	return r;
}

static int audit_insert(struct sig_store *store, const struct sig_audit_event *ev)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_INSERT);
	int r;

	if ((r = store_bind_int(store, stmt, 1, ev->id)) < 0 ||
	    (r = store_bind_int(store, stmt, 2, ev->at_ms)) < 0 ||
	    (r = store_bind_text(store, stmt, 3, sig_audit_kind_name(ev->kind))) < 0 ||
	    (r = store_bind_int(store, stmt, 4, ev->session_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 5, ev->roster_entry_id)) < 0 ||
	    (r = store_bind_int(store, stmt, 6, ev->invite_id)) < 0 ||
	    (r = store_bind_text(store, stmt, 7, ev->actor)) < 0 ||
	    (r = store_bind_text(store, stmt, 8, ev->detail)) < 0 ||
	    (r = store_bind_hash(store, stmt, 9, ev->prev_hash)) < 0 ||
	    (r = store_bind_hash(store, stmt, 10, ev->hash)) < 0)
		return r;
	return store_change(store, stmt);
}

static int audit_update_head(struct sig_store *store, int64_t last_id,
			     const uint8_t last_hash[CRYPTO_SHA256_BYTES])
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_HEAD_UPDATE);
	int r;

	if ((r = store_bind_int(store, stmt, 1, last_id)) < 0 ||
	    (r = store_bind_hash(store, stmt, 2, last_hash)) < 0)
		return r;
	return store_change(store, stmt);
}

int sqlite_store_audit_append_with(struct sig_store *store, struct sig_audit_event *event,
				   struct sig_outbox_row *outbox)
{
	struct sig_audit_event row = *event; /* borrows actor and detail */
	int64_t last_id = 0;
	bool own;
	int r;

	if ((unsigned)event->kind >= SIG_AUDIT_KIND_COUNT)
		return -EINVAL;
	r = store_write_begin(store, &own);
	if (r < 0)
		return r;
	/* Head, row and new head in one transaction: the chain never forks. */
	r = audit_read_head(store, &last_id, row.prev_hash);
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
		r = store_outbox_insert(store, outbox);
	r = store_write_end(store, own, r);
	if (r < 0)
		return r;
	event->id = row.id;
	memcpy(event->prev_hash, row.prev_hash, CRYPTO_SHA256_BYTES);
	memcpy(event->hash, row.hash, CRYPTO_SHA256_BYTES);
	return 0;
}

int sqlite_store_audit_list(struct sig_store *store, int64_t session_id, int64_t after_id,
			    int limit, GArray *ret_rows)
{
	sqlite3_stmt *stmt =
	    store_stmt(store, session_id ? STORE_AUDIT_LIST_SESSION : STORE_AUDIT_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_audit_event), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, after_id, limit, session_id);
	if (r < 0)
		return r;
	return store_list(store, stmt, audit_read_row, sizeof(struct sig_audit_event),
			  audit_clear_func, ret_rows);
}

/* Checks the recorded head against the last row walked. */
static int audit_check_head(struct sig_store *store, struct store_audit_walk *walk)
{
	uint8_t head_hash[CRYPTO_SHA256_BYTES] = {0};
	int64_t head_id = 0;
	int r = audit_read_head(store, &head_id, head_hash);

	return store_audit_check_head(walk, r, head_id, head_hash);
}

/* Walks every row in id order; streams, so the log may be long. */
static int audit_walk_rows(struct sig_store *store, struct store_audit_walk *walk)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_AUDIT_ALL);
	int r;

	while ((r = store_step(store, stmt, "audit verify")) > 0) {
		struct sig_audit_event ev;

		if (audit_read_row(stmt, &ev) < 0) {
			long long id = sqlite3_column_int64(stmt, 0);

			r = store_audit_breakf(
			    walk, id, "row %lld cannot be read (a field is malformed)", id);
			break;
		}
		r = store_audit_check_row(walk, &ev);
		sig_audit_event_clear(&ev);
		if (r < 0)
			break;
	}
	store_reset(stmt);
	return r;
}

int sqlite_store_audit_head(struct sig_store *store, int64_t *ret_last_id,
			    uint8_t ret_last_hash[CRYPTO_SHA256_BYTES])
{
	int64_t id;
	uint8_t hash[CRYPTO_SHA256_BYTES];
	int r = audit_read_head(store, &id, hash);

	if (r < 0)
		return r;
	*ret_last_id = id;
	memcpy(ret_last_hash, hash, sizeof(hash));
	return 0;
}

int sqlite_store_audit_verify(struct sig_store *store, int64_t *ret_rows, int64_t *ret_first_bad_id,
			      char **ret_problem)
{
	struct store_audit_walk walk = {0};
	bool own;
	int r = store_read_begin(store, &own); /* one snapshot of rows and head */

	if (r < 0)
		return r;
	r = audit_walk_rows(store, &walk);
	if (r == 0)
		r = audit_check_head(store, &walk);
	store_read_end(store, own);
	return store_audit_walk_end(&walk, r, ret_rows, ret_first_bad_id, ret_problem);
}
