#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

_Atomic int log_threshold = LOG_LEVEL_INFO;
static _Atomic int log_output_format = LOG_FORMAT_TEXT;

static bool log_to_journal;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
static const int level_priorities[] = {3, 4, 6, 7};

void log_set_level(enum log_level level)
{
	atomic_store_explicit(&log_threshold, (int)level, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

int log_level_parse(const char *name, enum log_level *ret_level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*ret_level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[level];
}

/* JOURNAL_STREAM holds "device:inode" of the journal socket; trust it only if
 * it matches stderr, as sd_journal_stream_fd(3) recommends. */
void log_init(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long long dev, ino;

	log_to_journal = false;
	if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
		return;
	if (fstat(STDERR_FILENO, &st) < 0)
		return;
	log_to_journal =
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_set_format(enum log_format format)
{
	atomic_store_explicit(&log_output_format, (int)format, memory_order_relaxed);
}

enum log_format log_get_format(void)
{
	return (enum log_format)atomic_load_explicit(&log_output_format, memory_order_relaxed);
}

static void log_vwrite(enum log_level level, const char *fields, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void log_vwrite(enum log_level level, const char *fields, const char *fmt, va_list ap)
{
	char msg[1024], stamp[64] = "", prefix[96] = "", line[LOG_LINE_MAX];
	enum log_format format = log_get_format();
	int n;

	if ((unsigned)level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;

	if (!log_to_journal || format == LOG_FORMAT_JSON) {
		int64_t ms = clock_wall_ms();
		time_t s = (time_t)(ms / 1000);
		struct tm tm;
		gmtime_r(&s, &tm);
		snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long)(ms % 1000));
	}
	if (log_to_journal)
		snprintf(prefix, sizeof(prefix), "<%d>", level_priorities[level]);
	else if (format == LOG_FORMAT_TEXT)
		snprintf(prefix, sizeof(prefix), "%s %-5s ", stamp, level_names[level]);

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t msg_len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
	struct log_line l = {
	    .format = format,
	    .prefix = prefix,
	    .timestamp = stamp,
	    .level_name = level_names[level],
	    .fields = fields,
	    .msg = msg,
	    .msg_len = msg_len,
	};
	size_t len = log_line_format(&l, line, sizeof(line));
	/* One write(2) per line keeps lines from different threads whole. */
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, NULL, fmt, ap);
	va_end(ap);
}

void log_write_with(enum log_level level, const char *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fields, fmt, ap);
	va_end(ap);
}
