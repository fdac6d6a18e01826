/* The media relay as the control thread sees it: N media workers, each a
 * thread with its own epoll loop and UDP socket, reached only through message
 * queues (commands in, events out) woken by eventfd.
 *
 * This header is the only part of relay/ that signaling/ may include. All
 * functions here are for the control thread, except where noted. */
#ifndef HEARTH_RELAY_RELAY_H
#define HEARTH_RELAY_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct cfg;

enum relay_msg_type {
	/* control -> worker */
	RELAY_CMD_PING = 1, /* arg: sequence number, echoed in RELAY_EVT_PONG */
	RELAY_CMD_STOP,	    /* leave the loop; the thread ends */
	/* worker -> control */
	RELAY_EVT_PONG = 100, /* arg: the sequence number of the ping */
};

/* One queue slot. payload, when set, is owned by whoever holds the message:
 * the receiver frees it (or hands it on). */
struct relay_msg {
	uint32_t type;	 /* enum relay_msg_type */
	uint32_t worker; /* index of the worker that sent or receives it */
	uint64_t arg;
	void *payload;
};

/* Counters a worker keeps for itself; the control thread may read them at
 * any time (relaxed loads), never write them. */
struct relay_worker_stats {
	uint64_t datagrams_received;
	uint64_t datagrams_dropped_unknown; /* from no known transport */
	uint64_t events_dropped;	    /* event queue full */
};

struct relay;

/* Binds one UDP socket per worker and starts the worker threads. Returns 0
 * or a negative errno (a bind failure names the port in the log). */
int relay_new(const struct cfg *cfg, struct relay **ret_relay);

/* Sends STOP to every worker, joins the threads, closes every descriptor.
 * Accepts NULL; returns NULL. */
struct relay *relay_free(struct relay *relay);

/* The eventfd that becomes readable when any worker has queued events. */
int relay_event_fd(const struct relay *relay);

unsigned relay_worker_count(const struct relay *relay);

/* The UDP port worker i listens on. */
int relay_worker_port(const struct relay *relay, unsigned worker);

void relay_worker_stats(const struct relay *relay, unsigned worker,
			struct relay_worker_stats *ret_stats);

/* Queues a command for one worker. Returns 0 or -EAGAIN when its queue is
 * full (the caller keeps the payload). */
int relay_send(struct relay *relay, unsigned worker, const struct relay_msg *msg);

/* Takes the next queued event from any worker; false when there is none.
 * Call after the event fd became readable, until it returns false. */
bool relay_next_event(struct relay *relay, struct relay_msg *ret_msg);

/* Reads the event fd so that it stops being readable. */
void relay_event_fd_drain(struct relay *relay);

#endif
