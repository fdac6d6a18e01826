/* libFuzzer target for relay/remb.c: the REMB reader over any RTCP
 * compound (a known answer or a clean refusal, never a read past the
 * input), abs-send-time read from any RTP packet, and what the rest of
 * the input makes of the estimator (send times that jump, wrap and go
 * back), whose REMB must read back as built. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relay/remb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct relay_remb r;
	static const struct relay_bwe_config cfg = {0};
	uint64_t bps = 0;
	uint32_t abs;

	/* A copy of exactly size bytes: ASan sees any read past it. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	int parsed = relay_remb_parse(copy, size, &bps);
	if (parsed != 0 && parsed != -ENOENT && parsed != -EINVAL)
		abort();
	int found = size ? relay_remb_abs_send_time(copy, size, copy[0] & 0x0f, &abs) : -ENOENT;
	if (found != 0 && found != -ENOENT && found != -EINVAL)
		abort();
	if (found == 0 && abs > 0xffffff)
		abort();
	free(copy);

	memset(&r, 0, sizeof(r));
	int64_t t = 1000000;
	for (size_t i = 0; i + 5 <= size; i += 5) {
		abs = (uint32_t)(data[i] << 16 | data[i + 1] << 8 | data[i + 2]);
		t += (int64_t)data[i + 3] * 997;
		if (relay_remb_on_packet(&r, abs, 60 + data[i + 4] * 5u, t))
			relay_remb_update(&r, &cfg, t);
		if (data[i + 4] & 1) {
			uint32_t told = relay_remb_update(&r, &cfg, t);
			if (!told)
				continue;
			uint8_t out[64];
			const uint32_t ssrc = 7;
			int len = relay_remb_build(out, sizeof(out), 1, told, &ssrc, 1);
			if (len <= 0 || relay_remb_parse(out, (size_t)len, &bps) != 0 || bps > told ||
			    bps < told - told / 100000)
				abort();
		}
	}
	return 0;
}
