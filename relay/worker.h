/* One media worker's thread: its epoll loop, the control thread's commands,
 * the 100 ms tick and the reaping of closed transports. relay.c starts and
 * stops workers through this header; the worker's shape is in
 * worker_internal.h. */
#ifndef HEARTH_RELAY_WORKER_H
#define HEARTH_RELAY_WORKER_H

#include "relay/worker_internal.h"

struct crypto_dtls_identity;

/* The packet path (packet.c, ice.c). */
void relay_worker_on_datagram(struct relay_worker *w, uint8_t *pkt, size_t len,
			      const struct sockaddr_storage *from, int64_t now_us);
void relay_worker_on_stun(struct relay_worker *w, const uint8_t *pkt, size_t len,
			  const struct sockaddr_storage *from, int64_t now_us);
/* Sends every datagram DTLS has queued for t. */
void relay_worker_flush_dtls(struct relay_worker *w, struct relay_transport *t);
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
