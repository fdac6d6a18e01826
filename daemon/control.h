/* The control thread: owns the configuration, the HTTP server and the relay,
 * handles signals (SIGTERM/SIGINT stop, SIGHUP reloads), pings the media
 * workers and tells systemd how it is doing (sd_notify). */
#ifndef HEARTH_DAEMON_CONTROL_H
#define HEARTH_DAEMON_CONTROL_H

#include <stdbool.h>

struct cfg;
struct sig_control;

/* Blocks SIGTERM, SIGINT and SIGHUP for the calling thread and all threads it
 * will start; they are then read from a signalfd by the control loop. Call
 * before any thread is created. */
int sig_control_block_signals(void);

/* Starts the relay and the HTTP server. cfg is resolved and borrowed for the
 * life of the control; overrides (NULL-terminated "section.key=value", may
 * be NULL) are re-applied on every reload. Returns 0 or a negative errno. */
int sig_control_new(struct cfg *cfg, char **overrides, struct sig_control **ret_control);

/* Runs until SIGTERM or SIGINT. Returns the process exit status. */
int sig_control_run(struct sig_control *control);

/* Stops the HTTP server and joins the workers. Accepts NULL; returns NULL. */
struct sig_control *sig_control_free(struct sig_control *control);

#endif
