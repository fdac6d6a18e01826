/* Serves the browser client (web/, embedded at build time): the page at "/"
 * and "/join/<token>", its files under "/app/", with a strict
 * Content-Security-Policy and no referrer (the invite token is in the
 * path). */
#ifndef HEARTH_HTTP_WEB_H
#define HEARTH_HTTP_WEB_H

#include <stdbool.h>

struct sig_server;

/* Adds the client's routes; tls adds Strict-Transport-Security. Returns 0
 * or a negative errno. */
int sig_web_register(struct sig_server *server, bool tls);

/* The same, and the page's CSP lets it open WebSockets to origins() too:
 * the other live nodes ("ws://host:port ...", "" for none). peers is
 * borrowed until the server is freed. */
struct sig_web_peers {
	bool tls;
	const char *(*origins)(void *userdata);
	void *userdata;
};
int sig_web_register_peers(struct sig_server *server, const struct sig_web_peers *peers);

#endif
