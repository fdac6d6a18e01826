/* The client address of a request that came through reverse proxies: from
 * X-Forwarded-For, or from Forwarded (RFC 7239), trusted only as far as the
 * hops are trusted proxies.
 *
 * Pure functions; the caller supplies the header text (NULL when absent). */
#ifndef HEARTH_HTTP_FORWARDED_H
#define HEARTH_HTTP_FORWARDED_H

#include "core/netaddr.h"

enum sig_forwarded_kind {
	SIG_FORWARDED_XFF,     /* X-Forwarded-For: a, b, c */
	SIG_FORWARDED_RFC7239, /* Forwarded: for=a;proto=https, for="[b]:1" */
};

/* At most this many hops are looked at, the rightmost ones. */
#define SIG_FORWARDED_MAX_HOPS 32

/* The client: peer itself when peer is not in trusted (the header is then
 * ignored, whoever wrote it); else, walking the header from the right, the
 * first hop that is not a trusted proxy. A hop that is not an address
 * ("unknown", an obfuscated name, garbage) ends the walk at the last trusted
 * hop, so a malformed header never lets a client choose its address. When
 * every hop is trusted, the leftmost one. */
void sig_forwarded_client(const struct netaddr_list *trusted, const struct netaddr *peer,
			  enum sig_forwarded_kind kind, const char *header,
			  struct netaddr *ret_client);

/* Parses one hop as proxies write it: "a.b.c.d", "a.b.c.d:port", "v6",
 * "[v6]" or "[v6]:port" (for Forwarded, already unquoted). Returns 0 or
 * -EINVAL. */
int sig_forwarded_parse_hop(const char *text, size_t len, struct netaddr *ret_addr);

#endif
