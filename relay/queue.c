#include "relay/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int relay_queue_init(struct relay_queue *q, uint32_t capacity, int wake_fd)
{
	uint32_t size = 1;

	while (size < capacity)
		size <<= 1;
	memset(q, 0, sizeof(*q));
	q->slots = calloc(size, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	q->mask = size - 1;
	q->wake_fd = wake_fd;
	return 0;
}

void relay_queue_clear(struct relay_queue *q)
{
	free(q->slots);
	q->slots = NULL;
}

int relay_queue_push(struct relay_queue *q, const struct relay_msg *msg)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q->head, memory_order_acquire);
	uint64_t one = 1;

	if (tail - head > q->mask)
		return -EAGAIN;
	q->slots[tail & q->mask] = *msg;
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	/* The wake fd is a non-blocking eventfd: the only possible failure is
	 * EAGAIN at a counter of 2^64-2, which still leaves it readable, and
	 * that is all the consumer needs. */
	ssize_t n = write(q->wake_fd, &one, sizeof(one));
	(void)n;
	return 0;
}

bool relay_queue_pop(struct relay_queue *q, struct relay_msg *ret_msg)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head == tail)
		return false;
	*ret_msg = q->slots[head & q->mask];
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	return true;
}

void relay_queue_wake_drain(int wake_fd)
{
	uint64_t count;

	while (read(wake_fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
}
