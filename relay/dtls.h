/* The DTLS stage of a transport (RFC 5763, RFC 5764): OpenSSL fed through
 * crypto/dtls.h's memory BIOs, its flights sent in the worker's batch, and
 * on completion (the peer's certificate matching the SDP fingerprint) the
 * SRTP contexts keyed and the transport UP. Failures mark the transport
 * for closing with the reason the control thread is told. */
#ifndef HEARTH_RELAY_DTLS_H
#define HEARTH_RELAY_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

/* After the first valid STUN check (state NEW): the handshake starts; as
 * the DTLS client we send the first flight. */
void relay_dtls_begin(struct relay_worker *w, struct relay_transport *t);

/* One DTLS record from t's bound address (first byte 20..63). */
void relay_dtls_on_datagram(struct relay_worker *w, struct relay_transport *t, const uint8_t *pkt,
			    size_t len, int64_t now);

/* Every tick: retransmits a flight whose timer ran out, or gives up. */
void relay_dtls_on_tick(struct relay_worker *w, struct relay_transport *t);

#endif
