/* The audit log's verification, shared by the backends (audit_walk.h):
 * each row against the chain so far, then the recorded head against the
 * last row. */
#include "store/audit_walk.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int store_audit_breakf(struct store_audit_walk *walk, int64_t bad_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	walk->bad_id = bad_id;
	walk->problem = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int store_audit_check_row(struct store_audit_walk *walk, const struct sig_audit_event *ev)
{
	const long long id = ev->id, expected = walk->last_id + 1;
	uint8_t hash[CRYPTO_SHA256_BYTES];

	if (id != expected && expected == 1)
		return store_audit_breakf(walk, 1, "row 1 is missing (the log starts at row %lld)",
					  id);
	if (id != expected)
		return store_audit_breakf(walk, expected,
					  "row %lld is missing (row %lld follows row %lld)",
					  expected, id, expected - 1);
	if (memcmp(ev->prev_hash, walk->last_hash, CRYPTO_SHA256_BYTES) != 0 && id == 1)
		return store_audit_breakf(walk, 1, "row 1: its previous-row hash is not zero");
	if (memcmp(ev->prev_hash, walk->last_hash, CRYPTO_SHA256_BYTES) != 0)
		return store_audit_breakf(walk, id,
					  "row %lld: its previous-row hash does not match row %lld",
					  id, id - 1);
	sig_audit_hash(ev, hash);
	if (memcmp(hash, ev->hash, CRYPTO_SHA256_BYTES) != 0)
		return store_audit_breakf(walk, id, "row %lld: hash does not match its contents",
					  id);
	walk->rows++;
	walk->last_id = ev->id;
	memcpy(walk->last_hash, ev->hash, CRYPTO_SHA256_BYTES);
	return 0;
}

int store_audit_check_head(struct store_audit_walk *walk, int read_r, int64_t head_id,
			   const uint8_t head_hash[CRYPTO_SHA256_BYTES])
{
	const long long last = walk->last_id, head = head_id;

	if (read_r == -ENOENT || read_r == -EBADMSG)
		return store_audit_breakf(walk, last + 1,
					  "the log's head record is missing or malformed");
	if (read_r < 0)
		return read_r;
	if (head > last && last == 0)
		return store_audit_breakf(walk, 1, "the log is empty but its head records row %lld",
					  head);
	if (head > last)
		return store_audit_breakf(walk, last + 1,
					  "the log ends at row %lld but its head records row %lld",
					  last, head);
	if (head < last)
		return store_audit_breakf(
		    walk, head + 1,
		    "the log's head records row %lld but the log goes on to row %lld", head, last);
	if (memcmp(head_hash, walk->last_hash, CRYPTO_SHA256_BYTES) == 0)
		return 0;
	if (last == 0)
		return store_audit_breakf(walk, 1, "the log is empty but its head records a hash");
	return store_audit_breakf(walk, last, "row %lld: hash does not match the log's head", last);
}

int store_audit_walk_end(struct store_audit_walk *walk, int r, int64_t *ret_rows,
			 int64_t *ret_first_bad_id, char **ret_problem)
{
	if (r == -EBADMSG) {
		*ret_first_bad_id = walk->bad_id;
		*ret_problem = walk->problem;
		return r;
	}
	g_free(walk->problem);
	if (r < 0)
		return r;
	*ret_rows = walk->rows;
	return 0;
}
