/* participant list|remove|mute|to-waiting|admit: who is present in a
 * session now, and a host's decisions about one of them
 * (docs/admin-api.md, "Participants"). */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

/* A participant id as hearthd makes them ("p-" and hex digits): checked
 * here only so that nothing but one path segment is sent; the server says
 * whether anyone has it. */
static int ctl_arg_participant(const char *text)
{
	size_t len = strlen(text);

	if (len < 3 || len > 32 || strncmp(text, "p-", 2) != 0 ||
	    strspn(text + 2, "0123456789abcdef") != len - 2) {
		ctl_error("PARTICIPANT: expected a participant id such as p-3fa4c2d1e0b9a871");
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

static void ctl_participant_row(const json_t *p)
{
	ctl_print_cell(json_object_get(p, "participant_id"), 18, false);
	ctl_print_cell(json_object_get(p, "roster_entry_id"), 6, false);
	ctl_print_cell(json_object_get(p, "role"), 8, false);
	ctl_print_cell(json_object_get(p, "state"), 8, false);
	ctl_print_cell(json_object_get(p, "audio"), 5, false);
	ctl_print_cell(json_object_get(p, "video"), 5, false);
	ctl_print_cell(json_object_get(p, "muted"), 17, false);
	ctl_print_cell(json_object_get(p, "joined_at"), 20, false);
	ctl_print_cell(json_object_get(p, "display_name"), 0, true);
}

static void ctl_participant_table(const json_t *items)
{
	const json_t *p;
	size_t i;

	printf("%-18s  %-6s  %-8s  %-8s  %-5s  %-5s  %-17s  %-20s  %s\n", "PARTICIPANT", "ENTRY",
	       "ROLE", "STATE", "AUDIO", "VIDEO", "MUTED", "JOINED", "NAME");
	json_array_foreach(items, i, p) ctl_participant_row(p);
}

int ctl_cmd_participant_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *answer = NULL;
	long long session;
	int r;

	r = ctl_parse_options(ctl, cmd, NULL, 1, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], &session);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/participants", session);
	r = ctl_api(ctl, "GET", path, NULL, &answer);
	if (r == CTL_EXIT_OK && ctl->json)
		ctl_print_json(answer);
	else if (r == CTL_EXIT_OK)
		ctl_participant_table(json_object_get(answer, "items"));
	json_decref(answer);
	return r;
}

/* POST /sessions/SESSION/participants/PARTICIPANT/<action> with body
 * (taken, may be NULL); prints the participant as it is now. */
static int ctl_participant_post(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				char **argv, const GOptionEntry *entries, const char *action,
				json_t *(*make_body)(void))
{
	g_autofree char *path = NULL;
	json_t *answer = NULL, *body = NULL;
	long long session;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 2, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], &session);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_participant(argv[1]);
	if (r == CTL_EXIT_OK && make_body && !(body = make_body()))
		r = CTL_EXIT_USAGE;
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/participants/%s/%s", session, argv[1], action);
	r = ctl_api(ctl, "POST", path, body, &answer);
	json_decref(body);
	if (r == CTL_EXIT_OK && ctl->json && answer)
		ctl_print_json(answer);
	else if (r == CTL_EXIT_OK && !ctl->json && json_is_object(answer)) {
		json_t *one = json_array();
		json_array_append(one, answer);
		ctl_participant_table(one);
		json_decref(one);
	} else if (r == CTL_EXIT_OK && !ctl->json)
		printf("%s: done\n", argv[1]);
	json_decref(answer);
	return r;
}

int ctl_cmd_participant_remove(struct ctl *ctl, const struct ctl_command *cmd, int argc,
			       char **argv)
{
	return ctl_participant_post(ctl, cmd, argc, argv, NULL, "remove", NULL);
}

int ctl_cmd_participant_to_waiting(struct ctl *ctl, const struct ctl_command *cmd, int argc,
				   char **argv)
{
	return ctl_participant_post(ctl, cmd, argc, argv, NULL, "to-waiting", NULL);
}

int ctl_cmd_participant_admit(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	return ctl_participant_post(ctl, cmd, argc, argv, NULL, "admit", NULL);
}

/* mute's options, read by ctl_mute_body (one command per process). */
static char *ctl_mute_kind;
static gboolean ctl_mute_lock;

static json_t *ctl_mute_body(void)
{
	if (!ctl_mute_kind) {
		ctl_error("participant mute: --kind audio|video is required");
		return NULL;
	}
	return json_pack("{s:s,s:b}", "kind", ctl_mute_kind, "lock", ctl_mute_lock);
}

int ctl_cmd_participant_mute(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"kind", 0, 0, G_OPTION_ARG_STRING, &ctl_mute_kind, "audio or video", "KIND"},
	    {"lock", 0, 0, G_OPTION_ARG_NONE, &ctl_mute_lock, "They may not turn it on again",
	     NULL},
	    {NULL},
	};
	int r = ctl_participant_post(ctl, cmd, argc, argv, entries, "mute", ctl_mute_body);

	g_free(ctl_mute_kind);
	ctl_mute_kind = NULL;
	return r;
}
