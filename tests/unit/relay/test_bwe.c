/* Unit tests of relay/bwe, the send-side estimator, against simulated
 * links in simulated time: a sender that sends what the estimate allows
 * (1,200-byte packets, paced), a bottleneck of some capacity with a
 * drop-tail queue (its delay grows as it fills), random loss, 20 ms
 * each way, and transport-cc feedback every 50 ms about everything that
 * arrived by then (and what was lost before it). Each test states how
 * close to the capacity the estimate must be, and by when. */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "relay/bwe.h"

#define MS	 1000LL
#define S	 1000000LL
#define PKT	 1200
#define PROP_US	 (20 * MS)
#define QUEUE_US (300 * MS) /* the bottleneck's queue holds this much */
#define FB_US	 (50 * MS)
#define MAX_PKTS 200000

struct sim_pkt {
	int64_t send_us, arrival_us; /* INT64_MIN: lost */
};

struct sim {
	struct relay_bwe bwe;
	GRand *rand;
	double loss;			    /* random loss, 0..1 */
	uint32_t (*capacity)(int64_t t_us); /* bits per second at t */
	int64_t now, next_send, next_fb, link_free;
	unsigned sent, reported;
	struct sim_pkt pkts[MAX_PKTS];
	uint32_t demand_bps; /* what the sender would send at most */
	bool unpaced;	     /* it sends demand_bps whatever the estimate */
	/* Figures over a span of time (sim_run's from/to). */
	uint32_t lo, hi;
	double sum;
	unsigned samples;
};

static void sim_init(struct sim *s, uint32_t (*capacity)(int64_t), double loss,
		     uint32_t initial_bps, uint32_t max_bps)
{
	struct relay_bwe_config cfg = {.initial_bps = initial_bps, .max_bps = max_bps};

	memset(s, 0, sizeof(*s));
	relay_bwe_init(&s->bwe, &cfg);
	s->bwe.rtt_us = 2 * PROP_US;
	s->rand = g_rand_new_with_seed(1616);
	s->capacity = capacity;
	s->loss = loss;
	s->demand_bps = 10000000;
	s->next_fb = FB_US;
}

/* The receiver's clock is far from the sender's: only differences count. */
#define RECEIVER_CLOCK (7777 * S)

static void sim_send(struct sim *s)
{
	struct sim_pkt *p = &s->pkts[s->sent++];
	int64_t at_link = s->now + PROP_US / 2;
	uint32_t c = s->capacity(s->now);

	p->send_us = s->now;
	int64_t start = at_link > s->link_free ? at_link : s->link_free;
	if (start - at_link > QUEUE_US || g_rand_double(s->rand) < s->loss) {
		p->arrival_us = INT64_MIN;
	} else {
		s->link_free = start + (int64_t)PKT * 8 * S / c;
		p->arrival_us = s->link_free + PROP_US / 2 + RECEIVER_CLOCK;
	}
	uint32_t rate = s->bwe.estimate_bps < s->demand_bps && !s->unpaced ? s->bwe.estimate_bps
									   : s->demand_bps;
	s->next_send = s->now + (int64_t)PKT * 8 * S / rate;
}

/* The receiver reports, at fb_time, every packet up to the newest that
 * arrived by then; the report reaches the sender PROP_US later. */
static void sim_feedback(struct sim *s, int64_t fb_time)
{
	static struct relay_bwe_packet batch[MAX_PKTS];
	unsigned last = s->reported, n = 0;

	for (unsigned i = s->reported; i < s->sent; i++)
		if (s->pkts[i].arrival_us != INT64_MIN &&
		    s->pkts[i].arrival_us - RECEIVER_CLOCK <= fb_time)
			last = i + 1;
	for (unsigned i = s->reported; i < last; i++)
		batch[n++] = (struct relay_bwe_packet){.send_us = s->pkts[i].send_us,
						       .arrival_us = s->pkts[i].arrival_us,
						       .size = PKT};
	s->reported = last;
	if (n)
		relay_bwe_on_feedback(&s->bwe, batch, n, fb_time + PROP_US);
}

/* Runs until `until`; keeps the lowest, highest and mean estimate from
 * `from` on. */
static void sim_run(struct sim *s, int64_t from, int64_t until)
{
	s->lo = UINT32_MAX, s->hi = 0, s->sum = 0, s->samples = 0;
	while (s->now < until) {
		int64_t next = s->next_send < s->next_fb ? s->next_send : s->next_fb;
		s->now = next;
		if (next == s->next_send) {
			g_assert_cmpuint(s->sent, <, MAX_PKTS);
			sim_send(s);
		} else {
			sim_feedback(s, s->now - PROP_US);
			s->next_fb += FB_US;
			if (s->now >= from) {
				uint32_t e = s->bwe.estimate_bps;
				s->lo = e < s->lo ? e : s->lo;
				s->hi = e > s->hi ? e : s->hi;
				s->sum += e, s->samples++;
				if (getenv("BWE_TRACE") && s->samples % 20 == 0)
					g_printerr("%.1f est %u delay %u loss %u acked %u usage %d "
						   "thr %.1f trend %.4f lost %u\n",
						   (double)s->now / S, e, s->bwe.delay_bps,
						   s->bwe.loss_bps, s->bwe.acked_bps, s->bwe.usage,
						   s->bwe.threshold_ms, s->bwe.trend,
						   s->bwe.fraction_lost);
			}
		}
	}
	g_test_message("%.1f-%.1f s: estimate %u..%u, mean %.0f bit/s", (double)from / S,
		       (double)until / S, s->lo, s->hi, s->sum / s->samples);
}

static double sim_mean(const struct sim *s)
{
	return s->sum / s->samples;
}

static uint32_t cap_600k(int64_t t)
{
	(void)t;
	return 600000;
}

static uint32_t cap_150k(int64_t t)
{
	(void)t;
	return 150000;
}

static uint32_t cap_2500k(int64_t t)
{
	(void)t;
	return 2500000;
}

/* 2 Mbit/s, 500 kbit/s from 20 s to 40 s, 2 Mbit/s again. */
static uint32_t cap_drop_rise(int64_t t)
{
	return t >= 20 * S && t < 40 * S ? 500000 : 2000000;
}

/* Starting above it (1 Mbit/s), the estimate comes down to a 600 kbit/s
 * bottleneck within 5 s and stays near it, queueing or not. */
static void test_bottleneck_600k(void)
{
	static struct sim s;

	sim_init(&s, cap_600k, 0, 1000000, 5000000);
	sim_run(&s, 0, 5 * S);
	g_assert_cmpuint(s.bwe.estimate_bps, <=, 660000);
	sim_run(&s, 5 * S, 30 * S);
	g_assert_cmpuint(s.lo, >=, 350000);
	g_assert_cmpuint(s.hi, <=, 700000);
	g_assert_cmpfloat(sim_mean(&s), >=, 450000);
	g_assert_cmpfloat(sim_mean(&s), <=, 640000);
	g_rand_free(s.rand);
}

/* The relay today: it forwards what the publisher sends (1.5 Mbit/s)
 * whatever the estimate, into 600 kbit/s; the queue stays full and loss
 * high. The estimate still says what the path carries. */
static void test_oversent_600k(void)
{
	static struct sim s;

	sim_init(&s, cap_600k, 0, 1000000, 5000000);
	s.unpaced = true;
	s.demand_bps = 1500000;
	sim_run(&s, 0, 10 * S);
	sim_run(&s, 10 * S, 30 * S);
	g_assert_cmpuint(s.lo, >=, 400000);
	g_assert_cmpuint(s.hi, <=, 660000);
	g_rand_free(s.rand);
}

/* A slow link: 150 kbit/s. */
static void test_bottleneck_150k(void)
{
	static struct sim s;

	sim_init(&s, cap_150k, 0, 1000000, 5000000);
	sim_run(&s, 0, 10 * S);
	sim_run(&s, 10 * S, 40 * S);
	g_assert_cmpuint(s.lo, >=, 80000);
	g_assert_cmpuint(s.hi, <=, 190000);
	g_assert_cmpfloat(sim_mean(&s), >=, 100000);
	g_rand_free(s.rand);
}

/* 1 % random loss is not congestion: from 300 kbit/s the estimate climbs
 * to most of 2.5 Mbit/s within 30 s and is not cut by the loss. */
static void test_random_loss(void)
{
	static struct sim s;

	sim_init(&s, cap_2500k, 0.01, 300000, 5000000);
	sim_run(&s, 0, 30 * S);
	g_assert_cmpuint(s.bwe.estimate_bps, >=, 1500000);
	sim_run(&s, 30 * S, 60 * S);
	g_assert_cmpuint(s.lo, >=, 1200000);
	g_assert_cmpuint(s.hi, <=, 2750000);
	g_rand_free(s.rand);
}

/* The capacity drops from 2 Mbit/s to 500 kbit/s and comes back. */
static void test_drop_and_rise(void)
{
	static struct sim s;

	sim_init(&s, cap_drop_rise, 0, 1000000, 5000000);
	sim_run(&s, 0, 10 * S);
	sim_run(&s, 10 * S, 20 * S);
	g_assert_cmpuint(s.lo, >=, 1000000);
	g_assert_cmpuint(s.hi, <=, 2200000);
	sim_run(&s, 20 * S, 23 * S);
	g_assert_cmpuint(s.bwe.estimate_bps, <=, 600000);
	sim_run(&s, 25 * S, 40 * S);
	g_assert_cmpuint(s.lo, >=, 250000);
	g_assert_cmpuint(s.hi, <=, 600000);
	sim_run(&s, 40 * S, 70 * S);
	g_assert_cmpuint(s.bwe.estimate_bps, >=, 1200000);
	g_assert_cmpuint(s.hi, <=, 2200000);
	g_rand_free(s.rand);
}

/* The cap and the floor hold whatever the feedback says. */
static void test_bounds(void)
{
	static struct sim s;

	sim_init(&s, cap_2500k, 0, 1000000, 800000);
	g_assert_cmpuint(s.bwe.estimate_bps, ==, 800000);
	sim_run(&s, 0, 20 * S);
	g_assert_cmpuint(s.hi, <=, 800000);
	g_assert_cmpuint(s.bwe.estimate_bps, >=, 700000);
	g_rand_free(s.rand);

	/* Everything lost: down to the floor, not below. */
	sim_init(&s, cap_2500k, 1.0, 1000000, 5000000);
	s.next_fb = 0;
	static struct relay_bwe_packet lost[40];
	for (unsigned i = 0; i < 40; i++)
		lost[i] = (struct relay_bwe_packet){
		    .send_us = i * MS, .arrival_us = INT64_MIN, .size = PKT};
	for (int k = 0; k < 100; k++)
		relay_bwe_on_feedback(&s.bwe, lost, 40, k * S);
	g_assert_cmpuint(s.bwe.estimate_bps, ==, RELAY_BWE_MIN_BPS);
	g_rand_free(s.rand);
}

/* A probe cluster sent at 2 Mbit/s over a 1.6 Mbit/s path, while media
 * goes at 300 kbit/s: the estimate rises to what the probe measured. */
static void test_probe(void)
{
	struct relay_bwe b;
	struct relay_bwe_config cfg = {.initial_bps = 300000, .max_bps = 5000000};
	struct relay_bwe_packet p[20];

	relay_bwe_init(&b, &cfg);
	relay_bwe_probe_start(&b, 7, 0);
	for (int i = 0; i < 20; i++)
		p[i] = (struct relay_bwe_packet){.send_us = S + i * 4800,    /* 2 Mbit/s */
						 .arrival_us = S + i * 6000, /* 1.6 Mbit/s */
						 .size = PKT,
						 .probe = 7};
	relay_bwe_on_feedback(&b, p, 20, S + 200 * MS);
	g_assert_cmpuint(b.probe_bps, >=, 1500000);
	g_assert_cmpuint(b.probe_bps, <=, 1700000);
	g_assert_cmpuint(b.estimate_bps, >=, 1500000);
	/* Another cluster id's packets are not measured. */
	relay_bwe_probe_start(&b, 8, 0);
	b.probe_bps = 0;
	relay_bwe_on_feedback(&b, p, 20, S + 400 * MS);
	g_assert_cmpuint(b.probe_bps, ==, 0);
}

/* A cluster that arrives as fast as it was sent, sent in a burst (a late
 * wake of the worker: 20 packets in 2 ms, 96 Mbit/s, through a shaper
 * whose bucket lets them all by): it proves no more than the caller's
 * bound, here 1.5 x the 600 kbit/s estimate. */
static void test_probe_burst_bounded(void)
{
	struct relay_bwe b;
	struct relay_bwe_config cfg = {.initial_bps = 600000, .max_bps = 5000000};
	struct relay_bwe_packet p[20];

	relay_bwe_init(&b, &cfg);
	relay_bwe_probe_start(&b, 9, 900000);
	for (int i = 0; i < 20; i++)
		p[i] = (struct relay_bwe_packet){.send_us = S + i * 100,
						 .arrival_us = S + 20 * MS + i * 100,
						 .size = PKT,
						 .probe = 9};
	relay_bwe_on_feedback(&b, p, 20, S + 100 * MS);
	g_assert_cmpuint(b.probe_bps, ==, 900000);
	g_assert_cmpuint(b.estimate_bps, <=, 900000);
	g_assert_cmpuint(b.estimate_bps, >=, 600000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/bwe/bottleneck-600k", test_bottleneck_600k);
	g_test_add_func("/relay/bwe/oversent-600k", test_oversent_600k);
	g_test_add_func("/relay/bwe/bottleneck-150k", test_bottleneck_150k);
	g_test_add_func("/relay/bwe/random-loss", test_random_loss);
	g_test_add_func("/relay/bwe/drop-and-rise", test_drop_and_rise);
	g_test_add_func("/relay/bwe/bounds", test_bounds);
	g_test_add_func("/relay/bwe/probe", test_probe);
	g_test_add_func("/relay/bwe/probe-burst-bounded", test_probe_burst_bounded);
	return g_test_run();
}
