/* When a session is open: a one-off window or a weekly recurrence in an IANA
 * time zone, plus grace periods before and after each occurrence.
 *
 * "Is it open now" and "when is the next occurrence" are computed from the
 * schedule and a clock reading, never stored. All instants are Unix seconds
 * (UTC). Pure computation on GLib's GTimeZone/GDateTime: no I/O, no logging.
 *
 * Weekly occurrences are anchored to local wall-clock time, so a 19:00
 * America/New_York group stays at 19:00 local across DST changes (its UTC
 * instant moves). A local start time that does not exist on a given day
 * (the spring-forward gap) starts at the first valid instant after the gap;
 * one that exists twice (fall back) starts at the earlier. Durations are
 * real elapsed minutes.
 *
 * Time zone names are IANA Area/Location names ("Europe/Berlin",
 * "Etc/GMT+5") or single words without digits ("UTC", "Japan"); legacy
 * names with digits such as "EST5EDT" are refused, because GLib would read
 * unknown ones as POSIX TZ rules. GLib applies tzdata's rules up to about
 * the year 3000. */
#ifndef HEARTH_MODEL_SCHEDULE_H
#define HEARTH_MODEL_SCHEDULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define SIG_SCHEDULE_TZ_MAX	   64	/* bytes of an IANA zone name */
#define SIG_SCHEDULE_MAX_DURATION  1440 /* minutes (24 h) */
#define SIG_SCHEDULE_MAX_GRACE	   240	/* minutes, before or after */
#define SIG_SCHEDULE_DEFAULT_GRACE 15	/* minutes, before and after */

enum sig_schedule_kind {
	SIG_SCHEDULE_ONCE = 0,
	SIG_SCHEDULE_WEEKLY = 1,
};

/* Weekday bits: bit 0 = Monday ... bit 6 = Sunday (ISO 8601 order). */
#define SIG_WEEKDAY_BIT(iso_day) (1u << ((iso_day)-1)) /* iso_day 1..7 */

struct sig_schedule {
	enum sig_schedule_kind kind;
	/* SIG_SCHEDULE_ONCE: [start, end), end > start, end - start at most
	 * SIG_SCHEDULE_MAX_DURATION minutes. */
	int64_t start;
	int64_t end;
	/* SIG_SCHEDULE_WEEKLY */
	unsigned weekdays;		     /* at least one bit of 0x7f */
	int start_minute;		     /* local time of day, 0..1439 */
	int duration_minutes;		     /* 1..SIG_SCHEDULE_MAX_DURATION */
	char time_zone[SIG_SCHEDULE_TZ_MAX]; /* IANA name, e.g. "America/New_York" */
	/* both kinds */
	int grace_before_minutes; /* 0..SIG_SCHEDULE_MAX_GRACE */
	int grace_after_minutes;  /* 0..SIG_SCHEDULE_MAX_GRACE */
};

/* One occurrence, and the window in which invites work (occurrence widened
 * by the grace periods). */
struct sig_occurrence {
	int64_t start, end;	     /* the scheduled meeting */
	int64_t opens_at, closes_at; /* start - grace_before, end + grace_after */
};

enum sig_schedule_state {
	SIG_SCHEDULE_NOT_OPEN_YET = 0, /* a later occurrence exists */
	SIG_SCHEDULE_OPEN = 1,	       /* now is inside an occurrence's window */
	SIG_SCHEDULE_OVER = 2,	       /* no occurrence opens after now (one-off passed) */
};

/* The occurrence whose window contains now, else the next one to open.
 * Windows are half-open: at closes_at the occurrence is over. Where the
 * windows of a weekly schedule overlap (long meetings, long grace) the
 * earlier occurrence is returned. Returns SIG_SCHEDULE_OPEN or
 * SIG_SCHEDULE_NOT_OPEN_YET and fills ret_occurrence, or SIG_SCHEDULE_OVER
 * (ret_occurrence then describes the last occurrence, for a one-off). A
 * weekly schedule is SIG_SCHEDULE_OVER only if its time zone can no longer
 * be loaded or now is past the year 9999, and leaves ret_occurrence
 * untouched then. The schedule must be valid. */
enum sig_schedule_state sig_schedule_at(const struct sig_schedule *schedule, int64_t now,
					struct sig_occurrence *ret_occurrence);

/* Checks every field. Returns 0, or -EINVAL with ret_field set to the JSON
 * field name at fault (static string) and ret_problem to a sentence (caller
 * frees). */
int sig_schedule_validate(const struct sig_schedule *schedule, const char **ret_field,
			  char **ret_problem);

/* JSON form, as the admin API and the store use it:
 *   {"type":"once","start":"2026-12-01T17:00:00Z","end":"2026-12-01T18:00:00Z",
 *    "grace_before_minutes":15,"grace_after_minutes":15}
 *   {"type":"weekly","days":["tue","thu"],"start_time":"19:00",
 *    "time_zone":"America/New_York","duration_minutes":60,
 *    "grace_before_minutes":15,"grace_after_minutes":15}
 * start/end are RFC 3339 with an offset ("Z" or "+01:00"); days are
 * mon..sun; grace fields are optional (default SIG_SCHEDULE_DEFAULT_GRACE).
 * Unknown fields and wrong types are errors. Returns 0 or -EINVAL with
 * ret_field ("schedule.days", ...) and ret_problem as for validate; as
 * ret_field is static, an unknown member gives ret_field "schedule" and is
 * named in ret_problem ("has an unknown field \"colour\""). On success the
 * fields of the other kind are zero, so from_json(to_json(x)) equals x. */
int sig_schedule_from_json(const json_t *json, struct sig_schedule *ret_schedule,
			   const char **ret_field, char **ret_problem);

/* New reference; start/end written in UTC ("...Z"), days in the order mon
 * to sun. NULL when out of memory or for a schedule too broken to write
 * (unknown kind, start_minute out of range, unterminated time_zone). */
json_t *sig_schedule_to_json(const struct sig_schedule *schedule);

/* Parses hearthctl's short form of a weekly recurrence,
 * "tue,thu 19:00 America/New_York", into weekdays, start_minute and
 * time_zone (other fields untouched). Words are separated by single
 * spaces; days are lower-case names or ascending ranges ("mon-fri"), each
 * at most once. Returns 0 or -EINVAL with ret_problem (caller frees), and
 * then leaves schedule untouched. */
int sig_schedule_parse_weekly(const char *text, struct sig_schedule *schedule, char **ret_problem);

/* RFC 3339 "2026-12-01T17:00:00Z" of a Unix time; ret holds 21 bytes.
 * Times outside the years 1970..9999 are clamped to them. */
void sig_time_format(int64_t t, char ret[21]);

/* Parses RFC 3339 (§5.6 date-time) with "Z" or a numeric offset
 * (fractional seconds allowed and dropped). Upper-case "T" and "Z" only;
 * no leap second (":60"); the instant must lie in the years 1970..9999.
 * Returns 0 or -EINVAL (ret_t untouched). */
int sig_time_parse(const char *text, int64_t *ret_t);

#endif
