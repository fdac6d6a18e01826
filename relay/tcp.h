/* Passive ICE-TCP (RFC 6544 `tcptype passive`, RFC 4571 framing) on a
 * worker, next to its UDP socket: every worker listens on media.tcp_port
 * (SO_REUSEPORT: the kernel spreads the connections), reads a new
 * connection's first frame (a STUN Binding request), and keeps it when the
 * USERNAME names one of its transports, or passes it on to the next
 * worker (relay/tcp_hub.h) until the owner has it; nobody's: closed. From
 * then on its frames go through the packet path like datagrams
 * (recv.c's demultiplexing, from the connection's pseudo address,
 * relay/tcp_addr.h), and what the stages send to that address goes into
 * its send queue (relay/tcp_conn.h). A connection that closes is a lost
 * path for the transport it carried. Caps, timeouts and counters: see
 * relay/README.md. */
#ifndef HEARTH_RELAY_TCP_H
#define HEARTH_RELAY_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "relay/stage.h"

struct relay_tcp_hub;
struct relay_worker_stats;

/* Gives w its ICE-TCP side: a listening socket on address:port (port 0:
 * any; *ret_port: the one bound, for the next worker) and the hub's inbox,
 * both in w's epoll set. Returns 0 or a negative errno. */
int relay_tcp_init(struct relay_worker *w, struct relay_tcp_hub *hub, const char *address, int port,
		   int *ret_port);

/* Whether an epoll tag is one of relay_tcp's. */
static inline bool relay_tcp_owns(uint64_t tag)
{
	return tag >= (1ull << 40);
}

/* An epoll event on one of w's TCP descriptors (events: EPOLLIN, …). */
void relay_tcp_on_event(struct relay_worker *w, uint64_t tag, uint32_t events);

/* At the end of each loop iteration: timeouts (every 100 ms), and the
 * connections marked dead closed. */
void relay_tcp_after(struct relay_worker *w, int64_t now_us);

/* Adds w's TCP counters to *stats (nothing when off). Any thread. */
void relay_tcp_stats(const struct relay_worker *w, struct relay_worker_stats *stats);

/* Closes every connection and the listener. Accepts a worker without. */
void relay_tcp_clear(struct relay_worker *w);

#endif
