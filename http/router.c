/* The route table: exact paths, and prefixes ending in '/'; the longest
 * match wins. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

int sig_http_routes_add(struct sig_http_routes *routes, const char *path, sig_http_handler handler,
			void *userdata)
{
	size_t n = strlen(path);

	if (routes->count == SIG_SERVER_MAX_ROUTES)
		return -ENOSPC;
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	routes->items[routes->count++] = (struct sig_http_route){
	    .path = copy,
	    .path_len = n,
	    .prefix = n > 1 && path[n - 1] == '/',
	    .handler = handler,
	    .userdata = userdata,
	};
	return 0;
}

void sig_http_routes_clear(struct sig_http_routes *routes)
{
	for (size_t i = 0; i < routes->count; i++)
		free(routes->items[i].path);
	routes->count = 0;
}

const struct sig_http_route *sig_http_routes_find(const struct sig_http_routes *routes,
						  const char *path)
{
	const struct sig_http_route *best = NULL;

	for (size_t i = 0; i < routes->count; i++) {
		const struct sig_http_route *r = &routes->items[i];
		bool match = r->prefix ? strncmp(path, r->path, r->path_len) == 0
				       : strcmp(path, r->path) == 0;
		if (match && (!best || r->path_len > best->path_len))
			best = r;
	}
	return best;
}
