#include "relay/bwe.h"

#include <math.h>
#include <string.h>

/* draft-ietf-rmcat-gcc-02 and libwebrtc's goog_cc. */
#define BWE_GROUP_US	     5000   /* §5.2: a group is what was sent in 5 ms */
#define BWE_BURST_US	     5000   /* ...or arrived within 5 ms of it, faster than sent */
#define BWE_BURST_MAX_US     100000 /* ...for at most 100 ms */
#define BWE_SMOOTHING	     0.9    /* the accumulated delay's smoothing */
#define BWE_TREND_GAIN	     4.0    /* the slope's gain against the threshold */
#define BWE_TREND_DELTAS_MAX 60	    /* ...times the groups seen, up to this */
#define BWE_THRESHOLD_INIT   12.5   /* ms, §5.4 */
#define BWE_K_UP	     0.0087 /* §5.4 threshold adaptation */
#define BWE_K_DOWN	     0.039
#define BWE_OVERUSE_MS	     10.0 /* overuse must last this long */
#define BWE_BETA	     0.85 /* §5.5 multiplicative decrease */
#define BWE_APP_LIMITED	     0.6  /* acked below this x the estimate: sender-limited */
#define BWE_INCREASE	     1.08 /* a second, far from the last cut */
#define BWE_LOSS_HIGH	     0.10 /* §6 */
#define BWE_LOSS_LOW	     0.02
#define BWE_LOSS_MIN_PACKETS 20
#define BWE_LOSS_INCREASE_US 1000000
#define BWE_PACKET_BITS	     (1200 * 8)
#define BWE_DEFAULT_RTT_US   100000
#define BWE_RESET_MS	     3000.0 /* a delay jump this large: a path change, start over */
#define BWE_PROBE_PACKETS    5	    /* received before a cluster's rate counts */
#define BWE_TRIAL_PACKETS    10	    /* ...a trial's */
#define BWE_TRIAL_LOSS_PCT   5	    /* a trial that lost more of its packets fails */
/* ...or whose packets queued this much: a timing blip on a busy machine
 * (the relay's wakes, the browser's arrival stamps) can make the detector
 * say overuse on a path that carries the trial easily. */
#define BWE_TRIAL_QUEUE_US 25000

static uint32_t clamp_bps(const struct relay_bwe *b, double bps)
{
	if (bps < b->cfg.min_bps)
		return b->cfg.min_bps;
	if (bps > b->cfg.max_bps)
		return b->cfg.max_bps;
	return (uint32_t)bps;
}

void relay_bwe_init(struct relay_bwe *b, const struct relay_bwe_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	if (!b->cfg.min_bps)
		b->cfg.min_bps = RELAY_BWE_MIN_BPS;
	if (!b->cfg.max_bps)
		b->cfg.max_bps = UINT32_MAX;
	if (b->cfg.max_bps < b->cfg.min_bps)
		b->cfg.max_bps = b->cfg.min_bps;
	if (!b->cfg.initial_bps)
		b->cfg.initial_bps = RELAY_BWE_INITIAL_BPS;
	b->delay_bps = b->loss_bps = b->estimate_bps = clamp_bps(b, b->cfg.initial_bps);
	b->threshold_ms = BWE_THRESHOLD_INIT;
	b->over_ms = -1;
}

static void relay_bwe_trend_reset(struct relay_bwe *b)
{
	b->acc_ms = b->smoothed_ms = b->prev_trend = b->trend = 0;
	b->deltas = b->hist_n = b->hist_head = 0;
	b->over_ms = -1;
	b->over_count = 0;
	b->usage = RELAY_BWE_NORMAL;
}

/* §5.4: the threshold follows the trend, quickly down, slowly up, so that
 * a concurrent TCP flow does not starve the estimate. */
static void relay_bwe_threshold(struct relay_bwe *b, double trend, int64_t at_us)
{
	double abs_trend = fabs(trend);

	if (!b->threshold_us)
		b->threshold_us = at_us;
	if (abs_trend > b->threshold_ms + 15.0) { /* a spike: not adapted to */
		b->threshold_us = at_us;
		return;
	}
	double k = abs_trend < b->threshold_ms ? BWE_K_DOWN : BWE_K_UP;
	double dt_ms = (double)(at_us - b->threshold_us) / 1000.0;
	if (dt_ms > 100.0)
		dt_ms = 100.0;
	if (dt_ms < 0)
		dt_ms = 0;
	b->threshold_ms += k * (abs_trend - b->threshold_ms) * dt_ms;
	if (b->threshold_ms < 6.0)
		b->threshold_ms = 6.0;
	if (b->threshold_ms > 600.0)
		b->threshold_ms = 600.0;
	b->threshold_us = at_us;
}

/* §5.4: overuse once the modified trend stayed above the threshold for
 * 10 ms and more than one group, and is not falling. */
static void relay_bwe_detect(struct relay_bwe *b, double send_delta_ms, int64_t at_us)
{
	if (b->deltas < 2)
		return;
	unsigned n = b->deltas < BWE_TREND_DELTAS_MAX ? b->deltas : BWE_TREND_DELTAS_MAX;
	double modified = n * b->trend * BWE_TREND_GAIN;

	if (modified > b->threshold_ms) {
		b->over_ms = b->over_ms < 0 ? send_delta_ms / 2 : b->over_ms + send_delta_ms;
		b->over_count++;
		if (b->over_ms > BWE_OVERUSE_MS && b->over_count > 1 && b->trend >= b->prev_trend) {
			b->over_ms = 0;
			b->over_count = 0;
			b->usage = RELAY_BWE_OVERUSE;
			b->overuses++;
		}
	} else if (modified < -b->threshold_ms) {
		b->over_ms = -1;
		b->over_count = 0;
		b->usage = RELAY_BWE_UNDERUSE;
	} else {
		b->over_ms = -1;
		b->over_count = 0;
		b->usage = RELAY_BWE_NORMAL;
	}
	b->prev_trend = b->trend;
	relay_bwe_threshold(b, modified, at_us);
}

/* The least-squares slope of the smoothed accumulated delay over arrival
 * time, in the window. */
static double relay_bwe_slope(const struct relay_bwe *b)
{
	double mx = 0, my = 0, num = 0, den = 0;

	for (unsigned i = 0; i < b->hist_n; i++)
		mx += b->hist_x[i], my += b->hist_y[i];
	mx /= b->hist_n, my /= b->hist_n;
	for (unsigned i = 0; i < b->hist_n; i++) {
		num += (b->hist_x[i] - mx) * (b->hist_y[i] - my);
		den += (b->hist_x[i] - mx) * (b->hist_x[i] - mx);
	}
	return den > 0 ? num / den : 0;
}

/* One group's inter-arrival against inter-departure (§5.2-5.3). */
static void relay_bwe_group_delta(struct relay_bwe *b, int64_t send_delta_us,
				  int64_t arrival_delta_us, int64_t arrival_us)
{
	double d_ms = (double)(arrival_delta_us - send_delta_us) / 1000.0;

	if (fabs(d_ms) > BWE_RESET_MS) {
		relay_bwe_trend_reset(b);
		return;
	}
	if (b->deltas == 0)
		b->first_arrival_us = arrival_us;
	if (b->deltas < 1000)
		b->deltas++;
	b->acc_ms += d_ms;
	b->smoothed_ms = BWE_SMOOTHING * b->smoothed_ms + (1 - BWE_SMOOTHING) * b->acc_ms;
	b->hist_x[b->hist_head] = (double)(arrival_us - b->first_arrival_us) / 1000.0;
	b->hist_y[b->hist_head] = b->smoothed_ms;
	b->hist_head = (b->hist_head + 1) % RELAY_BWE_TRENDLINE;
	if (b->hist_n < RELAY_BWE_TRENDLINE)
		b->hist_n++;
	if (b->hist_n == RELAY_BWE_TRENDLINE)
		b->trend = relay_bwe_slope(b);
	relay_bwe_detect(b, (double)send_delta_us / 1000.0, arrival_us);
}

/* Whether p arrived in a burst with the open group: within 5 ms of its
 * last arrival, sooner after it than it was sent, and within 100 ms of
 * the group's first arrival. A receiver that stamps arrivals as it reads
 * them (a browser whose network thread waited for the CPU) stamps a
 * backlog within a millisecond: as groups of their own, the backlog's
 * first would show the wait as a queue and the rest draining it, a
 * slope the detector takes for overuse; as one group, the wait is not
 * seen (libwebrtc's inter-arrival does the same). */
static bool relay_bwe_burst(const struct relay_bwe *b, const struct relay_bwe_packet *p)
{
	int64_t arrival_delta = p->arrival_us - b->group_arrival;
	int64_t send_delta = p->send_us - b->group_send;

	return arrival_delta - send_delta < 0 && arrival_delta <= BWE_BURST_US &&
	       p->arrival_us - b->group_first_arrival < BWE_BURST_MAX_US;
}

/* A received packet: into its send-time group (or, arriving in a burst
 * with it, the open group), or it closes the group. */
static void relay_bwe_group(struct relay_bwe *b, const struct relay_bwe_packet *p)
{
	if (b->group_open && p->send_us < b->group_first_send)
		return; /* sent before the group it would join: reordered */
	if (b->group_open &&
	    (p->send_us - b->group_first_send <= BWE_GROUP_US || relay_bwe_burst(b, p))) {
		if (p->send_us > b->group_send)
			b->group_send = p->send_us;
		if (p->arrival_us > b->group_arrival)
			b->group_arrival = p->arrival_us;
		return;
	}
	if (b->group_open) {
		if (b->prev_group)
			relay_bwe_group_delta(b, b->group_send - b->prev_send,
					      b->group_arrival - b->prev_arrival, b->group_arrival);
		b->prev_group = true;
		b->prev_send = b->group_send;
		b->prev_arrival = b->group_arrival;
	}
	b->group_open = true;
	b->group_first_send = b->group_send = p->send_us;
	b->group_first_arrival = b->group_arrival = p->arrival_us;
}

static void relay_bwe_acked_add(struct relay_bwe *b, const struct relay_bwe_packet *p)
{
	b->acked[b->acked_head].arrival_us = p->arrival_us;
	b->acked[b->acked_head].size = p->size;
	b->acked_head = (b->acked_head + 1) % RELAY_BWE_ACKED_HISTORY;
	if (b->acked_n < RELAY_BWE_ACKED_HISTORY)
		b->acked_n++;
}

/* What arrived in the last RELAY_BWE_ACKED_WINDOW_US of arrival time (or
 * over the history's span when it holds less); 0 until it spans 100 ms. */
static uint32_t relay_bwe_acked_rate(const struct relay_bwe *b)
{
	if (b->acked_n < 2)
		return 0;
	unsigned newest = (b->acked_head + RELAY_BWE_ACKED_HISTORY - 1) % RELAY_BWE_ACKED_HISTORY;
	int64_t end = b->acked[newest].arrival_us, begin;
	uint64_t bytes = 0;
	uint32_t first = 0;
	/* Arrivals need not be in the order sent (reordering, probes on
	 * their own stream): the window ends at the latest. */
	for (unsigned i = 0; i < b->acked_n; i++)
		if (b->acked[i].arrival_us > end)
			end = b->acked[i].arrival_us;
	begin = end;
	for (unsigned i = 0; i < b->acked_n; i++) {
		unsigned k = (newest + RELAY_BWE_ACKED_HISTORY - i) % RELAY_BWE_ACKED_HISTORY;
		if (end - b->acked[k].arrival_us > RELAY_BWE_ACKED_WINDOW_US)
			continue;
		if (b->acked[k].arrival_us <= begin)
			begin = b->acked[k].arrival_us, first = b->acked[k].size;
		bytes += b->acked[k].size;
	}
	/* The first packet's arrival opens the span: its bytes came before. */
	bytes -= first;
	if (end - begin < 100000)
		return 0;
	return (uint32_t)((double)bytes * 8 * 1e6 / (double)(end - begin));
}

/* The average and variance of the acked rate at the last cuts (in kbit/s,
 * the variance normalised by the average): "near" it, increase slowly. */
static void relay_bwe_max_update(struct relay_bwe *b, double acked_kbps)
{
	if (!b->have_max) {
		b->have_max = true;
		b->max_kbps = acked_kbps;
		b->max_var = 0.4;
		return;
	}
	b->max_kbps = 0.95 * b->max_kbps + 0.05 * acked_kbps;
	double norm = b->max_kbps > 1 ? b->max_kbps : 1;
	b->max_var = 0.95 * b->max_var +
		     0.05 * (b->max_kbps - acked_kbps) * (b->max_kbps - acked_kbps) / norm;
	if (b->max_var < 0.4)
		b->max_var = 0.4;
	if (b->max_var > 2.5)
		b->max_var = 2.5;
}

/* §5.5 AIMD. */
static void relay_bwe_rate(struct relay_bwe *b, int64_t now_us)
{
	int64_t rtt = b->rtt_us > 0 ? b->rtt_us : BWE_DEFAULT_RTT_US;
	double rate = b->delay_bps, acked = b->acked_bps;
	double dt = b->rate_us ? (double)(now_us - b->rate_us) / 1e6 : 0;
	int64_t reduce_us = rtt < 10000 ? 10000 : rtt > 200000 ? 200000 : rtt;

	if (dt > 1.0)
		dt = 1.0;
	if (dt < 0)
		dt = 0;
	b->rate_us = now_us;
	double std = b->have_max ? sqrt(b->max_var * b->max_kbps) : 0;
	if (b->have_max && acked / 1000 > b->max_kbps + 3 * std)
		b->have_max = false; /* the path got faster: far from the last cut again */
	switch (b->usage) {
	case RELAY_BWE_OVERUSE:
		if (now_us - b->decrease_us < reduce_us)
			return;
		/* To beta x what arrived (§5.5), while the path carried most
		 * of the estimate. When it carried far less, the sender is what
		 * limited it (the relay forwards what publishers send): the
		 * acknowledged rate measures the publishers, not the path, and
		 * a delay spike (cross traffic, or a receiver's busy CPU
		 * stamping arrivals late) costs the estimate one beta per round
		 * trip instead, as often as it repeats. */
		if (acked > 0 && acked >= BWE_APP_LIMITED * rate) {
			double cut = BWE_BETA * acked;
			if (cut < rate)
				rate = cut;
			if (b->have_max && acked / 1000 < b->max_kbps - 3 * std)
				b->have_max = false; /* slower now: a new level */
			relay_bwe_max_update(b, acked / 1000);
		} else {
			rate *= BWE_BETA;
		}
		b->decrease_us = now_us;
		break;
	case RELAY_BWE_UNDERUSE: /* queues draining: hold */
		return;
	case RELAY_BWE_NORMAL: {
		if (b->have_max && fabs(acked / 1000 - b->max_kbps) <= 3 * std) {
			/* Near the last cut: about a packet per response time. */
			double response_s = (double)(rtt + 100000) / 1e6;
			double per_s = BWE_PACKET_BITS / response_s;
			rate += (per_s > 4000 ? per_s : 4000) * dt;
		} else {
			double grown = rate * pow(BWE_INCREASE, dt);
			rate = grown > rate + 1000 * dt ? grown : rate + 1000 * dt;
		}
		/* Not far past what is known to pass. */
		double limit = 1.5 * acked + 10000;
		if (acked > 0 && rate > limit)
			rate = b->delay_bps > limit ? b->delay_bps : limit;
		break;
	}
	}
	b->delay_bps = clamp_bps(b, rate);
}

/* §6: the loss-based rate, from every BWE_LOSS_MIN_PACKETS reported. */
static void relay_bwe_loss(struct relay_bwe *b, int64_t now_us)
{
	int64_t rtt = b->rtt_us > 0 ? b->rtt_us : BWE_DEFAULT_RTT_US;

	if (b->loss_total < BWE_LOSS_MIN_PACKETS)
		return;
	double p = (double)b->loss_lost / b->loss_total;
	b->fraction_lost = (uint8_t)(p * 255);
	b->loss_total = b->loss_lost = 0;
	double est = b->loss_bps < b->delay_bps ? b->loss_bps : b->delay_bps;
	if (p > BWE_LOSS_HIGH) {
		if (now_us - b->loss_decrease_us >= 300000 + rtt) {
			/* Not below what is arriving: until an allocator sends
			 * what the estimate says, the relay forwards what the
			 * publisher sends, and loss stays high however low the
			 * estimate goes; what got through is what the path
			 * carries at least. */
			double cut = est * (1 - 0.5 * p), through = BWE_BETA * b->acked_bps;
			b->loss_bps = clamp_bps(b, cut > through ? cut : through);
			b->loss_decrease_us = now_us;
		}
	} else if (p < BWE_LOSS_LOW && now_us - b->loss_increase_us >= BWE_LOSS_INCREASE_US) {
		double up = est * BWE_INCREASE + 1000;
		if (up > b->loss_bps)
			b->loss_bps = clamp_bps(b, up);
		b->loss_increase_us = now_us;
	}
}

void relay_bwe_probe_start(struct relay_bwe *b, uint8_t id, uint32_t max_bps)
{
	b->probe_id = id;
	b->probe_max_bps = max_bps;
	b->trial = RELAY_BWE_TRIAL_NONE;
	b->probe_received = 0;
	b->probe_bytes_sent = b->probe_bytes_received = 0;
}

/* A probe cluster's packet: its rate is the lower of what was sent and
 * what arrived over the cluster (the first packet's size does not count
 * for the arrival rate, the last one's not for the sending rate). */
static void relay_bwe_probe_packet(struct relay_bwe *b, const struct relay_bwe_packet *p)
{
	if (!p->probe || p->probe != b->probe_id || p->arrival_us == INT64_MIN)
		return;
	if (b->probe_received == 0) {
		b->probe_first_send = b->probe_last_send = p->send_us;
		b->probe_first_arrival = b->probe_last_arrival = p->arrival_us;
		b->probe_first_size = p->size;
	}
	if (p->send_us > b->probe_last_send)
		b->probe_last_send = p->send_us;
	if (p->send_us < b->probe_first_send)
		b->probe_first_send = p->send_us;
	if (p->arrival_us > b->probe_last_arrival)
		b->probe_last_arrival = p->arrival_us, b->probe_last_size = p->size;
	b->probe_received++;
	b->probe_bytes_sent += p->size;
	b->probe_bytes_received += p->size;
}

/* The cluster's rate, the lower of its sending and arrival rates, plus
 * `extra`, within the caller's bound; false when too little was measured. */
static bool relay_bwe_probe_rate(struct relay_bwe *b, unsigned min_packets, uint32_t extra)
{
	if (b->probe_received < min_packets)
		return false;
	int64_t send_us = b->probe_last_send - b->probe_first_send;
	int64_t recv_us = b->probe_last_arrival - b->probe_first_arrival;
	if (send_us <= 0 || recv_us <= 0)
		return false;
	double send_bps = (double)(b->probe_bytes_sent - b->probe_last_size) * 8e6 / send_us;
	double recv_bps = (double)(b->probe_bytes_received - b->probe_first_size) * 8e6 / recv_us;
	double bps = (send_bps < recv_bps ? send_bps : recv_bps) + extra;
	if (b->probe_max_bps && bps > b->probe_max_bps)
		bps = b->probe_max_bps;
	b->probe_bps = clamp_bps(b, bps);
	return true;
}

/* The answer: the lower of the two rates, within the bounds. */
static void relay_bwe_estimate(struct relay_bwe *b)
{
	b->estimate_bps = clamp_bps(b, b->delay_bps < b->loss_bps ? b->delay_bps : b->loss_bps);
}

/* Measured: a bound the estimate may rise to, unless the path already
 * says it is overused (a passed trial was judged on the overuse declared
 * during it: one standing from before does not count). */
static void relay_bwe_probe_apply(struct relay_bwe *b, bool trial)
{
	if (b->usage == RELAY_BWE_OVERUSE && !trial)
		return;
	if (b->probe_bps > b->delay_bps)
		b->delay_bps = b->probe_bps, b->have_max = false;
	if (b->probe_bps > b->loss_bps)
		b->loss_bps = b->probe_bps;
	relay_bwe_estimate(b);
}

static void relay_bwe_probe_result(struct relay_bwe *b)
{
	if (!relay_bwe_probe_rate(b, BWE_PROBE_PACKETS, 0))
		return;
	b->probe_id = 0; /* measured once */
	relay_bwe_probe_apply(b, false);
}

void relay_bwe_trial_start(struct relay_bwe *b, uint8_t id, uint32_t max_bps, uint32_t media_bps)
{
	relay_bwe_probe_start(b, id, max_bps);
	b->trial = RELAY_BWE_TRIAL_RUNNING;
	b->trial_media_bps = media_bps;
	b->trial_sent = b->trial_reported = b->trial_lost = 0;
	b->trial_overuses = b->overuses;
	b->trial_owd_min = INT64_MAX;
	b->trial_owd_last = b->trial_last_send = INT64_MIN;
}

/* What the trial's packets say has queued, microseconds. */
static int64_t relay_bwe_trial_queue(const struct relay_bwe *b)
{
	if (b->trial_owd_min == INT64_MAX || b->trial_owd_last == INT64_MIN)
		return 0;
	return b->trial_owd_last - b->trial_owd_min;
}

static void relay_bwe_trial_packet(struct relay_bwe *b, const struct relay_bwe_packet *p)
{
	b->trial_reported++;
	if (p->arrival_us == INT64_MIN) {
		b->trial_lost++;
		return;
	}
	int64_t owd = p->arrival_us - p->send_us;
	if (owd < b->trial_owd_min)
		b->trial_owd_min = owd;
	if (p->send_us >= b->trial_last_send) {
		b->trial_last_send = p->send_us;
		b->trial_owd_last = owd;
	}
}

void relay_bwe_trial_cancel(struct relay_bwe *b)
{
	if (b->trial != RELAY_BWE_TRIAL_RUNNING)
		return;
	b->trial = RELAY_BWE_TRIAL_FAILED;
	b->probe_id = 0;
}

/* Every packet of the trial reported: passed when it lost little and its
 * rate was measured. */
static void relay_bwe_trial_verdict(struct relay_bwe *b)
{
	if (b->trial != RELAY_BWE_TRIAL_RUNNING || !b->trial_sent ||
	    b->trial_reported < b->trial_sent)
		return;
	if (b->trial_lost * 100 > b->trial_reported * BWE_TRIAL_LOSS_PCT ||
	    relay_bwe_trial_queue(b) > BWE_TRIAL_QUEUE_US ||
	    !relay_bwe_probe_rate(b, BWE_TRIAL_PACKETS, b->trial_media_bps)) {
		relay_bwe_trial_cancel(b);
		return;
	}
	b->probe_id = 0;
	b->trial = RELAY_BWE_TRIAL_PASSED;
	relay_bwe_probe_apply(b, true);
}

void relay_bwe_floor(struct relay_bwe *b, uint32_t bps)
{
	if (b->delay_bps < bps)
		b->delay_bps = bps;
	relay_bwe_estimate(b);
}

void relay_bwe_trial_end(struct relay_bwe *b, unsigned sent)
{
	if (b->trial != RELAY_BWE_TRIAL_RUNNING)
		return;
	if (!sent) {
		relay_bwe_trial_cancel(b);
		return;
	}
	b->trial_sent = sent;
	relay_bwe_trial_verdict(b);
}

void relay_bwe_on_feedback(struct relay_bwe *b, const struct relay_bwe_packet *pkts, unsigned n,
			   int64_t now_us)
{
	bool probing = b->probe_id != 0;

	for (unsigned i = 0; i < n; i++) {
		const struct relay_bwe_packet *p = &pkts[i];
		bool trial = b->trial == RELAY_BWE_TRIAL_RUNNING;
		b->loss_total++;
		if (trial && p->probe && p->probe == b->probe_id)
			relay_bwe_trial_packet(b, p);
		if (p->arrival_us == INT64_MIN) {
			b->loss_lost++;
			continue;
		}
		relay_bwe_acked_add(b, p);
		if (!p->probe)
			b->media_acked_bytes += p->size;
		relay_bwe_group(b, p);
		if (probing)
			relay_bwe_probe_packet(b, p);
		/* The path queues: the trial has its answer, at once. An
		 * overuse declared before it started (the usage stays until
		 * the next group) is not its answer, nor one while its own
		 * packets show no queue. */
		if (trial && b->overuses != b->trial_overuses &&
		    relay_bwe_trial_queue(b) > BWE_TRIAL_QUEUE_US)
			relay_bwe_trial_cancel(b);
	}
	b->acked_bps = relay_bwe_acked_rate(b);
	relay_bwe_rate(b, now_us);
	relay_bwe_loss(b, now_us);
	if (b->trial == RELAY_BWE_TRIAL_RUNNING)
		relay_bwe_trial_verdict(b);
	else if (probing && b->trial == RELAY_BWE_TRIAL_NONE)
		relay_bwe_probe_result(b);
	relay_bwe_estimate(b);
}
