/* One media worker: a thread, its epoll loop, its UDP socket and its queues.
 * Everything here belongs to the worker thread once it runs, except the
 * queues' producer ends and the relaxed-read stats. */
#ifndef HEARTH_RELAY_WORKER_H
#define HEARTH_RELAY_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "relay/queue.h"
#include "relay/relay.h"

struct relay_worker {
	unsigned index;
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
};

/* Creates the socket, eventfd, epoll set and queues; does not start the
 * thread. Returns 0 or a negative errno; the worker is then safe to clear. */
int relay_worker_init(struct relay_worker *w, unsigned index, const char *bind_address, int port,
		      int control_wake_fd);

/* Starts the thread. */
int relay_worker_start(struct relay_worker *w);

/* Joins the thread if it was started (the caller has sent STOP), then
 * closes everything. Safe on a half-initialised worker. */
void relay_worker_clear(struct relay_worker *w);

#endif
