/* The store tests' backend: a SQLite file in the test's directory, or,
 * when HEARTH_TEST_DATABASE_URL is set (tests/pg/with-postgres sets it),
 * the PostgreSQL database there, emptied for each test. */
#ifndef HEARTH_TESTS_STORE_TEST_BACKEND_H
#define HEARTH_TESTS_STORE_TEST_BACKEND_H

#include <stdbool.h>

#include "store/store.h"

/* Whether the tests run against PostgreSQL. */
bool test_backend_pg(void);
/* Where the test's store lives (caller frees): dir/name for SQLite, the
 * URL for PostgreSQL, whose tables this empties (or, when a test changed
 * the schema, drops it for the next open to migrate afresh). */
char *test_backend_where(const char *dir, const char *name);
/* sig_store_open_with() with the test cluster's password. */
int test_backend_open(const char *where, struct sig_store **ret_store);
/* Runs SQL on a connection of its own (PostgreSQL only): 0, or the
 * SQLSTATE's class as a negative number (-23: integrity, ...), -1 for
 * another failure. */
int test_backend_pg_exec(const char *sql);
/* The one value of a one-row query (PostgreSQL only; caller frees). */
char *test_backend_pg_text(const char *sql);

#endif
