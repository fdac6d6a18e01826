/* libFuzzer target: relay/audio_level, the RFC 6464 level read from a
 * publisher's RTP header extensions (network input), and the window it is
 * summed into. The first byte is the extension id to look for, the second
 * the milliseconds between the packet's copies fed to the window; the rest
 * is the RTP packet (copied to a buffer of exactly its size, so that a
 * read past it is caught). Checked: a level read is 0..127, a failure
 * leaves the outputs alone and is one of the documented errors, and the
 * window's figure stays within 0..RELAY_AUDIO_LEVEL_ACTIVITY_MAX. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/audio_level.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_audio_level_acc acc = {0};
	uint8_t level = 200;
	bool voice = false;
	unsigned activity;
	int64_t t = 1000000;

	if (size < 2)
		return 0;
	uint8_t id = data[0];
	int64_t step = (int64_t)data[1] * 1000;
	data += 2, size -= 2;
	uint8_t *pkt = malloc(size ? size : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data, size);
	int r = relay_audio_level_read(pkt, size, id, &level, &voice);
	if (r == 0 && level > 127)
		abort();
	if (r != 0 && (level != 200 || voice || (r != -ENOENT && r != -EINVAL)))
		abort();
	for (int i = 0; i < 64; i++) {
		relay_audio_level_on_packet(&acc, pkt, size, id, t);
		t += step;
		if (relay_audio_level_take(&acc, t, &activity) &&
		    activity > RELAY_AUDIO_LEVEL_ACTIVITY_MAX)
			abort();
	}
	free(pkt);
	return 0;
}
