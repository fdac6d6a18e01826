/* Unit tests of the control <-> worker queue: order, capacity, wake-ups, and
 * a two-thread run that loses nothing. */
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "relay/queue.h"

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static void test_fifo_and_capacity(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct relay_queue q;
	struct relay_msg m;

	g_assert_cmpint(relay_queue_init(&q, 5, efd), ==, 0); /* rounds up to 8 */
	g_assert_false(readable(efd));
	for (uint64_t i = 0; i < 8; i++)
		g_assert_cmpint(relay_queue_push(&q, &(struct relay_msg){.type = 1, .arg = i}), ==,
				0);
	g_assert_cmpint(relay_queue_push(&q, &(struct relay_msg){.arg = 99}), ==, -EAGAIN);
	g_assert_true(readable(efd));
	relay_queue_wake_drain(efd);
	g_assert_false(readable(efd));
	for (uint64_t i = 0; i < 8; i++) {
		g_assert_true(relay_queue_pop(&q, &m));
		g_assert_cmpuint(m.arg, ==, i);
	}
	g_assert_false(relay_queue_pop(&q, &m));
	relay_queue_clear(&q);
	close(efd);
}

#define TOTAL 200000

static void *producer(void *arg)
{
	struct relay_queue *q = arg;

	for (uint64_t i = 0; i < TOTAL;) {
		if (relay_queue_push(q, &(struct relay_msg){.arg = i}) == 0)
			i++;
	}
	return NULL;
}

static void test_two_threads(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct relay_queue q;
	struct relay_msg m;
	pthread_t t;
	uint64_t expect = 0;

	g_assert_cmpint(relay_queue_init(&q, 64, efd), ==, 0);
	g_assert_cmpint(pthread_create(&t, NULL, producer, &q), ==, 0);
	while (expect < TOTAL) {
		struct pollfd p = {.fd = efd, .events = POLLIN};
		poll(&p, 1, 100);
		relay_queue_wake_drain(efd);
		while (relay_queue_pop(&q, &m)) {
			g_assert_cmpuint(m.arg, ==, expect);
			expect++;
		}
	}
	pthread_join(t, NULL);
	relay_queue_clear(&q);
	close(efd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/queue/fifo", test_fifo_and_capacity);
	g_test_add_func("/relay/queue/threads", test_two_threads);
	return g_test_run();
}
