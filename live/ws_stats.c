/* The client protocol's figures for /metrics: WebSocket connections open
 * (counted in ws.c) and joins by outcome (counted here, around
 * sig_ws_on_join, from what it answered). */
#include <string.h>

#include "live/room.h"
#include "live/ws.h"
#include "live/ws_internal.h"

/* docs/protocol.md, "Errors": the codes a join can be refused with. */
static const char *const sig_join_outcomes[] = {
    "ok",
    "waiting",
    "invite_unknown",
    "invite_revoked",
    "invite_used_up",
    "invite_expired",
    "session_not_open_yet",
    "occurrence_ended",
    "session_ended",
    "session_full",
    "server_restarting",
    "wrong_node",
    "rate_limited",
    "bad_message",
    "forbidden",
    "unsupported_version",
    "already_joined",
    "internal",
    "other", /* last */
};
_Static_assert(sizeof(sig_join_outcomes) / sizeof(sig_join_outcomes[0]) == SIG_JOIN_OUTCOMES,
	       "SIG_JOIN_OUTCOMES counts the outcomes");

const char *sig_join_outcome_name(unsigned outcome)
{
	return outcome < SIG_JOIN_OUTCOMES ? sig_join_outcomes[outcome] : "other";
}

unsigned sig_join_outcome_of(const char *code)
{
	for (unsigned i = 0; code && i < SIG_JOIN_OUTCOMES; i++)
		if (strcmp(code, sig_join_outcomes[i]) == 0)
			return i;
	return SIG_JOIN_OUTCOMES - 1;
}

void sig_ws_on_join_counted(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_ws *ws = conn->ws;
	bool joined_before = conn->member != NULL; /* refused: already_joined */
	const char *outcome;

	conn->last_error = NULL;
	sig_ws_on_join(conn, msg, id); /* a refusal closes conn later, never now */
	if (conn->member && !joined_before)
		outcome = conn->member->waiting ? "waiting" : "ok";
	else
		outcome = conn->last_error;
	ws->stats.joins[sig_join_outcome_of(outcome)]++;
}

void sig_ws_stats(const struct sig_ws *ws, struct sig_ws_stats *ret_stats)
{
	*ret_stats = ws->stats;
}
