/* Logging for every layer of hearthd.
 *
 * Lines go to stderr. Under systemd (JOURNAL_STREAM set) each line starts with
 * a syslog priority prefix ("<3>") so journald files it at the right level;
 * otherwise with a UTC timestamp and the level name. With log.format = json
 * each line is one JSON object instead ({"ts","level","msg", and the
 * fields of log_*_with()}, core/log_line.h). The level is checked before
 * anything is formatted, so a disabled debug line costs one load.
 *
 * Never pass display names, invite tokens, keys or client addresses at info
 * level or above: tag lines with session and participant ids instead. */
#ifndef HEARTH_CORE_LOG_H
#define HEARTH_CORE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/log_line.h"

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/* Current threshold; read by every thread, written by the control thread. */
extern _Atomic int log_threshold;

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warn", "info" or "debug"; returns 0 or -EINVAL. */
int log_level_parse(const char *name, enum log_level *ret_level);
const char *log_level_name(enum log_level level);

/* Chooses the journald prefix format when stderr is connected to the journal. */
void log_init(void);

/* Text or JSON lines (log.format); any thread may log while it changes. */
void log_set_format(enum log_format format);
enum log_format log_get_format(void);

/* The longest line written, newline included; a longer one is cut. */
#define LOG_LINE_MAX 2048

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line about something with ids: fields (borrowed) is space-separated
 * key=value pairs, e.g. "session=12 participant=p-0a1b2c3d4e5f6a7b"
 * (core/log_line.h). Text: "<fields>: <message>"; JSON: one member each. */
void log_write_with(enum log_level level, const char *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

#define LOG_AT(level, ...)                                                                         \
	do {                                                                                       \
		if (log_enabled(level))                                                            \
			log_write(level, __VA_ARGS__);                                             \
	} while (0)

#define LOG_AT_WITH(level, fields, ...)                                                            \
	do {                                                                                       \
		if (log_enabled(level))                                                            \
			log_write_with(level, fields, __VA_ARGS__);                                \
	} while (0)

#define log_error_with(fields, ...) LOG_AT_WITH(LOG_LEVEL_ERROR, fields, __VA_ARGS__)
#define log_warn_with(fields, ...)  LOG_AT_WITH(LOG_LEVEL_WARN, fields, __VA_ARGS__)
#define log_info_with(fields, ...)  LOG_AT_WITH(LOG_LEVEL_INFO, fields, __VA_ARGS__)
#define log_debug_with(fields, ...) LOG_AT_WITH(LOG_LEVEL_DEBUG, fields, __VA_ARGS__)

#define log_error(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
