#include "config/turn_urls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/parse.h"

static bool cfg_turn_dns_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

/* "[v6]" or a name / IPv4 address of [A-Za-z0-9.-] (RFC 7065 §3.1 host). */
static int cfg_turn_host(const char *host, size_t len)
{
	char text[CFG_TURN_URL_MAX + 1];
	unsigned char addr[16];

	if (len == 0 || len > CFG_TURN_URL_MAX)
		return -EINVAL;
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return -EINVAL;
		memcpy(text, host + 1, len - 2);
		text[len - 2] = '\0';
		return inet_pton(AF_INET6, text, addr) == 1 ? 0 : -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!cfg_turn_dns_char(host[i]))
			return -EINVAL;
	if (host[0] == '.' || host[0] == '-' || host[len - 1] == '-')
		return -EINVAL;
	return 0;
}

/* One URL of len characters, not NUL-terminated. */
static int cfg_turn_url_one(const char *url, size_t len, char problem[CFG_TURN_PROBLEM_MAX])
{
	const char *rest, *end = url + len, *query, *colon;
	bool secure;

	if (len > 6 && strncmp(url, "turns:", 6) == 0) {
		secure = true;
		rest = url + 6;
	} else if (len > 5 && strncmp(url, "turn:", 5) == 0) {
		secure = false;
		rest = url + 5;
	} else {
		snprintf(problem, CFG_TURN_PROBLEM_MAX,
			 "\"%.*s\" does not start with turn: or turns:", (int)len, url);
		return -EINVAL;
	}
	query = memchr(rest, '?', (size_t)(end - rest));
	if (query) {
		size_t qlen = (size_t)(end - query);
		bool udp = qlen == 14 && strncmp(query, "?transport=udp", 14) == 0;
		bool tcp = qlen == 14 && strncmp(query, "?transport=tcp", 14) == 0;
		if (!udp && !tcp) {
			snprintf(problem, CFG_TURN_PROBLEM_MAX,
				 "\"%.*s\": the only query is ?transport=udp or ?transport=tcp",
				 (int)len, url);
			return -EINVAL;
		}
		if (secure && udp) {
			snprintf(problem, CFG_TURN_PROBLEM_MAX,
				 "\"%.*s\": browsers speak turns: over TCP (TLS) only", (int)len,
				 url);
			return -EINVAL;
		}
		end = query;
	}
	/* The port follows the last ':' outside an IPv6 literal's brackets. */
	const char *bracket = memchr(rest, ']', (size_t)(end - rest));
	if (rest[0] == '[' && !bracket) {
		snprintf(problem, CFG_TURN_PROBLEM_MAX,
			 "\"%.*s\": the host must be a name, an IPv4 address or [IPv6]", (int)len,
			 url);
		return -EINVAL;
	}
	const char *from = bracket ? bracket : rest;
	colon = memchr(from, ':', (size_t)(end - from));
	if (colon) {
		char digits[8];
		long port;
		size_t dlen = (size_t)(end - colon - 1);
		if (dlen == 0 || dlen >= sizeof(digits)) {
			snprintf(problem, CFG_TURN_PROBLEM_MAX, "\"%.*s\": bad port", (int)len,
				 url);
			return -EINVAL;
		}
		memcpy(digits, colon + 1, dlen);
		digits[dlen] = '\0';
		if (parse_long(digits, 1, 65535, &port) < 0) {
			snprintf(problem, CFG_TURN_PROBLEM_MAX,
				 "\"%.*s\": the port must be 1..65535", (int)len, url);
			return -EINVAL;
		}
		end = colon;
	}
	if (cfg_turn_host(rest, (size_t)(end - rest)) < 0) {
		snprintf(problem, CFG_TURN_PROBLEM_MAX,
			 "\"%.*s\": the host must be a name, an IPv4 address or [IPv6]", (int)len,
			 url);
		return -EINVAL;
	}
	return 0;
}

int cfg_turn_urls_parse(const char *text, char ret_urls[CFG_TURN_URLS_MAX][CFG_TURN_URL_MAX + 1],
			char ret_problem[CFG_TURN_PROBLEM_MAX])
{
	const char *p = text;
	int count = 0;

	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t len = (size_t)(end - p);
		if (len == 0) {
			if (comma || count > 0) {
				snprintf(ret_problem, CFG_TURN_PROBLEM_MAX,
					 "empty entry in the list");
				return -EINVAL;
			}
			return 0;
		}
		if (count == CFG_TURN_URLS_MAX) {
			snprintf(ret_problem, CFG_TURN_PROBLEM_MAX, "more than %d URLs",
				 CFG_TURN_URLS_MAX);
			return -EINVAL;
		}
		if (len > CFG_TURN_URL_MAX) {
			snprintf(ret_problem, CFG_TURN_PROBLEM_MAX,
				 "a URL is longer than %d characters", CFG_TURN_URL_MAX);
			return -EINVAL;
		}
		if (cfg_turn_url_one(p, len, ret_problem) < 0)
			return -EINVAL;
		memcpy(ret_urls[count], p, len);
		ret_urls[count][len] = '\0';
		count++;
		if (!comma)
			return count;
		p = comma + 1;
	}
}
