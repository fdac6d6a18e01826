/* Strict parsers of numbers and hex, for every layer.
 *
 * libc's are lenient where input from a file, a user or the network must
 * not be: strtol() skips leading spaces, strtoul() turns "-1" into a huge
 * number, and both stop quietly at trailing text unless the caller checks.
 * These take exactly a number and say why not: 0 on
 * success, -EINVAL for text that is not such a number, -ERANGE for a
 * number out of range. Outputs are written only on success. Nothing here
 * allocates or logs. */
#ifndef HEARTH_CORE_PARSE_H
#define HEARTH_CORE_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* All of text as a decimal integer in [min, max]: an optional '+' or '-'
 * then one or more ASCII digits, nothing before or after (no space, no
 * "0x"). Problems are reported in the order strtol() meets them: digits
 * too many for int64 are -ERANGE, anything else wrong with the text is
 * -EINVAL, and [min, max] is checked once the text is read (-ERANGE). */
int parse_int64(const char *text, int64_t min, int64_t max, int64_t *ret_value);
/* The same for a long. */
int parse_long(const char *text, long min, long max, long *ret_value);

/* The n characters at s as an unsigned decimal number of at most max:
 * one or more ASCII digits, no sign, no space. Read left to right, digit
 * by digit: the first non-digit is -EINVAL, the first digit that takes
 * the number past max is -ERANGE ("12x" with max 5 is -ERANGE). Since it
 * stops at the first non-digit, a NUL-terminated s shorter than n is read
 * safely (-EINVAL). */
int parse_uint64_n(const char *s, size_t n, uint64_t max, uint64_t *ret_value);

/* 0..15 for an ASCII hex digit of either case, else -1. */
int parse_hex_digit(char c);

/* All of text, exactly 2 * len hex digits of either case, as len bytes
 * (ret_bytes holds len; untouched on failure). -EINVAL otherwise. */
int parse_hex(const char *text, uint8_t *ret_bytes, size_t len);

#endif
