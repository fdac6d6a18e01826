#include "ctl/http_unix.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/parse.h"

/* Response parsing (RFC 9112). Every position is an offset into a buffer
 * of known length: the bytes come from outside and may contain NULs, so no
 * str*() function ever runs on them. */

struct http_head {
	int status;
	int retry_after;
	long long content_length; /* -1 when absent */
	bool chunked;
	size_t headers;
};

/* Finds the line starting at pos, ending with LF (the CR before it, if
 * any, is not part of the line). Only bytes before limit are searched.
 * Returns 0 with the line's end and the start of the next line, or -EAGAIN
 * when no LF comes before limit. */
static int http_line(const char *buf, size_t limit, size_t pos, size_t *ret_end, size_t *ret_next)
{
	const char *lf;

	if (pos >= limit)
		return -EAGAIN;
	lf = memchr(buf + pos, '\n', limit - pos);
	if (!lf)
		return -EAGAIN;
	*ret_next = (size_t)(lf - buf) + 1;
	*ret_end = (size_t)(lf - buf);
	if (*ret_end > pos && buf[*ret_end - 1] == '\r')
		(*ret_end)--;
	return 0;
}

static bool http_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110 §5.6.2 tchar. */
static bool http_is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || http_is_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Parses the decimal digits that make up all of s[0..n). Returns 0 or
 * -EBADMSG; -EMSGSIZE when the number exceeds max. */
static int http_decimal(const char *s, size_t n, long long max, long long *ret_value)
{
	uint64_t v;
	int r = parse_uint64_n(s, n, (uint64_t)max, &v);

	if (r < 0)
		return r == -ERANGE ? -EMSGSIZE : -EBADMSG;
	*ret_value = (long long)v;
	return 0;
}

/* "HTTP/1.x SSS[ reason]" (RFC 9112 §4). */
static int http_status_line(const char *s, size_t n, int *ret_status)
{
	long long status;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !http_is_digit(s[7]) || s[8] != ' ')
		return -EBADMSG;
	if (n > 12 && s[12] != ' ')
		return -EBADMSG;
	if (http_decimal(s + 9, 3, 999, &status) < 0 || status < 100 || status > 599)
		return -EBADMSG;
	*ret_status = (int)status;
	return 0;
}

static bool http_name_is(const char *name, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

static int http_header_value(struct http_head *head, const char *name, size_t name_len,
			     const char *v, size_t n)
{
	long long value;
	int r;

	if (http_name_is(name, name_len, "content-length")) {
		r = http_decimal(v, n, CTL_HTTP_MAX_RESPONSE, &value);
		if (r < 0)
			return r;
		/* RFC 9112 §6.3: differing lengths make the message invalid. */
		if (head->content_length >= 0 && head->content_length != value)
			return -EBADMSG;
		head->content_length = value;
	} else if (http_name_is(name, name_len, "transfer-encoding")) {
		/* We ask for nothing but plain bodies; chunked is the only coding
		 * an HTTP/1.1 server may add on its own. */
		if (!http_name_is(v, n, "chunked") || head->chunked)
			return -EBADMSG;
		head->chunked = true;
	} else if (http_name_is(name, name_len, "retry-after")) {
		/* Delay-seconds only; an HTTP-date is ignored. */
		if (http_decimal(v, n, 7 * 24 * 3600, &value) == 0)
			head->retry_after = (int)value;
	}
	return 0;
}

/* "Name: value" (RFC 9112 §5). */
static int http_header_line(struct http_head *head, const char *s, size_t n)
{
	size_t colon = 0, start, end;

	if (++head->headers > CTL_HTTP_MAX_HEADERS)
		return -EMSGSIZE;
	while (colon < n && s[colon] != ':') {
		if (!http_is_tchar(s[colon]))
			return -EBADMSG; /* also refuses obsolete line folding */
		colon++;
	}
	if (colon == 0 || colon == n)
		return -EBADMSG;
	start = colon + 1;
	end = n;
	while (start < end && (s[start] == ' ' || s[start] == '\t'))
		start++;
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	return http_header_value(head, s, colon, s + start, end - start);
}

/* Parses the status line and headers starting at pos. Returns 0 with the
 * offset just past the empty line that ends them. */
static int http_head(const char *buf, size_t len, bool eof, size_t pos, struct http_head *ret_head,
		     size_t *ret_body)
{
	struct http_head head = {.retry_after = -1, .content_length = -1};
	size_t limit = len - pos > CTL_HTTP_MAX_HEAD ? pos + CTL_HTTP_MAX_HEAD : len;
	size_t end, next;
	int r;

	r = http_line(buf, limit, pos, &end, &next);
	if (r == 0)
		r = http_status_line(buf + pos, end - pos, &head.status);
	while (r == 0) {
		pos = next;
		r = http_line(buf, limit, pos, &end, &next);
		if (r < 0 || end == pos)
			break;
		r = http_header_line(&head, buf + pos, end - pos);
	}
	if (r == -EAGAIN && limit < len)
		return -EMSGSIZE;
	if (r == -EAGAIN && eof)
		return -EBADMSG;
	if (r < 0)
		return r;
	*ret_head = head;
	*ret_body = next;
	return 0;
}

/* Parses a chunk-size line: hex digits, then optional extensions. */
static int http_chunk_size(const char *s, size_t n, size_t *ret_size)
{
	size_t i = 0, size = 0;

	for (; i < n; i++) {
		int d = parse_hex_digit(s[i]);
		if (d < 0)
			break;
		size = size * 16 + (size_t)d;
		if (size > CTL_HTTP_MAX_RESPONSE)
			return -EMSGSIZE;
	}
	if (i == 0)
		return -EBADMSG;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] != ';')
		return -EBADMSG;
	*ret_size = size;
	return 0;
}

/* Skips the trailer section after the last chunk, up to its empty line. */
static int http_trailers(const char *buf, size_t len, size_t pos)
{
	size_t end, next;
	int r;

	for (unsigned lines = 0;; lines++) {
		if (lines > CTL_HTTP_MAX_HEADERS)
			return -EMSGSIZE;
		r = http_line(buf, len, pos, &end, &next);
		if (r < 0 || end == pos)
			return r;
		pos = next;
	}
}

/* Decodes a chunked body (RFC 9112 §7.1) starting at pos into out, or only
 * measures it when out is NULL. Returns 0 with the decoded length once the
 * last chunk and trailers are complete, -EAGAIN when bytes are missing. */
static int http_dechunk(const char *buf, size_t len, size_t pos, char *out, size_t *ret_len)
{
	size_t total = 0, size, end, next;
	int r;

	for (;;) {
		r = http_line(buf, len, pos, &end, &next);
		if (r < 0)
			return r;
		r = http_chunk_size(buf + pos, end - pos, &size);
		if (r < 0)
			return r;
		if (size == 0)
			break;
		if (size > len - next)
			return -EAGAIN;
		if (out)
			memcpy(out + total, buf + next, size);
		total += size;
		if (total > CTL_HTTP_MAX_RESPONSE)
			return -EMSGSIZE;
		pos = next + size;
		r = http_line(buf, len, pos, &end, &next);
		if (r < 0)
			return r;
		if (end != pos)
			return -EBADMSG; /* chunk data longer than its size */
		pos = next;
	}
	r = http_trailers(buf, len, next);
	if (r < 0)
		return r;
	*ret_len = total;
	return 0;
}

static int http_copy_body(const char *data, size_t n, char **ret_body)
{
	char *body = malloc(n + 1);

	if (!body)
		return -ENOMEM;
	if (n > 0)
		memcpy(body, data, n);
	body[n] = '\0';
	*ret_body = body;
	return 0;
}

static int http_chunked_body(const char *buf, size_t len, bool eof, size_t pos, char **ret_body,
			     size_t *ret_len)
{
	size_t n;
	char *body;
	int r;

	r = http_dechunk(buf, len, pos, NULL, &n);
	if (r == -EAGAIN && eof)
		return -EBADMSG;
	if (r < 0)
		return r;
	body = malloc(n + 1);
	if (!body)
		return -ENOMEM;
	(void)http_dechunk(buf, len, pos, body, &n);
	body[n] = '\0';
	*ret_body = body;
	*ret_len = n;
	return 0;
}

/* Extracts the body that starts at pos, as the head delimits it
 * (RFC 9112 §6.3). */
static int http_body(const char *buf, size_t len, bool eof, size_t pos,
		     const struct http_head *head, char **ret_body, size_t *ret_len)
{
	size_t n;
	int r;

	if (head->status == 204 || head->status == 304)
		n = 0;
	else if (head->chunked)
		return http_chunked_body(buf, len, eof, pos, ret_body, ret_len);
	else if (head->content_length >= 0) {
		n = (size_t)head->content_length;
		if (n > len - pos)
			return eof ? -EBADMSG : -EAGAIN;
	} else if (!eof)
		return -EAGAIN;
	else
		n = len - pos;
	r = http_copy_body(buf + pos, n, ret_body);
	if (r < 0)
		return r;
	*ret_len = n;
	return 0;
}

int ctl_http_parse_response(const char *buf, size_t len, bool eof,
			    struct ctl_http_response *ret_response)
{
	struct http_head head;
	size_t pos = 0, body_len;
	char *body;
	int r;

	if (len > CTL_HTTP_MAX_RESPONSE)
		return -EMSGSIZE;
	for (;;) {
		r = http_head(buf, len, eof, pos, &head, &pos);
		if (r < 0)
			return r;
		if (head.status >= 200)
			break;
		/* An interim 1xx answer; the final one follows. We never ask to
		 * switch protocols. */
		if (head.status == 101)
			return -EBADMSG;
	}
	r = http_body(buf, len, eof, pos, &head, &body, &body_len);
	if (r < 0)
		return r;
	*ret_response = (struct ctl_http_response){
	    .status = head.status,
	    .retry_after = head.retry_after,
	    .body = body,
	    .body_len = body_len,
	};
	return 0;
}

void ctl_http_response_clear(struct ctl_http_response *response)
{
	if (!response)
		return;
	free(response->body);
	*response = (struct ctl_http_response){.retry_after = -1};
}

/* The client. */

/* Waits until fd is ready for events or the deadline passes. */
static int http_wait(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	long long left;
	int n;

	for (;;) {
		left = deadline - clock_mono_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int http_connect_fd(int fd, const struct sockaddr_un *sa, long long deadline)
{
	socklen_t len = sizeof(int);
	int r, err = 0;

	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return 0;
	/* EAGAIN: the daemon's listen backlog is full; it is not keeping up. */
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	r = http_wait(fd, POLLOUT, deadline);
	if (r < 0)
		return r;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return err ? -err : 0;
}

static int http_connect(const char *socket_path, long long deadline, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(socket_path);
	int fd, r;

	if (n == 0 || n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, socket_path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = http_connect_fd(fd, &sa, deadline);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static bool http_request_target_ok(const char *method, const char *path)
{
	size_t n = strlen(method);

	if (n == 0 || n > 16 || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)
		return false;
	if (path[0] != '/' || strlen(path) > 4096)
		return false;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* Builds the request head and body into one buffer (caller frees). */
static int http_build(const char *method, const char *path, const char *body, size_t body_len,
		      char **ret_buf, size_t *ret_len)
{
	static const char fmt_body[] =
	    "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n";
	static const char fmt_none[] = "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
				       "Accept: application/json\r\n\r\n";
	size_t cap = strlen(method) + strlen(path) + sizeof(fmt_body) + 32 + (body ? body_len : 0);
	char *buf;
	int n;

	if (!http_request_target_ok(method, path))
		return -EINVAL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (body)
		n = snprintf(buf, cap, fmt_body, method, path, body_len);
	else
		n = snprintf(buf, cap, fmt_none, method, path);
	if (n < 0 || (size_t)n + (body ? body_len : 0) >= cap) {
		free(buf);
		return -EINVAL;
	}
	if (body && body_len > 0)
		memcpy(buf + n, body, body_len);
	*ret_buf = buf;
	*ret_len = (size_t)n + (body ? body_len : 0);
	return 0;
}

static int http_send_all(int fd, const char *buf, size_t len, long long deadline)
{
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		r = http_wait(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Grows buf so that at least one more byte fits, up to one byte past the
 * response cap (so that an oversized response is detected, not cut). */
static int http_grow(char **buf, size_t *cap, size_t len)
{
	size_t want;
	char *p;

	if (len < *cap)
		return 0;
	if (*cap > CTL_HTTP_MAX_RESPONSE)
		return -EMSGSIZE;
	want = *cap ? *cap * 2 : 16384;
	if (want > CTL_HTTP_MAX_RESPONSE + 1)
		want = CTL_HTTP_MAX_RESPONSE + 1;
	p = realloc(*buf, want);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = want;
	return 0;
}

static int http_receive(int fd, long long deadline, struct ctl_http_response *ret_response)
{
	char *buf = NULL;
	size_t cap = 0, len = 0;
	ssize_t n;
	int r;

	for (;;) {
		r = http_grow(&buf, &cap, len);
		if (r < 0)
			break;
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			r = http_wait(fd, POLLIN, deadline);
			if (r < 0)
				break;
			continue;
		}
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0 && len == 0) {
			r = -ECONNRESET; /* closed without a word */
			break;
		}
		len += (size_t)n;
		r = ctl_http_parse_response(buf, len, n == 0, ret_response);
		if (r != -EAGAIN)
			break;
	}
	free(buf);
	return r;
}

int ctl_http_request(const char *socket_path, const char *method, const char *path,
		     const char *body, size_t body_len, struct ctl_http_response *ret_response)
{
	long long deadline = clock_mono_ms() + CTL_HTTP_TIMEOUT_MS;
	char *req = NULL;
	size_t req_len;
	int fd = -1, r, sent;

	r = http_build(method, path, body, body_len, &req, &req_len);
	if (r < 0)
		return r;
	r = http_connect(socket_path, deadline, &fd);
	if (r < 0)
		goto fail;
	sent = http_send_all(fd, req, req_len, deadline);
	if (sent < 0 && sent != -EPIPE && sent != -ECONNRESET) {
		r = sent;
		goto fail;
	}
	/* A daemon that refuses early (413) may hang up before reading all we
	 * sent; its answer is still worth reading. */
	r = http_receive(fd, deadline, ret_response);
	if (r < 0 && sent < 0)
		r = sent;
fail:
	if (fd >= 0)
		close(fd);
	free(req);
	return r;
}
