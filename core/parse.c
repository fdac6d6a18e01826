/* Strict parsers of numbers and hex (see parse.h). */
#include "core/parse.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static int parse_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

int parse_int64(const char *text, int64_t min, int64_t max, int64_t *ret_value)
{
	/* The magnitude, up to 2^63 for a negative number. */
	uint64_t v = 0, limit = (uint64_t)INT64_MAX;
	const char *p = text;
	bool negative = false;
	int64_t value;

	if (*p == '+' || *p == '-') {
		negative = *p == '-';
		p++;
	}
	if (negative)
		limit++;
	if (parse_digit(*p) < 0)
		return -EINVAL;
	for (; parse_digit(*p) >= 0; p++) {
		uint64_t d = (uint64_t)parse_digit(*p);

		if (v > (limit - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*p != '\0')
		return -EINVAL;
	if (negative)
		value = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		value = (int64_t)v;
	if (value < min || value > max)
		return -ERANGE;
	*ret_value = value;
	return 0;
}

int parse_long(const char *text, long min, long max, long *ret_value)
{
	int64_t v;
	int r = parse_int64(text, min, max, &v);

	if (r < 0)
		return r;
	*ret_value = (long)v;
	return 0;
}

int parse_uint64_n(const char *s, size_t n, uint64_t max, uint64_t *ret_value)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = parse_digit(s[i]);

		if (d < 0)
			return -EINVAL;
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)d;
	}
	*ret_value = v;
	return 0;
}

int parse_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_hex(const char *text, uint8_t *ret_bytes, size_t len)
{
	/* Checked whole before anything is written. */
	if (strlen(text) != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < 2 * len; i++)
		if (parse_hex_digit(text[i]) < 0)
			return -EINVAL;
	for (size_t i = 0; i < len; i++)
		ret_bytes[i] =
		    (uint8_t)(parse_hex_digit(text[2 * i]) << 4 | parse_hex_digit(text[2 * i + 1]));
	return 0;
}
