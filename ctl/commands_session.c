/* session create|list|show|update|end|end-occurrence|occurrences|delete. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

/* The options of create and update, as typed (GOption FILENAME strings:
 * bytes as given, checked for UTF-8 where they become JSON strings). */
struct ctl_session_opts {
	char *kind, *title, *weekly, *duration, *start, *end;
	char *capacity, *waiting_room, *names_editable, *publish;
	char *grace, *grace_before, *grace_after;
};

static void ctl_session_opts_clear(struct ctl_session_opts *o)
{
	char **fields[] = {&o->kind,	       &o->title,   &o->weekly,	  &o->duration,
			   &o->start,	       &o->end,	    &o->capacity, &o->waiting_room,
			   &o->names_editable, &o->publish, &o->grace,	  &o->grace_before,
			   &o->grace_after};

	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		g_clear_pointer(fields[i], g_free);
}

static int ctl_set_minutes(json_t *object, const char *key, const char *option, const char *text)
{
	long long minutes;

	if (ctl_parse_minutes(text, &minutes) < 0) {
		ctl_error("%s takes a duration like 90, 60m or 1h30m, not '%s'", option, text);
		return CTL_EXIT_USAGE;
	}
	json_object_set_new(object, key, json_integer(minutes));
	return CTL_EXIT_OK;
}

static int ctl_session_grace(const struct ctl_session_opts *o, json_t *schedule)
{
	int r = CTL_EXIT_OK;

	if (o->grace && (o->grace_before || o->grace_after)) {
		ctl_error("session create: --grace sets both sides; do not combine it with "
			  "--grace-before or --grace-after");
		return CTL_EXIT_USAGE;
	}
	if (o->grace) {
		r = ctl_set_minutes(schedule, "grace_before_minutes", "--grace", o->grace);
		if (r == CTL_EXIT_OK)
			r = ctl_set_minutes(schedule, "grace_after_minutes", "--grace", o->grace);
	}
	if (r == CTL_EXIT_OK && o->grace_before)
		r = ctl_set_minutes(schedule, "grace_before_minutes", "--grace-before",
				    o->grace_before);
	if (r == CTL_EXIT_OK && o->grace_after)
		r = ctl_set_minutes(schedule, "grace_after_minutes", "--grace-after",
				    o->grace_after);
	return r;
}

static int ctl_session_weekly(const struct ctl_session_opts *o, json_t **ret_schedule)
{
	json_t *schedule;
	int r;

	if (o->start || o->end || !o->duration) {
		ctl_error("session create: --weekly goes with --duration, not with --start/--end");
		return CTL_EXIT_USAGE;
	}
	if (ctl_parse_weekly(o->weekly, &schedule) < 0) {
		ctl_error("session create: --weekly takes 'DAYS HH:MM ZONE', e.g. "
			  "'tue,thu 19:00 America/New_York'");
		return CTL_EXIT_USAGE;
	}
	r = ctl_set_minutes(schedule, "duration_minutes", "--duration", o->duration);
	if (r != CTL_EXIT_OK) {
		json_decref(schedule);
		return r;
	}
	*ret_schedule = schedule;
	return CTL_EXIT_OK;
}

static int ctl_session_once(const struct ctl_session_opts *o, json_t **ret_schedule)
{
	json_t *schedule;
	int r;

	if (!o->start || !o->end || o->duration) {
		ctl_error("session create: a one-off session needs --start and --end (and no "
			  "--duration)");
		return CTL_EXIT_USAGE;
	}
	schedule = json_pack("{s:s}", "type", "once");
	r = ctl_arg_set_string(schedule, "start", "--start", o->start);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_set_string(schedule, "end", "--end", o->end);
	if (r != CTL_EXIT_OK) {
		json_decref(schedule);
		return r;
	}
	*ret_schedule = schedule;
	return CTL_EXIT_OK;
}

static int ctl_session_schedule(const struct ctl_session_opts *o, json_t **ret_schedule)
{
	json_t *schedule = NULL;
	int r;

	if (!o->weekly && !o->start && !o->end) {
		ctl_error("session create: give --weekly with --duration, or --start and --end");
		return CTL_EXIT_USAGE;
	}
	r = o->weekly ? ctl_session_weekly(o, &schedule) : ctl_session_once(o, &schedule);
	if (r == CTL_EXIT_OK)
		r = ctl_session_grace(o, schedule);
	if (r != CTL_EXIT_OK) {
		json_decref(schedule);
		return r;
	}
	*ret_schedule = schedule;
	return CTL_EXIT_OK;
}

/* The fields create and update share. */
static int ctl_session_fields(const struct ctl_session_opts *o, json_t *body)
{
	long long capacity;
	int r = CTL_EXIT_OK;

	if (o->title)
		r = ctl_arg_set_string(body, "title", "--title", o->title);
	if (r == CTL_EXIT_OK && o->capacity) {
		r = ctl_arg_int("--capacity", o->capacity, &capacity);
		if (r == CTL_EXIT_OK)
			json_object_set_new(body, "capacity", json_integer(capacity));
	}
	if (r == CTL_EXIT_OK && o->waiting_room)
		r = ctl_arg_set_on_off(body, "waiting_room", "--waiting-room", o->waiting_room);
	if (r == CTL_EXIT_OK && o->names_editable)
		r = ctl_arg_set_on_off(body, "names_editable", "--names-editable",
				       o->names_editable);
	if (r == CTL_EXIT_OK && o->publish)
		r = ctl_arg_set_string(body, "publish_policy", "--publish", o->publish);
	return r;
}

/* ["tue", "thu"] → "tue,thu". */
static char *ctl_days_text(const json_t *days)
{
	GString *out = g_string_new(NULL);
	const json_t *day;
	size_t i;

	json_array_foreach(days, i, day)
	{
		g_autofree char *text = ctl_text(day);
		g_string_append_printf(out, "%s%s", i ? "," : "", text);
	}
	return g_string_free(out, FALSE);
}

static char *ctl_schedule_text(const json_t *s)
{
	const char *type = json_string_value(json_object_get(s, "type"));
	g_autofree char *when = NULL;
	g_autofree char *before = ctl_text(json_object_get(s, "grace_before_minutes"));
	g_autofree char *after = ctl_text(json_object_get(s, "grace_after_minutes"));

	if (g_strcmp0(type, "weekly") == 0) {
		g_autofree char *days = ctl_days_text(json_object_get(s, "days"));
		g_autofree char *at = ctl_text(json_object_get(s, "start_time"));
		g_autofree char *zone = ctl_text(json_object_get(s, "time_zone"));
		g_autofree char *duration = ctl_text(json_object_get(s, "duration_minutes"));
		when = g_strdup_printf("weekly %s %s %s, %s min", days, at, zone, duration);
	} else {
		g_autofree char *start = ctl_text(json_object_get(s, "start"));
		g_autofree char *end = ctl_text(json_object_get(s, "end"));
		when = g_strdup_printf("once %s to %s", start, end);
	}
	return g_strdup_printf("%s (grace %s min before, %s min after)", when, before, after);
}

static char *ctl_occurrence_text(const json_t *o)
{
	g_autofree char *start = ctl_text(json_object_get(o, "start"));
	g_autofree char *end = ctl_text(json_object_get(o, "end"));
	g_autofree char *opens = ctl_text(json_object_get(o, "opens_at"));
	g_autofree char *closes = ctl_text(json_object_get(o, "closes_at"));

	if (!json_is_object(o))
		return g_strdup("-");
	return g_strdup_printf("%s to %s (invites work %s to %s)", start, end, opens, closes);
}

static void ctl_session_print(const json_t *s)
{
	g_autofree char *schedule = ctl_schedule_text(json_object_get(s, "schedule"));
	g_autofree char *next = ctl_occurrence_text(json_object_get(s, "next_occurrence"));
	g_autofree char *current = ctl_occurrence_text(json_object_get(s, "current_occurrence"));
	const json_t *now = json_object_get(s, "current_occurrence");
	g_autofree char *id = ctl_text(json_object_get(s, "id"));

	printf("session %s: ", id);
	ctl_put(json_string_value(json_object_get(s, "title")));
	fputc('\n', stdout);
	ctl_print_field("kind", json_object_get(s, "kind"));
	ctl_print_field("status", json_object_get(s, "status"));
	ctl_print_field("capacity", json_object_get(s, "capacity"));
	ctl_print_field("waiting room", json_object_get(s, "waiting_room"));
	ctl_print_field("names editable", json_object_get(s, "names_editable"));
	ctl_print_field("publish", json_object_get(s, "publish_policy"));
	ctl_print_field_text("schedule", schedule);
	if (json_is_object(now)) {
		ctl_print_field_text("current", current);
		ctl_print_field("current state", json_object_get(now, "state"));
	}
	ctl_print_field_text("next", next);
	ctl_print_field("ended at", json_object_get(s, "ended_at"));
	ctl_print_field("created at", json_object_get(s, "created_at"));
	ctl_print_field("updated at", json_object_get(s, "updated_at"));
}

/* Prints a session answer as JSON or for humans, after a headline. */
static int ctl_session_answer(struct ctl *ctl, json_t *session, const char *headline)
{
	if (!json_is_object(session)) {
		ctl_error("hearthd answered without a session");
		json_decref(session);
		return CTL_EXIT_SERVER;
	}
	if (ctl->json) {
		ctl_print_json(session);
	} else {
		if (headline)
			printf("%s\n", headline);
		ctl_session_print(session);
	}
	json_decref(session);
	return CTL_EXIT_OK;
}

int ctl_cmd_session_create(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	struct ctl_session_opts o = {0};
	const GOptionEntry entries[] = {
	    {"kind", 0, 0, G_OPTION_ARG_FILENAME, &o.kind,
	     "individual, couples, family, group or workshop", "KIND"},
	    {"title", 0, 0, G_OPTION_ARG_FILENAME, &o.title, "Title shown to participants", "T"},
	    {"weekly", 0, 0, G_OPTION_ARG_FILENAME, &o.weekly, "Weekly: 'DAYS HH:MM ZONE'", "W"},
	    {"duration", 0, 0, G_OPTION_ARG_FILENAME, &o.duration, "Weekly duration", "60m"},
	    {"start", 0, 0, G_OPTION_ARG_FILENAME, &o.start, "One-off start", "RFC3339"},
	    {"end", 0, 0, G_OPTION_ARG_FILENAME, &o.end, "One-off end", "RFC3339"},
	    {"capacity", 0, 0, G_OPTION_ARG_FILENAME, &o.capacity, "Roster entries at most", "N"},
	    {"waiting-room", 0, 0, G_OPTION_ARG_FILENAME, &o.waiting_room, "on or off", "on|off"},
	    {"names-editable", 0, 0, G_OPTION_ARG_FILENAME, &o.names_editable,
	     "Participants may choose the name others see: on or off", "on|off"},
	    {"publish", 0, 0, G_OPTION_ARG_FILENAME, &o.publish, "everyone or hosts", "P"},
	    {"grace", 0, 0, G_OPTION_ARG_FILENAME, &o.grace, "Grace before and after", "15m"},
	    {"grace-before", 0, 0, G_OPTION_ARG_FILENAME, &o.grace_before, "Grace before", "D"},
	    {"grace-after", 0, 0, G_OPTION_ARG_FILENAME, &o.grace_after, "Grace after", "D"},
	    {NULL},
	};
	json_t *body = json_object(), *schedule = NULL, *session = NULL;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 0, &argc, &argv);
	if (r == CTL_EXIT_OK && (!o.kind || !o.title)) {
		ctl_error("session create: --kind and --title are required");
		r = CTL_EXIT_USAGE;
	}
	if (r == CTL_EXIT_OK)
		r = ctl_session_schedule(&o, &schedule);
	if (r == CTL_EXIT_OK) {
		json_object_set_new(body, "schedule", schedule);
		r = ctl_arg_set_string(body, "kind", "--kind", o.kind);
	}
	if (r == CTL_EXIT_OK)
		r = ctl_session_fields(&o, body);
	if (r == CTL_EXIT_OK)
		r = ctl_api(ctl, "POST", "/sessions", body, &session);
	if (r == CTL_EXIT_OK)
		r = ctl_session_answer(ctl, session, "created:");
	json_decref(body);
	ctl_session_opts_clear(&o);
	return r;
}

static void ctl_session_row(const json_t *s)
{
	ctl_print_cell(json_object_get(s, "id"), 6, false);
	ctl_print_cell(json_object_get(s, "kind"), 10, false);
	ctl_print_cell(json_object_get(s, "status"), 12, false);
	ctl_print_cell(json_object_get(s, "capacity"), 8, false);
	ctl_print_cell(json_object_get(json_object_get(s, "next_occurrence"), "start"), 20, false);
	ctl_print_cell(json_object_get(s, "title"), 0, true);
}

int ctl_cmd_session_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *limit_text = NULL;
	gboolean all = FALSE;
	const GOptionEntry entries[] = {
	    {"limit", 0, 0, G_OPTION_ARG_FILENAME, &limit_text, "Sessions per page (1..200)", "N"},
	    {"all", 0, 0, G_OPTION_ARG_NONE, &all, "Follow every page", NULL},
	    {NULL},
	};
	long long limit = 0, page_max = CTL_PAGE_MAX;
	json_t *page = NULL, *s;
	size_t i;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 0, &argc, &argv);
	if (r == CTL_EXIT_OK && limit_text)
		r = ctl_arg_int("--limit", limit_text, &limit);
	if (r == CTL_EXIT_OK)
		r = ctl_api_list(ctl, "/sessions", limit_text ? &limit : (all ? &page_max : NULL),
				 all, &page);
	if (r != CTL_EXIT_OK)
		return r;
	if (ctl->json) {
		ctl_print_json(page);
	} else {
		printf("%-6s  %-10s  %-12s  %-8s  %-20s  %s\n", "ID", "KIND", "STATUS", "CAPACITY",
		       "NEXT START", "TITLE");
		json_array_foreach(json_object_get(page, "items"), i, s) ctl_session_row(s);
		ctl_print_more(page, "session list");
	}
	json_decref(page);
	return CTL_EXIT_OK;
}

/* The commands that take just a session id: show, end, delete. */
static int ctl_session_by_id(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv,
			     long long *ret_id)
{
	int r = ctl_parse_options(ctl, cmd, NULL, 1, &argc, &argv);

	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("ID", argv[0], ret_id);
	return r;
}

int ctl_cmd_session_show(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *session = NULL;
	long long id;
	int r;

	r = ctl_session_by_id(ctl, cmd, argc, argv, &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld", id);
	r = ctl_api(ctl, "GET", path, NULL, &session);
	return r == CTL_EXIT_OK ? ctl_session_answer(ctl, session, NULL) : r;
}

int ctl_cmd_session_update(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	struct ctl_session_opts o = {0};
	const GOptionEntry entries[] = {
	    {"title", 0, 0, G_OPTION_ARG_FILENAME, &o.title, "Title shown to participants", "T"},
	    {"capacity", 0, 0, G_OPTION_ARG_FILENAME, &o.capacity, "Roster entries at most", "N"},
	    {"waiting-room", 0, 0, G_OPTION_ARG_FILENAME, &o.waiting_room, "on or off", "on|off"},
	    {"names-editable", 0, 0, G_OPTION_ARG_FILENAME, &o.names_editable,
	     "Participants may choose the name others see: on or off", "on|off"},
	    {"publish", 0, 0, G_OPTION_ARG_FILENAME, &o.publish, "everyone or hosts", "P"},
	    {NULL},
	};
	g_autofree char *path = NULL;
	json_t *body = json_object(), *session = NULL;
	long long id;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 1, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("ID", argv[0], &id);
	if (r == CTL_EXIT_OK)
		r = ctl_session_fields(&o, body);
	if (r == CTL_EXIT_OK && json_object_size(body) == 0) {
		ctl_error("session update: nothing to change (give --title, --capacity, "
			  "--waiting-room, --names-editable or --publish)");
		r = CTL_EXIT_USAGE;
	}
	if (r == CTL_EXIT_OK) {
		path = g_strdup_printf("/sessions/%lld", id);
		r = ctl_api(ctl, "PATCH", path, body, &session);
	}
	if (r == CTL_EXIT_OK)
		r = ctl_session_answer(ctl, session, "updated:");
	json_decref(body);
	ctl_session_opts_clear(&o);
	return r;
}

int ctl_cmd_session_end(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	gboolean series = FALSE;
	const GOptionEntry entries[] = {
	    {"series", 0, 0, G_OPTION_ARG_NONE, &series,
	     "Confirm ending a weekly session's whole series (every future occurrence)", NULL},
	    {NULL},
	};
	g_autofree char *path = NULL;
	json_t *body = NULL, *session = NULL;
	long long id;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 1, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("ID", argv[0], &id);
	if (r != CTL_EXIT_OK)
		return r;
	/* A weekly session asks for the confirmation; hearthd says so. */
	if (series)
		body = json_pack("{s:s}", "confirm", "end-series");
	path = g_strdup_printf("/sessions/%lld/end", id);
	r = ctl_api(ctl, "POST", path, body, &session);
	json_decref(body);
	return r == CTL_EXIT_OK ? ctl_session_answer(ctl, session,
						     "ended for good; its invites no "
						     "longer work:")
				: r;
}

int ctl_cmd_session_end_occurrence(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				   char **argv)
{
	g_autofree char *path = NULL;
	json_t *session = NULL;
	long long id;
	int r;

	r = ctl_session_by_id(ctl, cmd, argc, argv, &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/occurrences/current/end", id);
	r = ctl_api(ctl, "POST", path, NULL, &session);
	return r == CTL_EXIT_OK ? ctl_session_answer(ctl, session,
						     "today's occurrence ended; the series "
						     "and its invites go on:")
				: r;
}

int ctl_cmd_session_occurrences(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				char **argv)
{
	g_autofree char *path = NULL;
	json_t *answer = NULL, *items;
	long long id;
	int r;

	r = ctl_session_by_id(ctl, cmd, argc, argv, &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/occurrences", id);
	r = ctl_api(ctl, "GET", path, NULL, &answer);
	if (r != CTL_EXIT_OK)
		return r;
	items = json_object_get(answer, "items");
	if (!json_is_array(items)) {
		ctl_error("hearthd answered without a list");
		json_decref(answer);
		return CTL_EXIT_SERVER;
	}
	if (ctl->json) {
		ctl_print_json(answer);
	} else {
		printf("%-22s  %-10s  %-22s  %s\n", "START", "STATE", "FIRST JOIN", "ENDED");
		for (size_t i = 0; i < json_array_size(items); i++) {
			const json_t *o = json_array_get(items, i);
			ctl_print_cell(json_object_get(o, "start"), 22, false);
			ctl_print_cell(json_object_get(o, "state"), 10, false);
			ctl_print_cell(json_object_get(o, "first_join_at"), 22, false);
			ctl_print_cell(json_object_get(o, "ended_at"), 0, true);
		}
	}
	json_decref(answer);
	return CTL_EXIT_OK;
}

int ctl_cmd_session_delete(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *answer = NULL;
	long long id;
	int r;

	r = ctl_session_by_id(ctl, cmd, argc, argv, &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld", id);
	r = ctl_api(ctl, "DELETE", path, NULL, &answer);
	if (r == CTL_EXIT_OK && ctl->json && answer)
		ctl_print_json(answer);
	else if (r == CTL_EXIT_OK && !ctl->json)
		printf("deleted session %lld with its roster and invites (its audit rows stay)\n",
		       id);
	json_decref(answer);
	return r;
}
