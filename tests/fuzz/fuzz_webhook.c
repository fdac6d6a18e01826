/* libFuzzer target: the webhook parsers. The first byte chooses: even, the
 * [webhooks] url parser (config/webhook_url.c), whose accepted URLs must
 * keep their limits (a NUL-terminated host, a port in range, a path
 * starting with '/'); odd, the status of a receiver's answer
 * (http/post_parse.c), which must be -EAGAIN, -EBADMSG or 200..599. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/webhook_url.h"
#include "http/post.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_url(const uint8_t *data, size_t size)
{
	struct cfg_webhook_url url;
	char problem[CFG_WEBHOOK_PROBLEM_MAX];
	char *text = malloc(size + 1);

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cfg_webhook_url_parse(text, &url, problem) < 0) {
		if (!memchr(problem, '\0', sizeof(problem)))
			abort();
	} else if (!memchr(url.host, '\0', sizeof(url.host)) || !url.host[0] || url.port < 1 ||
		   url.port > 65535 || url.path[0] != '/' ||
		   !memchr(url.path, '\0', sizeof(url.path)) ||
		   !memchr(url.authority, '\0', sizeof(url.authority))) {
		abort();
	}
	free(text);
}

static void fuzz_status(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that ASan sees any overread. */
	char *copy = malloc(size ? size : 1);
	int status;

	if (!copy)
		return;
	memcpy(copy, data, size);
	status = sig_post_parse_status(copy, size);
	if (status != -EAGAIN && status != -EBADMSG && (status < 200 || status > 599))
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_url(data + 1, size - 1);
	else
		fuzz_status(data + 1, size - 1);
	return 0;
}
