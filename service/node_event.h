/* Events between nodes sharing one database (PostgreSQL): what a node that
 * wrote a change tells the others, so that the node where the people
 * concerned are connected applies it within a second (docs/operations.md,
 * "Several nodes"). The text is what the store keeps in node_events and
 * what every node reads back: ids only, never a name or anything else a
 * person typed, at most SIG_STORE_EVENT_BODY_MAX bytes:
 *
 *   1 ended <session>                    the session or its occurrence ended
 *   1 deleted <session>                  the session was deleted
 *   1 removed <session> <entry>          a roster entry removed or deleted
 *   1 waiting <session> <participant>    back to the waiting room
 *   1 admit <session> <participant>      admitted from the waiting room
 *   1 mute <session> <participant> <kinds> <lock>
 *
 * ids are decimal (1..2^63-1, no sign, no leading zero), a participant is
 * "p-" and 16 lowercase hex digits, kinds 1..3 (SIG_OPS_MUTE_* bits), lock
 * 0 or 1; one space between fields, nothing after. Pure functions, no
 * state. */
#ifndef HEARTH_SERVICE_NODE_EVENT_H
#define HEARTH_SERVICE_NODE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/participant_ops.h"

enum sig_node_event_kind {
	SIG_NODE_EVENT_ENDED,
	SIG_NODE_EVENT_DELETED,
	SIG_NODE_EVENT_REMOVED,
	SIG_NODE_EVENT_PARTICIPANT, /* op: to waiting, admit, mute */
};

#define SIG_NODE_EVENT_PID_LEN 18 /* "p-" + 16 hex digits */

struct sig_node_event {
	enum sig_node_event_kind kind;
	int64_t session_id;
	int64_t entry_id;				 /* REMOVED */
	char participant_id[SIG_NODE_EVENT_PID_LEN + 1]; /* PARTICIPANT */
	enum sig_participant_op op;			 /* PARTICIPANT */
	unsigned mute;					 /* SIG_PARTICIPANT_MUTE */
	bool lock;					 /* SIG_PARTICIPANT_MUTE */
};

/* The text of ev into buf (NUL-terminated): its length, or -EINVAL for an
 * event that has no text (an id out of range, a malformed participant id)
 * or -ENOSPC when buf is too small. */
int sig_node_event_encode(const struct sig_node_event *ev, char *buf, size_t len);

/* The event of the len bytes at text (need not be NUL-terminated): 0, or
 * -EINVAL for anything but a text sig_node_event_encode() makes;
 * *ret_event is untouched then. */
int sig_node_event_decode(const char *text, size_t len, struct sig_node_event *ret_event);

/* Whether text is a participant id as hearthd makes them. */
bool sig_node_event_pid_ok(const char *text, size_t len);

#endif
