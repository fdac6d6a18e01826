/* The store's records on a real database (store_fixture.h): sessions,
 * their rosters, invites and seats, occurrences, what a delete takes with
 * it, and the paged lists. */
#include "store_fixture.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sessions ---- */

static void test_session_crud(struct fixture *f, gconstpointer data)
{
	struct sig_session s = new_session(SIG_KIND_INDIVIDUAL, "Intake"), got = {0};
	char *sentinel = (char *)"untouched";

	(void)data;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	g_assert_cmpint(sig_store_session_get(f->store, s.id, &got), ==, 0);
	assert_session_equal(&got, &s);
	g_assert_false(got.names_editable);
	sig_session_clear(&got);

	g_free(s.title);
	s.title = g_strdup("Intake, rescheduled — ünïcode");
	s.schedule = weekly_schedule();
	s.capacity = 4;
	s.waiting_room = false;
	s.publish_policy = SIG_PUBLISH_HOSTS;
	s.names_editable = true;
	s.ended_at = T0 + 7200;
	s.updated_at = T0;
	g_assert_cmpint(sig_store_session_update(f->store, &s), ==, 0);
	g_assert_cmpint(sig_store_session_get(f->store, s.id, &got), ==, 0);
	assert_session_equal(&got, &s);
	sig_session_clear(&got);

	g_assert_cmpint(sig_store_session_delete(f->store, s.id), ==, 0);
	got.title = sentinel;
	g_assert_cmpint(sig_store_session_get(f->store, s.id, &got), ==, -ENOENT);
	g_assert_true(got.title == sentinel);
	g_assert_cmpint(sig_store_session_update(f->store, &s), ==, -ENOENT);
	g_assert_cmpint(sig_store_session_delete(f->store, s.id), ==, -ENOENT);
	sig_session_clear(&s);
}

static void test_session_invalid(struct fixture *f, gconstpointer data)
{
	struct sig_session s = new_session(SIG_KIND_GROUP, "Group");
	char *title = s.title;
	char long_title[SIG_TITLE_MAX + 2];
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_session));

	(void)data;
	s.capacity = 0;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	s.capacity = SIG_CAPACITY_MAX + 1;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	s.capacity = 16;
	s.title = NULL;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	memset(long_title, 'a', sizeof(long_title) - 1);
	long_title[sizeof(long_title) - 1] = '\0';
	s.title = long_title;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	s.title = title;
	s.schedule.end = s.schedule.start; /* empty window */
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	s.schedule = once_schedule();
	s.kind = SIG_KIND_COUNT;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, -EINVAL);
	g_assert_cmpint(s.id, ==, 0);

	g_assert_cmpint(sig_store_session_list(f->store, 0, SIG_STORE_LIST_MAX, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 0);
	g_array_unref(rows);
	sig_session_clear(&s);
}

static void test_unknown_name_is_eio(struct fixture *f, gconstpointer data)
{
	struct sig_session got = {0};
	int64_t id = add_session(f, "Family");
	char *sql =
	    g_strdup_printf("UPDATE sessions SET kind = 'circus' WHERE id = %lld", (long long)id);
	sqlite3 *db;

	(void)data;
	if (test_backend_pg()) {
		g_assert_cmpint(test_backend_pg_exec(sql), ==, -23); /* the CHECK refuses it */
		g_assert_cmpint(test_backend_pg_exec(
				    "ALTER TABLE sessions DROP CONSTRAINT sessions_kind_check"),
				==, 0);
		g_assert_cmpint(test_backend_pg_exec(sql), ==, 0);
	} else {
		db = raw_open(f);
		g_assert_cmpint(raw_exec(db, sql), !=, SQLITE_OK); /* the CHECK refuses it */
		raw_exec_ok(db, "PRAGMA ignore_check_constraints = ON");
		raw_exec_ok(db, sql);
		sqlite3_close(db);
	}
	g_assert_cmpint(sig_store_session_get(f->store, id, &got), ==, -EIO);
	g_assert_null(got.title);
	g_free(sql);
}

static void test_list_failure_keeps_rows(struct fixture *f, gconstpointer data)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_session));
	int64_t bad;
	char *sql;
	sqlite3 *db;

	(void)data;
	g_array_set_clear_func(rows, session_clear_func);
	add_session(f, "One");
	bad = add_session(f, "Two");
	add_session(f, "Three");
	g_assert_cmpint(sig_store_session_list(f->store, 0, 1, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);

	sql = g_strdup_printf("UPDATE sessions SET publish_policy = 'nobody' WHERE id = %lld",
			      (long long)bad);
	if (test_backend_pg()) {
		g_assert_cmpint(
		    test_backend_pg_exec("ALTER TABLE sessions "
					 "DROP CONSTRAINT sessions_publish_policy_check"),
		    ==, 0);
		g_assert_cmpint(test_backend_pg_exec(sql), ==, 0);
	} else {
		db = raw_open(f);
		raw_exec_ok(db, "PRAGMA ignore_check_constraints = ON");
		raw_exec_ok(db, sql);
		sqlite3_close(db);
	}
	/* Row one reads, row two does not: the caller's array stays as it was. */
	g_assert_cmpint(sig_store_session_list(f->store, 0, 10, rows), ==, -EIO);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpstr(g_array_index(rows, struct sig_session, 0).title, ==, "One");
	g_array_unref(rows);
	g_free(sql);
}

/* ---- roster ---- */

static void test_roster_crud(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family");
	struct sig_roster_entry e = new_entry(sid, "Bo", SIG_ROLE_PARTNER), got = {0};
	int count = -1;

	(void)data;
	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
	g_assert_cmpint(sig_store_roster_get(f->store, e.id, &got), ==, 0);
	g_assert_cmpint(got.id, ==, e.id);
	g_assert_cmpint(got.session_id, ==, sid);
	g_assert_cmpstr(got.display_name, ==, "Bo");
	g_assert_cmpint(got.role, ==, SIG_ROLE_PARTNER);
	g_assert_cmpuint(got.permissions, ==, e.permissions);
	g_assert_cmpint(got.auto_admit, ==, false);
	g_assert_cmpint(got.removed_at, ==, 0);
	g_assert_cmpint(got.created_at, ==, e.created_at);
	sig_roster_entry_clear(&got);

	g_free(e.display_name);
	e.display_name = g_strdup("Bo (co-parent)");
	e.role = SIG_ROLE_COHOST;
	e.permissions = SIG_PERM_ALL;
	e.auto_admit = true;
	e.updated_at = T0;
	g_assert_cmpint(sig_store_roster_update(f->store, &e), ==, 0);
	g_assert_cmpint(sig_store_roster_get(f->store, e.id, &got), ==, 0);
	g_assert_cmpstr(got.display_name, ==, "Bo (co-parent)");
	g_assert_cmpint(got.role, ==, SIG_ROLE_COHOST);
	g_assert_cmpuint(got.permissions, ==, SIG_PERM_ALL);
	g_assert_true(got.auto_admit);
	g_assert_cmpint(got.updated_at, ==, T0);
	sig_roster_entry_clear(&got);

	g_assert_cmpint(sig_store_roster_count(f->store, sid, &count), ==, 0);
	g_assert_cmpint(count, ==, 1);
	g_assert_cmpint(sig_store_roster_delete(f->store, e.id), ==, 0);
	g_assert_cmpint(sig_store_roster_get(f->store, e.id, &got), ==, -ENOENT);
	g_assert_cmpint(sig_store_roster_update(f->store, &e), ==, -ENOENT);
	g_assert_cmpint(sig_store_roster_delete(f->store, e.id), ==, -ENOENT);
	g_assert_cmpint(sig_store_roster_count(f->store, sid, &count), ==, 0);
	g_assert_cmpint(count, ==, 0);
	sig_roster_entry_clear(&e);
}

static void test_roster_missing_session(struct fixture *f, gconstpointer data)
{
	struct sig_roster_entry e = new_entry(999, "Cy", SIG_ROLE_CLIENT);
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_roster_entry));
	int count = -1;

	(void)data;
	/* -ENOENT here means the foreign key is enforced. */
	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, -ENOENT);
	g_assert_cmpint(e.id, ==, 0);
	g_assert_cmpint(sig_store_roster_count(f->store, 999, &count), ==, -ENOENT);
	g_assert_cmpint(count, ==, -1);
	g_assert_cmpint(sig_store_roster_list(f->store, 999, 0, 10, rows), ==, -ENOENT);
	g_array_unref(rows);
	e.display_name[0] = '\0';
	e.session_id = add_session(f, "Family");
	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, -EINVAL);
	sig_roster_entry_clear(&e);
}

static void test_roster_count_ignores_removed(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family"), other = add_session(f, "Other");
	struct sig_roster_entry e = {0};
	int64_t ids[4];
	int count = -1;

	(void)data;
	for (int i = 0; i < 4; i++)
		ids[i] = add_entry(f, sid, "Member");
	add_entry(f, other, "Elsewhere");
	g_assert_cmpint(sig_store_roster_count(f->store, sid, &count), ==, 0);
	g_assert_cmpint(count, ==, 4);

	g_assert_cmpint(sig_store_roster_get(f->store, ids[1], &e), ==, 0);
	e.removed_at = T0;
	g_assert_cmpint(sig_store_roster_update(f->store, &e), ==, 0);
	sig_roster_entry_clear(&e);
	g_assert_cmpint(sig_store_roster_count(f->store, sid, &count), ==, 0);
	g_assert_cmpint(count, ==, 3);
}

/* ---- invites ---- */

static void test_invite_crud(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family"), entry = add_entry(f, sid, "Di");
	struct sig_invite inv = new_invite(sid, entry, 7), got = {0};
	uint8_t unknown[CRYPTO_SHA256_BYTES] = {0};

	(void)data;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, 0);
	g_assert_cmpint(sig_store_invite_get(f->store, inv.id, &got), ==, 0);
	g_assert_cmpint(got.id, ==, inv.id);
	g_assert_cmpint(got.session_id, ==, sid);
	g_assert_cmpint(got.roster_entry_id, ==, entry);
	g_assert_cmpmem(got.token_hash, sizeof(got.token_hash), inv.token_hash,
			sizeof(inv.token_hash));
	g_assert_cmpint(got.max_uses, ==, SIG_INVITE_USES_DEFAULT);
	g_assert_cmpint(got.uses, ==, 0);
	g_assert_cmpint(got.created_at, ==, inv.created_at);

	memset(&got, 0, sizeof(got));
	g_assert_cmpint(sig_store_invite_find_by_hash(f->store, inv.token_hash, &got), ==, 0);
	g_assert_cmpint(got.id, ==, inv.id);
	g_assert_cmpint(sig_store_invite_find_by_hash(f->store, unknown, &got), ==, -ENOENT);

	inv.uses = 2;
	inv.last_used_at = T0;
	inv.revoked_at = T0 + 60;
	inv.max_uses = 5;
	g_assert_cmpint(sig_store_invite_update(f->store, &inv), ==, 0);
	g_assert_cmpint(sig_store_invite_get(f->store, inv.id, &got), ==, 0);
	g_assert_cmpint(got.uses, ==, 0); /* invite_use's alone (test_store_nodes.c) */
	g_assert_cmpint(got.max_uses, ==, 5);
	g_assert_cmpint(got.last_used_at, ==, T0);
	g_assert_cmpint(got.revoked_at, ==, T0 + 60);

	inv.max_uses = 0;
	g_assert_cmpint(sig_store_invite_update(f->store, &inv), ==, -EINVAL);
	inv.max_uses = 5;
	inv.id += 100;
	g_assert_cmpint(sig_store_invite_update(f->store, &inv), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_get(f->store, inv.id, &got), ==, -ENOENT);
}

static void test_invite_refusals(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family"), entry = add_entry(f, sid, "Ed");
	int64_t other = add_session(f, "Other"), other_entry = add_entry(f, other, "Flo");
	struct sig_invite inv = new_invite(sid, entry + 100, 1);

	(void)data;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, -ENOENT);
	/* An entry of another session is no entry of this one. */
	inv.roster_entry_id = other_entry;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, -ENOENT);
	inv.session_id = 999;
	inv.roster_entry_id = entry;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, -ENOENT);
	g_assert_cmpint(inv.id, ==, 0);

	inv.session_id = sid;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, 0);
	inv.id = 0;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, -EEXIST);
	g_assert_cmpint(inv.id, ==, 0);
	inv.session_id = other;
	inv.roster_entry_id = other_entry;
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, -EEXIST);
}

static void test_invite_list(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family"), a = add_entry(f, sid, "A"),
		b = add_entry(f, sid, "B");
	int64_t other = add_session(f, "Other"), c = add_entry(f, other, "C");
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_invite));
	int64_t ia1 = add_invite(f, sid, a, 1), ib = add_invite(f, sid, b, 2);
	int64_t ia2 = add_invite(f, sid, a, 3);

	(void)data;
	add_invite(f, other, c, 4);
	g_assert_cmpint(sig_store_invite_list(f->store, sid, 0, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 3);
	g_assert_cmpint(g_array_index(rows, struct sig_invite, 0).id, ==, ia1);
	g_assert_cmpint(g_array_index(rows, struct sig_invite, 1).id, ==, ib);
	g_assert_cmpint(g_array_index(rows, struct sig_invite, 2).id, ==, ia2);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_invite_list(f->store, sid, a, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_invite, 0).id, ==, ia1);
	g_assert_cmpint(g_array_index(rows, struct sig_invite, 1).id, ==, ia2);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_invite_list(f->store, sid, a, ia1, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpint(g_array_index(rows, struct sig_invite, 0).id, ==, ia2);
	g_assert_cmpint(sig_store_invite_list(f->store, 999, 0, 0, 10, rows), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_list(f->store, sid, 0, 0, 0, rows), ==, -EINVAL);
	g_assert_cmpuint(rows->len, ==, 1);
	g_array_unref(rows);
}

/* ---- occurrences ---- */

static void test_occurrences(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Weekly"), entry = add_entry(f, sid, "Gus");
	int64_t inv = add_invite(f, sid, entry, 4);
	struct sig_occurrence_record rec = {0};
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_occurrence_record));
	bool first = false, used = true;

	(void)data;
	g_assert_cmpint(sig_store_occurrence_get(f->store, sid, T0, &rec), ==, -ENOENT);
	/* The first join is remembered, later ones are not firsts. */
	g_assert_cmpint(sig_store_occurrence_joined(f->store, sid, T0, T0 + 5, &first), ==, 0);
	g_assert_true(first);
	g_assert_cmpint(sig_store_occurrence_joined(f->store, sid, T0, T0 + 9, &first), ==, 0);
	g_assert_false(first);
	g_assert_cmpint(sig_store_occurrence_get(f->store, sid, T0, &rec), ==, 0);
	g_assert_cmpint(rec.first_join_at, ==, T0 + 5);
	g_assert_cmpint(rec.ended_at, ==, 0);
	/* Ended once; ending again keeps the first time. */
	g_assert_cmpint(sig_store_occurrence_end(f->store, sid, T0, T0 + 60, &first), ==, 0);
	g_assert_true(first);
	g_assert_cmpint(sig_store_occurrence_end(f->store, sid, T0, T0 + 70, &first), ==, 0);
	g_assert_false(first);
	g_assert_cmpint(sig_store_occurrence_get(f->store, sid, T0, &rec), ==, 0);
	g_assert_cmpint(rec.ended_at, ==, T0 + 60);
	g_assert_cmpint(rec.first_join_at, ==, T0 + 5);
	/* An occurrence ended before anyone joined; its first join counts. */
	g_assert_cmpint(sig_store_occurrence_end(f->store, sid, T0 + 604800, T0 + 604800, &first),
			==, 0);
	g_assert_cmpint(
	    sig_store_occurrence_joined(f->store, sid, T0 + 604800, T0 + 604801, &first), ==, 0);
	g_assert_true(first);
	g_assert_cmpint(sig_store_occurrence_joined(f->store, 999, T0, T0, &first), ==, -ENOENT);
	/* Newest first, before a start. */
	g_assert_cmpint(sig_store_occurrence_list(f->store, sid, INT64_MAX, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_occurrence_record, 0).start, ==,
			T0 + 604800);
	g_assert_cmpint(g_array_index(rows, struct sig_occurrence_record, 1).start, ==, T0);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_occurrence_list(f->store, sid, T0 + 604800, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpint(sig_store_occurrence_list(f->store, 999, INT64_MAX, 10, rows), ==, -ENOENT);

	/* An invite's use, once per occurrence. */
	g_assert_cmpint(sig_store_invite_used_in(f->store, inv, T0, &used), ==, 0);
	g_assert_false(used);
	g_assert_cmpint(sig_store_invite_use(f->store, inv, T0, T0 + 5, &first), ==, 0);
	g_assert_true(first);
	g_assert_cmpint(sig_store_invite_use(f->store, inv, T0, T0 + 9, &first), ==, 0);
	g_assert_false(first);
	g_assert_cmpint(sig_store_invite_used_in(f->store, inv, T0, &used), ==, 0);
	g_assert_true(used);
	g_assert_cmpint(sig_store_invite_use(f->store, inv + 100, T0, T0, &first), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_note_low(f->store, inv, T0, &first), ==, 0);
	g_assert_true(first);
	g_assert_cmpint(sig_store_invite_note_low(f->store, inv, T0 + 1, &first), ==, 0);
	g_assert_false(first);

	/* They go with their session. */
	g_assert_cmpint(sig_store_session_delete(f->store, sid), ==, 0);
	g_assert_cmpint(sig_store_occurrence_get(f->store, sid, T0, &rec), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_used_in(f->store, inv, T0, &used), ==, 0);
	g_assert_false(used);
}

/* ---- cascades ---- */

static void test_delete_cascades(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family"), keep = add_session(f, "Keep");
	int64_t a = add_entry(f, sid, "A"), b = add_entry(f, sid, "B"), k = add_entry(f, keep, "K");
	int64_t ia = add_invite(f, sid, a, 1), ib = add_invite(f, sid, b, 2);
	int64_t ik = add_invite(f, keep, k, 3);
	struct sig_invite inv = new_invite(sid, a, 1), got = {0};
	struct sig_roster_entry entry = {0};
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_audit_event));
	int64_t n = 0, bad = 0;
	char *problem = NULL;

	(void)data;
	g_array_set_clear_func(rows, audit_clear_func);
	append_events(f, sid, 3);

	/* An entry takes its invites with it. */
	g_assert_cmpint(sig_store_roster_delete(f->store, b), ==, 0);
	g_assert_cmpint(sig_store_invite_get(f->store, ib, &got), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_get(f->store, ia, &got), ==, 0);

	/* A session takes its roster and invites, not its audit rows. */
	g_assert_cmpint(sig_store_session_delete(f->store, sid), ==, 0);
	g_assert_cmpint(sig_store_roster_get(f->store, a, &entry), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_get(f->store, ia, &got), ==, -ENOENT);
	g_assert_cmpint(sig_store_invite_find_by_hash(f->store, inv.token_hash, &got), ==, -ENOENT);
	g_assert_cmpint(sig_store_audit_list(f->store, sid, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 3);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, 0);
	g_assert_cmpint(n, ==, 3);

	g_assert_cmpint(sig_store_roster_get(f->store, k, &entry), ==, 0);
	sig_roster_entry_clear(&entry);
	g_assert_cmpint(sig_store_invite_get(f->store, ik, &got), ==, 0);
	g_array_unref(rows);
}

/* ---- lists ---- */

static void test_pagination(struct fixture *f, gconstpointer data)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_session));
	struct sig_session first = {0};
	int64_t ids[5];

	(void)data;
	g_array_set_clear_func(rows, session_clear_func);
	for (int i = 0; i < 5; i++)
		ids[i] = add_session(f, "Session");

	g_assert_cmpint(sig_store_session_list(f->store, 0, 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 0).id, ==, ids[0]);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 1).id, ==, ids[1]);
	g_assert_cmpstr(g_array_index(rows, struct sig_session, 1).title, ==, "Session");
	/* Appends: earlier rows stay. */
	g_assert_cmpint(sig_store_session_list(f->store, ids[1], 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 4);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 2).id, ==, ids[2]);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 3).id, ==, ids[3]);
	g_assert_cmpint(sig_store_session_list(f->store, ids[3], 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 5);
	g_assert_cmpint(g_array_index(rows, struct sig_session, 4).id, ==, ids[4]);
	g_assert_cmpint(sig_store_session_list(f->store, ids[4], 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 5);

	g_assert_cmpint(sig_store_session_list(f->store, 0, 0, rows), ==, -EINVAL);
	g_assert_cmpint(sig_store_session_list(f->store, 0, -1, rows), ==, -EINVAL);
	g_assert_cmpint(sig_store_session_list(f->store, 0, SIG_STORE_LIST_MAX + 1, rows), ==,
			-EINVAL);
	g_assert_cmpuint(rows->len, ==, 5);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_session_list(f->store, 0, SIG_STORE_LIST_MAX, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 5);
	first = g_array_index(rows, struct sig_session, 0);
	g_assert_cmpint(first.id, ==, ids[0]);
	g_array_unref(rows);
}

static void test_roster_pagination(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Group"), other = add_session(f, "Other");
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_roster_entry));
	int64_t ids[3];

	(void)data;
	g_array_set_clear_func(rows, roster_clear_func);
	ids[0] = add_entry(f, sid, "A");
	add_entry(f, other, "X");
	ids[1] = add_entry(f, sid, "B");
	ids[2] = add_entry(f, sid, "C");
	g_assert_cmpint(sig_store_roster_list(f->store, sid, 0, 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_roster_entry, 0).id, ==, ids[0]);
	g_assert_cmpint(g_array_index(rows, struct sig_roster_entry, 1).id, ==, ids[1]);
	g_assert_cmpint(sig_store_roster_list(f->store, sid, ids[1], 2, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 3);
	g_assert_cmpint(g_array_index(rows, struct sig_roster_entry, 2).id, ==, ids[2]);
	g_assert_cmpstr(g_array_index(rows, struct sig_roster_entry, 2).display_name, ==, "C");
	g_assert_cmpint(sig_store_roster_list(f->store, sid, 0, SIG_STORE_LIST_MAX + 1, rows), ==,
			-EINVAL);
	g_array_unref(rows);
}

/* ---- seats ---- */

static struct sig_seat new_seat(int64_t sid, int64_t entry, const char *pid, uint8_t seed)
{
	struct sig_seat seat = {.session_id = sid,
				.roster_entry_id = entry,
				.closes_at = T0 + 3600,
				.expires_at = T0 + 3600};

	g_strlcpy(seat.participant_id, pid, sizeof(seat.participant_id));
	memset(seat.resume_hash, seed, sizeof(seat.resume_hash));
	return seat;
}

/* A seat is written whole on each event (one row per participant), read
 * back as written, deleted once, and goes with its roster entry. */
static void test_seat_crud(struct fixture *f, gconstpointer data)
{
	int64_t sid = add_session(f, "Family"), a = add_entry(f, sid, "A"),
		b = add_entry(f, sid, "B");
	struct sig_seat sa = new_seat(sid, a, "p-00000000000000aa", 1);
	struct sig_seat sb = new_seat(sid, b, "p-00000000000000bb", 2);
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_seat));

	(void)data;
	g_array_set_clear_func(rows, (GDestroyNotify)sig_seat_clear);
	sa.waiting = true;
	g_assert_cmpint(sig_store_seat_put(f->store, &sa), ==, 0);
	g_assert_cmpint(sig_store_seat_put(f->store, &sb), ==, 0);
	/* The next event replaces the row's state. */
	sa.waiting = false;
	sa.granted = SIG_PERM_PUBLISH_AUDIO;
	sa.muted = 2;
	sa.locked = 2;
	sa.display_name = (char *)"Granny";
	memset(sa.resume_hash, 9, sizeof(sa.resume_hash));
	g_assert_cmpint(sig_store_seat_put(f->store, &sa), ==, 0);
	g_assert_cmpint(sig_store_seat_list(f->store, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	const struct sig_seat *got = &g_array_index(rows, struct sig_seat, 0);
	g_assert_cmpstr(got->participant_id, ==, "p-00000000000000aa");
	g_assert_cmpint(got->session_id, ==, sid);
	g_assert_cmpint(got->roster_entry_id, ==, a);
	g_assert_false(got->waiting);
	g_assert_cmpuint(got->granted, ==, SIG_PERM_PUBLISH_AUDIO);
	g_assert_cmpuint(got->muted, ==, 2);
	g_assert_cmpuint(got->locked, ==, 2);
	g_assert_cmpstr(got->display_name, ==, "Granny");
	g_assert_cmpmem(got->resume_hash, 32, sa.resume_hash, 32);
	g_assert_cmpint(got->expires_at, ==, T0 + 3600);
	g_assert_null(g_array_index(rows, struct sig_seat, 1).display_name);

	/* Values the schema refuses, and an entry that does not exist. */
	struct sig_seat bad = new_seat(sid, a, "p-short", 3);
	g_assert_cmpint(sig_store_seat_put(f->store, &bad), ==, -EINVAL);
	bad = new_seat(sid, 999, "p-00000000000000cc", 3);
	g_assert_cmpint(sig_store_seat_put(f->store, &bad), ==, -ENOENT);
	bad = new_seat(sid, a, "p-00000000000000dd", 3);
	bad.granted = 99;
	g_assert_cmpint(sig_store_seat_put(f->store, &bad), ==, -EINVAL);

	g_assert_cmpint(sig_store_seat_delete(f->store, "p-00000000000000aa"), ==, 0);
	g_assert_cmpint(sig_store_seat_delete(f->store, "p-00000000000000aa"), ==, -ENOENT);
	/* B's seat goes with B's roster entry. */
	g_assert_cmpint(sig_store_roster_delete(f->store, b), ==, 0);
	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_seat_list(f->store, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 0);
	g_array_unref(rows);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/store/session/crud", test_session_crud);
	ADD("/store/session/invalid", test_session_invalid);
	ADD("/store/session/unknown-name-is-eio", test_unknown_name_is_eio);
	ADD("/store/session/list-failure-keeps-rows", test_list_failure_keeps_rows);
	ADD("/store/roster/crud", test_roster_crud);
	ADD("/store/roster/missing-session", test_roster_missing_session);
	ADD("/store/roster/count-ignores-removed", test_roster_count_ignores_removed);
	ADD("/store/occurrences", test_occurrences);
	ADD("/store/invite/crud", test_invite_crud);
	ADD("/store/invite/refusals", test_invite_refusals);
	ADD("/store/invite/list", test_invite_list);
	ADD("/store/delete-cascades", test_delete_cascades);
	ADD("/store/seat/crud", test_seat_crud);
	ADD("/store/list/sessions", test_pagination);
	ADD("/store/list/roster", test_roster_pagination);
	return g_test_run();
}
