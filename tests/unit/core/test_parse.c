/* Unit tests of core/parse: exactly a number or exactly hex, and a clear
 * refusal (-EINVAL: not one; -ERANGE: out of range) otherwise, with the
 * output untouched. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "core/parse.h"

static void test_int64(void)
{
	static const struct {
		const char *text;
		int64_t value;
	} good[] = {
	    {"0", 0},
	    {"42", 42},
	    {"+42", 42},
	    {"-42", -42},
	    {"-0", 0},
	    {"007", 7},
	    {"9223372036854775807", INT64_MAX},
	    {"-9223372036854775808", INT64_MIN},
	    {"00000000000000000000000000001", 1},
	};
	int64_t v;

	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		v = 12345;
		g_assert_cmpint(parse_int64(good[i].text, INT64_MIN, INT64_MAX, &v), ==, 0);
		g_assert_cmpint(v, ==, good[i].value);
	}
}

static void test_int64_refused(void)
{
	static const char *const not_numbers[] = {
	    "", " 1", "1 ", "\t1", "1\n", "+", "-", "--1", "+-1", "0x10", "1e3", "1.0", "١", "12a",
	};
	static const char *const too_large[] = {
	    "9223372036854775808",
	    "-9223372036854775809",
	    "99999999999999999999999",
	    /* Digits beyond int64 are found before the trailing text, as strtol. */
	    "99999999999999999999x",
	};
	int64_t v = 7;

	for (size_t i = 0; i < G_N_ELEMENTS(not_numbers); i++)
		g_assert_cmpint(parse_int64(not_numbers[i], INT64_MIN, INT64_MAX, &v), ==, -EINVAL);
	for (size_t i = 0; i < G_N_ELEMENTS(too_large); i++)
		g_assert_cmpint(parse_int64(too_large[i], INT64_MIN, INT64_MAX, &v), ==, -ERANGE);
	g_assert_cmpint(v, ==, 7); /* untouched */
}

static void test_int64_range(void)
{
	int64_t v = 7;

	g_assert_cmpint(parse_int64("1", 1, 65535, &v), ==, 0);
	g_assert_cmpint(v, ==, 1);
	g_assert_cmpint(parse_int64("65535", 1, 65535, &v), ==, 0);
	g_assert_cmpint(v, ==, 65535);
	v = 7;
	g_assert_cmpint(parse_int64("0", 1, 65535, &v), ==, -ERANGE);
	g_assert_cmpint(parse_int64("-5", 1, 65535, &v), ==, -ERANGE);
	g_assert_cmpint(parse_int64("65536", 1, 65535, &v), ==, -ERANGE);
	/* The range is checked once the text is read: trailing text first. */
	g_assert_cmpint(parse_int64("70000x", 1, 65535, &v), ==, -EINVAL);
	g_assert_cmpint(v, ==, 7);
}

static void test_long(void)
{
	long v = 7;

	g_assert_cmpint(parse_long("-3", -10, 10, &v), ==, 0);
	g_assert_cmpint(v, ==, -3);
	g_assert_cmpint(parse_long("11", -10, 10, &v), ==, -ERANGE);
	g_assert_cmpint(parse_long("x", -10, 10, &v), ==, -EINVAL);
	g_assert_cmpint(parse_long("0", LONG_MIN, LONG_MAX, &v), ==, 0);
	g_assert_cmpint(v, ==, 0);
}

static void test_uint64_n(void)
{
	uint64_t v = 7;

	g_assert_cmpint(parse_uint64_n("127 rest", 3, 127, &v), ==, 0);
	g_assert_cmpuint(v, ==, 127);
	g_assert_cmpint(parse_uint64_n("18446744073709551615", 20, UINT64_MAX, &v), ==, 0);
	g_assert_cmpuint(v, ==, UINT64_MAX);
	g_assert_cmpint(parse_uint64_n("4294967295", 10, UINT32_MAX, &v), ==, 0);
	g_assert_cmpuint(v, ==, UINT32_MAX);
	g_assert_cmpint(parse_uint64_n("0000000000000000000000012", 25, 255, &v), ==, 0);
	g_assert_cmpuint(v, ==, 12);
	v = 7;
	g_assert_cmpint(parse_uint64_n("", 0, 10, &v), ==, -EINVAL);
	g_assert_cmpint(parse_uint64_n("+1", 2, 10, &v), ==, -EINVAL);
	g_assert_cmpint(parse_uint64_n("-1", 2, 10, &v), ==, -EINVAL);
	g_assert_cmpint(parse_uint64_n(" 1", 2, 10, &v), ==, -EINVAL);
	g_assert_cmpint(parse_uint64_n("1a", 2, 10, &v), ==, -EINVAL);
	g_assert_cmpint(parse_uint64_n("12", 5, 99999, &v), ==, -EINVAL); /* stops at the NUL */
	g_assert_cmpint(parse_uint64_n("128", 3, 127, &v), ==, -ERANGE);
	g_assert_cmpint(parse_uint64_n("9", 1, 5, &v), ==, -ERANGE);
	g_assert_cmpint(parse_uint64_n("18446744073709551616", 20, UINT64_MAX, &v), ==, -ERANGE);
	g_assert_cmpint(parse_uint64_n("4294967296", 10, UINT32_MAX, &v), ==, -ERANGE);
	/* Digit by digit: past max before the non-digit. */
	g_assert_cmpint(parse_uint64_n("12x", 3, 5, &v), ==, -ERANGE);
	g_assert_cmpint(parse_uint64_n("1x2", 3, 5, &v), ==, -EINVAL);
	g_assert_cmpuint(v, ==, 7);
}

static void test_hex(void)
{
	uint8_t bytes[4] = {1, 2, 3, 4};

	for (int c = 0; c < 256; c++) {
		int want = -1;

		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		g_assert_cmpint(parse_hex_digit((char)c), ==, want);
	}
	g_assert_cmpint(parse_hex("00AB10ff", bytes, 4), ==, 0);
	g_assert_cmpmem(bytes, 4, "\x00\xab\x10\xff", 4);
	memcpy(bytes, "\x01\x02\x03\x04", 4);
	g_assert_cmpint(parse_hex("00ab10f", bytes, 4), ==, -EINVAL);
	g_assert_cmpint(parse_hex("00ab10fff", bytes, 4), ==, -EINVAL);
	g_assert_cmpint(parse_hex("00ab10fg", bytes, 4), ==, -EINVAL);
	g_assert_cmpint(parse_hex("0xab10ff", bytes, 4), ==, -EINVAL);
	g_assert_cmpint(parse_hex(" 0ab10ff", bytes, 4), ==, -EINVAL);
	g_assert_cmpmem(bytes, 4, "\x01\x02\x03\x04", 4); /* untouched */
	g_assert_cmpint(parse_hex("", bytes, 0), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/parse/int64", test_int64);
	g_test_add_func("/parse/int64-refused", test_int64_refused);
	g_test_add_func("/parse/int64-range", test_int64_range);
	g_test_add_func("/parse/long", test_long);
	g_test_add_func("/parse/uint64-n", test_uint64_n);
	g_test_add_func("/parse/hex", test_hex);
	return g_test_run();
}
