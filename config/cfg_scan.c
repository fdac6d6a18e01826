#include "config/cfg_scan.h"

#include <errno.h>
#include <string.h>

static char *cfg_scan_key_id(const char *section, const char *key)
{
	return g_strconcat(section, "\n", key, NULL);
}

static int cfg_scan_remember(struct cfg_scan *scan, char *id, int line, const char *file,
			     GPtrArray *errors, const char *what)
{
	gpointer first = g_hash_table_lookup(scan->lines, id);
	if (first) {
		g_ptr_array_add(errors, g_strdup_printf("%s:%d: %s repeats line %d", file, line,
							what, GPOINTER_TO_INT(first)));
		g_free(id);
		return -EINVAL;
	}
	g_hash_table_insert(scan->lines, id, GINT_TO_POINTER(line));
	return 0;
}

int cfg_scan_text(struct cfg_scan *scan, const char *file, const char *text, GPtrArray *errors)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *section = NULL;
	int r = 0;

	scan->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int i = 0; lines[i]; i++) {
		int line = i + 1;
		char *s = g_strstrip(lines[i]);

		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			size_t n = strlen(s);
			if (n < 3 || s[n - 1] != ']') {
				g_ptr_array_add(errors,
						g_strdup_printf("%s:%d: a section header must look "
								"like [name]",
								file, line));
				r = -EINVAL;
				continue;
			}
			g_free(section);
			section = g_strndup(s + 1, n - 2);
			g_autofree char *what = g_strdup_printf("[%s]", section);
			if (cfg_scan_remember(scan, g_strdup(section), line, file, errors, what) <
			    0)
				r = -EINVAL;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			g_ptr_array_add(errors, g_strdup_printf("%s:%d: expected \"key = value\", "
								"\"[section]\" or a # comment",
								file, line));
			r = -EINVAL;
			continue;
		}
		if (!section) {
			g_ptr_array_add(
			    errors, g_strdup_printf("%s:%d: key before any [section]", file, line));
			r = -EINVAL;
			continue;
		}
		*eq = '\0';
		char *key = g_strstrip(s);
		g_autofree char *what = g_strdup_printf("[%s] %s", section, key);
		if (cfg_scan_remember(scan, cfg_scan_key_id(section, key), line, file, errors,
				      what) < 0)
			r = -EINVAL;
	}
	return r;
}

void cfg_scan_clear(struct cfg_scan *scan)
{
	if (scan->lines)
		g_hash_table_destroy(scan->lines);
	scan->lines = NULL;
}

int cfg_scan_section_line(const struct cfg_scan *scan, const char *section)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(scan->lines, section));
}

int cfg_scan_key_line(const struct cfg_scan *scan, const char *section, const char *key)
{
	g_autofree char *id = cfg_scan_key_id(section, key);
	return GPOINTER_TO_INT(g_hash_table_lookup(scan->lines, id));
}
