/* Occurrences as both protocols see them: which occurrence of a session a
 * join now would be in, whether a host ended it, which opens next; and
 * what a join records in one (its first join, the invite's use counted
 * once per occurrence, the "nearly used up" warning).
 *
 * An occurrence is named by its scheduled start (schedule.h computes it);
 * the store keeps what happened in it (struct sig_occurrence_record), so
 * an ended occurrence stays ended across restarts. Control thread only. */
#ifndef HEARTH_SERVICE_OCCURRENCE_H
#define HEARTH_SERVICE_OCCURRENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/domain.h"
#include "store/store.h"

#define SIG_OCCURRENCES_LIST_MAX 50 /* recorded occurrences one list shows at most */

enum sig_occurrence_state {
	SIG_OCCURRENCE_OPEN = 0,      /* now is in an occurrence's window, not ended */
	SIG_OCCURRENCE_ENDED,	      /* now is in the window of an occurrence a host ended */
	SIG_OCCURRENCE_NOT_OPEN_YET,  /* between occurrences */
	SIG_OCCURRENCE_OVER,	      /* no occurrence opens after now (a one-off passed) */
	SIG_OCCURRENCE_SESSION_ENDED, /* the session (the whole series) ended */
};

struct sig_occurrence_view {
	enum sig_occurrence_state state;
	/* What sig_schedule_at() gives at now: the occurrence whose window
	 * contains now, else the next (for a passed one-off, its last). */
	struct sig_occurrence occurrence;
	struct sig_occurrence_record record; /* what happened in it (zeros: nothing) */
	/* The occurrence a join could be in next: occurrence itself when open
	 * or not open yet, the one after it when it was ended. */
	bool has_next;
	struct sig_occurrence next;
};

/* The session's occurrences at now. Returns 0 or a store error. */
int sig_occurrence_view(struct sig_store *store, const struct sig_session *session, int64_t now,
			struct sig_occurrence_view *ret_view);

/* Inside the caller's transaction: a join with invite in the occurrence
 * starting at start, at now, by actor ("roster:<id>"). The occurrence's
 * first join writes occurrence_started; the invite's first join in this
 * occurrence counts one use (invite updated: uses, last_used_at), and a
 * use that leaves it nearly used up writes invite_low (once per invite).
 * A rejoin in the same occurrence only moves last_used_at. -EDQUOT: the
 * invite was used up meanwhile (by another node; nothing recorded). */
int sig_occurrence_note_join(struct sig_store *store, struct sig_invite *invite, int64_t start,
			     int64_t now, const char *actor);

/* {"occurrence": "<start, RFC 3339>"} plus extra's fields (extra taken,
 * may be NULL): how audit rows name an occurrence. */
json_t *sig_occurrence_detail(int64_t start, json_t *extra);

/* "open", "ended", "not_open_yet", "over", "session_ended". */
const char *sig_occurrence_state_name(enum sig_occurrence_state state);

#endif
