/* One worker's ICE-TCP connections (RFC 6544 passive, RFC 4571 framing):
 * the connection objects, the worker's table of them, and their send
 * queues. The send batch's flush (send.c) hands each datagram addressed to
 * a connection (relay/tcp_addr.h) to relay_tcp_queue() and writes the
 * queues out with relay_tcp_write_queued(); relay/tcp.c, above, accepts,
 * reads, routes and closes them. Everything here is the worker thread's
 * (a connection moving to another worker is out of every table while it
 * travels); the counters are read by the control thread (relaxed). */
#ifndef HEARTH_RELAY_TCP_CONN_H
#define HEARTH_RELAY_TCP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/addr.h"
#include "relay/framing.h"
#include "relay/stage.h"

/* Connections the whole relay holds at most (every worker's, and those
 * not yet routed), and from one client address (a household behind one
 * NAT: a few people, two transports each, a connection or two per
 * transport). */
#define RELAY_TCP_CONNS_MAX	    1024
#define RELAY_TCP_CONNS_PER_ADDRESS 32
/* Connections one transport may have (a client checks its candidate
 * pairs; more are refused). */
#define RELAY_TCP_CONNS_PER_TRANSPORT 4
/* What a connection may have queued beyond what the kernel took: ~50
 * full-size packets; a reader slower than that is dropped (slow_reader). */
#define RELAY_TCP_SEND_QUEUE (64 * 1024)

/* epoll tags of a worker's TCP descriptors (worker.c's own are small). */
#define RELAY_TCP_TAG	     (1ull << 40)
#define RELAY_TCP_TAG_CONN   RELAY_TCP_TAG /* | the slot */
#define RELAY_TCP_TAG_LISTEN (RELAY_TCP_TAG | 0x10000)
#define RELAY_TCP_TAG_INBOX  (RELAY_TCP_TAG | 0x10001)

struct relay_tcp_hub;

struct relay_tcp_conn {
	int fd;
	uint16_t slot; /* in its worker's table */
	uint32_t gen;  /* the worker's generation when it took the slot */
	bool routed;   /* its first frame named a transport of this worker */
	bool dead;     /* to be closed at the end of the loop iteration */
	bool dirty;    /* on the worker's list of queues to write */
	bool want_out; /* EPOLLOUT armed: the kernel took not all */
	int refusal;   /* enum relay_tcp_refusal counted when it closes; -1: none */
	uint8_t hops;  /* workers it was passed to looking for its ufrag */
	/* Its ufrag was nobody's (yet): not read, routed again around the
	 * workers from retry_us on, until its first-frame time is up. */
	bool parked;
	int64_t retry_us;
	struct relay_addr_key peer_key; /* its address, port 0: the hub's key */
	struct sockaddr_storage peer;	/* for XOR-MAPPED-ADDRESS */
	int64_t created_us, last_rx_us;
	char ufrag[RELAY_ICE_UFRAG_MAX + 1]; /* ours, from its first frame, when routed */
	struct relay_tcp_conn *next_dirty;
	size_t rx_len;
	uint8_t rx[RELAY_FRAMING_HEADER + RELAY_FRAMING_MAX]; /* one frame at most */
	uint8_t *tx; /* RELAY_TCP_SEND_QUEUE bytes, a ring; allocated when routed */
	size_t tx_head, tx_len;
};

/* A worker's side (stage.h's `tcp`). */
struct relay_tcp {
	struct relay_tcp_hub *hub; /* borrowed: the relay's */
	int listen_fd;
	uint32_t gen;
	unsigned count; /* connections in slots */
	bool reap;	/* some connection is dead */
	int64_t next_sweep_us;
	struct relay_tcp_conn *dirty; /* queues to write */
	struct relay_tcp_conn *slots[RELAY_TCP_CONNS_MAX];
	_Atomic uint64_t accepted;
	_Atomic uint64_t refused[RELAY_TCP_REFUSALS];
	_Atomic uint64_t connections; /* in slots now (a gauge) */
};

/* Whether the worker has any connection to send to (the flush's test). */
static inline bool relay_tcp_any(const struct relay_worker *w)
{
	return w->tcp && w->tcp->count > 0;
}

/* The connection a pseudo address names, or NULL (closed, reused slot). */
struct relay_tcp_conn *relay_tcp_conn_find(struct relay_worker *w,
					   const struct sockaddr_storage *to);

/* The address a STUN answer reports (XOR-MAPPED-ADDRESS): the peer of
 * the connection `from` names, or `from` itself (UDP, or a connection
 * gone). */
const struct sockaddr_storage *relay_tcp_mapped(struct relay_worker *w,
						const struct sockaddr_storage *from);

/* Queues one frame (the length and len bytes of data) for the connection
 * `to` names; it goes out at relay_tcp_write_queued(). A connection that
 * has no room is marked dead (slow_reader); a datagram to a closed one is
 * counted as send_dropped. Never blocks. */
void relay_tcp_queue(struct relay_worker *w, const struct sockaddr_storage *to, const uint8_t *data,
		     size_t len);

/* Writes what the queues hold, as much as each socket takes; arms
 * EPOLLOUT for the rest. */
void relay_tcp_write_queued(struct relay_worker *w);

/* Writes c's queue (EPOLLOUT, or from relay_tcp_write_queued()). */
void relay_tcp_conn_write(struct relay_worker *w, struct relay_tcp_conn *c);

/* Marks c to be closed at the end of the loop iteration, counting refusal
 * (enum relay_tcp_refusal) then, or -1 for none (the peer closed). */
void relay_tcp_conn_kill(struct relay_worker *w, struct relay_tcp_conn *c, int refusal);

#endif
