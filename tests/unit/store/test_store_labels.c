/* The SQLite store's scheduling-system labels (external_id, metadata on
 * sessions and roster entries, the filter by external_id) and the admin
 * API's kept idempotent answers (expiry, pruning, the row cap), on a real
 * database file in a temporary directory. */
#include "store/store.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#define T0 1796144400 /* 2026-12-01T17:00:00Z */

struct fixture {
	char *dir;
	char *path;
	struct sig_store *store;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("hearth-labels-XXXXXX", &error);
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

static int raw_exec(const struct fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	g_assert_cmpint(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static struct sig_session new_session(const char *external_id, const char *metadata)
{
	struct sig_session s = {.title = g_strdup("Family"),
				.schedule = {.kind = SIG_SCHEDULE_ONCE,
					     .start = T0,
					     .end = T0 + 3600,
					     .grace_before_minutes = 15,
					     .grace_after_minutes = 15}};

	sig_session_defaults(SIG_KIND_FAMILY, &s);
	s.created_at = s.updated_at = T0;
	s.external_id = g_strdup(external_id);
	s.metadata = g_strdup(metadata);
	return s;
}

static void test_session_labels(struct fixture *f, gconstpointer data)
{
	struct sig_session s = new_session("appt-1", "{\"room\":\"B\"}"), got = {0};

	(void)data;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	g_assert_cmpint(sig_store_session_get(f->store, s.id, &got), ==, 0);
	g_assert_cmpstr(got.external_id, ==, "appt-1");
	g_assert_cmpstr(got.metadata, ==, "{\"room\":\"B\"}");
	sig_session_clear(&got);

	/* Cleared: NULL in, NULL out. */
	g_clear_pointer(&s.external_id, g_free);
	g_clear_pointer(&s.metadata, g_free);
	g_assert_cmpint(sig_store_session_update(f->store, &s), ==, 0);
	g_assert_cmpint(sig_store_session_get(f->store, s.id, &got), ==, 0);
	g_assert_null(got.external_id);
	g_assert_null(got.metadata);
	sig_session_clear(&got);
	sig_session_clear(&s);

	/* The schema refuses what the API would: too long, not an object. */
	s = new_session("x", "[1]");
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	sig_session_clear(&s);
	char long_id[130];
	memset(long_id, 'x', 129);
	long_id[129] = '\0';
	s = new_session(long_id, NULL);
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	sig_session_clear(&s);
}

static void test_session_filter(struct fixture *f, gconstpointer data)
{
	const char *ids[] = {"a", "b", "a", NULL, "a"};
	int64_t want[3];
	int n = 0;

	(void)data;
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		struct sig_session s = new_session(ids[i], NULL);
		g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
		if (ids[i] && strcmp(ids[i], "a") == 0)
			want[n++] = s.id;
		sig_session_clear(&s);
	}
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_session));
	g_array_set_clear_func(rows, (GDestroyNotify)sig_session_clear);
	g_assert_cmpint(sig_store_session_list_external(f->store, "a", 0, 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 0).id, ==, want[0]);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 1).id, ==, want[1]);
	g_assert_cmpint(sig_store_session_list_external(f->store, "a", want[1], 50, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 3);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 2).id, ==, want[2]);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_session_list_external(f->store, "A", 0, 50, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 0);
}

static void test_roster_labels(struct fixture *f, gconstpointer data)
{
	struct sig_session s = new_session(NULL, NULL);
	struct sig_roster_entry e = {.display_name = g_strdup("Dana"),
				     .role = SIG_ROLE_FAMILY,
				     .created_at = T0,
				     .updated_at = T0,
				     .external_id = g_strdup("person-9"),
				     .metadata = g_strdup("{\"guardian\":true}")},
				got = {0};

	(void)data;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	e.session_id = s.id;
	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
	g_assert_cmpint(sig_store_roster_get(f->store, e.id, &got), ==, 0);
	g_assert_cmpstr(got.external_id, ==, "person-9");
	g_assert_cmpstr(got.metadata, ==, "{\"guardian\":true}");
	sig_roster_entry_clear(&got);
	g_free(e.metadata);
	e.metadata = g_strdup("{\"guardian\":false}");
	g_assert_cmpint(sig_store_roster_update(f->store, &e), ==, 0);
	g_assert_cmpint(sig_store_roster_get(f->store, e.id, &got), ==, 0);
	g_assert_cmpstr(got.metadata, ==, "{\"guardian\":false}");
	sig_roster_entry_clear(&got);
	sig_roster_entry_clear(&e);
	sig_session_clear(&s);
}

static struct sig_idempotent_answer answer(int status, int64_t at, uint8_t fill)
{
	struct sig_idempotent_answer a = {.status = status, .created_at = at};

	memset(a.request_mac, fill, sizeof(a.request_mac));
	a.sealed_len = 40;
	a.sealed = g_malloc(a.sealed_len);
	memset(a.sealed, fill, a.sealed_len);
	return a;
}

static void test_idempotency_put_get(struct fixture *f, gconstpointer data)
{
	uint8_t lookup[CRYPTO_SHA256_BYTES], other[CRYPTO_SHA256_BYTES];
	struct sig_idempotent_answer a = answer(201, T0, 0xa5), got = {0};

	(void)data;
	memset(lookup, 1, sizeof(lookup));
	memset(other, 2, sizeof(other));
	g_assert_cmpint(sig_store_idempotency_get(f->store, lookup, 0, &got), ==, -ENOENT);
	g_assert_cmpint(sig_store_idempotency_put(f->store, lookup, &a, T0 - 86400), ==, 0);
	g_assert_cmpint(sig_store_idempotency_get(f->store, lookup, T0 - 86400, &got), ==, 0);
	g_assert_cmpint(got.status, ==, 201);
	g_assert_cmpmem(got.request_mac, 32, a.request_mac, 32);
	g_assert_cmpmem(got.sealed, got.sealed_len, a.sealed, a.sealed_len);
	g_assert_cmpint(got.created_at, ==, T0);
	sig_idempotent_answer_clear(&got);
	/* Older than the caller's horizon: as if absent. */
	g_assert_cmpint(sig_store_idempotency_get(f->store, lookup, T0 + 1, &got), ==, -ENOENT);
	g_assert_cmpint(sig_store_idempotency_put(f->store, lookup, &a, T0 - 86400), ==, -EEXIST);
	g_assert_cmpint(sig_store_idempotency_get(f->store, other, 0, &got), ==, -ENOENT);
	sig_idempotent_answer_clear(&a);

	/* Only successes are kept. */
	a = answer(409, T0, 1);
	g_assert_cmpint(sig_store_idempotency_put(f->store, other, &a, 0), ==, -EINVAL);
	sig_idempotent_answer_clear(&a);
}

static void test_idempotency_prune_and_cap(struct fixture *f, gconstpointer data)
{
	uint8_t lookup[CRYPTO_SHA256_BYTES] = {0};
	struct sig_idempotent_answer a = answer(200, T0, 3), got = {0};

	(void)data;
	g_assert_cmpint(sig_store_idempotency_put(f->store, lookup, &a, 0), ==, 0);
	/* A day later, another put prunes the first row. */
	lookup[0] = 1;
	a.created_at = T0 + 86401;
	g_assert_cmpint(sig_store_idempotency_put(f->store, lookup, &a, T0 + 1), ==, 0);
	lookup[0] = 0;
	g_assert_cmpint(sig_store_idempotency_get(f->store, lookup, 0, &got), ==, -ENOENT);

	/* Full: the cap holds until old rows go. */
	g_autofree char *fill = g_strdup_printf(
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
	    "INSERT INTO idempotency SELECT randomblob(32), zeroblob(32), 200, zeroblob(28), "
	    "%d FROM n",
	    SIG_STORE_IDEMPOTENCY_ROWS_MAX - 1, T0 + 86401);
	if (test_backend_pg()) {
		g_autofree char *pg_fill = g_strdup_printf(
		    "INSERT INTO idempotency SELECT sha256(int8send(i)), "
		    "decode(repeat('00', 32), 'hex'), 200, decode(repeat('00', 28), 'hex'), %d "
		    "FROM generate_series(1, %d) AS i",
		    T0 + 86401, SIG_STORE_IDEMPOTENCY_ROWS_MAX - 1);
		g_assert_cmpint(test_backend_pg_exec(pg_fill), ==, 0);
	} else {
		g_assert_cmpint(raw_exec(f, fill), ==, SQLITE_OK);
	}
	lookup[0] = 2;
	g_assert_cmpint(sig_store_idempotency_put(f->store, lookup, &a, T0 + 1), ==, -ENOSPC);
	g_assert_cmpint(sig_store_idempotency_put(f->store, lookup, &a, T0 + 86402), ==, 0);
	g_assert_cmpint(sig_store_idempotency_get(f->store, lookup, 0, &got), ==, 0);
	sig_idempotent_answer_clear(&got);
	sig_idempotent_answer_clear(&a);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/store/labels/session", test_session_labels);
	ADD("/store/labels/session-filter", test_session_filter);
	ADD("/store/labels/roster", test_roster_labels);
	ADD("/store/idempotency/put-get", test_idempotency_put_get);
	ADD("/store/idempotency/prune-and-cap", test_idempotency_prune_and_cap);
	return g_test_run();
}
