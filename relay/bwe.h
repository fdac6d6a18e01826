/* Send-side bandwidth estimation for one subscriber, in the spirit of
 * Google Congestion Control (draft-ietf-rmcat-gcc-02; libwebrtc's goog_cc
 * for the constants): from the transport-cc feedback about what the relay
 * sent (send time, arrival time, size per packet), how many bits per
 * second the path to the subscriber carries.
 *
 * - Delay: packets sent within 5 ms make a group (and so do packets that
 *   arrive in a burst, within 5 ms and faster than they were sent: a
 *   receiver reading a backlog late); the variation of each
 *   group's inter-arrival time against its inter-departure time is
 *   accumulated, smoothed, and a least-squares slope over the last 20
 *   groups (the trendline) is compared with an adaptive threshold:
 *   overuse, normal or underuse (§5.3-5.4).
 * - Rate (AIMD, §5.5): overuse cuts to 0.85 x the rate acknowledged as
 *   received (by 0.85 when that is far below the estimate: sender-limited); normal increases (8 % a
 * second, or about a packet per response time near the last cut), never past 1.5 x the acknowledged
 *   rate + 10 kbit/s (more is not known to pass); underuse holds.
 * - Loss (§6): over 10 % lost cuts by half the loss; under 2 % lets the
 *   loss-based rate grow 8 % a second.
 * - Probes (padding the caller sends in clusters faster than the
 *   estimate): a cluster's acknowledged rate is a bound the estimate may
 *   rise to. A trial is a long cluster judged by the delay detector (the
 *   first overuse fails it) and its loss; passed, its rate is the bound.
 * The estimate is the lower of the delay- and loss-based rates, within
 * [min_bps, max_bps].
 *
 * Pure: fixed memory, no allocation, no clock of its own (the caller
 * passes times in microseconds), no logging. Send times are the relay's
 * clock, arrival times the subscriber's: only differences of each are
 * used. */
#ifndef HEARTH_RELAY_BWE_H
#define HEARTH_RELAY_BWE_H

#include <stdbool.h>
#include <stdint.h>

#define RELAY_BWE_MIN_BPS	  30000	  /* the floor: audio goes on */
#define RELAY_BWE_INITIAL_BPS	  1000000 /* before the first feedback */
#define RELAY_BWE_TRENDLINE	  20	  /* groups in the slope's window */
#define RELAY_BWE_ACKED_HISTORY	  512	  /* received packets for the acked rate */
#define RELAY_BWE_ACKED_WINDOW_US 500000  /* the acked rate's window */

struct relay_bwe_config {
	uint32_t initial_bps; /* 0: RELAY_BWE_INITIAL_BPS (within the bounds) */
	uint32_t min_bps;     /* 0: RELAY_BWE_MIN_BPS */
	uint32_t max_bps;     /* the cap; 0: none (UINT32_MAX) */
};

/* A trial (relay_bwe_trial_start): a long cluster judged by the path. */
enum relay_bwe_trial {
	RELAY_BWE_TRIAL_NONE = 0,
	RELAY_BWE_TRIAL_RUNNING, /* being sent, or its feedback awaited */
	RELAY_BWE_TRIAL_PASSED,	 /* the estimate rose to it; the caller resets to NONE */
	RELAY_BWE_TRIAL_FAILED,	 /* overuse or loss: the caller stops sending, resets */
};

/* One packet the feedback told about, in the order sent. */
struct relay_bwe_packet {
	int64_t send_us;
	int64_t arrival_us; /* INT64_MIN: reported not received */
	uint32_t size;	    /* bytes on the wire */
	uint8_t probe;	    /* probe cluster; 0: media */
};

enum relay_bwe_usage { RELAY_BWE_NORMAL = 0, RELAY_BWE_OVERUSE, RELAY_BWE_UNDERUSE };

struct relay_bwe {
	struct relay_bwe_config cfg;
	uint32_t estimate_bps; /* the answer: min(delay_bps, loss_bps) within the bounds */
	uint32_t delay_bps, loss_bps, acked_bps;
	enum relay_bwe_usage usage;
	int64_t rtt_us; /* the caller's (0: 100 ms is assumed) */
	/* Packet groups (5 ms of send time, or a burst of arrivals). */
	bool group_open, prev_group;
	int64_t group_first_send, group_send, group_first_arrival, group_arrival;
	int64_t prev_send, prev_arrival;
	/* Trendline. */
	double acc_ms, smoothed_ms, prev_trend, trend;
	int64_t first_arrival_us;
	unsigned deltas, hist_n, hist_head;
	double hist_x[RELAY_BWE_TRENDLINE], hist_y[RELAY_BWE_TRENDLINE];
	/* Overuse detector. */
	double threshold_ms, over_ms;
	int64_t threshold_us;
	unsigned over_count;
	unsigned overuses; /* overuse declared, times (a trial counts new ones) */
	/* Acknowledged rate: the last received packets. */
	struct {
		int64_t arrival_us;
		uint32_t size;
	} acked[RELAY_BWE_ACKED_HISTORY];
	unsigned acked_head, acked_n;
	uint64_t media_acked_bytes; /* received and not a probe's, ever */
	/* AIMD. */
	int64_t rate_us, decrease_us;
	bool have_max;
	double max_kbps, max_var;
	/* Loss. */
	unsigned loss_total, loss_lost;
	int64_t loss_decrease_us, loss_increase_us;
	uint8_t fraction_lost; /* of the last loss update, in 1/256 */
	/* Probes: the cluster being measured. */
	uint8_t probe_id;
	unsigned probe_received;
	int64_t probe_first_send, probe_last_send, probe_first_arrival, probe_last_arrival;
	uint64_t probe_bytes_sent, probe_bytes_received;
	uint32_t probe_first_size, probe_last_size;
	uint32_t probe_bps;	/* the last cluster's result; 0: none */
	uint32_t probe_max_bps; /* what the cluster may show at most (its caller's bound) */
	/* A trial: the cluster above, measured whole, with its verdict. */
	enum relay_bwe_trial trial;
	uint32_t trial_media_bps; /* what else the caller sends meanwhile */
	unsigned trial_sent;	  /* its packets, once all are sent (0: still sending) */
	unsigned trial_reported, trial_lost;
	unsigned trial_overuses; /* `overuses` at its start */
	/* Its packets' one-way delay (arrival minus send time, the clocks'
	 * offset included): the least, and the last sent's so far. */
	int64_t trial_owd_min, trial_owd_last, trial_last_send;
};

void relay_bwe_init(struct relay_bwe *b, const struct relay_bwe_config *cfg);

/* One feedback's packets (n of them, in the order sent), at now_us on the
 * relay's clock. Updates the estimate. */
void relay_bwe_on_feedback(struct relay_bwe *b, const struct relay_bwe_packet *pkts, unsigned n,
			   int64_t now_us);

/* Starts measuring probe cluster id (the packets the caller will send
 * with it), whose result may raise the estimate to max_bps at most (0:
 * no bound but the cap): a short cluster that a shaper's bucket lets
 * through whole, or that a late wake of the sender sent as one burst,
 * arrives faster than the path carries for long, so the caller bounds
 * what one cluster may prove. The one measured before is
 * forgotten. */
void relay_bwe_probe_start(struct relay_bwe *b, uint8_t id, uint32_t max_bps);

/* Starts a trial, cluster id: padding sent for long enough (the caller's
 * choice, 0.5-1 s) that a shaper's bucket cannot hide the path's rate
 * (a 10 KB burst passes a 30 ms cluster whole at 150 kbit/s), judged by
 * the delay detector: an overuse declared while its packets show a queue
 * (their one-way delay 25 ms above its least) fails it at once (the
 * caller stops sending), as does more than 5 % of its packets lost or
 * such a queue at its end; one whose
 * every packet was reported (relay_bwe_trial_end) passes, and the
 * estimate rises to its rate (the lower of its sending and arrival
 * rates) plus media_bps, what the caller sends besides, at most max_bps
 * (0: the cap). The verdict is in b->trial. */
void relay_bwe_trial_start(struct relay_bwe *b, uint8_t id, uint32_t max_bps, uint32_t media_bps);

/* The trial's last packet was sent: `sent` packets in all (0 fails it). */
void relay_bwe_trial_end(struct relay_bwe *b, unsigned sent);

/* Fails a running trial (its feedback never came). */
void relay_bwe_trial_cancel(struct relay_bwe *b);

/* The delay-based rate raised to bps at least (what the path carried
 * before a trial whose own padding made the queue that failed it). */
void relay_bwe_floor(struct relay_bwe *b, uint32_t bps);

#endif
