#include "relay/red.h"

#include <errno.h>
#include <string.h>

int relay_red_parse(const uint8_t *p, size_t len, struct relay_red_block *ret_blocks, unsigned cap)
{
	size_t off = 0, data = 0;
	unsigned n = 0;

	/* Headers: 4 bytes for each redundant block (F=1), 1 for the primary. */
	for (;;) {
		if (off >= len)
			return -EBADMSG;
		if (n == cap)
			return -E2BIG;
		struct relay_red_block *b = &ret_blocks[n++];
		b->payload_type = p[off] & 0x7f;
		if (!(p[off] & 0x80)) {
			b->timestamp_offset = 0;
			off++;
			break;
		}
		if (len - off < 4)
			return -EBADMSG;
		b->timestamp_offset = (uint16_t)(p[off + 1] << 6 | p[off + 2] >> 2);
		b->len = (size_t)(p[off + 2] & 0x03) << 8 | p[off + 3];
		data += b->len;
		off += 4;
	}
	if (data > len - off)
		return -EBADMSG;
	for (unsigned i = 0; i + 1 < n; i++) {
		ret_blocks[i].offset = off;
		off += ret_blocks[i].len;
	}
	ret_blocks[n - 1].offset = off;
	ret_blocks[n - 1].len = len - off;
	return (int)n;
}

int relay_red_copy_for(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
		       uint8_t red_pt, uint8_t from_pt, uint8_t to_pt, uint8_t *out, size_t cap)
{
	struct relay_red_block blocks[RELAY_RED_MAX_BLOCKS];
	const uint8_t *payload = pkt + h->header_len;
	int n = relay_red_parse(payload, h->payload_len, blocks, RELAY_RED_MAX_BLOCKS);

	if (n < 0)
		return -EBADMSG;
	int w = relay_rtp_copy_for(pkt, len, h, red_pt, out, cap);
	if (w < 0)
		return w;
	/* The block headers sit at the start of the copied payload. */
	uint8_t *q = out + (size_t)w - h->payload_len;
	for (int i = 0; i < n; i++) {
		if ((*q & 0x7f) == (from_pt & 0x7f))
			*q = (uint8_t)((*q & 0x80) | (to_pt & 0x7f));
		q += 4; /* past a redundant block's header (the primary's is last) */
	}
	return w;
}

int relay_red_primary_for(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
			  uint8_t pt, uint8_t *out, size_t cap)
{
	struct relay_red_block blocks[RELAY_RED_MAX_BLOCKS];
	int n = relay_red_parse(pkt + h->header_len, h->payload_len, blocks, RELAY_RED_MAX_BLOCKS);

	if (n < 0)
		return -EBADMSG;
	const struct relay_red_block *primary = &blocks[n - 1];
	if (primary->len == 0)
		return -ENODATA;
	struct relay_rtp_header inner = *h;
	inner.header_len = h->header_len + primary->offset;
	inner.payload_len = primary->len;
	/* relay_rtp_copy_for copies the fixed header, then the payload from
	 * header_len: here, the primary block's data. */
	return relay_rtp_copy_for(pkt, len, &inner, pt, out, cap);
}
