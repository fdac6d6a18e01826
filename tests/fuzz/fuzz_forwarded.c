/* libFuzzer target: the trusted-proxy parsers (core/netaddr, http/
 * forwarded) must never crash or read past their input, and must never
 * invent a client. The first byte picks the header kind, the peer, and
 * whether the trusted list is fixed or comes from the input; the rest is
 * split at newlines into [trusted list,] header[, prefix]. Checked:
 * - the client is the peer, or an address written in the header;
 * - an untrusted peer, or no header, gives the peer;
 * - once the client is an address no trusted proxy owns, whatever the
 *   client prepends to the header (", " and anything) changes nothing;
 * - every address and range parsed formats back to text that parses
 *   equal, and a range contains its own base. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/netaddr.h"
#include "http/forwarded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_trusted[] = "127.0.0.0/8, ::1, 10.0.0.0/8, 2001:db8:ffff::/48";

static const char *const fuzz_peers[8] = {
    "127.0.0.1",	"::1",	       "10.0.0.4",     "203.0.113.9", "::ffff:10.1.2.3",
    "2001:db8:ffff::1", "192.168.1.1", "2001:db8::99",
};

static bool fuzz_same(const struct netaddr *a, const struct netaddr *b)
{
	return a->v4 == b->v4 && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static void fuzz_check_format(const struct netaddr *a)
{
	char buf[NETADDR_TEXT_MAX];
	struct netaddr back;

	netaddr_format(a, buf);
	if (netaddr_parse(buf, &back) < 0 || !fuzz_same(a, &back))
		abort();
}

static void fuzz_check_range(const struct netaddr_range *r)
{
	struct netaddr_list one = {.items = {*r}, .count = 1};
	char text[NETADDR_TEXT_MAX + 8], host[NETADDR_TEXT_MAX];
	struct netaddr_range back;

	if (r->prefix > 128 || (r->base.v4 && r->prefix < 96))
		abort();
	fuzz_check_format(&r->base);
	if (!netaddr_list_contains(&one, &r->base))
		abort();
	netaddr_format(&r->base, host);
	snprintf(text, sizeof(text), "%s/%u", host, r->base.v4 ? r->prefix - 96 : r->prefix);
	if (netaddr_range_parse(text, &back) < 0 || !fuzz_same(&back.base, &r->base) ||
	    back.prefix != r->prefix)
		abort();
}

/* 127.0.0.0/8 or ::1, said another way. */
static bool fuzz_loopback(const struct netaddr *a)
{
	static const uint8_t zeros[15];

	if (a->v4)
		return a->bytes[12] == 127;
	return memcmp(a->bytes, zeros, sizeof(zeros)) == 0 && a->bytes[15] == 1;
}

/* Whether a is written in header as a hop: a run of text between
 * delimiters that parses as one, in the header as is or with its
 * backslashes (RFC 7239 quoted-pair) removed. */
static bool fuzz_in_header(const char *header, const struct netaddr *a)
{
	size_t len = strlen(header), n = 0;
	char *stripped = malloc(len + 1);
	bool found = false;

	if (!stripped)
		abort();
	for (size_t i = 0; i < len; i++)
		if (header[i] != '\\')
			stripped[n++] = header[i];
	stripped[n] = '\0';
	for (int pass = 0; pass < 2 && !found; pass++) {
		const char *p = pass ? stripped : header;
		while (*p && !found) {
			size_t tok = strcspn(p, ",; \t\"=");
			struct netaddr hop;
			if (tok && sig_forwarded_parse_hop(p, tok, &hop) == 0 && fuzz_same(&hop, a))
				found = true;
			p += tok ? tok : 1;
		}
	}
	free(stripped);
	return found;
}

static void fuzz_check_client(const struct netaddr_list *trusted, const struct netaddr *peer,
			      enum sig_forwarded_kind kind, const char *header, const char *prefix)
{
	struct netaddr client;

	sig_forwarded_client(trusted, peer, kind, header, &client);
	fuzz_check_format(&client);
	if (!netaddr_list_contains(trusted, peer) || !header || !*header) {
		if (!fuzz_same(&client, peer))
			abort();
		return;
	}
	if (!fuzz_same(&client, peer) && !fuzz_in_header(header, &client))
		abort();
	/* Only what proxies appended decides: a client writes to the left. For
	 * Forwarded, a header of quoted strings may be split another way once
	 * a quote is left open before it, so only plain headers count. */
	if (!prefix || netaddr_list_contains(trusted, &client) ||
	    (kind == SIG_FORWARDED_RFC7239 && strchr(header, '"')))
		return;
	size_t plen = strlen(prefix), hlen = strlen(header);
	char *longer = malloc(plen + 2 + hlen + 1);
	struct netaddr again;
	if (!longer)
		abort();
	memcpy(longer, prefix, plen);
	memcpy(longer + plen, ", ", 2);
	memcpy(longer + plen + 2, header, hlen + 1);
	sig_forwarded_client(trusted, peer, kind, longer, &again);
	if (!fuzz_same(&again, &client))
		abort();
	free(longer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netaddr_list fixed, from_input, *trusted = &fixed;
	struct netaddr peer, hop;
	char bad[16];
	char *copy, *parts[3] = {NULL, NULL, NULL};

	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	enum sig_forwarded_kind kind = flags & 1 ? SIG_FORWARDED_RFC7239 : SIG_FORWARDED_XFF;
	bool own_list = flags & 2;
	if (netaddr_parse(fuzz_peers[(flags >> 2) & 7], &peer) < 0 ||
	    netaddr_list_parse(fuzz_trusted, &fixed, NULL, 0) < 0)
		abort();

	/* A hop parser reads exactly len bytes: ASan sees any overread. */
	if (sig_forwarded_parse_hop((const char *)data + 1, size - 1, &hop) == 0)
		fuzz_check_format(&hop);

	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	parts[0] = copy;
	for (int i = 1; i < 3; i++) {
		char *nl = parts[i - 1] ? strchr(parts[i - 1], '\n') : NULL;
		if (nl) {
			*nl = '\0';
			parts[i] = nl + 1;
		}
	}

	const char *header = parts[0], *prefix = parts[1];
	if (own_list) {
		memset(bad, 'x', sizeof(bad));
		int r = netaddr_list_parse(parts[0], &from_input, bad, sizeof(bad));
		if (r == 0) {
			if (from_input.count > NETADDR_LIST_MAX)
				abort();
			for (size_t i = 0; i < from_input.count; i++)
				fuzz_check_range(&from_input.items[i]);
			trusted = &from_input;
		} else if ((r != -EINVAL && r != -E2BIG) || !memchr(bad, '\0', sizeof(bad))) {
			abort();
		}
		header = parts[1];
		prefix = parts[2];
	} else {
		struct netaddr_range range;
		struct netaddr a;
		if (netaddr_range_parse(parts[0], &range) == 0)
			fuzz_check_range(&range);
		if (netaddr_parse(parts[0], &a) == 0) {
			fuzz_check_format(&a);
			if (netaddr_is_loopback(&a) != fuzz_loopback(&a))
				abort();
		}
	}
	/* Bit 5: the header is absent. */
	fuzz_check_client(trusted, &peer, kind, flags & 32 ? NULL : header, prefix);
	free(copy);
	return 0;
}
