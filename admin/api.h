/* The admin REST API under /api/v1/ (docs/admin-api.md) and the public
 * invite check at /invite/check, on the control thread. */
#ifndef HEARTH_ADMIN_API_H
#define HEARTH_ADMIN_API_H

#include <stdint.h>

#include "config/cfg.h"

struct sig_api;
struct sig_ratelimit;
struct sig_server;
struct sig_store;

/* store and limiter (failed key and invite attempts per address) are
 * borrowed for the life of the api; cfg is read at creation and at
 * sig_api_reload(). Registers its routes on server. */
int sig_api_new(struct sig_store *store, struct sig_ratelimit *limiter, const struct cfg *cfg,
		struct sig_server *server, struct sig_api **ret_api);
struct sig_api *sig_api_free(struct sig_api *api);

/* Connects the API to the live sessions, so that ending a session or
 * deleting a roster entry disconnects the people concerned. */
struct sig_ws;
void sig_api_attach_ws(struct sig_api *api, struct sig_ws *ws);

/* Takes the reloadable settings (the API keys) from a new configuration. */
void sig_api_reload(struct sig_api *api, const struct cfg *cfg);

#endif
