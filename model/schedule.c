/* Session schedules: see schedule.h.
 *
 * Calendar arithmetic is done here on proleptic Gregorian day numbers
 * (days since 1970-01-01); GLib supplies only a zone's UTC offset at an
 * instant. Local wall-clock time is turned back into an instant by hand
 * (local_to_utc) because g_date_time_new() resolves repeated local times
 * inconsistently. */
#include "model/schedule.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "core/parse.h"

#define SECS_PER_DAY   INT64_C(86400)
#define SIG_TIME_MAX   INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define ECHO_MAX       32		     /* longest user text quoted in a problem */
#define SHORT_FORM_MAX 256		     /* bytes of hearthctl's short form */

/* Where a check failed: a static JSON field name and a sentence (owned). */
struct sched_error {
	const char *field;
	char *problem;
};

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static G_GNUC_PRINTF(3, 4) int sched_fail(struct sched_error *err, const char *field,
					  const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	err->field = field;
	err->problem = g_strdup_vprintf(format, ap);
	va_end(ap);
	return -EINVAL;
}

/* Whether user text may be quoted back in a problem: short printable ASCII
 * that needs no escaping, so problems stay valid UTF-8 and readable. */
static bool echoable(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return false;
	}
	return n > 0 && n <= ECHO_MAX;
}

/* Calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Day number of a proleptic Gregorian date (H. Hinnant, "chrono-compatible
 * low-level date algorithms", days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, int *ret_m, int *ret_d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	*ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*ret_m = m;
	*ret_y = yoe + era * 400 + (m <= 2);
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* ISO weekday, 1 = Monday, of a day number; 1970-01-01 was a Thursday. */
static int iso_weekday(int64_t day)
{
	return (int)((day % 7 + 7 + 3) % 7) + 1;
}

/* Day 1..7 of "mon".."sun" (n bytes), or -1. */
static int day_from_name(const char *s, size_t n)
{
	for (int i = 0; n == 3 && i < 7; i++) {
		if (memcmp(s, day_names[i], 3) == 0)
			return i + 1;
	}
	return -1;
}

/* n ASCII digits as a number, or -1. strtol would also take signs and
 * spaces, which these fixed-width fields must not have. parse_uint64_n()
 * stops at the first non-digit, so never reads past a NUL. */
static int digits(const char *s, int n)
{
	uint64_t v;

	return parse_uint64_n(s, (size_t)n, INT_MAX, &v) == 0 ? (int)v : -1;
}

static void put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
}

/* "HH:MM", 00:00..23:59, exactly 5 bytes. */
static int parse_hhmm(const char *s, int *ret_minute)
{
	int h = digits(s, 2), m = h < 0 || s[2] != ':' ? -1 : digits(s + 3, 2);

	if (h < 0 || h > 23 || m < 0 || m > 59 || s[5] != '\0')
		return -EINVAL;
	*ret_minute = h * 60 + m;
	return 0;
}

/* RFC 3339 */

/* Times outside the years 1970..9999 are clamped: they do not fit the
 * format, and a valid schedule has none. */
void sig_time_format(int64_t t, char ret[21])
{
	int64_t y, secs;
	int m, d;

	t = CLAMP(t, 0, SIG_TIME_MAX);
	secs = t % SECS_PER_DAY;
	civil_from_days(t / SECS_PER_DAY, &y, &m, &d);
	memcpy(ret, "0000-00-00T00:00:00Z", 21);
	put_digits(ret, y, 4);
	put_digits(ret + 5, m, 2);
	put_digits(ret + 8, d, 2);
	put_digits(ret + 11, secs / 3600, 2);
	put_digits(ret + 14, secs / 60 % 60, 2);
	put_digits(ret + 17, secs % 60, 2);
}

/* RFC 3339 §5.6 time-offset: "Z" or ("+" / "-") HH ":" MM, the whole rest
 * of the text; "-00:00" (§4.3, offset unknown) is UTC. */
static int parse_offset(const char *s, int *ret_seconds)
{
	int sign = s[0] == '+' ? 1 : s[0] == '-' ? -1 : 0, h, m;

	if (strcmp(s, "Z") == 0) {
		*ret_seconds = 0;
		return 0;
	}
	h = sign == 0 ? -1 : digits(s + 1, 2);
	m = h < 0 || s[3] != ':' ? -1 : digits(s + 4, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59 || s[6] != '\0')
		return -EINVAL;
	*ret_seconds = sign * (h * 3600 + m * 60);
	return 0;
}

/* RFC 3339 §5.6 date-time. Upper-case "T" and "Z" only (§5.6 lets a
 * profile require them); a leap second (:60, §5.7) is refused because Unix
 * time cannot name it. */
int sig_time_parse(const char *text, int64_t *ret_t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	const char *p = text + sizeof(shape) - 1;
	int y, mo, d, h, mi, s, off;
	int64_t t;

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !g_ascii_isdigit(text[i]) : text[i] != shape[i])
			return -EINVAL;
	}
	y = digits(text, 4);
	mo = digits(text + 5, 2);
	d = digits(text + 8, 2);
	h = digits(text + 11, 2);
	mi = digits(text + 14, 2);
	s = digits(text + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || s > 59)
		return -EINVAL;
	if (*p == '.') { /* time-secfrac = "." 1*DIGIT, dropped */
		if (!g_ascii_isdigit(*++p))
			return -EINVAL;
		while (g_ascii_isdigit(*p))
			p++;
	}
	if (parse_offset(p, &off) < 0)
		return -EINVAL;
	t = days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + s - off;
	if (t < 0 || t > SIG_TIME_MAX)
		return -EINVAL;
	*ret_t = t;
	return 0;
}

/* Time zones */

/* IANA names are Area/Location ("America/New_York", "Etc/GMT+5") or a few
 * single words ("UTC", "Japan"). g_time_zone_new_identifier() also takes
 * absolute and relative file paths, POSIX TZ rules ("ABC5") and offsets
 * ("+05:00", "Z"), so the shape is checked before GLib sees the name:
 * ASCII letters, digits, '_', '+' and '-' in '/'-separated components that
 * start with an upper-case letter (which also keeps out "posix/...",
 * "right/..." and "localtime"), and a single word has at least two letters
 * and no digit, so it cannot be read as a rule or an offset. */
static bool zone_name_ok(const char *name)
{
	size_t len = strnlen(name, SIG_SCHEDULE_TZ_MAX);
	bool slash = false, digit = false;

	if (len < 2 || len >= SIG_SCHEDULE_TZ_MAX || name[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if ((i == 0 || name[i - 1] == '/') && !g_ascii_isupper(c))
			return false;
		if (c == '/')
			slash = true;
		else if (g_ascii_isdigit(c))
			digit = true;
		else if (!g_ascii_isalpha(c) && c != '_' && c != '+' && c != '-')
			return false;
	}
	return slash || !digit;
}

/* New reference, or NULL for a name that is not a known IANA zone. */
static GTimeZone *zone_load(const char *name)
{
	return zone_name_ok(name) ? g_time_zone_new_identifier(name) : NULL;
}

/* NULL if name (NUL-terminated within SIG_SCHEDULE_TZ_MAX) is a known
 * zone, else a problem (caller frees); prefix names the subject when the
 * problem is not tied to a field. */
static char *zone_problem(const char *name, const char *prefix)
{
	GTimeZone *tz = zone_load(name);

	if (tz) {
		g_time_zone_unref(tz);
		return NULL;
	}
	if (echoable(name))
		return g_strdup_printf("\"%s\" is not a known IANA time zone", name);
	return g_strdup_printf("%sis not a known IANA time zone, such as \"Europe/Berlin\"",
			       prefix);
}

static int32_t zone_offset(GTimeZone *tz, int64_t t)
{
	int i = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, t);
	return i < 0 ? 0 : g_time_zone_get_offset(tz, i);
}

/* The instant at which local wall-clock time `local` (seconds since
 * 1970-01-01T00:00 on the zone's clocks) happens, as schedule.h promises:
 * a time that exists twice gives the earlier instant, a time skipped by a
 * gap gives the first instant after the gap.
 *
 * GLib's g_date_time_new() does move a gap time to the end of the gap, but
 * picks a repeated time by which interval is flagged "standard": the later
 * instant in America/New_York, the earlier in Europe/Dublin (whose winter
 * time is tzdata's negative DST), the later in Europe/Moscow on 2014-10-26
 * (standard on both sides). So both cases are solved here from offsets: a
 * candidate t = local - offset is real if the zone has that offset at t,
 * and the offsets to try are those in force a day either side (offsets are
 * under a day, and zones do not change twice within two days). */
static int64_t local_to_utc(GTimeZone *tz, int64_t local)
{
	int32_t offsets[3] = {zone_offset(tz, local - SECS_PER_DAY), zone_offset(tz, local),
			      zone_offset(tz, local + SECS_PER_DAY)};
	int64_t best = INT64_MAX, lo = local - SECS_PER_DAY, hi = local + SECS_PER_DAY;

	for (int i = 0; i < 3; i++) {
		int64_t t = local - offsets[i];
		if (zone_offset(tz, t) == offsets[i] && t < best)
			best = t;
	}
	if (best != INT64_MAX)
		return best;
	/* In a gap, which ends at the transition: the first instant after
	 * local - 1 day whose offset differs. */
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (zone_offset(tz, mid) == offsets[0])
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* Occurrences */

static enum sig_schedule_state occurrence_at(const struct sig_schedule *s, int64_t start,
					     int64_t end, int64_t now, struct sig_occurrence *ret)
{
	ret->start = start;
	ret->end = end;
	ret->opens_at = start - (int64_t)s->grace_before_minutes * 60;
	ret->closes_at = end + (int64_t)s->grace_after_minutes * 60;
	if (now >= ret->closes_at) /* windows are half-open */
		return SIG_SCHEDULE_OVER;
	return now >= ret->opens_at ? SIG_SCHEDULE_OPEN : SIG_SCHEDULE_NOT_OPEN_YET;
}

/* Occurrences start in the order of their local days, so the first whose
 * window has not closed is open now or the next to open; when windows
 * overlap (long meetings, long grace) the earlier occurrence wins. A window
 * closes at most 28 h (24 h meeting, 4 h grace) after its local day began,
 * so yesterday's can still be open; a zone that skipped a day (Samoa,
 * 2011-12-30) makes that the day before yesterday. Hence two days back. */
static enum sig_schedule_state weekly_at(const struct sig_schedule *s, int64_t now,
					 struct sig_occurrence *ret)
{
	GTimeZone *tz = zone_load(s->time_zone);
	enum sig_schedule_state state = SIG_SCHEDULE_OVER;
	int64_t from = CLAMP(now, 0, SIG_TIME_MAX), today;

	if (!tz)
		return SIG_SCHEDULE_OVER;
	today = floor_div(from + zone_offset(tz, from), SECS_PER_DAY);
	for (int64_t day = today - 2; day <= today + 10 && state == SIG_SCHEDULE_OVER; day++) {
		struct sig_occurrence occ;
		int64_t start;

		if (!(s->weekdays & SIG_WEEKDAY_BIT(iso_weekday(day))))
			continue;
		start = local_to_utc(tz, day * SECS_PER_DAY + (int64_t)s->start_minute * 60);
		state =
		    occurrence_at(s, start, start + (int64_t)s->duration_minutes * 60, now, &occ);
		if (state != SIG_SCHEDULE_OVER)
			*ret = occ;
	}
	g_time_zone_unref(tz);
	return state;
}

enum sig_schedule_state sig_schedule_at(const struct sig_schedule *schedule, int64_t now,
					struct sig_occurrence *ret_occurrence)
{
	g_assert(schedule && ret_occurrence);
	if (schedule->kind == SIG_SCHEDULE_WEEKLY)
		return weekly_at(schedule, now, ret_occurrence);
	return occurrence_at(schedule, schedule->start, schedule->end, now, ret_occurrence);
}

/* Validation */

static int check_range(const char *field, int64_t v, int lo, int hi, struct sched_error *err)
{
	if (v >= lo && v <= hi)
		return 0;
	return sched_fail(err, field, "must be between %d and %d", lo, hi);
}

static int validate_once(const struct sig_schedule *s, struct sched_error *err)
{
	if (s->start < 0 || s->start > SIG_TIME_MAX)
		return sched_fail(err, "schedule.start", "must be in the years 1970 to 9999");
	if (s->end < 0 || s->end > SIG_TIME_MAX)
		return sched_fail(err, "schedule.end", "must be in the years 1970 to 9999");
	if (s->end <= s->start)
		return sched_fail(err, "schedule.end", "must be after start");
	if (s->end - s->start > SIG_SCHEDULE_MAX_DURATION * 60)
		return sched_fail(err, "schedule.end", "must be at most %d minutes after start",
				  SIG_SCHEDULE_MAX_DURATION);
	return 0;
}

static int validate_weekly(const struct sig_schedule *s, struct sched_error *err)
{
	char *problem;

	if ((s->weekdays & 0x7fu) == 0)
		return sched_fail(err, "schedule.days", "must name at least one day");
	if (s->weekdays & ~0x7fu)
		return sched_fail(err, "schedule.days", "must name only days mon to sun");
	if (s->start_minute < 0 || s->start_minute > 1439)
		return sched_fail(err, "schedule.start_time", "must be between 00:00 and 23:59");
	if (check_range("schedule.duration_minutes", s->duration_minutes, 1,
			SIG_SCHEDULE_MAX_DURATION, err) < 0)
		return -EINVAL;
	if (!memchr(s->time_zone, '\0', SIG_SCHEDULE_TZ_MAX))
		return sched_fail(err, "schedule.time_zone", "must be shorter than %d bytes",
				  SIG_SCHEDULE_TZ_MAX);
	problem = zone_problem(s->time_zone, "");
	if (!problem)
		return 0;
	err->field = "schedule.time_zone";
	err->problem = problem;
	return -EINVAL;
}

static int validate_into(const struct sig_schedule *s, struct sched_error *err)
{
	int r;

	if (s->kind == SIG_SCHEDULE_ONCE)
		r = validate_once(s, err);
	else if (s->kind == SIG_SCHEDULE_WEEKLY)
		r = validate_weekly(s, err);
	else
		r = sched_fail(err, "schedule.type", "must be \"once\" or \"weekly\"");
	if (r < 0 || check_range("schedule.grace_before_minutes", s->grace_before_minutes, 0,
				 SIG_SCHEDULE_MAX_GRACE, err) < 0)
		return -EINVAL;
	return check_range("schedule.grace_after_minutes", s->grace_after_minutes, 0,
			   SIG_SCHEDULE_MAX_GRACE, err);
}

int sig_schedule_validate(const struct sig_schedule *schedule, const char **ret_field,
			  char **ret_problem)
{
	struct sched_error err = {0};
	int r = validate_into(schedule, &err);

	if (r < 0) {
		*ret_field = err.field;
		*ret_problem = err.problem;
	}
	return r;
}

/* JSON */

enum { FOR_ONCE = 1u << SIG_SCHEDULE_ONCE, FOR_WEEKLY = 1u << SIG_SCHEDULE_WEEKLY };

static const struct sched_field {
	const char *key, *field;
	unsigned kinds;
} sched_fields[] = {
    {"type", "schedule.type", FOR_ONCE | FOR_WEEKLY},
    {"start", "schedule.start", FOR_ONCE},
    {"end", "schedule.end", FOR_ONCE},
    {"days", "schedule.days", FOR_WEEKLY},
    {"start_time", "schedule.start_time", FOR_WEEKLY},
    {"time_zone", "schedule.time_zone", FOR_WEEKLY},
    {"duration_minutes", "schedule.duration_minutes", FOR_WEEKLY},
    {"grace_before_minutes", "schedule.grace_before_minutes", FOR_ONCE | FOR_WEEKLY},
    {"grace_after_minutes", "schedule.grace_after_minutes", FOR_ONCE | FOR_WEEKLY},
};

/* Every member must be a field of this kind of schedule. ret_field is a
 * static string, so an unknown member is named in the problem instead
 * (when it can be quoted safely) and the field is "schedule". */
static int check_members(json_t *json, enum sig_schedule_kind kind, struct sched_error *err)
{
	for (void *it = json_object_iter(json); it; it = json_object_iter_next(json, it)) {
		const char *key = json_object_iter_key(it);
		const struct sched_field *f = NULL;

		for (size_t i = 0; i < G_N_ELEMENTS(sched_fields) && !f; i++) {
			if (strcmp(key, sched_fields[i].key) == 0)
				f = &sched_fields[i];
		}
		if (f && !(f->kinds & (1u << kind)))
			return sched_fail(err, f->field, "does not apply to a \"%s\" schedule",
					  kind == SIG_SCHEDULE_ONCE ? "once" : "weekly");
		if (!f)
			return echoable(key)
				   ? sched_fail(err, "schedule", "has an unknown field \"%s\"", key)
				   : sched_fail(err, "schedule", "has an unknown field");
	}
	return 0;
}

static int get_string(json_t *json, const char *key, const char *field, const char **ret,
		      struct sched_error *err)
{
	json_t *v = json_object_get(json, key);

	if (!v)
		return sched_fail(err, field, "is required");
	if (!json_is_string(v))
		return sched_fail(err, field, "must be a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return sched_fail(err, field, "must not contain a NUL character");
	*ret = json_string_value(v);
	return 0;
}

/* An integer in [lo, hi]; def < 0 makes it required. */
static int get_int(json_t *json, const char *key, const char *field, int lo, int hi, int def,
		   int *ret, struct sched_error *err)
{
	json_t *v = json_object_get(json, key);

	if (!v && def < 0)
		return sched_fail(err, field, "is required");
	if (v && !json_is_integer(v))
		return sched_fail(err, field, "must be an integer");
	if (v && check_range(field, json_integer_value(v), lo, hi, err) < 0)
		return -EINVAL;
	*ret = v ? (int)json_integer_value(v) : def;
	return 0;
}

static int get_time(json_t *json, const char *key, const char *field, int64_t *ret,
		    struct sched_error *err)
{
	const char *text;

	if (get_string(json, key, field, &text, err) < 0)
		return -EINVAL;
	if (sig_time_parse(text, ret) < 0)
		return sched_fail(err, field,
				  "must be an RFC 3339 time such as \"2026-12-01T17:00:00Z\", "
				  "in the years 1970 to 9999");
	return 0;
}

static int get_days(json_t *json, unsigned *ret, struct sched_error *err)
{
	json_t *v = json_object_get(json, "days"), *item;
	unsigned days = 0;
	size_t i;

	if (!v)
		return sched_fail(err, "schedule.days", "is required");
	if (!json_is_array(v))
		return sched_fail(err, "schedule.days", "must be an array of day names");
	json_array_foreach(v, i, item)
	{
		int d = !json_is_string(item)
			    ? -1
			    : day_from_name(json_string_value(item), json_string_length(item));
		if (d < 0)
			return sched_fail(err, "schedule.days",
					  "must be an array of day names, \"mon\" to \"sun\"");
		if (days & SIG_WEEKDAY_BIT(d))
			return sched_fail(err, "schedule.days", "names \"%s\" twice",
					  day_names[d - 1]);
		days |= SIG_WEEKDAY_BIT(d);
	}
	if (days == 0)
		return sched_fail(err, "schedule.days", "must name at least one day");
	*ret = days;
	return 0;
}

static int get_weekly(json_t *json, struct sig_schedule *s, struct sched_error *err)
{
	const char *text;

	if (get_days(json, &s->weekdays, err) < 0 ||
	    get_string(json, "start_time", "schedule.start_time", &text, err) < 0)
		return -EINVAL;
	if (parse_hhmm(text, &s->start_minute) < 0)
		return sched_fail(err, "schedule.start_time",
				  "must be a time of day as \"HH:MM\", 00:00 to 23:59");
	if (get_string(json, "time_zone", "schedule.time_zone", &text, err) < 0)
		return -EINVAL;
	if (strlen(text) >= SIG_SCHEDULE_TZ_MAX)
		return sched_fail(err, "schedule.time_zone", "must be shorter than %d bytes",
				  SIG_SCHEDULE_TZ_MAX);
	memcpy(s->time_zone, text, strlen(text) + 1);
	return get_int(json, "duration_minutes", "schedule.duration_minutes", 1,
		       SIG_SCHEDULE_MAX_DURATION, -1, &s->duration_minutes, err);
}

static int parse_json(json_t *json, struct sig_schedule *s, struct sched_error *err)
{
	const char *type;
	int r;

	if (!json_is_object(json))
		return sched_fail(err, "schedule", "must be an object");
	if (get_string(json, "type", "schedule.type", &type, err) < 0)
		return -EINVAL;
	if (strcmp(type, "once") != 0 && strcmp(type, "weekly") != 0)
		return sched_fail(err, "schedule.type", "must be \"once\" or \"weekly\"");
	s->kind = strcmp(type, "once") == 0 ? SIG_SCHEDULE_ONCE : SIG_SCHEDULE_WEEKLY;
	if (check_members(json, s->kind, err) < 0)
		return -EINVAL;
	if (s->kind == SIG_SCHEDULE_ONCE)
		r = get_time(json, "start", "schedule.start", &s->start, err) < 0 ||
		    get_time(json, "end", "schedule.end", &s->end, err) < 0;
	else
		r = get_weekly(json, s, err) < 0;
	if (r || get_int(json, "grace_before_minutes", "schedule.grace_before_minutes", 0,
			 SIG_SCHEDULE_MAX_GRACE, SIG_SCHEDULE_DEFAULT_GRACE,
			 &s->grace_before_minutes, err) < 0)
		return -EINVAL;
	return get_int(json, "grace_after_minutes", "schedule.grace_after_minutes", 0,
		       SIG_SCHEDULE_MAX_GRACE, SIG_SCHEDULE_DEFAULT_GRACE, &s->grace_after_minutes,
		       err);
}

int sig_schedule_from_json(const json_t *json, struct sig_schedule *ret_schedule,
			   const char **ret_field, char **ret_problem)
{
	struct sig_schedule s = {0};
	struct sched_error err = {0};
	/* jansson's getters take non-const pointers but do not modify. */
	int r = parse_json((json_t *)json, &s, &err);

	if (r == 0)
		r = validate_into(&s, &err);
	if (r < 0) {
		*ret_field = err.field;
		*ret_problem = err.problem;
		return r;
	}
	*ret_schedule = s;
	return 0;
}

static int weekly_to_json(const struct sig_schedule *s, json_t *obj)
{
	json_t *days = json_array();
	char start_time[6] = "00:00";
	int r = 0;

	if (s->start_minute < 0 || s->start_minute > 1439 ||
	    !memchr(s->time_zone, '\0', SIG_SCHEDULE_TZ_MAX))
		r = -EINVAL;
	put_digits(start_time, s->start_minute / 60 % 24, 2);
	put_digits(start_time + 3, s->start_minute % 60, 2);
	for (int i = 0; i < 7 && days; i++) {
		if (s->weekdays & SIG_WEEKDAY_BIT(i + 1))
			r |= json_array_append_new(days, json_string(day_names[i]));
	}
	r |= json_object_set_new(obj, "type", json_string("weekly"));
	r |= json_object_set_new(obj, "days", days);
	r |= json_object_set_new(obj, "start_time", json_string(start_time));
	if (r == 0)
		r |= json_object_set_new(obj, "time_zone", json_string(s->time_zone));
	return r | json_object_set_new(obj, "duration_minutes", json_integer(s->duration_minutes));
}

static int once_to_json(const struct sig_schedule *s, json_t *obj)
{
	char start[21], end[21];

	sig_time_format(s->start, start);
	sig_time_format(s->end, end);
	/* One by one: the order of the members is the order of the calls. */
	if (json_object_set_new(obj, "type", json_string("once")) < 0 ||
	    json_object_set_new(obj, "start", json_string(start)) < 0)
		return -ENOMEM;
	return json_object_set_new(obj, "end", json_string(end));
}

/* NULL when out of memory or for a schedule too broken to write. */
json_t *sig_schedule_to_json(const struct sig_schedule *schedule)
{
	json_t *obj = json_object();
	int r = -EINVAL;

	if (!obj)
		return NULL;
	if (schedule->kind == SIG_SCHEDULE_ONCE)
		r = once_to_json(schedule, obj);
	else if (schedule->kind == SIG_SCHEDULE_WEEKLY)
		r = weekly_to_json(schedule, obj);
	r |= json_object_set_new(obj, "grace_before_minutes",
				 json_integer(schedule->grace_before_minutes));
	r |= json_object_set_new(obj, "grace_after_minutes",
				 json_integer(schedule->grace_after_minutes));
	if (r) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* hearthctl's short form */

/* "mon,wed-fri": days and ascending ranges, each day at most once. */
static int parse_day_list(const char *text, unsigned *ret_days, char **ret_problem)
{
	g_auto(GStrv) items = g_strsplit(text, ",", 0);
	unsigned days = 0;

	for (char **item = items; *item; item++) {
		size_t n = strlen(*item);
		int a = day_from_name(*item, n == 7 && (*item)[3] == '-' ? 3 : n);
		int b = n == 7 && (*item)[3] == '-' ? day_from_name(*item + 4, 3) : a;

		if (a < 0 || b < 0 || a > b) {
			*ret_problem = g_strdup("days must be mon to sun, separated by commas, "
						"or ranges such as mon-fri");
			return -EINVAL;
		}
		for (int d = a; d <= b; d++) {
			if (days & SIG_WEEKDAY_BIT(d)) {
				*ret_problem =
				    g_strdup_printf("\"%s\" is named twice", day_names[d - 1]);
				return -EINVAL;
			}
			days |= SIG_WEEKDAY_BIT(d);
		}
	}
	*ret_days = days;
	return 0;
}

/* "DAYS HH:MM ZONE", single spaces. */
int sig_schedule_parse_weekly(const char *text, struct sig_schedule *schedule, char **ret_problem)
{
	g_auto(GStrv) words = NULL;
	char *problem;
	unsigned days;
	int minute;

	if (strnlen(text, SHORT_FORM_MAX) < SHORT_FORM_MAX)
		words = g_strsplit(text, " ", 4);
	if (!words || g_strv_length(words) != 3 || !*words[0]) {
		*ret_problem = g_strdup("must look like \"tue,thu 19:00 America/New_York\"");
		return -EINVAL;
	}
	if (parse_day_list(words[0], &days, ret_problem) < 0)
		return -EINVAL;
	if (parse_hhmm(words[1], &minute) < 0) {
		*ret_problem = g_strdup("the time must be \"HH:MM\", 00:00 to 23:59");
		return -EINVAL;
	}
	if (strlen(words[2]) >= SIG_SCHEDULE_TZ_MAX) {
		*ret_problem = g_strdup_printf("the time zone must be shorter than %d bytes",
					       SIG_SCHEDULE_TZ_MAX);
		return -EINVAL;
	}
	problem = zone_problem(words[2], "the time zone ");
	if (problem) {
		*ret_problem = problem;
		return -EINVAL;
	}
	schedule->weekdays = days;
	schedule->start_minute = minute;
	memcpy(schedule->time_zone, words[2], strlen(words[2]) + 1);
	return 0;
}
