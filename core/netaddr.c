#include "core/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/parse.h"

static const uint8_t netaddr_v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int netaddr_parse(const char *text, struct netaddr *ret_addr)
{
	struct netaddr a = {0};
	struct in_addr v4;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		memcpy(a.bytes, netaddr_v4_mapped_prefix, sizeof(netaddr_v4_mapped_prefix));
		memcpy(a.bytes + 12, &v4, 4);
		a.v4 = true;
	} else if (inet_pton(AF_INET6, text, a.bytes) == 1) {
		a.v4 = memcmp(a.bytes, netaddr_v4_mapped_prefix,
			      sizeof(netaddr_v4_mapped_prefix)) == 0;
	} else {
		return -EINVAL;
	}
	*ret_addr = a;
	return 0;
}

static bool netaddr_in_range(const struct netaddr *addr, const struct netaddr *base,
			     unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (memcmp(addr->bytes, base->bytes, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr->bytes[whole] & mask) == (base->bytes[whole] & mask);
}

int netaddr_range_parse(const char *text, struct netaddr_range *ret_range)
{
	char host[NETADDR_TEXT_MAX];
	const char *slash = strchr(text, '/');
	size_t host_len = slash ? (size_t)(slash - text) : strlen(text);
	struct netaddr_range r = {0};
	unsigned bits;

	if (host_len == 0 || host_len >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (netaddr_parse(host, &r.base) < 0)
		return -EINVAL;
	bits = r.base.v4 ? 32 : 128;
	if (slash) {
		const char *p = slash + 1;
		uint64_t n;
		if (!*p || strlen(p) > 3 || parse_uint64_n(p, strlen(p), 999, &n) < 0)
			return -EINVAL;
		/* "/08" is not a prefix length anyone means. */
		if ((slash[1] == '0' && slash[2]) || n > bits)
			return -EINVAL;
		bits = (unsigned)n;
	}
	r.prefix = r.base.v4 ? 96 + bits : bits;
	/* Host bits must be clear: "10.0.0.1/8" is almost always a typo. */
	struct netaddr masked = {.v4 = r.base.v4};
	memcpy(masked.bytes, r.base.bytes, r.prefix / 8);
	if (r.prefix % 8)
		masked.bytes[r.prefix / 8] =
		    (uint8_t)(r.base.bytes[r.prefix / 8] & (0xff << (8 - r.prefix % 8)));
	if (memcmp(masked.bytes, r.base.bytes, sizeof(masked.bytes)) != 0)
		return -EINVAL;
	*ret_range = r;
	return 0;
}

static void netaddr_copy_bad(const char *item, size_t len, char *bad, size_t bad_len)
{
	if (bad_len == 0)
		return;
	if (len >= bad_len)
		len = bad_len - 1;
	memcpy(bad, item, len);
	bad[len] = '\0';
}

int netaddr_list_parse(const char *text, struct netaddr_list *ret_list, char *bad, size_t bad_len)
{
	struct netaddr_list list = {0};
	const char *p = text;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p) {
		char item[NETADDR_TEXT_MAX + 8];
		const char *start = p, *end;

		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t len = (size_t)(end - start);
		if (len == 0 || len >= sizeof(item)) {
			netaddr_copy_bad(start, len, bad, bad_len);
			return -EINVAL;
		}
		if (list.count == NETADDR_LIST_MAX) {
			netaddr_copy_bad(start, len, bad, bad_len);
			return -E2BIG;
		}
		memcpy(item, start, len);
		item[len] = '\0';
		if (netaddr_range_parse(item, &list.items[list.count]) < 0) {
			netaddr_copy_bad(start, len, bad, bad_len);
			return -EINVAL;
		}
		list.count++;
		if (*p == ',') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p) { /* "a," : an empty last item */
				netaddr_copy_bad("", 0, bad, bad_len);
				return -EINVAL;
			}
		}
	}
	*ret_list = list;
	return 0;
}

bool netaddr_list_contains(const struct netaddr_list *list, const struct netaddr *addr)
{
	for (size_t i = 0; i < list->count; i++)
		if (netaddr_in_range(addr, &list->items[i].base, list->items[i].prefix))
			return true;
	return false;
}

bool netaddr_is_loopback(const struct netaddr *addr)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};

	if (addr->v4)
		return addr->bytes[12] == 127;
	return memcmp(addr->bytes, v6_loopback, sizeof(v6_loopback)) == 0;
}

void netaddr_format(const struct netaddr *addr, char buf[NETADDR_TEXT_MAX])
{
	if (addr->v4)
		inet_ntop(AF_INET, addr->bytes + 12, buf, NETADDR_TEXT_MAX);
	else
		inet_ntop(AF_INET6, addr->bytes, buf, NETADDR_TEXT_MAX);
}
