#include "relay/rtp.h"

#include <errno.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

bool relay_rtp_is_rtcp(const uint8_t *pkt, size_t len)
{
	return len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
}

int relay_rtp_parse(const uint8_t *pkt, size_t len, struct relay_rtp_header *ret)
{
	size_t n = 12;

	if (len < 12 || (pkt[0] >> 6) != 2)
		return -EINVAL;
	n += 4u * (pkt[0] & 0x0f); /* CSRCs */
	if (pkt[0] & 0x10) {       /* RFC 3550 §5.3.1 header extension */
		if (len < n + 4)
			return -EINVAL;
		n += 4 + 4u * rd16(pkt + n + 2);
	}
	if (len < n)
		return -EINVAL;
	ret->marker = pkt[1] & 0x80;
	ret->payload_type = pkt[1] & 0x7f;
	ret->seq = rd16(pkt + 2);
	ret->timestamp = rd32(pkt + 4);
	ret->ssrc = rd32(pkt + 8);
	ret->header_len = n;
	ret->payload_len = len - n;
	return 0;
}

int relay_rtp_copy_for(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
		       uint8_t payload_type, uint8_t *out, size_t cap)
{
	size_t fixed = 12 + 4u * (pkt[0] & 0x0f);

	if (h->header_len > len || fixed > h->header_len)
		return -EINVAL;
	if (fixed + h->payload_len > cap)
		return -ENOBUFS;
	memcpy(out, pkt, fixed);
	out[0] &= (uint8_t)~0x10; /* no extension */
	out[1] = (uint8_t)((pkt[1] & 0x80) | (payload_type & 0x7f));
	memcpy(out + fixed, pkt + h->header_len, h->payload_len);
	return (int)(fixed + h->payload_len);
}

int relay_rtcp_keyframe_requests(const uint8_t *pkt, size_t len,
				 void (*fn)(uint32_t media_ssrc, void *userdata), void *userdata)
{
	size_t off = 0;

	while (off + 4 <= len) {
		const uint8_t *p = pkt + off;
		size_t plen = 4 + 4u * rd16(p + 2);
		uint8_t fmt = p[0] & 0x1f, type = p[1];

		if ((p[0] >> 6) != 2 || off + plen > len)
			return -EINVAL;
		if (type == 206 && fmt == 1 && plen >= 12) /* PLI */
			fn(rd32(p + 8), userdata);
		else if (type == 206 && fmt == 4) /* FIR: 8-byte entries after 12 */
			for (size_t e = 12; e + 8 <= plen; e += 8)
				fn(rd32(p + e), userdata);
		off += plen;
	}
	return off == len ? 0 : -EINVAL;
}

int relay_rtcp_sender_ssrc(const uint8_t *pkt, size_t len, uint32_t *ret_ssrc)
{
	if (len < 8 || (pkt[0] >> 6) != 2)
		return -EINVAL;
	*ret_ssrc = rd32(pkt + 4);
	return 0;
}

int relay_rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc)
{
	if (cap < 12)
		return -ENOBUFS;
	out[0] = 0x80 | 1; /* V=2, FMT=1 (PLI) */
	out[1] = 206;      /* PSFB */
	wr16(out + 2, 2);  /* length in words - 1 */
	wr32(out + 4, sender_ssrc);
	wr32(out + 8, media_ssrc);
	return 12;
}
