/* [storage] database_url (database_url.h). */
#include "config/database_url.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int cfg_database_url_problem(char ret_problem[CFG_DATABASE_URL_PROBLEM_MAX],
				    const char *problem)
{
	snprintf(ret_problem, CFG_DATABASE_URL_PROBLEM_MAX, "%s", problem);
	return -EINVAL;
}

int cfg_database_url_check(const char *url, char ret_problem[CFG_DATABASE_URL_PROBLEM_MAX])
{
	PQconninfoOption *opts;
	char *err = NULL;
	bool has_password = false;

	if (!*url)
		return 0;
	if (strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0)
		return cfg_database_url_problem(
		    ret_problem, "not a postgresql:// or postgres:// URL (empty: SQLite)");
	opts = PQconninfoParse(url, &err);
	if (!opts) {
		/* libpq's message may quote the URL: say only what is wrong. */
		PQfreemem(err);
		return cfg_database_url_problem(
		    ret_problem, "does not parse as a PostgreSQL connection URL (an unknown "
				 "parameter, or a malformed host, port or percent-escape)");
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			has_password = true;
	PQconninfoFree(opts);
	if (has_password)
		return cfg_database_url_problem(
		    ret_problem, "holds a password, which would show in process listings and "
				 "logs: use [storage] database_password_file or PGPASSWORD");
	return 0;
}
