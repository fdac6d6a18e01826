/* The "subscribe.hint" message (docs/protocol.md, "Visibility hints"):
 * how a subscriber's client shows each video it receives. Parsing and
 * checking alone, pure (no connection, no media state): live/media.c
 * matches the mids to the subscriber's m-lines and tells the worker. */
#ifndef HEARTH_LIVE_HINT_H
#define HEARTH_LIVE_HINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define SIG_HINT_MAX_STREAMS 48	   /* entries in one message: a subscribe connection's m-lines */
#define SIG_HINT_SIZE_MAX    16384 /* pixels, each way */
#define SIG_HINT_MID_MAX     15	   /* bytes; RFC 8843 §5 allows 16 */

struct sig_hint_entry {
	char mid[SIG_HINT_MID_MAX + 1];
	bool visible;
	uint16_t width, height; /* rendered size in device pixels; 0: not known */
};

struct sig_hint {
	unsigned count;
	struct sig_hint_entry entries[SIG_HINT_MAX_STREAMS];
};

/* The "streams" of a hint message into ret, at most max_entries of them
 * (and never more than SIG_HINT_MAX_STREAMS). Returns 0, or -EINVAL with
 * ret_problem (caller frees) saying what is wrong, for a "bad_message"
 * error: no array, too many entries, an entry that is not an object, a
 * mid that is not a string of 1..SIG_HINT_MID_MAX bytes or comes twice,
 * "visible" not a boolean, a width or height not an integer 0..
 * SIG_HINT_SIZE_MAX. ret is filled only on success. */
int sig_hint_parse(const json_t *msg, unsigned max_entries, struct sig_hint *ret,
		   char **ret_problem);

#endif
