/* A line scanner for INI text: where each section and key stands, and the
 * mistakes GKeyFile would pass over silently (repeated sections or keys) or
 * report without a line number (lines that are not INI at all). */
#ifndef HEARTH_CONFIG_CFG_SCAN_H
#define HEARTH_CONFIG_CFG_SCAN_H

#include <glib.h>

struct cfg_scan {
	GHashTable *lines; /* "section" or "section\nkey" -> line number */
};

/* Scans text; appends "file:line: problem" to errors and returns -EINVAL on
 * any problem. cfg_scan_clear() must be called either way. */
int cfg_scan_text(struct cfg_scan *scan, const char *file, const char *text, GPtrArray *errors);
void cfg_scan_clear(struct cfg_scan *scan);

/* 0 when unknown. */
int cfg_scan_section_line(const struct cfg_scan *scan, const char *section);
int cfg_scan_key_line(const struct cfg_scan *scan, const char *section, const char *key);

#endif
