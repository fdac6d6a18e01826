/* The PostgreSQL backend's statement toolkit: errors mapped to errno codes, parameters and columns,
 * one-statement writes, gets and lists, and the transactions (a write's
 * own, or a savepoint inside the caller's group, as sqlite_stmt.c) (see
 * pg_internal.h). */
#include "store/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* ---- parameters ---- */

void pg_param_int(struct pg_params *p, int64_t value)
{
	g_assert(p->n < PG_PARAMS_MAX);
	snprintf(p->ints[p->n], sizeof(p->ints[p->n]), "%" PRId64, value);
	p->values[p->n] = p->ints[p->n];
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

void pg_param_text(struct pg_params *p, const char *text)
{
	g_assert(p->n < PG_PARAMS_MAX);
	p->values[p->n] = text;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

void pg_param_bytes(struct pg_params *p, const void *data, size_t len)
{
	g_assert(p->n < PG_PARAMS_MAX && len <= INT_MAX);
	p->values[p->n] = data;
	p->lengths[p->n] = (int)len;
	p->formats[p->n] = 1;
	p->n++;
}

/* ---- statements and errors ---- */

static int pg_fail(const PGresult *res, PGconn *conn, const char *sql)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	/* The primary message names tables and constraints; the detail,
	 * which may quote a row, is never logged. */
	log_debug("store: %.40s...: %s (%s)", sql, message ? message : PQerrorMessage(conn),
		  state ? state : "no SQLSTATE");
	if (!state)
		return -EIO;
	if (strcmp(state, "23503") == 0)
		return -ENOENT;
	if (strcmp(state, "23505") == 0)
		return -EEXIST;
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 ||
	    strncmp(state, "22", 2) == 0)
		return -EINVAL;
	return -EIO;
}

static PGresult *pg_run(PGconn *conn, const char *sql, const struct pg_params *p)
{
	if (!p)
		return PQexec(conn, sql); /* no parameters: may be several statements */
	return PQexecParams(conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
}

int pg_exec(struct sig_store *store, const char *sql, const struct pg_params *p, PGresult **ret_res)
{
	struct pg_store *pg = store->pg;

	for (int attempt = 0;; attempt++) {
		PGresult *res = NULL;
		ExecStatusType status;
		int r;

		if (PQstatus(pg->conn) == CONNECTION_OK)
			res = pg_run(pg->conn, sql, p);
		status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
			if (ret_res)
				*ret_res = res;
			else
				PQclear(res);
			return 0;
		}
		/* A lost connection outside a transaction: reset it and try
		 * once more. Inside one, the transaction is gone: fail. */
		if (PQstatus(pg->conn) == CONNECTION_BAD && !pg->tx_open && attempt == 0) {
			PQclear(res);
			log_info("store: the connection to PostgreSQL was lost; reconnecting");
			PQreset(pg->conn);
			continue;
		}
		r = pg_fail(res, pg->conn, sql);
		PQclear(res);
		return r;
	}
}

static int64_t pg_changed(const PGresult *res)
{
	const char *tuples = PQcmdTuples((PGresult *)res);

	return tuples && *tuples ? g_ascii_strtoll(tuples, NULL, 10) : 0;
}

int pg_change(struct sig_store *store, const char *sql, const struct pg_params *p,
	      int64_t *ret_changed)
{
	PGresult *res = NULL;
	int64_t changed;
	int r = pg_exec(store, sql, p, &res);

	if (r < 0)
		return r;
	changed = pg_changed(res);
	PQclear(res);
	if (ret_changed)
		*ret_changed = changed;
	return changed > 0 ? 0 : -ENOENT;
}

int pg_write(struct sig_store *store, const char *sql, const struct pg_params *p, int64_t *ret_id)
{
	PGresult *res = NULL;
	int64_t id = 0;
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	r = pg_exec(store, sql, p, &res);
	if (r == 0 && pg_changed(res) == 0)
		r = -ENOENT;
	if (r == 0 && ret_id)
		r = pg_col_i64(res, 0, 0, &id);
	PQclear(res);
	r = pg_write_end(store, own, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int pg_write_changed(struct sig_store *store, const char *sql, const struct pg_params *p,
		     bool *ret_changed)
{
	PGresult *res = NULL;
	int64_t changed = 0;
	bool own;
	int r = pg_write_begin(store, &own);

	if (r < 0)
		return r;
	/* An ignored conflict changes no row, which is no error here. */
	r = pg_exec(store, sql, p, &res);
	if (r == 0)
		changed = pg_changed(res);
	PQclear(res);
	r = pg_write_end(store, own, r);
	if (r == 0)
		*ret_changed = changed > 0;
	return r;
}

int pg_get(struct sig_store *store, const char *sql, const struct pg_params *p, pg_row_fn read_row,
	   void *ret_row)
{
	PGresult *res = NULL;
	int r = pg_exec(store, sql, p, &res);

	if (r < 0)
		return r;
	r = PQntuples(res) > 0 ? read_row(res, 0, ret_row) : -ENOENT;
	PQclear(res);
	return r;
}

int pg_list_check(GArray *ret_rows, size_t row_size, int limit)
{
	g_assert(ret_rows && g_array_get_element_size(ret_rows) == row_size);
	return limit >= 1 && limit <= SIG_STORE_LIST_MAX ? 0 : -EINVAL;
}

int pg_list(struct sig_store *store, const char *sql, const struct pg_params *p, pg_row_fn read_row,
	    size_t row_size, GDestroyNotify clear, GArray *ret_rows)
{
	PGresult *res = NULL;
	GArray *tmp;
	int r = pg_exec(store, sql, p, &res);
	int n;

	if (r < 0)
		return r;
	n = PQntuples(res);
	/* Rows collect in tmp, so ret_rows is untouched on failure. */
	tmp = g_array_sized_new(FALSE, TRUE, (guint)row_size, (guint)n);
	g_array_set_clear_func(tmp, clear);
	for (int i = 0; i < n && r == 0; i++) {
		g_array_set_size(tmp, tmp->len + 1);
		r = read_row(res, i, tmp->data + (gsize)(tmp->len - 1) * row_size);
		if (r < 0)
			g_array_set_size(tmp, tmp->len - 1); /* nothing to clear */
	}
	PQclear(res);
	if (r == 0) {
		g_array_append_vals(ret_rows, tmp->data, tmp->len);
		g_array_set_clear_func(tmp, NULL); /* ret_rows owns the strings now */
	}
	g_array_free(tmp, TRUE);
	return r;
}

int pg_get_int(struct sig_store *store, const char *sql, const struct pg_params *p,
	       int64_t *ret_value)
{
	PGresult *res = NULL;
	int r = pg_exec(store, sql, p, &res);

	if (r < 0)
		return r;
	r = PQntuples(res) > 0 ? pg_col_i64(res, 0, 0, ret_value) : -EIO;
	PQclear(res);
	return r;
}

/* ---- columns ---- */

int pg_col_i64(const PGresult *res, int row, int col, int64_t *ret_value)
{
	const char *text = PQgetvalue(res, row, col);
	char *end = NULL;
	gint64 v;

	if (PQgetisnull(res, row, col) || !*text)
		return -EIO;
	errno = 0;
	v = g_ascii_strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0') {
		log_debug("store: column %d is not an integer", col);
		return -EIO;
	}
	*ret_value = v;
	return 0;
}

int pg_col_int(const PGresult *res, int row, int col, int *ret_value)
{
	int64_t v = 0;
	int r = pg_col_i64(res, row, col, &v);

	if (r < 0)
		return r;
	if (v < INT_MIN || v > INT_MAX) {
		log_debug("store: column %d is out of range", col);
		return -EIO;
	}
	*ret_value = (int)v;
	return 0;
}

int pg_col_text(const PGresult *res, int row, int col, size_t max, char **ret_text)
{
	int len = PQgetlength(res, row, col);

	if (PQgetisnull(res, row, col) || len < 0 || (size_t)len > max) {
		log_debug("store: column %d is missing or too long", col);
		return -EIO;
	}
	*ret_text = g_strndup(PQgetvalue(res, row, col), (gsize)len);
	return 0;
}

int pg_col_opt_text(const PGresult *res, int row, int col, size_t max, char **ret_text)
{
	if (PQgetisnull(res, row, col)) {
		*ret_text = NULL;
		return 0;
	}
	return pg_col_text(res, row, col, max, ret_text);
}

const char *pg_col_name(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

/* bytea in text form is "\x" and two hex digits a byte. */
static int pg_col_hex(const PGresult *res, int row, int col, size_t max, uint8_t *out,
		      size_t *ret_len)
{
	const char *text = PQgetvalue(res, row, col);
	int len = PQgetlength(res, row, col);
	size_t n;

	if (PQgetisnull(res, row, col) || len < 2 || text[0] != '\\' || text[1] != 'x' ||
	    (len - 2) % 2 != 0 || (size_t)(len - 2) / 2 > max)
		return -EIO;
	n = (size_t)(len - 2) / 2;
	for (size_t i = 0; i < n; i++) {
		int hi = g_ascii_xdigit_value(text[2 + 2 * i]);
		int lo = g_ascii_xdigit_value(text[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -EIO;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*ret_len = n;
	return 0;
}

int pg_col_hash(const PGresult *res, int row, int col, uint8_t ret_hash[CRYPTO_SHA256_BYTES])
{
	uint8_t hash[CRYPTO_SHA256_BYTES];
	size_t len = 0;

	if (pg_col_hex(res, row, col, sizeof(hash), hash, &len) < 0 || len != sizeof(hash)) {
		log_debug("store: column %d is not a 32-byte hash", col);
		return -EIO;
	}
	memcpy(ret_hash, hash, sizeof(hash));
	return 0;
}

int pg_col_bytes(const PGresult *res, int row, int col, size_t max, uint8_t **ret_data,
		 size_t *ret_len)
{
	uint8_t *data = g_malloc(max ? max : 1);
	size_t len = 0;

	if (pg_col_hex(res, row, col, max, data, &len) < 0 || len == 0) {
		g_free(data);
		return -EIO;
	}
	*ret_data = g_realloc(data, len);
	*ret_len = len;
	return 0;
}

/* ---- transactions ---- */

static int pg_run_tx(struct sig_store *store, const char *sql)
{
	return pg_exec(store, sql, NULL, NULL);
}

/* The open transaction failed (a statement outside a savepoint): PostgreSQL
 * refuses everything until it is rolled back. */
static bool pg_tx_failed(const struct sig_store *store)
{
	PGTransactionStatusType status = PQtransactionStatus(store->pg->conn);

	return status != PQTRANS_INTRANS;
}

int pg_write_begin(struct sig_store *store, bool *ret_own)
{
	bool own = !store->in_transaction;
	int r;

	/* The caller's group is lost (an error, or the connection): a write
	 * must not commit alone. */
	if (!own && pg_tx_failed(store)) {
		log_debug("store: the caller's transaction failed");
		return -EIO;
	}
	r = pg_run_tx(store, own ? "BEGIN" : "SAVEPOINT store_write");
	if (r < 0)
		return r;
	store->pg->tx_open = true;
	*ret_own = own;
	return 0;
}

static void pg_abort(struct sig_store *store, bool own)
{
	if (own) {
		if (PQtransactionStatus(store->pg->conn) != PQTRANS_IDLE)
			(void)pg_run_tx(store, "ROLLBACK");
		store->pg->tx_open = false;
		return;
	}
	/* Undo this write only; the caller's transaction stays open. */
	(void)pg_run_tx(store, "ROLLBACK TO SAVEPOINT store_write");
	(void)pg_run_tx(store, "RELEASE SAVEPOINT store_write");
}

int pg_write_end(struct sig_store *store, bool own, int r)
{
	if (r == 0 && own && pg_tx_failed(store))
		r = -EIO; /* COMMIT would roll back and say so only in its tag */
	if (r == 0) {
		r = pg_run_tx(store, own ? "COMMIT" : "RELEASE SAVEPOINT store_write");
		if (r == 0) {
			if (own)
				store->pg->tx_open = false;
			return 0;
		}
	}
	pg_abort(store, own);
	return r;
}

int pg_read_begin(struct sig_store *store, bool *ret_own)
{
	bool own = !store->pg->tx_open;
	int r = own ? pg_run_tx(store, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") : 0;

	if (r < 0)
		return r;
	if (own)
		store->pg->tx_open = true;
	*ret_own = own;
	return 0;
}

void pg_read_end(struct sig_store *store, bool own)
{
	if (!own)
		return;
	(void)pg_run_tx(store, "COMMIT");
	store->pg->tx_open = false;
}

int pg_store_begin(struct sig_store *store)
{
	int r;

	if (store->in_transaction || store->pg->tx_open)
		return -EBUSY;
	r = pg_run_tx(store, "BEGIN");
	if (r < 0)
		return r;
	store->pg->tx_open = true;
	store->in_transaction = true;
	return 0;
}

int pg_store_commit(struct sig_store *store)
{
	int r;

	if (!store->in_transaction)
		return -EINVAL;
	store->in_transaction = false;
	if (pg_tx_failed(store)) {
		log_debug("store: commit: the transaction had failed");
		pg_abort(store, true);
		return -EIO;
	}
	r = pg_run_tx(store, "COMMIT");
	if (r < 0)
		pg_abort(store, true);
	store->pg->tx_open = false;
	return r;
}

void pg_store_rollback(struct sig_store *store)
{
	store->in_transaction = false;
	if (store->pg->tx_open)
		pg_abort(store, true);
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    STORE_OPS(STORE_OP_INIT_PG).rollback = pg_store_rollback,
    .close = pg_store_close,
};
