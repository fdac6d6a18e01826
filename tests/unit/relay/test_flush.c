/* Unit tests of the worker's sendmmsg(2) batch (relay/send.c): every
 * queued datagram reaches its address, and one that cannot be sent is
 * counted and skipped without taking the rest of the batch with it. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
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

/* A UDP socket on ::1 (or on :: dual-stack), its port in *ret_port. */
static int bound_socket6(bool dual_stack, int *ret_port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6,
				 .sin6_addr = dual_stack ? in6addr_any : in6addr_loopback};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int v6only = !dual_stack;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)), ==, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
	*ret_port = ntohs(a.sin6_port);
	return fd;
}

/* The port a datagram waiting on fd came from (its family checked). */
static int source_port(int fd, int want_family)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[64];

	g_assert_cmpint(recvfrom(fd, buf, sizeof(buf), MSG_PEEK, (struct sockaddr *)&from, &len),
			==, 4);
	g_assert_cmpint(from.ss_family, ==, want_family);
	return ntohs(want_family == AF_INET ? ((struct sockaddr_in *)&from)->sin_port
					    : ((struct sockaddr_in6 *)&from)->sin6_port);
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
	/* hearth_media_bytes_total{direction="out"}: what the kernel took. */
	g_assert_cmpuint(atomic_load(&w->bytes_sent), ==, 4 * (RELAY_SEND_BATCH + 10));
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

	/* An IPv6 destination and no IPv6 socket: refused for that datagram
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
	g_assert_cmpuint(atomic_load(&w->bytes_sent), ==, 3 * 4); /* not the dropped ones */
	g_assert_cmpuint(w->out->count, ==, 0);
	worker_free(w);
	close(fa);
	close(fs);
}

/* Both families bound: a batch that mixes IPv4 and IPv6 peers sends each
 * datagram out of its family's socket (the one its peer's packets came in
 * on), none lost at the changes of family. */
static void test_each_family_its_socket(void)
{
	struct sockaddr_storage a, self4, b6;
	int port6, peer6_port;
	int fa = bound_socket(&a), fs4 = bound_socket(&self4);
	int fs6 = bound_socket6(false, &port6), fb = bound_socket6(false, &peer6_port);
	struct relay_worker *w = worker_on(fs4);

	w->udp_fd[RELAY_UDP_V6] = fs6;
	memset(&b6, 0, sizeof(b6));
	((struct sockaddr_in6 *)&b6)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)&b6)->sin6_addr = in6addr_loopback;
	((struct sockaddr_in6 *)&b6)->sin6_port = htons((uint16_t)peer6_port);
	for (unsigned i = 0; i < 2 * RELAY_SEND_BATCH + 3; i++)
		relay_send_batch_copy(w, (const uint8_t *)(i % 3 ? "bbb1" : "aaa1"), 4,
				      i % 3 ? &b6 : &a);
	relay_send_batch_flush(w);
	g_assert_cmpint(source_port(fa, AF_INET), ==,
			ntohs(((struct sockaddr_in *)&self4)->sin_port));
	g_assert_cmpint(source_port(fb, AF_INET6), ==, port6);
	g_assert_cmpuint(drain(fa, "aaa"), ==, (2 * RELAY_SEND_BATCH + 3 + 2) / 3);
	g_assert_cmpuint(drain(fb, "bbb"), ==,
			 2 * RELAY_SEND_BATCH + 3 - (2 * RELAY_SEND_BATCH + 5) / 3);
	g_assert_cmpuint(atomic_load(&w->send_dropped), ==, 0);
	worker_free(w);
	close(fa);
	close(fb);
	close(fs4);
	close(fs6);
}

/* "::" alone: an IPv4 peer, known as its v4-mapped address, is reached
 * through the one dual-stack socket and sees it as an IPv4 source. */
static void test_dual_stack_v4_peer(void)
{
	struct sockaddr_storage a, mapped;
	int port6, fa = bound_socket(&a), fs6 = bound_socket6(true, &port6);
	struct relay_worker *w = worker_on(-1);

	w->udp_fd[RELAY_UDP_V6] = fs6;
	memset(&mapped, 0, sizeof(mapped));
	struct sockaddr_in6 *m6 = (struct sockaddr_in6 *)&mapped;
	m6->sin6_family = AF_INET6;
	m6->sin6_port = ((struct sockaddr_in *)&a)->sin_port;
	g_assert_cmpint(inet_pton(AF_INET6, "::ffff:127.0.0.1", &m6->sin6_addr), ==, 1);
	relay_send_batch_copy(w, (const uint8_t *)"aaa1", 4, &mapped);
	relay_send_batch_flush(w);
	g_assert_cmpint(source_port(fa, AF_INET), ==, port6);
	g_assert_cmpuint(drain(fa, "aaa"), ==, 1);
	g_assert_cmpuint(atomic_load(&w->send_dropped), ==, 0);
	worker_free(w);
	close(fa);
	close(fs6);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/flush/batch-reaches-everyone", test_batch_reaches_everyone);
	g_test_add_func("/relay/flush/bad-datagram-skipped", test_bad_datagram_skipped);
	g_test_add_func("/relay/flush/each-family-its-socket", test_each_family_its_socket);
	g_test_add_func("/relay/flush/dual-stack-v4-peer", test_dual_stack_v4_peer);
	return g_test_run();
}
