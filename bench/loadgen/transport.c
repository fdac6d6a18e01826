/* One WebRTC transport of the load generator: a UDP socket, ICE (RFC 8445,
 * controlling with USE-CANDIDATE, or controlled when answering a full agent's
 * offer), DTLS-SRTP (crypto/dtls.c, either role), and what flows: a
 * publisher sends the recorded file at its recorded pace, a subscriber
 * counts each incoming SSRC and times sampled packets by their payload tail.
 * Media thread only, after lg_transport_start(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "bench/loadgen/lg.h"
#include "relay/stun.h"

#define CHECK_INTERVAL_NS   (50 * 1000000LL)
#define CONSENT_INTERVAL_NS (2500 * 1000000LL)
#define ICE_GIVE_UP_NS	    (20 * 1000000000LL)
#define LATE_NS		    (5 * 1000000LL)
#define SEND_BATCH	    32
#define PKT_CAP		    (LG_MAX_RTP + 8 + LG_TAIL_LEN + CRYPTO_SRTP_MAX_TRAILER + 16)

static struct in_addr local_address = {.s_addr = 0x0100007f}; /* 127.0.0.1, network order */

int lg_set_local_address(const char *ipv4)
{
	return inet_pton(AF_INET, ipv4, &local_address) == 1 ? 0 : -EINVAL;
}

int lg_transport_new(bool publishes, struct lg_transport **ret)
{
	struct lg_transport *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->fd < 0) {
		int r = -errno;
		free(t);
		return r;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = local_address};
	socklen_t alen = sizeof(a);
	int one = 1, rcvbuf = 4 << 20;
	if (bind(t->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(t->fd, (struct sockaddr *)&a, &alen) < 0) {
		int r = -errno;
		close(t->fd);
		free(t);
		return r;
	}
	/* Kernel receive times: what the relay added, not our own queueing. */
	(void)setsockopt(t->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	/* Our own drops (SO_RXQ_OVFL) tell loss at the generator from loss
	 * in the relay; a large buffer (forced when we may) keeps them at 0. */
	(void)setsockopt(t->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	t->local_port = ntohs(a.sin_port);
	inet_ntop(AF_INET, &a.sin_addr, t->local_ip, sizeof(t->local_ip));
	t->publishes = publishes;
	for (size_t i = 0; i < 128; i++)
		atomic_init(&t->pt_kind[i], LG_KIND_NONE);
	lg_random_text(t->ufrag, LG_UFRAG_LEN);
	lg_random_text(t->pwd, LG_PWD_LEN);
	t->layers = 1;
	for (int k = 0; k < 1 + LG_MAX_LAYERS; k++) {
		lg_random(&t->out[k].ssrc, sizeof(t->out[k].ssrc));
		lg_random(&t->out[k].seq, sizeof(t->out[k].seq));
		lg_random(&t->out[k].ts_base, sizeof(t->out[k].ts_base));
		t->out[k].ssrc |= 1;
	}
	*ret = t;
	return 0;
}

struct lg_transport *lg_transport_free(struct lg_transport *t)
{
	if (!t)
		return NULL;
	crypto_dtls_free(t->dtls);
	crypto_srtp_free(t->srtp_out);
	crypto_srtp_free(t->srtp_in);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	return NULL;
}

static void fail(struct lg_ctx *ctx, struct lg_transport *t, int code)
{
	if (t->state == LG_T_FAILED)
		return;
	t->state = LG_T_FAILED;
	t->fail_code = code;
	atomic_fetch_add(&ctx->transports_failed, 1);
}

static void send_one(struct lg_transport *t, const uint8_t *buf, size_t len)
{
	(void)send(t->fd, buf, len, MSG_DONTWAIT);
}

static void send_check(struct lg_transport *t, int64_t now)
{
	char username[2 * LG_REMOTE_CRED_MAX + 2];
	int n = snprintf(username, sizeof(username), "%s:%s", t->remote_ufrag, t->ufrag);
	if (n < 0 || (size_t)n >= sizeof(username))
		return;
	lg_random(t->check_txid, sizeof(t->check_txid));
	uint64_t tiebreaker;
	lg_random(&tiebreaker, sizeof(tiebreaker));
	struct relay_stun_request req = {
	    .txid = t->check_txid,
	    .username = username,
	    .username_len = (size_t)n,
	    .priority = 1845501695u, /* prflx, RFC 8445 §5.1.2.1 */
	    .controlling = t->controlling,
	    .tiebreaker = tiebreaker,
	    .use_candidate = t->controlling,
	    .key = t->remote_pwd,
	    .key_len = strlen(t->remote_pwd),
	};
	uint8_t out[RELAY_STUN_MAX_LEN];
	size_t len;
	if (relay_stun_build_request(out, sizeof(out), &req, &len) == 0)
		send_one(t, out, len);
	t->checks_sent++;
	t->next_check_ns =
	    now + (t->state == LG_T_CHECKING ? CHECK_INTERVAL_NS : CONSENT_INTERVAL_NS);
}

static void drain_dtls(struct lg_transport *t)
{
	uint8_t out[CRYPTO_DTLS_MTU];
	size_t len;
	while (crypto_dtls_next_datagram(t->dtls, out, sizeof(out), &len) == 0 && len > 0)
		send_one(t, out, len);
}

int lg_transport_start(struct lg_ctx *ctx, struct lg_transport *t, int64_t now)
{
	if (connect(t->fd, (struct sockaddr *)&t->remote, sizeof(t->remote)) < 0)
		return -errno;
	int r = crypto_dtls_new(ctx->identity, t->dtls_server, t->remote_fingerprint, &t->dtls);
	if (r < 0)
		return r;
	t->state = LG_T_CHECKING;
	send_check(t, now);
	return 0;
}

static void on_dtls_progress(struct lg_ctx *ctx, struct lg_transport *t, int r, int64_t now)
{
	drain_dtls(t);
	if (r < 0) {
		fail(ctx, t, r);
		return;
	}
	int64_t us = crypto_dtls_timeout_us(t->dtls);
	t->dtls_deadline_ns = us < 0 ? -1 : now + us * 1000;
	if (r != CRYPTO_DTLS_CONNECTED || t->state == LG_T_UP)
		return;
	struct crypto_srtp_keys keys;
	r = crypto_dtls_srtp_keys(t->dtls, &keys);
	if (r == 0)
		atomic_fetch_add(keys.profile == CRYPTO_SRTP_AEAD_AES_128_GCM ? &ctx->srtp_gcm
									      : &ctx->srtp_cm,
				 1);
	if (r == 0)
		r = crypto_srtp_new_from_keys(&keys, false, &t->srtp_out);
	if (r == 0)
		r = crypto_srtp_new_from_keys(&keys, true, &t->srtp_in);
	crypto_srtp_keys_wipe(&keys);
	if (r < 0) {
		fail(ctx, t, r);
		return;
	}
	t->state = LG_T_UP;
	t->up_ns = now;
	if (t->publishes) {
		/* Start at a random place of the file so that publishers'
		 * frames do not all fall on the same millisecond. */
		uint32_t pick;
		lg_random(&pick, sizeof(pick));
		t->cursor = pick % ctx->media->count;
		t->loop_start_ns = now - (int64_t)ctx->media->packets[t->cursor].offset_us * 1000;
		atomic_fetch_add(&ctx->pubs_up, 1);
	}
}

static void on_stun(struct lg_ctx *ctx, struct lg_transport *t, const uint8_t *buf, size_t len,
		    int64_t now)
{
	struct relay_stun_msg msg;
	t->stun_in++;
	if (relay_stun_parse(buf, len, &msg) < 0)
		return;
	if (msg.type == RELAY_STUN_BINDING_REQUEST) {
		/* A full agent's checks (Janus): answer them, signed with our password. */
		if (!relay_stun_integrity_ok(buf, len, &msg, t->pwd, strlen(t->pwd)))
			return;
		uint8_t out[RELAY_STUN_MAX_LEN];
		size_t out_len;
		if (relay_stun_build_success(out, sizeof(out), msg.txid,
					     (const struct sockaddr *)&t->remote, t->pwd,
					     strlen(t->pwd), &out_len) == 0)
			send_one(t, out, out_len);
		return;
	}
	if (msg.type != RELAY_STUN_BINDING_SUCCESS ||
	    memcmp(msg.txid, t->check_txid, RELAY_STUN_TXID_LEN) != 0 || t->state != LG_T_CHECKING)
		return;
	t->state = LG_T_DTLS;
	t->next_check_ns = now + CONSENT_INTERVAL_NS;
	if (!t->dtls_server)
		on_dtls_progress(ctx, t, crypto_dtls_start(t->dtls), now);
}

static struct lg_ssrc_stats *find_ssrc(struct lg_ctx *ctx, struct lg_transport *t,
				       const uint8_t *buf, int64_t now)
{
	uint32_t ssrc =
	    (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11];
	for (size_t i = 0; i < t->n_ssrc; i++)
		if (t->ssrc[i].ssrc == ssrc)
			return &t->ssrc[i];
	if (t->n_ssrc == LG_MAX_SSRC_IN)
		return NULL;
	struct lg_ssrc_stats *s = &t->ssrc[t->n_ssrc++];
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->kind = atomic_load_explicit(&t->pt_kind[buf[1] & 0x7f], memory_order_relaxed);
	if (t->first_media_ns == 0)
		t->first_media_ns = now;
	if (s->kind != LG_KIND_NONE)
		t->media_ssrcs++; /* not a probe's or a retransmission's SSRC */
	if (!t->counted_complete && t->media_ssrcs >= t->expected_streams) {
		t->counted_complete = true;
		atomic_fetch_add(&ctx->subs_complete, 1);
	}
	return s;
}

static void record_latency(struct lg_stats *st, int64_t rx_realtime_ns, int64_t sent_ns)
{
	int64_t us = (rx_realtime_ns - sent_ns) / 1000;
	if (us < 0)
		us = 0;
	if (us < LG_HIST_FINE * 10)
		st->hist_fine[us / 10]++;
	else if (us < 20000 + LG_HIST_COARSE * 1000LL)
		st->hist_coarse[(us - 20000) / 1000]++;
	else
		st->hist_over++;
	st->latency_samples++;
}

/* Unprotects and reads the tail: 0 with the counter and send time, or -1. */
static int open_packet(struct lg_transport *t, uint8_t *buf, size_t len, uint32_t *ret_counter,
		       int64_t *ret_sent_ns)
{
	size_t plen = len;
	if (crypto_srtp_unprotect_rtp(t->srtp_in, buf, &plen) < 0) {
		t->undecryptable++;
		return -1;
	}
	if (plen < 12 + LG_TAIL_LEN)
		return -1;
	const uint8_t *tail = buf + plen - LG_TAIL_LEN;
	uint32_t magic =
	    (uint32_t)tail[0] << 24 | (uint32_t)tail[1] << 16 | (uint32_t)tail[2] << 8 | tail[3];
	if (magic != LG_TAIL_MAGIC)
		return -1;
	memcpy(ret_counter, tail + 4, sizeof(*ret_counter));
	memcpy(ret_sent_ns, tail + 8, sizeof(*ret_sent_ns));
	return 0;
}

static void count_rtp(struct lg_ctx *ctx, struct lg_transport *t, uint8_t *buf, size_t len,
		      int64_t rx_realtime_ns, int64_t now)
{
	uint16_t seq = (uint16_t)(buf[2] << 8 | buf[3]);
	struct lg_ssrc_stats *s = find_ssrc(ctx, t, buf, now);
	if (!s)
		return;
	bool sample = ctx->window_active && seq % ctx->decrypt_every == 0;
	if (!s->want_start && !s->want_end && !sample) {
		s->received++; /* the common case: counted, not opened */
		return;
	}
	uint32_t counter;
	int64_t sent_ns;
	bool opened = open_packet(t, buf, len, &counter, &sent_ns) == 0;
	if (opened && s->want_end) {
		/* The first packet after the window: not in it. */
		s->want_end = false;
		s->have_end = true;
		s->end_counter = counter;
		s->received++;
		return;
	}
	if (opened && s->want_start) {
		s->want_start = false;
		s->have_start = true;
		s->start_counter = counter;
		s->received_at_start = s->received;
	}
	s->received++;
	if (opened && sample)
		record_latency(&ctx->stats, rx_realtime_ns, sent_ns);
}

void lg_transport_on_datagram(struct lg_ctx *ctx, struct lg_transport *t, uint8_t *buf, size_t len,
			      int64_t rx_realtime_ns, int64_t now)
{
	if (len == 0 || t->state == LG_T_FAILED)
		return;
	uint8_t b = buf[0];
	if (b < 4) { /* RFC 7983 */
		on_stun(ctx, t, buf, len, now);
	} else if (b >= 20 && b <= 63) {
		t->dtls_in++;
		on_dtls_progress(ctx, t, crypto_dtls_receive(t->dtls, buf, len), now);
	} else if (b >= 128 && b <= 191 && len >= 12 && t->state == LG_T_UP) {
		if (buf[1] >= 192 && buf[1] <= 223)
			t->rtcp_in++; /* RFC 5761 §4: RTCP; not needed here */
		else if (!t->publishes)
			count_rtp(ctx, t, buf, len, rx_realtime_ns, now);
	}
}

void lg_transport_tick(struct lg_ctx *ctx, struct lg_transport *t, int64_t now)
{
	if (t->state == LG_T_FAILED)
		return;
	if (t->state == LG_T_CHECKING && t->checks_sent * CHECK_INTERVAL_NS > ICE_GIVE_UP_NS) {
		fail(ctx, t, -ETIMEDOUT);
		return;
	}
	if (now >= t->next_check_ns)
		send_check(t, now);
	if (t->state == LG_T_DTLS && t->dtls_deadline_ns >= 0 && now >= t->dtls_deadline_ns)
		on_dtls_progress(ctx, t, crypto_dtls_on_timeout(t->dtls), now);
}

/* The rid of encoding k of n, lowest first: as the browser client names
 * them (docs/protocol.md, "Simulcast"). */
const char *lg_layer_rid(int k, int n)
{
	static const char *const rids[] = {"q", "h", "f"};
	return rids[LG_MAX_LAYERS - n + k];
}

/* Inserts the mid and rid one-byte header extensions (RFC 8285 §4.2: one
 * 32-bit word: 0xBEDE, length 1, two one-byte elements) after the fixed
 * header of the packet in buf (len bytes, no CSRC, no extension yet).
 * Returns the new length. */
static size_t add_rid(uint8_t *buf, size_t len, const char *rid)
{
	memmove(buf + 12 + 8, buf + 12, len - 12);
	uint8_t ext[8] = {0xbe,		  0xde, 0, 1, LG_EXT_MID_ID << 4, '1', LG_EXT_RID_ID << 4,
			  (uint8_t)rid[0]};
	memcpy(buf + 12, ext, sizeof(ext));
	buf[0] |= 0x10;
	return len + 8;
}

/* --layer-sizes: the share of each frame's packets encoding k of n
 * carries, as Chromium's encodings at scales 4, 2 and 1 of a 640x480
 * camera do (measured: about 1/8 and 1/3 of the top one's packets), at
 * least one packet a frame. A frame of a lower encoding is its first
 * packets; the relay forwards it as it comes (a subscriber of a lower
 * encoding would not decode it). Whether packet p goes into encoding k;
 * *ret_end when it is the last one of its frame there. */
static bool lower_layer_carries(const struct lg_media_packet *p, int k, int n, bool *ret_end)
{
	static const unsigned share[LG_MAX_LAYERS] = {8, 3, 1}; /* one in */
	unsigned d = share[LG_MAX_LAYERS - n + k];
	unsigned keep = (p->frame_packets + d - 1) / d; /* frame_packets >= 1 */
	*ret_end = keep < p->frame_packets && p->frame_at == keep - 1;
	return p->frame_at < keep;
}

/* Packet p of the file as stream s (out[] index) sends it into buf. */
static size_t build_packet(struct lg_ctx *ctx, struct lg_transport *t,
			   const struct lg_media_packet *p, int s_index, uint8_t *buf)
{
	const struct lg_media *m = ctx->media;
	struct lg_publish_stream *s = &t->out[s_index];
	memcpy(buf, p->rtp, p->len);
	uint32_t rec_ts = (uint32_t)p->rtp[4] << 24 | (uint32_t)p->rtp[5] << 16 |
			  (uint32_t)p->rtp[6] << 8 | p->rtp[7];
	uint32_t ts = s->ts_base + (rec_ts - m->ts_first[p->kind]) + t->loops * m->ts_span[p->kind];
	uint16_t seq = s->seq++;
	buf[1] = (uint8_t)((p->rtp[1] & 0x80) | (p->kind == LG_VIDEO ? LG_VIDEO_PT : LG_AUDIO_PT));
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	buf[8] = (uint8_t)(s->ssrc >> 24);
	buf[9] = (uint8_t)(s->ssrc >> 16);
	buf[10] = (uint8_t)(s->ssrc >> 8);
	buf[11] = (uint8_t)s->ssrc;
	size_t len = p->len;
	/* The file's packets have a plain 12-byte header (rtpvp8pay). */
	if (p->kind == LG_VIDEO && t->layers > 1 && s->counter < LG_RID_PACKETS &&
	    (buf[0] & 0x1f) == 0)
		len = add_rid(buf, len, lg_layer_rid(s_index - LG_VIDEO, t->layers));
	uint8_t *tail = buf + len;
	tail[0] = (uint8_t)(LG_TAIL_MAGIC >> 24);
	tail[1] = (uint8_t)(LG_TAIL_MAGIC >> 16);
	tail[2] = (uint8_t)(LG_TAIL_MAGIC >> 8);
	tail[3] = (uint8_t)LG_TAIL_MAGIC;
	int64_t sent_ns = lg_realtime_ns();
	memcpy(tail + 4, &s->counter, sizeof(s->counter));
	s->counter++;
	memcpy(tail + 8, &sent_ns, sizeof(sent_ns));
	return len + LG_TAIL_LEN;
}

void lg_transport_pace(struct lg_ctx *ctx, struct lg_transport *t, int64_t now)
{
	static _Alignas(16) uint8_t bufs[SEND_BATCH][PKT_CAP];
	struct mmsghdr msgs[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	const struct lg_media *m = ctx->media;
	if (!t->publishes || t->state != LG_T_UP)
		return;
	for (;;) {
		unsigned n = 0;
		bool full = false;
		for (;;) {
			const struct lg_media_packet *p = &m->packets[t->cursor];
			int copies = p->kind == LG_VIDEO ? t->layers : 1;
			int64_t due = t->loop_start_ns + (int64_t)p->offset_us * 1000;
			if (due > now)
				break;
			if (n + (unsigned)copies > SEND_BATCH) {
				full = true;
				break;
			}
			if (now - due > LATE_NS)
				t->sent_late++;
			if (now - due > t->late_max_ns)
				t->late_max_ns = now - due;
			if (++t->cursor == m->count) {
				t->cursor = 0;
				t->loop_start_ns += (int64_t)m->loop_ns;
				t->loops++;
			}
			/* Simulcast: each encoding is the recorded stream again,
			 * under its own SSRC and sequence numbers. */
			for (int k = 0; k < copies; k++) {
				bool frame_end = false;
				if (p->kind == LG_VIDEO && ctx->layer_sizes &&
				    !lower_layer_carries(p, k, t->layers, &frame_end))
					continue;
				size_t len = build_packet(ctx, t, p, p->kind + k, bufs[n]);
				if (frame_end)
					bufs[n][1] |= 0x80; /* its frame's last packet */
				if (crypto_srtp_protect_rtp(t->srtp_out, bufs[n], &len, PKT_CAP) <
				    0)
					continue;
				iov[n] = (struct iovec){.iov_base = bufs[n], .iov_len = len};
				msgs[n] = (struct mmsghdr){
				    .msg_hdr = {.msg_iov = &iov[n], .msg_iovlen = 1}};
				n++;
			}
		}
		if (n == 0)
			return;
		int sent = sendmmsg(t->fd, msgs, n, MSG_DONTWAIT);
		if (sent > 0) {
			t->sent += (uint64_t)sent;
			if (ctx->window_active)
				t->sent_window += (uint64_t)sent;
		}
		if (!full)
			return;
	}
}

void lg_stats_window_begin(struct lg_ctx *ctx)
{
	memset(&ctx->stats, 0, sizeof(ctx->stats));
	for (size_t i = 0; i < ctx->n_all; i++) {
		struct lg_transport *t = ctx->all[i];
		t->sent_window = 0;
		for (size_t k = 0; k < t->n_ssrc; k++) {
			t->ssrc[k].want_start = true;
			t->ssrc[k].received_at_open = t->ssrc[k].received;
		}
	}
	ctx->window_active = true;
}

void lg_stats_window_end(struct lg_ctx *ctx)
{
	ctx->window_active = false;
	for (size_t i = 0; i < ctx->n_all; i++) {
		struct lg_transport *t = ctx->all[i];
		for (size_t k = 0; k < t->n_ssrc; k++) {
			struct lg_ssrc_stats *s = &t->ssrc[k];
			s->want_start = false;
			s->want_end = s->have_start;
			s->received_at_end = s->received;
		}
	}
}

bool lg_stats_window_closed(const struct lg_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_all; i++) {
		const struct lg_transport *t = ctx->all[i];
		for (size_t k = 0; k < t->n_ssrc; k++)
			if (t->ssrc[k].want_end)
				return false;
	}
	return true;
}
