/* libFuzzer target: an ICE-TCP connection's byte stream (relay/framing.c),
 * read as relay/tcp.c reads it: into one frame's buffer in chunks, each
 * whole frame taken off the front, the first one asked for its ufrag. Any
 * input must leave frames within the buffer and the cap, a ufrag NUL-
 * terminated within RELAY_ICE_UFRAG_MAX, and nothing faulting. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[RELAY_FRAMING_HEADER + RELAY_FRAMING_MAX];
	size_t have = 0, pos = 0, frames = 0;
	/* The first byte picks the chunk size the "socket" hands over. */
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;

	if (size) {
		data++;
		size--;
	}
	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		if (n > sizeof(buf) - have)
			n = sizeof(buf) - have;
		memcpy(buf + have, data + pos, n);
		have += n;
		pos += n;
		size_t off = 0, len;
		int r;
		while ((r = relay_framing_next(buf + off, have - off, RELAY_FRAMING_MAX, &len)) ==
		       1) {
			if (len > RELAY_FRAMING_MAX || off + RELAY_FRAMING_HEADER + len > have)
				abort();
			if (frames++ == 0) {
				char ufrag[RELAY_ICE_UFRAG_MAX + 1];
				memset(ufrag, 'x', sizeof(ufrag));
				int u = relay_framing_first_ufrag(buf + off + RELAY_FRAMING_HEADER,
								  len, ufrag);
				if (u == 0 && (strnlen(ufrag, sizeof(ufrag)) == 0 ||
					       strnlen(ufrag, sizeof(ufrag)) > RELAY_ICE_UFRAG_MAX))
					abort();
				if (u != 0 && u != -EBADMSG && u != -ENOENT)
					abort();
			}
			off += RELAY_FRAMING_HEADER + len;
		}
		if (r < 0)
			return 0; /* the connection would be closed (oversized) */
		memmove(buf, buf + off, have - off);
		have -= off;
		/* a full buffer always holds a whole frame or an oversized one */
		if (have == sizeof(buf))
			abort();
	}
	return 0;
}
