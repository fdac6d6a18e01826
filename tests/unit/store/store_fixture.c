/* What every store test file shares (store_fixture.h): the fixture on a
 * real database in a temporary directory, a raw sqlite3 connection that
 * plays the outside world, and rows to store. */
#include "store_fixture.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("hearth-store-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
	g_assert_nonnull(f->store);
}

void fixture_teardown(struct fixture *f, gconstpointer data)
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

void reopen(struct fixture *f)
{
	f->store = sig_store_close(f->store);
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
}

/* ---- the raw connection ---- */

sqlite3 *raw_open(const struct fixture *f)
{
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

int raw_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void raw_exec_ok(sqlite3 *db, const char *sql)
{
	int rc = raw_exec(db, sql);

	if (rc != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
}

int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

char *raw_text(sqlite3 *db, const char *sql)
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

struct sig_schedule once_schedule(void)
{
	return (struct sig_schedule){
	    .kind = SIG_SCHEDULE_ONCE,
	    .start = T0,
	    .end = T0 + 3600,
	    .grace_before_minutes = 15,
	    .grace_after_minutes = 10,
	};
}

struct sig_schedule weekly_schedule(void)
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

struct sig_session new_session(enum sig_kind kind, const char *title)
{
	struct sig_session s = {.title = g_strdup(title), .schedule = once_schedule()};

	sig_session_defaults(kind, &s);
	s.created_at = s.updated_at = T0 - 86400;
	return s;
}

int64_t add_session(struct fixture *f, const char *title)
{
	struct sig_session s = new_session(SIG_KIND_FAMILY, title);

	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	g_assert_cmpint(s.id, >, 0);
	sig_session_clear(&s);
	return s.id;
}

struct sig_roster_entry new_entry(int64_t session_id, const char *name, enum sig_role role)
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

int64_t add_entry(struct fixture *f, int64_t session_id, const char *name)
{
	struct sig_roster_entry e = new_entry(session_id, name, SIG_ROLE_CLIENT);

	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
	g_assert_cmpint(e.id, >, 0);
	sig_roster_entry_clear(&e);
	return e.id;
}

struct sig_invite new_invite(int64_t session_id, int64_t entry_id, uint8_t seed)
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

int64_t add_invite(struct fixture *f, int64_t session_id, int64_t entry_id, uint8_t seed)
{
	struct sig_invite inv = new_invite(session_id, entry_id, seed);

	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, 0);
	g_assert_cmpint(inv.id, >, 0);
	return inv.id;
}

struct sig_audit_event new_event(enum sig_audit_kind kind, int64_t session_id, int n)
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

void append_events(struct fixture *f, int64_t session_id, int count)
{
	for (int i = 1; i <= count; i++) {
		struct sig_audit_event ev = new_event(SIG_AUDIT_JOIN, session_id, i);

		g_assert_cmpint(sig_store_audit_append(f->store, &ev), ==, 0);
		sig_audit_event_clear(&ev);
	}
}

void session_clear_func(void *p)
{
	sig_session_clear(p);
}

void roster_clear_func(void *p)
{
	sig_roster_entry_clear(p);
}

void audit_clear_func(void *p)
{
	sig_audit_event_clear(p);
}

void assert_schedule_equal(const struct sig_schedule *a, const struct sig_schedule *b)
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

void assert_session_equal(const struct sig_session *a, const struct sig_session *b)
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

int64_t raw_count(const struct fixture *f, const char *table)
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
