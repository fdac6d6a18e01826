/* A bounded single-producer, single-consumer queue of fixed-size messages
 * between the control thread and one media worker, woken by an eventfd.
 *
 * The slots are preallocated; push and pop take no lock and never allocate.
 * The wake eventfd is borrowed: several queues may share one consumer's fd. */
#ifndef HEARTH_RELAY_QUEUE_H
#define HEARTH_RELAY_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "relay/relay.h"

struct relay_queue {
	struct relay_msg *slots;
	uint32_t mask;
	_Alignas(64) _Atomic uint32_t head; /* next slot to read; written by the consumer */
	_Alignas(64) _Atomic uint32_t tail; /* next slot to write; written by the producer */
	int wake_fd;			    /* borrowed eventfd of the consumer */
};

/* capacity is rounded up to a power of two. Returns 0 or -ENOMEM. */
int relay_queue_init(struct relay_queue *q, uint32_t capacity, int wake_fd);
void relay_queue_clear(struct relay_queue *q);

/* Producer side. Returns 0, or -EAGAIN when full (the message is not queued;
 * the caller still owns any payload). Wakes the consumer. */
int relay_queue_push(struct relay_queue *q, const struct relay_msg *msg);

/* Consumer side. Returns true and fills ret_msg, or false when empty. */
bool relay_queue_pop(struct relay_queue *q, struct relay_msg *ret_msg);

/* Reads (and so resets) an eventfd after a wake-up; ignores EAGAIN. */
void relay_queue_wake_drain(int wake_fd);

#endif
