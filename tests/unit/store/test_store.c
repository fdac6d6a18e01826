/* Opening the store (store_fixture.h): what a reopen keeps, the schema's
 * version and upgrades, SQLite's file and PRAGMAs, and PostgreSQL's own:
 * its URL, reconnecting, several writers and migrators at once. The
 * records are in test_store_records.c, the audit log in
 * test_store_audit.c. */
#include "store_fixture.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	return g_test_run();
}
