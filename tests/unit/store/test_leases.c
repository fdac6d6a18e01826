/* Nodes and leases (several hearthd on one database): heartbeats, who is
 * alive, the lease of an occurrence taken, renewed, refused while its
 * holder keeps it, taken over once it expired, released; and seats found
 * by session and by resume hash. On SQLite, and on PostgreSQL under
 * tests/pg/with-postgres. */
#include "store/store.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#define T0    1796144400 /* 2026-12-01T17:00:00Z */
#define T0_MS ((int64_t)T0 * 1000)

struct fixture {
	char *dir;
	char *path;
	struct sig_store *store;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("hearth-leases-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	GDir *dir;
	const char *name;

	(void)data;
	f->store = sig_store_close(f->store);
	dir = g_dir_open(f->dir, 0, NULL);
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *file = g_build_filename(f->dir, name, NULL);
		g_assert_cmpint(g_unlink(file), ==, 0);
	}
	g_dir_close(dir);
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->path);
	g_free(f->dir);
}

static int64_t add_session(struct fixture *f)
{
	struct sig_session s = {.title = g_strdup("Group"),
				.schedule = {.kind = SIG_SCHEDULE_ONCE,
					     .start = T0,
					     .end = T0 + 3600,
					     .grace_before_minutes = 15,
					     .grace_after_minutes = 15}};

	sig_session_defaults(SIG_KIND_GROUP, &s);
	s.created_at = s.updated_at = T0;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	sig_session_clear(&s);
	return s.id;
}

static void beat(struct fixture *f, const char *id, const char *url, int load, int64_t at_ms,
		 int64_t lease_until_ms)
{
	struct sig_node node = {.public_url = (char *)url,
				.media = (char *)"127.0.0.2",
				.load = load,
				.heartbeat_ms = at_ms};

	g_strlcpy(node.id, id, sizeof(node.id));
	g_assert_cmpint(sig_store_node_beat(f->store, &node, lease_until_ms), ==, 0);
}

/* Who beats recently is alive; a beat replaces the row; a node that
 * leaves is gone with its leases. */
static void test_node_beat_list(struct fixture *f, gconstpointer data)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_node));
	int64_t sid = add_session(f);
	struct sig_lease holder = {0};

	(void)data;
	g_array_set_clear_func(rows, (GDestroyNotify)sig_node_clear);
	beat(f, "node-a", "http://127.0.0.2:8080", 0, T0_MS, T0_MS + 10000);
	beat(f, "node-b", "http://127.0.0.3:8080", 0, T0_MS - 20000, T0_MS - 10000);
	beat(f, "node-a", "http://127.0.0.2:8080", 3, T0_MS + 2500, T0_MS + 12500);
	g_assert_cmpint(sig_store_node_list(f->store, T0_MS - 10000, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	struct sig_node *a = &g_array_index(rows, struct sig_node, 0);
	g_assert_cmpstr(a->id, ==, "node-a");
	g_assert_cmpstr(a->public_url, ==, "http://127.0.0.2:8080");
	g_assert_cmpstr(a->media, ==, "127.0.0.2");
	g_assert_cmpint(a->load, ==, 3);
	g_assert_cmpint(a->heartbeat_ms, ==, T0_MS + 2500);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_node_list(f->store, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);

	g_assert_cmpint(
	    sig_store_lease_take(f->store, sid, T0, "node-a", T0_MS, T0_MS + 10000, &holder), ==,
	    0);
	sig_lease_clear(&holder);
	g_assert_cmpint(sig_store_node_leave(f->store, "node-a"), ==, 0);
	g_assert_cmpint(sig_store_lease_release(f->store, sid, T0, "node-a"), ==, -ENOENT);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_node_list(f->store, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpstr(g_array_index(rows, struct sig_node, 0).id, ==, "node-b");
	/* An id the schema refuses. */
	struct sig_node bad = {.public_url = (char *)"http://x", .media = (char *)""};
	g_assert_cmpint(sig_store_node_beat(f->store, &bad, 0), ==, -EINVAL);
}

static void take(struct fixture *f, int64_t sid, const char *node, int64_t now_ms,
		 const char *want_holder, const char *want_url)
{
	struct sig_lease holder = {0};

	g_assert_cmpint(
	    sig_store_lease_take(f->store, sid, T0, node, now_ms, now_ms + 10000, &holder), ==, 0);
	g_assert_cmpstr(holder.node_id, ==, want_holder);
	g_assert_cmpstr(holder.public_url, ==, want_url);
	if (strcmp(want_holder, node) == 0)
		g_assert_cmpint(holder.expires_ms, ==, now_ms + 10000);
	sig_lease_clear(&holder);
}

/* The lease: taken by the first, refused to the second while it holds,
 * renewed by the heartbeat of its holder, taken over once it expired,
 * released only by its holder. */
static void test_lease(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f);

	(void)data;
	beat(f, "node-a", "http://127.0.0.2:8080", 0, T0_MS, T0_MS + 10000);
	beat(f, "node-b", "http://127.0.0.3:8080", 0, T0_MS, T0_MS + 10000);
	take(f, sid, "node-a", T0_MS, "node-a", "http://127.0.0.2:8080");
	take(f, sid, "node-b", T0_MS + 1000, "node-a", "http://127.0.0.2:8080");
	take(f, sid, "node-a", T0_MS + 2000, "node-a", "http://127.0.0.2:8080");
	/* A's heartbeat renews it past where it would have expired. */
	beat(f, "node-a", "http://127.0.0.2:8080", 1, T0_MS + 9000, T0_MS + 19000);
	take(f, sid, "node-b", T0_MS + 15000, "node-a", "http://127.0.0.2:8080");
	/* A dies: no beat; after the lease's end, B takes it over. */
	take(f, sid, "node-b", T0_MS + 19001, "node-b", "http://127.0.0.3:8080");
	take(f, sid, "node-a", T0_MS + 20000, "node-b", "http://127.0.0.3:8080");
	g_assert_cmpint(sig_store_lease_release(f->store, sid, T0, "node-a"), ==, -ENOENT);
	g_assert_cmpint(sig_store_lease_release(f->store, sid, T0, "node-b"), ==, 0);
	take(f, sid, "node-a", T0_MS + 21000, "node-a", "http://127.0.0.2:8080");
	/* A holder whose row is gone has no URL to send anyone to. */
	g_assert_cmpint(sig_store_lease_release(f->store, sid, T0, "node-a"), ==, 0);
	take(f, sid, "node-c", T0_MS + 21000, "node-c", "");
	/* A deleted session takes its leases with it. */
	g_assert_cmpint(sig_store_session_delete(f->store, sid), ==, 0);
	g_assert_cmpint(sig_store_lease_release(f->store, sid, T0, "node-c"), ==, -ENOENT);
	/* No such session: no lease. */
	struct sig_lease holder = {0};
	g_assert_cmpint(sig_store_lease_take(f->store, sid, T0, "node-a", 0, 1, &holder), ==,
			-ENOENT);
}

/* The seats of one session, and a seat by its resume token's hash. */
static void test_seats_by_session(struct fixture *f, gconstpointer data)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_seat));
	int64_t s1 = add_session(f), s2 = add_session(f);
	struct sig_roster_entry e = {.display_name = g_strdup("A"), .role = SIG_ROLE_CLIENT};
	int64_t entries[2];

	(void)data;
	g_array_set_clear_func(rows, (GDestroyNotify)sig_seat_clear);
	for (int i = 0; i < 2; i++) {
		e.session_id = i ? s2 : s1;
		e.created_at = e.updated_at = T0;
		g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
		entries[i] = e.id;
	}
	sig_roster_entry_clear(&e);
	for (int i = 0; i < 2; i++) {
		struct sig_seat seat = {.session_id = i ? s2 : s1,
					.roster_entry_id = entries[i],
					.expires_at = T0 + 3600};
		g_snprintf(seat.participant_id, sizeof(seat.participant_id), "p-%016x", i + 1);
		memset(seat.resume_hash, 0x10 + i, sizeof(seat.resume_hash));
		g_assert_cmpint(sig_store_seat_put(f->store, &seat), ==, 0);
	}
	g_assert_cmpint(sig_store_seat_list_session(f->store, s2, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpint(g_array_index(rows, struct sig_seat, 0).session_id, ==, s2);
	g_assert_cmpstr(g_array_index(rows, struct sig_seat, 0).participant_id, ==,
			"p-0000000000000002");

	uint8_t hash[32];
	struct sig_seat found = {0};
	memset(hash, 0x10, sizeof(hash));
	g_assert_cmpint(sig_store_seat_find(f->store, hash, &found), ==, 0);
	g_assert_cmpint(found.session_id, ==, s1);
	g_assert_cmpstr(found.participant_id, ==, "p-0000000000000001");
	sig_seat_clear(&found);
	memset(hash, 0x77, sizeof(hash));
	g_assert_cmpint(sig_store_seat_find(f->store, hash, &found), ==, -ENOENT);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/store/leases/beat-list", test_node_beat_list);
	ADD("/store/leases/lease", test_lease);
	ADD("/store/leases/seats-by-session", test_seats_by_session);
	return g_test_run();
}
