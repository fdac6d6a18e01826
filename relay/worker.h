/* One media worker: a thread, its epoll loop, its UDP socket and its queues.
 * Everything here belongs to the worker thread once it runs, except the
 * queues' producer ends and the relaxed-read stats. */
#ifndef HEARTH_RELAY_WORKER_H
#define HEARTH_RELAY_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "relay/queue.h"
#include "relay/relay.h"

#define RELAY_RECV_BATCH   32
#define RELAY_DATAGRAM_MAX 1500
#define RELAY_SEND_BATCH   64
#define RELAY_SEND_SLOT	   (RELAY_DATAGRAM_MAX + 160) /* room for the SRTP trailer */

struct crypto_dtls_identity;
struct relay_pub_stream;
struct relay_transport;

/* Datagrams waiting for one sendmmsg(2). */
struct relay_send_batch {
	unsigned count;
	struct mmsghdr msgs[RELAY_SEND_BATCH];
	struct iovec iov[RELAY_SEND_BATCH];
	struct sockaddr_storage to[RELAY_SEND_BATCH];
	_Alignas(8) uint8_t buf[RELAY_SEND_BATCH][RELAY_SEND_SLOT]; /* libsrtp: 4-byte aligned */
};

struct relay_worker {
	unsigned index;
	struct crypto_dtls_identity *identity; /* borrowed, shared read-only */
	GHashTable *by_id;		       /* uint64 id -> transport (owns them) */
	GHashTable *by_ufrag;		       /* our ufrag -> transport */
	GHashTable *by_addr;		       /* struct relay_addr_key -> transport */
	bool reap;			       /* some transport is CLOSING */
	int64_t next_tick_us;
	unsigned ticks;
	struct relay_send_batch *out;
	int epoll_fd;
	int udp_fd;
	int port;
	int cmd_wake_fd;	     /* owned: the worker's eventfd */
	struct relay_queue commands; /* control -> worker */
	struct relay_queue events;   /* worker -> control, wakes the control fd */
	pthread_t thread;
	bool started;
	_Atomic uint64_t datagrams_received;
	_Atomic uint64_t datagrams_dropped_unknown;
	_Atomic uint64_t events_dropped;
	_Atomic uint64_t send_dropped;	/* datagrams sendmmsg did not take */
	_Atomic uint64_t stun_refused;	/* bad integrity, unknown ufrag, malformed */
	_Atomic uint64_t rtp_forwarded; /* SRTP packets sent to subscribers */
	_Atomic uint64_t srtp_failures; /* unprotect failed (auth, replay) */
};

/* The packet path (packet.c, ice.c). */
void relay_worker_on_datagram(struct relay_worker *w, uint8_t *pkt, size_t len,
			      const struct sockaddr_storage *from, int64_t now_us);
void relay_worker_on_stun(struct relay_worker *w, const uint8_t *pkt, size_t len,
			  const struct sockaddr_storage *from, int64_t now_us);
/* Queues a datagram to addr (copied); flushes when the batch is full. */
void relay_worker_queue(struct relay_worker *w, const uint8_t *data, size_t len,
			const struct sockaddr_storage *to);
/* A free send slot's buffer to fill in place, or NULL after a failed flush;
 * commit it with relay_worker_commit(). */
uint8_t *relay_worker_slot(struct relay_worker *w);
void relay_worker_commit(struct relay_worker *w, size_t len, const struct sockaddr_storage *to);
void relay_worker_flush(struct relay_worker *w);
/* Sends every datagram DTLS has queued for t. */
void relay_worker_flush_dtls(struct relay_worker *w, struct relay_transport *t);
/* Keyframe requests (PLI) to publishers: at most one per stream per
 * RELAY_PLI_INTERVAL_US; one asked for within it is sent when it ends
 * (relay_send_pending_plis(), every tick). relay_request_keyframes() asks
 * every publisher subscriber `to` receives video from. */
void relay_request_keyframes(struct relay_worker *w, struct relay_transport *to, int64_t now);
void relay_send_pli_for(struct relay_worker *w, struct relay_transport *pub,
			struct relay_pub_stream *ps, int64_t now);
void relay_send_pending_plis(struct relay_worker *w, struct relay_transport *pub, int64_t now);
/* Sends the relay's receiver report to a publisher. */
void relay_send_receiver_report(struct relay_worker *w, struct relay_transport *pub, int64_t now);

/* Marks t for closing at the end of this loop iteration. */
void relay_worker_close(struct relay_worker *w, struct relay_transport *t,
			enum relay_close_reason reason);
/* Tells the control thread (event queue). */
void relay_worker_emit(struct relay_worker *w, uint32_t type, uint64_t arg, uint64_t arg2);

/* Creates the socket, eventfd, epoll set and queues; does not start the
 * thread. Returns 0 or a negative errno; the worker is then safe to clear. */
int relay_worker_init(struct relay_worker *w, unsigned index, const char *bind_address, int port,
		      int control_wake_fd, struct crypto_dtls_identity *identity);

/* Starts the thread. */
int relay_worker_start(struct relay_worker *w);

/* Joins the thread if it was started (the caller has sent STOP), then
 * closes everything. Safe on a half-initialised worker. */
void relay_worker_clear(struct relay_worker *w);

#endif
