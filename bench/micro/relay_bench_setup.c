/* hearth-relay-bench's moving parts: the worker with transports keyed as a
 * finished DTLS handshake would leave them, the paced sender and the sink. */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "bench/micro/relay_bench.h"
#include "crypto/dtls.h"
#include "config/addr_pair.h"
#include "relay/transport.h"

#define RB_BATCH 32
#define RB_SLOT	 1536
#define RB_AHEAD 1024

static int rb_socket(int worker_port, struct sockaddr_storage *ret_addr)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), size = 8 << 20;

	if (fd < 0)
		return -errno;
	/* Best effort: the kernel caps it at net.core.rmem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		goto fail;
	memset(ret_addr, 0, sizeof(*ret_addr));
	memcpy(ret_addr, &a, sizeof(a));
	a.sin_port = htons((uint16_t)worker_port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	return fd;
fail:;
	int r = -errno;
	close(fd);
	return r;
}

static void rb_key(unsigned id, uint8_t *key, uint8_t *salt)
{
	for (unsigned i = 0; i < CRYPTO_SRTP_MAX_KEY; i++)
		key[i] = (uint8_t)(id * 31 + i);
	for (unsigned i = 0; i < CRYPTO_SRTP_MAX_SALT; i++)
		salt[i] = (uint8_t)(id * 17 + i * 3);
}

/* A transport on the worker, bound to our socket's address and keyed with
 * rb_key(id): what ICE, DTLS and relay_transport_key_srtp would leave. */
static int rb_transport(struct rb_bench *b, unsigned id, bool publishing, uint32_t ssrc,
			struct rb_peer *peer, struct relay_transport **ret)
{
	struct relay_worker *w = &b->worker;
	struct relay_transport_params *p = calloc(1, sizeof(*p));
	struct relay_transport *t;
	struct sockaddr_storage addr;
	uint8_t key[CRYPTO_SRTP_MAX_KEY], salt[CRYPTO_SRTP_MAX_SALT];
	size_t kl, sl;
	int r;

	if (!p)
		return -ENOMEM;
	p->id = id;
	p->session_id = 1;
	snprintf(p->local_ufrag, sizeof(p->local_ufrag), "bench%u", id);
	/* For -T's STUN check (relay_bench_tcp.c). */
	snprintf(p->local_pwd, sizeof(p->local_pwd), "bench-password-of-22-chars");
	snprintf(p->remote_ufrag, sizeof(p->remote_ufrag), "peer");
	peer->id = id;
	snprintf(p->remote_fingerprint, sizeof(p->remote_fingerprint), "%s",
		 crypto_dtls_identity_fingerprint(b->identity));
	p->publishing = publishing;
	if (publishing) {
		p->stream_count = 1;
		p->streams[0] = (struct relay_stream){.ssrc = ssrc,
						      .payload_type = 96,
						      .kind = RELAY_STREAM_VIDEO,
						      .twcc_ext_id = b->cfg.twcc ? 3 : 0};
	}
	t = relay_transport_new(p, b->identity, 0); /* takes p */
	if (!t)
		return -ENOMEM;
	r = peer->fd = rb_socket(w->port, &addr);
	if (r < 0)
		goto fail;
	rb_key(id, key, salt);
	crypto_srtp_profile_lengths(b->cfg.profile, &kl, &sl);
	/* One key both ways is enough here (DTLS-SRTP has one per direction). */
	r = crypto_srtp_new(b->cfg.profile, key, kl, salt, sl, true, &t->srtp_in);
	if (r == 0)
		r = crypto_srtp_new(b->cfg.profile, key, kl, salt, sl, false, &t->srtp_out);
	if (r == 0 && publishing)
		r = crypto_srtp_new(b->cfg.profile, key, kl, salt, sl, false, &peer->srtp);
	if (r < 0)
		goto fail;
	peer->ssrc = ssrc;
	t->state = RELAY_TRANSPORT_UP;
	t->consent_us = INT64_MAX / 2; /* consent never expires here */
	t->remote = addr;
	t->remote_len = sizeof(struct sockaddr_in);
	relay_addr_key_from(&addr, &t->addr_key);
	t->bound = true;
	g_hash_table_insert(w->by_id, &t->p.id, t);
	g_hash_table_insert(w->by_ufrag, t->p.local_ufrag, t);
	g_hash_table_insert(w->by_addr, &t->addr_key, t);
	*ret = t;
	return 0;
fail:
	relay_transport_free(t);
	return r;
}

int rb_setup(struct rb_bench *b)
{
	struct relay_transport *subs[RB_MAX_PEERS];
	int r;

	for (unsigned i = 0; i < RB_MAX_PEERS; i++)
		b->pubs[i].fd = b->subs[i].fd = -1;
	r = crypto_srtp_global_init();
	if (r == 0)
		r = crypto_dtls_identity_generate(&b->identity);
	if (r < 0)
		return r;
	b->control_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->control_wake_fd < 0)
		return -errno;
	static const struct cfg_addr_pair loopback = {.v4 = "127.0.0.1"};
	r = relay_worker_init(&b->worker, 0, &loopback, 0, b->control_wake_fd, b->identity);
	if (r == 0 && b->cfg.tcp)
		r = rb_tcp_setup(b);
	for (unsigned i = 0; r == 0 && i < b->cfg.subscribers; i++)
		r = rb_transport(b, 1000 + i, false, 0, &b->subs[i], &subs[i]);
	for (unsigned i = 0; r == 0 && i < b->cfg.publishers; i++) {
		struct relay_transport *pub;
		r = rb_transport(b, 1 + i, true, 0x10000 + i, &b->pubs[i], &pub);
		/* relay_worker_routes: the stream to every subscriber. */
		for (unsigned s = 0; r == 0 && s < b->cfg.subscribers; s++)
			pub->pub[0].outs[pub->pub[0].out_count++] =
			    (struct relay_out){.to = subs[s],
					       .payload_type = 96,
					       .max_height = RELAY_HEIGHT_ANY,
					       .max_layer = RELAY_LAYER_NONE};
	}
	return r;
}

/* Writes and protects the next packet of publisher p into slot. */
static size_t rb_packet(struct rb_bench *b, struct rb_peer *p, uint8_t *slot)
{
	size_t len = b->cfg.bytes;
	uint32_t ts = (uint32_t)p->seq * 3000u;

	memset(slot + 12, 0xa5, len - 12);
	slot[0] = 0x80;
	slot[1] = 96;
	slot[2] = (uint8_t)(p->seq >> 8), slot[3] = (uint8_t)p->seq;
	slot[4] = (uint8_t)(ts >> 24), slot[5] = (uint8_t)(ts >> 16);
	slot[6] = (uint8_t)(ts >> 8), slot[7] = (uint8_t)ts;
	slot[8] = (uint8_t)(p->ssrc >> 24), slot[9] = (uint8_t)(p->ssrc >> 16);
	slot[10] = (uint8_t)(p->ssrc >> 8), slot[11] = (uint8_t)p->ssrc;
	p->seq++;
	if (b->cfg.twcc) {
		/* RFC 8285 one-byte form: id 1 (1 byte), id 3 (2 bytes), padding. */
		static const uint8_t ext[] = {0xbe, 0xde, 0, 2, 0x10, 0x01, 0x31, 0, 0, 0, 0, 0};
		slot[0] |= 0x10;
		memcpy(slot + 12, ext, sizeof(ext));
		slot[19] = (uint8_t)(p->twcc_seq >> 8), slot[20] = (uint8_t)p->twcc_seq;
		p->twcc_seq++;
	}
	return crypto_srtp_protect_rtp(p->srtp, slot, &len, RB_SLOT) == 0 ? len : 0;
}

/* Sends one burst of up to RB_BATCH packets from one publisher. */
static unsigned rb_send_burst(struct rb_bench *b, struct rb_peer *p, unsigned n)
{
	static _Thread_local _Alignas(8) uint8_t buf[RB_BATCH][RB_SLOT];
	struct mmsghdr msgs[RB_BATCH];
	struct iovec iov[RB_BATCH];
	size_t lens[RB_BATCH];
	unsigned k = 0;

	for (; k < n && k < RB_BATCH; k++) {
		iov[k] = (struct iovec){.iov_base = buf[k],
					.iov_len = lens[k] = rb_packet(b, p, buf[k])};
		msgs[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
	}
	if (b->cfg.tcp)
		return rb_tcp_send(p, buf, lens, k);
	int sent = sendmmsg(p->fd, msgs, k, 0);
	return sent > 0 ? (unsigned)sent : 0;
}

/* The sender runs at a lower priority than the worker and the sink (nice
 * 10, on this thread only as Linux applies it), so that on a small machine
 * the worker is not starved by the very load it is measured with. */
static void rb_yield_to_worker(void)
{
	(void)setpriority(PRIO_PROCESS, 0, 10);
}

/* Paces packets by the clock in bursts of at most 1 ms worth (a video
 * frame arrives as such a burst), publishers in turn. */
static void *rb_sender_main(void *arg)
{
	struct rb_bench *b = arg;
	struct timespec start, now;
	uint64_t total = 0;
	unsigned next = 0;

	rb_yield_to_worker();
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!atomic_load(&b->stop)) {
		uint64_t due;
		if (b->cfg.count) {
			due = b->cfg.count;
			if (total >= due)
				break;
		} else if (b->cfg.rate) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			double el = (double)(now.tv_sec - start.tv_sec) +
				    (double)(now.tv_nsec - start.tv_nsec) / 1e9;
			due = (uint64_t)(el * b->cfg.rate);
			if (due <= total) {
				usleep(500);
				continue;
			}
		} else {
			/* Flat out, but at most RB_AHEAD packets ahead of what the
			 * worker has taken: the worker saturates without the socket
			 * dropping runs of packets (after 2^15 in a row, SRTP's
			 * rollover estimate would lose the stream). */
			uint64_t taken = atomic_load(&b->worker.datagrams_received);
			due = taken + RB_AHEAD;
			if (due <= total) {
				sched_yield();
				continue;
			}
		}
		unsigned want = due - total > RB_BATCH ? RB_BATCH : (unsigned)(due - total);
		unsigned n = rb_send_burst(b, &b->pubs[next], want);
		next = (next + 1) % b->cfg.publishers;
		total += n;
		atomic_fetch_add(&b->sent, n);
		if (n < want) /* socket full: let the worker catch up */
			usleep(100);
	}
	atomic_store(&b->sender_done, true);
	return NULL;
}

/* Counts every datagram that reaches a subscriber's socket. */
static void *rb_sink_main(void *arg)
{
	static _Thread_local uint8_t buf[RB_BATCH][RB_SLOT];
	struct rb_bench *b = arg;
	struct epoll_event evs[16];
	struct mmsghdr msgs[RB_BATCH];
	struct iovec iov[RB_BATCH];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return NULL;
	for (unsigned i = 0; i < b->cfg.subscribers; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		epoll_ctl(ep, EPOLL_CTL_ADD, b->subs[i].fd, &ev);
	}
	/* Over TCP, publishers' RTCP from the worker is read (and dropped):
	 * a connection nobody reads is a slow reader. */
	for (unsigned i = 0; b->cfg.tcp && i < b->cfg.publishers; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = RB_MAX_PEERS + i};
		epoll_ctl(ep, EPOLL_CTL_ADD, b->pubs[i].fd, &ev);
	}
	while (!atomic_load(&b->stop)) {
		int n = epoll_wait(ep, evs, 16, 50);
		for (int e = 0; e < n; e++) {
			uint32_t who = evs[e].data.u32;
			if (b->cfg.tcp) {
				unsigned frames =
				    rb_tcp_drain(who < RB_MAX_PEERS ? &b->subs[who]
								    : &b->pubs[who - RB_MAX_PEERS]);
				if (who < RB_MAX_PEERS)
					atomic_fetch_add(&b->received, frames);
				continue;
			}
			int fd = b->subs[who].fd, got;
			do {
				for (int k = 0; k < RB_BATCH; k++) {
					iov[k] =
					    (struct iovec){.iov_base = buf[k], .iov_len = RB_SLOT};
					msgs[k] = (struct mmsghdr){
					    .msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
				}
				got = recvmmsg(fd, msgs, RB_BATCH, MSG_DONTWAIT, NULL);
				if (got > 0)
					atomic_fetch_add(&b->received, (uint64_t)got);
			} while (got == RB_BATCH);
		}
	}
	close(ep);
	return NULL;
}

int rb_start(struct rb_bench *b)
{
	int r = relay_worker_start(&b->worker);

	for (unsigned i = 0; r == 0 && b->cfg.tcp && i < b->cfg.subscribers; i++)
		r = rb_tcp_bind(b, &b->subs[i]);
	for (unsigned i = 0; r == 0 && b->cfg.tcp && i < b->cfg.publishers; i++)
		r = rb_tcp_bind(b, &b->pubs[i]);

	if (r == 0 && pthread_create(&b->sink, NULL, rb_sink_main, b) != 0)
		r = -EAGAIN;
	if (r == 0 && pthread_create(&b->sender, NULL, rb_sender_main, b) != 0)
		r = -EAGAIN;
	return r;
}

void rb_stop(struct rb_bench *b)
{
	struct relay_msg stop = {.type = RELAY_CMD_STOP};

	atomic_store(&b->stop, true);
	pthread_join(b->sender, NULL);
	pthread_join(b->sink, NULL);
	while (relay_queue_push(&b->worker.commands, &stop) == -EAGAIN)
		usleep(1000);
	relay_worker_clear(&b->worker);
	for (unsigned i = 0; i < RB_MAX_PEERS; i++) {
		if (b->pubs[i].fd >= 0)
			close(b->pubs[i].fd);
		if (b->subs[i].fd >= 0)
			close(b->subs[i].fd);
		crypto_srtp_free(b->pubs[i].srtp);
	}
	rb_tcp_clear(b);
	close(b->control_wake_fd);
	crypto_dtls_identity_free(b->identity);
}
