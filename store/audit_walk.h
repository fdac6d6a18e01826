/* Private to store/: the audit log's verification, shared by the
 * backends: each walks its rows in id order through
 * store_audit_check_row(), then checks the recorded head with
 * store_audit_check_head(). */
#ifndef HEARTH_STORE_AUDIT_WALK_H
#define HEARTH_STORE_AUDIT_WALK_H

#include <glib.h>
#include <stdint.h>

#include "model/domain.h"

/* The state of a walk along the chain, and the first break found. */
struct store_audit_walk {
	int64_t rows;
	int64_t last_id; /* 0 before the first row */
	uint8_t last_hash[CRYPTO_SHA256_BYTES];
	int64_t bad_id;
	char *problem; /* owned; set with the first break */
};

/* Records the first break; returns -EBADMSG. */
int store_audit_breakf(struct store_audit_walk *walk, int64_t bad_id, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Checks the next row against the chain so far: 0 or -EBADMSG. */
int store_audit_check_row(struct store_audit_walk *walk, const struct sig_audit_event *ev);
/* Checks the head's reading (read_r: 0, -ENOENT or -EBADMSG for a head
 * missing or malformed, or another error returned as is) against the last
 * row walked. */
int store_audit_check_head(struct store_audit_walk *walk, int read_r, int64_t head_id,
			   const uint8_t head_hash[CRYPTO_SHA256_BYTES]);
/* Ends a walk that returned r: -EBADMSG hands the break to the caller's
 * ret_first_bad_id and ret_problem, 0 the row count to ret_rows. */
int store_audit_walk_end(struct store_audit_walk *walk, int r, int64_t *ret_rows,
			 int64_t *ret_first_bad_id, char **ret_problem);

#endif
