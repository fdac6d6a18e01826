/* hearth-relay-bench -T: every peer over ICE-TCP. The worker gets its TCP
 * side (relay/tcp.c, one worker's hub); once it runs, each peer connects,
 * sends a framed STUN Binding request with USE-CANDIDATE and the
 * transport's credentials, and waits for the answer: the transport is then
 * bound to the connection, as a browser's would be. Packets go both ways
 * as RFC 4571 frames. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/micro/relay_bench.h"
#include "relay/framing.h"
#include "relay/stun.h"
#include "relay/tcp.h"
#include "relay/tcp_hub.h"

int rb_tcp_setup(struct rb_bench *b)
{
	int r = relay_tcp_hub_new(1, &b->hub);

	if (r == 0)
		r = relay_tcp_init(&b->worker, b->hub, "127.0.0.1", 0, &b->tcp_port);
	return r;
}

/* Reads exactly len bytes within a second. */
static int rb_read_full(int fd, uint8_t *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0)
			return -ETIMEDOUT;
		ssize_t n = recv(fd, buf + have, len - have, 0);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		have += (size_t)n;
	}
	return 0;
}

int rb_tcp_bind(struct rb_bench *b, struct rb_peer *peer)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons((uint16_t)b->tcp_port)};
	uint8_t txid[RELAY_STUN_TXID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint8_t buf[RELAY_FRAMING_HEADER + 512];
	char username[64];
	size_t len = 0;
	int one = 1, size = 4 << 20;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	snprintf(username, sizeof(username), "bench%u:peer", peer->id);
	struct relay_stun_request rq = {
	    .txid = txid,
	    .username = username,
	    .username_len = strlen(username),
	    .priority = 1,
	    .controlling = true,
	    .tiebreaker = 1,
	    .use_candidate = true,
	    .key = "bench-password-of-22-chars",
	    .key_len = strlen("bench-password-of-22-chars"),
	};
	if (relay_stun_build_request(buf + RELAY_FRAMING_HEADER, sizeof(buf) - RELAY_FRAMING_HEADER,
				     &rq, &len) < 0) {
		close(fd);
		return -EINVAL;
	}
	relay_framing_header(buf, len);
	if (send(fd, buf, RELAY_FRAMING_HEADER + len, MSG_NOSIGNAL) < 0)
		goto fail;
	/* The answer: a Binding success response (RFC 5389 §7.3.1.1). */
	int r = rb_read_full(fd, buf, RELAY_FRAMING_HEADER);
	len = (size_t)buf[0] << 8 | buf[1];
	if (r == 0 && len > sizeof(buf))
		r = -EBADMSG;
	if (r == 0)
		r = rb_read_full(fd, buf, len);
	if (r == 0 && (buf[0] << 8 | buf[1]) != RELAY_STUN_BINDING_SUCCESS)
		r = -EACCES;
	if (r < 0) {
		close(fd);
		return r;
	}
	close(peer->fd); /* the UDP socket the transport was bound to */
	peer->fd = fd;
	return 0;
fail:;
	int e = -errno;
	close(fd);
	return e;
}

unsigned rb_tcp_send(struct rb_peer *peer, uint8_t (*pkt)[1536], const size_t *len, unsigned n)
{
	static _Thread_local uint8_t out[32 * (RELAY_FRAMING_HEADER + 1536)];
	size_t used = 0, off = 0;
	unsigned k;

	for (k = 0; k < n && k < 32 && len[k]; k++) {
		relay_framing_header(out + used, len[k]);
		memcpy(out + used + RELAY_FRAMING_HEADER, pkt[k], len[k]);
		used += RELAY_FRAMING_HEADER + len[k];
	}
	while (off < used) { /* blocking: a full socket paces the sender */
		ssize_t w = send(peer->fd, out + off, used - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		off += (size_t)w;
	}
	return k;
}

unsigned rb_tcp_drain(struct rb_peer *peer)
{
	static _Thread_local uint8_t buf[64 * 1024];
	unsigned frames = 0;
	ssize_t n;

	while ((n = recv(peer->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (size_t pos = 0; pos < (size_t)n;) {
			if (peer->left == 0) {
				peer->hdr[peer->hdr_have++] = buf[pos++];
				if (peer->hdr_have == 2) {
					peer->left = (unsigned)peer->hdr[0] << 8 | peer->hdr[1];
					peer->hdr_have = 0;
					frames += peer->left == 0;
				}
				continue;
			}
			size_t take = (size_t)n - pos < peer->left ? (size_t)n - pos : peer->left;
			pos += take;
			peer->left -= (unsigned)take;
			frames += peer->left == 0;
		}
	}
	return frames;
}

void rb_tcp_clear(struct rb_bench *b)
{
	b->hub = relay_tcp_hub_free(b->hub);
}
