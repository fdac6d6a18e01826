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

char *test_backend_pg_text(const char *sql)
{
	PGconn *conn = test_backend_connect();
	PGresult *res = PQexec(conn, sql);
	char *text;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		g_error("%s: %s", sql, PQerrorMessage(conn));
	text = g_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return text;
}

char *test_backend_where(const char *dir, const char *name)
{
	if (!test_backend_pg())
		return g_build_filename(dir, name, NULL);
	if (test_backend_pg_exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public") < 0)
		g_error("cannot empty the test database");
	return g_strdup(g_getenv("HEARTH_TEST_DATABASE_URL"));
}

int test_backend_open(const char *where, struct sig_store **ret_store)
{
	char *password = sig_store_is_url(where) ? test_backend_password() : NULL;
	int r = sig_store_open_with(where, password, ret_store);

	g_free(password);
	return r;
}
