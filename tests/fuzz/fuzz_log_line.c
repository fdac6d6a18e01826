/* libFuzzer target: a log line (core/log_line.c) from any message and any
 * fields must stay within its buffer and, as JSON, be one valid object
 * (jansson refuses invalid UTF-8 too). The first byte picks the buffer
 * size and the format; the text up to the first NUL is the fields, the
 * rest the message. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[256 + 16 * 128];

	if (size < 1)
		return 0;
	size_t cap = 256 + (size_t)(data[0] & 0x7f) * 16;
	enum log_format format = data[0] & 0x80 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
	const uint8_t *nul = memchr(data + 1, 0, size - 1);
	size_t fields_len = nul ? (size_t)(nul - data - 1) : 0;
	char *fields = malloc(fields_len + 1);
	if (!fields)
		return 0;
	memcpy(fields, data + 1, fields_len);
	fields[fields_len] = '\0';
	const char *msg = nul ? (const char *)nul + 1 : (const char *)data + 1;
	size_t msg_len = size - (size_t)((const uint8_t *)msg - data);
	struct log_line l = {.format = format,
			     .prefix = "<6>",
			     .timestamp = "2026-12-07T02:05:03.123Z",
			     .level_name = "info",
			     .fields = fields,
			     .msg = msg,
			     .msg_len = msg_len};
	size_t n = log_line_format(&l, buf, cap);
	if (n > cap || n < 4 || buf[n - 1] != '\n' || memchr(buf, '\n', n - 1))
		abort();
	if (format == LOG_FORMAT_JSON) {
		json_t *o = json_loadb(buf + 3, n - 4, JSON_ALLOW_NUL, NULL);
		if (!json_is_object(o))
			abort();
		json_decref(o);
	}
	free(fields);
	return 0;
}
