/* libFuzzer target: config/addr_pair.c, the "one IPv4 and/or one IPv6
 * address" list of media.bind_address and media.public_address. It must
 * never crash or read past its input, and what it accepts must hold:
 * - each family's entry parses back as an address of that family, in the
 *   canonical form (formatting it again changes nothing);
 * - the IPv6 entry is not IPv4-mapped;
 * - parsing the pair written back ("v4, v6") gives the same pair;
 * - on failure there is a problem text and ret is untouched. */
#include <arpa/inet.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/addr_pair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_canonical(int family, const char *text)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char again[INET6_ADDRSTRLEN];

	if (!*text)
		return;
	if (inet_pton(family, text, bin) != 1 || !inet_ntop(family, bin, again, sizeof(again)) ||
	    strcmp(again, text) != 0)
		abort();
	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_addr_pair pair, again, sentinel;
	char *problem = NULL;

	if (size > 256)
		return 0;
	char *value = g_strndup((const char *)data, size); /* stops at a NUL */
	memset(&pair, 0x5a, sizeof(pair));
	sentinel = pair;
	if (cfg_addr_pair_parse(value, &pair, &problem) < 0) {
		if (!problem || memcmp(&pair, &sentinel, sizeof(pair)) != 0)
			abort();
		g_free(problem);
		g_free(value);
		return 0;
	}
	if (problem)
		abort();
	fuzz_check_canonical(AF_INET, pair.v4);
	fuzz_check_canonical(AF_INET6, pair.v6);
	char *written =
	    g_strdup_printf("%s%s%s", pair.v4, *pair.v4 && *pair.v6 ? ", " : "", pair.v6);
	if (cfg_addr_pair_parse(written, &again, &problem) < 0 ||
	    memcmp(&again, &pair, sizeof(pair)) != 0)
		abort();
	g_free(written);
	g_free(value);
	return 0;
}
