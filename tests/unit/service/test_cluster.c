/* service/cluster.c: two nodes on one store (SQLite here, PostgreSQL under
 * tests/pg/with-postgres): the first asked takes an occurrence's lease,
 * the other is sent to it; a beat keeps it while someone is present and
 * releases it when nobody is; a node that stops beating loses it after the
 * lease; leaving releases at once; the other live nodes are listed as
 * WebSocket origins; the sole node (SQLite) takes every lease. */
#include "service/cluster.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>

#define T0    1796144400
#define T0_MS ((int64_t)T0 * 1000)

struct fixture {
	char *dir;
	char *where;
	struct sig_store *store;
	int64_t sid;
	struct sig_cluster *a, *b;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;
	struct sig_session s = {
	    .title = g_strdup("Group"),
	    .schedule = {.kind = SIG_SCHEDULE_ONCE, .start = T0, .end = T0 + 3600}};

	(void)data;
	f->dir = g_dir_make_tmp("hearth-cluster-XXXXXX", &error);
	g_assert_no_error(error);
	f->where = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->where, &f->store), ==, 0);
	sig_session_defaults(SIG_KIND_GROUP, &s);
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	f->sid = s.id;
	sig_session_clear(&s);
	f->a = sig_cluster_new(f->store, "node-a", "http://127.0.0.2:8080", "127.0.0.2", 8, false);
	f->b = sig_cluster_new(f->store, "node-b", "https://b.example", "127.0.0.3", 8, false);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	GDir *dir;
	const char *name;

	(void)data;
	f->a = sig_cluster_free(f->a);
	f->b = sig_cluster_free(f->b);
	f->store = sig_store_close(f->store);
	dir = g_dir_open(f->dir, 0, NULL);
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *file = g_build_filename(f->dir, name, NULL);
		g_assert_cmpint(g_unlink(file), ==, 0);
	}
	g_dir_close(dir);
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->where);
	g_free(f->dir);
}

static bool present_yes(void *userdata, int64_t session_id)
{
	(void)userdata;
	(void)session_id;
	return true;
}

static bool present_no(void *userdata, int64_t session_id)
{
	(void)userdata;
	(void)session_id;
	return false;
}

static int home(struct fixture *f, struct sig_cluster *c, int64_t now_ms, const char *want_url)
{
	g_autofree char *url = NULL;
	int r = sig_cluster_home(c, f->sid, T0, now_ms, &url);

	if (r == SIG_CLUSTER_ELSEWHERE)
		g_assert_cmpstr(url, ==, want_url);
	else
		g_assert_null(url);
	return r;
}

static void test_home_beat_expire(struct fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(sig_cluster_beat_interval_ms(f->a), ==, 2000);
	g_assert_cmpint(sig_cluster_beat(f->a, T0_MS, 0, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpint(sig_cluster_beat(f->b, T0_MS, 0, present_yes, NULL, NULL), ==, 0);
	/* Each lists the other as an origin its page may open a WebSocket to. */
	g_assert_cmpint(sig_cluster_beat(f->a, T0_MS + 1, 0, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpstr(sig_cluster_peer_origins(f->a), ==, "wss://b.example");
	g_assert_cmpstr(sig_cluster_peer_origins(f->b), ==, "ws://127.0.0.2:8080");

	g_assert_cmpint(home(f, f->a, T0_MS, NULL), ==, SIG_CLUSTER_TAKEN);
	g_assert_cmpint(home(f, f->a, T0_MS + 10, NULL), ==, SIG_CLUSTER_HERE);
	g_assert_cmpint(home(f, f->b, T0_MS + 20, "http://127.0.0.2:8080"), ==,
			SIG_CLUSTER_ELSEWHERE);
	/* A bad URL in a node's row is no CSP source. */
	struct sig_node odd = {.public_url = (char *)"http://x;script-src *",
			       .media = (char *)"",
			       .heartbeat_ms = T0_MS};
	g_strlcpy(odd.id, "node-odd", sizeof(odd.id));
	g_assert_cmpint(sig_store_node_beat(f->store, &odd, T0_MS), ==, 0);
	g_assert_cmpint(sig_cluster_beat(f->b, T0_MS + 2, 0, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpstr(sig_cluster_peer_origins(f->b), ==, "ws://127.0.0.2:8080");
	/* A's beats renew it while someone is there. */
	g_assert_cmpint(sig_cluster_beat(f->a, T0_MS + 6000, 3, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpint(home(f, f->b, T0_MS + 12000, "http://127.0.0.2:8080"), ==,
			SIG_CLUSTER_ELSEWHERE);
	/* A dies: after the lease, B takes the session over. */
	g_assert_cmpint(home(f, f->b, T0_MS + 14001, NULL), ==, SIG_CLUSTER_TAKEN);
	/* A comes back believing it holds it: it is sent to B, and forgets it. */
	g_assert_cmpint(home(f, f->a, T0_MS + 14002, "https://b.example"), ==,
			SIG_CLUSTER_ELSEWHERE);
	/* Nobody left on B: its next beat releases the lease; A may take it. */
	g_assert_cmpint(sig_cluster_beat(f->b, T0_MS + 15000, 0, present_no, NULL, NULL), ==, 0);
	g_assert_cmpint(home(f, f->a, T0_MS + 15001, NULL), ==, SIG_CLUSTER_TAKEN);
	/* A drains: released at once, and A is no longer listed. */
	sig_cluster_leave(f->a);
	g_assert_cmpint(home(f, f->b, T0_MS + 15002, NULL), ==, SIG_CLUSTER_TAKEN);
	g_assert_cmpint(sig_cluster_beat(f->b, T0_MS + 15003, 1, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpstr(sig_cluster_peer_origins(f->b), ==, "");
	/* No such session. */
	g_autofree char *url = NULL;
	g_assert_cmpint(sig_cluster_home(f->a, f->sid + 1000, T0, T0_MS, &url), ==, -ENOENT);
}

static void note_lost(void *userdata, int64_t session_id)
{
	g_array_append_val((GArray *)userdata, session_id);
}

/* A node that could not beat for a lease's time (a partition) finds, at its
 * next beat that works, which of its sessions another node took over, and
 * lets them go. */
static void test_lost(struct fixture *f, gconstpointer data)
{
	g_autoptr(GArray) lost = g_array_new(FALSE, FALSE, sizeof(int64_t));

	(void)data;
	g_assert_cmpint(sig_cluster_beat(f->a, T0_MS, 0, present_yes, note_lost, lost), ==, 0);
	g_assert_cmpint(sig_cluster_beat(f->b, T0_MS, 0, present_yes, note_lost, lost), ==, 0);
	g_assert_cmpint(home(f, f->a, T0_MS, NULL), ==, SIG_CLUSTER_TAKEN);
	g_assert_cmpint(home(f, f->b, T0_MS + 8001, NULL), ==, SIG_CLUSTER_TAKEN);
	g_assert_cmpint(sig_cluster_beat(f->a, T0_MS + 9000, 1, present_yes, note_lost, lost), ==,
			0);
	g_assert_cmpuint(lost->len, ==, 1);
	g_assert_cmpint(g_array_index(lost, int64_t, 0), ==, f->sid);
	g_assert_cmpint(home(f, f->a, T0_MS + 9001, "https://b.example"), ==,
			SIG_CLUSTER_ELSEWHERE);
	/* B, beating all along, loses nothing. */
	g_assert_cmpint(sig_cluster_beat(f->b, T0_MS + 9002, 1, present_yes, note_lost, lost), ==,
			0);
	g_assert_cmpuint(lost->len, ==, 1);
}

/* The sole node (SQLite) takes a lease whoever held it: a node id changed
 * across a restart does not send anyone to a node that is gone. */
static void test_sole(struct fixture *f, gconstpointer data)
{
	struct sig_cluster *sole =
	    sig_cluster_new(f->store, "renamed", "http://127.0.0.1:8080", "", 8, true);

	(void)data;
	g_assert_cmpint(sig_cluster_beat(f->a, T0_MS, 0, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpint(home(f, f->a, T0_MS, NULL), ==, SIG_CLUSTER_TAKEN);
	g_assert_cmpint(home(f, sole, T0_MS + 1, NULL), ==, SIG_CLUSTER_TAKEN);
	g_assert_cmpint(home(f, sole, T0_MS + 2, NULL), ==, SIG_CLUSTER_HERE);
	sig_cluster_free(sole);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/cluster/home-beat-expire", test_home_beat_expire);
	ADD("/cluster/sole", test_sole);
	ADD("/cluster/lost", test_lost);
	return g_test_run();
}
