/* The standard process metrics (process_cpu_seconds_total,
 * process_resident_memory_bytes, ...) from /proc, as the Prometheus client
 * libraries read them: /proc/self/stat for CPU time, memory and start
 * time, /proc/stat for the boot time, /proc/self/fd and RLIMIT_NOFILE for
 * descriptors. The parsers take text, so tests and a fuzz target drive
 * them without /proc. */
#ifndef HEARTH_DAEMON_PROCSTAT_H
#define HEARTH_DAEMON_PROCSTAT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

struct sig_procstat {
	uint64_t cpu_ticks;	 /* utime + stime, in clock ticks */
	uint64_t start_ticks;	 /* started, in clock ticks after boot */
	uint64_t virtual_bytes;	 /* vsize */
	uint64_t resident_pages; /* rss */
};

/* Parses the text of /proc/<pid>/stat (proc(5)): "pid (comm) state ppid
 * ...", where comm may hold spaces and parentheses (the fields start after
 * the last ')'). Returns 0, or -EINVAL (ret_stat untouched). */
int sig_procstat_parse(const char *text, size_t len, struct sig_procstat *ret_stat);

/* The boot time (Unix s) from the text of /proc/stat ("btime N" line).
 * Returns 0, or -EINVAL (ret_btime untouched). */
int sig_procstat_btime(const char *text, size_t len, int64_t *ret_btime);

/* Appends the process_* metrics (Prometheus text format) for this
 * process; a figure /proc cannot give is left out. */
void sig_procstat_metrics(GString *out);

#endif
