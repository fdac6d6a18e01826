#include "core/log_line.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const format_names[] = {"text", "json"};

int log_format_parse(const char *name, enum log_format *ret_format)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*ret_format = (enum log_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_format_name(enum log_format format)
{
	if ((unsigned)format >= sizeof(format_names) / sizeof(format_names[0]))
		return "unknown";
	return format_names[format];
}

/* The length of the valid UTF-8 sequence at s (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when it is not one. */
static size_t log_utf8_length(const unsigned char *s, size_t left)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

size_t log_json_escape(char *out, size_t out_cap, const char *in, size_t in_len,
		       bool *ret_truncated)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t off = 0, i = 0;

	while (i < in_len) {
		char esc[8];
		const char *piece = esc;
		size_t piece_len, used = 1;
		unsigned char b = s[i];

		if (b == '"' || b == '\\') {
			esc[0] = '\\';
			esc[1] = (char)b;
			piece_len = 2;
		} else if (b < 0x20 || b == 0x7f) {
			const char *named = b == '\n'	? "\\n"
					    : b == '\r' ? "\\r"
					    : b == '\t' ? "\\t"
					    : b == '\b' ? "\\b"
					    : b == '\f' ? "\\f"
							: NULL;
			if (named) {
				piece = named;
				piece_len = 2;
			} else {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[b >> 4];
				esc[5] = hex[b & 0xf];
				piece_len = 6;
			}
		} else if (b < 0x80) {
			piece = (const char *)s + i;
			piece_len = 1;
		} else {
			used = log_utf8_length(s + i, in_len - i);
			if (used) {
				piece = (const char *)s + i;
				piece_len = used;
			} else {
				piece = "\\ufffd";
				piece_len = 6;
				used = 1;
			}
		}
		if (piece_len > out_cap - off) {
			if (ret_truncated)
				*ret_truncated = true;
			return off;
		}
		memcpy(out + off, piece, piece_len);
		off += piece_len;
		i += used;
	}
	if (ret_truncated)
		*ret_truncated = false;
	return off;
}

/* Appends text (NUL-terminated) if it fits whole; returns whether it did. */
static bool log_put(char *buf, size_t cap, size_t *off, const char *text)
{
	size_t n = strlen(text);

	if (n > cap - *off)
		return false;
	memcpy(buf + *off, text, n);
	*off += n;
	return true;
}

/* Whether key (n bytes) may name a JSON member of a line. */
static bool log_field_key_ok(const char *key, size_t n)
{
	static const char *const reserved[] = {"ts", "level", "msg", "truncated"};

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == n && memcmp(reserved[i], key, n) == 0)
			return false;
	return true;
}

/* The fields as JSON members (",\"k\":\"v\"" each) into out; members that
 * do not fit whole are left out. Returns the bytes written. */
static size_t log_json_fields(const char *fields, char *out, size_t cap)
{
	size_t off = 0;

	for (const char *p = fields; p && *p;) {
		while (*p == ' ')
			p++;
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (len && eq && log_field_key_ok(p, (size_t)(eq - p))) {
			size_t key_len = (size_t)(eq - p), start = off;
			bool cut = false;
			/* ,"key":"value" */
			if (cap - off >= key_len + 6) {
				memcpy(out + off, ",\"", 2);
				memcpy(out + off + 2, p, key_len);
				memcpy(out + off + 2 + key_len, "\":\"", 3);
				off += key_len + 5;
				off += log_json_escape(out + off, cap - off - 1, eq + 1,
						       len - key_len - 1, &cut);
				out[off++] = '"';
			} else {
				cut = true;
			}
			if (cut)
				off = start;
		}
		p += len;
	}
	return off;
}

static size_t log_line_json(const struct log_line *l, char *buf, size_t cap)
{
	/* The members after the message, and room for ,"truncated":true}\n */
	static const char tail_cut[] = "\",\"truncated\":true";
	char members[512];
	size_t members_len = log_json_fields(l->fields, members,
					     sizeof(members) < cap / 2 ? sizeof(members) : cap / 2);
	size_t off = 0;
	bool cut = false;

	log_put(buf, cap, &off, l->prefix ? l->prefix : "");
	log_put(buf, cap, &off, "{\"ts\":\"");
	off += log_json_escape(buf + off, 40, l->timestamp ? l->timestamp : "",
			       l->timestamp ? strlen(l->timestamp) : 0, NULL);
	log_put(buf, cap, &off, "\",\"level\":\"");
	off += log_json_escape(buf + off, 16, l->level_name ? l->level_name : "",
			       l->level_name ? strlen(l->level_name) : 0, NULL);
	log_put(buf, cap, &off, "\",\"msg\":\"");
	size_t room = cap - off - members_len - sizeof(tail_cut) - 2;
	off +=
	    log_json_escape(buf + off, room, l->msg ? l->msg : "", l->msg ? l->msg_len : 0, &cut);
	log_put(buf, cap, &off, cut ? tail_cut : "\"");
	memcpy(buf + off, members, members_len);
	off += members_len;
	buf[off++] = '}';
	buf[off++] = '\n';
	return off;
}

/* Copies n bytes of text to out: a line break or another control character
 * inside a message would forge or split lines, so it becomes '?'. */
static void log_copy_plain(char *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		out[i] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
}

static size_t log_line_text(const struct log_line *l, char *buf, size_t cap)
{
	const char *fields = l->fields && *l->fields ? l->fields : NULL;
	const struct {
		const char *text;
		size_t len;
	} parts[] = {
	    {l->prefix ? l->prefix : "", l->prefix ? strlen(l->prefix) : 0},
	    {fields ? fields : "", fields ? strlen(fields) : 0},
	    {fields ? ": " : "", fields ? 2 : 0},
	    {l->msg ? l->msg : "", l->msg ? l->msg_len : 0},
	};
	size_t off = 0, room = cap - 4; /* for "...\n" */
	bool cut = false;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !cut; i++) {
		size_t n = parts[i].len < room - off ? parts[i].len : room - off;
		log_copy_plain(buf + off, parts[i].text, n);
		off += n;
		cut = n < parts[i].len;
	}
	/* A line too long for the buffer is cut and marked, never split. */
	if (cut) {
		memcpy(buf + off, "...", 3);
		off += 3;
	}
	buf[off++] = '\n';
	return off;
}

size_t log_line_format(const struct log_line *line, char *buf, size_t cap)
{
	if (line->format == LOG_FORMAT_JSON)
		return log_line_json(line, buf, cap);
	return log_line_text(line, buf, cap);
}
