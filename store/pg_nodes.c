/* Nodes and leases in the PostgreSQL backend: each node's row and
 * heartbeat, and the lease that homes an open occurrence on one node,
 * taken in one statement (autocommit, or inside the caller's group) so
 * that two nodes racing for it agree. */
#include "store/pg_internal.h"

#include <errno.h>
#include <string.h>

int pg_store_node_beat(struct sig_store *store, const struct sig_node *node, int64_t lease_until_ms)
{
	struct pg_params put = {0}, renew = {0};
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	pg_param_text(&put, node->id);
	pg_param_text(&put, node->public_url);
	pg_param_text(&put, node->media ? node->media : "");
	pg_param_int(&put, node->load);
	pg_param_int(&put, node->heartbeat_ms);
	r = pg_exec(store,
		    "INSERT INTO nodes (id, public_url, media, load, heartbeat_ms) "
		    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET "
		    "public_url = $2, media = $3, load = $4, heartbeat_ms = $5",
		    &put, NULL);
	pg_param_text(&renew, node->id);
	pg_param_int(&renew, lease_until_ms);
	if (r == 0)
		r = pg_exec(store, "UPDATE leases SET expires_ms = $2 WHERE node_id = $1", &renew,
			    NULL);
	return pg_write_end(store, own, r);
}

int pg_store_node_leave(struct sig_store *store, const char *node_id)
{
	struct pg_params p = {0};
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	pg_param_text(&p, node_id);
	r = pg_exec(store, "DELETE FROM leases WHERE node_id = $1", &p, NULL);
	if (r == 0)
		r = pg_exec(store, "DELETE FROM nodes WHERE id = $1", &p, NULL);
	return pg_write_end(store, own, r);
}

/* A node id column into id (SIG_NODE_ID_MAX + 1 bytes). */
static int pg_col_node_id(const PGresult *res, int row, int col, char *id)
{
	int len = PQgetlength(res, row, col);

	if (PQgetisnull(res, row, col) || len < 1 || len > SIG_NODE_ID_MAX)
		return -EIO;
	memcpy(id, PQgetvalue(res, row, col), (size_t)len);
	id[len] = '\0';
	return 0;
}

static int node_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_node node = {0};
	int r = pg_col_node_id(res, row, 0, node.id);

	if (r == 0)
		r = pg_col_text(res, row, 1, SIG_NODE_URL_MAX, &node.public_url);
	if (r == 0)
		r = pg_col_text(res, row, 2, SIG_NODE_MEDIA_MAX, &node.media);
	if (r == 0)
		r = pg_col_int(res, row, 3, &node.load);
	if (r == 0)
		r = pg_col_i64(res, row, 4, &node.heartbeat_ms);
	if (r < 0) {
		sig_node_clear(&node);
		return r;
	}
	*(struct sig_node *)ret_row = node;
	return 0;
}

int pg_store_node_list(struct sig_store *store, int64_t alive_since_ms, int limit, GArray *ret_rows)
{
	struct pg_params p = {0};
	int r = pg_list_check(ret_rows, sizeof(struct sig_node), limit);

	if (r < 0)
		return r;
	pg_param_int(&p, alive_since_ms);
	pg_param_int(&p, limit);
	return pg_list(store,
		       "SELECT id, public_url, media, load, heartbeat_ms FROM nodes "
		       "WHERE heartbeat_ms >= $1 ORDER BY id LIMIT $2",
		       &p, node_read_row, sizeof(struct sig_node), (GDestroyNotify)sig_node_clear,
		       ret_rows);
}

static int lease_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_lease lease = {0};
	int r = pg_col_node_id(res, row, 0, lease.node_id);

	if (r == 0)
		r = pg_col_i64(res, row, 2, &lease.expires_ms);
	if (r == 0)
		r = pg_col_text(res, row, 1, SIG_NODE_URL_MAX, &lease.public_url);
	if (r < 0)
		return r;
	*(struct sig_lease *)ret_row = lease;
	return 0;
}

/* One statement: inserted, renewed by its holder or taken over once
 * expired (ON CONFLICT locks the row and checks the condition on its
 * newest version); else the holder as the statement's snapshot has it. */
#define PG_LEASE_TAKE                                                                              \
	"WITH taken AS (INSERT INTO leases (session_id, occurrence_start, node_id, expires_ms) "   \
	"VALUES ($1, $2, $3, $5) ON CONFLICT (session_id, occurrence_start) DO UPDATE SET "        \
	"node_id = EXCLUDED.node_id, expires_ms = EXCLUDED.expires_ms "                            \
	"WHERE leases.node_id = EXCLUDED.node_id OR leases.expires_ms < $4 "                       \
	"RETURNING node_id, expires_ms), "                                                         \
	"holder AS (SELECT node_id, expires_ms FROM taken UNION ALL "                              \
	"SELECT node_id, expires_ms FROM leases WHERE session_id = $1 AND occurrence_start = $2 "  \
	"AND NOT EXISTS (SELECT 1 FROM taken)) "                                                   \
	"SELECT h.node_id, coalesce(n.public_url, ''), h.expires_ms "                              \
	"FROM holder h LEFT JOIN nodes n ON n.id = h.node_id"

int pg_store_lease_take(struct sig_store *store, int64_t session_id, int64_t start,
			const char *node_id, int64_t now_ms, int64_t expires_ms,
			struct sig_lease *ret_holder)
{
	struct pg_params p = {0};
	struct sig_lease lease = {0};
	int r = 0;

	pg_param_int(&p, session_id);
	pg_param_int(&p, start);
	pg_param_text(&p, node_id);
	pg_param_int(&p, now_ms);
	pg_param_int(&p, expires_ms);
	/* No row: another node's insert committed after this statement's
	 * snapshot was taken, and kept its lease; the next statement sees
	 * it. */
	for (int attempt = 0; attempt < 2; attempt++) {
		PGresult *res = NULL;

		r = pg_exec(store, PG_LEASE_TAKE, &p, &res); /* -ENOENT: no such session */
		if (r == 0 && PQntuples(res) == 1)
			r = lease_read_row(res, 0, &lease);
		else if (r == 0)
			r = -EAGAIN;
		PQclear(res);
		if (r != -EAGAIN)
			break;
	}
	if (r < 0)
		return r;
	*ret_holder = lease;
	return 0;
}

int pg_store_lease_release(struct sig_store *store, int64_t session_id, int64_t start,
			   const char *node_id)
{
	struct pg_params p = {0};

	pg_param_int(&p, session_id);
	pg_param_int(&p, start);
	pg_param_text(&p, node_id);
	return pg_write(store,
			"DELETE FROM leases WHERE session_id = $1 AND occurrence_start = $2 "
			"AND node_id = $3",
			&p, NULL);
}
