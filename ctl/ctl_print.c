/* Output helpers: JSON for scripts, cleaned text for humans. Titles and
 * display names come from other people; they are printed with control
 * characters replaced so that they cannot move the cursor or recolor the
 * terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

void ctl_print_json(const json_t *value)
{
	if (json_dumpf(value, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY) == 0)
		fputc('\n', stdout);
}

char *ctl_clean(const char *text)
{
	g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
	GString *out = g_string_sized_new(strlen(valid));

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_iscntrl(c))
			g_string_append_c(out, '?');
		else
			g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

void ctl_put(const char *text)
{
	g_autofree char *clean = ctl_clean(text);

	fputs(clean, stdout);
}

char *ctl_text(const json_t *value)
{
	if (!value || json_is_null(value))
		return g_strdup("-");
	if (json_is_string(value))
		return g_strdup(json_string_value(value));
	if (json_is_integer(value))
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(value));
	if (json_is_boolean(value))
		return g_strdup(json_is_true(value) ? "yes" : "no");
	char *dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	char *text = g_strdup(dumped ? dumped : "?");
	free(dumped);
	return text;
}

void ctl_print_field_text(const char *label, const char *text)
{
	printf("  %-16s ", label);
	ctl_put(text);
	fputc('\n', stdout);
}

void ctl_print_field(const char *label, const json_t *value)
{
	g_autofree char *text = ctl_text(value);

	ctl_print_field_text(label, text);
}

void ctl_print_cell(const json_t *value, int width, bool last)
{
	g_autofree char *text = ctl_text(value);
	g_autofree char *clean = ctl_clean(text);
	long pad = width - g_utf8_strlen(clean, -1);

	fputs(clean, stdout);
	if (last) {
		fputc('\n', stdout);
		return;
	}
	for (; pad > 0; pad--)
		fputc(' ', stdout);
	fputs("  ", stdout);
}

void ctl_print_more(const json_t *page, const char *command)
{
	const json_t *next = json_object_get(page, "next_after");

	if (json_is_integer(next))
		printf("(more after id %" JSON_INTEGER_FORMAT
		       "; hearthctl %s --all lists them all)\n",
		       json_integer_value(next), command);
}
