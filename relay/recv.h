/* The head of the packet path (DESIGN.md): each of the worker's sockets drained in
 * recvmmsg(2) batches, each datagram demultiplexed by its first byte (RFC
 * 7983) to ICE (STUN), DTLS or SRTP, and what they queued sent in
 * sendmmsg(2) batches. */
#ifndef HEARTH_RELAY_RECV_H
#define HEARTH_RELAY_RECV_H

#include "relay/stage.h"

/* Reads until fd, one of the worker's sockets, is empty; flushes the send
 * batch at the end. */
void relay_recv_drain(struct relay_worker *w, int fd);

#endif
