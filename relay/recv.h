/* The head of the packet path (DESIGN.md): each of the worker's sockets drained in
 * recvmmsg(2) batches, each datagram demultiplexed by its first byte (RFC
 * 7983) to ICE (STUN), DTLS or SRTP, and what they queued sent in
 * sendmmsg(2) batches. */
#ifndef HEARTH_RELAY_RECV_H
#define HEARTH_RELAY_RECV_H

#include "relay/stage.h"

/* One datagram (or an ICE-TCP frame, from its connection's pseudo
 * address, relay/tcp_addr.h) to ICE, DTLS or SRTP by its first byte; pkt
 * is unprotected in place (4-byte aligned). */
void relay_recv_datagram(struct relay_worker *w, uint8_t *pkt, size_t len,
			 const struct sockaddr_storage *from, int64_t now_us);

/* Reads until fd, one of the worker's sockets, is empty; flushes the send
 * batch at the end. */
void relay_recv_drain(struct relay_worker *w, int fd);

#endif
