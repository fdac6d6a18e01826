/* IP addresses and CIDR ranges as text: parsing, normalising and matching.
 * Pure functions over caller-owned memory; no allocation, no logging. */
#ifndef HEARTH_CORE_NETADDR_H
#define HEARTH_CORE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "ffff:ffff:…" plus a NUL, and a little room for a prefix length. */
#define NETADDR_TEXT_MAX 48

/* An IPv4 address is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so
 * that a v4 peer on a dual-stack socket and the same peer in a header
 * compare equal. */
struct netaddr {
	uint8_t bytes[16];
	bool v4; /* an IPv4 (or IPv4-mapped) address */
};

struct netaddr_range {
	struct netaddr base; /* with the host bits cleared */
	unsigned prefix;     /* in bits of the 128-bit form */
};

/* At most this many ranges in a list (server.trusted_proxies). */
#define NETADDR_LIST_MAX 32

struct netaddr_list {
	struct netaddr_range items[NETADDR_LIST_MAX];
	size_t count;
};

/* Parses an IPv4 or IPv6 literal (no port, no brackets, no zone). Returns 0
 * or -EINVAL. */
int netaddr_parse(const char *text, struct netaddr *ret_addr);

/* Parses "a.b.c.d", "a.b.c.d/n", "v6" or "v6/n". Host bits set below the
 * prefix are an error (they usually mean a typo). Returns 0 or -EINVAL. */
int netaddr_range_parse(const char *text, struct netaddr_range *ret_range);

/* Parses a comma-separated list of ranges ("" is the empty list). Returns 0,
 * or -EINVAL (or -E2BIG past NETADDR_LIST_MAX) with the offending item, as
 * far as it fits, copied into bad (bad_len bytes, may be 0). */
int netaddr_list_parse(const char *text, struct netaddr_list *ret_list, char *bad, size_t bad_len);

bool netaddr_list_contains(const struct netaddr_list *list, const struct netaddr *addr);

/* Whether addr is a loopback address (127.0.0.0/8 or ::1). */
bool netaddr_is_loopback(const struct netaddr *addr);

/* The canonical text of addr: dotted quad for IPv4, RFC 5952 for IPv6.
 * buf must hold NETADDR_TEXT_MAX bytes. */
void netaddr_format(const struct netaddr *addr, char buf[NETADDR_TEXT_MAX]);

#endif
