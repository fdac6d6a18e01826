/* The worker's outgoing datagrams: one sendmmsg(2) batch, filled in place
 * by every stage (forwarded SRTP, STUN answers, DTLS flights, the relay's
 * own RTCP) and flushed when full, after each receive batch and after each
 * tick. slot and commit are inline: they run once per forwarded copy. */
#ifndef HEARTH_RELAY_SEND_H
#define HEARTH_RELAY_SEND_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "relay/stage.h"

#define RELAY_SEND_BATCH 64
#define RELAY_SEND_SLOT	 (RELAY_DATAGRAM_MAX + 160) /* room for the SRTP trailer */

/* Datagrams waiting for one sendmmsg(2). */
struct relay_send_batch {
	unsigned count;
	struct mmsghdr msgs[RELAY_SEND_BATCH];
	struct iovec iov[RELAY_SEND_BATCH];
	struct sockaddr_storage to[RELAY_SEND_BATCH];
	_Alignas(8) uint8_t buf[RELAY_SEND_BATCH][RELAY_SEND_SLOT]; /* libsrtp: 4-byte aligned */
};

/* Sends what the batch holds; what the socket refuses is counted
 * (send_dropped) and skipped. The batch is empty afterwards. */
void relay_send_batch_flush(struct relay_worker *w);

/* Queues a copy of data to `to`; flushes when the batch is full. */
void relay_send_batch_copy(struct relay_worker *w, const uint8_t *data, size_t len,
			   const struct sockaddr_storage *to);

/* A free slot's buffer (RELAY_SEND_SLOT bytes) to fill in place, flushing a
 * full batch first; commit it with relay_send_batch_commit(). */
static inline uint8_t *relay_send_batch_slot(struct relay_worker *w)
{
	if (w->out->count == RELAY_SEND_BATCH)
		relay_send_batch_flush(w);
	return w->out->count < RELAY_SEND_BATCH ? w->out->buf[w->out->count] : NULL;
}

/* Queues the slot relay_send_batch_slot() returned, len bytes, to `to`. */
static inline void relay_send_batch_commit(struct relay_worker *w, size_t len,
					   const struct sockaddr_storage *to)
{
	struct relay_send_batch *b = w->out;
	unsigned i = b->count++;

	b->to[i] = *to;
	b->iov[i] = (struct iovec){.iov_base = b->buf[i], .iov_len = len};
	b->msgs[i].msg_hdr = (struct msghdr){
	    .msg_name = &b->to[i],
	    .msg_namelen =
		to->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
	    .msg_iov = &b->iov[i],
	    .msg_iovlen = 1,
	};
}

#endif
