/* The media thread: one epoll loop over every transport's UDP socket,
 * recvmmsg with kernel receive timestamps, pacing of the publishers once
 * per period (--period-us), ICE/DTLS timers every 10 ms, and the measurement window the
 * main thread opens and closes. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/loadgen/lg.h"

#define RECV_BATCH   32
#define RECV_ROUNDS  4 /* batches per socket per wake, so one busy socket cannot starve */
#define RECV_CAP     2048
#define TICK_NS	     (10 * 1000000LL)
#define EPOLL_EVENTS 128

static pthread_mutex_t handover_lock = PTHREAD_MUTEX_INITIALIZER;

int lg_media_thread_init(struct lg_ctx *ctx)
{
	ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->epfd < 0)
		return -errno;
	ctx->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->wake_fd < 0)
		return -errno;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, ctx->wake_fd, &ev) < 0)
		return -errno;
	return 0;
}

void lg_media_add(struct lg_ctx *ctx, struct lg_transport *t)
{
	pthread_mutex_lock(&handover_lock);
	t->next_new = ctx->new_head;
	ctx->new_head = t;
	pthread_mutex_unlock(&handover_lock);
	uint64_t one = 1;
	(void)!write(ctx->wake_fd, &one, sizeof(one));
}

static void take_new(struct lg_ctx *ctx, int64_t now)
{
	uint64_t v;
	(void)!read(ctx->wake_fd, &v, sizeof(v));
	pthread_mutex_lock(&handover_lock);
	struct lg_transport *list = ctx->new_head;
	ctx->new_head = NULL;
	pthread_mutex_unlock(&handover_lock);
	while (list) {
		struct lg_transport *t = list;
		list = t->next_new;
		if (ctx->n_all == ctx->cap_all) {
			size_t cap = ctx->cap_all ? 2 * ctx->cap_all : 256;
			struct lg_transport **all = realloc(ctx->all, cap * sizeof(*all));
			if (!all) {
				fprintf(stderr, "hearth-loadgen: out of memory\n");
				exit(1);
			}
			ctx->all = all;
			ctx->cap_all = cap;
		}
		ctx->all[ctx->n_all++] = t;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = t};
		int r = epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, t->fd, &ev) < 0 ? -errno : 0;
		if (r == 0)
			r = lg_transport_start(ctx, t, now);
		if (r < 0) {
			t->state = LG_T_FAILED;
			t->fail_code = r;
			atomic_fetch_add(&ctx->transports_failed, 1);
		}
	}
}

/* The kernel's receive time, and its count of drops on the socket so far. */
static int64_t rx_meta(struct msghdr *h, struct lg_transport *t)
{
	int64_t when = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			when = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&t->socket_drops, CMSG_DATA(c), sizeof(t->socket_drops));
		}
	}
	return when ? when : lg_realtime_ns();
}

static void receive(struct lg_ctx *ctx, struct lg_transport *t)
{
	static _Alignas(16) uint8_t bufs[RECV_BATCH][RECV_CAP];
	static _Alignas(16) uint8_t ctl[RECV_BATCH][CMSG_SPACE(sizeof(struct timespec)) +
						    CMSG_SPACE(sizeof(uint32_t)) + 64];
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	for (int round = 0; round < RECV_ROUNDS; round++) {
		for (int i = 0; i < RECV_BATCH; i++) {
			iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = RECV_CAP};
			msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i],
							       .msg_iovlen = 1,
							       .msg_control = ctl[i],
							       .msg_controllen = sizeof(ctl[i])}};
		}
		int n = recvmmsg(t->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		int64_t now = lg_now_ns();
		for (int i = 0; i < n; i++)
			lg_transport_on_datagram(ctx, t, bufs[i], msgs[i].msg_len,
						 rx_meta(&msgs[i].msg_hdr, t), now);
		if (n < RECV_BATCH)
			return;
	}
}

#define CLOSING_WAIT_NS (1000 * 1000000LL) /* for each stream's first packet after the window */

static void window_control(struct lg_ctx *ctx, int64_t now)
{
	int cmd = atomic_load(&ctx->window_cmd);
	if (ctx->window_closing) {
		if (!lg_stats_window_closed(ctx) && now < ctx->closing_deadline_ns)
			return;
		ctx->window_closing = false;
		atomic_store(&ctx->window_ack, 2);
		return;
	}
	if (cmd == atomic_load(&ctx->window_ack))
		return;
	if (cmd == 1) {
		lg_stats_window_begin(ctx);
		atomic_store(&ctx->window_start_ns, now);
	} else if (cmd == 2) {
		lg_stats_window_end(ctx);
		atomic_store(&ctx->window_end_ns, now);
		ctx->window_closing = true;
		ctx->closing_deadline_ns = now + CLOSING_WAIT_NS;
		return; /* acknowledged once closed */
	}
	atomic_store(&ctx->window_ack, cmd);
}

/* Sleeps until the next period boundary: the loop runs once per period
 * (not on every datagram), so that each recvmmsg/sendmmsg carries a batch.
 * Receive times come from the kernel, so this adds nothing to the latency
 * measured; publishers send what fell due in the period as one burst. */
static void sleep_until(int64_t when_ns)
{
	struct timespec ts = {.tv_sec = when_ns / 1000000000, .tv_nsec = when_ns % 1000000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void *lg_media_thread(void *arg)
{
	struct lg_ctx *ctx = arg;
	struct epoll_event evs[EPOLL_EVENTS];
	int64_t next_tick = 0, period = (int64_t)ctx->period_us * 1000;
	int64_t next_wake = lg_now_ns();
	while (atomic_load(&ctx->window_ack) != 3) {
		next_wake += period;
		int64_t now = lg_now_ns();
		if (next_wake > now)
			sleep_until(next_wake);
		else
			next_wake = now; /* behind: do not try to catch up */
		int n;
		do {
			n = epoll_wait(ctx->epfd, evs, EPOLL_EVENTS, 0);
			now = lg_now_ns();
			for (int i = 0; i < n; i++) {
				if (evs[i].data.ptr == NULL)
					take_new(ctx, now);
				else
					receive(ctx, evs[i].data.ptr);
			}
		} while (n == EPOLL_EVENTS);
		now = lg_now_ns();
		for (size_t i = 0; i < ctx->n_all; i++)
			lg_transport_pace(ctx, ctx->all[i], now);
		if (now >= next_tick) {
			for (size_t i = 0; i < ctx->n_all; i++)
				lg_transport_tick(ctx, ctx->all[i], now);
			next_tick = now + TICK_NS;
		}
		window_control(ctx, now);
	}
	return NULL;
}
