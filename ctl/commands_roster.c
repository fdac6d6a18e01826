/* roster add|list|show|remove. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

/* Granted permissions, short names for a table: "audio,video,subscribe". */
static char *ctl_permissions_text(const json_t *permissions, bool granted)
{
	GString *out = g_string_new(NULL);
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)permissions, key, value)
	{
		const char *name = g_str_has_prefix(key, "publish_")  ? key + strlen("publish_")
				   : strcmp(key, "share_screen") == 0 ? "screen"
								      : key;
		if (json_is_true(value) != granted)
			continue;
		g_string_append_printf(out, "%s%s", out->len ? "," : "", name);
	}
	if (!out->len)
		g_string_append_c(out, '-');
	return g_string_free(out, FALSE);
}

static void ctl_entry_print(const json_t *e)
{
	const json_t *perms = json_object_get(e, "permissions");
	g_autofree char *id = ctl_text(json_object_get(e, "id"));
	g_autofree char *session = ctl_text(json_object_get(e, "session_id"));
	g_autofree char *granted = ctl_permissions_text(perms, true);
	g_autofree char *refused = ctl_permissions_text(perms, false);

	printf("roster entry %s in session %s: ", id, session);
	ctl_put(json_string_value(json_object_get(e, "display_name")));
	fputc('\n', stdout);
	ctl_print_field("role", json_object_get(e, "role"));
	ctl_print_field_text("may", granted);
	ctl_print_field_text("may not", refused);
	ctl_print_field("auto-admit", json_object_get(e, "auto_admit"));
	ctl_print_field("removed at", json_object_get(e, "removed_at"));
	ctl_print_field("created at", json_object_get(e, "created_at"));
	ctl_print_field("updated at", json_object_get(e, "updated_at"));
}

static int ctl_entry_answer(struct ctl *ctl, json_t *entry, const char *headline)
{
	if (!json_is_object(entry)) {
		ctl_error("hearthd answered without a roster entry");
		json_decref(entry);
		return CTL_EXIT_SERVER;
	}
	if (ctl->json) {
		ctl_print_json(entry);
	} else {
		if (headline)
			printf("%s\n", headline);
		ctl_entry_print(entry);
	}
	json_decref(entry);
	return CTL_EXIT_OK;
}

/* --deny and --allow into {"perm": false/true}; naming one permission both
 * ways is a usage error, the names themselves are the server's to check. */
static int ctl_roster_permissions(char **deny, char **allow, json_t *body)
{
	json_t *perms = json_object();
	char **lists[] = {deny, allow};

	for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
		for (char **p = lists[l]; p && *p; p++) {
			json_t *old = json_object_get(perms, *p);
			if (old && json_is_true(old) != (l == 1)) {
				ctl_error("roster add: %s is both denied and allowed", *p);
				json_decref(perms);
				return CTL_EXIT_USAGE;
			}
			if (!g_utf8_validate(*p, -1, NULL) ||
			    json_object_set_new(perms, *p, json_boolean(l == 1)) < 0) {
				ctl_error("roster add: bad permission name");
				json_decref(perms);
				return CTL_EXIT_USAGE;
			}
		}
	}
	if (json_object_size(perms) > 0)
		json_object_set_new(body, "permissions", perms);
	else
		json_decref(perms);
	return CTL_EXIT_OK;
}

struct ctl_roster_opts {
	char *name, *role;
	gboolean auto_admit, no_auto_admit;
	char **deny, **allow;
};

static int ctl_roster_body(const struct ctl_roster_opts *o, json_t *body)
{
	int r;

	if (!o->name || !o->role) {
		ctl_error("roster add: --name and --role are required");
		return CTL_EXIT_USAGE;
	}
	if (o->auto_admit && o->no_auto_admit) {
		ctl_error("roster add: --auto-admit and --no-auto-admit contradict each other");
		return CTL_EXIT_USAGE;
	}
	r = ctl_arg_set_string(body, "display_name", "--name", o->name);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_set_string(body, "role", "--role", o->role);
	if (r == CTL_EXIT_OK && (o->auto_admit || o->no_auto_admit))
		json_object_set_new(body, "auto_admit", json_boolean(o->auto_admit));
	if (r == CTL_EXIT_OK)
		r = ctl_roster_permissions(o->deny, o->allow, body);
	return r;
}

int ctl_cmd_roster_add(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	struct ctl_roster_opts o = {0};
	const GOptionEntry entries[] = {
	    {"name", 0, 0, G_OPTION_ARG_FILENAME, &o.name, "Display name (shown to others)", "N"},
	    {"role", 0, 0, G_OPTION_ARG_FILENAME, &o.role,
	     "host, cohost, client, partner, family, peer or viewer", "ROLE"},
	    {"auto-admit", 0, 0, G_OPTION_ARG_NONE, &o.auto_admit, "Skip the waiting room", NULL},
	    {"no-auto-admit", 0, 0, G_OPTION_ARG_NONE, &o.no_auto_admit, "Use the waiting room",
	     NULL},
	    {"deny", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.deny, "Take a permission away", "PERM"},
	    {"allow", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.allow, "Grant a permission", "PERM"},
	    {NULL},
	};
	g_autofree char *path = NULL;
	json_t *body = json_object(), *entry = NULL;
	long long session;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 1, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], &session);
	if (r == CTL_EXIT_OK)
		r = ctl_roster_body(&o, body);
	if (r == CTL_EXIT_OK) {
		path = g_strdup_printf("/sessions/%lld/roster", session);
		r = ctl_api(ctl, "POST", path, body, &entry);
	}
	if (r == CTL_EXIT_OK)
		r = ctl_entry_answer(ctl, entry, "added:");
	json_decref(body);
	g_free(o.name);
	g_free(o.role);
	g_strfreev(o.deny);
	g_strfreev(o.allow);
	return r;
}

static void ctl_entry_row(const json_t *e)
{
	g_autofree char *perms = ctl_permissions_text(json_object_get(e, "permissions"), true);
	json_t *removed = json_object_get(e, "removed_at");
	json_t *state = json_string(removed && !json_is_null(removed) ? "removed" : "active");
	json_t *p = json_string(perms);

	ctl_print_cell(json_object_get(e, "id"), 6, false);
	ctl_print_cell(json_object_get(e, "role"), 8, false);
	ctl_print_cell(state, 8, false);
	ctl_print_cell(json_object_get(e, "auto_admit"), 10, false);
	ctl_print_cell(p, 37, false);
	ctl_print_cell(json_object_get(e, "display_name"), 0, true);
	json_decref(state);
	json_decref(p);
}

/* Parses the SESSION [ENTRY] ids of the commands without options. */
static int ctl_roster_ids(struct ctl *ctl, const struct ctl_command *cmd, int n, int argc,
			  char **argv, long long *ret_session, long long *ret_entry)
{
	int r = ctl_parse_options(ctl, cmd, NULL, n, &argc, &argv);

	if (r == CTL_EXIT_OK)
		r = ctl_arg_id("SESSION", argv[0], ret_session);
	if (r == CTL_EXIT_OK && n > 1)
		r = ctl_arg_id("ENTRY", argv[1], ret_entry);
	return r;
}

int ctl_cmd_roster_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *page = NULL, *e;
	long long session, page_max = CTL_PAGE_MAX;
	size_t i;
	int r;

	r = ctl_roster_ids(ctl, cmd, 1, argc, argv, &session, NULL);
	if (r != CTL_EXIT_OK)
		return r;
	/* A roster is bounded by its capacity (500): always list all of it. */
	path = g_strdup_printf("/sessions/%lld/roster", session);
	r = ctl_api_list(ctl, path, &page_max, true, &page);
	if (r != CTL_EXIT_OK)
		return r;
	if (ctl->json) {
		ctl_print_json(page);
	} else {
		printf("%-6s  %-8s  %-8s  %-10s  %-37s  %s\n", "ID", "ROLE", "STATE", "AUTO-ADMIT",
		       "PERMISSIONS", "NAME");
		json_array_foreach(json_object_get(page, "items"), i, e) ctl_entry_row(e);
	}
	json_decref(page);
	return CTL_EXIT_OK;
}

int ctl_cmd_roster_show(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *entry = NULL;
	long long session, id;
	int r;

	r = ctl_roster_ids(ctl, cmd, 2, argc, argv, &session, &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/roster/%lld", session, id);
	r = ctl_api(ctl, "GET", path, NULL, &entry);
	return r == CTL_EXIT_OK ? ctl_entry_answer(ctl, entry, NULL) : r;
}

int ctl_cmd_roster_remove(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *path = NULL;
	json_t *answer = NULL;
	long long session, id;
	int r;

	r = ctl_roster_ids(ctl, cmd, 2, argc, argv, &session, &id);
	if (r != CTL_EXIT_OK)
		return r;
	path = g_strdup_printf("/sessions/%lld/roster/%lld", session, id);
	r = ctl_api(ctl, "DELETE", path, NULL, &answer);
	if (r == CTL_EXIT_OK && ctl->json && answer)
		ctl_print_json(answer);
	else if (r == CTL_EXIT_OK && !ctl->json)
		printf("removed roster entry %lld from session %lld; its invites no longer work\n",
		       id, session);
	json_decref(answer);
	return r;
}
