/* The URL of [webhooks] url: where hearthd POSTs its events. Checked when
 * the configuration loads and parsed again by the delivery. Pure; no
 * allocation. */
#ifndef HEARTH_CONFIG_WEBHOOK_URL_H
#define HEARTH_CONFIG_WEBHOOK_URL_H

#include <stdbool.h>

#define CFG_WEBHOOK_HOST_MAX	253  /* a DNS name, or an address literal */
#define CFG_WEBHOOK_PATH_MAX	1024 /* path and query */
#define CFG_WEBHOOK_PROBLEM_MAX 160

struct cfg_webhook_url {
	bool tls;				  /* https */
	char host[CFG_WEBHOOK_HOST_MAX + 1];	  /* without brackets for IPv6 */
	int port;				  /* 1..65535; 80 or 443 when not given */
	char path[CFG_WEBHOOK_PATH_MAX + 1];	  /* "/" when not given; with the query */
	char authority[CFG_WEBHOOK_HOST_MAX + 9]; /* what the Host header says */
};

/* Parses http://HOST[:PORT][/PATH[?QUERY]] or https://..., HOST being a
 * DNS name, an IPv4 address or an IPv6 address in brackets. Refuses user
 * information (a password in a URL ends up in logs), fragments, spaces and
 * control characters. Returns 0, or -EINVAL with a sentence in ret_problem
 * (ret_url then undefined). */
int cfg_webhook_url_parse(const char *text, struct cfg_webhook_url *ret_url,
			  char ret_problem[CFG_WEBHOOK_PROBLEM_MAX]);

#endif
