/* Unit tests of model/schedule: when a session is open, across grace
 * periods, midnight and DST changes; RFC 3339 times; the JSON form, the
 * short form and every error they report.
 *
 * Clock readings are fixed Unix times built with utc() below from a UTC
 * calendar time (GLib's UTC arithmetic, independent of the code under test);
 * each says in a comment which local time it is. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "model/schedule.h"

/* Unix seconds of a UTC calendar time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	GDateTime *dt = g_date_time_new_utc(y, mo, d, h, mi, s);
	int64_t t;

	g_assert_nonnull(dt);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

static struct sig_schedule weekly(unsigned days, int hour, int minute, const char *zone,
				  int duration, int grace_before, int grace_after)
{
	struct sig_schedule s = {.kind = SIG_SCHEDULE_WEEKLY,
				 .weekdays = days,
				 .start_minute = hour * 60 + minute,
				 .duration_minutes = duration,
				 .grace_before_minutes = grace_before,
				 .grace_after_minutes = grace_after};

	g_assert_cmpuint(strlen(zone), <, sizeof(s.time_zone));
	memcpy(s.time_zone, zone, strlen(zone) + 1);
	return s;
}

static void assert_valid(const struct sig_schedule *s)
{
	const char *field = NULL;
	char *problem = NULL;

	g_assert_cmpint(sig_schedule_validate(s, &field, &problem), ==, 0);
	g_assert_null(field);
	g_assert_null(problem);
}

/* The state at now, and the occurrence's start (the window follows from it). */
static void assert_at(const struct sig_schedule *s, int64_t now, enum sig_schedule_state want,
		      int64_t want_start)
{
	struct sig_occurrence occ;

	g_assert_cmpint(sig_schedule_at(s, now, &occ), ==, want);
	g_assert_cmpint(occ.start, ==, want_start);
	g_assert_cmpint(occ.opens_at, ==, occ.start - s->grace_before_minutes * 60);
	if (s->kind == SIG_SCHEDULE_WEEKLY)
		g_assert_cmpint(occ.end, ==, occ.start + s->duration_minutes * 60);
	g_assert_cmpint(occ.closes_at, ==, occ.end + s->grace_after_minutes * 60);
}

#define DAY(iso) SIG_WEEKDAY_BIT(iso)
enum { MON = 1, TUE, WED, THU, FRI, SAT, SUN };

/* RFC 3339 */

static void test_time_parse_valid(void)
{
	const struct {
		const char *text;
		int64_t want;
	} cases[] = {
	    {"2026-12-01T17:00:00Z", utc(2026, 12, 1, 17, 0, 0)},
	    {"2026-12-01T12:00:00-05:00", utc(2026, 12, 1, 17, 0, 0)},
	    {"2026-12-01T18:30:00+01:30", utc(2026, 12, 1, 17, 0, 0)},
	    {"2026-12-01T17:00:00.999Z", utc(2026, 12, 1, 17, 0, 0)},
	    {"2026-12-01T17:00:00.123456789012-00:00", utc(2026, 12, 1, 17, 0, 0)},
	    {"2026-12-02T00:30:00+23:59", utc(2026, 12, 1, 0, 31, 0)},
	    {"2024-02-29T23:59:59Z", utc(2024, 2, 29, 23, 59, 59)},
	    {"2000-02-29T00:00:00Z", utc(2000, 2, 29, 0, 0, 0)},
	    {"1970-01-01T00:00:00Z", 0},
	    {"1970-01-01T01:00:00+01:00", 0},
	    {"9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59)},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int64_t t = -1;
		g_test_message("%s", cases[i].text);
		g_assert_cmpint(sig_time_parse(cases[i].text, &t), ==, 0);
		g_assert_cmpint(t, ==, cases[i].want);
	}
}

static void test_time_parse_invalid(void)
{
	static const char *const cases[] = {
	    "",
	    "2026-12-01",
	    "2026-12-01T17:00:00",	 /* no offset */
	    "2026-12-01T17:00Z",	 /* no seconds */
	    "2026-12-01 17:00:00Z",	 /* space for T */
	    "2026-12-01t17:00:00Z",	 /* lower-case t */
	    "2026-12-01T17:00:00z",	 /* lower-case z */
	    "2026-13-01T17:00:00Z",	 /* month */
	    "2026-00-01T17:00:00Z",	 /* month */
	    "2026-12-00T17:00:00Z",	 /* day */
	    "2026-02-29T17:00:00Z",	 /* not a leap year */
	    "2100-02-29T17:00:00Z",	 /* not a leap year either */
	    "2026-04-31T17:00:00Z",	 /* April has 30 days */
	    "2026-12-01T24:00:00Z",	 /* hour */
	    "2026-12-01T17:60:00Z",	 /* minute */
	    "2026-12-31T23:59:60Z",	 /* leap second */
	    "2026-12-01T17:00:00.Z",	 /* empty fraction */
	    "2026-12-01T17:00:00,5Z",	 /* comma fraction */
	    "2026-12-01T17:00:00Z ",	 /* trailing text */
	    " 2026-12-01T17:00:00Z",	 /* leading space */
	    "2026-12-01T17:00:00ZZ",	 /* trailing text */
	    "2026-12-01T17:00:00+05",	 /* offset without minutes */
	    "2026-12-01T17:00:00+0500",	 /* offset without colon */
	    "2026-12-01T17:00:00+24:00", /* offset hour */
	    "2026-12-01T17:00:00+05:60", /* offset minute */
	    "2026-12-01T17:00:00+05:00x",
	    "2026-12-01T17:00:00+",
	    "2026-12-01T17:00:00-",
	    "+2026-12-01T17:00:00Z",
	    "2026-1-01T17:00:00Z",
	    "2026-12-01T7:00:00Z",
	    "1969-12-31T23:59:59Z",	 /* before 1970 */
	    "1970-01-01T00:00:00+00:01", /* 1969 in UTC */
	    "0000-01-01T00:00:00Z",
	    "10000-01-01T00:00:00Z",
	    "9999-12-31T23:59:59-00:01", /* the year 10000 in UTC */
	    "2026-12-01T17:00:00\xef\xbc\x9a",
	    "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x96-12-01T17:00:00Z", /* full-width digits
										 */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int64_t t = 42;
		g_test_message("\"%s\"", cases[i]);
		g_assert_cmpint(sig_time_parse(cases[i], &t), ==, -EINVAL);
		g_assert_cmpint(t, ==, 42); /* untouched */
	}
}

static void test_time_format(void)
{
	char buf[21];

	sig_time_format(0, buf);
	g_assert_cmpstr(buf, ==, "1970-01-01T00:00:00Z");
	sig_time_format(utc(2026, 12, 1, 17, 0, 0), buf);
	g_assert_cmpstr(buf, ==, "2026-12-01T17:00:00Z");
	sig_time_format(utc(2024, 2, 29, 1, 2, 3), buf);
	g_assert_cmpstr(buf, ==, "2024-02-29T01:02:03Z");
	sig_time_format(utc(9999, 12, 31, 23, 59, 59), buf);
	g_assert_cmpstr(buf, ==, "9999-12-31T23:59:59Z");

	/* Against GLib's formatter and back through the parser, over the
	 * whole range (a step that is prime, so every field varies). */
	for (int64_t t = 0; t <= utc(9999, 12, 31, 23, 59, 59); t += 7919 * 3607) {
		GDateTime *dt = g_date_time_new_from_unix_utc(t);
		char *want = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
		int64_t back = -1;

		sig_time_format(t, buf);
		g_assert_cmpstr(buf, ==, want);
		g_assert_cmpint(sig_time_parse(buf, &back), ==, 0);
		g_assert_cmpint(back, ==, t);
		g_free(want);
		g_date_time_unref(dt);
	}
}

/* One-off */

static void test_once_window(void)
{
	/* 2026-12-01 17:00 to 18:00 UTC, 15 minutes before, 10 after. */
	struct sig_schedule s = {.kind = SIG_SCHEDULE_ONCE,
				 .start = utc(2026, 12, 1, 17, 0, 0),
				 .end = utc(2026, 12, 1, 18, 0, 0),
				 .grace_before_minutes = 15,
				 .grace_after_minutes = 10};
	struct sig_occurrence occ;

	assert_valid(&s);
	g_assert_cmpint(sig_schedule_at(&s, utc(2026, 12, 1, 16, 44, 59), &occ), ==,
			SIG_SCHEDULE_NOT_OPEN_YET);
	g_assert_cmpint(occ.start, ==, s.start);
	g_assert_cmpint(occ.end, ==, s.end);
	g_assert_cmpint(occ.opens_at, ==, utc(2026, 12, 1, 16, 45, 0));
	g_assert_cmpint(occ.closes_at, ==, utc(2026, 12, 1, 18, 10, 0));

	assert_at(&s, utc(2026, 11, 1, 0, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET, s.start);
	assert_at(&s, utc(2026, 12, 1, 16, 45, 0), SIG_SCHEDULE_OPEN, s.start); /* grace */
	assert_at(&s, utc(2026, 12, 1, 17, 30, 0), SIG_SCHEDULE_OPEN, s.start);
	assert_at(&s, utc(2026, 12, 1, 18, 9, 59), SIG_SCHEDULE_OPEN, s.start); /* grace */
	assert_at(&s, utc(2026, 12, 1, 18, 10, 0), SIG_SCHEDULE_OVER, s.start); /* half-open */
	assert_at(&s, utc(2027, 1, 1, 0, 0, 0), SIG_SCHEDULE_OVER, s.start);

	/* Without grace the window is the meeting itself. */
	s.grace_before_minutes = s.grace_after_minutes = 0;
	assert_at(&s, s.start - 1, SIG_SCHEDULE_NOT_OPEN_YET, s.start);
	assert_at(&s, s.start, SIG_SCHEDULE_OPEN, s.start);
	assert_at(&s, s.end - 1, SIG_SCHEDULE_OPEN, s.start);
	assert_at(&s, s.end, SIG_SCHEDULE_OVER, s.start);
}

/* Weekly */

/* A Sunday 19:00 America/New_York group keeps 19:00 local: 00:00Z the next
 * day under EST (UTC-5), 23:00Z under EDT (UTC-4). US DST 2026 starts on
 * Sunday 8 March at 02:00 and ends on Sunday 1 November at 02:00. */
static void test_weekly_new_york_dst(void)
{
	struct sig_schedule s = weekly(DAY(SUN), 19, 0, "America/New_York", 60, 15, 15);

	assert_valid(&s);
	/* Sun 1 Mar 18:50 EST: open, the meeting starts at 19:00 EST. */
	assert_at(&s, utc(2026, 3, 1, 23, 50, 0), SIG_SCHEDULE_OPEN, utc(2026, 3, 2, 0, 0, 0));
	/* Sun 1 Mar 20:15 EST: closed; next is Sun 8 Mar 19:00 EDT = 23:00Z. */
	assert_at(&s, utc(2026, 3, 2, 1, 15, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 3, 8, 23, 0, 0));
	/* Sun 8 Mar 08:00 EDT, the morning after the change. */
	assert_at(&s, utc(2026, 3, 8, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 3, 8, 23, 0, 0));
	/* Sun 25 Oct 19:00 EDT = 23:00Z, open at its start. */
	assert_at(&s, utc(2026, 10, 25, 23, 0, 0), SIG_SCHEDULE_OPEN, utc(2026, 10, 25, 23, 0, 0));
	/* Mon 26 Oct 08:00 EDT; next is Sun 1 Nov 19:00 EST = 00:00Z on 2 Nov. */
	assert_at(&s, utc(2026, 10, 26, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 11, 2, 0, 0, 0));
	/* Sun 1 Nov 18:44:59 EST: a second before the window opens. */
	assert_at(&s, utc(2026, 11, 1, 23, 44, 59), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 11, 2, 0, 0, 0));
	assert_at(&s, utc(2026, 11, 1, 23, 45, 0), SIG_SCHEDULE_OPEN, utc(2026, 11, 2, 0, 0, 0));
}

/* Walks a year of Sunday 19:00 occurrences: each is 19:00 on a Sunday on
 * the zone's clocks (GLib converts UTC to local, which is never ambiguous),
 * and consecutive ones are a week apart give or take the DST shift. */
static void check_local_year(const char *zone, int64_t from)
{
	struct sig_schedule s = weekly(DAY(SUN), 19, 0, zone, 60, 0, 0);
	GTimeZone *tz = g_time_zone_new_identifier(zone);
	int64_t now = from, prev = 0;
	int shifts = 0;

	for (int week = 0; week < 53; week++) {
		struct sig_occurrence occ;
		GDateTime *u, *local;

		g_assert_cmpint(sig_schedule_at(&s, now, &occ), ==, SIG_SCHEDULE_NOT_OPEN_YET);
		u = g_date_time_new_from_unix_utc(occ.start);
		local = g_date_time_to_timezone(u, tz);
		g_assert_cmpint(g_date_time_get_day_of_week(local), ==, 7);
		g_assert_cmpint(g_date_time_get_hour(local), ==, 19);
		g_assert_cmpint(g_date_time_get_minute(local), ==, 0);
		if (prev && occ.start - prev != 7 * 86400) {
			g_assert_cmpint(ABS(occ.start - prev - 7 * 86400), ==, 3600);
			shifts++;
		}
		prev = occ.start;
		now = occ.closes_at;
		g_date_time_unref(local);
		g_date_time_unref(u);
	}
	g_assert_cmpint(shifts, ==, 2);
	g_time_zone_unref(tz);
}

static void test_weekly_keeps_local_time(void)
{
	check_local_year("America/New_York", utc(2026, 1, 1, 0, 0, 0));
	check_local_year("Europe/Berlin", utc(2026, 1, 1, 0, 0, 0));
	check_local_year("Australia/Sydney", utc(2026, 1, 1, 0, 0, 0));
}

/* 02:30 does not exist in New York on 8 March 2026 (02:00 EST is followed
 * by 03:00 EDT): the meeting starts at the first instant after the gap,
 * 03:00 EDT = 07:00Z, and lasts 60 real minutes. */
static void test_weekly_spring_forward_gap(void)
{
	struct sig_schedule s = weekly(DAY(SUN), 2, 30, "America/New_York", 60, 0, 0);
	struct sig_occurrence occ;

	/* Sun 8 Mar 00:00 EST. */
	g_assert_cmpint(sig_schedule_at(&s, utc(2026, 3, 8, 5, 0, 0), &occ), ==,
			SIG_SCHEDULE_NOT_OPEN_YET);
	g_assert_cmpint(occ.start, ==, utc(2026, 3, 8, 7, 0, 0));
	g_assert_cmpint(occ.end, ==, utc(2026, 3, 8, 8, 0, 0));
	/* The Sundays either side: 02:30 EST = 07:30Z, 02:30 EDT = 06:30Z. */
	assert_at(&s, utc(2026, 3, 1, 5, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 3, 1, 7, 30, 0));
	assert_at(&s, utc(2026, 3, 8, 8, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 3, 15, 6, 30, 0));
	/* Sun 8 Mar 03:30 EDT: in the meeting that started at 03:00. */
	assert_at(&s, utc(2026, 3, 8, 7, 30, 0), SIG_SCHEDULE_OPEN, utc(2026, 3, 8, 7, 0, 0));
}

/* 01:30 happens twice in New York on 1 November 2026 (01:59:59 EDT is
 * followed by 01:00 EST): the meeting starts at the earlier, 01:30 EDT =
 * 05:30Z. (GLib's g_date_time_new() would pick 01:30 EST = 06:30Z.) */
static void test_weekly_fall_back_overlap(void)
{
	struct sig_schedule s = weekly(DAY(SUN), 1, 30, "America/New_York", 60, 15, 15);

	/* Sun 1 Nov 00:00 EDT. */
	assert_at(&s, utc(2026, 11, 1, 4, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 11, 1, 5, 30, 0));
	/* 01:20 EST, the second time round: still in 05:30Z + 60 + 15. */
	assert_at(&s, utc(2026, 11, 1, 6, 20, 0), SIG_SCHEDULE_OPEN, utc(2026, 11, 1, 5, 30, 0));
	/* 01:45 EST: closed; next Sunday 01:30 EST = 06:30Z. */
	assert_at(&s, utc(2026, 11, 1, 6, 45, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 11, 8, 6, 30, 0));

	/* Europe/Dublin: 01:30 on 25 Oct 2026 is IST (UTC+1) then GMT; the
	 * earlier is 00:30Z. tzdata flags Irish winter time as DST. */
	s = weekly(DAY(SUN), 1, 30, "Europe/Dublin", 30, 0, 0);
	assert_at(&s, utc(2026, 10, 24, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 10, 25, 0, 30, 0));
}

/* Australia/Sydney (southern hemisphere): DST ends on Sunday 5 April 2026
 * at 03:00 AEDT (UTC+11) and starts on Sunday 4 October at 02:00 AEST
 * (UTC+10). */
static void test_weekly_sydney(void)
{
	struct sig_schedule s = weekly(DAY(SUN), 10, 0, "Australia/Sydney", 60, 15, 15);

	assert_valid(&s);
	/* Sun 29 Mar 10:00 AEDT = Sat 28 Mar 23:00Z; now is 09:50 AEDT. */
	assert_at(&s, utc(2026, 3, 28, 22, 50, 0), SIG_SCHEDULE_OPEN, utc(2026, 3, 28, 23, 0, 0));
	/* Sun 29 Mar 23:00 AEDT; next is Sun 5 Apr 10:00 AEST = 00:00Z. */
	assert_at(&s, utc(2026, 3, 29, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 4, 5, 0, 0, 0));
	/* Sun 4 Oct 10:00 AEDT = Sat 3 Oct 23:00Z; now is Sat 3 Oct 12:00 AEST. */
	assert_at(&s, utc(2026, 10, 3, 2, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 10, 3, 23, 0, 0));

	/* 02:30 twice on 5 April: the earlier, 02:30 AEDT = Sat 15:30Z. */
	s = weekly(DAY(SUN), 2, 30, "Australia/Sydney", 60, 0, 0);
	assert_at(&s, utc(2026, 4, 4, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 4, 4, 15, 30, 0));
	/* 02:30 skipped on 4 October: 03:00 AEDT = Sat 16:00Z. */
	assert_at(&s, utc(2026, 10, 3, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 10, 3, 16, 0, 0));
}

/* Samoa skipped Friday 30 December 2011 entirely (UTC-10 to UTC+14 at
 * midnight): a Friday 19:00 meeting that week starts at the end of the gap,
 * Sat 31 Dec 00:00 +14 = Fri 30 Dec 10:00Z. */
static void test_weekly_skipped_day(void)
{
	struct sig_schedule s = weekly(DAY(FRI), 19, 0, "Pacific/Apia", 60, 0, 0);

	/* Thu 29 Dec 2011 14:00 UTC-10. */
	assert_at(&s, utc(2011, 12, 30, 0, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2011, 12, 30, 10, 0, 0));
	/* The next Friday, 6 Jan 2012 19:00 +14 = 05:00Z. */
	assert_at(&s, utc(2011, 12, 30, 11, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2012, 1, 6, 5, 0, 0));

	/* Thursday 29 Dec 23:30 UTC-10 (= 09:30Z) for 60 minutes ends on
	 * Saturday 31 Dec at 00:30 +14, two local days later: at 00:10 +14
	 * it is still open. */
	s = weekly(DAY(THU), 23, 30, "Pacific/Apia", 60, 0, 0);
	assert_at(&s, utc(2011, 12, 30, 10, 10, 0), SIG_SCHEDULE_OPEN, utc(2011, 12, 30, 9, 30, 0));
}

/* Monday 23:30 for 60 minutes runs into Tuesday: at 00:10 local on Tuesday
 * it is open, although today's (Tuesday's) schedule has nothing. */
static void test_weekly_across_midnight(void)
{
	struct sig_schedule s = weekly(DAY(MON), 23, 30, "Europe/Berlin", 60, 15, 15);

	/* Mon 15 Jun 2026 23:30 CEST (UTC+2) = 21:30Z. Now: Tue 00:10 CEST. */
	assert_at(&s, utc(2026, 6, 15, 22, 10, 0), SIG_SCHEDULE_OPEN, utc(2026, 6, 15, 21, 30, 0));
	/* Tue 00:44:59 CEST, the last second of grace. */
	assert_at(&s, utc(2026, 6, 15, 22, 44, 59), SIG_SCHEDULE_OPEN, utc(2026, 6, 15, 21, 30, 0));
	/* Tue 00:45 CEST: closed; next Monday. */
	assert_at(&s, utc(2026, 6, 15, 22, 45, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 22, 21, 30, 0));

	/* Asia/Tokyo (UTC+9): Mon 23:30 JST = 14:30Z; now Tue 00:10 JST. */
	s = weekly(DAY(MON), 23, 30, "Asia/Tokyo", 60, 0, 0);
	assert_at(&s, utc(2026, 6, 15, 15, 10, 0), SIG_SCHEDULE_OPEN, utc(2026, 6, 15, 14, 30, 0));
}

/* Grace can open a window on the previous local day: a Tuesday 00:10
 * Asia/Tokyo meeting with 30 minutes' grace opens on Monday at 23:40. */
static void test_weekly_grace_previous_day(void)
{
	struct sig_schedule s = weekly(DAY(TUE), 0, 10, "Asia/Tokyo", 45, 30, 0);

	/* Tue 16 Jun 2026 00:10 JST = Mon 15:10Z. Now: Mon 23:30 JST. */
	assert_at(&s, utc(2026, 6, 15, 14, 30, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 15, 15, 10, 0));
	/* Mon 23:40 JST: open. */
	assert_at(&s, utc(2026, 6, 15, 14, 40, 0), SIG_SCHEDULE_OPEN, utc(2026, 6, 15, 15, 10, 0));
	/* Mon 23:59:59 JST. */
	assert_at(&s, utc(2026, 6, 15, 14, 59, 59), SIG_SCHEDULE_OPEN, utc(2026, 6, 15, 15, 10, 0));
}

static void test_weekly_several_days(void)
{
	struct sig_schedule s = weekly(DAY(TUE) | DAY(THU), 19, 0, "America/New_York", 60, 15, 15);

	/* June 2026: Tue 16, Thu 18, Tue 23; 19:00 EDT = 23:00Z. */
	/* Wed 17 Jun 12:00 EDT: Thursday is next. */
	assert_at(&s, utc(2026, 6, 17, 16, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 18, 23, 0, 0));
	/* Tue 16 Jun 18:00 EDT: today's is next. */
	assert_at(&s, utc(2026, 6, 16, 22, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 16, 23, 0, 0));
	/* Tue 16 Jun 19:05 EDT: open. */
	assert_at(&s, utc(2026, 6, 16, 23, 5, 0), SIG_SCHEDULE_OPEN, utc(2026, 6, 16, 23, 0, 0));
	/* Thu 18 Jun 20:30 EDT: Thursday's closed at 20:15; next Tuesday. */
	assert_at(&s, utc(2026, 6, 19, 0, 30, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 23, 23, 0, 0));
	/* Sat 20 Jun: next Tuesday. */
	assert_at(&s, utc(2026, 6, 20, 16, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 23, 23, 0, 0));

	/* Mon, Wed, Fri 09:00 UTC: from Sat 20 Jun, Monday 22 Jun. */
	s = weekly(DAY(MON) | DAY(WED) | DAY(FRI), 9, 0, "UTC", 30, 0, 0);
	assert_at(&s, utc(2026, 6, 20, 12, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 22, 9, 0, 0));
	/* From Mon 22 Jun 09:30 (just closed), Wednesday. */
	assert_at(&s, utc(2026, 6, 22, 9, 30, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 24, 9, 0, 0));
	/* Every day: from Sun 21 Jun 10:00, Monday. */
	s = weekly(0x7f, 9, 0, "UTC", 30, 0, 0);
	assert_at(&s, utc(2026, 6, 21, 10, 0, 0), SIG_SCHEDULE_NOT_OPEN_YET,
		  utc(2026, 6, 22, 9, 0, 0));
}

/* Daily 24-hour meetings with 4 hours' grace overlap: the earlier wins. */
static void test_weekly_overlapping_windows(void)
{
	struct sig_schedule s = weekly(0x7f, 0, 0, "UTC", SIG_SCHEDULE_MAX_DURATION,
				       SIG_SCHEDULE_MAX_GRACE, SIG_SCHEDULE_MAX_GRACE);

	assert_valid(&s);
	/* 00:30 on 22 Jun is in 21 Jun's window (to 04:00) and 22 Jun's. */
	assert_at(&s, utc(2026, 6, 22, 0, 30, 0), SIG_SCHEDULE_OPEN, utc(2026, 6, 21, 0, 0, 0));
	assert_at(&s, utc(2026, 6, 22, 4, 0, 0), SIG_SCHEDULE_OPEN, utc(2026, 6, 22, 0, 0, 0));
}

/* Weekly schedules never end; absurd clocks do not crash. */
static void test_weekly_extremes(void)
{
	struct sig_schedule s = weekly(DAY(SUN), 19, 0, "America/New_York", 60, 15, 15);
	struct sig_occurrence occ;

	g_assert_cmpint(sig_schedule_at(&s, utc(2999, 6, 1, 0, 0, 0), &occ), ==,
			SIG_SCHEDULE_NOT_OPEN_YET);
	g_assert_cmpint(sig_schedule_at(&s, 0, &occ), ==, SIG_SCHEDULE_NOT_OPEN_YET);
	/* Sun 4 Jan 1970 19:00 EST = Mon 00:00Z. */
	g_assert_cmpint(occ.start, ==, utc(1970, 1, 5, 0, 0, 0));
	g_assert_cmpint(sig_schedule_at(&s, INT64_MIN, &occ), ==, SIG_SCHEDULE_NOT_OPEN_YET);
	g_assert_cmpint(sig_schedule_at(&s, INT64_MAX, &occ), ==, SIG_SCHEDULE_OVER);
}

/* JSON */

static void assert_same(const struct sig_schedule *a, const struct sig_schedule *b)
{
	g_assert_cmpint(a->kind, ==, b->kind);
	g_assert_cmpint(a->start, ==, b->start);
	g_assert_cmpint(a->end, ==, b->end);
	g_assert_cmpuint(a->weekdays, ==, b->weekdays);
	g_assert_cmpint(a->start_minute, ==, b->start_minute);
	g_assert_cmpint(a->duration_minutes, ==, b->duration_minutes);
	g_assert_cmpstr(a->time_zone, ==, b->time_zone);
	g_assert_cmpint(a->grace_before_minutes, ==, b->grace_before_minutes);
	g_assert_cmpint(a->grace_after_minutes, ==, b->grace_after_minutes);
}

static struct sig_schedule from_text(const char *text)
{
	struct sig_schedule s;
	json_t *json = json_loads(text, 0, NULL);
	const char *field = NULL;
	char *problem = NULL;

	g_assert_nonnull(json);
	if (sig_schedule_from_json(json, &s, &field, &problem) < 0)
		g_error("%s: %s %s", text, field, problem);
	json_decref(json);
	return s;
}

/* to_json writes exactly `want`, and reading it back gives the same. */
static void assert_round_trip(const char *in, const char *want)
{
	struct sig_schedule s = from_text(in), back;
	json_t *json = sig_schedule_to_json(&s);
	char *text = json_dumps(json, JSON_COMPACT);

	g_assert_cmpstr(text, ==, want);
	back = from_text(text);
	assert_same(&s, &back);
	free(text);
	json_decref(json);
}

static void test_json_round_trip(void)
{
	assert_round_trip("{\"type\":\"once\",\"start\":\"2026-12-01T17:00:00Z\","
			  "\"end\":\"2026-12-01T18:00:00Z\"}",
			  "{\"type\":\"once\",\"start\":\"2026-12-01T17:00:00Z\","
			  "\"end\":\"2026-12-01T18:00:00Z\",\"grace_before_minutes\":15,"
			  "\"grace_after_minutes\":15}");
	/* Offsets and fractions are normalised to UTC seconds. */
	assert_round_trip("{\"grace_after_minutes\":0,\"end\":\"2026-12-01T19:00:00.5+01:00\","
			  "\"type\":\"once\",\"start\":\"2026-12-01T12:00:00-05:00\","
			  "\"grace_before_minutes\":240}",
			  "{\"type\":\"once\",\"start\":\"2026-12-01T17:00:00Z\","
			  "\"end\":\"2026-12-01T18:00:00Z\",\"grace_before_minutes\":240,"
			  "\"grace_after_minutes\":0}");
	/* Days come back in week order. */
	assert_round_trip(
	    "{\"type\":\"weekly\",\"days\":[\"thu\",\"tue\"],\"start_time\":\"19:00\","
	    "\"time_zone\":\"America/New_York\",\"duration_minutes\":60}",
	    "{\"type\":\"weekly\",\"days\":[\"tue\",\"thu\"],\"start_time\":\"19:00\","
	    "\"time_zone\":\"America/New_York\",\"duration_minutes\":60,"
	    "\"grace_before_minutes\":15,\"grace_after_minutes\":15}");
	assert_round_trip("{\"type\":\"weekly\",\"days\":[\"sun\",\"mon\",\"tue\",\"wed\",\"thu\","
			  "\"fri\",\"sat\"],\"start_time\":\"00:00\",\"time_zone\":\"UTC\","
			  "\"duration_minutes\":1440,\"grace_before_minutes\":0,"
			  "\"grace_after_minutes\":5}",
			  "{\"type\":\"weekly\",\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\","
			  "\"sat\",\"sun\"],\"start_time\":\"00:00\",\"time_zone\":\"UTC\","
			  "\"duration_minutes\":1440,\"grace_before_minutes\":0,"
			  "\"grace_after_minutes\":5}");

	struct sig_schedule s =
	    from_text("{\"type\":\"weekly\",\"days\":[\"sat\"],"
		      "\"start_time\":\"23:59\",\"time_zone\":"
		      "\"America/Argentina/Buenos_Aires\",\"duration_minutes\":1}");
	g_assert_cmpint(s.kind, ==, SIG_SCHEDULE_WEEKLY);
	g_assert_cmpuint(s.weekdays, ==, DAY(SAT));
	g_assert_cmpint(s.start_minute, ==, 23 * 60 + 59);
	g_assert_cmpint(s.duration_minutes, ==, 1);
	g_assert_cmpint(s.grace_before_minutes, ==, SIG_SCHEDULE_DEFAULT_GRACE);

	/* A one-off of exactly the longest duration is fine. */
	s = from_text("{\"type\":\"once\",\"start\":\"2026-12-01T00:00:00Z\","
		      "\"end\":\"2026-12-02T00:00:00Z\"}");
	g_assert_cmpint(s.end - s.start, ==, SIG_SCHEDULE_MAX_DURATION * 60);
}

static void test_json_zone_names(void)
{
	static const char *const known[] = {"UTC",	     "Etc/GMT+5",
					    "Europe/Berlin", "America/Port-au-Prince",
					    "Japan",	     "America/Indiana/Knox"};

	for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
		char *text = g_strdup_printf("{\"type\":\"weekly\",\"days\":[\"mon\"],"
					     "\"start_time\":\"10:00\",\"time_zone\":\"%s\","
					     "\"duration_minutes\":30}",
					     known[i]);
		struct sig_schedule s = from_text(text);
		g_assert_cmpstr(s.time_zone, ==, known[i]);
		g_free(text);
	}
}

#define ONCE_START "\"type\":\"once\",\"start\":\"2026-12-01T17:00:00Z\""
#define ONCE	   ONCE_START ",\"end\":\"2026-12-01T18:00:00Z\""
#define WEEKLY_DAYS                                                                                \
	"\"type\":\"weekly\",\"days\":[\"tue\"],\"start_time\":\"19:00\","                         \
	"\"duration_minutes\":60"
/* Unknown zone names of 63 bytes (fits) and 64 bytes (does not). */
#define ZONE63                                                                                     \
	"America/Argentina/ComodRivadavia"                                                         \
	"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
#define ZONE64 ZONE63 "X"
#define WEEKLY WEEKLY_DAYS ",\"time_zone\":\"America/New_York\""

static const char bad_time[] =
    "must be an RFC 3339 time such as \"2026-12-01T17:00:00Z\", in the years 1970 to 9999";
static const char bad_start_time[] = "must be a time of day as \"HH:MM\", 00:00 to 23:59";
static const char bad_days[] = "must be an array of day names, \"mon\" to \"sun\"";

static const struct {
	const char *json, *field, *problem;
} json_errors[] = {
    {"[]", "schedule", "must be an object"},
    {"\"weekly\"", "schedule", "must be an object"},
    {"{}", "schedule.type", "is required"},
    {"{\"type\":1}", "schedule.type", "must be a string"},
    {"{\"type\":\"daily\"}", "schedule.type", "must be \"once\" or \"weekly\""},
    {"{\"type\":\"Once\"}", "schedule.type", "must be \"once\" or \"weekly\""},
    /* unknown and misplaced fields */
    {"{" ONCE ",\"colour\":\"red\"}", "schedule", "has an unknown field \"colour\""},
    {"{\"colour\":\"red\"," WEEKLY "}", "schedule", "has an unknown field \"colour\""},
    {"{" ONCE ",\"a\\\"b\":1}", "schedule", "has an unknown field"},
    {"{" ONCE ",\"\":1}", "schedule", "has an unknown field"},
    {"{" ONCE ",\"days\":[\"tue\"]}", "schedule.days", "does not apply to a \"once\" schedule"},
    {"{" WEEKLY ",\"end\":\"2026-12-01T18:00:00Z\"}", "schedule.end",
     "does not apply to a \"weekly\" schedule"},
    /* once */
    {"{\"type\":\"once\",\"end\":\"2026-12-01T18:00:00Z\"}", "schedule.start", "is required"},
    {"{" ONCE_START "}", "schedule.end", "is required"},
    {"{\"type\":\"once\",\"start\":1796144400,\"end\":\"2026-12-01T18:00:00Z\"}", "schedule.start",
     "must be a string"},
    {"{\"type\":\"once\",\"start\":\"tomorrow\",\"end\":\"2026-12-01T18:00:00Z\"}",
     "schedule.start", bad_time},
    {"{" ONCE_START ",\"end\":\"2026-12-01T18:00:00\"}", "schedule.end", bad_time},
    {"{\"type\":\"once\",\"start\":\"1969-12-31T23:00:00Z\",\"end\":\"1970-01-01T00:30:00Z\"}",
     "schedule.start", bad_time},
    {"{" ONCE_START ",\"end\":\"2026-12-01T16:00:00Z\"}", "schedule.end", "must be after start"},
    {"{" ONCE_START ",\"end\":\"2026-12-01T17:00:00Z\"}", "schedule.end", "must be after start"},
    {"{" ONCE_START ",\"end\":\"2026-12-02T17:00:01Z\"}", "schedule.end",
     "must be at most 1440 minutes after start"},
    {"{" ONCE ",\"start\":\"2026-12-01T17:00:00Z\\u0000\"}", "schedule.start",
     "must not contain a NUL character"},
    /* grace */
    {"{" ONCE ",\"grace_before_minutes\":241}", "schedule.grace_before_minutes",
     "must be between 0 and 240"},
    {"{" ONCE ",\"grace_before_minutes\":-1}", "schedule.grace_before_minutes",
     "must be between 0 and 240"},
    {"{" ONCE ",\"grace_after_minutes\":9223372036854775807}", "schedule.grace_after_minutes",
     "must be between 0 and 240"},
    {"{" ONCE ",\"grace_after_minutes\":-4294967296}", "schedule.grace_after_minutes",
     "must be between 0 and 240"},
    {"{" ONCE ",\"grace_after_minutes\":\"15\"}", "schedule.grace_after_minutes",
     "must be an integer"},
    {"{" ONCE ",\"grace_after_minutes\":15.0}", "schedule.grace_after_minutes",
     "must be an integer"},
    {"{" ONCE ",\"grace_after_minutes\":null}", "schedule.grace_after_minutes",
     "must be an integer"},
    {"{" WEEKLY ",\"grace_before_minutes\":true}", "schedule.grace_before_minutes",
     "must be an integer"},
    /* days */
    {"{\"type\":\"weekly\",\"start_time\":\"19:00\",\"time_zone\":\"UTC\","
     "\"duration_minutes\":60}",
     "schedule.days", "is required"},
    {"{" WEEKLY ",\"days\":\"tue\"}", "schedule.days", "must be an array of day names"},
    {"{" WEEKLY ",\"days\":{}}", "schedule.days", "must be an array of day names"},
    {"{" WEEKLY ",\"days\":[]}", "schedule.days", "must name at least one day"},
    {"{" WEEKLY ",\"days\":[\"Tue\"]}", "schedule.days", bad_days},
    {"{" WEEKLY ",\"days\":[\"tuesday\"]}", "schedule.days", bad_days},
    {"{" WEEKLY ",\"days\":[\"tu\"]}", "schedule.days", bad_days},
    {"{" WEEKLY ",\"days\":[2]}", "schedule.days", bad_days},
    {"{" WEEKLY ",\"days\":[\"mon\",null]}", "schedule.days", bad_days},
    {"{" WEEKLY ",\"days\":[\"tue\",\"thu\",\"tue\"]}", "schedule.days", "names \"tue\" twice"},
    /* start_time */
    {"{\"type\":\"weekly\",\"days\":[\"tue\"],\"time_zone\":\"UTC\",\"duration_minutes\":60}",
     "schedule.start_time", "is required"},
    {"{" WEEKLY ",\"start_time\":1900}", "schedule.start_time", "must be a string"},
    {"{" WEEKLY ",\"start_time\":\"7:00\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\"24:00\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\"19:60\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\"19:00:00\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\"19.00\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\" 19:00\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\"+1:00\"}", "schedule.start_time", bad_start_time},
    {"{" WEEKLY ",\"start_time\":\"\"}", "schedule.start_time", bad_start_time},
    /* time_zone */
    {"{" WEEKLY_DAYS "}", "schedule.time_zone", "is required"},
    {"{" WEEKLY_DAYS ",\"time_zone\":-5}", "schedule.time_zone", "must be a string"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"Mars/Base\"}", "schedule.time_zone",
     "\"Mars/Base\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"europe/berlin\"}", "schedule.time_zone",
     "\"europe/berlin\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"/usr/share/zoneinfo/Europe/Berlin\"}", "schedule.time_zone",
     "is not a known IANA time zone, such as \"Europe/Berlin\""},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"../zoneinfo/UTC\"}", "schedule.time_zone",
     "\"../zoneinfo/UTC\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"posix/Europe/Berlin\"}", "schedule.time_zone",
     "\"posix/Europe/Berlin\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"localtime\"}", "schedule.time_zone",
     "\"localtime\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"ABC5\"}", "schedule.time_zone",
     "\"ABC5\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"+05:00\"}", "schedule.time_zone",
     "\"+05:00\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"Z\"}", "schedule.time_zone",
     "\"Z\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"America\"}", "schedule.time_zone",
     "\"America\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"Europe/Berlin/\"}", "schedule.time_zone",
     "\"Europe/Berlin/\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"Europe//Berlin\"}", "schedule.time_zone",
     "\"Europe//Berlin\" is not a known IANA time zone"},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"\"}", "schedule.time_zone",
     "is not a known IANA time zone, such as \"Europe/Berlin\""},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"Europe/Berlin\\n\"}", "schedule.time_zone",
     "is not a known IANA time zone, such as \"Europe/Berlin\""},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"" ZONE63 "\"}", "schedule.time_zone",
     "is not a known IANA time zone, such as \"Europe/Berlin\""},
    {"{" WEEKLY_DAYS ",\"time_zone\":\"" ZONE64 "\"}", "schedule.time_zone",
     "must be shorter than 64 bytes"},
    /* duration_minutes */
    {"{\"type\":\"weekly\",\"days\":[\"tue\"],\"start_time\":\"19:00\",\"time_zone\":\"UTC\"}",
     "schedule.duration_minutes", "is required"},
    {"{" WEEKLY ",\"duration_minutes\":0}", "schedule.duration_minutes",
     "must be between 1 and 1440"},
    {"{" WEEKLY ",\"duration_minutes\":1441}", "schedule.duration_minutes",
     "must be between 1 and 1440"},
    {"{" WEEKLY ",\"duration_minutes\":\"60\"}", "schedule.duration_minutes", "must be an integer"},
};

static void test_json_errors(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(json_errors); i++) {
		json_error_t jerr;
		json_t *json =
		    json_loads(json_errors[i].json, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
		struct sig_schedule s, before;
		const char *field = NULL;
		char *problem = NULL;

		g_test_message("%s", json_errors[i].json);
		if (!json)
			g_error("%s: %s", json_errors[i].json, jerr.text);
		memset(&s, 0xab, sizeof(s));
		memcpy(&before, &s, sizeof(s));
		g_assert_cmpint(sig_schedule_from_json(json, &s, &field, &problem), ==, -EINVAL);
		g_assert_cmpstr(field, ==, json_errors[i].field);
		g_assert_cmpstr(problem, ==, json_errors[i].problem);
		g_assert_true(memcmp(&s, &before, sizeof(s)) == 0); /* untouched */
		g_free(problem);
		json_decref(json);
	}
}

/* A key longer than ECHO_MAX is not quoted back. */
static void test_json_long_unknown_field(void)
{
	json_t *json = json_loads("{" ONCE "}", 0, NULL);
	char key[100];
	struct sig_schedule s;
	const char *field = NULL;
	char *problem = NULL;

	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	json_object_set_new(json, key, json_true());
	g_assert_cmpint(sig_schedule_from_json(json, &s, &field, &problem), ==, -EINVAL);
	g_assert_cmpstr(field, ==, "schedule");
	g_assert_cmpstr(problem, ==, "has an unknown field");
	g_free(problem);
	json_decref(json);
}

/* Validation of a struct built in code */

static void assert_invalid(const struct sig_schedule *s, const char *want_field,
			   const char *want_problem)
{
	const char *field = NULL;
	char *problem = NULL;

	g_assert_cmpint(sig_schedule_validate(s, &field, &problem), ==, -EINVAL);
	g_assert_cmpstr(field, ==, want_field);
	g_assert_cmpstr(problem, ==, want_problem);
	g_free(problem);
}

static void test_validate(void)
{
	struct sig_schedule ok = weekly(DAY(TUE), 19, 0, "Europe/Berlin", 60, 15, 15), s;
	struct sig_schedule once = {.kind = SIG_SCHEDULE_ONCE,
				    .start = utc(2026, 12, 1, 17, 0, 0),
				    .end = utc(2026, 12, 1, 18, 0, 0)};

	assert_valid(&ok);
	assert_valid(&once);
	s = ok, s.kind = 2;
	assert_invalid(&s, "schedule.type", "must be \"once\" or \"weekly\"");
	s = ok, s.weekdays = 0;
	assert_invalid(&s, "schedule.days", "must name at least one day");
	s = ok, s.weekdays = 0x80;
	assert_invalid(&s, "schedule.days", "must name at least one day");
	s = ok, s.weekdays = 0x81;
	assert_invalid(&s, "schedule.days", "must name only days mon to sun");
	s = ok, s.start_minute = 1440;
	assert_invalid(&s, "schedule.start_time", "must be between 00:00 and 23:59");
	s = ok, s.start_minute = -1;
	assert_invalid(&s, "schedule.start_time", "must be between 00:00 and 23:59");
	s = ok, s.duration_minutes = 0;
	assert_invalid(&s, "schedule.duration_minutes", "must be between 1 and 1440");
	s = ok, s.duration_minutes = 1441;
	assert_invalid(&s, "schedule.duration_minutes", "must be between 1 and 1440");
	s = ok, memset(s.time_zone, 'A', sizeof(s.time_zone));
	assert_invalid(&s, "schedule.time_zone", "must be shorter than 64 bytes");
	s = ok, memcpy(s.time_zone, "Mars/Base", sizeof("Mars/Base"));
	assert_invalid(&s, "schedule.time_zone", "\"Mars/Base\" is not a known IANA time zone");
	s = ok, s.grace_before_minutes = 241;
	assert_invalid(&s, "schedule.grace_before_minutes", "must be between 0 and 240");
	s = ok, s.grace_after_minutes = -1;
	assert_invalid(&s, "schedule.grace_after_minutes", "must be between 0 and 240");

	s = once, s.start = -1;
	assert_invalid(&s, "schedule.start", "must be in the years 1970 to 9999");
	s = once, s.end = utc(9999, 12, 31, 23, 59, 59) + 1;
	assert_invalid(&s, "schedule.end", "must be in the years 1970 to 9999");
	s = once, s.end = s.start;
	assert_invalid(&s, "schedule.end", "must be after start");
	s = once, s.end = s.start + SIG_SCHEDULE_MAX_DURATION * 60 + 1;
	assert_invalid(&s, "schedule.end", "must be at most 1440 minutes after start");
	s = once, s.grace_after_minutes = 241;
	assert_invalid(&s, "schedule.grace_after_minutes", "must be between 0 and 240");
}

static void test_to_json_broken(void)
{
	struct sig_schedule s = weekly(DAY(TUE), 19, 0, "UTC", 60, 15, 15);

	s.kind = 5;
	g_assert_null(sig_schedule_to_json(&s));
	s = weekly(DAY(TUE), 19, 0, "UTC", 60, 15, 15);
	s.start_minute = 24 * 60;
	g_assert_null(sig_schedule_to_json(&s));
	s = weekly(DAY(TUE), 19, 0, "UTC", 60, 15, 15);
	memset(s.time_zone, 'A', sizeof(s.time_zone));
	g_assert_null(sig_schedule_to_json(&s));
}

/* hearthctl's short form */

static void test_parse_weekly(void)
{
	static const struct {
		const char *text;
		unsigned days;
		int minute;
		const char *zone;
	} cases[] = {
	    {"tue,thu 19:00 America/New_York", DAY(TUE) | DAY(THU), 19 * 60, "America/New_York"},
	    {"mon-fri 08:30 Europe/Berlin", 0x1f, 8 * 60 + 30, "Europe/Berlin"},
	    {"sat-sun 00:00 UTC", DAY(SAT) | DAY(SUN), 0, "UTC"},
	    {"mon,wed-fri,sun 23:59 Asia/Tokyo", 0x5d, 23 * 60 + 59, "Asia/Tokyo"},
	    {"sun 12:00 Australia/Sydney", DAY(SUN), 12 * 60, "Australia/Sydney"},
	    {"mon-mon 12:00 Etc/GMT-14", DAY(MON), 12 * 60, "Etc/GMT-14"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sig_schedule s = weekly(DAY(MON), 1, 0, "UTC", 77, 3, 4);
		char *problem = NULL;

		g_test_message("%s", cases[i].text);
		g_assert_cmpint(sig_schedule_parse_weekly(cases[i].text, &s, &problem), ==, 0);
		g_assert_null(problem);
		g_assert_cmpuint(s.weekdays, ==, cases[i].days);
		g_assert_cmpint(s.start_minute, ==, cases[i].minute);
		g_assert_cmpstr(s.time_zone, ==, cases[i].zone);
		/* other fields untouched */
		g_assert_cmpint(s.kind, ==, SIG_SCHEDULE_WEEKLY);
		g_assert_cmpint(s.duration_minutes, ==, 77);
		g_assert_cmpint(s.grace_before_minutes, ==, 3);
		g_assert_cmpint(s.grace_after_minutes, ==, 4);
	}
}

static void test_parse_weekly_errors(void)
{
	static const char usage[] = "must look like \"tue,thu 19:00 America/New_York\"";
	static const char days[] =
	    "days must be mon to sun, separated by commas, or ranges such as mon-fri";
	static const char time_of_day[] = "the time must be \"HH:MM\", 00:00 to 23:59";
	/* Would otherwise be a days error: the length cap comes first. */
	GString *long_days = g_string_new("mon");
	char *long_text;

	for (int i = 0; i < 80; i++)
		g_string_append(long_days, ",mon");
	g_string_append(long_days, " 19:00 UTC");
	long_text = g_string_free(long_days, FALSE);
	const struct {
		const char *text, *problem;
	} cases[] = {
	    {"", usage},
	    {"tue 19:00", usage},
	    {"tue 19:00 UTC extra", usage},
	    {" tue 19:00 UTC", usage},
	    {long_text, usage},
	    {"Tue 19:00 UTC", days},
	    {"tue, 19:00 UTC", days},
	    {",tue 19:00 UTC", days},
	    {"fri-mon 19:00 UTC", days},
	    {"mon-fr 19:00 UTC", days},
	    {"mon--fri 19:00 UTC", days},
	    {"weekdays 19:00 UTC", days},
	    {"tue,tue 19:00 UTC", "\"tue\" is named twice"},
	    {"mon-wed,tue 19:00 UTC", "\"tue\" is named twice"},
	    {"tue 7pm UTC", time_of_day},
	    {"tue 7:00 UTC", time_of_day},
	    {"tue 24:00 UTC", time_of_day},
	    {"tue  19:00 UTC", usage},
	    {"tue 19:00 Mars/Base", "\"Mars/Base\" is not a known IANA time zone"},
	    {"tue 19:00 /etc/passwd", "\"/etc/passwd\" is not a known IANA time zone"},
	    {"tue 19:00 \"x\"",
	     "the time zone is not a known IANA time zone, such as \"Europe/Berlin\""},
	    {"tue 19:00 " ZONE64, "the time zone must be shorter than 64 bytes"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sig_schedule s = weekly(DAY(MON), 1, 0, "UTC", 77, 3, 4), before = s;
		char *problem = NULL;

		g_test_message("%s", cases[i].text);
		g_assert_cmpint(sig_schedule_parse_weekly(cases[i].text, &s, &problem), ==,
				-EINVAL);
		g_assert_cmpstr(problem, ==, cases[i].problem);
		assert_same(&s, &before);
		g_free(problem);
	}
	g_free(long_text);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/schedule/time/parse-valid", test_time_parse_valid);
	g_test_add_func("/schedule/time/parse-invalid", test_time_parse_invalid);
	g_test_add_func("/schedule/time/format", test_time_format);
	g_test_add_func("/schedule/once/window", test_once_window);
	g_test_add_func("/schedule/weekly/new-york-dst", test_weekly_new_york_dst);
	g_test_add_func("/schedule/weekly/keeps-local-time", test_weekly_keeps_local_time);
	g_test_add_func("/schedule/weekly/spring-forward-gap", test_weekly_spring_forward_gap);
	g_test_add_func("/schedule/weekly/fall-back-overlap", test_weekly_fall_back_overlap);
	g_test_add_func("/schedule/weekly/sydney", test_weekly_sydney);
	g_test_add_func("/schedule/weekly/skipped-day", test_weekly_skipped_day);
	g_test_add_func("/schedule/weekly/across-midnight", test_weekly_across_midnight);
	g_test_add_func("/schedule/weekly/grace-previous-day", test_weekly_grace_previous_day);
	g_test_add_func("/schedule/weekly/several-days", test_weekly_several_days);
	g_test_add_func("/schedule/weekly/overlapping-windows", test_weekly_overlapping_windows);
	g_test_add_func("/schedule/weekly/extremes", test_weekly_extremes);
	g_test_add_func("/schedule/json/round-trip", test_json_round_trip);
	g_test_add_func("/schedule/json/zone-names", test_json_zone_names);
	g_test_add_func("/schedule/json/errors", test_json_errors);
	g_test_add_func("/schedule/json/long-unknown-field", test_json_long_unknown_field);
	g_test_add_func("/schedule/validate", test_validate);
	g_test_add_func("/schedule/to-json-broken", test_to_json_broken);
	g_test_add_func("/schedule/short-form", test_parse_weekly);
	g_test_add_func("/schedule/short-form-errors", test_parse_weekly_errors);
	return g_test_run();
}
