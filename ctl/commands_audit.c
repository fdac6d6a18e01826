/* audit list|verify. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static void ctl_audit_row(const json_t *row)
{
	ctl_print_cell(json_object_get(row, "id"), 6, false);
	ctl_print_cell(json_object_get(row, "at"), 24, false);
	ctl_print_cell(json_object_get(row, "kind"), 16, false);
	ctl_print_cell(json_object_get(row, "session_id"), 7, false);
	ctl_print_cell(json_object_get(row, "roster_entry_id"), 6, false);
	ctl_print_cell(json_object_get(row, "invite_id"), 6, false);
	ctl_print_cell(json_object_get(row, "actor"), 20, false);
	ctl_print_cell(json_object_get(row, "detail"), 0, true);
}

int ctl_cmd_audit_list(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	g_autofree char *session_text = NULL, *limit_text = NULL, *path = NULL;
	gboolean all = FALSE;
	const GOptionEntry entries[] = {
	    {"session", 0, 0, G_OPTION_ARG_FILENAME, &session_text, "Only this session's rows",
	     "ID"},
	    {"limit", 0, 0, G_OPTION_ARG_FILENAME, &limit_text, "Rows per page (1..200)", "N"},
	    {"all", 0, 0, G_OPTION_ARG_NONE, &all, "Follow every page", NULL},
	    {NULL},
	};
	long long session = 0, limit = 0, page_max = CTL_PAGE_MAX;
	json_t *page = NULL, *row;
	size_t i;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 0, &argc, &argv);
	if (r == CTL_EXIT_OK && session_text)
		r = ctl_arg_id("--session", session_text, &session);
	if (r == CTL_EXIT_OK && limit_text)
		r = ctl_arg_int("--limit", limit_text, &limit);
	if (r != CTL_EXIT_OK)
		return r;
	path = session ? g_strdup_printf("/audit?session=%lld", session) : g_strdup("/audit");
	r = ctl_api_list(ctl, path, limit_text ? &limit : (all ? &page_max : NULL), all, &page);
	if (r != CTL_EXIT_OK)
		return r;
	if (ctl->json) {
		ctl_print_json(page);
	} else {
		printf("%-6s  %-24s  %-16s  %-7s  %-6s  %-6s  %-20s  %s\n", "ID", "AT", "KIND",
		       "SESSION", "ENTRY", "INVITE", "ACTOR", "DETAIL");
		json_array_foreach(json_object_get(page, "items"), i, row) ctl_audit_row(row);
		ctl_print_more(page, "audit list");
	}
	json_decref(page);
	return CTL_EXIT_OK;
}

/* {"ok": true, "rows": N} or {"ok": false, "rows": N, "first_bad_id": ID,
 * "problem": "..."}. */
static int ctl_audit_verdict(struct ctl *ctl, const json_t *answer)
{
	const json_t *ok = json_object_get(answer, "ok");
	g_autofree char *rows = ctl_text(json_object_get(answer, "rows"));
	g_autofree char *bad = ctl_text(json_object_get(answer, "first_bad_id"));
	g_autofree char *problem = ctl_text(json_object_get(answer, "problem"));
	g_autofree char *clean = ctl_clean(problem);

	if (!json_is_boolean(ok)) {
		ctl_error("hearthd answered audit verify without a verdict");
		return CTL_EXIT_SERVER;
	}
	if (ctl->json)
		ctl_print_json(answer);
	if (json_is_true(ok)) {
		if (!ctl->json)
			printf("audit chain OK: %s rows verified\n", rows);
		return CTL_EXIT_OK;
	}
	if (!ctl->json)
		printf("audit chain BROKEN at row %s (%s rows): %s\n", bad, rows, clean);
	ctl_error("the audit log was altered: first bad row is %s", bad);
	return CTL_EXIT_AUDIT_BROKEN;
}

int ctl_cmd_audit_verify(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	json_t *answer = NULL;
	int r;

	r = ctl_parse_options(ctl, cmd, NULL, 0, &argc, &argv);
	if (r == CTL_EXIT_OK)
		r = ctl_api(ctl, "GET", "/audit/verify", NULL, &answer);
	if (r == CTL_EXIT_OK)
		r = ctl_audit_verdict(ctl, answer);
	json_decref(answer);
	return r;
}
