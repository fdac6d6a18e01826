/* What every store test file shares: each test gets a store opened by
 * test_backend.h (SQLite in a temporary directory, or the PostgreSQL
 * cluster of tests/pg/with-postgres), a raw connection to check and tamper
 * with what reached the file, and builders of rows. */
#ifndef HEARTH_TESTS_STORE_FIXTURE_H
#define HEARTH_TESTS_STORE_FIXTURE_H

#include <glib.h>
#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"
#include "test_backend.h"

#define T0 1796144400 /* 2026-12-01T17:00:00Z */

struct fixture {
	char *dir;
	char *path;
	struct sig_store *store;
};

void fixture_setup(struct fixture *f, gconstpointer data);
void fixture_teardown(struct fixture *f, gconstpointer data);
void reopen(struct fixture *f);
sqlite3 *raw_open(const struct fixture *f);
int raw_exec(sqlite3 *db, const char *sql);
void raw_exec_ok(sqlite3 *db, const char *sql);
int64_t raw_int(sqlite3 *db, const char *sql);
char *raw_text(sqlite3 *db, const char *sql);
struct sig_schedule once_schedule(void);
struct sig_schedule weekly_schedule(void);
struct sig_session new_session(enum sig_kind kind, const char *title);
int64_t add_session(struct fixture *f, const char *title);
struct sig_roster_entry new_entry(int64_t session_id, const char *name, enum sig_role role);
int64_t add_entry(struct fixture *f, int64_t session_id, const char *name);
struct sig_invite new_invite(int64_t session_id, int64_t entry_id, uint8_t seed);
int64_t add_invite(struct fixture *f, int64_t session_id, int64_t entry_id, uint8_t seed);
struct sig_audit_event new_event(enum sig_audit_kind kind, int64_t session_id, int n);
void append_events(struct fixture *f, int64_t session_id, int count);
void session_clear_func(void *p);
void roster_clear_func(void *p);
void audit_clear_func(void *p);
void assert_schedule_equal(const struct sig_schedule *a, const struct sig_schedule *b);
void assert_session_equal(const struct sig_session *a, const struct sig_session *b);
int64_t raw_count(const struct fixture *f, const char *table);

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

#endif
