#include "relay/tcp_conn.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "relay/tcp_addr.h"

struct relay_tcp_conn *relay_tcp_conn_find(struct relay_worker *w,
					   const struct sockaddr_storage *to)
{
	struct relay_tcp_addr a = relay_tcp_addr_get(to);
	struct relay_tcp_conn *c;

	if (!w->tcp || a.slot >= RELAY_TCP_CONNS_MAX)
		return NULL;
	c = w->tcp->slots[a.slot];
	return c && c->gen == a.gen ? c : NULL;
}

const struct sockaddr_storage *relay_tcp_mapped(struct relay_worker *w,
						const struct sockaddr_storage *from)
{
	struct relay_tcp_conn *c;

	if (!relay_tcp_addr_is(from) || !(c = relay_tcp_conn_find(w, from)))
		return from;
	return &c->peer;
}

void relay_tcp_conn_kill(struct relay_worker *w, struct relay_tcp_conn *c, int refusal)
{
	if (c->dead)
		return;
	c->dead = true;
	c->refusal = refusal;
	w->tcp->reap = true;
}

/* Copies len bytes into the ring at its tail (the caller checked room). */
static void relay_tcp_ring_put(struct relay_tcp_conn *c, const uint8_t *data, size_t len)
{
	size_t tail = (c->tx_head + c->tx_len) % RELAY_TCP_SEND_QUEUE;
	size_t first = RELAY_TCP_SEND_QUEUE - tail < len ? RELAY_TCP_SEND_QUEUE - tail : len;

	memcpy(c->tx + tail, data, first);
	memcpy(c->tx, data + first, len - first);
	c->tx_len += len;
}

void relay_tcp_queue(struct relay_worker *w, const struct sockaddr_storage *to, const uint8_t *data,
		     size_t len)
{
	struct relay_tcp_conn *c = relay_tcp_conn_find(w, to);
	uint8_t header[RELAY_FRAMING_HEADER];

	if (!c || c->dead || !c->tx || len > UINT16_MAX) {
		atomic_fetch_add_explicit(&w->send_dropped, 1, memory_order_relaxed);
		return;
	}
	if (RELAY_TCP_SEND_QUEUE - c->tx_len < RELAY_FRAMING_HEADER + len) {
		/* A reader this slow would hold media back for everyone's
		 * memory: it goes (the client sees a lost path). */
		relay_tcp_conn_kill(w, c, RELAY_TCP_REFUSED_SLOW_READER);
		return;
	}
	relay_framing_header(header, len);
	relay_tcp_ring_put(c, header, sizeof(header));
	relay_tcp_ring_put(c, data, len);
	if (!c->dirty) {
		c->dirty = true;
		c->next_dirty = w->tcp->dirty;
		w->tcp->dirty = c;
	}
}

static void relay_tcp_conn_watch_out(struct relay_worker *w, struct relay_tcp_conn *c, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
				 .data.u64 = RELAY_TCP_TAG_CONN | c->slot};

	if (c->want_out == out)
		return;
	c->want_out = out;
	(void)epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

void relay_tcp_conn_write(struct relay_worker *w, struct relay_tcp_conn *c)
{
	while (c->tx_len > 0 && !c->dead) {
		size_t first = RELAY_TCP_SEND_QUEUE - c->tx_head;
		struct iovec iov[2] = {
		    {.iov_base = c->tx + c->tx_head,
		     .iov_len = first < c->tx_len ? first : c->tx_len},
		    {.iov_base = c->tx, .iov_len = first < c->tx_len ? c->tx_len - first : 0},
		};
		ssize_t n = writev(c->fd, iov, iov[1].iov_len ? 2 : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			relay_tcp_conn_kill(w, c, -1); /* reset, broken pipe */
			return;
		}
		c->tx_head = (c->tx_head + (size_t)n) % RELAY_TCP_SEND_QUEUE;
		c->tx_len -= (size_t)n;
	}
	if (c->tx_len == 0)
		c->tx_head = 0;
	relay_tcp_conn_watch_out(w, c, c->tx_len > 0);
}

void relay_tcp_write_queued(struct relay_worker *w)
{
	struct relay_tcp_conn *c = w->tcp->dirty;

	w->tcp->dirty = NULL;
	while (c) {
		struct relay_tcp_conn *next = c->next_dirty;
		c->dirty = false;
		c->next_dirty = NULL;
		relay_tcp_conn_write(w, c);
		c = next;
	}
}
