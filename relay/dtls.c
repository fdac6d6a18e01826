#include "relay/dtls.h"

#include <errno.h>

#include "crypto/dtls.h"
#include "relay/feedback.h"
#include "relay/send.h"
#include "relay/transport.h"

/* Sends every datagram DTLS has queued for t. */
static void relay_dtls_flush(struct relay_worker *w, struct relay_transport *t)
{
	for (;;) {
		uint8_t *slot = relay_send_batch_slot(w);
		size_t len = 0;
		if (!slot || crypto_dtls_next_datagram(t->dtls, slot, RELAY_SEND_SLOT, &len) < 0 ||
		    len == 0)
			return;
		relay_send_batch_commit(w, len, &t->remote);
	}
}

void relay_dtls_begin(struct relay_worker *w, struct relay_transport *t)
{
	if (t->state != RELAY_TRANSPORT_NEW)
		return;
	t->state = RELAY_TRANSPORT_DTLS;
	/* As DTLS client we speak first (RFC 5763 §5). */
	if (!t->p.dtls_server) {
		if (crypto_dtls_start(t->dtls) < 0)
			relay_worker_close(w, t, RELAY_CLOSE_DTLS_FAILED);
		else
			relay_dtls_flush(w, t);
	}
}

void relay_dtls_on_datagram(struct relay_worker *w, struct relay_transport *t, const uint8_t *pkt,
			    size_t len, int64_t now)
{
	int r;

	if (t->state == RELAY_TRANSPORT_CLOSING)
		return;
	r = crypto_dtls_receive(t->dtls, pkt, len);
	relay_dtls_flush(w, t);
	if (r == -EPERM) {
		relay_worker_close(w, t, RELAY_CLOSE_FINGERPRINT);
		return;
	}
	if (r == -ECONNRESET) {
		relay_worker_close(w, t, RELAY_CLOSE_PEER_CLOSED);
		return;
	}
	if (r < 0) {
		relay_worker_close(w, t, RELAY_CLOSE_DTLS_FAILED);
		return;
	}
	if (r == CRYPTO_DTLS_CONNECTED && t->state != RELAY_TRANSPORT_UP) {
		if (relay_transport_key_srtp(t) < 0) {
			relay_worker_close(w, t, RELAY_CLOSE_SRTP);
			return;
		}
		t->state = RELAY_TRANSPORT_UP;
		relay_worker_emit(w, RELAY_EVT_TRANSPORT_UP, t->p.id, 0);
		if (!t->p.publishing)
			relay_feedback_keyframes_for(w, t, now);
	}
}

void relay_dtls_on_tick(struct relay_worker *w, struct relay_transport *t)
{
	if (t->state == RELAY_TRANSPORT_DTLS && crypto_dtls_timeout_us(t->dtls) == 0) {
		if (crypto_dtls_on_timeout(t->dtls) < 0)
			relay_worker_close(w, t, RELAY_CLOSE_DTLS_FAILED);
		else
			relay_dtls_flush(w, t);
	}
}
