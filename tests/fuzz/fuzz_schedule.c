/* libFuzzer target: the schedule parsers (JSON form, hearthctl's short form,
 * RFC 3339 times) must never crash, leak or misbehave under the sanitizers
 * on any input; a schedule they accept must survive sig_schedule_at() at
 * any instant and come back unchanged through sig_schedule_to_json(). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/schedule.h"

/* Larger documents are refused before parsing, as the admin API does. */
#define FUZZ_JSON_MAX (16 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Instants around the interesting ones: 1970, DST changes in 2026, the
 * year 9999, and absurd clock readings. */
static const int64_t fuzz_instants[] = {
    INT64_MIN,
    -1,
    0,
    1772953200 /* 2026-03-08T07:00:00Z */,
    1793511000 /* 2026-11-01T05:30:00Z */,
    253402300799 /* 9999-12-31T23:59:59Z */,
    INT64_MAX,
};

static void check_equal(const struct sig_schedule *a, const struct sig_schedule *b)
{
	if (a->kind != b->kind || a->grace_before_minutes != b->grace_before_minutes ||
	    a->grace_after_minutes != b->grace_after_minutes)
		abort();
	if (a->kind == SIG_SCHEDULE_ONCE && (a->start != b->start || a->end != b->end))
		abort();
	if (a->kind == SIG_SCHEDULE_WEEKLY &&
	    (a->weekdays != b->weekdays || a->start_minute != b->start_minute ||
	     a->duration_minutes != b->duration_minutes || strcmp(a->time_zone, b->time_zone) != 0))
		abort();
}

static void fuzz_schedule(const struct sig_schedule *s, int64_t extra)
{
	struct sig_schedule back;
	struct sig_occurrence occ;
	enum sig_schedule_state state;
	const char *field;
	char *problem = NULL;
	json_t *json;

	for (size_t i = 0; i < G_N_ELEMENTS(fuzz_instants); i++)
		(void)sig_schedule_at(s, fuzz_instants[i], &occ);
	state = sig_schedule_at(s, extra, &occ);
	if (state != SIG_SCHEDULE_OVER &&
	    (occ.opens_at > occ.start || occ.start >= occ.end || occ.end > occ.closes_at))
		abort();
	if ((state == SIG_SCHEDULE_OPEN && (extra < occ.opens_at || extra >= occ.closes_at)) ||
	    (state == SIG_SCHEDULE_NOT_OPEN_YET && extra >= occ.opens_at))
		abort();
	json = sig_schedule_to_json(s);
	if (!json || sig_schedule_from_json(json, &back, &field, &problem) != 0)
		abort(); /* what we wrote, we must read */
	check_equal(s, &back);
	json_decref(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_schedule s = {0};
	const char *field = NULL;
	char *problem = NULL, *text;
	int64_t t = 0, extra = 0;
	json_t *json = NULL;

	if (size <= FUZZ_JSON_MAX)
		json = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (size >= sizeof(extra))
		memcpy(&extra, data, sizeof(extra));
	if (json && sig_schedule_from_json(json, &s, &field, &problem) == 0)
		fuzz_schedule(&s, extra);
	g_free(problem);
	json_decref(json);

	text = g_strndup((const char *)data, size); /* stops at an embedded NUL */
	problem = NULL;
	s = (struct sig_schedule){.kind = SIG_SCHEDULE_WEEKLY, .duration_minutes = 60};
	if (sig_schedule_parse_weekly(text, &s, &problem) == 0)
		fuzz_schedule(&s, extra);
	g_free(problem);
	if (sig_time_parse(text, &t) == 0) {
		char back[21];
		int64_t again = -1;
		sig_time_format(t, back);
		if (sig_time_parse(back, &again) != 0 || again != t)
			abort();
	}
	g_free(text);
	return 0;
}
