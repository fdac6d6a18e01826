/* Invite links: issuing one for a roster entry, and resolving a token to
 * (session, roster entry) or to a precise refusal. The WebSocket join and
 * the public /invite/check both resolve through here. */
#ifndef HEARTH_SERVICE_INVITE_H
#define HEARTH_SERVICE_INVITE_H

#include <stdbool.h>

#include "model/domain.h"
#include "store/store.h"

enum sig_invite_refusal {
	SIG_INVITE_OK = 0,
	SIG_INVITE_UNKNOWN,	 /* no such token, or not a token at all */
	SIG_INVITE_REVOKED,	 /* revoked, or its roster entry was removed */
	SIG_INVITE_USED_UP,	 /* max_uses reached */
	SIG_INVITE_NOT_OPEN_YET, /* before the session's window opens */
	SIG_INVITE_EXPIRED,	 /* a one-off session whose window closed */
	SIG_INVITE_ENDED,	 /* the session was ended */
	SIG_INVITE_FAILED,	 /* the store failed */
};

struct sig_invite_resolution {
	enum sig_invite_refusal refusal;
	struct sig_invite invite;	  /* filled from SIG_INVITE_REVOKED on */
	struct sig_session session;	  /* filled for every refusal after UNKNOWN */
	struct sig_roster_entry entry;	  /* idem */
	struct sig_occurrence occurrence; /* the current or next window */
};

/* Resolves token at now. With consume, a successful resolution also counts
 * one use of the invite (and its last_used_at), committed before returning.
 * Always returns the refusal; free the result with
 * sig_invite_resolution_clear(). */
enum sig_invite_refusal sig_invite_resolve(struct sig_store *store, const char *token, int64_t now,
					   bool consume, struct sig_invite_resolution *ret);
void sig_invite_resolution_clear(struct sig_invite_resolution *resolution);

/* Error code and HTTP status for a refusal ("invite_unknown", 404, ...). */
const char *sig_invite_refusal_code(enum sig_invite_refusal refusal);
int sig_invite_refusal_status(enum sig_invite_refusal refusal);
const char *sig_invite_refusal_message(enum sig_invite_refusal refusal);

/* Revokes every active invite of a roster entry, with an audit row each
 * (detail {"reason": reason}), inside the caller's transaction. */
int sig_invite_revoke_entry(struct sig_store *store, int64_t session_id, int64_t entry_id,
			    int64_t now, const char *actor, const char *reason);

/* "active", "revoked" or "used_up". */
const char *sig_invite_state(const struct sig_invite *invite);

#endif
