/* Logging for every layer of hearthd.
 *
 * Lines go to stderr. Under systemd (JOURNAL_STREAM set) each line starts with
 * a syslog priority prefix ("<3>") so journald files it at the right level;
 * otherwise with a UTC timestamp and the level name. The level is checked
 * before anything is formatted, so a disabled debug line costs one load.
 *
 * Never pass display names, invite tokens, keys or client addresses at info
 * level or above: tag lines with session and participant ids instead. */
#ifndef HEARTH_CORE_LOG_H
#define HEARTH_CORE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

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

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

#define LOG_AT(level, ...)                                                                         \
	do {                                                                                       \
		if (log_enabled(level))                                                            \
			log_write(level, __VA_ARGS__);                                             \
	} while (0)

#define log_error(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
