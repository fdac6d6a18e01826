/* The webhook outbox on a real database: rows come with audit rows, go out
 * in order per session, wait out their retry time, are marked delivered,
 * pruned, trimmed over the cap (delivered ones first, pending ones
 * counted), and survive closing the database. */
#include "store/store.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

struct fixture {
	char *dir, *path;
	struct sig_store *store;
	int serial;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("hearth-outbox-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	sig_store_outbox_limit(f->store, 100);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	const char *suffixes[] = {"", "-wal", "-shm"};

	(void)data;
	f->store = sig_store_close(f->store);
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *p = g_strconcat(f->path, suffixes[i], NULL);
		(void)g_unlink(p);
	}
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->path);
	g_free(f->dir);
}

/* Appends an audit row with an event for session at time at; returns the
 * outbox row's id. */
static int64_t add(struct fixture *f, int64_t session, int64_t at)
{
	char id[32], body[64];
	struct sig_audit_event ev = {
	    .at_ms = at,
	    .kind = SIG_AUDIT_JOIN,
	    .session_id = session,
	    .actor = (char *)"system",
	    .detail = (char *)"{}",
	};
	struct sig_outbox_row row = {
	    .session_id = session,
	    .delivery_id = id,
	    .event = (char *)"participant.joined",
	    .body = body,
	    .created_ms = at,
	    .next_ms = at,
	};

	snprintf(id, sizeof(id), "evt_%d", ++f->serial);
	snprintf(body, sizeof(body), "{\"id\":\"%s\"}", id);
	g_assert_cmpint(sig_store_audit_append_with(f->store, &ev, &row), ==, 0);
	g_assert_true(row.id > 0 || !sig_store_outbox_on(f->store));
	return row.id;
}

static int64_t next_id(struct fixture *f, int64_t now)
{
	struct sig_outbox_row row = {0};
	int r = sig_store_outbox_next(f->store, now, &row);
	int64_t id = row.id;

	if (r == -ENOENT)
		return 0;
	g_assert_cmpint(r, ==, 0);
	sig_outbox_row_clear(&row);
	return id;
}

static void test_order_per_session(struct fixture *f, gconstpointer data)
{
	int64_t a1, a2, b1;
	struct sig_outbox_row row = {0};

	(void)data;
	g_assert_cmpint(next_id(f, 1000), ==, 0);
	a1 = add(f, 1, 100);
	a2 = add(f, 1, 200);
	b1 = add(f, 2, 300);
	g_assert_cmpint(next_id(f, 50), ==, 0); /* not due yet */
	/* Taken once: on PostgreSQL, next claims the session's head for the
	 * node that took it (test_store_nodes.c). */
	g_assert_cmpint(sig_store_outbox_next(f->store, 1000, &row), ==, 0);
	g_assert_cmpint(row.id, ==, a1);
	g_assert_cmpstr(row.delivery_id, ==, "evt_1");
	g_assert_cmpstr(row.body, ==, "{\"id\":\"evt_1\"}");
	g_assert_cmpint(row.attempts, ==, 0);
	sig_outbox_row_clear(&row);
	/* a1 fails: session 1 waits behind it, session 2 goes on. */
	g_assert_cmpint(sig_store_outbox_retry(f->store, a1, 1, 5000), ==, 0);
	g_assert_cmpint(next_id(f, 1000), ==, b1);
	g_assert_cmpint(sig_store_outbox_delivered(f->store, b1, 1100), ==, 0);
	/* A new event of a session waiting out a retry waits too. */
	add(f, 1, 1150);
	g_assert_cmpint(sig_store_outbox_delivered(f->store, b1, 1100), ==, -ENOENT);
	g_assert_cmpint(next_id(f, 1200), ==, 0);
	/* Due again, with its attempts; then a2 after it. */
	g_assert_cmpint(sig_store_outbox_next(f->store, 5000, &row), ==, 0);
	g_assert_cmpint(row.id, ==, a1);
	g_assert_cmpint(row.attempts, ==, 1);
	g_assert_cmpstr(row.delivery_id, ==, "evt_1"); /* the same id every try */
	sig_outbox_row_clear(&row);
	g_assert_cmpint(sig_store_outbox_delivered(f->store, a1, 5100), ==, 0);
	g_assert_cmpint(next_id(f, 5100), ==, a2);
}

static void test_survives_reopen(struct fixture *f, gconstpointer data)
{
	int64_t a1;
	int rows = 0, pending = 0;

	(void)data;
	a1 = add(f, 1, 100);
	f->store = sig_store_close(f->store);
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	/* Off after reopening until the daemon turns it on; the rows wait. */
	g_assert_false(sig_store_outbox_on(f->store));
	g_assert_cmpint(next_id(f, 1000), ==, a1);
	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &pending), ==, 0);
	g_assert_cmpint(rows, ==, 1);
	g_assert_cmpint(pending, ==, 1);
}

static void test_off_writes_none(struct fixture *f, gconstpointer data)
{
	int rows = -1, pending = -1;

	(void)data;
	sig_store_outbox_limit(f->store, 0);
	add(f, 1, 100); /* the audit row is written, the event is not */
	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &pending), ==, 0);
	g_assert_cmpint(rows, ==, 0);
}

static void test_unique_delivery_id(struct fixture *f, gconstpointer data)
{
	struct sig_audit_event ev = {.at_ms = 1,
				     .kind = SIG_AUDIT_JOIN,
				     .session_id = 1,
				     .actor = (char *)"system",
				     .detail = (char *)"{}"};
	struct sig_outbox_row row = {.session_id = 1,
				     .delivery_id = (char *)"evt_1",
				     .event = (char *)"participant.joined",
				     .body = (char *)"{}"};
	int64_t head = 0;
	uint8_t hash[32];

	(void)data;
	add(f, 1, 100); /* evt_1 */
	g_assert_cmpint(sig_store_audit_append_with(f->store, &ev, &row), ==, -EEXIST);
	/* The audit row went with it: one transaction. */
	g_assert_cmpint(sig_store_audit_head(f->store, &head, hash), ==, 0);
	g_assert_cmpint(head, ==, 1);
}

static void test_prune_and_cap(struct fixture *f, gconstpointer data)
{
	int rows = 0, pending = 0, pruned = 0;
	int64_t first, second;

	(void)data;
	sig_store_outbox_limit(f->store, 100);
	first = add(f, 1, 100);
	second = add(f, 1, 200);
	g_assert_cmpint(sig_store_outbox_delivered(f->store, first, 1000), ==, 0);
	g_assert_cmpint(sig_store_outbox_prune(f->store, 1000, &pruned), ==, 0);
	g_assert_cmpint(pruned, ==, 0); /* delivered at 1000: not before */
	g_assert_cmpint(sig_store_outbox_prune(f->store, 1001, &pruned), ==, 0);
	g_assert_cmpint(pruned, ==, 1);
	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &pending), ==, 0);
	g_assert_cmpint(rows, ==, 1);
	g_assert_cmpint(pending, ==, 1);

	/* Fill to the cap; one delivered row among them goes first. */
	for (int i = 0; i < 99; i++)
		add(f, 2, 300 + i);
	g_assert_cmpint(sig_store_outbox_delivered(f->store, second, 20000), ==, 0);
	add(f, 3, 500);
	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &pending), ==, 0);
	g_assert_cmpint(rows, ==, 100);
	g_assert_cmpint(pending, ==, 100);
	g_assert_cmpuint(sig_store_outbox_dropped(f->store), ==, 0);
	/* Full of pending rows: the oldest is dropped, and counted. */
	add(f, 3, 600);
	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &pending), ==, 0);
	g_assert_cmpint(rows, ==, 100);
	g_assert_cmpuint(sig_store_outbox_dropped(f->store), ==, 1);
	/* A lower cap at the next start trims at the next event. */
	sig_store_outbox_limit(f->store, 10);
	add(f, 3, 700);
	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &pending), ==, 0);
	g_assert_cmpint(rows, ==, 10);
	g_assert_cmpuint(sig_store_outbox_dropped(f->store), ==, 92);
	/* Sessions 1 and 2 lost every pending row: they leave the queue, and
	 * session 3's rows go out in order. Given up: gone. */
	first = next_id(f, 100000);
	g_assert_cmpint(first, >, 0);
	g_assert_cmpint(sig_store_outbox_delete(f->store, first), ==, 0);
	g_assert_cmpint(sig_store_outbox_delete(f->store, first), ==, -ENOENT);
	g_assert_cmpint(next_id(f, 100000), ==, first + 1);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/outbox/order-per-session", test_order_per_session);
	ADD("/outbox/survives-reopen", test_survives_reopen);
	ADD("/outbox/off-writes-none", test_off_writes_none);
	ADD("/outbox/unique-delivery-id", test_unique_delivery_id);
	ADD("/outbox/prune-and-cap", test_prune_and_cap);
	return g_test_run();
}
