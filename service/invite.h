/* Invite links: issuing one for a roster entry, and resolving a token to
 * (session, roster entry) or to a precise refusal. The WebSocket join and
 * the public /invite/check both resolve through here. */
#ifndef HEARTH_SERVICE_INVITE_H
#define HEARTH_SERVICE_INVITE_H

#include <jansson.h>
#include <stdbool.h>

#include "model/domain.h"
#include "service/occurrence.h"
#include "store/store.h"

enum sig_invite_refusal {
	SIG_INVITE_OK = 0,
	SIG_INVITE_UNKNOWN,	     /* no such token, or not a token at all */
	SIG_INVITE_REVOKED,	     /* revoked, or its roster entry was removed */
	SIG_INVITE_USED_UP,	     /* max_uses reached */
	SIG_INVITE_NOT_OPEN_YET,     /* before the session's window opens */
	SIG_INVITE_EXPIRED,	     /* a one-off session whose window closed */
	SIG_INVITE_ENDED,	     /* the session was ended */
	SIG_INVITE_OCCURRENCE_ENDED, /* a host ended today's occurrence; the next one opens later */
	SIG_INVITE_FAILED,	     /* the store failed */
};

struct sig_invite_resolution {
	enum sig_invite_refusal refusal;
	struct sig_invite invite;	  /* filled from SIG_INVITE_REVOKED on */
	struct sig_session session;	  /* filled for every refusal after UNKNOWN */
	struct sig_roster_entry entry;	  /* idem */
	struct sig_occurrence occurrence; /* the current or next window */
	struct sig_occurrence_view view;  /* idem, with what happened in it */
};

/* Resolves token at now. With consume, a successful resolution also records
 * the join in the current occurrence (sig_occurrence_note_join(): one use
 * of the invite per occurrence, not per join), committed before returning.
 * An invite whose uses ran out still lets its person back into an
 * occurrence it was used in.
 * Always returns the refusal; free the result with
 * sig_invite_resolution_clear(). */
enum sig_invite_refusal sig_invite_resolve(struct sig_store *store, const char *token, int64_t now,
					   bool consume, struct sig_invite_resolution *ret);
void sig_invite_resolution_clear(struct sig_invite_resolution *resolution);

/* Error code and HTTP status for a refusal ("invite_unknown", 404, ...). */
const char *sig_invite_refusal_code(enum sig_invite_refusal refusal);
int sig_invite_refusal_status(enum sig_invite_refusal refusal);
const char *sig_invite_refusal_message(enum sig_invite_refusal refusal);
/* What a refusal tells beyond its code (new reference, or NULL):
 * {"opens_at"} when the session is not open yet, or when today's
 * occurrence was ended and another opens later. */
json_t *sig_invite_refusal_extra(const struct sig_invite_resolution *res);

/* Revokes every active invite of a roster entry, with an audit row each
 * (detail {"reason": reason}), inside the caller's transaction. */
int sig_invite_revoke_entry(struct sig_store *store, int64_t session_id, int64_t entry_id,
			    int64_t now, const char *actor, const char *reason);

/* "active", "revoked" or "used_up". */
const char *sig_invite_state(const struct sig_invite *invite);

#endif
