/* hearthctl: the admin command line for hearthd. Reads the global options,
 * finds the command in the table and runs it; see ctl/README.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static const struct ctl_command ctl_commands[] = {
    {"session", "create",
     "--kind KIND --title TITLE (--weekly 'tue,thu 19:00 America/New_York' --duration 60m | "
     "--start RFC3339 --end RFC3339) [--capacity N] [--waiting-room on|off] "
     "[--names-editable on|off] [--publish everyone|hosts] [--grace 15m | --grace-before 10m "
     "--grace-after 20m]",
     "Create a session (one-off or weekly)", ctl_cmd_session_create},
    {"session", "list", "[--limit N] [--all]", "List sessions (--all follows every page)",
     ctl_cmd_session_list},
    {"session", "show", "ID", "Show a session", ctl_cmd_session_show},
    {"session", "update",
     "ID [--title T] [--capacity N] [--waiting-room on|off] [--names-editable on|off] "
     "[--publish P]",
     "Change a session", ctl_cmd_session_update},
    {"session", "end", "ID [--series]",
     "End a session for good (its invites stop working); a weekly one needs --series",
     ctl_cmd_session_end},
    {"session", "end-occurrence", "ID",
     "End today's occurrence (everyone out until the next; the series and invites stay)",
     ctl_cmd_session_end_occurrence},
    {"session", "occurrences", "ID", "List a session's next, current and recent occurrences",
     ctl_cmd_session_occurrences},
    {"session", "delete", "ID", "Delete a session with its roster and invites",
     ctl_cmd_session_delete},
    {"roster", "add",
     "SESSION --name NAME --role ROLE [--auto-admit] [--no-auto-admit] [--deny PERM]... "
     "[--allow PERM]...",
     "Add a participant to a session's roster", ctl_cmd_roster_add},
    {"roster", "list", "SESSION", "List a session's roster", ctl_cmd_roster_list},
    {"roster", "show", "SESSION ENTRY", "Show a roster entry", ctl_cmd_roster_show},
    {"roster", "remove", "SESSION ENTRY", "Remove a roster entry and its invites",
     ctl_cmd_roster_remove},
    {"invite", "create", "SESSION ENTRY [--max-uses N]",
     "Create the invite link of a roster entry (shown only once)", ctl_cmd_invite_create},
    {"invite", "list", "SESSION [--entry ENTRY]", "List a session's invites", ctl_cmd_invite_list},
    {"invite", "revoke", "SESSION INVITE", "Revoke an invite", ctl_cmd_invite_revoke},
    {"participant", "list", "SESSION", "Who is present in a session now", ctl_cmd_participant_list},
    {"participant", "remove", "SESSION PARTICIPANT",
     "Remove someone present (their roster entry and links too)", ctl_cmd_participant_remove},
    {"participant", "mute", "SESSION PARTICIPANT --kind audio|video [--lock]",
     "Turn off someone's microphone or camera", ctl_cmd_participant_mute},
    {"participant", "to-waiting", "SESSION PARTICIPANT", "Send someone back to the waiting room",
     ctl_cmd_participant_to_waiting},
    {"participant", "admit", "SESSION PARTICIPANT", "Admit someone from the waiting room",
     ctl_cmd_participant_admit},
    {"audit", "list", "[--session ID] [--limit N] [--all]", "List audit log rows",
     ctl_cmd_audit_list},
    {"audit", "verify", "", "Check the audit log's hash chain", ctl_cmd_audit_verify},
    {"api-key", "generate", "NAME [--read-only]",
     "Make a new API key and its config entry (local, no daemon needed)", ctl_cmd_api_key_generate},
};

static const char ctl_exit_help[] = "Exit status:\n"
				    "  0  success\n"
				    "  1  server error (5xx) or an unexpected answer\n"
				    "  2  usage error\n"
				    "  3  cannot reach the daemon (no socket, refused, timed out)\n"
				    "  4  not found (404)\n"
				    "  5  conflict or capacity exceeded (409)\n"
				    "  6  invalid request (400, 413)\n"
				    "  7  audit chain broken (audit verify)\n"
				    "  8  refused by policy (401, 403, 429)\n";

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hearthctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void ctl_help(FILE *out)
{
	fputs("Usage: hearthctl [--socket PATH] [--json] COMMAND ...\n\n"
	      "Manage hearthd's sessions, rosters, invites and audit log through its admin\n"
	      "socket: --socket, else $HEARTH_ADMIN_SOCKET, else /run/hearth/hearthd.sock if it\n"
	      "exists, else hearth-state/hearthd.sock. --json prints the server's JSON.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < G_N_ELEMENTS(ctl_commands); i++) {
		const struct ctl_command *c = &ctl_commands[i];
		fprintf(out, "  %s %s %s\n      %s\n", c->group, c->verb, c->params, c->summary);
	}
	fputs("  help, --help, --version\n\n"
	      "`hearthctl COMMAND --help` shows a command's options.\n\n",
	      out);
	fputs(ctl_exit_help, out);
}

static void ctl_group_usage(const char *group)
{
	fprintf(stderr, "Usage:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(ctl_commands); i++)
		if (strcmp(ctl_commands[i].group, group) == 0)
			fprintf(stderr, "  hearthctl %s %s %s\n", group, ctl_commands[i].verb,
				ctl_commands[i].params);
}

/* Finds the command; *ret_group_known tells whether group exists at all. */
static const struct ctl_command *ctl_find(const char *group, const char *verb,
					  bool *ret_group_known)
{
	*ret_group_known = false;
	for (size_t i = 0; i < G_N_ELEMENTS(ctl_commands); i++) {
		if (strcmp(ctl_commands[i].group, group) != 0)
			continue;
		*ret_group_known = true;
		if (verb && strcmp(ctl_commands[i].verb, verb) == 0)
			return &ctl_commands[i];
	}
	return NULL;
}

int ctl_parse_options(struct ctl *ctl, const struct ctl_command *cmd, const GOptionEntry *entries,
		      int n_args, int *argc, char ***argv)
{
	char *socket = NULL;
	const GOptionEntry common[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, "Print the server's JSON", NULL},
	    {"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket, "The admin socket", "PATH"},
	    {NULL},
	};
	g_autofree char *usage = g_strdup_printf("%s %s %s", cmd->group, cmd->verb, cmd->params);
	GOptionContext *context = g_option_context_new(usage);
	g_autoptr(GError) error = NULL;
	int r = CTL_EXIT_OK;

	g_option_context_set_summary(context, cmd->summary);
	if (entries)
		g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_add_main_entries(context, common, NULL);
	if (!g_option_context_parse_strv(context, argv, &error)) {
		ctl_error("%s %s: %s (see hearthctl %s %s --help)", cmd->group, cmd->verb,
			  error->message, cmd->group, cmd->verb);
		r = CTL_EXIT_USAGE;
	} else if ((int)g_strv_length(*argv) - 1 != n_args) {
		ctl_error("%s %s: expected %d argument%s, got %u", cmd->group, cmd->verb, n_args,
			  n_args == 1 ? "" : "s", g_strv_length(*argv) - 1);
		fprintf(stderr, "Usage: hearthctl %s\n", usage);
		r = CTL_EXIT_USAGE;
	}
	if (socket) {
		g_free(ctl->socket);
		ctl->socket = socket;
	}
	g_option_context_free(context);
	*argc = (int)g_strv_length(*argv) - 1;
	/* Drop argv[0] so that the command sees its positional arguments. */
	if (**argv) {
		g_free((*argv)[0]);
		memmove(*argv, *argv + 1, (size_t)(*argc + 1) * sizeof(char *));
	}
	return r;
}

/* Reads the options before the command. Returns the index of the command
 * word, or -1 after handling --help/--version (exit 0 via ret_exit) or a
 * usage error. */
static int ctl_global_options(struct ctl *ctl, int argc, char **argv, int *ret_exit)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			ctl->json = TRUE;
		} else if (strcmp(a, "--socket") == 0) {
			if (i + 1 == argc) {
				ctl_error("--socket needs a PATH");
				*ret_exit = CTL_EXIT_USAGE;
				return -1;
			}
			g_free(ctl->socket);
			ctl->socket = g_strdup(argv[++i]);
		} else if (g_str_has_prefix(a, "--socket=")) {
			g_free(ctl->socket);
			ctl->socket = g_strdup(a + strlen("--socket="));
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			ctl_help(stdout);
			*ret_exit = CTL_EXIT_OK;
			return -1;
		} else if (strcmp(a, "--version") == 0) {
			printf("hearthctl %s\n", HEARTH_VERSION);
			*ret_exit = CTL_EXIT_OK;
			return -1;
		} else {
			ctl_error("unknown option %s (see hearthctl --help)", a);
			*ret_exit = CTL_EXIT_USAGE;
			return -1;
		}
	}
	return i;
}

static int ctl_dispatch(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_command *cmd;
	bool group_known;
	char **sub;
	int r = CTL_EXIT_USAGE, i;

	i = ctl_global_options(ctl, argc, argv, &r);
	if (i < 0)
		return r;
	if (i >= argc) {
		ctl_help(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		ctl_help(stdout);
		return CTL_EXIT_OK;
	}
	cmd = ctl_find(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &group_known);
	if (!cmd) {
		if (group_known)
			ctl_group_usage(argv[i]);
		else
			ctl_error("unknown command '%s' (see hearthctl --help)", argv[i]);
		return CTL_EXIT_USAGE;
	}
	/* The command's own argv: the program name, then what follows the verb. */
	sub = g_new0(char *, (size_t)(argc - i));
	sub[0] = g_strdup("hearthctl");
	for (int k = i + 2; k < argc; k++)
		sub[k - i - 1] = g_strdup(argv[k]);
	r = cmd->run(ctl, cmd, argc - i - 1, sub);
	g_strfreev(sub);
	return r;
}

int main(int argc, char **argv)
{
	struct ctl ctl = {0};
	int r;

	g_set_prgname("hearthctl");
	r = ctl_dispatch(&ctl, argc, argv);
	g_free(ctl.socket);
	return r;
}
