/* See report.h. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/loadgen/report.h"

/* The latency (microseconds) below which a share q of the samples lie,
 * from the histogram; -1 without samples. */
static double percentile_us(const struct lg_stats *st, double q)
{
	if (st->latency_samples == 0)
		return -1;
	uint64_t want = (uint64_t)(q * (double)st->latency_samples);
	if (want >= st->latency_samples)
		want = st->latency_samples - 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < LG_HIST_FINE; i++) {
		seen += st->hist_fine[i];
		if (seen > want)
			return (double)i * 10 + 5;
	}
	for (size_t i = 0; i < LG_HIST_COARSE; i++) {
		seen += st->hist_coarse[i];
		if (seen > want)
			return 20000 + (double)i * 1000 + 500;
	}
	return 20000 + LG_HIST_COARSE * 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void lg_report_print(const struct report_input *in)
{
	const struct lg_ctx *ctx = in->ctx;
	const struct lg_run *run = in->run;
	double window_s =
	    (double)(atomic_load(&ctx->window_end_ns) - atomic_load(&ctx->window_start_ns)) / 1e9;
	uint64_t sent = 0, sent_late = 0, expected[2] = {0, 0}, received[2] = {0, 0};
	uint64_t undecryptable = 0, rtcp_in = 0, socket_drops = 0;
	int64_t late_max = 0;
	int incomplete = 0, failed_transports = 0;
	double *first_media = calloc(run->n + 1, sizeof(double));
	size_t n_first = 0;
	for (size_t i = 0; i < run->n; i++) {
		const struct lg_participant *p = &run->p[i];
		const struct lg_transport *ts[2] = {p->pub, p->sub};
		for (int k = 0; k < 2; k++) {
			const struct lg_transport *t = ts[k];
			if (!t)
				continue;
			failed_transports += t->state == LG_T_FAILED;
			sent += t->sent_window;
			sent_late += t->sent_late;
			if (t->late_max_ns > late_max)
				late_max = t->late_max_ns;
			undecryptable += t->undecryptable;
			rtcp_in += t->rtcp_in;
			socket_drops += t->socket_drops;
			if (t->publishes)
				continue;
			incomplete += !t->counted_complete;
			if (t->first_media_ns && t->requested_ns && first_media)
				first_media[n_first++] =
				    (double)(t->first_media_ns - t->requested_ns) / 1e6;
			for (size_t s = 0; s < t->n_ssrc; s++) {
				const struct lg_ssrc_stats *st = &t->ssrc[s];
				int kind = st->kind == LG_VIDEO ? 1 : 0;
				expected[kind] += st->window_expected;
				received[kind] += st->window_received;
			}
		}
	}
	if (first_media && n_first)
		qsort(first_media, n_first, sizeof(double), cmp_double);
	uint64_t exp_all = expected[0] + expected[1], rx_all = received[0] + received[1];
	double loss = exp_all ? 1.0 - (double)rx_all / (double)exp_all : 0;
	if (loss < 0)
		loss = 0;
	double cpu = in->cpu_window_end - in->cpu_window_start;
	printf("RESULT {\"participants\": %zu, \"publishers\": %d, \"subscribers\": %d, "
	       "\"errors\": %d, \"failed_transports\": %d, \"incomplete_subscribers\": %d, "
	       "\"publish_setup_s\": %.3f, \"subscribe_setup_s\": %.3f, "
	       "\"window_s\": %.3f, \"sent\": %llu, \"sent_late\": %llu, \"late_max_ms\": %.2f, "
	       "\"expected\": %llu, \"received\": %llu, "
	       "\"received_audio\": %llu, \"received_video\": %llu, \"loss\": %.6f, "
	       "\"received_per_s\": %.1f, \"undecryptable\": %llu, \"rtcp_in\": %llu, "
	       "\"loadgen_socket_drops\": %llu, "
	       "\"latency_samples\": %llu, \"latency_p50_us\": %.0f, \"latency_p99_us\": %.0f, "
	       "\"latency_max_bucket_us\": %.0f, "
	       "\"first_media_p50_ms\": %.1f, \"first_media_max_ms\": %.1f, "
	       "\"loadgen_cpu_window_s\": %.3f, \"loadgen_cpu_share\": %.3f, "
	       "\"loadgen_cpu_setup_s\": %.3f}\n",
	       run->n, in->publishers, in->subscribers, atomic_load(&run->errors),
	       failed_transports, incomplete, in->publish_s, in->subscribe_s, window_s,
	       (unsigned long long)sent, (unsigned long long)sent_late, (double)late_max / 1e6,
	       (unsigned long long)exp_all, (unsigned long long)rx_all,
	       (unsigned long long)received[0], (unsigned long long)received[1], loss,
	       window_s > 0 ? (double)rx_all / window_s : 0, (unsigned long long)undecryptable,
	       (unsigned long long)rtcp_in, (unsigned long long)socket_drops,
	       (unsigned long long)ctx->stats.latency_samples, percentile_us(&ctx->stats, 0.50),
	       percentile_us(&ctx->stats, 0.99), percentile_us(&ctx->stats, 1.0),
	       n_first ? first_media[n_first / 2] : -1, n_first ? first_media[n_first - 1] : -1,
	       cpu, window_s > 0 ? cpu / window_s : 0, in->cpu_setup);
	fflush(stdout);
	free(first_media);
}
