/* How one log line is laid out, apart from where it goes (core/log.c):
 * the text format ("<prefix><fields>: <message>") and JSON lines
 * ({"ts","level","msg", one member per field}), with the JSON string
 * escaping both need. Pure functions on caller buffers: no allocation, no
 * I/O, so the unit tests and a fuzz target can drive them alone. */
#ifndef HEARTH_CORE_LOG_LINE_H
#define HEARTH_CORE_LOG_LINE_H

#include <stdbool.h>
#include <stddef.h>

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON = 1,
};

/* Parses "text" or "json"; returns 0 or -EINVAL (ret_format untouched). */
int log_format_parse(const char *name, enum log_format *ret_format);
const char *log_format_name(enum log_format format);

/* Appends in[0..in_len) to out as the inside of a JSON string (RFC 8259
 * §7): '"' and '\\' escaped, control characters as \n, \t, ... or
 * \u00XX, bytes that are not valid UTF-8 as \ufffd. Writes at most
 * out_cap bytes and never cuts an escape or a character in two. Returns
 * the bytes written; *ret_truncated (may be NULL) says whether some of in
 * did not fit. out is not NUL-terminated. */
size_t log_json_escape(char *out, size_t out_cap, const char *in, size_t in_len,
		       bool *ret_truncated);

/* What one line says. fields: NULL, or space-separated key=value pairs of
 * ids ("session=12 participant=p-0a1b"); a key is [A-Za-z0-9_] and not
 * "ts", "level" or "msg"; a token that is not such a pair is skipped in
 * JSON (and printed as it is in text). */
struct log_line {
	enum log_format format;
	const char *prefix;	/* text: what starts the line (timestamp and level, or
				   the journal's "<6>"); JSON: a "<6>"-style prefix or "" */
	const char *timestamp;	/* JSON's "ts" (RFC 3339, UTC) */
	const char *level_name; /* JSON's "level" */
	const char *fields;
	const char *msg;
	size_t msg_len;
};

/* Lays out one line in buf, ending in '\n' (text: control characters of
 * the fields and the message as '?', so that no line is split or forged). A line longer than cap is
 * cut (text: "..." before the newline; JSON: the message is cut and the object stays whole, with
 * "truncated":true). cap must be at least 256. Returns the length including the newline. */
size_t log_line_format(const struct log_line *line, char *buf, size_t cap);

#endif
