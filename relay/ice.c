#include "relay/ice.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "relay/dtls.h"
#include "relay/feedback.h"
#include "relay/send.h"
#include "relay/stun.h"
#include "relay/tcp_conn.h"
#include "relay/transport.h"

/* The log fields of t's lines: its label (whose it is) and where it is. */
#define RELAY_ICE_FIELDS_MAX (RELAY_LABEL_MAX + 48)
static void relay_ice_fields(const struct relay_worker *w, const struct relay_transport *t,
			     char out[RELAY_ICE_FIELDS_MAX])
{
	snprintf(out, RELAY_ICE_FIELDS_MAX, "%s transport=%llu worker=%u", t->p.label,
		 (unsigned long long)t->p.id, w->index);
}

/* A bound transport's address changed: counted, and logged with whose it
 * is (never the address) at most once per RELAY_ICE_MOVED_LOG_US, since a
 * client may check from two paths in turn as often as it likes. */
#define RELAY_ICE_MOVED_LOG_US (10 * 1000000LL)
static void relay_ice_moved(struct relay_worker *w, struct relay_transport *t, int64_t now_us)
{
	atomic_fetch_add_explicit(&w->network_changes, 1, memory_order_relaxed);
	if (t->moved_log_us && now_us - t->moved_log_us < RELAY_ICE_MOVED_LOG_US)
		return;
	t->moved_log_us = now_us;
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	char fields[RELAY_ICE_FIELDS_MAX];
	relay_ice_fields(w, t, fields);
	log_info_with(fields, "media transport network changed (a nominated check from a new "
			      "address)");
}

void relay_ice_check_timeout(struct relay_worker *w, struct relay_transport *t, int64_t now_us)
{
	if (t->state != RELAY_TRANSPORT_NEW || t->bound || t->ice_timed_out ||
	    now_us - t->consent_us <= RELAY_CONSENT_TIMEOUT_US)
		return;
	t->ice_timed_out = true;
	relay_worker_failed(w, RELAY_FAILURE_ICE_TIMEOUT);
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	char fields[RELAY_ICE_FIELDS_MAX];
	relay_ice_fields(w, t, fields);
	log_info_with(fields, "media transport ICE timeout: no valid check within 30 s (UDP and "
			      "ICE-TCP blocked, or TURN missing?); kept for an ICE restart");
}

/* A valid check from a new address: the client changed network (or this is
 * the first check). The newest address with valid credentials wins. */
static void relay_ice_bind(struct relay_worker *w, struct relay_transport *t,
			   const struct sockaddr_storage *from, int64_t now_us)
{
	struct relay_addr_key key;

	relay_addr_key_from(from, &key);
	if (t->bound && relay_addr_key_equal(&key, &t->addr_key))
		return;
	struct relay_transport *other = g_hash_table_lookup(w->by_addr, &key);
	if (other && other != t) {
		/* Two transports cannot share an address; the older loses it. */
		g_hash_table_remove(w->by_addr, &key);
		other->bound = false;
	}
	if (t->bound)
		g_hash_table_remove(w->by_addr, &t->addr_key);
	t->addr_key = key;
	t->remote = *from;
	t->remote_len =
	    from->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	bool moved = t->bound;
	t->bound = true;
	if (moved) {
		relay_ice_moved(w, t, now_us);
	} else if (t->state == RELAY_TRANSPORT_NEW && log_enabled(LOG_LEVEL_DEBUG)) {
		char fields[RELAY_ICE_FIELDS_MAX];
		relay_ice_fields(w, t, fields);
		log_debug_with(fields, "media transport ICE connected (its first valid check)");
	}
	g_hash_table_insert(w->by_addr, &t->addr_key, t);
	/* Consent again after it expired (RFC 7675 §5.1): the association
	 * goes on from here. */
	if (t->state == RELAY_TRANSPORT_LOST) {
		t->state = RELAY_TRANSPORT_UP;
		moved = true;
		relay_worker_emit(w, RELAY_EVT_TRANSPORT_UP, t->p.id, 1);
	}
	/* A client that moved (ICE restart after a network change) or came
	 * back lost packets meanwhile: decoders restart from a keyframe, the
	 * ones of a subscriber that moved, or everyone's of a publisher that
	 * moved. */
	if (!moved || t->state != RELAY_TRANSPORT_UP)
		return;
	if (!t->p.publishing)
		relay_feedback_keyframes_for(w, t, now_us);
	for (unsigned s = 0; t->p.publishing && s < t->p.stream_count; s++)
		relay_feedback_keyframe(w, t, &t->pub[s], now_us);
}

/* Looks the transport up by the first half of USERNAME ("ours:theirs"),
 * RFC 8445 §7.3. */
static struct relay_transport *relay_ice_find(struct relay_worker *w,
					      const struct relay_stun_msg *msg)
{
	char ufrag[RELAY_ICE_UFRAG_MAX + 1];
	const char *colon;
	size_t n;

	if (!msg->username || msg->username_len == 0)
		return NULL;
	colon = memchr(msg->username, ':', msg->username_len);
	n = colon ? (size_t)(colon - (const char *)msg->username) : 0;
	if (!colon || n == 0 || n > RELAY_ICE_UFRAG_MAX)
		return NULL;
	memcpy(ufrag, msg->username, n);
	ufrag[n] = '\0';
	struct relay_transport *t = g_hash_table_lookup(w->by_ufrag, ufrag);
	if (!t)
		return NULL;
	/* The second half must be the peer's ufrag from its SDP. */
	size_t rest = msg->username_len - n - 1;
	if (rest != strlen(t->p.remote_ufrag) || memcmp(colon + 1, t->p.remote_ufrag, rest) != 0)
		return NULL;
	return t;
}

/* Answers an authenticated request that the lite verdict refuses (420,
 * 487), signed with the transport's password. */
static void relay_ice_answer_error(struct relay_worker *w, const struct relay_stun_msg *msg,
				   int code, const struct relay_transport *t,
				   const struct sockaddr_storage *from)
{
	uint8_t *slot = relay_send_batch_slot(w);
	size_t out_len = 0;

	if (slot && relay_stun_build_error(slot, RELAY_SEND_SLOT, msg, code, t->p.local_pwd,
					   strlen(t->p.local_pwd), &out_len) == 0)
		relay_send_batch_commit(w, out_len, from);
}

void relay_ice_on_stun(struct relay_worker *w, const uint8_t *pkt, size_t len,
		       const struct sockaddr_storage *from, int64_t now_us)
{
	struct relay_stun_msg msg;
	struct relay_transport *t;
	uint8_t *slot;
	size_t out_len = 0;
	int verdict;

	/* Unauthenticated or malformed requests are dropped, not answered:
	 * nothing is revealed to a sender without the credentials. */
	if (relay_stun_parse(pkt, len, &msg) < 0 || msg.type != RELAY_STUN_BINDING_REQUEST ||
	    !msg.has_integrity || !msg.has_fingerprint)
		goto refuse;
	t = relay_ice_find(w, &msg);
	if (!t || t->state == RELAY_TRANSPORT_CLOSING ||
	    !relay_stun_integrity_ok(pkt, len, &msg, t->p.local_pwd, strlen(t->p.local_pwd)))
		goto refuse;
	verdict = relay_stun_lite_verdict(&msg, true);
	if (verdict > 0) {
		relay_ice_answer_error(w, &msg, verdict, t, from);
		goto refuse;
	}
	if (verdict < 0)
		goto refuse;

	/* The first valid check binds the address; afterwards only a
	 * nominating one (USE-CANDIDATE) moves it, so a client checking several
	 * paths at once does not make media flap between them (RFC 8445
	 * §7.3.1.5), while a client that changed network keeps its call. */
	struct relay_addr_key key;
	relay_addr_key_from(from, &key);
	bool same = t->bound && relay_addr_key_equal(&key, &t->addr_key);
	if (!t->bound || (!same && msg.use_candidate)) {
		relay_ice_bind(w, t, from, now_us);
		same = true;
	}
	if (same)
		t->consent_us = now_us; /* RFC 7675: consent for the path in use */
	slot = relay_send_batch_slot(w);
	if (slot && relay_stun_build_success(slot, RELAY_SEND_SLOT, msg.txid,
					     (const struct sockaddr *)relay_tcp_mapped(w, from),
					     t->p.local_pwd, strlen(t->p.local_pwd), &out_len) == 0)
		relay_send_batch_commit(w, out_len, from);

	relay_dtls_begin(w, t);
	return;
refuse:
	atomic_fetch_add_explicit(&w->stun_refused, 1, memory_order_relaxed);
}
