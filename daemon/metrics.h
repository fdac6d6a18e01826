/* What /metrics says for operations, beyond the media workers' packet
 * counters (control.c): people (sessions open, participants admitted and
 * waiting, WebSocket connections), joins by outcome, rate-limit refusals
 * by what, transports' failures by reason and network changes, media
 * bytes in and out, the build, and the standard process_* metrics.
 * docs/operations.md lists them. Control thread. */
#ifndef HEARTH_DAEMON_METRICS_H
#define HEARTH_DAEMON_METRICS_H

#include <glib.h>

struct relay;
struct sig_ratelimit;
struct sig_rooms;
struct sig_ws;

/* Borrowed, all of them; ws and rooms may be NULL (not built yet). */
struct sig_metrics_sources {
	struct relay *relay;
	struct sig_ws *ws;
	struct sig_rooms *rooms;
	struct sig_ratelimit *limiter;
};

/* Appends the metrics in the Prometheus text format (version 0.0.4). */
void sig_metrics_ops(const struct sig_metrics_sources *src, GString *out);

#endif
