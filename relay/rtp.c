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
	if (pkt[0] & 0x10) {	   /* RFC 3550 §5.3.1 header extension */
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

#define RTP_EXT_ONE_BYTE  0xBEDE /* RFC 8285 §4.2 */
#define RTP_EXT_TWO_BYTES 0x1000 /* RFC 8285 §4.3, low 4 bits "appbits" */

int relay_rtp_ext_find(const uint8_t *pkt, size_t len, uint8_t id, const uint8_t **ret_value,
		       size_t *ret_len)
{
	size_t off, end;

	if (len < 12 || !(pkt[0] & 0x10))
		return -ENOENT;
	off = 12 + 4u * (pkt[0] & 0x0f);
	if (len < off + 4)
		return -EINVAL;
	uint16_t profile = (uint16_t)(pkt[off] << 8 | pkt[off + 1]);
	end = off + 4 + 4u * (uint16_t)(pkt[off + 2] << 8 | pkt[off + 3]);
	if (end > len)
		return -EINVAL;
	bool one_byte = profile == RTP_EXT_ONE_BYTE;
	if (!one_byte && (profile & 0xfff0) != RTP_EXT_TWO_BYTES)
		return -ENOENT; /* RFC 3550 §5.3.1 only: no elements */
	for (size_t p = off + 4; p < end;) {
		unsigned eid, elen;
		if (pkt[p] == 0) { /* padding between elements */
			p++;
			continue;
		}
		if (one_byte) {
			eid = pkt[p] >> 4;
			elen = (pkt[p] & 0x0f) + 1u;
			if (eid == 15) /* §4.2: stop here */
				break;
			p++;
		} else {
			if (p + 2 > end)
				return -EINVAL;
			eid = pkt[p];
			elen = pkt[p + 1];
			p += 2;
		}
		if (p + elen > end)
			return -EINVAL;
		if (eid == id) {
			*ret_value = pkt + p;
			*ret_len = elen;
			return 0;
		}
		p += elen;
	}
	return -ENOENT;
}

/* Where a VP8 keyframe's payload header starts in an RTP payload: after
 * the payload descriptor of the first packet of a frame's first
 * partition (S=1, PID=0) whose P bit is 0; 0 when it is none. */
static size_t relay_rtp_vp8_key_header(const uint8_t *p, size_t len)
{
	size_t n = 1;

	if (len < 1 || !(p[0] & 0x10) || (p[0] & 0x07))
		return 0;
	if (p[0] & 0x80) { /* X: I, L, T, K follow */
		if (len < 2)
			return 0;
		uint8_t x = p[1];
		n = 2;
		if (x & 0x80) /* I: picture id, M bit: 15 bits */
			n += len > n && (p[n] & 0x80) ? 2 : 1;
		if (x & 0x40) /* L: TL0PICIDX */
			n++;
		if (x & 0x30) /* T or K: TID/Y/KEYIDX */
			n++;
	}
	return len > n && !(p[n] & 0x01) ? n : 0; /* P = 0: a key frame */
}

bool relay_rtp_vp8_keyframe(const uint8_t *p, size_t len)
{
	return relay_rtp_vp8_key_header(p, len) > 0;
}

bool relay_rtp_vp8_size(const uint8_t *p, size_t len, uint16_t *ret_width, uint16_t *ret_height)
{
	size_t n = relay_rtp_vp8_key_header(p, len);

	/* RFC 6386 §9.1: a 3-byte frame tag, the start code 9d 01 2a, then
	 * 14-bit width and height, little-endian, each with 2 scale bits. */
	if (!n || len < n + 10 || p[n + 3] != 0x9d || p[n + 4] != 0x01 || p[n + 5] != 0x2a)
		return false;
	*ret_width = (uint16_t)((p[n + 6] | p[n + 7] << 8) & 0x3fff);
	*ret_height = (uint16_t)((p[n + 8] | p[n + 9] << 8) & 0x3fff);
	return true;
}

bool relay_rtp_h264_keyframe(const uint8_t *p, size_t len)
{
	if (len < 1)
		return false;
	switch (p[0] & 0x1f) {
	case 5: /* IDR slice */
	case 7: /* SPS: sent before an IDR */
		return true;
	case 24: /* STAP-A: 16-bit sizes, then NAL units */
		for (size_t off = 1; off + 3 <= len;) {
			size_t size = rd16(p + off);
			uint8_t type = p[off + 2] & 0x1f;
			if (type == 5 || type == 7)
				return true;
			off += 2 + size;
		}
		return false;
	case 28: /* FU-A: the start of a fragmented IDR */
		return len >= 2 && (p[1] & 0x80) && (p[1] & 0x1f) == 5;
	default:
		return false;
	}
}

/* The next packet of a compound RTCP packet (RFC 3550 §6.1), from *off:
 * true with it in *ret_p and *ret_plen; false at the end, with *ret_err
 * -EINVAL when a packet is not version 2, runs past the end, or bytes are
 * left over. */
static bool relay_rtcp_next(const uint8_t *pkt, size_t len, size_t *off, const uint8_t **ret_p,
			    size_t *ret_plen, int *ret_err)
{
	if (*off + 4 > len) {
		*ret_err = *off == len ? 0 : -EINVAL;
		return false;
	}
	const uint8_t *p = pkt + *off;
	size_t plen = 4 + 4u * rd16(p + 2);
	if ((p[0] >> 6) != 2 || *off + plen > len) {
		*ret_err = -EINVAL;
		return false;
	}
	*off += plen;
	*ret_p = p;
	*ret_plen = plen;
	return true;
}

int relay_rtcp_keyframe_requests(const uint8_t *pkt, size_t len,
				 void (*fn)(uint32_t media_ssrc, void *userdata), void *userdata)
{
	const uint8_t *p;
	size_t off = 0, plen;
	int r = 0;

	while (relay_rtcp_next(pkt, len, &off, &p, &plen, &r)) {
		uint8_t fmt = p[0] & 0x1f, type = p[1];
		if (type == 206 && fmt == 1 && plen >= 12) /* PLI */
			fn(rd32(p + 8), userdata);
		else if (type == 206 && fmt == 4) /* FIR: 8-byte entries after 12 */
			for (size_t e = 12; e + 8 <= plen; e += 8)
				fn(rd32(p + e), userdata);
	}
	return r;
}

int relay_rtcp_nacks(const uint8_t *pkt, size_t len,
		     void (*fn)(uint32_t media_ssrc, uint16_t seq, void *userdata), void *userdata)
{
	const uint8_t *p;
	size_t off = 0, plen;
	int r = 0;

	while (relay_rtcp_next(pkt, len, &off, &p, &plen, &r)) {
		if (p[1] == 205 && (p[0] & 0x1f) == 1) { /* RTPFB, generic NACK */
			for (size_t e = 12; e + 4 <= plen; e += 4) {
				uint16_t pid = rd16(p + e), blp = rd16(p + e + 2);
				fn(rd32(p + 8), pid, userdata);
				for (unsigned i = 0; i < 16; i++)
					if (blp & (1u << i))
						fn(rd32(p + 8), (uint16_t)(pid + i + 1), userdata);
			}
		}
	}
	return r;
}

int relay_rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
			  const uint16_t *seqs, unsigned n)
{
	size_t len = 12;

	if (n == 0)
		return -EINVAL;
	if (cap < 12)
		return -ENOBUFS;
	for (unsigned i = 0; i < n;) {
		uint16_t pid = seqs[i++], blp = 0;
		/* The following ones within 16 of the PID go into its bitmask. */
		while (i < n && (uint16_t)(seqs[i] - pid - 1) < 16)
			blp |= (uint16_t)(1u << (uint16_t)(seqs[i++] - pid - 1));
		if (len + 4 > cap || len + 4 > 4 * 65536)
			return -ENOBUFS;
		relay_rtp_wr16(out + len, pid);
		relay_rtp_wr16(out + len + 2, blp);
		len += 4;
	}
	out[0] = 0x80 | 1; /* V=2, FMT=1 */
	out[1] = 205;	   /* RTPFB */
	relay_rtp_wr16(out + 2, (uint16_t)(len / 4 - 1));
	relay_rtp_wr32(out + 4, sender_ssrc);
	relay_rtp_wr32(out + 8, media_ssrc);
	return (int)len;
}

int relay_rtp_build_rtx(const uint8_t *pkt, size_t len, uint8_t rtx_payload_type, uint32_t rtx_ssrc,
			uint16_t rtx_seq, uint8_t *out, size_t cap)
{
	size_t fixed;

	if (len < 12 || (pkt[0] >> 6) != 2 || (pkt[0] & 0x10))
		return -EINVAL;
	fixed = 12 + 4u * (pkt[0] & 0x0f);
	if (len < fixed)
		return -EINVAL;
	if (len + 2 > cap)
		return -ENOBUFS;
	memcpy(out, pkt, fixed);
	out[1] = (uint8_t)((pkt[1] & 0x80) | (rtx_payload_type & 0x7f));
	relay_rtp_wr16(out + 2, rtx_seq);
	relay_rtp_wr32(out + 8, rtx_ssrc);
	memcpy(out + fixed, pkt + 2, 2); /* OSN */
	memcpy(out + fixed + 2, pkt + fixed, len - fixed);
	return (int)(len + 2);
}

int relay_rtp_unwrap_rtx(uint8_t *pkt, size_t len, const struct relay_rtp_header *h, uint32_t ssrc,
			 uint8_t payload_type, uint8_t **ret_pkt, size_t *ret_len)
{
	size_t pad = 0;
	uint8_t *o;

	if (h->header_len + h->payload_len != len)
		return -EINVAL;
	if ((pkt[0] & 0x20) && h->payload_len > 0)
		pad = pkt[len - 1];
	if (pad > h->payload_len || h->payload_len - pad < 2)
		return -ENODATA;
	o = pkt + 2;
	uint16_t osn = rd16(pkt + h->header_len);
	memmove(o, pkt, h->header_len);
	o[1] = (uint8_t)((o[1] & 0x80) | (payload_type & 0x7f));
	relay_rtp_wr16(o + 2, osn);
	relay_rtp_wr32(o + 8, ssrc);
	*ret_pkt = o;
	*ret_len = len - 2;
	return 0;
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
	out[0] = 0x80 | 1;	    /* V=2, FMT=1 (PLI) */
	out[1] = 206;		    /* PSFB */
	relay_rtp_wr16(out + 2, 2); /* length in words - 1 */
	relay_rtp_wr32(out + 4, sender_ssrc);
	relay_rtp_wr32(out + 8, media_ssrc);
	return 12;
}

void relay_rx_stats_update(struct relay_rx_stats *st, uint16_t seq, uint32_t timestamp,
			   int64_t arrival_us, uint32_t clock_rate)
{
	/* RFC 3550 A.8: transit time in timestamp units. */
	int64_t arrival = arrival_us * (int64_t)clock_rate / 1000000;
	int64_t transit = arrival - (int64_t)timestamp;

	if (!st->started) {
		st->started = true;
		st->base_seq = seq;
		st->max_seq = seq;
		st->last_transit = transit;
		st->received = 1;
		return;
	}
	uint16_t delta = (uint16_t)(seq - st->max_seq);
	if (delta < 0x8000) { /* in order, possibly with a gap */
		if (seq < st->max_seq)
			st->cycles += 1u << 16;
		st->max_seq = seq;
	}
	st->received++;
	int64_t d = transit - st->last_transit;
	st->last_transit = transit;
	if (d < 0)
		d = -d;
	/* J += (|D| - J) / 16, kept times 16 */
	st->jitter += (uint32_t)(d - (int64_t)((st->jitter + 8) >> 4));
}

void relay_rx_stats_sender_report(struct relay_rx_stats *st, uint32_t ntp_middle,
				  int64_t arrival_us)
{
	st->last_sr = ntp_middle;
	st->last_sr_us = arrival_us;
}

int relay_rtcp_sender_reports(const uint8_t *pkt, size_t len,
			      void (*fn)(uint32_t ssrc, uint32_t ntp_middle, void *userdata),
			      void *userdata)
{
	const uint8_t *p;
	size_t off = 0, plen;
	int r = 0;

	while (relay_rtcp_next(pkt, len, &off, &p, &plen, &r))
		if (p[1] == 200 && plen >= 28) /* SR: ssrc, NTP msw, NTP lsw, ... */
			fn(rd32(p + 4), (rd32(p + 8) << 16) | (rd32(p + 12) >> 16), userdata);
	return r;
}

int relay_rtcp_copy_renumbered(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
			       struct relay_rtcp_renumber (*fn)(uint32_t ssrc, void *userdata),
			       void *userdata)
{
	const uint8_t *p;
	size_t off = 0, plen, n = 0;
	int r = 0;

	while (relay_rtcp_next(pkt, len, &off, &p, &plen, &r)) {
		struct relay_rtcp_renumber how = {.keep = true};
		if (p[1] == 200 && plen >= 28) {
			how = fn(rd32(p + 4), userdata);
			if (!how.keep)
				continue;
		}
		if (n + plen > cap)
			return -ENOBUFS;
		memcpy(out + n, p, plen);
		if (p[1] == 200 && plen >= 28) {
			relay_rtp_wr32(out + n + 4, how.ssrc);
			relay_rtp_wr32(out + n + 16, rd32(p + 16) + how.ts_delta);
		}
		n += plen;
	}
	return r < 0 ? r : (int)n;
}

int relay_rtcp_report_blocks(const uint8_t *pkt, size_t len,
			     void (*fn)(const struct relay_rtcp_report_block *b, void *userdata),
			     void *userdata)
{
	const uint8_t *p;
	size_t off = 0, plen;
	int r = 0;

	while (relay_rtcp_next(pkt, len, &off, &p, &plen, &r)) {
		/* SR: blocks after 28 bytes (header, SSRC, sender info); RR: 8. */
		size_t first = p[1] == 200 ? 28 : p[1] == 201 ? 8 : 0;
		if (!first)
			continue;
		unsigned count = p[0] & 0x1f;
		for (unsigned i = 0; i < count && first + 24u * (i + 1) <= plen; i++) {
			const uint8_t *b = p + first + 24u * i;
			struct relay_rtcp_report_block rb = {
			    .ssrc = rd32(b),
			    .fraction_lost = b[4],
			    .lsr = rd32(b + 16),
			    .dlsr = rd32(b + 20),
			};
			fn(&rb, userdata);
		}
	}
	return r;
}

int relay_rtcp_build_rr(uint8_t *out, size_t cap, uint32_t sender_ssrc, const uint32_t *ssrcs,
			struct relay_rx_stats *const *stats, const uint8_t *floors, unsigned n,
			int64_t now_us)
{
	size_t len = 8 + 24u * n;

	if (n > 31 || cap < len)
		return -ENOBUFS;
	out[0] = (uint8_t)(0x80 | n);
	out[1] = 201;
	relay_rtp_wr16(out + 2, (uint16_t)(len / 4 - 1));
	relay_rtp_wr32(out + 4, sender_ssrc);
	for (unsigned i = 0; i < n; i++) {
		struct relay_rx_stats *st = stats[i];
		uint8_t *b = out + 8 + 24 * i;
		uint32_t ext_max = st->cycles + st->max_seq;
		uint32_t expected = ext_max - st->base_seq + 1;
		int64_t lost = (int64_t)expected - st->received;
		uint32_t exp_int = expected - st->expected_prior;
		uint32_t rec_int = st->received - st->received_prior;
		int64_t lost_int = (int64_t)exp_int - rec_int;
		uint8_t fraction =
		    exp_int == 0 || lost_int <= 0 ? 0 : (uint8_t)((lost_int << 8) / exp_int);
		if (floors && floors[i] > fraction)
			fraction = floors[i];

		st->expected_prior = expected;
		st->received_prior = st->received;
		if (lost > 0x7fffff)
			lost = 0x7fffff;
		else if (lost < -0x800000)
			lost = -0x800000;
		relay_rtp_wr32(b, ssrcs[i]);
		relay_rtp_wr32(b + 4, (uint32_t)fraction << 24 | ((uint32_t)lost & 0xffffff));
		relay_rtp_wr32(b + 8, ext_max);
		relay_rtp_wr32(b + 12, st->jitter >> 4);
		relay_rtp_wr32(b + 16, st->last_sr);
		/* DLSR in units of 1/65536 s */
		relay_rtp_wr32(b + 20, st->last_sr_us
					   ? (uint32_t)((now_us - st->last_sr_us) * 65536 / 1000000)
					   : 0);
	}
	return (int)len;
}
