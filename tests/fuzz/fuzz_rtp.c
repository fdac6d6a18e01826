/* libFuzzer target: the RTP/RTCP codec and RED (relay/rtp.c, relay/red.c)
 * must never crash or misbehave under the sanitizers on any datagram. An
 * RTP header it accepts must lie within the bytes; a subscriber's copy,
 * an RTX wrap and unwrap, and RED's blocks, copy and primary must stay
 * within their buffers and agree with each other; the RTCP walkers must
 * only report what the bytes hold, and a renumbered copy of a compound
 * packet fit in the original's size. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/red.h"
#include "relay/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CAP 2048

static void fuzz_keyframe(uint32_t media_ssrc, void *userdata)
{
	(void)media_ssrc;
	(*(unsigned *)userdata)++;
}

static void fuzz_nack(uint32_t media_ssrc, uint16_t seq, void *userdata)
{
	(void)media_ssrc;
	(void)seq;
	(*(unsigned *)userdata)++;
}

static void fuzz_sr(uint32_t ssrc, uint32_t ntp_middle, void *userdata)
{
	(void)ssrc;
	(void)ntp_middle;
	(*(unsigned *)userdata)++;
}

/* Every other sender report left out, the rest renumbered. */
static struct relay_rtcp_renumber fuzz_renumber(uint32_t ssrc, void *userdata)
{
	(*(unsigned *)userdata)++;
	return (struct relay_rtcp_renumber){.keep = ssrc & 1, .ssrc = ~ssrc, .ts_delta = ssrc};
}

static void fuzz_block(const struct relay_rtcp_report_block *b, void *userdata)
{
	(void)b;
	(*(unsigned *)userdata)++;
}

static void fuzz_red(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h)
{
	struct relay_red_block b[RELAY_RED_MAX_BLOCKS];
	static uint8_t out[FUZZ_CAP];
	int n = relay_red_parse(pkt + h->header_len, h->payload_len, b, RELAY_RED_MAX_BLOCKS);

	if (n == 0 || n > RELAY_RED_MAX_BLOCKS)
		abort();
	for (int i = 0; i < n; i++)
		if (b[i].offset > h->payload_len || b[i].len > h->payload_len - b[i].offset)
			abort();
	int c = relay_red_copy_for(pkt, len, h, 100, 111, 109, out, sizeof(out));
	if ((n > 0) != (c >= 0) && c != -ENOBUFS)
		abort();
	int p = relay_red_primary_for(pkt, len, h, 109, out, sizeof(out));
	if (n > 0 && p >= 0 && (size_t)p > h->header_len + b[n - 1].len)
		abort();
	if (n < 0 && p >= 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[FUZZ_CAP], out[FUZZ_CAP];
	struct relay_rtp_header h;
	unsigned calls = 0;
	uint32_t ssrc;

	if (size > sizeof(pkt))
		return 0;
	memcpy(pkt, data, size);
	if (relay_rtp_is_rtcp(pkt, size)) {
		relay_rtcp_keyframe_requests(pkt, size, fuzz_keyframe, &calls);
		relay_rtcp_nacks(pkt, size, fuzz_nack, &calls);
		relay_rtcp_sender_reports(pkt, size, fuzz_sr, &calls);
		relay_rtcp_report_blocks(pkt, size, fuzz_block, &calls);
		relay_rtcp_sender_ssrc(pkt, size, &ssrc);
		/* A renumbered copy is never longer than the original. */
		int r =
		    relay_rtcp_copy_renumbered(pkt, size, out, sizeof(out), fuzz_renumber, &calls);
		if (r > (int)size)
			abort();
		/* At most 17 sequence numbers per 4 bytes of NACK. */
		if (calls > 1 + size * 17 / 4)
			abort();
		return 0;
	}
	if (relay_rtp_parse(pkt, size, &h) < 0)
		return 0;
	if (h.header_len > size || h.payload_len != size - h.header_len)
		abort();
	int n = relay_rtp_copy_for(pkt, size, &h, 96, out, sizeof(out));
	if (n >= 0 && (size_t)n > size)
		abort();
	relay_rtp_vp8_keyframe(pkt + h.header_len, h.payload_len);
	uint16_t width, height;
	relay_rtp_vp8_size(pkt + h.header_len, h.payload_len, &width, &height);
	relay_rtp_h264_keyframe(pkt + h.header_len, h.payload_len);
	fuzz_red(pkt, size, &h);
	if (n > 0) {
		/* A stored copy, resent as RTX and unwrapped again, is itself. */
		static uint8_t rtx[FUZZ_CAP];
		int r = relay_rtp_build_rtx(out, (size_t)n, 97, 0x52545831u, 7, rtx, sizeof(rtx));
		struct relay_rtp_header rh;
		uint8_t *back;
		size_t back_len;
		if (r > 0 && relay_rtp_parse(rtx, (size_t)r, &rh) == 0 &&
		    relay_rtp_unwrap_rtx(rtx, (size_t)r, &rh, h.ssrc, 96, &back, &back_len) == 0 &&
		    (back_len != (size_t)n || memcmp(back, out, back_len) != 0))
			abort();
	}
	return 0;
}
