/* libFuzzer target: relay/twcc, the transport-wide sequence number read
 * from a publisher's RTP header extensions (network input), and the
 * feedback built from whatever sequence numbers and arrival times come.
 * The first byte is the extension id to look for, the second picks the
 * feedback buffer's size; then a 2-byte length and that many bytes of RTP
 * packet (copied to a buffer of exactly that size, so that a read past it
 * is caught); the rest are 4-byte (sequence number, microseconds since the
 * last) arrivals, with a feedback built after every few. Checked: a packet
 * built fits its buffer, is padded to 32 bits with its length field right,
 * and decodes as a sender would: its chunks cover the status count and
 * its deltas end within it; and our parser reads it back as sent: the
 * same base, count and reference, and as many received packets as the
 * deltas say. The whole input is also parsed as a compound RTCP packet
 * (a subscriber's feedback, network input): only the documented results,
 * and every packet reported within the cap. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/twcc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct relay_twcc_fb fuzz_scratch;

static void fuzz_count(const struct relay_twcc_fb *fb, void *userdata)
{
	size_t *received = userdata;

	if (fb->count == 0 || fb->count > RELAY_TWCC_FB_MAX)
		abort();
	for (unsigned i = 0; i < fb->count; i++)
		*received += fb->arrival_us[i] != INT64_MIN;
}

static void fuzz_check(const uint8_t *p, int len, size_t cap)
{
	if (len == 0)
		return;
	if (len < 0 || (size_t)len > cap || len % 4 || len < 24)
		abort();
	if (p[0] >> 6 != 2 || (p[0] & 0x1f) != 15 || p[1] != 205 ||
	    (size_t)((p[2] << 8 | p[3]) + 1) * 4 != (size_t)len)
		abort();
	size_t end = (size_t)len, count = (size_t)(p[14] << 8 | p[15]), n = 0, off = 20, deltas = 0;
	size_t rx = 0; /* received: symbols 1 and 2 */
	if (p[0] & 0x20) {
		if (p[len - 1] == 0 || p[len - 1] > 3)
			abort();
		end -= p[len - 1];
	}
	if (count == 0)
		abort();
	while (n < count) {
		if (off + 2 > end)
			abort();
		unsigned chunk = (unsigned)(p[off] << 8 | p[off + 1]), sym;
		off += 2;
		if (!(chunk & 0x8000)) {
			if ((chunk & 0x1fff) == 0 || (chunk >> 13) == 3)
				abort();
			for (unsigned i = 0; i < (chunk & 0x1fff) && n < count; i++, n++)
				deltas += chunk >> 13, rx += (chunk >> 13) != 0;
		} else if (!(chunk & 0x4000)) {
			for (unsigned i = 0; i < 14 && n < count; i++, n++)
				deltas += chunk >> (13 - i) & 1, rx += chunk >> (13 - i) & 1;
		} else {
			for (unsigned i = 0; i < 7 && n < count; i++, n++) {
				sym = chunk >> (12 - 2 * i) & 3;
				if (sym == 3)
					abort();
				deltas += sym, rx += sym != 0;
			}
		}
	}
	if (off + deltas != end)
		abort();
	/* Our parser reads it as a sender would. */
	size_t received = 0;
	if (relay_twcc_parse(p, (size_t)len, &fuzz_scratch, fuzz_count, &received) != 1)
		abort();
	if (fuzz_scratch.base_seq != (p[12] << 8 | p[13]) || fuzz_scratch.count != count ||
	    fuzz_scratch.reference != (uint32_t)(p[16] << 16 | p[17] << 8 | p[18]))
		abort();
	if (received != rx || received == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct relay_twcc tw;
	uint8_t out[1500];
	uint16_t seq;
	int64_t t = 1000000;

	size_t ignored = 0;
	int parsed = relay_twcc_parse(data, size, &fuzz_scratch, fuzz_count, &ignored);
	if (parsed < 0 && parsed != -EINVAL && parsed != -E2BIG)
		abort();
	if (size < 4)
		return 0;
	uint8_t id = data[0];
	size_t cap = 24 + data[1] * 5u, pkt_len = (size_t)(data[2] << 8 | data[3]);
	data += 4, size -= 4;
	if (pkt_len > size)
		pkt_len = size;
	uint8_t *pkt = malloc(pkt_len ? pkt_len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data, pkt_len);
	int r = relay_twcc_ext_seq(pkt, pkt_len, id, &seq);
	if (r != 0 && r != -ENOENT && r != -EINVAL)
		abort();
	free(pkt);
	data += pkt_len, size -= pkt_len;

	memset(&tw, 0, sizeof(tw));
	for (size_t i = 0; i + 4 <= size; i += 4) {
		t += (int64_t)(data[i + 2] << 8 | data[i + 3]) * 37;
		relay_twcc_on_packet(&tw, (uint16_t)(data[i] << 8 | data[i + 1]), t);
		if ((i / 4) % 7 == 6)
			for (int k = 0; k < 8; k++) {
				int len = relay_twcc_build(&tw, out, cap, 1, 2);
				fuzz_check(out, len < 0 ? 0 : len, cap);
				if (len <= 0)
					break;
			}
	}
	for (int k = 0; k < 64; k++) {
		int len = relay_twcc_build(&tw, out, cap, 1, 2);
		fuzz_check(out, len < 0 ? 0 : len, cap);
		if (len <= 0)
			break;
	}
	return 0;
}
