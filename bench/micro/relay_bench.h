/* hearth-relay-bench: a media worker with keyed transports, a paced sender
 * and a counting sink (relay_bench_setup.c); main and the report in
 * relay_bench.c. */
#ifndef HEARTH_BENCH_RELAY_BENCH_H
#define HEARTH_BENCH_RELAY_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/srtp.h"
#include "relay/worker.h"

#define RB_MAX_PEERS 256

struct rb_config {
	unsigned publishers, subscribers;
	unsigned rate; /* packets/s into the worker, all publishers; 0 = flat out */
	unsigned seconds;
	unsigned bytes; /* plaintext RTP packet */
	unsigned count; /* when set: send this many, then stop */
	enum crypto_srtp_profile profile;
	/* Packets carry a transport-wide sequence number (a one-byte header
	 * extension block, as Chromium's) that the worker reads for its
	 * congestion feedback. */
	bool twcc;
	/* Every peer over ICE-TCP (relay/tcp.c): a TCP connection bound to
	 * its transport by a STUN check, RFC 4571 frames both ways. */
	bool tcp;
};

struct rb_peer {
	int fd;	     /* our end: a loopback UDP socket (or TCP with -T) */
	unsigned id; /* its transport's */
	/* -T, the sink's reading of the stream: a partial length, and what is
	 * left of the frame it is in. */
	uint8_t hdr[2];
	unsigned hdr_have, left;
	struct crypto_srtp *srtp; /* publisher: protects what it sends */
	uint32_t ssrc;
	uint16_t seq;
	uint16_t twcc_seq;
};

struct relay_tcp_hub;

struct rb_bench {
	struct rb_config cfg;
	struct relay_tcp_hub *hub; /* -T */
	int tcp_port;
	struct crypto_dtls_identity *identity;
	struct relay_worker worker;
	int control_wake_fd;
	struct rb_peer pubs[RB_MAX_PEERS], subs[RB_MAX_PEERS];
	pthread_t sender, sink;
	_Atomic bool stop, sender_done;
	_Atomic uint64_t sent, received;
};

/* Makes the worker (not started), its transports, routes and our sockets.
 * Returns 0 or a negative errno. */
int rb_setup(struct rb_bench *b);
/* Starts the worker, the sink and the sender. */
int rb_start(struct rb_bench *b);
/* -T (relay_bench_tcp.c): the worker's TCP side (before it starts), each
 * peer's connection bound to its transport (once it runs), the frames. */
int rb_tcp_setup(struct rb_bench *b);
int rb_tcp_bind(struct rb_bench *b, struct rb_peer *peer);
/* Writes n packets (each len[i] bytes at pkt[i]) as frames; returns how many. */
unsigned rb_tcp_send(struct rb_peer *peer, uint8_t (*pkt)[1536], const size_t *len, unsigned n);
/* Reads what the socket has; returns the whole frames it finished. */
unsigned rb_tcp_drain(struct rb_peer *peer);
void rb_tcp_clear(struct rb_bench *b);

/* Stops and joins every thread, frees everything. */
void rb_stop(struct rb_bench *b);

#endif
