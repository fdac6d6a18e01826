#include "config/addr_pair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

/* Longer than any address with the spaces around it. */
#define CFG_ADDR_PAIR_ENTRY_MAX 64

/* One entry, trimmed, into p; problem on failure. */
static int cfg_addr_pair_add(const char *entry, size_t len, struct cfg_addr_pair *p,
			     char **ret_problem)
{
	char text[CFG_ADDR_PAIR_ENTRY_MAX + 1];
	struct in6_addr a6;
	struct in_addr a4;

	while (len > 0 && g_ascii_isspace(*entry)) {
		entry++;
		len--;
	}
	while (len > 0 && g_ascii_isspace(entry[len - 1]))
		len--;
	if (len == 0) {
		*ret_problem = g_strdup("an empty entry in the address list");
		return -EINVAL;
	}
	if (len > CFG_ADDR_PAIR_ENTRY_MAX) {
		*ret_problem =
		    g_strdup_printf("an entry is longer than %d bytes", CFG_ADDR_PAIR_ENTRY_MAX);
		return -EINVAL;
	}
	memcpy(text, entry, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, &a4) == 1) {
		if (*p->v4) {
			*ret_problem = g_strdup_printf("\"%s\" and \"%s\" are both IPv4 addresses "
						       "(at most one of each family)",
						       p->v4, text);
			return -EINVAL;
		}
		inet_ntop(AF_INET, &a4, p->v4, sizeof(p->v4));
		return 0;
	}
	if (inet_pton(AF_INET6, text, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			*ret_problem = g_strdup_printf(
			    "\"%s\" is an IPv4-mapped IPv6 address: write the IPv4 address", text);
			return -EINVAL;
		}
		if (*p->v6) {
			*ret_problem = g_strdup_printf("\"%s\" and \"%s\" are both IPv6 addresses "
						       "(at most one of each family)",
						       p->v6, text);
			return -EINVAL;
		}
		inet_ntop(AF_INET6, &a6, p->v6, sizeof(p->v6));
		return 0;
	}
	*ret_problem = g_strdup_printf("\"%s\" is not an IPv4 or IPv6 address", text);
	return -EINVAL;
}

int cfg_addr_pair_parse(const char *value, struct cfg_addr_pair *ret, char **ret_problem)
{
	struct cfg_addr_pair p = {{0}, {0}};
	unsigned entries = 0;
	const char *at = value;

	if (!*value) {
		*ret = p;
		return 0;
	}
	for (;;) {
		const char *comma = strchr(at, ',');
		size_t len = comma ? (size_t)(comma - at) : strlen(at);

		if (++entries > 2) {
			*ret_problem = g_strdup("at most two addresses: one IPv4 and one IPv6");
			return -EINVAL;
		}
		if (cfg_addr_pair_add(at, len, &p, ret_problem) < 0)
			return -EINVAL;
		if (!comma)
			break;
		at = comma + 1;
	}
	*ret = p;
	return 0;
}

bool cfg_addr_pair_v4_any(const struct cfg_addr_pair *p)
{
	return strcmp(p->v4, "0.0.0.0") == 0;
}

bool cfg_addr_pair_v6_any(const struct cfg_addr_pair *p)
{
	return strcmp(p->v6, "::") == 0;
}
