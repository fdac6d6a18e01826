/* A remote address as a hash key: how a worker finds the transport a
 * datagram belongs to (the 5-tuple, on its one socket); and the local
 * address a socket binds. No allocation. */
#ifndef HEARTH_RELAY_ADDR_H
#define HEARTH_RELAY_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* A remote address as a hash key: family, port and address bytes, with
 * IPv4-mapped IPv6 folded to IPv4 so one client has one key. */
struct relay_addr_key {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t pad;
	uint16_t port;
	uint8_t addr[16];
};

void relay_addr_key_from(const struct sockaddr_storage *ss, struct relay_addr_key *ret);

/* A numeric IPv4 or IPv6 address and a port into ss, for bind(2) (the
 * workers' UDP sockets, the ICE-TCP listener). Returns its length, or
 * -EINVAL when address is neither. */
int relay_addr_parse(const char *address, int port, struct sockaddr_storage *ss);

/* The port a bound socket got (port 0 asks the kernel for one). Returns
 * 0 or a negative errno. */
int relay_addr_bound_port(int fd, int *ret_port);
unsigned relay_addr_key_hash(const void *key);
int relay_addr_key_equal(const void *a, const void *b);

#endif
