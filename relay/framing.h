/* RFC 4571 framing for ICE-TCP (RFC 6544 §3): each STUN, DTLS or SRTP
 * packet on a TCP connection goes behind a 16-bit big-endian length. Pure
 * functions on caller memory (no allocation, no clock), unit tested and
 * fuzzed alone (tests/fuzz/fuzz_framing.c); relay/tcp.c uses them. */
#ifndef HEARTH_RELAY_FRAMING_H
#define HEARTH_RELAY_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "relay/relay.h"

/* The length prefix of one frame. */
#define RELAY_FRAMING_HEADER 2
/* The largest frame the relay accepts: a datagram as large as the UDP
 * path takes (RELAY_DATAGRAM_MAX); RFC 4571 allows 65535, but no media
 * packet needs more and each connection buffers one frame. */
#define RELAY_FRAMING_MAX 1500

/* Looks for one whole frame at the start of buf (len bytes received so
 * far). Returns 1 and sets *ret_frame_len (the payload's, at
 * buf + RELAY_FRAMING_HEADER) when one is there; 0 when more bytes are
 * needed; -EMSGSIZE when its length is above max. */
int relay_framing_next(const uint8_t *buf, size_t len, size_t max, size_t *ret_frame_len);

/* Writes the length prefix of a len-byte payload (len <= 65535). */
static inline void relay_framing_header(uint8_t out[RELAY_FRAMING_HEADER], size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
}

/* The first frame of a connection must be a STUN Binding request
 * (RFC 6544 §3: the passive side learns nothing else first) whose
 * USERNAME starts with one of our ufrags, "ours:theirs" (RFC 8445 §7.2.2):
 * that names the transport and so the worker it goes to. Copies that ufrag
 * (NUL-terminated) to ret_ufrag (RELAY_ICE_UFRAG_MAX + 1 bytes). Returns 0,
 * -EBADMSG when frame is not a STUN Binding request, or -ENOENT when it
 * has no usable USERNAME. Integrity is the owning worker's to check. */
int relay_framing_first_ufrag(const uint8_t *frame, size_t len,
			      char ret_ufrag[RELAY_ICE_UFRAG_MAX + 1]);

#endif
