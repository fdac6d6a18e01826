#include "relay/framing.h"

#include <errno.h>
#include <string.h>

#include "relay/stun.h"

int relay_framing_next(const uint8_t *buf, size_t len, size_t max, size_t *ret_frame_len)
{
	size_t n;

	if (len < RELAY_FRAMING_HEADER)
		return 0;
	n = (size_t)buf[0] << 8 | buf[1];
	if (n > max)
		return -EMSGSIZE;
	if (len - RELAY_FRAMING_HEADER < n)
		return 0;
	*ret_frame_len = n;
	return 1;
}

int relay_framing_first_ufrag(const uint8_t *frame, size_t len,
			      char ret_ufrag[RELAY_ICE_UFRAG_MAX + 1])
{
	struct relay_stun_msg msg;
	const char *colon;
	size_t n;

	if (len == 0 || frame[0] > 3 || relay_stun_parse(frame, len, &msg) < 0 ||
	    msg.type != RELAY_STUN_BINDING_REQUEST)
		return -EBADMSG;
	if (!msg.username || msg.username_len == 0)
		return -ENOENT;
	colon = memchr(msg.username, ':', msg.username_len);
	n = colon ? (size_t)(colon - msg.username) : 0;
	if (n == 0 || n > RELAY_ICE_UFRAG_MAX || memchr(msg.username, '\0', n))
		return -ENOENT;
	memcpy(ret_ufrag, msg.username, n);
	ret_ufrag[n] = '\0';
	return 0;
}
