/* One media worker's thread: its epoll loop, the control thread's commands,
 * the 100 ms tick and the reaping of closed transports. relay.c starts and
 * stops workers through this header; the worker's shape is in
 * stage.h. */
#ifndef HEARTH_RELAY_WORKER_H
#define HEARTH_RELAY_WORKER_H

#include "relay/stage.h"

struct cfg_addr_pair;
struct crypto_dtls_identity;

/* Creates the sockets (one per family of bind, both on port, 0: any free
 * one), eventfd, epoll set and queues; does not start the thread. Returns 0
 * or a negative errno; the worker is then safe to clear. */
int relay_worker_init(struct relay_worker *w, unsigned index, const struct cfg_addr_pair *bind,
		      int port, int control_wake_fd, struct crypto_dtls_identity *identity);

/* Starts the thread. */
int relay_worker_start(struct relay_worker *w);

/* Joins the thread if it was started (the caller has sent STOP), then
 * closes everything. Safe on a half-initialised worker. */
void relay_worker_clear(struct relay_worker *w);

#endif
