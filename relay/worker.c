#include "relay/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

#define RELAY_QUEUE_SLOTS  4096
#define RELAY_RECV_BATCH   32
#define RELAY_DATAGRAM_MAX 1500

enum { EP_COMMANDS = 1, EP_UDP = 2 };

static int relay_worker_bind(const char *address, int port, int *ret_fd, int *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, family, zero = 0;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, address, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, address, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in6);
	} else {
		return -EINVAL;
	}

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* "::" serves IPv4 clients too (as v4-mapped addresses). */
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		goto fail;
	*ret_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	*ret_fd = fd;
	return 0;
fail:;
	int r = -errno;
	close(fd);
	return r;
}

static int relay_worker_watch(int epoll_fd, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int relay_worker_init(struct relay_worker *w, unsigned index, const char *bind_address, int port,
		      int control_wake_fd)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->index = index;
	w->epoll_fd = w->udp_fd = w->cmd_wake_fd = -1;

	r = relay_worker_bind(bind_address, port, &w->udp_fd, &w->port);
	if (r < 0)
		return r;
	w->cmd_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->cmd_wake_fd < 0)
		return -errno;
	w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epoll_fd < 0)
		return -errno;
	r = relay_queue_init(&w->commands, RELAY_QUEUE_SLOTS, w->cmd_wake_fd);
	if (r < 0)
		return r;
	r = relay_queue_init(&w->events, RELAY_QUEUE_SLOTS, control_wake_fd);
	if (r < 0)
		return r;
	r = relay_worker_watch(w->epoll_fd, w->cmd_wake_fd, EP_COMMANDS);
	if (r < 0)
		return r;
	return relay_worker_watch(w->epoll_fd, w->udp_fd, EP_UDP);
}

static void relay_worker_emit(struct relay_worker *w, uint32_t type, uint64_t arg)
{
	struct relay_msg msg = {.type = type, .worker = w->index, .arg = arg};

	if (relay_queue_push(&w->events, &msg) < 0)
		atomic_fetch_add_explicit(&w->events_dropped, 1, memory_order_relaxed);
}

/* Returns false when the worker must stop. */
static bool relay_worker_commands(struct relay_worker *w)
{
	struct relay_msg msg;
	bool running = true;

	relay_wake_drain(w->cmd_wake_fd);
	while (relay_queue_pop(&w->commands, &msg)) {
		switch (msg.type) {
		case RELAY_CMD_PING:
			relay_worker_emit(w, RELAY_EVT_PONG, msg.arg);
			break;
		case RELAY_CMD_STOP:
			running = false;
			break;
		default:
			log_debug("worker %u: unknown command %u", w->index, msg.type);
			break;
		}
	}
	return running;
}

/* Drains the socket in batches. Until transports exist nothing is known, so
 * every datagram is counted and dropped. */
static void relay_worker_receive(struct relay_worker *w)
{
	static _Thread_local unsigned char buffers[RELAY_RECV_BATCH][RELAY_DATAGRAM_MAX];
	struct mmsghdr msgs[RELAY_RECV_BATCH];
	struct iovec iov[RELAY_RECV_BATCH];
	struct sockaddr_storage from[RELAY_RECV_BATCH];

	for (;;) {
		for (int i = 0; i < RELAY_RECV_BATCH; i++) {
			iov[i] =
			    (struct iovec){.iov_base = buffers[i], .iov_len = RELAY_DATAGRAM_MAX};
			msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
							  .msg_namelen = sizeof(from[i]),
							  .msg_iov = &iov[i],
							  .msg_iovlen = 1};
			msgs[i].msg_len = 0;
		}
		int n = recvmmsg(w->udp_fd, msgs, RELAY_RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		atomic_fetch_add_explicit(&w->datagrams_received, (uint64_t)n,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&w->datagrams_dropped_unknown, (uint64_t)n,
					  memory_order_relaxed);
		if (n < RELAY_RECV_BATCH)
			return;
	}
}

static void *relay_worker_main(void *arg)
{
	struct relay_worker *w = arg;
	struct epoll_event events[16];
	bool running = true;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	log_debug("worker %u: running on UDP port %d", w->index, w->port);

	while (running) {
		int n = epoll_wait(w->epoll_fd, events, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("worker %u: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.u64 == EP_COMMANDS)
				running = relay_worker_commands(w) && running;
			else if (events[i].data.u64 == EP_UDP)
				relay_worker_receive(w);
		}
	}
	log_debug("worker %u: stopped", w->index);
	return NULL;
}

int relay_worker_start(struct relay_worker *w)
{
	char name[16];
	int r = pthread_create(&w->thread, NULL, relay_worker_main, w);

	if (r != 0)
		return -r;
	w->started = true;
	snprintf(name, sizeof(name), "hearth-media%u", w->index);
	pthread_setname_np(w->thread, name);
	return 0;
}

void relay_worker_clear(struct relay_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
	relay_queue_clear(&w->commands);
	relay_queue_clear(&w->events);
	if (w->epoll_fd >= 0)
		close(w->epoll_fd);
	if (w->udp_fd >= 0)
		close(w->udp_fd);
	if (w->cmd_wake_fd >= 0)
		close(w->cmd_wake_fd);
	w->epoll_fd = w->udp_fd = w->cmd_wake_fd = -1;
}
