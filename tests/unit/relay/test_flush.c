/* Unit tests of the worker's sendmmsg(2) batch (relay/send.c): every
 * queued datagram reaches its address, and one that cannot be sent is
 * counted and skipped without taking the rest of the batch with it. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay/send.h"

/* A loopback UDP socket; its address in *ret_addr. */
static int bound_socket(struct sockaddr_storage *ret_addr)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
	memset(ret_addr, 0, sizeof(*ret_addr));
	memcpy(ret_addr, &a, sizeof(a));
	return fd;
}

/* Reads every waiting datagram; returns how many, checking their bytes. */
static unsigned drain(int fd, const char *want_prefix)
{
	char buf[64];
	unsigned n = 0;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0) {
		g_assert_cmpint(r, ==, 4);
		g_assert_cmpmem(buf, 3, want_prefix, 3);
		n++;
	}
	return n;
}

static struct relay_worker *worker_on(int fd)
{
	struct relay_worker *w = g_new0(struct relay_worker, 1);

	w->udp_fd[RELAY_UDP_V4] = fd;
	w->udp_fd[RELAY_UDP_V6] = -1;
	w->out = calloc(1, sizeof(*w->out));
	g_assert_nonnull(w->out);
	return w;
}

static void worker_free(struct relay_worker *w)
{
	free(w->out);
	g_free(w);
}

static void test_batch_reaches_everyone(void)
{
	struct sockaddr_storage a, b, self;
	int fa = bound_socket(&a), fb = bound_socket(&b), fs = bound_socket(&self);
	struct relay_worker *w = worker_on(fs);

	/* More than one batch: the full batch is flushed on the way. */
	for (unsigned i = 0; i < RELAY_SEND_BATCH + 10; i++)
		relay_send_batch_copy(w, (const uint8_t *)(i % 2 ? "bbb1" : "aaa1"), 4,
				      i % 2 ? &b : &a);
	relay_send_batch_flush(w);
	g_assert_cmpuint(w->out->count, ==, 0);
	g_assert_cmpuint(drain(fa, "aaa") + drain(fb, "bbb"), ==, RELAY_SEND_BATCH + 10);
	g_assert_cmpuint(atomic_load(&w->send_dropped), ==, 0);
	worker_free(w);
	close(fa);
	close(fb);
	close(fs);
}

static void test_bad_datagram_skipped(void)
{
	struct sockaddr_storage a, self, v6;
	int fa = bound_socket(&a), fs = bound_socket(&self);
	struct relay_worker *w = worker_on(fs);
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&v6;

	/* An IPv6 destination on an IPv4 socket: refused for that datagram
	 * alone (as an unreachable peer's would be). */
	memset(&v6, 0, sizeof(v6));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(9);
	in6->sin6_addr = in6addr_loopback;
	relay_send_batch_copy(w, (const uint8_t *)"aaa1", 4, &a);
	relay_send_batch_copy(w, (const uint8_t *)"xxx1", 4, &v6);
	relay_send_batch_copy(w, (const uint8_t *)"aaa2", 4, &a);
	relay_send_batch_copy(w, (const uint8_t *)"xxx2", 4, &v6);
	relay_send_batch_copy(w, (const uint8_t *)"aaa3", 4, &a);
	relay_send_batch_flush(w);
	g_assert_cmpuint(drain(fa, "aaa"), ==, 3);
	g_assert_cmpuint(atomic_load(&w->send_dropped), ==, 2);
	g_assert_cmpuint(w->out->count, ==, 0);
	worker_free(w);
	close(fa);
	close(fs);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/flush/batch-reaches-everyone", test_batch_reaches_everyone);
	g_test_add_func("/relay/flush/bad-datagram-skipped", test_bad_datagram_skipped);
	return g_test_run();
}
