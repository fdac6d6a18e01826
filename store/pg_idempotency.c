/* The admin API's idempotent answers in the PostgreSQL backend: MACs, a
 * status and sealed bytes under a lookup key, kept 24 h by the caller's
 * pruning and at most SIG_STORE_IDEMPOTENCY_ROWS_MAX rows. */
#include "store/pg_internal.h"

#include <errno.h>

static int idempotency_read_row(const PGresult *res, int row, void *ret_row)
{
	struct sig_idempotent_answer a = {0};
	int r = pg_col_hash(res, row, 0, a.request_mac);

	if (r == 0)
		r = pg_col_int(res, row, 1, &a.status);
	if (r == 0)
		r = pg_col_i64(res, row, 3, &a.created_at);
	if (r == 0)
		r = pg_col_bytes(res, row, 2, SIG_STORE_IDEMPOTENCY_SEALED_MAX, &a.sealed,
				 &a.sealed_len);
	if (r < 0)
		return r;
	*(struct sig_idempotent_answer *)ret_row = a;
	return 0;
}

int pg_store_idempotency_get(struct sig_store *store, const uint8_t lookup[CRYPTO_SHA256_BYTES],
			     int64_t not_before, struct sig_idempotent_answer *ret)
{
	struct pg_params p = {0};

	pg_param_bytes(&p, lookup, CRYPTO_SHA256_BYTES);
	pg_param_int(&p, not_before);
	return pg_get(store,
		      "SELECT request_mac, status, response, created_at FROM idempotency "
		      "WHERE lookup = $1 AND created_at >= $2",
		      &p, idempotency_read_row, ret);
}

int pg_store_idempotency_put(struct sig_store *store, const uint8_t lookup[CRYPTO_SHA256_BYTES],
			     const struct sig_idempotent_answer *answer, int64_t prune_before)
{
	struct pg_params prune = {0}, insert = {0};
	int64_t count = 0;
	bool own;
	int r;

	if (answer->status < 200 || answer->status > 299 || !answer->sealed ||
	    answer->sealed_len > SIG_STORE_IDEMPOTENCY_SEALED_MAX)
		return -EINVAL;
	r = pg_write_begin(store, &own);
	if (r < 0)
		return r;
	pg_param_int(&prune, prune_before);
	r = pg_exec(store, "DELETE FROM idempotency WHERE created_at < $1", &prune, NULL);
	if (r == 0)
		r = pg_get_int(store, "SELECT count(*) FROM idempotency", NULL, &count);
	if (r == 0 && count >= SIG_STORE_IDEMPOTENCY_ROWS_MAX)
		r = -ENOSPC;
	if (r == 0) {
		pg_param_bytes(&insert, lookup, CRYPTO_SHA256_BYTES);
		pg_param_bytes(&insert, answer->request_mac, CRYPTO_SHA256_BYTES);
		pg_param_int(&insert, answer->status);
		pg_param_bytes(&insert, answer->sealed, answer->sealed_len);
		pg_param_int(&insert, answer->created_at);
		r = pg_change(store,
			      "INSERT INTO idempotency (lookup, request_mac, status, response, "
			      "created_at) VALUES ($1, $2, $3, $4, $5)",
			      &insert, NULL);
	}
	return pg_write_end(store, own, r);
}
