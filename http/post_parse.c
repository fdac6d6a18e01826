/* The status of a webhook receiver's answer (http/post.h): the first line
 * of an HTTP/1.x response, past interim 1xx responses (RFC 9110 §15.2).
 * Apart from post.c so that it can be fuzzed alone. */
#include "http/post.h"

#include <errno.h>
#include <string.h>

/* The end of the head starting at buf (after its blank line), or NULL. */
static const char *post_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return buf + i + 4;
	return NULL;
}

/* "HTTP/1.x SSS" at buf: the status, -EAGAIN or -EBADMSG. */
static int post_status_line(const char *buf, size_t len)
{
	static const char prefix[] = "HTTP/1.";
	const size_t need = sizeof(prefix) - 1 + 5; /* "HTTP/1.x SSS" */
	int status = 0;

	for (size_t i = 0; i < len && i < sizeof(prefix) - 1; i++)
		if (buf[i] != prefix[i])
			return -EBADMSG;
	if (len < need + 1)
		return -EAGAIN; /* and the character after the status */
	if ((buf[7] != '0' && buf[7] != '1') || buf[8] != ' ')
		return -EBADMSG;
	for (size_t i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		status = status * 10 + (buf[i] - '0');
	}
	if (buf[12] != ' ' && buf[12] != '\r')
		return -EBADMSG;
	if (status < 100 || status > 599)
		return -EBADMSG;
	return status;
}

int sig_post_parse_status(const char *buf, size_t len)
{
	for (;;) {
		int status = post_status_line(buf, len);
		const char *next;

		if (status < 0 || status >= 200)
			return status;
		/* An interim answer: the final one follows its blank line. */
		next = post_head_end(buf, len);
		if (!next)
			return -EAGAIN;
		len -= (size_t)(next - buf);
		buf = next;
	}
}
