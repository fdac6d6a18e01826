#include "relay/recv.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include "relay/addr.h"
#include "relay/dtls.h"
#include "relay/forward.h"
#include "relay/ice.h"
#include "relay/send.h"

#define RELAY_RECV_BATCH 32

/* RFC 7983 §7: the first byte tells STUN, DTLS and SRTP/SRTCP apart; all
 * but STUN come only from an address a STUN check bound to a transport. */
void relay_recv_datagram(struct relay_worker *w, uint8_t *pkt, size_t len,
			 const struct sockaddr_storage *from, int64_t now_us)
{
	struct relay_addr_key key;
	struct relay_transport *t;

	if (len == 0)
		return;
	if (pkt[0] <= 3) {
		relay_ice_on_stun(w, pkt, len, from, now_us);
		return;
	}
	relay_addr_key_from(from, &key);
	t = g_hash_table_lookup(w->by_addr, &key);
	if (!t || t->state == RELAY_TRANSPORT_CLOSING) {
		/* Only addresses that passed a STUN check are heard. */
		atomic_fetch_add_explicit(&w->datagrams_dropped_unknown, 1, memory_order_relaxed);
		return;
	}
	if (pkt[0] >= 20 && pkt[0] <= 63)
		relay_dtls_on_datagram(w, t, pkt, len, now_us);
	else if (pkt[0] >= 128 && pkt[0] <= 191)
		relay_forward_srtp(w, t, pkt, len, now_us);
	else
		atomic_fetch_add_explicit(&w->datagrams_dropped_unknown, 1, memory_order_relaxed);
}

void relay_recv_drain(struct relay_worker *w, int fd)
{
	/* libsrtp wants 4-byte aligned packets. */
	static _Thread_local _Alignas(
	    8) unsigned char buffers[RELAY_RECV_BATCH][RELAY_DATAGRAM_MAX];
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
		int n = recvmmsg(fd, msgs, RELAY_RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		int64_t now = relay_worker_now_us();
		uint64_t bytes = 0;
		atomic_fetch_add_explicit(&w->datagrams_received, (uint64_t)n,
					  memory_order_relaxed);
		for (int i = 0; i < n; i++) {
			bytes += msgs[i].msg_len;
			relay_recv_datagram(w, buffers[i], msgs[i].msg_len, &from[i], now);
		}
		atomic_fetch_add_explicit(&w->bytes_received, bytes, memory_order_relaxed);
		if (n < RELAY_RECV_BATCH)
			break;
	}
	relay_send_batch_flush(w);
}
