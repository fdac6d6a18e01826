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
