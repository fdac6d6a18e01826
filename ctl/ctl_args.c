/* Command-line argument parsers: ids, integers, durations, on/off and the
 * short weekly schedule form. Only the shape is checked here; ranges and
 * names (time zones, roles, kinds) are the server's to judge. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "ctl/ctl.h"

/* Durations are capped far above anything the API accepts, so that the
 * arithmetic cannot overflow and the server still names the problem. */
#define CTL_MAX_MINUTES 1000000LL

int ctl_parse_int(const char *text, long long *ret_value)
{
	int64_t v;

	if (!text || parse_int64(text, INT64_MIN, INT64_MAX, &v) < 0)
		return -EINVAL;
	*ret_value = v;
	return 0;
}

int ctl_parse_id(const char *text, long long *ret_id)
{
	long long v;

	if (ctl_parse_int(text, &v) < 0 || v < 1 || text[0] == '+')
		return -EINVAL;
	*ret_id = v;
	return 0;
}

/* Reads the digits at *p (at least one) and advances past them. */
static int ctl_parse_digits(const char **p, long long *ret_value)
{
	size_t n = strspn(*p, "0123456789");
	uint64_t v;

	if (parse_uint64_n(*p, n, CTL_MAX_MINUTES, &v) < 0)
		return -EINVAL;
	*p += n;
	*ret_value = (long long)v;
	return 0;
}

int ctl_parse_minutes(const char *text, long long *ret_value)
{
	const char *p = text;
	long long n, total = 0;
	bool hours = false, minutes = false;

	if (!text || !*text)
		return -EINVAL;
	while (*p) {
		if (ctl_parse_digits(&p, &n) < 0)
			return -EINVAL;
		if (*p == '\0' && !hours && !minutes) {
			total = n; /* a bare number: minutes */
			minutes = true;
		} else if (*p == 'h' && !hours && !minutes) {
			total += n * 60;
			hours = true;
			p++;
		} else if (*p == 'm' && !minutes) {
			total += n;
			minutes = true;
			p++;
		} else {
			return -EINVAL;
		}
		if (total > CTL_MAX_MINUTES)
			return -EINVAL;
	}
	*ret_value = total;
	return 0;
}

int ctl_parse_on_off(const char *text, bool *ret_value)
{
	if (g_strcmp0(text, "on") == 0)
		*ret_value = true;
	else if (g_strcmp0(text, "off") == 0)
		*ret_value = false;
	else
		return -EINVAL;
	return 0;
}

/* "tue,thu" → ["tue", "thu"]; days are lower-cased, names left to the
 * server. */
static int ctl_parse_days(const char *text, json_t **ret_days)
{
	g_auto(GStrv) days = g_strsplit(text, ",", -1);
	json_t *array = json_array();

	if (!array)
		return -ENOMEM;
	for (size_t i = 0; days[i]; i++) {
		g_autofree char *day = g_ascii_strdown(days[i], -1);
		json_t *s = *day && g_utf8_validate(day, -1, NULL) ? json_string(day) : NULL;
		if (!s || json_array_append_new(array, s) < 0) {
			json_decref(array);
			return -EINVAL;
		}
	}
	*ret_days = array;
	return 0;
}

int ctl_parse_weekly(const char *text, json_t **ret_schedule)
{
	g_auto(GStrv) words = g_strsplit_set(text ? text : "", " \t", -1);
	const char *parts[3];
	size_t n = 0;
	json_t *schedule, *days;

	for (size_t i = 0; words[i]; i++) {
		if (!*words[i])
			continue;
		if (n == G_N_ELEMENTS(parts))
			return -EINVAL;
		parts[n++] = words[i];
	}
	if (n != G_N_ELEMENTS(parts) || !g_utf8_validate(parts[2], -1, NULL) ||
	    !g_utf8_validate(parts[1], -1, NULL))
		return -EINVAL;
	if (ctl_parse_days(parts[0], &days) < 0)
		return -EINVAL;
	schedule = json_pack("{s:s, s:o, s:s, s:s}", "type", "weekly", "days", days, "start_time",
			     parts[1], "time_zone", parts[2]);
	if (!schedule)
		return -ENOMEM;
	*ret_schedule = schedule;
	return 0;
}

int ctl_arg_id(const char *what, const char *text, long long *ret_id)
{
	if (ctl_parse_id(text, ret_id) < 0) {
		ctl_error("%s must be a positive integer id, not '%s'", what, text);
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

int ctl_arg_int(const char *option, const char *text, long long *ret_value)
{
	if (ctl_parse_int(text, ret_value) < 0) {
		ctl_error("%s takes an integer, not '%s'", option, text);
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

int ctl_arg_set_string(json_t *object, const char *key, const char *option, const char *text)
{
	json_t *s = g_utf8_validate(text, -1, NULL) ? json_string(text) : NULL;

	if (!s) {
		ctl_error("%s: the text is not valid UTF-8", option);
		return CTL_EXIT_USAGE;
	}
	json_object_set_new(object, key, s);
	return CTL_EXIT_OK;
}

int ctl_arg_set_on_off(json_t *object, const char *key, const char *option, const char *text)
{
	bool on;

	if (ctl_parse_on_off(text, &on) < 0) {
		ctl_error("%s takes on or off, not '%s'", option, text);
		return CTL_EXIT_USAGE;
	}
	json_object_set_new(object, key, json_boolean(on));
	return CTL_EXIT_OK;
}
