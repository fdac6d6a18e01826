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
	/* The receiver stamps arrivals as it reads them, and does not read
	 * for stall_us of every STALL_EVERY_US (a busy machine): what arrives
	 * meanwhile is stamped at the stall's end, in order. */
	int64_t stall_us;
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
#define STALL_EVERY_US (500 * MS)

/* When the receiver stamps a packet that arrived at t. */
static int64_t sim_stamp(const struct sim *s, int64_t t)
{
	int64_t phase = t % STALL_EVERY_US;

	if (phase >= s->stall_us)
		return t;
	return t - phase + s->stall_us + phase / 1000; /* read 1 us apart a ms */
}

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
		p->arrival_us = sim_stamp(s, s->link_free + PROP_US / 2) + RECEIVER_CLOCK;
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
/* On a 2.5 Mbit/s path from 300 kbit/s: most of it within 30 s, and held
 * for the next 30 s (whatever the path adds that is not congestion). */
static void sim_climbs_and_holds_2500k(struct sim *s)
{
	sim_run(s, 0, 30 * S);
	g_assert_cmpuint(s->bwe.estimate_bps, >=, 1500000);
	sim_run(s, 30 * S, 60 * S);
	g_assert_cmpuint(s->lo, >=, 1200000);
	g_assert_cmpuint(s->hi, <=, 2750000);
	g_rand_free(s->rand);
}

static void test_random_loss(void)
{
	static struct sim s;

	sim_init(&s, cap_2500k, 0.01, 300000, 5000000);
	sim_climbs_and_holds_2500k(&s);
}

/* A receiver that reads late (40 ms of every 500 ms, a browser on a busy
 * machine) stamps a backlog at once: that is no queue on the path, and the
 * estimate stays where the path puts it (without grouping such bursts,
 * each stall read as overuse and the estimate stayed under a third of
 * the path, 0.9 of 2.5 Mbit/s). */
static void test_receiver_stalls(void)
{
	static struct sim s;

	sim_init(&s, cap_2500k, 0, 300000, 5000000);
	s.stall_us = 40 * MS;
	sim_climbs_and_holds_2500k(&s);
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

/* A trial (relay_bwe_trial_start) through a token-bucket shaper as the
 * e2e tests' tbf: rate kbit/s, a 10 KB bucket, a queue of 250 ms; audio
 * (200 bytes every 20 ms, ~80 kbit/s) and, from 1 s on, padding
 * (267-byte packets) at pad_bps for dur_us; transport-cc feedback every
 * 50 ms, 20 ms each way. Returns the trial's verdict once it has one
 * (or RUNNING at 4 s), the padding packets sent in ret_sent. */
#define TB_BURST 10000
#define TB_QUEUE (250 * MS)
#define TB_PAD	 267

struct tb_pkt {
	int64_t send_us, arrival_us;
	uint32_t size;
	uint8_t probe;
};

static enum relay_bwe_trial tb_trial(struct relay_bwe *b, uint32_t rate, uint32_t pad_bps,
				     int64_t dur_us, unsigned *ret_sent)
{
	static struct tb_pkt pkts[4096];
	static struct relay_bwe_packet batch[4096];
	unsigned n = 0, reported = 0, sent = 0;
	double tokens = TB_BURST;
	int64_t t_tok = 0, link_free = 0, next_audio = 0, next_pad = S, next_fb = FB_US;
	bool ended = false, started = false;

	for (int64_t now = 0; now < 4 * S; now += 100) {
		/* Padding stops at the first failure, as congestion.c does. */
		if (started && b->trial != RELAY_BWE_TRIAL_RUNNING)
			ended = true;
		bool pad = now >= next_pad && !ended && now < S + dur_us;
		if (!started && now >= S) {
			relay_bwe_trial_start(b, 5, 0, 80000);
			started = true;
		}
		if (started && !ended && now >= S + dur_us) {
			relay_bwe_trial_end(b, sent);
			ended = true;
		}
		if (now >= next_audio || pad) {
			struct tb_pkt *p = &pkts[n++];
			*p = (struct tb_pkt){
			    .send_us = now, .size = pad ? TB_PAD : 200, .probe = pad ? 5 : 0};
			if (pad) {
				sent++;
				next_pad = now + (int64_t)TB_PAD * 8 * S / pad_bps;
			} else {
				next_audio = now + 20 * MS;
			}
			/* The bucket fills at the rate; a packet without tokens
			 * waits in the queue for them, or is dropped. */
			int64_t at = now + PROP_US / 2;
			tokens += (double)(at - t_tok) * rate / 8 / S;
			if (tokens > TB_BURST)
				tokens = TB_BURST;
			t_tok = at;
			int64_t start = at > link_free ? at : link_free;
			if (tokens >= p->size && start == at) {
				tokens -= p->size;
				p->arrival_us = at + PROP_US / 2;
			} else {
				int64_t wait = (int64_t)((p->size - tokens) * 8 * S / rate);
				int64_t leave = (start > at + wait ? start : at + wait);
				if (leave - at > TB_QUEUE) {
					p->arrival_us = INT64_MIN;
				} else {
					link_free = leave + (int64_t)p->size * 8 * S / rate;
					tokens -= p->size; /* in debt until refilled */
					p->arrival_us = leave + PROP_US / 2;
				}
			}
		}
		if (now >= next_fb) {
			unsigned k = 0, last = reported;
			for (unsigned i = reported; i < n; i++)
				if (pkts[i].arrival_us != INT64_MIN &&
				    pkts[i].arrival_us <= now - PROP_US)
					last = i + 1;
			for (unsigned i = reported; i < last; i++)
				batch[k++] = (struct relay_bwe_packet){
				    .send_us = pkts[i].send_us,
				    .arrival_us = pkts[i].arrival_us == INT64_MIN
						      ? INT64_MIN
						      : pkts[i].arrival_us + RECEIVER_CLOCK,
				    .size = pkts[i].size,
				    .probe = pkts[i].probe};
			reported = last;
			if (k)
				relay_bwe_on_feedback(b, batch, k, now);
			next_fb += FB_US;
			if (started && b->trial != RELAY_BWE_TRIAL_RUNNING)
				break;
		}
	}
	*ret_sent = sent;
	return b->trial;
}

static void tb_init(struct relay_bwe *b, uint32_t initial)
{
	struct relay_bwe_config cfg = {.initial_bps = initial, .max_bps = 5000000};

	relay_bwe_init(b, &cfg);
	b->rtt_us = 2 * PROP_US;
}

/* Video paused at 150 kbit/s: what brings it back (~250 kbit/s with the
 * sound, 1.25 x that for the trial) does not fit, but the shaper's bucket
 * lets a 30 ms cluster through whole, which reads as room (what turned
 * video on and off over the link); a trial of 800 ms drains the bucket,
 * the queue grows, and the first overuse fails it early, before the
 * queue (250 ms) overflows, and the estimate stays below what video
 * needs. */
static void test_trial_slow_link_fails(void)
{
	struct relay_bwe b;
	unsigned sent;

	tb_init(&b, 130000);
	g_assert_cmpint(tb_trial(&b, 150000, 230000, 800 * MS, &sent), ==, RELAY_BWE_TRIAL_FAILED);
	g_test_message("failed after %u padding packets; estimate %u", sent, b.estimate_bps);
	g_assert_cmpuint(sent, <, 800 * MS * 230000 / 8 / TB_PAD / S); /* stopped early */
	g_assert_cmpuint(b.trial_lost, ==, 0);
	g_assert_cmpuint(b.estimate_bps, <, 200000);
	/* A 30 ms cluster (fast enough for the 10 packets a trial needs):
	 * the bucket lets it through whole and hides the link. */
	tb_init(&b, 130000);
	g_assert_cmpint(tb_trial(&b, 150000, 900000, 30 * MS, &sent), ==, RELAY_BWE_TRIAL_PASSED);
	g_assert_cmpuint(b.estimate_bps, >, 250000);
}

/* The link back at 2 Mbit/s: the same trial passes and the estimate
 * rises to its rate, the audio included. */
static void test_trial_fast_link_passes(void)
{
	struct relay_bwe b;
	unsigned sent;

	tb_init(&b, 130000);
	g_assert_cmpint(tb_trial(&b, 2000000, 230000, 800 * MS, &sent), ==, RELAY_BWE_TRIAL_PASSED);
	g_test_message("passed with %u padding packets; estimate %u", sent, b.estimate_bps);
	g_assert_cmpuint(sent, >=, 80);
	g_assert_cmpuint(b.estimate_bps, >=, 280000);
	g_assert_cmpuint(b.estimate_bps, <=, 320000);
	g_assert_cmpint(b.usage, !=, RELAY_BWE_OVERUSE);
}

/* Loss of its packets fails a trial (over 5 %); one that sent nothing, or
 * whose feedback never came, fails; a passed trial's rate is bounded by
 * the caller's max. */
static void test_trial_verdicts(void)
{
	struct relay_bwe b;
	struct relay_bwe_packet p[40];

	for (int i = 0; i < 40; i++)
		p[i] = (struct relay_bwe_packet){.send_us = S + i * 10 * MS,
						 .arrival_us = S + 20 * MS + i * 10 * MS,
						 .size = TB_PAD,
						 .probe = 3};
	tb_init(&b, 100000);
	relay_bwe_trial_start(&b, 3, 0, 0);
	p[10].arrival_us = p[20].arrival_us = p[30].arrival_us = INT64_MIN; /* 7.5 % */
	relay_bwe_on_feedback(&b, p, 20, S + 300 * MS);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_RUNNING); /* not all sent yet */
	relay_bwe_trial_end(&b, 40);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_RUNNING); /* not all reported */
	relay_bwe_on_feedback(&b, p + 20, 20, S + 500 * MS);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_FAILED);
	g_assert_cmpuint(b.estimate_bps, <, 150000);

	/* One lost of 40: passes, to at most the bound. */
	tb_init(&b, 100000);
	relay_bwe_trial_start(&b, 3, 180000, 0);
	p[10].arrival_us = S + 120 * MS;
	p[20].arrival_us = S + 220 * MS;
	relay_bwe_on_feedback(&b, p, 40, S + 500 * MS);
	relay_bwe_trial_end(&b, 40);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_PASSED);
	g_assert_cmpuint(b.estimate_bps, ==, 180000);

	/* An overuse declared before the trial started (its usage stays until
	 * the next group closes) is not the trial's answer. */
	tb_init(&b, 100000);
	b.usage = RELAY_BWE_OVERUSE;
	b.overuses = 1;
	relay_bwe_trial_start(&b, 3, 0, 0);
	p[10].arrival_us = S + 120 * MS;
	p[20].arrival_us = S + 220 * MS;
	p[30].arrival_us = S + 320 * MS;
	relay_bwe_on_feedback(&b, p, 40, S + 500 * MS);
	relay_bwe_trial_end(&b, 40);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_PASSED);
	g_assert_cmpuint(b.estimate_bps, >=, 200000); /* 40 x 267 bytes in 390 ms */

	tb_init(&b, 100000);
	relay_bwe_trial_start(&b, 3, 0, 0);
	relay_bwe_trial_end(&b, 0);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_FAILED);

	tb_init(&b, 100000);
	relay_bwe_trial_start(&b, 3, 0, 0);
	relay_bwe_trial_end(&b, 40);
	relay_bwe_trial_cancel(&b);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_FAILED);
	relay_bwe_on_feedback(&b, p, 40, S + 500 * MS); /* too late: nothing changes */
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_FAILED);
	g_assert_cmpuint(b.estimate_bps, <, 150000);
	/* A short cluster after it is measured as before. */
	relay_bwe_probe_start(&b, 4, 0);
	g_assert_cmpint(b.trial, ==, RELAY_BWE_TRIAL_NONE);
}

/* A trial's packets whose delay rises by `step_us` each (10 ms apart),
 * 20 of them, then level: the detector says overuse either way; a rise of
 * 20 ms in all (a busy machine's timing) passes, one of 40 ms (a queue)
 * fails. */
static void test_trial_queue(void)
{
	struct relay_bwe b;
	struct relay_bwe_packet p[40];

	for (int64_t step = 1000; step <= 2000; step += 1000) {
		tb_init(&b, 100000);
		relay_bwe_trial_start(&b, 3, 0, 0);
		for (int i = 0; i < 40; i++)
			p[i] = (struct relay_bwe_packet){.send_us = S + i * 10 * MS,
							 .arrival_us = S + 20 * MS + i * 10 * MS +
								       (i < 20 ? i : 20) * step,
							 .size = TB_PAD,
							 .probe = 3};
		for (int k = 0; k < 4; k++)
			relay_bwe_on_feedback(&b, p + k * 10, 10, S + (k + 1) * 100 * MS + 20 * MS);
		relay_bwe_trial_end(&b, 40);
		g_test_message("rise %lld us a packet: %u overuses, verdict %d", (long long)step,
			       b.overuses, (int)b.trial);
		g_assert_cmpuint(b.overuses, >, 0);
		g_assert_cmpint(b.trial, ==,
				step == 1000 ? RELAY_BWE_TRIAL_PASSED : RELAY_BWE_TRIAL_FAILED);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/bwe/bottleneck-600k", test_bottleneck_600k);
	g_test_add_func("/relay/bwe/oversent-600k", test_oversent_600k);
	g_test_add_func("/relay/bwe/bottleneck-150k", test_bottleneck_150k);
	g_test_add_func("/relay/bwe/random-loss", test_random_loss);
	g_test_add_func("/relay/bwe/drop-and-rise", test_drop_and_rise);
	g_test_add_func("/relay/bwe/receiver-stalls", test_receiver_stalls);
	g_test_add_func("/relay/bwe/bounds", test_bounds);
	g_test_add_func("/relay/bwe/probe", test_probe);
	g_test_add_func("/relay/bwe/probe-burst-bounded", test_probe_burst_bounded);
	g_test_add_func("/relay/bwe/trial-slow-link-fails", test_trial_slow_link_fails);
	g_test_add_func("/relay/bwe/trial-fast-link-passes", test_trial_fast_link_passes);
	g_test_add_func("/relay/bwe/trial-verdicts", test_trial_verdicts);
	g_test_add_func("/relay/bwe/trial-queue", test_trial_queue);
	return g_test_run();
}
