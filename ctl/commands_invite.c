/* invite create|list|revoke. The token of a new invite is printed once, in
 * its link, by invite create; nothing else here ever prints it. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static void ctl_invite_print(const json_t *inv)
{
	g_autofree char *id = ctl_text(json_object_get(inv, "id"));
	g_autofree char *entry = ctl_text(json_object_get(inv, "roster_entry_id"));
	g_autofree char *session = ctl_text(json_object_get(inv, "session_id"));
	g_autofree char *uses = ctl_text(json_object_get(inv, "uses"));
	g_autofree char *max = ctl_text(json_object_get(inv, "max_uses"));
	g_autofree char *left = ctl_text(json_object_get(inv, "remaining_uses"));
	/* Uses count occurrences joined, not joins. */
	g_autofree char *used = g_strdup_printf(
	    "%s of %s (%s left%s)", uses, max, left,
	    json_is_true(json_object_get(inv, "nearly_used_up")) ? ", nearly used up" : "");

	printf("invite %s for roster entry %s in session %s\n", id, entry, session);
	ctl_print_field("state", json_object_get(inv, "state"));
	ctl_print_field_text("uses", used);
	ctl_print_field("created at", json_object_get(inv, "created_at"));
	ctl_print_field("revoked at", json_object_get(inv, "revoked_at"));
	ctl_print_field("last used at", json_object_get(inv, "last_used_at"));
}

/* The link is the point of this command: it goes first, alone on its line,
 * so that it can be copied; the server will never show it again. */
static int ctl_invite_created(struct ctl *ctl, json_t *answer)
{
	const char *url = json_string_value(json_object_get(answer, "url"));
	const json_t *inv = json_object_get(answer, "invite");

	if (!url || !json_is_object(inv)) {
		ctl_error("hearthd answered without an invite link");
		return CTL_EXIT_SERVER;
	}
	if (ctl->json) {
		ctl_print_json(answer);
		return CTL_EXIT_OK;
	}
	printf("Invite link (shown only this once; copy it now and send it to the participant):\n"
	       "\n    ");
	ctl_put(url);
	printf("\n\n");
	ctl_invite_print(inv);
	printf("Earlier links of this roster entry no longer work.\n");
	return CTL_EXIT_OK;
}

int ctl_cmd_invite_create(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *max_uses_text = NULL;
	const GOptionEntry entries[] = {
	    {"max-uses", 0, 0, G_OPTION_ARG_FILENAME, &max_uses_text,
	     "How many joins the link allows (1..1000, default 20)", "N"},
	    {NULL},
	};
	g_autofree char *path = NULL;
	json_t *body = json_object(), *answer = NULL;
	long long session, entry, max_uses;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 2, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], &session);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("ENTRY", argv[1], &entry);
	if (r == CTL_EXIT_OK && max_uses_text) {
		r = ctl_arg_int("--max-uses", max_uses_text, &max_uses);
		if (r == CTL_EXIT_OK)
			json_object_set_new(body, "max_uses", json_integer(max_uses));
	}
	if (r == CTL_EXIT_OK) {
		path = g_strdup_printf("/sessions/%lld/roster/%lld/invite", session, entry);
		r = ctl_api(ctl, "POST", path, body, &answer);
	}
	if (r == CTL_EXIT_OK)
		r = ctl_invite_created(ctl, answer);
	json_decref(answer);
	json_decref(body);
	return r;
}

static void ctl_invite_row(const json_t *inv)
{
	ctl_print_cell(json_object_get(inv, "id"), 6, false);
	ctl_print_cell(json_object_get(inv, "roster_entry_id"), 6, false);
	ctl_print_cell(json_object_get(inv, "state"), 8, false);
	ctl_print_cell(json_object_get(inv, "uses"), 5, false);
	ctl_print_cell(json_object_get(inv, "max_uses"), 5, false);
	ctl_print_cell(json_object_get(inv, "created_at"), 24, false);
	ctl_print_cell(json_object_get(inv, "last_used_at"), 0, true);
}

int ctl_cmd_invite_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *entry_text = NULL;
	const GOptionEntry entries[] = {
	    {"entry", 0, 0, G_OPTION_ARG_FILENAME, &entry_text, "Only this roster entry's",
	     "ENTRY"},
	    {NULL},
	};
	g_autofree char *path = NULL;
	json_t *page = NULL, *inv;
	long long session, entry = 0, page_max = CTL_PAGE_MAX;
	size_t i;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 1, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], &session);
	if (r == CTL_EXIT_OK && entry_text)
		r = ctl_arg_id("--entry", entry_text, &entry);
	if (r != CTL_EXIT_OK)
		return r;
	path = entry ? g_strdup_printf("/sessions/%lld/invites?roster_entry=%lld", session, entry)
		     : g_strdup_printf("/sessions/%lld/invites", session);
	r = ctl_api_list(ctl, path, &page_max, true, &page);
	if (r != CTL_EXIT_OK)
		return r;
	if (ctl->json) {
		ctl_print_json(page);
	} else {
		printf("%-6s  %-6s  %-8s  %-5s  %-5s  %-24s  %s\n", "ID", "ENTRY", "STATE", "USES",
		       "MAX", "CREATED", "LAST USED");
		json_array_foreach(json_object_get(page, "items"), i, inv) ctl_invite_row(inv);
	}
	json_decref(page);
	return CTL_EXIT_OK;
}

int ctl_cmd_invite_revoke(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *answer = NULL;
	long long session, id;
	int r;

	r = ctl_parse_options(ctl, cmd, NULL, 2, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], &session);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("INVITE", argv[1], &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/invites/%lld", session, id);
	r = ctl_api(ctl, "DELETE", path, NULL, &answer);
	if (r == CTL_EXIT_OK && ctl->json && answer) {
		ctl_print_json(answer);
	} else if (r == CTL_EXIT_OK && !ctl->json) {
		printf("revoked; the link no longer works:\n");
		if (json_is_object(answer))
			ctl_invite_print(json_object_get(answer, "invite")
					     ? json_object_get(answer, "invite")
					     : answer);
	}
	json_decref(answer);
	return r;
}
