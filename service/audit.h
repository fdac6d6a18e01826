/* Writing the audit log from the control plane: one row per access event,
 * in the caller's transaction or its own. */
#ifndef HEARTH_SERVICE_AUDIT_H
#define HEARTH_SERVICE_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "model/domain.h"
#include "store/store.h"

/* Appends one row (takes detail, which may be NULL: "{}"). actor is
 * "api-key:<name>", "admin-socket", "roster:<id>" or "system". */
int sig_audit_record(struct sig_store *store, const char *actor, enum sig_audit_kind kind,
		     int64_t session_id, int64_t roster_entry_id, int64_t invite_id,
		     json_t *detail);

/* {"participant": participant_id} plus extra's fields (extra taken, may be
 * NULL; never personal data), or extra alone when participant_id is
 * NULL. */
json_t *sig_audit_participant_detail(const char *participant_id, json_t *extra);

/* A row about a participant, in a transaction of its own: detail as
 * sig_audit_participant_detail() makes it. A failure is logged with the
 * session and participant ids (there is nothing to roll back). */
void sig_audit_participant(struct sig_store *store, const char *actor, enum sig_audit_kind kind,
			   int64_t session_id, int64_t roster_entry_id, const char *participant_id,
			   json_t *extra);

#endif
