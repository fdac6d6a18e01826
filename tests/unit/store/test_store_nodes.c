/* What nodes sharing one database need of the store, on both backends:
 * events between nodes (published, listed by window and origin, pruned),
 * a seat looked up by participant id, an invite's last use taken by one of
 * two writers only, and (PostgreSQL) the LISTEN connection: notified at
 * commit, lost and made again. A second connection plays the other
 * node. */
#include "store/store.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>

#define T0   1796144400 /* 2026-12-01T17:00:00Z */
#define WEEK 604800

struct fixture {
	char *dir;
	char *path;
	struct sig_store *store; /* node a */
	struct sig_store *other; /* node b */
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("hearth-nodes-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	g_assert_cmpint(test_backend_open(f->path, &f->other), ==, 0);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	GDir *dir;
	const char *name;

	(void)data;
	f->store = sig_store_close(f->store);
	f->other = sig_store_close(f->other);
	dir = g_dir_open(f->dir, 0, NULL);
	while (dir && (name = g_dir_read_name(dir))) {
		char *file = g_build_filename(f->dir, name, NULL);
		g_unlink(file);
		g_free(file);
	}
	if (dir)
		g_dir_close(dir);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

static int64_t add_session(struct sig_store *store)
{
	struct sig_session s = {
	    .kind = SIG_KIND_GROUP,
	    .title = g_strdup("Evening group"),
	    .capacity = 8,
	    .publish_policy = SIG_PUBLISH_EVERYONE,
	    .schedule = {.kind = SIG_SCHEDULE_ONCE, .start = T0, .end = T0 + 3600},
	    .created_at = T0 - 86400,
	    .updated_at = T0 - 86400,
	};

	g_assert_cmpint(sig_store_session_insert(store, &s), ==, 0);
	sig_session_clear(&s);
	return s.id;
}

static int64_t add_entry(struct sig_store *store, int64_t session_id)
{
	struct sig_roster_entry e = {
	    .session_id = session_id,
	    .display_name = g_strdup("Ada"),
	    .role = SIG_ROLE_CLIENT,
	    .created_at = T0 - 86400,
	    .updated_at = T0 - 86400,
	};

	g_assert_cmpint(sig_store_roster_insert(store, &e), ==, 0);
	sig_roster_entry_clear(&e);
	return e.id;
}

static int64_t add_invite(struct sig_store *store, int64_t session_id, int64_t entry_id,
			  int max_uses)
{
	struct sig_invite inv = {
	    .roster_entry_id = entry_id,
	    .session_id = session_id,
	    .max_uses = max_uses,
	    .created_at = T0 - 3600,
	};
	uint8_t seed = 7;

	crypto_sha256(&seed, 1, inv.token_hash);
	g_assert_cmpint(sig_store_invite_insert(store, &inv), ==, 0);
	return inv.id;
}

static void test_events(struct fixture *f, gconstpointer data)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_store_event));
	char too_long[SIG_STORE_EVENT_BODY_MAX + 2];
	int64_t first = 0, second = 0, third = 0;
	int pruned = -1;

	(void)data;
	g_assert_cmpint(sig_store_event_publish(f->store, "node-a", "1 ended 4", &first), ==, 0);
	g_assert_cmpint(sig_store_event_publish(f->store, "node-a", "1 removed 4 9", &second), ==,
			0);
	g_assert_cmpint(sig_store_event_publish(f->other, "node-b", "1 deleted 5", &third), ==, 0);
	g_assert_cmpint(first, <, second);
	g_assert_cmpint(second, <, third);
	/* Node b hears node a's, not its own; after an id, only later ones. */
	g_assert_cmpint(sig_store_event_list(f->other, "node-b", 60000, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_store_event, 0).id, ==, first);
	g_assert_cmpstr(g_array_index(rows, struct sig_store_event, 0).origin, ==, "node-a");
	g_assert_cmpstr(g_array_index(rows, struct sig_store_event, 1).body, ==, "1 removed 4 9");
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_event_list(f->other, "node-b", 60000, first, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_event_list(f->store, "node-a", 60000, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpstr(g_array_index(rows, struct sig_store_event, 0).body, ==, "1 deleted 5");
	/* Caps. */
	memset(too_long, '1', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	g_assert_cmpint(sig_store_event_publish(f->store, "node-a", too_long, NULL), ==, -EINVAL);
	g_assert_cmpint(sig_store_event_list(f->store, "node-a", 60000, 0, 0, rows), ==, -EINVAL);
	/* Pruning keeps the recent ones, then (a window in the future) none. */
	g_assert_cmpint(sig_store_event_prune(f->store, 60000, &pruned), ==, 0);
	g_assert_cmpint(pruned, ==, 0);
	g_assert_cmpint(sig_store_event_prune(f->store, -60000, &pruned), ==, 0);
	g_assert_cmpint(pruned, ==, 3);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_event_list(f->other, "node-b", 60000, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 0);
}

/* An event published in a group that rolls back was never published. */
static void test_event_rolled_back(struct fixture *f, gconstpointer data)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_store_event));

	(void)data;
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_store_event_publish(f->store, "node-a", "1 ended 4", NULL), ==, 0);
	sig_store_rollback(f->store);
	g_assert_cmpint(sig_store_event_list(f->other, "node-b", 60000, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 0);
}

static void test_seat_get(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f->store), entry = add_entry(f->store, sid);
	struct sig_seat seat = {.session_id = sid,
				.roster_entry_id = entry,
				.waiting = true,
				.muted = 1,
				.expires_at = T0 + 3600},
			got = {0};

	(void)data;
	g_strlcpy(seat.participant_id, "p-0123456789abcdef", sizeof(seat.participant_id));
	g_assert_cmpint(sig_store_seat_put(f->store, &seat), ==, 0);
	g_assert_cmpint(sig_store_seat_get(f->other, "p-0123456789abcdef", &got), ==, 0);
	g_assert_cmpint(got.session_id, ==, sid);
	g_assert_cmpint(got.roster_entry_id, ==, entry);
	g_assert_true(got.waiting);
	g_assert_cmpuint(got.muted, ==, 1);
	sig_seat_clear(&got);
	g_assert_cmpint(sig_store_seat_get(f->other, "p-ffffffffffffffff", &got), ==, -ENOENT);
}

/* Two nodes read an invite of one use, unused; each takes it for an
 * occurrence of its own. One use is counted, the other refused, and a
 * stale copy written back does not undo the count. */
static void test_invite_last_use(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f->store), entry = add_entry(f->store, sid);
	int64_t id = add_invite(f->store, sid, entry, 1);
	struct sig_invite on_a = {0}, on_b = {0}, got = {0};
	bool is_new = false, used = true;

	(void)data;
	g_assert_cmpint(sig_store_invite_get(f->store, id, &on_a), ==, 0);
	g_assert_cmpint(sig_store_invite_get(f->other, id, &on_b), ==, 0);
	g_assert_cmpint(on_a.uses, ==, 0);
	g_assert_cmpint(on_b.uses, ==, 0);

	g_assert_cmpint(sig_store_begin(f->other), ==, 0);
	g_assert_cmpint(sig_store_invite_use(f->other, id, T0, T0, &is_new), ==, 0);
	g_assert_true(is_new);
	on_b.last_used_at = T0;
	g_assert_cmpint(sig_store_invite_update(f->other, &on_b), ==, 0);
	g_assert_cmpint(sig_store_commit(f->other), ==, 0);

	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_store_invite_use(f->store, id, T0 + WEEK, T0 + WEEK, &is_new), ==,
			-EDQUOT);
	on_a.last_used_at = T0 + WEEK; /* a stale uses: 0 */
	g_assert_cmpint(sig_store_invite_update(f->store, &on_a), ==, 0);
	g_assert_cmpint(sig_store_commit(f->store), ==, 0);

	g_assert_cmpint(sig_store_invite_get(f->other, id, &got), ==, 0);
	g_assert_cmpint(got.uses, ==, 1);
	g_assert_cmpint(sig_store_invite_used_in(f->other, id, T0 + WEEK, &used), ==, 0);
	g_assert_false(used);
	/* A rejoin in the occurrence it paid for is no new use. */
	g_assert_cmpint(sig_store_invite_use(f->store, id, T0, T0 + 60, &is_new), ==, 0);
	g_assert_false(is_new);
}

struct last_use_race {
	struct sig_store *store;
	int64_t invite, start;
	GMutex lock;
	GCond cond;
	bool holding; /* the first writer counted its use, not yet committed */
	int r;
	bool is_new;
};

/* The first writer: counts a use and holds the row until it commits. */
static gpointer last_use_first(gpointer data)
{
	struct last_use_race *race = data;

	g_assert_cmpint(sig_store_begin(race->store), ==, 0);
	race->r = sig_store_invite_use(race->store, race->invite, race->start, race->start,
				       &race->is_new);
	g_mutex_lock(&race->lock);
	race->holding = true;
	g_cond_signal(&race->cond);
	g_mutex_unlock(&race->lock);
	g_usleep(300 * 1000);
	g_assert_cmpint(sig_store_commit(race->store), ==, 0);
	return NULL;
}

/* The same race as test_invite_last_use, at once: the second writer's use
 * waits for the first one's transaction, then finds the invite used up. */
static void test_invite_last_use_concurrent(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f->store), entry = add_entry(f->store, sid);
	struct last_use_race race = {.store = f->other, .start = T0};
	struct sig_invite got = {0};
	bool is_new = true;
	GThread *first;

	(void)data;
	race.invite = add_invite(f->store, sid, entry, 1);
	g_mutex_init(&race.lock);
	g_cond_init(&race.cond);
	first = g_thread_new("first-writer", last_use_first, &race);
	g_mutex_lock(&race.lock);
	while (!race.holding)
		g_cond_wait(&race.cond, &race.lock);
	g_mutex_unlock(&race.lock);
	g_assert_cmpint(sig_store_invite_use(f->store, race.invite, T0 + WEEK, T0 + WEEK, &is_new),
			==, -EDQUOT);
	g_thread_join(first);
	g_assert_cmpint(race.r, ==, 0);
	g_assert_true(race.is_new);
	g_assert_cmpint(sig_store_invite_get(f->store, race.invite, &got), ==, 0);
	g_assert_cmpint(got.uses, ==, 1);
	g_mutex_clear(&race.lock);
	g_cond_clear(&race.cond);
}

static int64_t add_outbox(struct sig_store *store, int64_t session, const char *delivery_id)
{
	struct sig_audit_event ev = {
	    .at_ms = 100,
	    .kind = SIG_AUDIT_JOIN,
	    .session_id = session,
	    .actor = (char *)"system",
	    .detail = (char *)"{}",
	};
	struct sig_outbox_row row = {
	    .session_id = session,
	    .delivery_id = (char *)delivery_id,
	    .event = (char *)"participant.joined",
	    .body = (char *)"{}",
	    .created_ms = 100,
	    .next_ms = 100,
	};

	g_assert_cmpint(sig_store_audit_append_with(store, &ev, &row), ==, 0);
	return row.id;
}

/* Two nodes deliver from one outbox: the one that takes a session's event
 * holds the session until it says delivered; the other gets none of it
 * meanwhile, then the next one. */
static void test_outbox_claim(struct fixture *f, gconstpointer data)
{
	struct sig_outbox_row row = {0};
	int64_t a1, a2;

	(void)data;
	sig_store_outbox_limit(f->store, 100);
	sig_store_outbox_limit(f->other, 100);
	a1 = add_outbox(f->store, 1, "evt_1");
	a2 = add_outbox(f->store, 1, "evt_2");
	g_assert_cmpint(sig_store_outbox_next(f->store, 1000, &row), ==, 0);
	g_assert_cmpint(row.id, ==, a1);
	sig_outbox_row_clear(&row);
	g_assert_cmpint(sig_store_outbox_next(f->other, 1000, &row), ==, -ENOENT);
	g_assert_cmpint(sig_store_outbox_next(f->store, 1000, &row), ==, -ENOENT);
	g_assert_cmpint(sig_store_outbox_delivered(f->store, a1, 1100), ==, 0);
	g_assert_cmpint(sig_store_outbox_next(f->other, 1200, &row), ==, 0);
	g_assert_cmpint(row.id, ==, a2);
	sig_outbox_row_clear(&row);
	/* A claim not answered (the node died) lapses: due again later. */
	g_assert_cmpint(sig_store_outbox_next(f->store, 1300, &row), ==, -ENOENT);
	g_assert_cmpint(sig_store_outbox_next(f->store, 1200 + 31000, &row), ==, 0);
	g_assert_cmpint(row.id, ==, a2);
	sig_outbox_row_clear(&row);
}

/* Waits up to timeout_ms for fd to be readable. */
static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1;
}

static void test_listen_sqlite(struct fixture *f, gconstpointer data)
{
	struct sig_store_listener *l = NULL;

	(void)data;
	g_assert_cmpint(sig_store_listen(f->store, &l), ==, -EOPNOTSUPP);
	g_assert_null(l);
}

static void test_listen_pg(struct fixture *f, gconstpointer data)
{
	struct sig_store_listener *l = NULL;
	bool notified = false;
	int r = 0;

	(void)data;
	g_assert_cmpint(sig_store_listen(f->store, &l), ==, 0);
	int fd = sig_store_listener_fd(l);
	/* Nothing yet; a group's event is heard at its commit, not before. */
	g_assert_false(readable(fd, 100));
	g_assert_cmpint(sig_store_begin(f->other), ==, 0);
	g_assert_cmpint(sig_store_event_publish(f->other, "node-b", "1 ended 4", NULL), ==, 0);
	g_assert_false(readable(fd, 200));
	g_assert_cmpint(sig_store_commit(f->other), ==, 0);
	g_assert_true(readable(fd, 2000));
	g_assert_cmpint(sig_store_listener_read(l, &notified), ==, 0);
	g_assert_true(notified);
	g_assert_false(readable(fd, 50));

	/* The connection killed: read says so, check makes it again (the
	 * same fd), and it hears the next one. */
	g_assert_cmpint(test_backend_pg_exec("SELECT pg_terminate_backend(pid) FROM "
					     "pg_stat_activity WHERE application_name = "
					     "'hearthd-listen'"),
			==, 0);
	for (int i = 0; i < 50 && r == 0; i++) {
		if (readable(fd, 100))
			r = sig_store_listener_read(l, &notified);
	}
	g_assert_cmpint(r, ==, -ENOTCONN);
	g_assert_cmpint(sig_store_listener_check(l, 1000, 500), ==, -ENOTCONN);
	g_assert_cmpint(sig_store_listener_check(l, 1400, 500), ==, -ENOTCONN);
	g_assert_cmpint(sig_store_listener_check(l, 1500, 500), ==, 0);
	g_assert_cmpint(sig_store_listener_check(l, 1501, 500), ==, 0);
	g_assert_cmpint(sig_store_listener_fd(l), ==, fd);
	g_assert_cmpint(sig_store_event_publish(f->other, "node-b", "1 ended 5", NULL), ==, 0);
	g_assert_true(readable(fd, 2000));
	g_assert_cmpint(sig_store_listener_read(l, &notified), ==, 0);
	g_assert_true(notified);
	l = sig_store_listener_free(l);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/store/nodes/events", test_events);
	ADD("/store/nodes/event-rolled-back", test_event_rolled_back);
	ADD("/store/nodes/seat-get", test_seat_get);
	ADD("/store/nodes/invite-last-use", test_invite_last_use);
	ADD("/store/nodes/invite-last-use-concurrent", test_invite_last_use_concurrent);
	if (test_backend_pg()) {
		ADD("/store/nodes/listen", test_listen_pg);
		ADD("/store/nodes/outbox-claim", test_outbox_claim);
	} else
		ADD("/store/nodes/listen", test_listen_sqlite);
	return g_test_run();
}
