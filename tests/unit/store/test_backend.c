/* The store tests' backend (test_backend.h). */
#include "test_backend.h"

#include <glib.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

bool test_backend_pg(void)
{
	const char *url = g_getenv("HEARTH_TEST_DATABASE_URL");

	return url && *url;
}

static char *test_backend_password(void)
{
	const char *file = g_getenv("HEARTH_TEST_DATABASE_PASSWORD_FILE");
	char *password = NULL;

	if (!file || !*file)
		return NULL;
	if (!g_file_get_contents(file, &password, NULL, NULL))
		g_error("cannot read %s", file);
	g_strstrip(password);
	return password;
}

static PGconn *test_backend_connect(void)
{
	char *password = test_backend_password();
	const char *keys[] = {"dbname", "password", "options", NULL};
	const char *values[] = {g_getenv("HEARTH_TEST_DATABASE_URL"), password,
				"-c client_min_messages=warning", NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);

	g_free(password);
	if (PQstatus(conn) != CONNECTION_OK)
		g_error("cannot connect to the test database: %s", PQerrorMessage(conn));
	return conn;
}

int test_backend_pg_exec(const char *sql)
{
	PGconn *conn = test_backend_connect();
	PGresult *res = PQexec(conn, sql);
	ExecStatusType status = PQresultStatus(res);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int r = 0;

	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		r = state && g_ascii_isdigit(state[0]) && g_ascii_isdigit(state[1])
			? -((state[0] - '0') * 10 + (state[1] - '0'))
			: -1;
	PQclear(res);
	PQfinish(conn);
	return r;
}

/* The one value of a one-row query, or NULL. */
static char *test_backend_pg_try_text(const char *sql)
{
	PGconn *conn = test_backend_connect();
	PGresult *res = PQexec(conn, sql);
	char *text = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		text = g_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return text;
}

char *test_backend_pg_text(const char *sql)
{
	char *text = test_backend_pg_try_text(sql);

	if (!text)
		g_error("%s: no single row", sql);
	return text;
}

/* The schema's shape: its version, its constraints and its triggers (and
 * whether each is enabled), so that a test that changed any of them is
 * seen. */
#define TEST_BACKEND_SHAPE                                                                         \
	"SELECT coalesce((SELECT version::text FROM schema_version), '-') || ':' || "              \
	"(SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "     \
	"WHERE n.nspname = 'public') || ':' || coalesce((SELECT string_agg(t.tgname::text || "     \
	"t.tgenabled::text, ',' ORDER BY t.tgname) FROM pg_trigger t JOIN pg_class r ON r.oid = "  \
	"t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = 'public' "      \
	"AND NOT t.tgisinternal), '')"

/* Empties every table of a schema as fresh as a migrated one (the audit
 * guards off for this session only; DELETE, which on tables this small
 * costs less than TRUNCATE's new files). Ids go on from where they were. */
#define TEST_BACKEND_EMPTY                                                                         \
	"SET session_replication_role = replica; DO $$ DECLARE t text; BEGIN FOR t IN SELECT "     \
	"quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN "  \
	"('schema_version', 'audit_head') LOOP EXECUTE 'DELETE FROM ' || t; END LOOP; END $$; "    \
	"UPDATE audit_head SET last_id = 0, last_hash = decode(repeat('00', 32), 'hex')"

static char *test_backend_fresh_shape; /* of the schema right after a migration */
static bool test_backend_dropped;      /* the schema was dropped for this test */

char *test_backend_where(const char *dir, const char *name)
{
	if (!test_backend_pg())
		return g_build_filename(dir, name, NULL);
	/* Migrating costs more than emptying: empty the tables when the
	 * last test left the schema's shape as a migration makes it. */
	if (test_backend_fresh_shape) {
		char *shape = test_backend_pg_try_text(TEST_BACKEND_SHAPE);
		bool same = shape && strcmp(shape, test_backend_fresh_shape) == 0;

		g_free(shape);
		if (same && test_backend_pg_exec(TEST_BACKEND_EMPTY) == 0) {
			test_backend_dropped = false;
			return g_strdup(g_getenv("HEARTH_TEST_DATABASE_URL"));
		}
	}
	if (test_backend_pg_exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public") < 0)
		g_error("cannot empty the test database");
	test_backend_dropped = true;
	return g_strdup(g_getenv("HEARTH_TEST_DATABASE_URL"));
}

int test_backend_open(const char *where, struct sig_store **ret_store)
{
	char *password = sig_store_is_url(where) ? test_backend_password() : NULL;
	int r = sig_store_open_with(where, password, ret_store);

	g_free(password);
	if (r == 0 && sig_store_is_url(where) && test_backend_dropped && !test_backend_fresh_shape)
		test_backend_fresh_shape = test_backend_pg_text(TEST_BACKEND_SHAPE);
	return r;
}
