/* Webhook events: which audit rows become events (one table, audit kind to
 * event name), the body each event is delivered with, its signature, and
 * the retry schedule. The outbox row is written in the transaction of its
 * audit row (service/audit.c), so an event is delivered if and only if its
 * row was committed. Pure but for the random delivery id; control thread
 * or tests. */
#ifndef HEARTH_SERVICE_WEBHOOK_H
#define HEARTH_SERVICE_WEBHOOK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "model/domain.h"
#include "store/store.h"

#define SIG_WEBHOOK_ID_CHARS	      36 /* "evt_" and 32 hex digits */
#define SIG_WEBHOOK_SIGNATURE_MAX     96 /* "t=<unix>,v1=<64 hex>" and its NUL */
#define SIG_WEBHOOK_BACKOFF_MIN_MS    1000LL
#define SIG_WEBHOOK_BACKOFF_MAX_MS    (300 * 1000LL)
#define SIG_WEBHOOK_GIVE_UP_MS	      (24 * 3600 * 1000LL) /* after the event */
#define SIG_WEBHOOK_KEEP_DELIVERED_MS (24 * 3600 * 1000LL)

/* The event an audit row of this kind and detail (may be NULL) is
 * delivered as ("participant.joined", ...), or NULL for none. */
const char *sig_webhook_event_of(enum sig_audit_kind kind, const json_t *detail);

/* The outbox row for an audit row about to be appended (its id is not
 * known yet): a new delivery id and the body, due at once. Returns 0,
 * -ENOENT when the kind is no event, -EIO when the random generator
 * fails. ret_row untouched on failure; caller clears it. */
int sig_webhook_outbox_row(const struct sig_audit_event *event, const json_t *detail,
			   struct sig_outbox_row *ret_row);

/* The Hearth-Signature header's value for body sent at Unix time t:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". Returns 0 or -EIO. */
int sig_webhook_sign(const char *secret, int64_t t, const char *body, size_t body_len,
		     char ret_header[SIG_WEBHOOK_SIGNATURE_MAX]);

/* How long to wait after the attempts-th failed try (1, 2, ...): 1 s
 * doubling to at most 5 min. */
int64_t sig_webhook_backoff_ms(int attempts);

#endif
