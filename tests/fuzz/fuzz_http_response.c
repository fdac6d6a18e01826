/* libFuzzer target: hearthctl's HTTP response parser must never crash, leak
 * or read past its buffer, whether the peer is still sending or has closed,
 * and whatever a complete parse returns must be consistent. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctl/http_unix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_parse(const char *buf, size_t size, bool eof)
{
	struct ctl_http_response resp;
	int r = ctl_http_parse_response(buf, size, eof, &resp);

	assert(r == 0 || r == -EAGAIN || r == -EBADMSG || r == -EMSGSIZE || r == -ENOMEM);
	assert(!(eof && r == -EAGAIN));
	if (r < 0)
		return;
	assert(resp.status >= 200 && resp.status <= 599);
	assert(resp.body_len <= size);
	assert(resp.body[resp.body_len] == '\0');
	ctl_http_response_clear(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse((const char *)data, size, false);
	fuzz_parse((const char *)data, size, true);
	return 0;
}
