/* The PostgreSQL backend's connection: the login (with hearthd's
 * timeouts), the schema brought up to date at open (pg_schema.c), and
 * closing (see pg_internal.h). */
#include "store/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* ---- the connection ---- */

static void pg_notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs (e.g. "already exists") are not errors */
}

int pg_connect(const char *url, const char *password, const char *application_name,
	       PGconn **ret_conn)
{
	char timeout[16], options[128], user_timeout[16];
	/* Ours first, so that the URL may override them; the password last.
	 * Over TCP, keepalives and tcp_user_timeout bound how long a call
	 * blocks on a server that vanished without a word (statement_timeout
	 * is the server's, and the server is gone). */
	const char *keys[] = {"connect_timeout",
			      "options",
			      "application_name",
			      "client_encoding",
			      "keepalives_idle",
			      "keepalives_interval",
			      "keepalives_count",
			      "tcp_user_timeout",
			      "dbname",
			      password ? "password" : NULL,
			      NULL};
	const char *values[] = {timeout,      options, application_name, "UTF8", "10", "5", "3",
				user_timeout, url,     password,	 NULL};
	PGconn *conn;

	snprintf(timeout, sizeof(timeout), "%d", PG_CONNECT_TIMEOUT_S);
	snprintf(user_timeout, sizeof(user_timeout), "%d", 2 * PG_TIMEOUT_MS);
	snprintf(options, sizeof(options),
		 "-c statement_timeout=%d -c lock_timeout=%d -c client_min_messages=warning",
		 PG_TIMEOUT_MS, PG_TIMEOUT_MS);
	conn = PQconnectdbParams(keys, values, 1);
	if (!conn)
		return -ENOMEM;
	if (PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message names the host and user, not the password;
		 * the one message an operator needs from here (the caller
		 * sees only -EIO). */
		log_warn("store: cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return -EIO;
	}
	PQsetNoticeProcessor(conn, pg_notice_drop, NULL);
	PQsetErrorVerbosity(conn, PQERRORS_TERSE);
	*ret_conn = conn;
	return 0;
}

int pg_store_open(const char *url, const char *password, struct sig_store **ret_store)
{
	struct sig_store *store;
	char *problem = NULL;
	int r = sig_store_url_check(url, &problem);

	if (r < 0) {
		log_debug("store: %s", problem);
		g_free(problem);
		return r;
	}
	store = g_new0(struct sig_store, 1);
	store->backend = &store_pg_backend;
	store->pg = g_new0(struct pg_store, 1);
	/* Kept for the LISTEN connection (pg_listen.c); the password is
	 * wiped at close. */
	store->pg->url = g_strdup(url);
	store->pg->password = g_strdup(password);
	r = pg_connect(url, password, "hearthd", &store->pg->conn);
	if (r == 0)
		r = pg_migrate(store);
	if (r < 0) {
		pg_store_close(store);
		return r;
	}
	*ret_store = store;
	return 0;
}

void pg_store_close(struct sig_store *store)
{
	if (store->pg) {
		if (store->pg->conn)
			PQfinish(store->pg->conn); /* an open transaction rolls back */
		if (store->pg->password)
			explicit_bzero(store->pg->password, strlen(store->pg->password));
		g_free(store->pg->password);
		g_free(store->pg->url);
		g_free(store->pg);
	}
	g_free(store);
}
