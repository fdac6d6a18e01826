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

/* The family datagram i goes to (its message's address: after ICE-TCP's
 * datagrams are taken out, msgs[i] is no longer to[i]). */
static sa_family_t relay_send_family(const struct relay_send_batch *b, unsigned i)
{
	return ((const struct sockaddr_storage *)b->msgs[i].msg_hdr.msg_name)->ss_family;
}

/* The end of the run of datagrams from `from` on that go to one family:
 * one sendmmsg(2) per run, out of that family's socket. */
static unsigned relay_send_run_end(const struct relay_send_batch *b, unsigned from)
{
	unsigned end = from + 1;

	while (end < b->count && relay_send_family(b, end) == relay_send_family(b, from))
		end++;
	return end;
}

/* ICE-TCP: the datagrams to a connection (relay/tcp_addr.h) go into its
 * queue, framed; the others stay for sendmmsg(2). */
static void relay_send_batch_divert(struct relay_worker *w, struct relay_send_batch *b)
{
	unsigned kept = 0;

	uint64_t bytes = 0;

	for (unsigned i = 0; i < b->count; i++) {
		if (relay_tcp_addr_is(&b->to[i])) {
			/* Counted as sent once queued (a slow reader's overflow is
			 * counted apart, as send_dropped). */
			bytes += b->iov[i].iov_len;
			relay_tcp_queue(w, &b->to[i], b->buf[i], b->iov[i].iov_len);
		} else
			b->msgs[kept++] = b->msgs[i];
	}
	b->count = kept;
	if (bytes)
		atomic_fetch_add_explicit(&w->bytes_sent, bytes, memory_order_relaxed);
	relay_tcp_write_queued(w);
}

void relay_send_batch_flush(struct relay_worker *w)
{
	struct relay_send_batch *b = w->out;
	unsigned sent = 0, dropped = 0;
	uint64_t bytes = 0;

	if (relay_tcp_any(w))
		relay_send_batch_divert(w, b);

	while (sent < b->count) {
		unsigned end = relay_send_run_end(b, sent);
		int fd = relay_worker_udp_fd(w, relay_send_family(b, sent));
		if (fd < 0) {
			/* No socket of that family: cannot happen, addresses come
			 * from our sockets. */
			dropped += end - sent;
			sent = end;
			continue;
		}
		int n = sendmmsg(fd, b->msgs + sent, end - sent, MSG_DONTWAIT);
		if (n > 0) {
			for (int i = 0; i < n; i++) /* what the kernel took of each */
				bytes += b->msgs[sent + (unsigned)i].msg_len;
			sent += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			/* The socket buffer is full: drop the rest of the run
			 * rather than block the loop (the other family's socket
			 * may have room). */
			dropped += end - sent;
			sent = end;
			continue;
		}
		/* This one datagram cannot go (a peer's address unreachable,
		 * too large): skip it, the others still go. */
		dropped++;
		sent++;
	}
	if (dropped)
		atomic_fetch_add_explicit(&w->send_dropped, dropped, memory_order_relaxed);
	if (bytes)
		atomic_fetch_add_explicit(&w->bytes_sent, bytes, memory_order_relaxed);
	b->count = 0;
}
