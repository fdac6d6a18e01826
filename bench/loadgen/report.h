/* The load generator's result line: "RESULT {json}" on stdout. Read after
 * the media and signaling threads have stopped. */
#ifndef HEARTH_BENCH_REPORT_H
#define HEARTH_BENCH_REPORT_H

#include "bench/loadgen/participant.h"

struct report_input {
	struct lg_ctx *ctx;
	struct lg_run *run;
	double cpu_setup, cpu_window_start, cpu_window_end; /* our own, seconds */
	double publish_s, subscribe_s;			    /* setup phases, seconds */
	int publishers, subscribers;
};

void lg_report_print(const struct report_input *in);
/* One "PEER {json}" line per subscribing participant: its index and
 * session, the videos it shows (-1: no hints), and of the streams it
 * received, how many got packets in the window, per kind, and the fewest
 * packets one of them got. */
void lg_report_peers(const struct report_input *in);

#endif
