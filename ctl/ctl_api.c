/* The admin API as hearthctl sees it: finds the socket, sends one JSON
 * request per connection, maps the answer to an exit code and reports
 * errors once, in words an operator can act on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctl.h"
#include "ctl/http_unix.h"

#define CTL_API_PREFIX	   "/api/v1"
#define CTL_SOCKET_SYSTEMD "/run/hearth/hearthd.sock"
#define CTL_SOCKET_LOCAL   "hearth-state/hearthd.sock"
/* --all stops following pages after this many, whatever the server says. */
#define CTL_MAX_PAGES 10000

/* --socket, else $HEARTH_ADMIN_SOCKET, else the systemd path if it exists,
 * else the development default relative to the current directory. */
static const char *ctl_socket_path(struct ctl *ctl)
{
	const char *env = getenv("HEARTH_ADMIN_SOCKET");
	struct stat st;

	if (!ctl->socket) {
		if (env && *env)
			ctl->socket = g_strdup(env);
		else if (lstat(CTL_SOCKET_SYSTEMD, &st) == 0)
			ctl->socket = g_strdup(CTL_SOCKET_SYSTEMD);
		else
			ctl->socket = g_strdup(CTL_SOCKET_LOCAL);
	}
	return ctl->socket;
}

static int ctl_exit_for_status(int status)
{
	switch (status) {
	case 400:
	case 413:
	case 414:
		return CTL_EXIT_INVALID;
	case 401:
	case 403:
	case 429:
		return CTL_EXIT_REFUSED;
	case 404:
		return CTL_EXIT_NOT_FOUND;
	case 409:
		return CTL_EXIT_CONFLICT;
	default:
		return status >= 200 && status < 300 ? CTL_EXIT_OK : CTL_EXIT_SERVER;
	}
}

static const char *ctl_exit_label(int code)
{
	switch (code) {
	case CTL_EXIT_INVALID:
		return "invalid request";
	case CTL_EXIT_REFUSED:
		return "refused";
	case CTL_EXIT_NOT_FOUND:
		return "not found";
	case CTL_EXIT_CONFLICT:
		return "conflict";
	default:
		return "server error";
	}
}

/* Reports a failure to talk to the daemon at all. */
static int ctl_report_transport(const char *path, int err)
{
	g_autofree char *p = ctl_clean(path);

	switch (err) {
	case -ENOENT:
		ctl_error("cannot reach hearthd: no socket at %s (is hearthd running? "
			  "use --socket or HEARTH_ADMIN_SOCKET)",
			  p);
		return CTL_EXIT_UNREACHABLE;
	case -ECONNREFUSED:
		ctl_error("cannot reach hearthd at %s: connection refused (is hearthd running?)",
			  p);
		return CTL_EXIT_UNREACHABLE;
	case -EACCES:
	case -EPERM:
		ctl_error("cannot reach hearthd at %s: permission denied (the socket is for the "
			  "hearth group)",
			  p);
		return CTL_EXIT_UNREACHABLE;
	case -ETIMEDOUT:
		ctl_error("cannot reach hearthd at %s: no answer within %d s", p,
			  CTL_HTTP_TIMEOUT_MS / 1000);
		return CTL_EXIT_UNREACHABLE;
	case -ENAMETOOLONG:
		ctl_error("socket path is too long for a unix socket: %s", p);
		return CTL_EXIT_USAGE;
	case -EBADMSG:
		ctl_error("hearthd at %s sent a malformed HTTP answer", p);
		return CTL_EXIT_SERVER;
	case -EMSGSIZE:
		ctl_error("hearthd at %s sent an answer over %d MiB", p,
			  CTL_HTTP_MAX_RESPONSE / (1024 * 1024));
		return CTL_EXIT_SERVER;
	case -ENOMEM:
		ctl_error("out of memory");
		return CTL_EXIT_SERVER;
	default:
		ctl_error("cannot reach hearthd at %s: %s", p, g_strerror(-err));
		return CTL_EXIT_UNREACHABLE;
	}
}

/* Reports a non-2xx answer: {"error": {"code", "message", "field"?}}. */
static void ctl_report_answer(const struct ctl_http_response *resp, json_t *json, int code)
{
	json_t *error = json_object_get(json, "error");
	const char *message = json_string_value(json_object_get(error, "message"));
	const char *ecode = json_string_value(json_object_get(error, "code"));
	const char *field = json_string_value(json_object_get(error, "field"));
	g_autofree char *m = ctl_clean(message ? message : "(no message)");
	g_autofree char *c = ctl_clean(ecode ? ecode : "?");
	/* The server's messages often start with the field already. */
	g_autofree char *f =
	    field && !g_str_has_prefix(message ? message : "", field) ? ctl_clean(field) : NULL;
	g_autofree char *retry =
	    resp->retry_after >= 0 ? g_strdup_printf(", retry in %d s", resp->retry_after) : NULL;

	if (!message && !ecode) {
		ctl_error("%s: HTTP %d from hearthd", ctl_exit_label(code), resp->status);
		return;
	}
	ctl_error("%s: %s%s%s (%s, HTTP %d%s)", ctl_exit_label(code), f ? f : "", f ? ": " : "", m,
		  c, resp->status, retry ? retry : "");
}

/* Parses a body as JSON; NULL for an empty body or one that is not JSON
 * (then *ret_bad is set). */
static json_t *ctl_body_json(const struct ctl_http_response *resp, bool *ret_bad)
{
	json_t *json;

	*ret_bad = false;
	if (resp->body_len == 0)
		return NULL;
	json = json_loadb(resp->body, resp->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!json)
		*ret_bad = true;
	return json;
}

int ctl_api(struct ctl *ctl, const char *method, const char *path, json_t *body, json_t **ret_json)
{
	struct ctl_http_response resp = {0};
	g_autofree char *full = g_strconcat(CTL_API_PREFIX, path, NULL);
	g_autofree char *text = NULL;
	const char *socket = ctl_socket_path(ctl);
	json_t *json;
	bool bad;
	int r, code;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text) {
			ctl_error("cannot encode the request");
			return CTL_EXIT_SERVER;
		}
	}
	r = ctl_http_request(socket, method, full, text, text ? strlen(text) : 0, &resp);
	if (r < 0)
		return ctl_report_transport(socket, r);
	code = ctl_exit_for_status(resp.status);
	json = ctl_body_json(&resp, &bad);
	if (code != CTL_EXIT_OK) {
		if (ctl->json && json)
			ctl_print_json(json);
		ctl_report_answer(&resp, json, code);
	} else if (bad) {
		ctl_error("hearthd answered %s %s with something that is not JSON", method, path);
		code = CTL_EXIT_SERVER;
	} else {
		*ret_json = json;
		json = NULL;
	}
	json_decref(json);
	ctl_http_response_clear(&resp);
	return code;
}

/* The path of one page: path, then limit and after in its query string. */
static char *ctl_page_path(const char *path, const long long *limit, json_int_t after)
{
	GString *s = g_string_new(path);
	char sep = strchr(path, '?') ? '&' : '?';

	if (limit) {
		g_string_append_printf(s, "%climit=%lld", sep, *limit);
		sep = '&';
	}
	if (after > 0)
		g_string_append_printf(s, "%cafter=%" JSON_INTEGER_FORMAT, sep, after);
	return g_string_free(s, FALSE);
}

/* Appends a page's items to all; returns its next_after (0 when null). */
static int ctl_take_page(json_t *page, json_t *all, json_int_t *ret_next)
{
	json_t *items = json_object_get(page, "items");
	json_t *next = json_object_get(page, "next_after");

	if (!json_is_array(items) || (next && !json_is_null(next) && !json_is_integer(next)))
		return -EBADMSG;
	if (json_array_extend(all, items) < 0)
		return -ENOMEM;
	*ret_next = json_is_integer(next) ? json_integer_value(next) : 0;
	return 0;
}

int ctl_api_list(struct ctl *ctl, const char *path, const long long *limit, bool all,
		 json_t **ret_page)
{
	json_t *items = json_array(), *page = NULL;
	json_int_t after = 0, next = 0;
	int r = CTL_EXIT_OK;

	for (unsigned pages = 0; pages < CTL_MAX_PAGES; pages++) {
		g_autofree char *p = ctl_page_path(path, limit, after);
		r = ctl_api(ctl, "GET", p, NULL, &page);
		if (r != CTL_EXIT_OK)
			goto out;
		if (ctl_take_page(page, items, &next) < 0 || next < 0 || (next && next == after)) {
			ctl_error("hearthd answered GET %s with an unexpected list", p);
			r = CTL_EXIT_SERVER;
			goto out;
		}
		json_decref(page);
		page = NULL;
		if (!all || next == 0)
			break;
		after = next;
	}
	page = json_pack("{s:O, s:o}", "items", items, "next_after",
			 next ? json_integer(next) : json_null());
	if (!page) {
		ctl_error("out of memory");
		r = CTL_EXIT_SERVER;
		goto out;
	}
	*ret_page = page;
	page = NULL;
out:
	json_decref(page);
	json_decref(items);
	return r;
}
