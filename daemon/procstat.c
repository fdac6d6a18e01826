#include "daemon/procstat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <glib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/parse.h"

/* /proc/self/stat is a few hundred bytes; /proc/stat grows with the CPUs,
 * and btime comes after a line per CPU. */
#define SIG_PROCSTAT_STAT_MAX  4096
#define SIG_PROCSTAT_PROC_MAX  (256 * 1024)
#define SIG_PROCSTAT_FIELDS    22 /* state (3) to rss (24) */
#define SIG_PROCSTAT_UTIME     (14 - 3)
#define SIG_PROCSTAT_STIME     (15 - 3)
#define SIG_PROCSTAT_STARTTIME (22 - 3)
#define SIG_PROCSTAT_VSIZE     (23 - 3)
#define SIG_PROCSTAT_RSS       (24 - 3)

/* The next space-separated token of [*p, end): its start and length. */
static bool sig_procstat_token(const char **p, const char *end, const char **ret_start,
			       size_t *ret_len)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	const char *e = s;
	while (e < end && *e != ' ' && *e != '\n')
		e++;
	if (e == s)
		return false;
	*ret_start = s;
	*ret_len = (size_t)(e - s);
	*p = e;
	return true;
}

static int sig_procstat_number(const char *s, size_t n, uint64_t *ret_value)
{
	/* rss may be negative in theory (proc(5) says "%ld"); not ours. */
	if (n == 0 || n > 20)
		return -EINVAL;
	return parse_uint64_n(s, n, UINT64_MAX, ret_value) < 0 ? -EINVAL : 0;
}

int sig_procstat_parse(const char *text, size_t len, struct sig_procstat *ret_stat)
{
	const char *end = text + len, *p = NULL;
	uint64_t v[SIG_PROCSTAT_FIELDS];

	for (const char *c = text; c < end; c++)
		if (*c == ')')
			p = c + 1;
	if (!p)
		return -EINVAL;
	for (unsigned i = 0; i < SIG_PROCSTAT_FIELDS; i++) {
		const char *s;
		size_t n;
		if (!sig_procstat_token(&p, end, &s, &n))
			return -EINVAL;
		if (i == 0) { /* the state: one letter */
			if (n != 1)
				return -EINVAL;
			v[i] = 0;
			continue;
		}
		/* Fields 4..24 are numbers; some (ppid of pid 1, priorities)
		 * may be negative: only the ones used must not be. */
		if (s[0] == '-' && i != SIG_PROCSTAT_UTIME && i != SIG_PROCSTAT_STIME &&
		    i != SIG_PROCSTAT_STARTTIME && i != SIG_PROCSTAT_VSIZE &&
		    i != SIG_PROCSTAT_RSS) {
			s++;
			n--;
		}
		if (sig_procstat_number(s, n, &v[i]) < 0)
			return -EINVAL;
	}
	if (v[SIG_PROCSTAT_UTIME] > UINT64_MAX - v[SIG_PROCSTAT_STIME])
		return -EINVAL;
	ret_stat->cpu_ticks = v[SIG_PROCSTAT_UTIME] + v[SIG_PROCSTAT_STIME];
	ret_stat->start_ticks = v[SIG_PROCSTAT_STARTTIME];
	ret_stat->virtual_bytes = v[SIG_PROCSTAT_VSIZE];
	ret_stat->resident_pages = v[SIG_PROCSTAT_RSS];
	return 0;
}

int sig_procstat_btime(const char *text, size_t len, int64_t *ret_btime)
{
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		if (stop - line > 6 && memcmp(line, "btime ", 6) == 0) {
			uint64_t v;
			if (sig_procstat_number(line + 6, (size_t)(stop - line - 6), &v) < 0 ||
			    v > INT64_MAX)
				return -EINVAL;
			*ret_btime = (int64_t)v;
			return 0;
		}
		line = stop + 1;
	}
	return -EINVAL;
}

/* Reads at most max bytes of a /proc file (their size is 0 to stat(2)).
 * Returns the length, or -errno; buf is not NUL-terminated. */
static ssize_t sig_procstat_read(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < max) {
		ssize_t n = read(fd, buf + off, max - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	return (ssize_t)off;
}

static long sig_procstat_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* not the one opendir() holds */
}

static void sig_procstat_gauge(GString *out, const char *name, const char *help, const char *type,
			       double value)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name,
			       type, name, value);
}

void sig_procstat_metrics(GString *out)
{
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct sig_procstat st;
	struct rlimit lim;
	int64_t btime;
	char *buf = g_malloc(SIG_PROCSTAT_PROC_MAX);
	ssize_t n = sig_procstat_read("/proc/self/stat", buf, SIG_PROCSTAT_STAT_MAX);

	if (n > 0 && ticks > 0 && page > 0 && sig_procstat_parse(buf, (size_t)n, &st) == 0) {
		sig_procstat_gauge(out, "process_cpu_seconds_total",
				   "user and system CPU time spent, in seconds", "counter",
				   (double)st.cpu_ticks / (double)ticks);
		sig_procstat_gauge(out, "process_resident_memory_bytes", "resident memory size",
				   "gauge", (double)st.resident_pages * (double)page);
		sig_procstat_gauge(out, "process_virtual_memory_bytes", "virtual memory size",
				   "gauge", (double)st.virtual_bytes);
		n = sig_procstat_read("/proc/stat", buf, SIG_PROCSTAT_PROC_MAX);
		if (n > 0 && sig_procstat_btime(buf, (size_t)n, &btime) == 0)
			sig_procstat_gauge(out, "process_start_time_seconds",
					   "start time of the process since the Unix epoch, in "
					   "seconds",
					   "gauge",
					   (double)btime + (double)st.start_ticks / (double)ticks);
	}
	g_free(buf);
	long fds = sig_procstat_open_fds();
	if (fds >= 0)
		sig_procstat_gauge(out, "process_open_fds", "open file descriptors", "gauge",
				   (double)fds);
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
		sig_procstat_gauge(out, "process_max_fds", "the most file descriptors it may open",
				   "gauge", (double)lim.rlim_cur);
}
