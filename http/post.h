/* HTTP/1.1 POSTs to a webhook receiver, one at a time, made by a thread of
 * its own so that name resolution, connecting, TLS and a slow receiver
 * never hold the control loop. The control thread hands over a complete
 * request (sig_post_start), watches sig_post_fd and collects the outcome
 * (sig_post_result); the thread shares nothing else. https:// verifies
 * the receiver's certificate against the system's CAs (SSL_CERT_FILE /
 * SSL_CERT_DIR override them) and its name. Every request ends within
 * SIG_POST_TIMEOUT_MS. Nothing here logs above debug. */
#ifndef HEARTH_HTTP_POST_H
#define HEARTH_HTTP_POST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/webhook_url.h"

#define SIG_POST_TIMEOUT_MS   10000 /* resolve, connect, send and read the status */
#define SIG_POST_RESPONSE_MAX 16384 /* bytes of the response read for its status */

struct sig_post;

int sig_post_new(struct sig_post **ret_post);
/* Waits for a request in flight to end (at most SIG_POST_TIMEOUT_MS; a
 * name lookup is not interrupted). Accepts NULL; returns NULL. */
struct sig_post *sig_post_free(struct sig_post *post);

/* Readable when an outcome waits to be collected. */
int sig_post_fd(const struct sig_post *post);
bool sig_post_busy(const struct sig_post *post);

/* Sends request (the whole request: line, headers, body; taken, freed with
 * g_free) to url. -EBUSY while one is in flight. */
int sig_post_start(struct sig_post *post, const struct cfg_webhook_url *url, char *request,
		   size_t len);

/* 1 with *ret_status the receiver's status (200..599) or a negative errno
 * (-ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH for a name that does not
 * resolve, -EPROTO for a TLS or certificate failure, -EBADMSG for an
 * answer that is not HTTP); 0 when no outcome waits. */
int sig_post_result(struct sig_post *post, int *ret_status);

/* The status of an HTTP/1.x response beginning with buf[0..len), past any
 * interim 1xx responses: 200..599, -EAGAIN when more bytes are needed,
 * -EBADMSG when it is not one. Pure (fuzzed: tests/fuzz/fuzz_webhook.c). */
int sig_post_parse_status(const char *buf, size_t len);

#endif
