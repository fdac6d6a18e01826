#include "relay/send.h"

#include <errno.h>
#include <string.h>

#include "relay/tcp_addr.h"
#include "relay/tcp_conn.h"

void relay_send_batch_copy(struct relay_worker *w, const uint8_t *data, size_t len,
			   const struct sockaddr_storage *to)
{
	uint8_t *slot = relay_send_batch_slot(w);

	if (!slot || len > RELAY_SEND_SLOT)
		return;
	memcpy(slot, data, len);
	relay_send_batch_commit(w, len, to);
}

/* ICE-TCP: the datagrams to a connection (relay/tcp_addr.h) go into its
 * queue, framed; the others stay for sendmmsg(2). */
static void relay_send_batch_divert(struct relay_worker *w, struct relay_send_batch *b)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < b->count; i++) {
		if (relay_tcp_addr_is(&b->to[i]))
			relay_tcp_queue(w, &b->to[i], b->buf[i], b->iov[i].iov_len);
		else
			b->msgs[kept++] = b->msgs[i];
	}
	b->count = kept;
	relay_tcp_write_queued(w);
}

void relay_send_batch_flush(struct relay_worker *w)
{
	struct relay_send_batch *b = w->out;
	unsigned sent = 0;

	if (relay_tcp_any(w))
		relay_send_batch_divert(w, b);

	unsigned dropped = 0;

	while (sent < b->count) {
		int n = sendmmsg(w->udp_fd, b->msgs + sent, b->count - sent, MSG_DONTWAIT);
		if (n > 0) {
			sent += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			/* The socket buffer is full: drop the rest of the batch
			 * rather than block the loop. */
			dropped += b->count - sent;
			break;
		}
		/* This one datagram cannot go (a peer's address unreachable,
		 * too large): skip it, the others still go. */
		dropped++;
		sent++;
	}
	if (dropped)
		atomic_fetch_add_explicit(&w->send_dropped, dropped, memory_order_relaxed);
	b->count = 0;
}
