/* A small HTTP/1.1 client over a unix stream socket, for hearthctl talking to
 * hearthd's admin socket: one request per connection ("Connection: close"),
 * the whole response read into memory under a hard cap and a deadline.
 *
 * The response parser is separate from the socket code and takes a buffer,
 * so that it can be fuzzed (tests/fuzz/fuzz_http_response.c). Nothing here
 * logs or prints: errors are returned as negative errno codes. */
#ifndef HEARTH_CTL_HTTP_UNIX_H
#define HEARTH_CTL_HTTP_UNIX_H

#include <stdbool.h>
#include <stddef.h>

/* Whole response (status line, headers, body) at most this many bytes. */
#define CTL_HTTP_MAX_RESPONSE (4 * 1024 * 1024)
/* Status line and headers at most this many bytes, and this many lines. */
#define CTL_HTTP_MAX_HEAD    (64 * 1024)
#define CTL_HTTP_MAX_HEADERS 100
/* Connecting, sending and receiving together take at most this long. */
#define CTL_HTTP_TIMEOUT_MS 10000

struct ctl_http_response {
	int status;	 /* 100..599 */
	int retry_after; /* seconds from a Retry-After header, -1 when none */
	char *body;	 /* owned, NUL-terminated (the NUL is not counted) */
	size_t body_len;
};

/* Parses the response in buf[0..len). With eof false, more bytes may still
 * arrive; with eof true, the peer has closed and buf is all there is.
 * Interim 1xx responses are skipped. The body is delimited by Content-Length,
 * by chunked transfer coding, or by the end of the connection.
 *
 * Returns 0 and fills ret_response (caller frees with ctl_http_response_clear)
 * when the response is complete; -EAGAIN when more bytes are needed (only
 * with eof false); -EBADMSG when the bytes are not a valid HTTP/1.x response
 * (or end early with eof true); -EMSGSIZE when a cap is exceeded.
 * ret_response is untouched on failure. */
int ctl_http_parse_response(const char *buf, size_t len, bool eof,
			    struct ctl_http_response *ret_response);

/* Frees the body and resets the fields. Accepts NULL. */
void ctl_http_response_clear(struct ctl_http_response *response);

/* Sends one request to the unix socket at socket_path and reads the response.
 * method and path form the request line (path must not contain spaces or
 * control characters); body, when not NULL, is sent with
 * "Content-Type: application/json".
 *
 * Returns 0 and fills ret_response (caller clears), or:
 *   -ENAMETOOLONG  socket_path does not fit a sockaddr_un;
 *   -EINVAL        method or path is unusable;
 *   -ENOENT, -ECONNREFUSED, -EACCES, -ENOTSOCK, -EAGAIN  could not connect;
 *   -ETIMEDOUT     the deadline passed;
 *   -EPIPE, -ECONNRESET  the daemon hung up without answering;
 *   -EBADMSG, -EMSGSIZE  as ctl_http_parse_response;
 *   another negative errno from the socket calls. */
int ctl_http_request(const char *socket_path, const char *method, const char *path,
		     const char *body, size_t body_len, struct ctl_http_response *ret_response);

#endif
