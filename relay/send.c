#include "relay/send.h"

#include <errno.h>
#include <string.h>

void relay_send_batch_copy(struct relay_worker *w, const uint8_t *data, size_t len,
			   const struct sockaddr_storage *to)
{
	uint8_t *slot = relay_send_batch_slot(w);

	if (!slot || len > RELAY_SEND_SLOT)
		return;
	memcpy(slot, data, len);
	relay_send_batch_commit(w, len, to);
}

/* The end of the run of datagrams from `from` on that go to one family:
 * one sendmmsg(2) per run, out of that family's socket. */
static unsigned relay_send_run_end(const struct relay_send_batch *b, unsigned from)
{
	unsigned end = from + 1;

	while (end < b->count && b->to[end].ss_family == b->to[from].ss_family)
		end++;
	return end;
}

void relay_send_batch_flush(struct relay_worker *w)
{
	struct relay_send_batch *b = w->out;
	unsigned sent = 0, dropped = 0;

	while (sent < b->count) {
		unsigned end = relay_send_run_end(b, sent);
		int fd = relay_worker_udp_fd(w, b->to[sent].ss_family);
		if (fd < 0) {
			/* No socket of that family: cannot happen, addresses come
			 * from our sockets. */
			dropped += end - sent;
			sent = end;
			continue;
		}
		int n = sendmmsg(fd, b->msgs + sent, end - sent, MSG_DONTWAIT);
		if (n > 0) {
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
	b->count = 0;
}
