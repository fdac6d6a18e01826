// nfq_delay: a fixed delay for the packets of one NFQUEUE queue, for a
// kernel without sch_netem (../shared/notes/network-impairment.md).
//
//   nfq_delay -q QUEUE -d DELAY_MS [-l LIMIT] [-t SECONDS] [-v]
//
// It binds queue QUEUE over a raw nfnetlink socket (no library), takes each
// packet's metadata only (the payload stays in the kernel) and gives the
// packet its ACCEPT verdict DELAY_MS after it arrived here. The delay is the
// same for every packet, so the deadlines come in arrival order and one
// ring of (packet id, deadline) holds every packet's timer; the loop sleeps
// in ppoll until the earliest deadline or the next packet.
//
// Bounded: at most LIMIT packets wait (default 4096; one more is dropped, as
// a full router buffer would, and counted), the kernel's queue is set a
// little longer, and the program stops after SECONDS (default 3600). On
// SIGTERM, SIGINT or the time limit every waiting packet is accepted at
// once, the queue is unbound and the counts are printed on stderr:
//   nfq_delay: queue 1, delay 40 ms: 12345 packets, 0 dropped (full),
//   0 lost (buffer overrun), max 37 waiting, verdicts late by max 0.9 ms,
//   mean 0.1 ms, > 5 ms: 0, > 20 ms: 0
// With the rule's --queue-bypass, packets pass undelayed while no program
// is bound.
#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LIMIT 4096u
#define MAX_LIMIT (1u << 20)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// One waiting packet: its id and when its verdict is due.
struct waiting {
	uint32_t id;
	uint64_t due_ns;
};

struct ring {
	struct waiting *items;
	uint32_t cap;
	uint32_t head;
	uint32_t len;
};

struct counts {
	uint64_t packets;
	uint64_t dropped_full;
	uint64_t send_errors;
	uint64_t overruns;
	uint64_t released_due;
	uint32_t max_waiting;
	uint64_t late_max_ns;
	uint64_t late_5ms;
	uint64_t late_20ms;
	uint64_t late_sum_ns;
};

static int nl_fd = -1;
static uint16_t queue_num;
static uint32_t seq;

// Appends one attribute to the message in buf (len is the message's
// current, aligned length); returns the new length.
static size_t put_attr(char *buf, size_t len, uint16_t type, const void *data, uint16_t size)
{
	struct nlattr *a = (struct nlattr *)(buf + len);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + size);
	memcpy(buf + len + NLA_HDRLEN, data, size);
	return len + NLA_ALIGN(a->nla_len);
}

// A message header and the nfnetlink header for this queue.
static size_t start_msg(char *buf, uint16_t msg_type, uint16_t flags)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	memset(buf, 0, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	nh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_QUEUE << 8) | msg_type);
	nh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nh->nlmsg_seq = ++seq;
	struct nfgenmsg *g = NLMSG_DATA(nh);
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue_num);
	return NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
}

static int send_msg(char *buf, size_t len)
{
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(nl_fd, buf, len, 0, (struct sockaddr *)&to, sizeof to);
	return n == (ssize_t)len ? 0 : -1;
}

static int verdict(uint32_t id, uint32_t v)
{
	char buf[64] __attribute__((aligned(4)));
	size_t len = start_msg(buf, NFQNL_MSG_VERDICT, 0);
	struct nfqnl_msg_verdict_hdr vh = { .verdict = htonl(v), .id = htonl(id) };
	len = put_attr(buf, len, NFQA_VERDICT_HDR, &vh, sizeof vh);
	for (;;) {
		if (send_msg(buf, len) == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

// Every packet whose deadline is at or before now gets its ACCEPT.
static void release_due(struct ring *r, struct counts *c, uint64_t now, bool all)
{
	while (r->len > 0) {
		struct waiting *w = &r->items[r->head];
		if (!all && w->due_ns > now)
			break;
		if (!all) {
			uint64_t late = now - w->due_ns;
			if (late > c->late_max_ns)
				c->late_max_ns = late;
			c->late_sum_ns += late;
			c->late_5ms += late > 5000000u;
			c->late_20ms += late > 20000000u;
			c->released_due++;
		}
		if (verdict(w->id, NF_ACCEPT) < 0)
			c->send_errors++;
		r->head = (r->head + 1) % r->cap;
		r->len--;
	}
}

// What the kernel sent in one datagram: each packet joins the ring, or is
// dropped at once when the ring is full; the answer to configuration
// message ack_seq is noted in *acked (1 done, -1 refused).
static void handle(const char *buf, ssize_t n, struct ring *r, struct counts *c, uint64_t delay_ns,
		   uint32_t ack_seq, int *acked)
{
	uint64_t now = now_ns();
	for (const struct nlmsghdr *nh = (const struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			if (e->error != 0)
				fprintf(stderr, "nfq_delay: kernel: %s\n", strerror(-e->error));
			if (acked && nh->nlmsg_seq == ack_seq)
				*acked = e->error ? -1 : 1;
			continue;
		}
		if (nh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
			continue;
		size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
		bool have_id = false;
		uint32_t id = 0;
		while (off + NLA_HDRLEN <= nh->nlmsg_len) {
			const struct nlattr *a = (const struct nlattr *)((const char *)nh + off);
			if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR &&
			    a->nla_len >= NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr)) {
				struct nfqnl_msg_packet_hdr ph;
				memcpy(&ph, (const char *)a + NLA_HDRLEN, sizeof ph);
				id = ntohl(ph.packet_id);
				have_id = true;
			}
			off += NLA_ALIGN(a->nla_len);
		}
		if (!have_id)
			continue;
		c->packets++;
		if (r->len == r->cap) {
			c->dropped_full++;
			if (verdict(id, NF_DROP) < 0)
				c->send_errors++;
			continue;
		}
		r->items[(r->head + r->len) % r->cap] = (struct waiting){ .id = id, .due_ns = now + delay_ns };
		r->len++;
		if (r->len > c->max_waiting)
			c->max_waiting = r->len;
	}
}

// Reads everything the kernel has for us, without waiting.
static int receive(struct ring *r, struct counts *c, uint64_t delay_ns)
{
	static char buf[65536] __attribute__((aligned(4)));
	for (;;) {
		ssize_t n = recv(nl_fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			if (errno == ENOBUFS) {
				// The kernel could not give us a packet's message (our
				// buffer was full): that packet is lost; go on.
				c->overruns++;
				continue;
			}
			fprintf(stderr, "nfq_delay: recv: %s\n", strerror(errno));
			return -1;
		}
		handle(buf, n, r, c, delay_ns, 0, NULL);
	}
}

// Sends a configuration message (built in buf) and waits for the kernel's
// answer; packets that arrive meanwhile (the queue is bound by then) join
// the ring as usual.
static int configure(const char *what, char *buf, size_t len, struct ring *r, struct counts *c, uint64_t delay_ns)
{
	if (send_msg(buf, len) < 0) {
		fprintf(stderr, "nfq_delay: %s: send: %s\n", what, strerror(errno));
		return -1;
	}
	uint32_t want = seq;
	int acked = 0;
	static char rbuf[65536] __attribute__((aligned(4)));
	while (!acked) {
		ssize_t n = recv(nl_fd, rbuf, sizeof rbuf, 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			fprintf(stderr, "nfq_delay: %s: recv: %s\n", what, strerror(errno));
			return -1;
		}
		handle(rbuf, n, r, c, delay_ns, want, &acked);
	}
	if (acked < 0)
		fprintf(stderr, "nfq_delay: %s refused\n", what);
	return acked > 0 ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: nfq_delay -q QUEUE -d DELAY_MS [-l LIMIT] [-t SECONDS] [-v]\n");
	exit(2);
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	long queue = -1;
	long delay_ms = -1;
	uint32_t limit = DEFAULT_LIMIT;
	unsigned long max_seconds = 3600;
	bool verbose = false;
	int opt;
	while ((opt = getopt(argc, argv, "q:d:l:t:v")) != -1) {
		switch (opt) {
		case 'q': queue = (long)parse_num(optarg, 65535); break;
		case 'd': delay_ms = (long)parse_num(optarg, 60000); break;
		case 'l': limit = (uint32_t)parse_num(optarg, MAX_LIMIT); break;
		case 't': max_seconds = parse_num(optarg, 7 * 86400); break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (queue < 0 || delay_ms < 0 || limit == 0 || optind != argc)
		usage();
	queue_num = (uint16_t)queue;
	uint64_t delay_ns = (uint64_t)delay_ms * 1000000u;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	// Signals are taken only while waiting in ppoll, so that a signal
	// between the check of stop_signal and the wait is not missed.
	sigset_t blocked, during_wait;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, &blocked, &during_wait);

	struct ring r = { .cap = limit, .items = calloc(limit, sizeof(struct waiting)) };
	if (!r.items) {
		fprintf(stderr, "nfq_delay: out of memory\n");
		return 1;
	}

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (nl_fd < 0) {
		fprintf(stderr, "nfq_delay: netlink socket: %s\n", strerror(errno));
		return 1;
	}
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	if (bind(nl_fd, (struct sockaddr *)&local, sizeof local) < 0) {
		fprintf(stderr, "nfq_delay: bind: %s\n", strerror(errno));
		return 1;
	}
	int rcvbuf = 4 << 20;
	if (setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

	struct counts c = { 0 };
	// One message: bind the queue, metadata only (the verdict needs the id,
	// not the payload), the kernel's queue longer than ours (so that a full
	// ring is what drops, and counts it: the kernel's queue also holds what
	// we have not read yet), and GSO packets
	// (TCP over veth) queued whole instead of segmented.
	{
		char buf[256] __attribute__((aligned(4)));
		size_t len = start_msg(buf, NFQNL_MSG_CONFIG, NLM_F_ACK);
		struct nfqnl_msg_config_cmd bind_cmd = { .command = NFQNL_CFG_CMD_BIND, .pf = htons(AF_INET) };
		struct nfqnl_msg_config_params params = { .copy_range = htonl(0), .copy_mode = NFQNL_COPY_META };
		uint32_t maxlen = htonl(limit + 1024);
		uint32_t flags = htonl(NFQA_CFG_F_GSO);
		len = put_attr(buf, len, NFQA_CFG_CMD, &bind_cmd, sizeof bind_cmd);
		len = put_attr(buf, len, NFQA_CFG_PARAMS, &params, sizeof params);
		len = put_attr(buf, len, NFQA_CFG_QUEUE_MAXLEN, &maxlen, sizeof maxlen);
		len = put_attr(buf, len, NFQA_CFG_FLAGS, &flags, sizeof flags);
		len = put_attr(buf, len, NFQA_CFG_MASK, &flags, sizeof flags);
		if (configure("binding the queue", buf, len, &r, &c, delay_ns) < 0)
			return 1;
	}
	if (verbose)
		fprintf(stderr, "nfq_delay: queue %u bound, delay %ld ms, limit %u, at most %lu s\n",
			queue_num, delay_ms, limit, max_seconds);

	uint64_t end = now_ns() + (uint64_t)max_seconds * 1000000000u;
	int status = 0;
	while (!stop_signal) {
		uint64_t now = now_ns();
		if (now >= end) {
			if (verbose)
				fprintf(stderr, "nfq_delay: time limit reached\n");
			break;
		}
		release_due(&r, &c, now, false);
		uint64_t wake = end;
		if (r.len > 0 && r.items[r.head].due_ns < wake)
			wake = r.items[r.head].due_ns;
		uint64_t wait = wake > now ? wake - now : 0;
		struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000u), .tv_nsec = (long)(wait % 1000000000u) };
		struct pollfd pfd = { .fd = nl_fd, .events = POLLIN };
		int p = ppoll(&pfd, 1, &ts, &during_wait);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "nfq_delay: ppoll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (p > 0 && receive(&r, &c, delay_ns) < 0) {
			status = 1;
			break;
		}
	}

	// Nothing is left behind: whatever waits is let through now.
	release_due(&r, &c, 0, true);
	{
		char buf[64] __attribute__((aligned(4)));
		size_t len = start_msg(buf, NFQNL_MSG_CONFIG, 0);
		struct nfqnl_msg_config_cmd unbind_cmd = { .command = NFQNL_CFG_CMD_UNBIND, .pf = htons(AF_INET) };
		len = put_attr(buf, len, NFQA_CFG_CMD, &unbind_cmd, sizeof unbind_cmd);
		send_msg(buf, len);
	}
	close(nl_fd);
	free(r.items);

	fprintf(stderr,
		"nfq_delay: queue %u, delay %ld ms: %" PRIu64 " packets, %" PRIu64 " dropped (full), "
		"%" PRIu64 " lost (buffer overrun), max %u waiting, verdicts late by max %.1f ms, mean %.2f ms, "
		"> 5 ms: %" PRIu64 ", > 20 ms: %" PRIu64 "\n",
		queue_num, delay_ms, c.packets, c.dropped_full, c.overruns, c.max_waiting, c.late_max_ns / 1e6,
		c.released_due ? (double)c.late_sum_ns / (double)c.released_due / 1e6 : 0.0, c.late_5ms, c.late_20ms);
	if (c.send_errors)
		fprintf(stderr, "nfq_delay: %" PRIu64 " verdicts could not be sent\n", c.send_errors);
	return status;
}
