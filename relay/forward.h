/* The media stage of the packet path: SRTP/SRTCP unprotected in place
 * (only the SSRCs the SDP declared, so a peer cannot make libsrtp grow),
 * routed to each subscriber of the stream, rewritten for it (payload
 * type), protected with its context and queued in the send batch. RTCP:
 * a publisher's goes on to its subscribers (one copy each); feedback.c
 * takes what the relay answers itself. No allocation, no lock, no log per
 * packet: counters instead. */
#ifndef HEARTH_RELAY_FORWARD_H
#define HEARTH_RELAY_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

/* One SRTP or SRTCP packet (first byte 128..191) from t's bound address;
 * pkt is unprotected in place. */
void relay_forward_srtp(struct relay_worker *w, struct relay_transport *t, uint8_t *pkt, size_t len,
			int64_t now);

#endif
