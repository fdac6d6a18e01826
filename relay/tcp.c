#include "relay/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay/addr.h"
#include "relay/framing.h"
#include "relay/recv.h"
#include "relay/send.h"
#include "relay/tcp_addr.h"
#include "relay/tcp_conn.h"
#include "relay/tcp_hub.h"

/* A new connection has this long to send its first whole frame. */
#define RELAY_TCP_FIRST_FRAME_US (5 * 1000000LL)
/* A routed one that sends nothing for this long is gone (a browser sends
 * a consent check every few seconds, RFC 7675). */
#define RELAY_TCP_IDLE_US  RELAY_CONSENT_TIMEOUT_US
#define RELAY_TCP_SWEEP_US (100 * 1000LL)
/* A connection whose ufrag no worker knows is tried again this often:
 * under load, a worker may read a connection's first frame before the
 * command that adds its transport (the client cannot know that a TCP
 * connection refused is worth opening again, as it resends a UDP check). */
#define RELAY_TCP_RETRY_US (250 * 1000LL)
/* Connections accepted per wake-up, reads per connection per wake-up
 * (the rest waits for the next epoll round, so one busy connection does
 * not hold the worker). */
#define RELAY_TCP_ACCEPT_BATCH 64
#define RELAY_TCP_READS	       16
/* The kernel's send buffer of a connection: a burst of a keyframe fits;
 * our queue (RELAY_TCP_SEND_QUEUE) takes what does not. */
#define RELAY_TCP_SOCKET_BUFFER (256 << 10)

static void relay_tcp_count(struct relay_worker *w, int refusal)
{
	if (refusal >= 0 && refusal < RELAY_TCP_REFUSALS)
		atomic_fetch_add_explicit(&w->tcp->refused[refusal], 1, memory_order_relaxed);
}

static int relay_tcp_listen(const char *address, int port, int *ret_fd, int *ret_port)
{
	struct sockaddr_storage ss;
	int fd, r, one = 1, zero = 0, len = relay_addr_parse(address, port, &ss);

	if (len < 0)
		return len;
	int family = ss.ss_family;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0 || listen(fd, 512) < 0)
		goto fail;
	r = relay_addr_bound_port(fd, ret_port);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

static int relay_tcp_watch(struct relay_worker *w, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int relay_tcp_init(struct relay_worker *w, struct relay_tcp_hub *hub, const char *address, int port,
		   int *ret_port)
{
	struct relay_tcp *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->hub = hub;
	t->listen_fd = -1;
	w->tcp = t;
	r = relay_tcp_listen(address, port, &t->listen_fd, ret_port);
	if (r < 0)
		return r;
	r = relay_tcp_watch(w, t->listen_fd, RELAY_TCP_TAG_LISTEN);
	if (r < 0)
		return r;
	return relay_tcp_watch(w, relay_tcp_hub_inbox_fd(hub, w->index), RELAY_TCP_TAG_INBOX);
}

/* Closes c, which is in no slot, and counts why (-1: nothing to count). */
static void relay_tcp_free(struct relay_worker *w, struct relay_tcp_conn *c, int refusal)
{
	relay_tcp_count(w, refusal);
	close(c->fd);
	relay_tcp_hub_release(w->tcp->hub, &c->peer_key);
	free(c->tx);
	free(c);
}

/* Gives c a free slot (a new generation) and watches it. */
static int relay_tcp_slot(struct relay_worker *w, struct relay_tcp_conn *c)
{
	struct relay_tcp *t = w->tcp;

	for (unsigned i = 0; i < RELAY_TCP_CONNS_MAX; i++) {
		if (t->slots[i])
			continue;
		c->slot = (uint16_t)i;
		c->gen = ++t->gen;
		c->want_out = false;
		if (relay_tcp_watch(w, c->fd, RELAY_TCP_TAG_CONN | i) < 0)
			return -errno;
		t->slots[i] = c;
		t->count++;
		atomic_store_explicit(&t->connections, t->count, memory_order_relaxed);
		return 0;
	}
	return -ENOSPC;
}

static void relay_tcp_unslot(struct relay_worker *w, struct relay_tcp_conn *c)
{
	struct relay_tcp *t = w->tcp;

	(void)epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	t->slots[c->slot] = NULL;
	t->count--;
	atomic_store_explicit(&t->connections, t->count, memory_order_relaxed);
}

static void relay_tcp_accept(struct relay_worker *w)
{
	struct relay_tcp *t = w->tcp;
	int64_t now = relay_worker_now_us();
	int one = 1, size = RELAY_TCP_SOCKET_BUFFER;

	for (int i = 0; i < RELAY_TCP_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct relay_addr_key key;
		int fd = accept4(t->listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break; /* EAGAIN; EMFILE and the like: the next wake-up */
		}
		atomic_fetch_add_explicit(&t->accepted, 1, memory_order_relaxed);
		relay_addr_key_from(&ss, &key);
		key.port = 0; /* the cap is per address, whatever the port */
		if (!relay_tcp_hub_admit(t->hub, &key)) {
			close(fd);
			relay_tcp_count(w, RELAY_TCP_REFUSED_CAP);
			continue;
		}
		struct relay_tcp_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			relay_tcp_hub_release(t->hub, &key);
			relay_tcp_count(w, RELAY_TCP_REFUSED_CAP);
			continue;
		}
		c->fd = fd;
		c->peer = ss;
		c->peer_key = key;
		c->created_us = c->last_rx_us = now;
		c->refusal = -1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		if (relay_tcp_slot(w, c) < 0)
			relay_tcp_free(w, c, RELAY_TCP_REFUSED_CAP);
	}
}

/* c's first frame: keep c when it names a transport of w, else pass it on
 * to the next worker, or refuse it. Returns false when c left w. */
static bool relay_tcp_route(struct relay_worker *w, struct relay_tcp_conn *c, const uint8_t *frame,
			    size_t len)
{
	char ufrag[RELAY_ICE_UFRAG_MAX + 1];
	unsigned workers = relay_tcp_hub_workers(w->tcp->hub), same = 0;

	if (relay_framing_first_ufrag(frame, len, ufrag) < 0) {
		relay_tcp_conn_kill(w, c, RELAY_TCP_REFUSED_NOT_STUN);
		return true;
	}
	if (g_hash_table_lookup(w->by_ufrag, ufrag)) {
		for (unsigned i = 0; i < RELAY_TCP_CONNS_MAX; i++) {
			const struct relay_tcp_conn *o = w->tcp->slots[i];
			same += o && o->routed && !o->dead && strcmp(o->ufrag, ufrag) == 0;
		}
		if (same >= RELAY_TCP_CONNS_PER_TRANSPORT ||
		    !(c->tx = malloc(RELAY_TCP_SEND_QUEUE))) {
			relay_tcp_conn_kill(w, c, RELAY_TCP_REFUSED_CAP);
			return true;
		}
		memcpy(c->ufrag, ufrag, sizeof(ufrag));
		c->routed = true;
		return true;
	}
	if (c->hops + 1u >= workers) {
		struct epoll_event ev = {.events = 0, .data.u64 = RELAY_TCP_TAG_CONN | c->slot};
		c->parked = true;
		c->retry_us = relay_worker_now_us() + RELAY_TCP_RETRY_US;
		(void)epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
		return true;
	}
	relay_tcp_unslot(w, c);
	c->hops++;
	if (relay_tcp_hub_pass(w->tcp->hub, (w->index + 1) % workers, c) < 0)
		relay_tcp_free(w, c, RELAY_TCP_REFUSED_CAP);
	return false;
}

/* Hands every whole frame in c's buffer to the packet path, the first
 * routing c. Returns false when c left w (passed on). */
static bool relay_tcp_frames(struct relay_worker *w, struct relay_tcp_conn *c, int64_t now)
{
	/* libsrtp unprotects in place and wants 4-byte aligned packets. */
	static _Thread_local _Alignas(8) uint8_t pkt[RELAY_FRAMING_MAX];
	struct sockaddr_storage from;
	size_t off = 0, len;
	uint64_t frames = 0, bytes = 0;
	int r;

	while (!c->dead && !c->parked &&
	       (r = relay_framing_next(c->rx + off, c->rx_len - off, RELAY_FRAMING_MAX, &len)) !=
		   0) {
		if (r < 0) {
			relay_tcp_conn_kill(w, c, RELAY_TCP_REFUSED_OVERSIZED);
			break;
		}
		if (!c->routed) {
			if (!relay_tcp_route(w, c, c->rx + off + RELAY_FRAMING_HEADER, len))
				return false; /* it carries its buffer along */
			if (c->dead || c->parked)
				break;
		}
		if (len > 0) {
			memcpy(pkt, c->rx + off + RELAY_FRAMING_HEADER, len);
			relay_tcp_addr_set(&from, c->slot, c->gen);
			relay_recv_datagram(w, pkt, len, &from, now);
			frames++;
			bytes += len;
		}
		off += RELAY_FRAMING_HEADER + len;
	}
	if (frames) { /* hearth_datagrams_received_total counts frames too */
		atomic_fetch_add_explicit(&w->datagrams_received, frames, memory_order_relaxed);
		atomic_fetch_add_explicit(&w->bytes_received, bytes, memory_order_relaxed);
	}
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	return true;
}

static void relay_tcp_read(struct relay_worker *w, struct relay_tcp_conn *c)
{
	int64_t now = relay_worker_now_us();

	for (int i = 0; i < RELAY_TCP_READS && !c->dead && !c->parked; i++) {
		ssize_t n = recv(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			relay_tcp_conn_kill(w, c, -1); /* closed or reset by the peer */
			break;
		}
		c->rx_len += (size_t)n;
		c->last_rx_us = now;
		if (!relay_tcp_frames(w, c, now))
			break; /* passed on: no longer ours */
	}
	relay_send_batch_flush(w);
}

/* Connections other workers passed on: each names a transport of this
 * worker, or goes on. */
static void relay_tcp_inbox(struct relay_worker *w)
{
	struct relay_tcp_conn *c;

	relay_queue_wake_drain(relay_tcp_hub_inbox_fd(w->tcp->hub, w->index));
	while ((c = relay_tcp_hub_take(w->tcp->hub, w->index))) {
		if (relay_tcp_slot(w, c) < 0) {
			relay_tcp_free(w, c, RELAY_TCP_REFUSED_CAP);
			continue;
		}
		relay_tcp_frames(w, c, relay_worker_now_us());
	}
	relay_send_batch_flush(w);
}

void relay_tcp_on_event(struct relay_worker *w, uint64_t tag, uint32_t events)
{
	struct relay_tcp_conn *c;

	if (tag == RELAY_TCP_TAG_LISTEN) {
		relay_tcp_accept(w);
		return;
	}
	if (tag == RELAY_TCP_TAG_INBOX) {
		relay_tcp_inbox(w);
		return;
	}
	if ((tag & 0xffff) >= RELAY_TCP_CONNS_MAX || !(c = w->tcp->slots[tag & 0xffff]))
		return;
	/* A parked connection is not read, but hears of a close or reset. */
	if ((events & EPOLLERR) || (c->parked && (events & EPOLLHUP)))
		relay_tcp_conn_kill(w, c, -1);
	if ((events & EPOLLOUT) && !c->dead)
		relay_tcp_conn_write(w, c);
	if ((events & (EPOLLIN | EPOLLHUP)) && !c->dead)
		relay_tcp_read(w, c);
}

/* Routes parked c again, from this worker around (it may pass on). */
static void relay_tcp_retry(struct relay_worker *w, struct relay_tcp_conn *c, int64_t now_us)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = RELAY_TCP_TAG_CONN | c->slot};

	c->parked = false;
	c->hops = 0;
	c->want_out = false;
	(void)epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
	relay_tcp_frames(w, c, now_us);
}

/* A closed connection is a lost path (like consent expiring, RFC 7675
 * §5.1) for the transport bound to it: it sends nothing and waits for a
 * valid check on another path (or connection). */
static void relay_tcp_path_lost(struct relay_worker *w, struct relay_tcp_conn *c)
{
	struct sockaddr_storage ss;
	struct relay_addr_key key;
	struct relay_transport *t;

	relay_tcp_addr_set(&ss, c->slot, c->gen);
	relay_addr_key_from(&ss, &key);
	t = g_hash_table_lookup(w->by_addr, &key);
	if (!t || !t->bound || !relay_addr_key_equal(&t->addr_key, &key))
		return;
	g_hash_table_remove(w->by_addr, &key);
	t->bound = false;
	if (t->state == RELAY_TRANSPORT_UP) {
		t->state = RELAY_TRANSPORT_LOST;
		relay_worker_emit(w, RELAY_EVT_TRANSPORT_LOST, t->p.id, 0);
	}
}

void relay_tcp_after(struct relay_worker *w, int64_t now_us)
{
	struct relay_tcp *t = w->tcp;

	if (!t)
		return;
	if (now_us >= t->next_sweep_us) {
		t->next_sweep_us = now_us + RELAY_TCP_SWEEP_US;
		for (unsigned i = 0; i < RELAY_TCP_CONNS_MAX; i++) {
			struct relay_tcp_conn *c = t->slots[i];
			if (c &&
			    ((!c->routed && now_us - c->created_us > RELAY_TCP_FIRST_FRAME_US) ||
			     now_us - c->last_rx_us > RELAY_TCP_IDLE_US))
				relay_tcp_conn_kill(w, c,
						    c->parked ? RELAY_TCP_REFUSED_UNKNOWN_UFRAG
							      : RELAY_TCP_REFUSED_TIMEOUT);
			else if (c && c->parked && now_us >= c->retry_us)
				relay_tcp_retry(w, c, now_us);
		}
		relay_send_batch_flush(w);
	}
	if (!t->reap)
		return;
	t->reap = false;
	for (unsigned i = 0; i < RELAY_TCP_CONNS_MAX; i++) {
		struct relay_tcp_conn *c = t->slots[i];
		if (!c || !c->dead)
			continue;
		relay_tcp_path_lost(w, c);
		relay_tcp_unslot(w, c);
		relay_tcp_free(w, c, c->refusal);
	}
}

void relay_tcp_stats(const struct relay_worker *w, struct relay_worker_stats *stats)
{
	struct relay_tcp *t = w->tcp;

	stats->tcp_accepted = 0;
	stats->tcp_connections = 0;
	memset(stats->tcp_refused, 0, sizeof(stats->tcp_refused));
	if (!t)
		return;
	stats->tcp_accepted = atomic_load_explicit(&t->accepted, memory_order_relaxed);
	stats->tcp_connections = atomic_load_explicit(&t->connections, memory_order_relaxed);
	for (unsigned i = 0; i < RELAY_TCP_REFUSALS; i++)
		stats->tcp_refused[i] = atomic_load_explicit(&t->refused[i], memory_order_relaxed);
}

void relay_tcp_clear(struct relay_worker *w)
{
	struct relay_tcp *t = w->tcp;

	if (!t)
		return;
	for (unsigned i = 0; i < RELAY_TCP_CONNS_MAX; i++) {
		struct relay_tcp_conn *c = t->slots[i];
		if (!c)
			continue;
		t->slots[i] = NULL;
		relay_tcp_free(w, c, -1);
	}
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	free(t);
	w->tcp = NULL;
}
