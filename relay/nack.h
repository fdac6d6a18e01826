/* The relay's NACK generator for one publisher video stream (RFC 4585
 * §6.2.1): it notes the sequence numbers missing from what arrives, says
 * which to ask for again and when (first ~10 ms after the gap, then about
 * once per round trip), gives up on a packet after RELAY_NACK_MAX_TRIES or
 * when it is older than the retransmission buffers keep, and asks for a
 * keyframe instead when too much is missing at once. Fixed memory, no
 * allocation, no clock of its own: the caller passes the time. */
#ifndef HEARTH_RELAY_NACK_H
#define HEARTH_RELAY_NACK_H

#include <stdbool.h>
#include <stdint.h>

#define RELAY_NACK_MAX_MISSING	128	       /* packets waited for at once */
#define RELAY_NACK_KEYFRAME_GAP 100	       /* a larger gap: a keyframe instead */
#define RELAY_NACK_DELAY_US	(10 * 1000LL)  /* first NACK after the gap */
#define RELAY_NACK_RTT_US	(100 * 1000LL) /* re-NACK interval without an RTT */
#define RELAY_NACK_MAX_TRIES	10
#define RELAY_NACK_MAX_AGE_US	(2000 * 1000LL) /* the retransmission buffers' reach */
/* Packets this far behind the newest are a restarted stream, not loss. */
#define RELAY_NACK_RESET_BEHIND 3000

/* A round-trip sample above this is not one (a clock or report fault). */
#define RELAY_NACK_RTT_MAX_US (5000 * 1000LL)

/* A smoothed round trip with one more sample (RFC 6298's 1/8 gain; the
 * first sample as it is). */
static inline int64_t relay_nack_rtt_smooth(int64_t srtt_us, int64_t sample_us)
{
	return srtt_us ? srtt_us + (sample_us - srtt_us) / 8 : (sample_us ? sample_us : 1);
}

struct relay_nack_item {
	uint16_t seq;
	uint8_t tries;
	int64_t lost_us; /* when the gap was seen */
	int64_t sent_us; /* the last NACK for it */
};

struct relay_nack_gen {
	/* The publisher's round trip (smoothed; 0: none yet), from NACKs
	 * answered at the first try: NACK sent to retransmission arrived. */
	int64_t rtt_us;
	bool started;
	uint16_t max_seq;
	unsigned count;
	/* Set by relay_nack_due() when it gave up on a packet that never
	 * came: what follows cannot be decoded until a keyframe. The caller
	 * asks for one and clears it. */
	bool gave_up;
	struct relay_nack_item items[RELAY_NACK_MAX_MISSING]; /* oldest first */
};

enum relay_nack_verdict {
	RELAY_NACK_NEW = 0,	 /* the newest packet so far (maybe after a gap) */
	RELAY_NACK_RECOVERED,	 /* one that was missing arrived */
	RELAY_NACK_LATE,	 /* older and not waited for: late or duplicate */
	RELAY_NACK_KEYFRAME = 8, /* flag: too much missing; the list was cleared */
};

/* Notes packet seq arriving at now. Returns enum relay_nack_verdict,
 * possibly with RELAY_NACK_KEYFRAME or'ed in. */
unsigned relay_nack_on_packet(struct relay_nack_gen *g, uint16_t seq, int64_t now);

/* The sequence numbers to NACK now (at most cap, oldest first, into
 * ret_seqs), counted as tried; drops those given up (and sets gave_up). A packet is asked for
 * again a round trip and a quarter after the last time: rtt_us, or when 0
 * the measured one (g->rtt_us), or RELAY_NACK_RTT_US. Returns how many. */
unsigned relay_nack_due(struct relay_nack_gen *g, int64_t now, int64_t rtt_us, uint16_t *ret_seqs,
			unsigned cap);

/* When relay_nack_due() next has something to say; INT64_MAX: nothing
 * missing. */
int64_t relay_nack_next_due(const struct relay_nack_gen *g, int64_t rtt_us);

/* Forgets everything missing (a keyframe was asked for). */
void relay_nack_clear(struct relay_nack_gen *g);

/* Forgets what is missing before seq, where a keyframe starts: no
 * subscriber needs those packets any more. Not a give-up. */
void relay_nack_forget_before(struct relay_nack_gen *g, uint16_t seq);

#endif
