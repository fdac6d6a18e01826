/* Nodes and leases in the SQLite backend: each node's row and heartbeat,
 * and the lease that homes an open occurrence on one node. With SQLite
 * there is one node, the home of everything; the same calls keep the
 * daemon's code one path for both backends. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

/* A statement that may change no row (a node with no lease to renew, a
 * node row already gone), inside the open transaction. */
static int node_change_any(struct sig_store *store, sqlite3_stmt *stmt)
{
	int r = store_change(store, stmt);

	return r == -ENOENT ? 0 : r;
}

static int node_bind_id(struct sig_store *store, sqlite3_stmt *stmt, const char *node_id)
{
	int r = store_bind_text(store, stmt, 1, node_id);

	if (r < 0)
		store_reset(stmt);
	return r;
}

int sqlite_store_node_beat(struct sig_store *store, const struct sig_node *node,
			   int64_t lease_until_ms)
{
	sqlite3_stmt *put = store_stmt(store, STORE_NODE_PUT);
	sqlite3_stmt *renew = store_stmt(store, STORE_LEASE_RENEW);
	bool own;
	int r = store_write_begin(store, &own);

	if (r < 0)
		return r;
	if ((r = store_bind_text(store, put, 1, node->id)) < 0 ||
	    (r = store_bind_text(store, put, 2, node->public_url)) < 0 ||
	    (r = store_bind_text(store, put, 3, node->media ? node->media : "")) < 0 ||
	    (r = store_bind_int(store, put, 4, node->load)) < 0 ||
	    (r = store_bind_int(store, put, 5, node->heartbeat_ms)) < 0)
		store_reset(put);
	else
		r = store_change(store, put);
	if (r == 0 && (r = node_bind_id(store, renew, node->id)) == 0) {
		if ((r = store_bind_int(store, renew, 2, lease_until_ms)) < 0)
			store_reset(renew);
		else
			r = node_change_any(store, renew);
	}
	return store_write_end(store, own, r);
}

int sqlite_store_node_leave(struct sig_store *store, const char *node_id)
{
	sqlite3_stmt *drop = store_stmt(store, STORE_LEASE_DROP_NODE);
	sqlite3_stmt *del = store_stmt(store, STORE_NODE_DELETE);
	bool own;
	int r = store_write_begin(store, &own);

	if (r < 0)
		return r;
	if ((r = node_bind_id(store, drop, node_id)) == 0)
		r = node_change_any(store, drop);
	if (r == 0 && (r = node_bind_id(store, del, node_id)) == 0)
		r = node_change_any(store, del);
	return store_write_end(store, own, r);
}

static int node_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_node node = {.load = sqlite3_column_int(stmt, 3),
				.heartbeat_ms = sqlite3_column_int64(stmt, 4)};
	const unsigned char *id = sqlite3_column_text(stmt, 0);
	int r;

	if (!id || sqlite3_column_bytes(stmt, 0) > SIG_NODE_ID_MAX)
		return -EIO;
	memcpy(node.id, id, (size_t)sqlite3_column_bytes(stmt, 0));
	r = store_column_text(stmt, 1, SIG_NODE_URL_MAX, &node.public_url);
	if (r == 0)
		r = store_column_text(stmt, 2, SIG_NODE_MEDIA_MAX, &node.media);
	if (r < 0) {
		sig_node_clear(&node);
		return r;
	}
	*(struct sig_node *)ret_row = node;
	return 0;
}

int sqlite_store_node_list(struct sig_store *store, int64_t alive_since_ms, int limit,
			   GArray *ret_rows)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_NODE_LIST);
	int r = store_list_check(ret_rows, sizeof(struct sig_node), limit);

	if (r == 0)
		r = store_bind_page(store, stmt, alive_since_ms, limit, 0);
	if (r < 0)
		return r;
	return store_list(store, stmt, node_read_row, sizeof(struct sig_node),
			  (GDestroyNotify)sig_node_clear, ret_rows);
}

static int lease_read_row(sqlite3_stmt *stmt, void *ret_row)
{
	struct sig_lease lease = {.expires_ms = sqlite3_column_int64(stmt, 2)};
	const unsigned char *id = sqlite3_column_text(stmt, 0);
	int r;

	if (!id || sqlite3_column_bytes(stmt, 0) > SIG_NODE_ID_MAX)
		return -EIO;
	memcpy(lease.node_id, id, (size_t)sqlite3_column_bytes(stmt, 0));
	r = store_column_text(stmt, 1, SIG_NODE_URL_MAX, &lease.public_url);
	if (r < 0)
		return r;
	*(struct sig_lease *)ret_row = lease;
	return 0;
}

static int lease_bind_key(struct sig_store *store, sqlite3_stmt *stmt, int64_t session_id,
			  int64_t start)
{
	int r = store_bind_int(store, stmt, 1, session_id);

	if (r == 0)
		r = store_bind_int(store, stmt, 2, start);
	if (r < 0)
		store_reset(stmt);
	return r;
}

int sqlite_store_lease_take(struct sig_store *store, int64_t session_id, int64_t start,
			    const char *node_id, int64_t now_ms, int64_t expires_ms,
			    struct sig_lease *ret_holder)
{
	sqlite3_stmt *take = store_stmt(store, STORE_LEASE_TAKE);
	sqlite3_stmt *holder = store_stmt(store, STORE_LEASE_HOLDER);
	struct sig_lease lease = {0};
	bool own;
	int r = store_write_begin(store, &own);

	if (r < 0)
		return r;
	/* BEGIN IMMEDIATE: one writer, so the take and the read of who holds
	 * it afterwards see the same row. */
	if ((r = lease_bind_key(store, take, session_id, start)) == 0) {
		if ((r = store_bind_text(store, take, 3, node_id)) < 0 ||
		    (r = store_bind_int(store, take, 4, now_ms)) < 0 ||
		    (r = store_bind_int(store, take, 5, expires_ms)) < 0)
			store_reset(take);
		else
			r = node_change_any(store, take);
	}
	if (r == 0 && (r = lease_bind_key(store, holder, session_id, start)) == 0)
		r = store_get(store, holder, lease_read_row, &lease);
	r = store_write_end(store, own, r);
	if (r < 0) {
		sig_lease_clear(&lease);
		return r;
	}
	*ret_holder = lease;
	return 0;
}

int sqlite_store_lease_release(struct sig_store *store, int64_t session_id, int64_t start,
			       const char *node_id)
{
	sqlite3_stmt *stmt = store_stmt(store, STORE_LEASE_RELEASE);
	int r = lease_bind_key(store, stmt, session_id, start);

	if (r == 0 && (r = store_bind_text(store, stmt, 3, node_id)) < 0)
		store_reset(stmt);
	return r < 0 ? r : store_write(store, stmt, NULL);
}
