#include "relay/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "relay/tcp_addr.h"

void relay_addr_key_from(const struct sockaddr_storage *ss, struct relay_addr_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		ret->family = AF_INET;
		ret->port = in->sin_port;
		memcpy(ret->addr, &in->sin_addr, 4);
		return;
	}
	if (relay_tcp_addr_is(ss)) { /* an ICE-TCP connection: its slot and generation */
		struct relay_tcp_addr a = relay_tcp_addr_get(ss);
		ret->family = RELAY_AF_TCP;
		ret->port = a.slot;
		memcpy(ret->addr, &a.gen, sizeof(a.gen));
		return;
	}
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		ret->family = AF_INET;
		memcpy(ret->addr, &in6->sin6_addr.s6_addr[12], 4);
	} else {
		ret->family = AF_INET6;
		memcpy(ret->addr, &in6->sin6_addr, 16);
	}
	ret->port = in6->sin6_port;
}

/* FNV-1a over the key's bytes. */
unsigned relay_addr_key_hash(const void *key)
{
	const uint8_t *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(struct relay_addr_key); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int relay_addr_key_equal(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct relay_addr_key)) == 0;
}

int relay_addr_parse(const char *address, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return (int)sizeof(*in);
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return (int)sizeof(*in6);
	}
	return -EINVAL;
}

int relay_addr_bound_port(int fd, int *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	*ret_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}
