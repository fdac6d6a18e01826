/* An ICE-TCP connection as a transport's remote address. A transport
 * bound to a TCP connection (relay/tcp.c) keeps, where a UDP transport
 * keeps the client's address, this pseudo address: the family
 * RELAY_AF_TCP, the connection's slot in its worker and a generation
 * (slots are reused). Every stage goes on sending to `t->remote`; the
 * send batch's flush (send.c) hands these to the connection's queue
 * instead of sendmmsg(2), and addr.c makes a hash key of them like of any
 * address. Header only, a leaf. */
#ifndef HEARTH_RELAY_TCP_ADDR_H
#define HEARTH_RELAY_TCP_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Never an address a datagram comes from on the workers' IP sockets. */
#define RELAY_AF_TCP AF_UNIX

struct relay_tcp_addr {
	sa_family_t family; /* RELAY_AF_TCP */
	uint16_t slot;
	uint32_t gen;
};

static inline bool relay_tcp_addr_is(const struct sockaddr_storage *ss)
{
	return ss->ss_family == RELAY_AF_TCP;
}

static inline void relay_tcp_addr_set(struct sockaddr_storage *ss, uint16_t slot, uint32_t gen)
{
	struct relay_tcp_addr a = {.family = RELAY_AF_TCP, .slot = slot, .gen = gen};

	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &a, sizeof(a));
}

static inline struct relay_tcp_addr relay_tcp_addr_get(const struct sockaddr_storage *ss)
{
	struct relay_tcp_addr a;

	memcpy(&a, ss, sizeof(a));
	return a;
}

#endif
