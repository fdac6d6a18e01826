/* Transactions and the audit log on a real database (store_fixture.h):
 * the hash chain, refused rows, append-only, and the raw connection
 * tampering with the log the way an attacker with write access to the
 * state directory would. */
#include "store_fixture.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- transactions ---- */

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
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
