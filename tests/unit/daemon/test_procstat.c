/* Unit tests of daemon/procstat: /proc/self/stat and /proc/stat as the
 * kernel writes them (proc(5)), odd command names included, and a clear
 * refusal of anything else; and the metrics of this very process. */
#include <errno.h>
#include <glib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/procstat.h"

/* A real line (Linux 6.1), its comm made awkward: spaces and ')'. */
static const char stat_line[] =
    "4242 (hearth d) (x)) S 1 4242 4242 0 -1 4194560 5238 0 0 0 150 37 0 0 20 0 5 0 "
    "123456 45277184 3835 18446744073709551615 94 95 96 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 "
    "0\n";

static void test_parse(void)
{
	struct sig_procstat st;

	g_assert_cmpint(sig_procstat_parse(stat_line, strlen(stat_line), &st), ==, 0);
	g_assert_cmpuint(st.cpu_ticks, ==, 150 + 37);
	g_assert_cmpuint(st.start_ticks, ==, 123456);
	g_assert_cmpuint(st.virtual_bytes, ==, 45277184);
	g_assert_cmpuint(st.resident_pages, ==, 3835);
}

static void test_parse_refused(void)
{
	static const char *const bad[] = {
	    "",
	    "4242 hearthd S 1",				 /* no comm */
	    "4242 (hearthd) S 1 4242 4242 0 -1 4194560", /* cut short */
	    "4242 (hearthd) S 1 4242 4242 0 -1 4194560 5238 0 0 0 x50 37 0 0 20 0 5 0 1 2 3\n",
	    "4242 (hearthd) S 1 4242 4242 0 -1 4194560 5238 0 0 0 -150 37 0 0 20 0 5 0 1 2 3\n",
	    "4242 (hearthd) SS 1 4242 4242 0 -1 4194560 5238 0 0 0 150 37 0 0 20 0 5 0 1 2 3\n",
	    ("4242 (hearthd) S 1 4242 4242 0 -1 4194560 5238 0 0 0 18446744073709551615 "
	     "18446744073709551615 0 0 20 0 5 0 1 2 3\n"), /* CPU time overflows */
	};
	struct sig_procstat st = {.cpu_ticks = 7};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(sig_procstat_parse(bad[i], strlen(bad[i]), &st), ==, -EINVAL);
	g_assert_cmpuint(st.cpu_ticks, ==, 7); /* untouched */
}

static void test_btime(void)
{
	static const char proc_stat[] = "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\n"
					"intr 0\nctxt 99\nbtime 1796600000\nprocesses 7\n";
	int64_t btime = 5;

	g_assert_cmpint(sig_procstat_btime(proc_stat, strlen(proc_stat), &btime), ==, 0);
	g_assert_cmpint(btime, ==, 1796600000);
	btime = 5;
	g_assert_cmpint(sig_procstat_btime("cpu 1\nbtimex 3\n", 15, &btime), ==, -EINVAL);
	g_assert_cmpint(sig_procstat_btime("btime \n", 7, &btime), ==, -EINVAL);
	g_assert_cmpint(sig_procstat_btime("btime 12a\n", 10, &btime), ==, -EINVAL);
	g_assert_cmpint(btime, ==, 5);
	/* The last line may lack its newline. */
	g_assert_cmpint(sig_procstat_btime("btime 12", 8, &btime), ==, 0);
	g_assert_cmpint(btime, ==, 12);
}

static double metric(const char *text, const char *name)
{
	g_autofree char *needle = g_strdup_printf("\n%s ", name);
	const char *at = strstr(text, needle);

	g_assert_nonnull(at);
	return g_ascii_strtod(at + strlen(needle), NULL);
}

/* This process, read the way /metrics reads hearthd: plausible figures. */
static void test_metrics_of_self(void)
{
	GString *out = g_string_new("\n");
	double now = (double)time(NULL);

	sig_procstat_metrics(out);
	g_assert_cmpfloat(metric(out->str, "process_cpu_seconds_total"), >=, 0);
	g_assert_cmpfloat(metric(out->str, "process_resident_memory_bytes"), >, 1 << 20);
	g_assert_cmpfloat(metric(out->str, "process_virtual_memory_bytes"), >,
			  metric(out->str, "process_resident_memory_bytes"));
	double start = metric(out->str, "process_start_time_seconds");
	g_assert_cmpfloat(start, <=, now + 1);
	g_assert_cmpfloat(start, >, now - 600);
	double fds = metric(out->str, "process_open_fds");
	g_assert_cmpfloat(fds, >=, 3); /* stdin, stdout, stderr */
	g_assert_cmpfloat(fds, <, metric(out->str, "process_max_fds"));
	g_assert_nonnull(strstr(out->str, "# TYPE process_cpu_seconds_total counter\n"));
	g_string_free(out, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/procstat/parse", test_parse);
	g_test_add_func("/procstat/parse-refused", test_parse_refused);
	g_test_add_func("/procstat/btime", test_btime);
	g_test_add_func("/procstat/metrics-of-self", test_metrics_of_self);
	return g_test_run();
}
