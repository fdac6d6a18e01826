#include "config/webhook_url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int url_fail(char problem[CFG_WEBHOOK_PROBLEM_MAX], const char *what)
{
	snprintf(problem, CFG_WEBHOOK_PROBLEM_MAX, "%s", what);
	return -EINVAL;
}

static bool url_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

static bool url_v6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '.';
}

/* HOST[:PORT] in [start, end). */
static int url_authority(const char *start, const char *end, struct cfg_webhook_url *url,
			 char problem[CFG_WEBHOOK_PROBLEM_MAX])
{
	const char *host = start, *host_end, *p;
	bool v6 = *start == '[';

	if (start == end)
		return url_fail(problem, "the URL names no host");
	if ((size_t)(end - start) > CFG_WEBHOOK_HOST_MAX + 8)
		return url_fail(problem, "the URL's host is too long");
	if (memchr(start, '@', (size_t)(end - start)))
		return url_fail(problem, "user information (user:password@) is not allowed in "
					 "the URL; the secret goes in [webhooks] secret");
	if (v6) {
		host = start + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end || host_end == host)
			return url_fail(problem, "an IPv6 host must be written [address]");
		for (p = host; p < host_end; p++)
			if (!url_v6_char(*p))
				return url_fail(problem, "the IPv6 host is not an address");
		p = host_end + 1;
	} else {
		host_end = memchr(host, ':', (size_t)(end - host));
		if (!host_end)
			host_end = end;
		if (host_end == host)
			return url_fail(problem, "the URL names no host");
		for (p = host; p < host_end; p++)
			if (!url_host_char(*p))
				return url_fail(problem, "the host has a character a DNS name or "
							 "address cannot have");
		p = host_end;
	}
	if ((size_t)(host_end - host) > CFG_WEBHOOK_HOST_MAX)
		return url_fail(problem, "the URL's host is too long");
	memcpy(url->host, host, (size_t)(host_end - host));
	url->host[host_end - host] = '\0';
	url->port = url->tls ? 443 : 80;
	if (p < end) {
		long port = 0;

		if (*p != ':' || p + 1 == end || end - p > 6)
			return url_fail(problem, "the port must be a number from 1 to 65535");
		for (p++; p < end; p++) {
			if (*p < '0' || *p > '9')
				return url_fail(problem,
						"the port must be a number from 1 to 65535");
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return url_fail(problem, "the port must be a number from 1 to 65535");
		url->port = (int)port;
	}
	/* Fits: host (at most 253 + brackets) and ":65535". */
	snprintf(url->authority, sizeof(url->authority), "%.*s", (int)(end - start), start);
	return 0;
}

int cfg_webhook_url_parse(const char *text, struct cfg_webhook_url *ret_url,
			  char ret_problem[CFG_WEBHOOK_PROBLEM_MAX])
{
	const char *rest, *slash;
	size_t path_len;
	int r;

	memset(ret_url, 0, sizeof(*ret_url));
	if (strncmp(text, "https://", 8) == 0) {
		ret_url->tls = true;
		rest = text + 8;
	} else if (strncmp(text, "http://", 7) == 0) {
		rest = text + 7;
	} else {
		return url_fail(ret_problem, "the URL must start with http:// or https://");
	}
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return url_fail(ret_problem,
					"the URL has a space, a control or a non-ASCII character");
	if (strchr(text, '#'))
		return url_fail(ret_problem, "the URL must not have a #fragment");
	slash = rest + strcspn(rest, "/?");
	r = url_authority(rest, slash, ret_url, ret_problem);
	if (r < 0)
		return r;
	path_len = strlen(slash);
	if (path_len + 1 > CFG_WEBHOOK_PATH_MAX)
		return url_fail(ret_problem, "the URL's path is too long");
	snprintf(ret_url->path, sizeof(ret_url->path), "%s%s", *slash == '/' ? "" : "/", slash);
	return 0;
}
