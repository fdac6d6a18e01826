/* An address key that takes at most one IPv4 and one IPv6 literal,
 * comma-separated: `media.bind_address` and `media.public_address`
 * ("192.0.2.10, 2001:db8::10"). Pure: no allocation but the problem text,
 * no I/O; its own file so that its tests and fuzz target link only it. */
#ifndef HEARTH_CONFIG_ADDR_PAIR_H
#define HEARTH_CONFIG_ADDR_PAIR_H

#include <netinet/in.h>
#include <stdbool.h>

/* Each family's address in its canonical text form (inet_ntop), or "" when
 * the value names none of that family. */
struct cfg_addr_pair {
	char v4[INET_ADDRSTRLEN];
	char v6[INET6_ADDRSTRLEN];
};

/* Parses value ("" gives an empty pair). On failure returns -EINVAL and a
 * problem text (caller frees) and leaves ret untouched. Refused: more than
 * two entries, an empty entry, anything but a numeric address, two of one
 * family, and IPv4-mapped IPv6 (write the IPv4 address). */
int cfg_addr_pair_parse(const char *value, struct cfg_addr_pair *ret, char **ret_problem);

/* Whether the pair's address of that family is the wildcard (0.0.0.0 or
 * ::); false when it has none. */
bool cfg_addr_pair_v4_any(const struct cfg_addr_pair *p);
bool cfg_addr_pair_v6_any(const struct cfg_addr_pair *p);

#endif
