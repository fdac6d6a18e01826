/* [storage] database_url: the form of a PostgreSQL connection URL, checked
 * with libpq's own parser (no connection is made). */
#ifndef HEARTH_CONFIG_DATABASE_URL_H
#define HEARTH_CONFIG_DATABASE_URL_H

#define CFG_DATABASE_URL_PROBLEM_MAX 160

/* 0 for "" (SQLite) or a postgresql:// or postgres:// URL libpq parses
 * that holds no password; else -EINVAL with ret_problem, which never
 * quotes the URL. */
int cfg_database_url_check(const char *url, char ret_problem[CFG_DATABASE_URL_PROBLEM_MAX]);

#endif
