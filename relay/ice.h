/* ICE-lite (RFC 8445 §2.5, §7.3): answer Binding requests that carry our
 * ufrag and a valid MESSAGE-INTEGRITY and FINGERPRINT, and bind (or move)
 * the transport to the address they came from. Consent freshness (RFC
 * 7675) is the time of the last such check. Everything else is dropped and
 * counted. */
#ifndef HEARTH_RELAY_ICE_H
#define HEARTH_RELAY_ICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/stage.h"

/* One datagram whose first byte says STUN (0..3), from any address: the
 * transport is found by USERNAME, not by address. */
void relay_ice_on_stun(struct relay_worker *w, const uint8_t *pkt, size_t len,
		       const struct sockaddr_storage *from, int64_t now_us);

/* From the worker's tick: a transport that has had no valid check for
 * RELAY_CONSENT_TIMEOUT_US since it was made is an ICE timeout, counted
 * and logged once (it is kept: the client's ICE restart may still reach
 * it once its path opens). */
void relay_ice_check_timeout(struct relay_worker *w, struct relay_transport *t, int64_t now_us);

#endif
