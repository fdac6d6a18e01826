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

#endif
