/* hearthctl internals shared by its command files: the exit codes scripts
 * rely on, the invocation state, the command table's entry type, option
 * parsing per command, the admin API client and the output helpers.
 *
 * Command functions return an exit code (enum ctl_exit), not an errno: the
 * code is what the program answers, and each failure has been reported on
 * stderr by the time it is returned. */
#ifndef HEARTH_CTL_CTL_H
#define HEARTH_CTL_CTL_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

/* Documented in ctl/README.md and in `hearthctl --help`; never renumber. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_SERVER = 1,	   /* 5xx, or an answer we did not expect */
	CTL_EXIT_USAGE = 2,	   /* bad command line */
	CTL_EXIT_UNREACHABLE = 3,  /* no socket, refused, timed out */
	CTL_EXIT_NOT_FOUND = 4,	   /* 404 */
	CTL_EXIT_CONFLICT = 5,	   /* 409: conflict or capacity */
	CTL_EXIT_INVALID = 6,	   /* 400, 413, 414 */
	CTL_EXIT_AUDIT_BROKEN = 7, /* audit verify found a bad row */
	CTL_EXIT_REFUSED = 8,	   /* 401, 403, 429 */
};

struct ctl {
	char *socket; /* owned; NULL until --socket is given or the API is first used */
	gboolean json;
};

struct ctl_command;
typedef int (*ctl_command_fn)(struct ctl *ctl, const struct ctl_command *cmd, int argc,
			      char **argv);

struct ctl_command {
	const char *group;   /* "session" */
	const char *verb;    /* "create" */
	const char *params;  /* positional arguments and options, for usage lines */
	const char *summary; /* one line */
	ctl_command_fn run;
};

/* Prints "hearthctl: " and the message to stderr. */
void ctl_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Parses a command's options (plus --json and --socket) with GOption and
 * checks that exactly n_args positional arguments remain. *argv is the
 * NULL-terminated strv the command was given (program name first), owned
 * by the dispatcher and edited in place: afterwards it holds the positional
 * arguments only, and *argc counts them. Returns CTL_EXIT_OK or
 * CTL_EXIT_USAGE (reported). */
int ctl_parse_options(struct ctl *ctl, const struct ctl_command *cmd, const GOptionEntry *entries,
		      int n_args, int *argc, char ***argv);

/* Argument parsers (ctl_args.c). Each returns 0 or -EINVAL and leaves its
 * output untouched on failure; the caller reports the usage error. */
int ctl_parse_id(const char *text, long long *ret_id);	       /* 1..INT64_MAX */
int ctl_parse_int(const char *text, long long *ret_value);     /* any int64 */
int ctl_parse_minutes(const char *text, long long *ret_value); /* "90", "60m", "1h30m" */
int ctl_parse_on_off(const char *text, bool *ret_value);
/* 'tue,thu 19:00 America/New_York' → {"type": "weekly", "days": [...],
 * "start_time": ..., "time_zone": ...} (caller owns the reference). */
int ctl_parse_weekly(const char *text, json_t **ret_schedule);

/* Usage-checked helpers that report the problem and return CTL_EXIT_USAGE. */
int ctl_arg_id(const char *what, const char *text, long long *ret_id);
int ctl_arg_int(const char *option, const char *text, long long *ret_value);
/* Sets key to a JSON string of text, which must be valid UTF-8. */
int ctl_arg_set_string(json_t *object, const char *key, const char *option, const char *text);
/* Sets key to true/false from "on"/"off". */
int ctl_arg_set_on_off(json_t *object, const char *key, const char *option, const char *text);

/* The admin API (ctl_api.c). path starts with "/" under /api/v1. body may
 * be NULL. On a 2xx answer stores its JSON (NULL when it had no body) in
 * ret_json (caller decrefs) and returns CTL_EXIT_OK; otherwise reports the
 * server's error (and prints its JSON on stdout under --json) and returns
 * the matching exit code. */
int ctl_api(struct ctl *ctl, const char *method, const char *path, json_t *body, json_t **ret_json);

/* GETs a list at path (which may already carry a query string), with
 * ?limit=*limit (NULL: the server's default; any value is sent, the server
 * judges it) and, when all is true, follows next_after to the last page.
 * Stores {"items": [...], "next_after": ...} in ret_page (caller decrefs).
 * Returns an exit code as ctl_api. */
#define CTL_PAGE_MAX 200 /* the API's largest ?limit */
int ctl_api_list(struct ctl *ctl, const char *path, const long long *limit, bool all,
		 json_t **ret_page);

/* Output (ctl_print.c). */
void ctl_print_json(const json_t *value);
/* A copy of text with control characters (and invalid UTF-8) shown as '?'.
 * Caller g_free()s. */
char *ctl_clean(const char *text);
/* Writes text to stdout with control characters shown as '?', so that a
 * title or display name cannot drive the terminal. */
void ctl_put(const char *text);
/* A value as text for humans: strings as is, integers, yes/no, "-" for
 * null or missing, JSON otherwise. Caller g_free()s. */
char *ctl_text(const json_t *value);
/* "  label:␣␣␣value\n", the value cleaned as ctl_put. */
void ctl_print_field(const char *label, const json_t *value);
void ctl_print_field_text(const char *label, const char *text);
/* A table cell: value as ctl_text, cleaned, padded to width (0: not padded),
 * followed by two spaces unless last. */
void ctl_print_cell(const json_t *value, int width, bool last);
/* The last page's next_after when it is not null: a hint on stdout. */
void ctl_print_more(const json_t *page, const char *command);

/* Commands (commands_*.c). */
int ctl_cmd_session_create(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_session_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_session_show(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_session_update(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_session_end(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_session_end_occurrence(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				   char **argv);
int ctl_cmd_session_occurrences(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				char **argv);
int ctl_cmd_session_delete(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_roster_add(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_roster_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_roster_show(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_roster_remove(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_invite_create(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_invite_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_invite_revoke(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_participant_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_participant_remove(struct ctl *ctl, const struct ctl_command *cmd, int argc,
			       char **argv);
int ctl_cmd_participant_mute(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_participant_to_waiting(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				   char **argv);
int ctl_cmd_participant_admit(struct ctl *ctl, const struct ctl_command *cmd, int argc,
			      char **argv);
int ctl_cmd_audit_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_audit_verify(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);
int ctl_cmd_api_key_generate(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv);

#endif
