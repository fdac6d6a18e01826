/* What names a PostgreSQL database rather than a SQLite file, the URL's
 * checks and its form for logs (store.h). Depends on no backend. */
#include "store/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

bool sig_store_is_url(const char *where)
{
	return where &&
	       (g_str_has_prefix(where, "postgresql://") || g_str_has_prefix(where, "postgres://"));
}

/* ---- the URL ---- */

int sig_store_url_check(const char *url, char **ret_problem)
{
	PQconninfoOption *opts;
	char *err = NULL;
	bool has_password = false;

	if (!sig_store_is_url(url)) {
		*ret_problem = g_strdup("not a postgresql:// or postgres:// URL");
		return -EINVAL;
	}
	opts = PQconninfoParse(url, &err);
	if (!opts) {
		/* libpq's message names the part it could not parse, which
		 * may be the password: say only that the form is wrong. */
		PQfreemem(err);
		*ret_problem = g_strdup("the URL does not parse as a PostgreSQL connection URI");
		return -EINVAL;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			has_password = true;
	PQconninfoFree(opts);
	if (has_password) {
		*ret_problem = g_strdup("the URL holds a password: put it in "
					"storage.database_password_file (or PGPASSWORD) instead");
		return -EINVAL;
	}
	return 0;
}

char *sig_store_url_redacted(const char *url)
{
	const char *rest, *at, *end;
	size_t scheme_len;

	if (!sig_store_is_url(url))
		return g_strdup("(not a URL)");
	rest = strstr(url, "://") + 3;
	scheme_len = (size_t)(rest - url);
	end = rest + strcspn(rest, "/?");
	/* The last '@' of the authority, as libpq reads it: the user (and
	 * any password) are left out, '@'s in them included. */
	at = memrchr(rest, '@', (size_t)(end - rest));
	if (at)
		rest = at + 1;
	end = rest + strcspn(rest, "?");
	return g_strdup_printf("%.*s%.*s", (int)scheme_len, url, (int)(end - rest), rest);
}
