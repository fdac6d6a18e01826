/* Loss repair on each hop (RFC 4585 §6.2.1 generic NACK, RFC 4588 RTX):
 * - downstream: a subscriber's NACKs are answered from the publisher
 *   stream's retransmission buffer, as RTX on the subscriber's RTX SSRC and
 *   payload type, protected with its context; a packet goes to one
 *   subscriber again only after about a round trip, a few times at most.
 *   One the buffer does not hold was lost upstream: when the publisher's
 *   retransmission arrives, it is forwarded to every subscriber like the
 *   original, the one who asked included.
 * - upstream: each publisher video stream's gaps become the relay's NACKs
 *   (relay_repair_on_packet notes them, relay_repair_nacks_due sends them
 *   when due), or a keyframe request when too much is missing.
 * No allocation, no log per packet: counters (relay_worker_stats). */
#ifndef HEARTH_RELAY_REPAIR_H
#define HEARTH_RELAY_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

struct relay_rtp_header;

/* A plain packet (original or recovered) of publisher stream ps, before
 * it is forwarded: notes gaps, keeps a copy. Returns false when it is a
 * duplicate of one already forwarded (not to be sent again). */
bool relay_repair_on_packet(struct relay_worker *w, struct relay_transport *pub,
			    struct relay_pub_stream *ps, const uint8_t *pkt, size_t len,
			    const struct relay_rtp_header *h, int64_t now);

/* Sends the NACKs due to publishers; sets w->next_nack_us. */
void relay_repair_nacks_due(struct relay_worker *w, int64_t now);

/* A subscriber's (unprotected) RTCP: its generic NACKs are answered. */
void relay_repair_from_subscriber(struct relay_worker *w, struct relay_transport *to,
				  const uint8_t *pkt, size_t len, int64_t now);

#endif
