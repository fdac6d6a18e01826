/* See report.h. */
#include <jansson.h>
#include <stdint.h>
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

void lg_report_peers(const struct report_input *in)
{
	const struct lg_run *run = in->run;
	for (size_t i = 0; i < run->n; i++) {
		const struct lg_participant *p = &run->p[i];
		const struct lg_transport *t = p->sub;
		if (!p->subscribes)
			continue;
		int flowing[2] = {0, 0}, silent[2] = {0, 0};
		uint64_t fewest[2] = {UINT64_MAX, UINT64_MAX};
		for (size_t s = 0; t && s < t->n_ssrc; s++) {
			const struct lg_ssrc_stats *st = &t->ssrc[s];
			if (st->kind == LG_KIND_NONE)
				continue;
			uint64_t got = st->received_at_end - st->received_at_open;
			flowing[st->kind] += got > 0;
			silent[st->kind] += got == 0;
			if (got > 0 && got < fewest[st->kind])
				fewest[st->kind] = got;
		}
		json_t *r = json_pack(
		    "{s:i, s:i, s:i, s:b, s:i, s:i, s:I, s:i, s:i, s:I}", "index", p->index,
		    "session", p->session, "visible", p->visible, "failed", p->failed,
		    "audio_streams", flowing[LG_AUDIO], "audio_silent", silent[LG_AUDIO],
		    "audio_fewest_packets", (json_int_t)(flowing[LG_AUDIO] ? fewest[LG_AUDIO] : 0),
		    "video_streams", flowing[LG_VIDEO], "video_silent", silent[LG_VIDEO],
		    "video_fewest_packets", (json_int_t)(flowing[LG_VIDEO] ? fewest[LG_VIDEO] : 0));
		char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
		printf("PEER %s\n", text ? text : "{}");
		free(text);
		json_decref(r);
	}
	fflush(stdout);
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
	int incomplete = 0, failed_transports = 0, unbounded = 0;
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
				if (!st->have_start || !st->have_end) {
					unbounded++;
					continue;
				}
				expected[kind] += st->end_counter - st->start_counter;
				received[kind] += st->received_at_end - st->received_at_start;
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
	json_t *r = json_object();
	json_object_set_new(r, "participants", json_integer((json_int_t)run->n));
	json_object_set_new(r, "publishers", json_integer(in->publishers));
	json_object_set_new(r, "subscribers", json_integer(in->subscribers));
	json_object_set_new(r, "errors", json_integer(atomic_load(&run->errors)));
	json_object_set_new(r, "failed_transports", json_integer(failed_transports));
	json_object_set_new(r, "incomplete_subscribers", json_integer(incomplete));
	json_object_set_new(r, "streams_without_window_bounds", json_integer(unbounded));
	json_object_set_new(r, "publish_setup_s", json_real(in->publish_s));
	json_object_set_new(r, "subscribe_setup_s", json_real(in->subscribe_s));
	json_object_set_new(r, "window_s", json_real(window_s));
	json_object_set_new(r, "sent", json_integer((json_int_t)sent));
	json_object_set_new(r, "sent_late", json_integer((json_int_t)sent_late));
	json_object_set_new(r, "late_max_ms", json_real((double)late_max / 1e6));
	json_object_set_new(r, "expected", json_integer((json_int_t)exp_all));
	json_object_set_new(r, "received", json_integer((json_int_t)rx_all));
	json_object_set_new(r, "received_audio", json_integer((json_int_t)received[0]));
	json_object_set_new(r, "received_video", json_integer((json_int_t)received[1]));
	json_object_set_new(r, "loss", json_real(loss));
	json_object_set_new(r, "received_per_s",
			    json_real(window_s > 0 ? (double)rx_all / window_s : 0));
	json_object_set_new(r, "undecryptable", json_integer((json_int_t)undecryptable));
	json_object_set_new(r, "rtcp_in", json_integer((json_int_t)rtcp_in));
	json_object_set_new(r, "loadgen_socket_drops", json_integer((json_int_t)socket_drops));
	json_object_set_new(r, "latency_samples",
			    json_integer((json_int_t)ctx->stats.latency_samples));
	json_object_set_new(r, "latency_p50_us", json_real(percentile_us(&ctx->stats, 0.50)));
	json_object_set_new(r, "latency_p99_us", json_real(percentile_us(&ctx->stats, 0.99)));
	json_object_set_new(r, "latency_max_bucket_us", json_real(percentile_us(&ctx->stats, 1.0)));
	json_object_set_new(r, "first_media_p50_ms",
			    json_real(n_first ? first_media[n_first / 2] : -1));
	json_object_set_new(r, "first_media_max_ms",
			    json_real(n_first ? first_media[n_first - 1] : -1));
	json_object_set_new(r, "srtp_aead_aes_128_gcm", json_integer(atomic_load(&ctx->srtp_gcm)));
	json_object_set_new(r, "srtp_aes_cm_128_hmac_sha1_80",
			    json_integer(atomic_load(&ctx->srtp_cm)));
	json_object_set_new(r, "loadgen_cpu_window_s", json_real(cpu));
	json_object_set_new(r, "loadgen_cpu_share", json_real(window_s > 0 ? cpu / window_s : 0));
	json_object_set_new(r, "loadgen_cpu_setup_s", json_real(in->cpu_setup));
	char *text = json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(6));
	printf("RESULT %s\n", text ? text : "{}");
	free(text);
	json_decref(r);
	fflush(stdout);
	free(first_media);
}
