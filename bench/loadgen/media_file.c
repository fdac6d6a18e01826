/* The recorded RTP dump (record_media.py) and small helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/loadgen/lg.h"

#define DUMP_MAGIC     "HLGDUMP1"
#define DUMP_MAX_BYTES (64u << 20)

int64_t lg_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t lg_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void lg_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort(); /* getrandom cannot fail once the pool is up */
		}
		p += n;
		len -= (size_t)n;
	}
}

void lg_random_text(char *out, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t raw[64];
	if (len > sizeof(raw))
		len = sizeof(raw);
	lg_random(raw, len);
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[raw[i] & 63];
	out[len] = '\0';
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Each video packet's place in its frame and the frame's packet count: a
 * frame is the video packets in a row (audio between them aside) with one
 * RTP timestamp. */
static void mark_frames(struct lg_media_packet *pk, size_t count)
{
	uint32_t ts_prev = 0;
	uint16_t at = 0;
	bool any = false;
	for (size_t i = 0; i < count; i++) {
		if (pk[i].kind != LG_VIDEO)
			continue;
		uint32_t ts = be32(pk[i].rtp + 4);
		at = any && ts == ts_prev && at < UINT16_MAX - 1 ? (uint16_t)(at + 1) : 0;
		pk[i].frame_at = at;
		ts_prev = ts;
		any = true;
	}
	uint16_t n = 0;
	any = false;
	for (size_t i = count; i-- > 0;) {
		if (pk[i].kind != LG_VIDEO)
			continue;
		uint32_t ts = be32(pk[i].rtp + 4);
		if (!any || ts != ts_prev)
			n = (uint16_t)(pk[i].frame_at + 1);
		pk[i].frame_packets = n;
		ts_prev = ts;
		any = true;
	}
}

static int read_all(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return -errno;
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > DUMP_MAX_BYTES) {
		fclose(f);
		return -EINVAL;
	}
	uint8_t *buf = malloc((size_t)st.st_size);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		free(buf);
		return -EIO;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

int lg_media_load(const char *path, struct lg_media *ret)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int r = read_all(path, &blob, &len);
	if (r < 0)
		return r;
	if (len < 8 || memcmp(blob, DUMP_MAGIC, 8) != 0)
		goto bad;
	size_t count = 0;
	for (size_t at = 8; at < len;) {
		if (len - at < 8)
			goto bad;
		size_t plen = (size_t)blob[at + 2] << 8 | blob[at + 3];
		if (blob[at] > LG_VIDEO || plen < 12 || plen > LG_MAX_RTP || len - at - 8 < plen)
			goto bad;
		at += 8 + plen;
		count++;
	}
	if (count == 0)
		goto bad;
	struct lg_media_packet *pk = calloc(count, sizeof(*pk));
	if (!pk) {
		free(blob);
		return -ENOMEM;
	}
	struct lg_media m = {.blob = blob, .count = count, .packets = pk};
	bool have[2] = {false, false};
	uint32_t ts_last[2] = {0, 0};
	size_t i = 0;
	for (size_t at = 8; at < len; i++) {
		pk[i].kind = blob[at];
		pk[i].len = (uint16_t)(blob[at + 2] << 8 | blob[at + 3]);
		pk[i].offset_us = be32(blob + at + 4);
		pk[i].rtp = blob + at + 8;
		uint32_t ts = be32(pk[i].rtp + 4);
		if (!have[pk[i].kind]) {
			have[pk[i].kind] = true;
			m.ts_first[pk[i].kind] = ts;
		}
		ts_last[pk[i].kind] = ts;
		if (i > 0 && pk[i].offset_us < pk[i - 1].offset_us)
			goto bad_free;
		at += 8 + pk[i].len;
	}
	mark_frames(pk, count);
	/* One more frame interval after the last packet before the loop restarts:
	 * 20 ms of Opus (960 at 48 kHz), one frame at 30 fps (3000 at 90 kHz). */
	m.ts_span[LG_AUDIO] = ts_last[LG_AUDIO] - m.ts_first[LG_AUDIO] + 960;
	m.ts_span[LG_VIDEO] = ts_last[LG_VIDEO] - m.ts_first[LG_VIDEO] + 3000;
	m.loop_ns = ((uint64_t)pk[count - 1].offset_us + 33333) * 1000;
	*ret = m;
	return 0;
bad_free:
	free(pk);
bad:
	free(blob);
	return -EINVAL;
}

void lg_media_free(struct lg_media *m)
{
	free(m->packets);
	free(m->blob);
	m->packets = NULL;
	m->blob = NULL;
}
