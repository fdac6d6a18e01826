/* GET /api/v1/openapi.json: the OpenAPI 3.1 description of this API, the
 * document in the tree (docs/openapi.json) built in by embed_openapi.py.
 * Served to any valid key (read-only ones too) and on the admin socket,
 * like every other route: probes without a key learn nothing. */
#include <stddef.h>

#include "admin/api_call.h"

extern const unsigned char sig_api_openapi[];
extern const size_t sig_api_openapi_len;

void sig_api_openapi_get(struct sig_api_call *call)
{
	sig_http_respond_static(call->req, 200, "application/json", sig_api_openapi,
				sig_api_openapi_len, NULL, 0);
}
