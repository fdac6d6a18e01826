/* The admin REST API under /api/v1/ (docs/admin-api.md) and the public
 * invite check at /invite/check, on the control thread. */
#ifndef HEARTH_ADMIN_API_H
#define HEARTH_ADMIN_API_H

#include <stdint.h>

#include "config/cfg.h"

struct sig_api;
struct sig_ops;
struct sig_ratelimit;
struct sig_server;
struct sig_store;

/* store, limiter (failed key and invite attempts per address) and ops
 * (ending a session or deleting a roster entry disconnects the people
 * concerned) are borrowed for the life of the api; cfg is read at creation
 * and at sig_api_reload(). Registers its routes on server. */
int sig_api_new(struct sig_store *store, struct sig_ratelimit *limiter, struct sig_ops *ops,
		const struct cfg *cfg, struct sig_server *server, struct sig_api **ret_api);
struct sig_api *sig_api_free(struct sig_api *api);

/* Takes the reloadable settings (the API keys) from a new configuration. */
void sig_api_reload(struct sig_api *api, const struct cfg *cfg);

#endif
