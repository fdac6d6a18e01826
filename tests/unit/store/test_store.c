/* The SQLite store on a real database file in a temporary directory. A
 * second, raw sqlite3 connection plays the outside world: it checks what
 * reached the file, and tampers with the audit log the way an attacker with
 * write access to the state directory would. */
#include "store/store.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	f->dir = g_dir_make_tmp("hearth-store-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	g_assert_nonnull(f->store);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	GDir *dir;
	const char *name;

	(void)data;
	f->store = sig_store_close(f->store);
	dir = g_dir_open(f->dir, 0, NULL);
	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir))) {
		char *file = g_build_filename(f->dir, name, NULL);
		g_assert_cmpint(g_unlink(file), ==, 0);
		g_free(file);
	}
	g_dir_close(dir);
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->path);
	g_free(f->dir);
}

static void reopen(struct fixture *f)
{
	f->store = sig_store_close(f->store);
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
}

/* ---- the raw connection ---- */

static sqlite3 *raw_open(const struct fixture *f)
{
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int raw_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void raw_exec_ok(sqlite3 *db, const char *sql)
{
	int rc = raw_exec(db, sql);

	if (rc != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static char *raw_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	char *v;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	v = g_strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return v;
}

/* ---- rows ---- */

static struct sig_schedule once_schedule(void)
{
	return (struct sig_schedule){
	    .kind = SIG_SCHEDULE_ONCE,
	    .start = T0,
	    .end = T0 + 3600,
	    .grace_before_minutes = 15,
	    .grace_after_minutes = 10,
	};
}

static struct sig_schedule weekly_schedule(void)
{
	struct sig_schedule s = {
	    .kind = SIG_SCHEDULE_WEEKLY,
	    .weekdays = SIG_WEEKDAY_BIT(2) | SIG_WEEKDAY_BIT(4),
	    .start_minute = 19 * 60,
	    .duration_minutes = 90,
	    .grace_before_minutes = 5,
	    .grace_after_minutes = 0,
	};

	g_strlcpy(s.time_zone, "America/New_York", sizeof(s.time_zone));
	return s;
}

static struct sig_session new_session(enum sig_kind kind, const char *title)
{
	struct sig_session s = {.title = g_strdup(title), .schedule = once_schedule()};

	sig_session_defaults(kind, &s);
	s.created_at = s.updated_at = T0 - 86400;
	return s;
}

static int64_t add_session(struct fixture *f, const char *title)
{
	struct sig_session s = new_session(SIG_KIND_FAMILY, title);

	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	g_assert_cmpint(s.id, >, 0);
	sig_session_clear(&s);
	return s.id;
}

static struct sig_roster_entry new_entry(int64_t session_id, const char *name, enum sig_role role)
{
	return (struct sig_roster_entry){
	    .session_id = session_id,
	    .display_name = g_strdup(name),
	    .role = role,
	    .permissions = sig_role_default_permissions(role, SIG_PUBLISH_EVERYONE),
	    .auto_admit = sig_role_default_auto_admit(role),
	    .created_at = T0 - 3600,
	    .updated_at = T0 - 3600,
	};
}

static int64_t add_entry(struct fixture *f, int64_t session_id, const char *name)
{
	struct sig_roster_entry e = new_entry(session_id, name, SIG_ROLE_CLIENT);

	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
	g_assert_cmpint(e.id, >, 0);
	sig_roster_entry_clear(&e);
	return e.id;
}

static struct sig_invite new_invite(int64_t session_id, int64_t entry_id, uint8_t seed)
{
	struct sig_invite inv = {
	    .roster_entry_id = entry_id,
	    .session_id = session_id,
	    .max_uses = SIG_INVITE_USES_DEFAULT,
	    .created_at = T0 - 3600,
	};

	crypto_sha256(&seed, 1, inv.token_hash);
	return inv;
}

static int64_t add_invite(struct fixture *f, int64_t session_id, int64_t entry_id, uint8_t seed)
{
	struct sig_invite inv = new_invite(session_id, entry_id, seed);

	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, 0);
	g_assert_cmpint(inv.id, >, 0);
	return inv.id;
}

static struct sig_audit_event new_event(enum sig_audit_kind kind, int64_t session_id, int n)
{
	return (struct sig_audit_event){
	    .at_ms = (int64_t)T0 * 1000 + n,
	    .kind = kind,
	    .session_id = session_id,
	    .roster_entry_id = n,
	    .actor = g_strdup("api-key:scheduler"),
	    .detail = g_strdup_printf("{\"n\":%d}", n),
	};
}

static void append_events(struct fixture *f, int64_t session_id, int count)
{
	for (int i = 1; i <= count; i++) {
		struct sig_audit_event ev = new_event(SIG_AUDIT_JOIN, session_id, i);

		g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, 0);
		sig_audit_event_clear(&ev);
	}
}

static void session_clear_func(void *p)
{
	sig_session_clear(p);
}

static void roster_clear_func(void *p)
{
	sig_roster_entry_clear(p);
}

static void audit_clear_func(void *p)
{
	sig_audit_event_clear(p);
}

static void assert_schedule_equal(const struct sig_schedule *a, const struct sig_schedule *b)
{
	g_assert_cmpint(a->kind, ==, b->kind);
	g_assert_cmpint(a->start, ==, b->start);
	g_assert_cmpint(a->end, ==, b->end);
	g_assert_cmpuint(a->weekdays, ==, b->weekdays);
	g_assert_cmpint(a->start_minute, ==, b->start_minute);
	g_assert_cmpint(a->duration_minutes, ==, b->duration_minutes);
	g_assert_cmpstr(a->time_zone, ==, b->time_zone);
	g_assert_cmpint(a->grace_before_minutes, ==, b->grace_before_minutes);
	g_assert_cmpint(a->grace_after_minutes, ==, b->grace_after_minutes);
}

static void assert_session_equal(const struct sig_session *a, const struct sig_session *b)
{
	g_assert_cmpint(a->id, ==, b->id);
	g_assert_cmpint(a->kind, ==, b->kind);
	g_assert_cmpstr(a->title, ==, b->title);
	g_assert_cmpint(a->capacity, ==, b->capacity);
	g_assert_cmpint(a->waiting_room, ==, b->waiting_room);
	g_assert_cmpint(a->names_editable, ==, b->names_editable);
	g_assert_cmpint(a->publish_policy, ==, b->publish_policy);
	assert_schedule_equal(&a->schedule, &b->schedule);
	g_assert_cmpint(a->ended_at, ==, b->ended_at);
	g_assert_cmpint(a->created_at, ==, b->created_at);
	g_assert_cmpint(a->updated_at, ==, b->updated_at);
}

/* ---- open, schema, file ---- */

static void test_reopen_keeps_data(struct fixture *f, gconstpointer data)
{
	struct sig_session s = new_session(SIG_KIND_COUPLES, "Tuesday couples"), got = {0};
	struct sig_roster_entry entry = {0};
	struct sig_invite inv = {0};
	int64_t entry_id, invite_id, rows = 0, bad = 0;
	char *problem = NULL;

	(void)data;
	s.schedule = weekly_schedule();
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	entry_id = add_entry(f, s.id, "Ana");
	invite_id = add_invite(f, s.id, entry_id, 1);
	append_events(f, s.id, 2);

	reopen(f);
	g_assert_cmpint(sig_store_session_get(f->store, s.id, &got), ==, 0);
	assert_session_equal(&got, &s);
	g_assert_cmpint(sig_store_roster_get(f->store, entry_id, &entry), ==, 0);
	g_assert_cmpstr(entry.display_name, ==, "Ana");
	g_assert_cmpint(sig_store_invite_get(f->store, invite_id, &inv), ==, 0);
	g_assert_cmpint(inv.roster_entry_id, ==, entry_id);
	g_assert_cmpint(sig_store_audit_verify(f->store, &rows, &bad, &problem), ==, 0);
	g_assert_cmpint(rows, ==, 2);
	g_assert_null(problem);
	sig_session_clear(&s);
	sig_session_clear(&got);
	sig_roster_entry_clear(&entry);
}

static void test_user_version(struct fixture *f, gconstpointer data)
{
	sqlite3 *db;

	(void)data;
	g_assert_cmpint(sig_store_schema_version(), >=, 1);
	db = raw_open(f);
	g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, sig_store_schema_version());
	sqlite3_close(db);
	/* Reopening an up-to-date database migrates nothing and keeps it. */
	reopen(f);
	db = raw_open(f);
	g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, sig_store_schema_version());
	sqlite3_close(db);
}

static void test_newer_schema_refused(struct fixture *f, gconstpointer data)
{
	struct sig_store *store = (struct sig_store *)&store; /* a sentinel */
	char *sql = g_strdup_printf("PRAGMA user_version = %d", sig_store_schema_version() + 1);
	sqlite3 *db;

	(void)data;
	f->store = sig_store_close(f->store);
	db = raw_open(f);
	raw_exec_ok(db, sql);
	sqlite3_close(db);
	g_assert_cmpint(test_backend_open(f->path, &store), ==, -EPROTO);
	g_assert_true(store == (struct sig_store *)&store);
	g_free(sql);
}

static void test_wal_and_file_mode(struct fixture *f, gconstpointer data)
{
	char *wal = g_strconcat(f->path, "-wal", NULL);
	char *mode;
	struct stat st;
	sqlite3 *db;
	mode_t old;

	(void)data;
	/* Under a permissive umask, so that only the store keeps it private. */
	f->store = sig_store_close(f->store);
	g_assert_cmpint(g_unlink(f->path), ==, 0);
	old = umask(0);
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	add_session(f, "Evening group");
	umask(old);

	g_assert_cmpint(stat(f->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(stat(wal, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);

	db = raw_open(f);
	mode = raw_text(db, "PRAGMA journal_mode");
	g_assert_cmpstr(mode, ==, "wal");
	sqlite3_close(db);
	g_free(mode);
	g_free(wal);
}

static void test_open_errors(struct fixture *f, gconstpointer data)
{
	struct sig_store *store = NULL;
	char *missing = g_build_filename(f->dir, "no-such-dir", "hearth.db", NULL);
	char *junk = g_build_filename(f->dir, "junk.db", NULL);
	char text[4096];

	(void)data;
	g_assert_cmpint(sig_store_open(missing, &store), ==, -ENOENT);
	memset(text, 'x', sizeof(text));
	g_assert_true(g_file_set_contents(junk, text, sizeof(text), NULL));
	g_assert_cmpint(sig_store_open(junk, &store), ==, -EIO);
	g_assert_null(store);
	g_free(missing);
	g_free(junk);
}

/* A database that migration 1 made: the store upgrades it in place, and
 * its sessions keep their roster names (names_editable false). Made by
 * taking migration 2's column out of a fresh database again, which leaves
 * migration 1's table. */
static void test_upgrade_from_v1(struct fixture *f, gconstpointer data)
{
	struct sig_session got = {0};
	int64_t id;
	sqlite3 *db;

	(void)data;
	f->store = sig_store_close(f->store);
	db = raw_open(f);
	/* Later migrations' additions go first (labels and idempotency:
	 * migration 4; seats: migration 3); they depend on nothing of 2. */
	raw_exec_ok(db, "DROP TABLE idempotency; DROP INDEX sessions_by_external_id;"
			"ALTER TABLE sessions DROP COLUMN external_id;"
			"ALTER TABLE sessions DROP COLUMN metadata;"
			"ALTER TABLE roster_entries DROP COLUMN external_id;"
			"ALTER TABLE roster_entries DROP COLUMN metadata;");
	/* Each later migration undone, newest first. */
	raw_exec_ok(db, "DROP TABLE leases; DROP TABLE nodes;"); /* migration 8 */
	raw_exec_ok(db, "DROP TABLE node_events;"		 /* migration 7 */
			"DROP TABLE invite_uses; DROP TABLE occurrences;"
			"ALTER TABLE invites DROP COLUMN low_noted_at;");
	raw_exec_ok(db, "ALTER TABLE sessions DROP COLUMN names_editable;"
			"DROP TABLE seats;"
			"DROP TABLE webhook_outbox; DROP TABLE webhook_heads;" /* migration 5 */
			"PRAGMA user_version = 1;");
	raw_exec_ok(db, "INSERT INTO sessions (kind, title, capacity, waiting_room, "
			"publish_policy, schedule, ended_at, created_at, updated_at) VALUES "
			"('couples', 'Old couples', 3, 1, 'everyone', "
			"'{\"type\":\"once\",\"start\":\"2026-12-01T17:00:00Z\","
			"\"end\":\"2026-12-01T18:00:00Z\",\"grace_before_minutes\":15,"
			"\"grace_after_minutes\":10}', 0, 1, 1)");
	id = sqlite3_last_insert_rowid(db);
	sqlite3_close(db);

	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	db = raw_open(f);
	g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, sig_store_schema_version());
	g_assert_cmpint(sig_store_schema_version(), >=, 2);
	g_assert_cmpint(sig_store_session_get(f->store, id, &got), ==, 0);
	g_assert_cmpstr(got.title, ==, "Old couples");
	g_assert_false(got.names_editable);
	got.names_editable = true;
	g_assert_cmpint(sig_store_session_update(f->store, &got), ==, 0);
	g_assert_cmpint(raw_int(db, "SELECT names_editable FROM sessions"), ==, 1);
	/* The column holds a boolean and nothing else. */
	g_assert_cmpint(raw_exec(db, "UPDATE sessions SET names_editable = 2"), ==,
			SQLITE_CONSTRAINT);
	sqlite3_close(db);
	sig_session_clear(&got);
}

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

/* ---- transactions ---- */

static int64_t raw_count(const struct fixture *f, const char *table)
{
	char *sql = g_strdup_printf("SELECT count(*) FROM %s", table);
	sqlite3 *db;
	int64_t n;

	if (test_backend_pg()) {
		char *text = test_backend_pg_text(sql);

		n = g_ascii_strtoll(text, NULL, 10);
		g_free(text);
		g_free(sql);
		return n;
	}
	db = raw_open(f);
	n = raw_int(db, sql);
	sqlite3_close(db);
	g_free(sql);
	return n;
}

static void test_transaction_commit(struct fixture *f, gconstpointer data)
{
	struct sig_roster_entry bad = new_entry(999, "Nobody", SIG_ROLE_PEER);
	int64_t sid, entry;

	(void)data;
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_store_begin(f->store), ==, -EBUSY);
	sid = add_session(f, "Grouped");
	/* A failed write inside the group leaves the group usable. */
	g_assert_cmpint(sig_store_roster_insert(f->store, &bad), ==, -ENOENT);
	entry = add_entry(f, sid, "Gus");
	add_invite(f, sid, entry, 9);
	append_events(f, sid, 2);
	/* Nothing is visible outside before the commit. */
	g_assert_cmpint(raw_count(f, "sessions"), ==, 0);
	g_assert_cmpint(raw_count(f, "audit"), ==, 0);
	g_assert_cmpint(sig_store_commit(f->store), ==, 0);
	g_assert_cmpint(raw_count(f, "sessions"), ==, 1);
	g_assert_cmpint(raw_count(f, "roster_entries"), ==, 1);
	g_assert_cmpint(raw_count(f, "invites"), ==, 1);
	g_assert_cmpint(raw_count(f, "audit"), ==, 2);
	g_assert_cmpint(sig_store_commit(f->store), ==, -EINVAL);
	sig_roster_entry_clear(&bad);
}

static void test_transaction_rollback(struct fixture *f, gconstpointer data)
{
	struct sig_session got = {0};
	int64_t sid, rows = 0, bad = 0;
	char *problem = NULL;

	(void)data;
	sig_store_rollback(f->store); /* nothing open: harmless */
	append_events(f, 0, 2);
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	sid = add_session(f, "Undone");
	add_entry(f, sid, "Hal");
	append_events(f, sid, 3);
	sig_store_rollback(f->store);

	g_assert_cmpint(sig_store_session_get(f->store, sid, &got), ==, -ENOENT);
	g_assert_cmpint(raw_count(f, "roster_entries"), ==, 0);
	/* The head rolled back with the rows: the chain still verifies and
	 * goes on from row 2. */
	g_assert_cmpint(sig_store_audit_verify(f->store, &rows, &bad, &problem), ==, 0);
	g_assert_cmpint(rows, ==, 2);
	append_events(f, 0, 1);
	g_assert_cmpint(sig_store_audit_verify(f->store, &rows, &bad, &problem), ==, 0);
	g_assert_cmpint(rows, ==, 3);
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_store_commit(f->store), ==, 0);
}

/* ---- the audit log ---- */

static void test_failed_append_in_group(struct fixture *f, gconstpointer data)
{
	struct sig_audit_event ev = new_event(SIG_AUDIT_JOIN, 1, 1);
	int64_t sid, n = -1, bad = -1;
	char *problem = NULL;
	sqlite3 *db;

	(void)data;
	/* The head update fails after the row went in: the append must take
	 * its row back, though the caller's transaction goes on. */
	if (test_backend_pg()) {
		g_assert_cmpint(test_backend_pg_exec("CREATE TRIGGER head_jam BEFORE UPDATE ON "
						     "audit_head FOR EACH ROW EXECUTE FUNCTION "
						     "hearth_refuse('jammed')"),
				==, 0);
	} else {
		db = raw_open(f);
		raw_exec_ok(db, "CREATE TRIGGER head_jam BEFORE UPDATE ON audit_head"
				" BEGIN SELECT RAISE(ABORT, 'jammed'); END");
		sqlite3_close(db);
	}
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	sid = add_session(f, "Kept");
	g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, -EIO);
	g_assert_cmpint(ev.id, ==, 0);
	g_assert_cmpint(sig_store_commit(f->store), ==, 0);

	g_assert_cmpint(raw_count(f, "sessions"), ==, 1);
	g_assert_cmpint(raw_count(f, "audit"), ==, 0);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, 0);
	g_assert_cmpint(n, ==, 0);
	g_assert_cmpint(sid, >, 0);
	sig_audit_event_clear(&ev);
}

static void test_audit_chain(struct fixture *f, gconstpointer data)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_audit_event));
	uint8_t zeros[CRYPTO_SHA256_BYTES] = {0}, hash[CRYPTO_SHA256_BYTES];
	int64_t n = -1, bad = -1;
	char *problem = NULL;

	(void)data;
	g_array_set_clear_func(rows, audit_clear_func);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, 0);
	g_assert_cmpint(n, ==, 0);

	for (int i = 1; i <= 5; i++) {
		struct sig_audit_event ev = new_event(SIG_AUDIT_ADMIT, i % 2 ? 7 : 8, i);

		g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, 0);
		g_assert_cmpint(ev.id, ==, i);
		sig_audit_hash(&ev, hash);
		g_assert_cmpmem(ev.hash, sizeof(ev.hash), hash, sizeof(hash));
		sig_audit_event_clear(&ev);
	}
	g_assert_cmpint(sig_store_audit_list(f->store, 0, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 5);
	g_assert_cmpmem(g_array_index(rows, struct sig_audit_event, 0).prev_hash, 32, zeros, 32);
	for (guint i = 1; i < rows->len; i++) {
		const struct sig_audit_event *ev = &g_array_index(rows, struct sig_audit_event, i);

		g_assert_cmpint(ev->id, ==, i + 1);
		g_assert_cmpmem(ev->prev_hash, 32,
				g_array_index(rows, struct sig_audit_event, i - 1).hash, 32);
	}
	g_assert_cmpstr(g_array_index(rows, struct sig_audit_event, 2).actor, ==,
			"api-key:scheduler");
	g_assert_cmpstr(g_array_index(rows, struct sig_audit_event, 2).detail, ==, "{\"n\":3}");
	g_assert_cmpint(g_array_index(rows, struct sig_audit_event, 2).kind, ==, SIG_AUDIT_ADMIT);

	g_array_set_size(rows, 0);
	g_assert_cmpint(sig_store_audit_list(f->store, 8, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_audit_event, 0).id, ==, 2);
	g_assert_cmpint(g_array_index(rows, struct sig_audit_event, 1).id, ==, 4);

	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, 0);
	g_assert_cmpint(n, ==, 5);
	g_assert_cmpint(bad, ==, -1);
	g_assert_null(problem);
	g_array_unref(rows);
}

static void test_audit_refuses_bad_rows(struct fixture *f, gconstpointer data)
{
	struct sig_audit_event ev = new_event(SIG_AUDIT_LEAVE, 1, 1);
	char *actor = ev.actor, *detail = ev.detail;
	int64_t n = 0, bad = 0;
	char *problem = NULL;

	(void)data;
	append_events(f, 1, 1);
	ev.actor = NULL;
	g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, -EINVAL);
	ev.actor = actor;
	ev.detail = (char *)"not json";
	g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, -EINVAL);
	ev.detail = detail;
	ev.kind = SIG_AUDIT_KIND_COUNT;
	g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, -EINVAL);
	g_assert_cmpint(ev.id, ==, 0);
	ev.kind = SIG_AUDIT_LEAVE;
	g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, 0);
	g_assert_cmpint(ev.id, ==, 2);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, 0);
	g_assert_cmpint(n, ==, 2);
	sig_audit_event_clear(&ev);
}

static void test_audit_append_only(struct fixture *f, gconstpointer data)
{
	sqlite3 *db;

	(void)data;
	append_events(f, 1, 3);
	if (test_backend_pg()) {
		g_assert_cmpint(test_backend_pg_exec("UPDATE audit SET detail = '{}' WHERE id = 2"),
				!=, 0);
		g_assert_cmpint(test_backend_pg_exec("DELETE FROM audit WHERE id = 3"), !=, 0);
		g_assert_cmpint(test_backend_pg_exec("TRUNCATE audit"), !=, 0);
		g_assert_cmpint(test_backend_pg_exec("DELETE FROM audit_head"), !=, 0);
		g_assert_cmpint(raw_count(f, "audit"), ==, 3);
		return;
	}
	db = raw_open(f);
	g_assert_cmpint(raw_exec(db, "UPDATE audit SET detail = '{}' WHERE id = 2"), ==,
			SQLITE_CONSTRAINT);
	g_assert_cmpint(raw_exec(db, "DELETE FROM audit WHERE id = 3"), ==, SQLITE_CONSTRAINT);
	g_assert_cmpint(raw_exec(db, "DELETE FROM audit_head"), ==, SQLITE_CONSTRAINT);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM audit"), ==, 3);
	sqlite3_close(db);
}

/* Tampers through a raw connection, dropping the guards first as an
 * attacker would, then expects verify to name bad_id. */
static void tamper_and_verify(struct fixture *f, const char *sql, int64_t bad_id,
			      const char *problem_text)
{
	int64_t n = -1, bad = -1;
	char *problem = NULL;
	sqlite3 *db;

	if (test_backend_pg()) {
		g_assert_cmpint(test_backend_pg_exec("ALTER TABLE audit DISABLE TRIGGER USER"), ==,
				0);
		g_assert_cmpint(test_backend_pg_exec(sql), ==, 0);
	} else {
		db = raw_open(f);
		raw_exec_ok(db, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
		raw_exec_ok(db, sql);
		sqlite3_close(db);
	}
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, -EBADMSG);
	g_assert_cmpint(n, ==, -1);
	g_assert_cmpint(bad, ==, bad_id);
	g_assert_cmpstr(problem, ==, problem_text);
	g_free(problem);
}

static void test_tamper_detail(struct fixture *f, gconstpointer data)
{
	(void)data;
	append_events(f, 1, 5);
	tamper_and_verify(f, "UPDATE audit SET detail = '{\"n\":30}' WHERE id = 3", 3,
			  "row 3: hash does not match its contents");
}

static void test_tamper_delete_middle(struct fixture *f, gconstpointer data)
{
	(void)data;
	append_events(f, 1, 5);
	tamper_and_verify(f, "DELETE FROM audit WHERE id = 3", 3,
			  "row 3 is missing (row 4 follows row 2)");
}

static void test_tamper_delete_first(struct fixture *f, gconstpointer data)
{
	(void)data;
	append_events(f, 1, 5);
	tamper_and_verify(f, "DELETE FROM audit WHERE id = 1", 1,
			  "row 1 is missing (the log starts at row 2)");
}

static void test_tamper_delete_last(struct fixture *f, gconstpointer data)
{
	(void)data;
	append_events(f, 1, 5);
	/* The first bad id is the first one missing. */
	tamper_and_verify(f, "DELETE FROM audit WHERE id = 5", 5,
			  "the log ends at row 4 but its head records row 5");
}

static void test_tamper_append_forged(struct fixture *f, gconstpointer data)
{
	(void)data;
	append_events(f, 1, 3);
	/* A copy of row 3 as row 4, head left alone. */
	tamper_and_verify(f,
			  "INSERT INTO audit SELECT 4, at_ms, kind, session_id, roster_entry_id, "
			  "invite_id, actor, detail, prev_hash, hash FROM audit WHERE id = 3",
			  4, "row 4: its previous-row hash does not match row 3");
}

/* Edits row id and recomputes its hash, so that row id verifies alone. */
static void tamper_rehash(struct fixture *f, int64_t id)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_audit_event));
	struct sig_audit_event *ev;
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db;

	g_array_set_clear_func(rows, audit_clear_func);
	g_assert_cmpint(sig_store_audit_list(f->store, 0, id - 1, 1, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	ev = &g_array_index(rows, struct sig_audit_event, 0);
	g_free(ev->detail);
	ev->detail = g_strdup("{\"n\":0}");
	sig_audit_hash(ev, ev->hash);

	if (test_backend_pg()) {
		char *hex = g_malloc(2 * CRYPTO_SHA256_BYTES + 1);
		char *sql;

		for (int i = 0; i < CRYPTO_SHA256_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", ev->hash[i]);
		sql = g_strdup_printf("ALTER TABLE audit DISABLE TRIGGER USER; UPDATE audit SET "
				      "detail = '%s', hash = decode('%s', 'hex') WHERE id = %lld",
				      ev->detail, hex, (long long)id);
		g_assert_cmpint(test_backend_pg_exec(sql), ==, 0);
		g_free(sql);
		g_free(hex);
		g_array_unref(rows);
		return;
	}
	db = raw_open(f);
	raw_exec_ok(db, "DROP TRIGGER audit_no_update");
	g_assert_cmpint(sqlite3_prepare_v2(db,
					   "UPDATE audit SET detail = ?1, hash = ?2 WHERE id = ?3",
					   -1, &stmt, NULL),
			==, SQLITE_OK);
	sqlite3_bind_text(stmt, 1, ev->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, ev->hash, CRYPTO_SHA256_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, id);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
	g_assert_cmpint(sqlite3_changes(db), ==, 1);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	g_array_unref(rows);
}

static void test_tamper_rehash(struct fixture *f, gconstpointer data)
{
	int64_t n = -1, bad = -1;
	char *problem = NULL;

	(void)data;
	append_events(f, 1, 5);
	tamper_rehash(f, 3);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, -EBADMSG);
	g_assert_cmpint(bad, ==, 4);
	g_assert_cmpstr(problem, ==, "row 4: its previous-row hash does not match row 3");
	g_free(problem);
}

static void test_tamper_rehash_last(struct fixture *f, gconstpointer data)
{
	int64_t n = -1, bad = -1;
	char *problem = NULL;

	(void)data;
	append_events(f, 1, 5);
	tamper_rehash(f, 5);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, -EBADMSG);
	g_assert_cmpint(bad, ==, 5);
	g_assert_cmpstr(problem, ==, "row 5: hash does not match the log's head");
	g_free(problem);
}

/* ---- PostgreSQL: its schema, its URL, several writers ---- */

/* An empty database gets the whole schema, versioned; opening it again
 * migrates nothing and keeps the data. */
static void test_pg_migrate_empty(struct fixture *f, gconstpointer data)
{
	char *version;
	int64_t sid;

	(void)data;
	version = test_backend_pg_text("SELECT version FROM schema_version");
	g_assert_cmpint(g_ascii_strtoll(version, NULL, 10), ==, sig_store_schema_version());
	g_free(version);
	sid = add_session(f, "Kept");
	reopen(f);
	version = test_backend_pg_text("SELECT count(*) FROM schema_version");
	g_assert_cmpstr(version, ==, "1");
	g_free(version);
	g_assert_cmpint(raw_count(f, "sessions"), ==, 1);
	g_assert_cmpint(sid, >, 0);
	/* Every table of the SQLite schema is there. */
	version = test_backend_pg_text(
	    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND "
	    "table_name IN ('sessions', 'roster_entries', 'invites', 'audit', 'audit_head', "
	    "'seats', 'idempotency', 'webhook_outbox', 'webhook_heads', 'occurrences', "
	    "'invite_uses', 'nodes', 'leases')");
	g_assert_cmpstr(version, ==, "13");
	g_free(version);
}

static void test_pg_newer_schema_refused(struct fixture *f, gconstpointer data)
{
	struct sig_store *store = (struct sig_store *)&store; /* a sentinel */
	char *sql = g_strdup_printf("UPDATE schema_version SET version = %d",
				    sig_store_schema_version() + 1);

	(void)data;
	f->store = sig_store_close(f->store);
	g_assert_cmpint(test_backend_pg_exec(sql), ==, 0);
	g_assert_cmpint(test_backend_open(f->path, &store), ==, -EPROTO);
	g_assert_true(store == (struct sig_store *)&store);
	g_free(sql);
}

static void test_pg_url(struct fixture *f, gconstpointer data)
{
	struct sig_store *store = NULL;
	char *problem = NULL, *shown;

	(void)data;
	g_assert_cmpstr(sig_store_backend_name(f->store), ==, "postgresql");
	g_assert_cmpint(sig_store_url_check("postgresql://hearth@db.example/hearth", &problem), ==,
			0);
	g_assert_cmpint(
	    sig_store_url_check("postgres://db.example:5433/h?sslmode=verify-full", &problem), ==,
	    0);
	/* A password in the URL would end up in process listings and logs. */
	g_assert_cmpint(sig_store_url_check("postgresql://hearth:s3cret@db/hearth", &problem), ==,
			-EINVAL);
	g_assert_null(strstr(problem, "s3cret"));
	g_clear_pointer(&problem, g_free);
	g_assert_cmpint(sig_store_url_check("postgresql://db/h?password=s3cret", &problem), ==,
			-EINVAL);
	g_clear_pointer(&problem, g_free);
	g_assert_cmpint(sig_store_url_check("postgresql://db/h?nosuchoption=1", &problem), ==,
			-EINVAL);
	g_clear_pointer(&problem, g_free);
	g_assert_cmpint(sig_store_open("postgresql://hearth:s3cret@db/hearth", &store), ==,
			-EINVAL);
	g_assert_null(store);
	shown =
	    sig_store_url_redacted("postgresql://hearth:s3cret@db.example:5432/h?sslmode=require");
	g_assert_cmpstr(shown, ==, "postgresql://db.example:5432/h");
	g_free(shown);
	/* The wrong password: refused at the door. */
	g_assert_cmpint(sig_store_open_with(f->path, "wrong", &store), ==, -EIO);
	g_assert_null(store);
}

/* The server drops the connection (a restart, a failover): the next call
 * outside a transaction reconnects once and succeeds; inside one, the
 * transaction is lost and says so, and the store works again after the
 * rollback. */
static void test_pg_reconnect(struct fixture *f, gconstpointer data)
{
	const char *kill = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
			   "WHERE application_name = 'hearthd'";
	struct sig_session got = {0};
	char *killed;
	int64_t sid = add_session(f, "Before");

	(void)data;
	killed = test_backend_pg_text(kill);
	g_assert_cmpstr(killed, ==, "1");
	g_free(killed);
	g_assert_cmpint(sig_store_session_get(f->store, sid, &got), ==, 0);
	g_assert_cmpstr(got.title, ==, "Before");
	sig_session_clear(&got);

	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	add_session(f, "In the group");
	killed = test_backend_pg_text(kill);
	g_free(killed);
	g_assert_cmpint(sig_store_session_get(f->store, sid, &got), ==, -EIO);
	g_assert_cmpint(sig_store_commit(f->store), ==, -EIO);
	g_assert_cmpint(add_session(f, "After"), >, sid);
	g_assert_cmpint(raw_count(f, "sessions"), ==, 2);
}

static gpointer pg_opener_run(gpointer p)
{
	struct sig_store *store = NULL;
	const char *where = p;
	int r = test_backend_open(where, &store);

	sig_store_close(store);
	return GINT_TO_POINTER(r);
}

/* Two nodes start at once on an empty database: the advisory lock lets one
 * migrate, the other finds the schema current. */
static void test_pg_migrate_concurrent(struct fixture *f, gconstpointer data)
{
	GThread *threads[3];
	char *version;

	(void)data;
	f->store = sig_store_close(f->store);
	g_free(f->path);
	f->path = test_backend_where(f->dir, "hearth.db"); /* empty again */
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("opener", pg_opener_run, f->path);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(threads[i])), ==, 0);
	version = test_backend_pg_text("SELECT string_agg(version::text, ',') FROM schema_version");
	g_assert_cmpint(g_ascii_strtoll(version, NULL, 10), ==, sig_store_schema_version());
	g_assert_null(strchr(version, ','));
	g_free(version);
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
}

struct pg_writer {
	const char *where;
	int r;
	int64_t id;
};

static gpointer pg_writer_run(gpointer p)
{
	struct pg_writer *w = p;
	struct sig_store *store = NULL;
	struct sig_audit_event ev = new_event(SIG_AUDIT_JOIN, 2, 1);

	w->r = test_backend_open(w->where, &store);
	if (w->r == 0)
		w->r = sig_store_audit_append(store, &ev);
	w->id = ev.id;
	sig_audit_event_clear(&ev);
	sig_store_close(store);
	return NULL;
}

/* Two connections (two nodes) append at once: the second waits for the
 * first's lock on the head and chains onto its row, so the log stays one
 * chain that verifies. */
static void test_pg_audit_concurrent(struct fixture *f, gconstpointer data)
{
	struct sig_audit_event ev = new_event(SIG_AUDIT_JOIN, 1, 1);
	struct pg_writer w = {.where = f->path};
	int64_t n = -1, bad = -1;
	char *problem = NULL;
	GThread *thread;

	(void)data;
	append_events(f, 1, 2);
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, 0);
	g_assert_cmpint(ev.id, ==, 3);
	thread = g_thread_new("writer", pg_writer_run, &w);
	g_usleep(300 * 1000); /* the writer is blocked on the head now */
	g_assert_cmpint(sig_store_commit(f->store), ==, 0);
	g_thread_join(thread);
	g_assert_cmpint(w.r, ==, 0);
	g_assert_cmpint(w.id, ==, 4);
	g_assert_cmpint(sig_store_audit_verify(f->store, &n, &bad, &problem), ==, 0);
	g_assert_cmpint(n, ==, 4);
	sig_audit_event_clear(&ev);
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

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/store/open/reopen-keeps-data", test_reopen_keeps_data);
	if (test_backend_pg()) {
		ADD("/store/pg/migrate-empty", test_pg_migrate_empty);
		ADD("/store/pg/newer-schema-refused", test_pg_newer_schema_refused);
		ADD("/store/pg/url", test_pg_url);
		ADD("/store/pg/audit-concurrent", test_pg_audit_concurrent);
		ADD("/store/pg/reconnect", test_pg_reconnect);
		ADD("/store/pg/migrate-concurrent", test_pg_migrate_concurrent);
	} else {
		/* SQLite's file, PRAGMAs and its own upgrade path. */
		ADD("/store/open/user-version", test_user_version);
		ADD("/store/open/newer-schema-refused", test_newer_schema_refused);
		ADD("/store/open/wal-and-file-mode", test_wal_and_file_mode);
		ADD("/store/open/errors", test_open_errors);
		ADD("/store/open/upgrade-from-v1", test_upgrade_from_v1);
	}
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
	ADD("/store/transaction/commit", test_transaction_commit);
	ADD("/store/transaction/rollback", test_transaction_rollback);
	ADD("/store/audit/chain", test_audit_chain);
	ADD("/store/audit/refuses-bad-rows", test_audit_refuses_bad_rows);
	ADD("/store/audit/failed-append-in-group", test_failed_append_in_group);
	ADD("/store/audit/append-only", test_audit_append_only);
	ADD("/store/audit/tamper-detail", test_tamper_detail);
	ADD("/store/audit/tamper-delete-middle", test_tamper_delete_middle);
	ADD("/store/audit/tamper-delete-first", test_tamper_delete_first);
	ADD("/store/audit/tamper-delete-last", test_tamper_delete_last);
	ADD("/store/audit/tamper-append-forged", test_tamper_append_forged);
	ADD("/store/audit/tamper-rehash", test_tamper_rehash);
	ADD("/store/audit/tamper-rehash-last", test_tamper_rehash_last);
	return g_test_run();
}
