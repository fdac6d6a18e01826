/* The admin API's error answers: {"error": {"code", "message"[, "field"]}}
 * (docs/admin-api.md, "Errors"), shared by the front door (api.c) and
 * every handler. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdarg.h>

#include "admin/api_call.h"
#include "http/http.h"

void sig_api_error(struct sig_api_call *call, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	sig_http_respond_error(call->req, status, code, message);
}

void sig_api_invalid(struct sig_api_call *call, const char *field, const char *problem)
{
	g_autofree char *message = g_strdup_printf("%s: %s", field, problem);
	json_t *body = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "invalid", "message",
				 message, "field", field);

	sig_http_respond_json(call->req, 400, body);
	json_decref(body);
}

void sig_api_store_error(struct sig_api_call *call, int r, const char *what)
{
	if (r == -ENOENT)
		sig_api_error(call, 404, "not_found", "no such %s", what);
	else if (r == -EEXIST)
		sig_api_error(call, 409, "conflict", "that %s already exists", what);
	else
		sig_api_error(call, 500, "internal", "the database failed; nothing was changed");
}
