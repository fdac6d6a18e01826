/* The relay's packet path at a chosen rate, without browsers: one media
 * worker thread (relay/worker.c, its epoll loop, recvmmsg and sendmmsg on a
 * loopback UDP socket) with P publishers whose SRTP is already keyed, each
 * publishing one stream to S subscribers. A sender thread paces protected
 * RTP packets to the worker from the publishers' sockets; a sink thread
 * counts what reaches the subscribers' sockets.
 *
 * Reported: the worker thread's own CPU time (user + system) per forwarded
 * packet, its share of a core, and the loss (worker counters against what
 * was sent and received), so figures stay meaningful on a busy machine.
 * The DTLS handshake is skipped: transports are put on the worker before
 * its thread starts, as relay_worker_add and a DTLS completion would.
 *
 *   hearth-relay-bench [-p publishers] [-s subscribers] [-r packets/s in,
 *       0 = as fast as the worker takes them] [-t seconds] [-b bytes] [-g] [-w]
 *   -g: AEAD_AES_128_GCM (the browsers' choice) instead of AES-CM.
 *   -w: packets carry a transport-wide sequence number that the worker
 *       reads and sends congestion feedback for (relay/twcc.c).
 *   -n N: send N packets at full speed, then stop (for callgrind).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/micro/relay_bench.h"
#include "crypto/srtp.h"
#include "relay/transport.h"

static int64_t mono_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int parse_uint(const char *s, unsigned long max, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct rb_config *c)
{
	int opt;

	*c = (struct rb_config){.publishers = 2,
				.subscribers = 3,
				.rate = 20000,
				.seconds = 5,
				.bytes = 1200,
				.profile = CRYPTO_SRTP_AES128_CM_SHA1_80};
	while ((opt = getopt(argc, argv, "p:s:r:t:b:n:gwT")) != -1) {
		int r = 0;
		switch (opt) {
		case 'p':
			r = parse_uint(optarg, RB_MAX_PEERS, &c->publishers);
			break;
		case 's':
			r = parse_uint(optarg, RB_MAX_PEERS, &c->subscribers);
			break;
		case 'r':
			r = parse_uint(optarg, 10000000, &c->rate);
			break;
		case 't':
			r = parse_uint(optarg, 3600, &c->seconds);
			break;
		case 'b':
			r = parse_uint(optarg, 1400, &c->bytes);
			break;
		case 'n':
			r = parse_uint(optarg, 100000000, &c->count);
			break;
		case 'g':
			c->profile = CRYPTO_SRTP_AEAD_AES_128_GCM;
			break;
		case 'w':
			c->twcc = true;
			break;
		case 'T':
			c->tcp = true;
			break;
		default:
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	if (optind != argc || !c->publishers || !c->subscribers || c->bytes < 24 || !c->seconds ||
	    c->subscribers > RELAY_MAX_OUTS)
		return -EINVAL;
	return 0;
}

/* Waits until the sink has seen everything the worker forwarded (or a
 * moment passed), so the counters compare like with like. */
static void settle(struct rb_bench *b)
{
	for (int i = 0; i < 50; i++) {
		uint64_t fwd = atomic_load(&b->worker.rtp_forwarded);
		if (atomic_load(&b->received) >= fwd)
			return;
		usleep(2000);
	}
}

static void report(struct rb_bench *b, double secs, uint64_t sent, uint64_t in, uint64_t fwd,
		   uint64_t got, int64_t cpu_ns)
{
	printf("%u publishers -> %u subscribers over %s, %s, %u bytes: %.0f packets/s in, %.0f "
	       "forwarded/s\n",
	       b->cfg.publishers, b->cfg.subscribers, b->cfg.tcp ? "ICE-TCP" : "UDP",
	       b->cfg.profile == CRYPTO_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM"
							      : "AES_CM_128_HMAC_SHA1_80",
	       b->cfg.bytes, in / secs, fwd / secs);
	printf("worker CPU %.1f %% of a core: %.2f us per forwarded packet (%.0f forwarded per "
	       "core-second)\n",
	       100.0 * (double)cpu_ns / (secs * 1e9), fwd ? (double)cpu_ns / 1e3 / fwd : 0.0,
	       cpu_ns ? fwd / ((double)cpu_ns / 1e9) : 0.0);
	printf("loss: %.3f %% before the worker (%llu sent, %llu received), %.3f %% after "
	       "(%llu forwarded, %llu arrived); %llu SRTP failures, %llu not sent by the worker\n",
	       sent ? 100.0 * (double)(sent - (in < sent ? in : sent)) / sent : 0.0,
	       (unsigned long long)sent, (unsigned long long)in,
	       fwd ? 100.0 * (double)(fwd - (got < fwd ? got : fwd)) / fwd : 0.0,
	       (unsigned long long)fwd, (unsigned long long)got,
	       (unsigned long long)atomic_load(&b->worker.srtp_failures),
	       (unsigned long long)atomic_load(&b->worker.send_dropped));
}

int main(int argc, char **argv)
{
	struct rb_bench *b = calloc(1, sizeof(*b));
	clockid_t worker_clock;
	int r;

	if (!b)
		return 1;
	if (parse_args(argc, argv, &b->cfg) < 0) {
		fprintf(stderr,
			"usage: %s [-p publishers] [-s subscribers] [-r packets/s, 0 = flat out] "
			"[-t seconds] [-b bytes] [-n packets] [-g] [-w] [-T]\n",
			argv[0]);
		return 64;
	}
	r = rb_setup(b);
	if (r < 0) {
		fprintf(stderr, "set-up failed: %s\n", strerror(-r));
		return 1;
	}
	printf("%s\n", crypto_srtp_library());
	if (rb_start(b) < 0 || pthread_getcpuclockid(b->worker.thread, &worker_clock) != 0) {
		fprintf(stderr, "cannot start the threads\n");
		return 1;
	}

	/* A second of warm-up (unless counting packets), then the window. */
	if (!b->cfg.count)
		usleep(1000000);
	settle(b);
	uint64_t s0 = atomic_load(&b->sent), i0 = atomic_load(&b->worker.datagrams_received),
		 f0 = atomic_load(&b->worker.rtp_forwarded), g0 = atomic_load(&b->received);
	int64_t c0 = mono_ns(worker_clock), t0 = mono_ns(CLOCK_MONOTONIC);
	if (b->cfg.count) {
		while (!atomic_load(&b->sender_done))
			usleep(1000);
	} else {
		usleep(b->cfg.seconds * 1000000u);
	}
	settle(b);
	uint64_t s1 = atomic_load(&b->sent), i1 = atomic_load(&b->worker.datagrams_received),
		 f1 = atomic_load(&b->worker.rtp_forwarded), g1 = atomic_load(&b->received);
	int64_t c1 = mono_ns(worker_clock), t1 = mono_ns(CLOCK_MONOTONIC);

	report(b, (double)(t1 - t0) / 1e9, s1 - s0, i1 - i0, f1 - f0, g1 - g0, c1 - c0);
	rb_stop(b);
	free(b);
	return 0;
}
