/* SRTP cost per packet of the installed libsrtp, through crypto/srtp as the
 * relay calls it: srtp_protect and srtp_unprotect of video-sized (1,200
 * bytes) and audio-sized (100 bytes) RTP packets, for AES_CM_128_HMAC_SHA1_80
 * and AEAD_AES_128_GCM, in nanoseconds per packet on one core.
 *
 * Each timed packet is first copied into the work buffer (the relay writes
 * a subscriber's copy before protecting it; unprotect works in place, so a
 * fresh protected packet is needed each time); the "copy only" line is that
 * copy alone. Every figure is the best of several rounds, the least
 * disturbed by other work on the machine.
 *
 *   hearth-srtp-bench [packets per round, default 20000] [rounds, default 7]
 */
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/srtp.h"

#define SLOT 1536 /* a packet plus CRYPTO_SRTP_MAX_TRAILER, a multiple of 4 */

struct bench {
	enum crypto_srtp_profile profile;
	size_t size;	/* plaintext RTP packet, header included */
	unsigned count; /* packets per round */
	uint8_t *plain; /* count slots: distinct sequence numbers */
	uint8_t *sealed;
	size_t *sealed_len;
	uint8_t *work; /* one slot, 4-byte aligned */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const char *profile_name(enum crypto_srtp_profile p)
{
	return p == CRYPTO_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
}

static int make_pair(enum crypto_srtp_profile p, struct crypto_srtp **ret_out,
		     struct crypto_srtp **ret_in)
{
	uint8_t key[CRYPTO_SRTP_MAX_KEY], salt[CRYPTO_SRTP_MAX_SALT];
	size_t kl, sl;
	int r;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)(i * 13 + 5);
	r = crypto_srtp_profile_lengths(p, &kl, &sl);
	if (r == 0)
		r = crypto_srtp_new(p, key, kl, salt, sl, false, ret_out);
	if (r == 0 && ret_in)
		r = crypto_srtp_new(p, key, kl, salt, sl, true, ret_in);
	return r;
}

/* RTP version 2, payload type 96, sequence number seq, SSRC 0x11223344. */
static void fill_packet(uint8_t *pkt, size_t size, unsigned seq)
{
	for (size_t i = 12; i < size; i++)
		pkt[i] = (uint8_t)(i ^ seq);
	pkt[0] = 0x80;
	pkt[1] = 96;
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	memset(pkt + 4, 0, 4);
	pkt[4] = (uint8_t)(seq >> 16);
	pkt[8] = 0x11, pkt[9] = 0x22, pkt[10] = 0x33, pkt[11] = 0x44;
}

/* Copies every plaintext packet into the work buffer: the baseline. */
static double round_copy(struct bench *b)
{
	double t0 = now_ns();

	for (unsigned i = 0; i < b->count; i++) {
		memcpy(b->work, b->plain + (size_t)i * SLOT, b->size);
		__asm__ volatile("" ::"r"(b->work) : "memory");
	}
	return (now_ns() - t0) / b->count;
}

/* A fresh outbound context per round: protecting the same sequence numbers
 * again is allowed only within the replay window. */
static double round_protect(struct bench *b)
{
	struct crypto_srtp *out = NULL;
	double t0, t = -1;

	if (make_pair(b->profile, &out, NULL) < 0)
		goto out;
	t0 = now_ns();
	for (unsigned i = 0; i < b->count; i++) {
		size_t len = b->size;
		memcpy(b->work, b->plain + (size_t)i * SLOT, b->size);
		if (crypto_srtp_protect_rtp(out, b->work, &len, SLOT) < 0)
			goto out;
	}
	t = (now_ns() - t0) / b->count;
out:
	crypto_srtp_free(out);
	return t;
}

/* Likewise a fresh inbound context: the replay window refuses packets seen
 * before. Context creation is not timed. */
static double round_unprotect(struct bench *b)
{
	struct crypto_srtp *out = NULL, *in = NULL;
	double t0, t = -1;

	if (make_pair(b->profile, &out, &in) < 0)
		goto out;
	t0 = now_ns();
	for (unsigned i = 0; i < b->count; i++) {
		size_t len = b->sealed_len[i];
		memcpy(b->work, b->sealed + (size_t)i * SLOT, len);
		if (crypto_srtp_unprotect_rtp(in, b->work, &len) < 0 || len != b->size)
			goto out;
	}
	t = (now_ns() - t0) / b->count;
out:
	crypto_srtp_free(out);
	crypto_srtp_free(in);
	return t;
}

static int bench_prepare(struct bench *b)
{
	struct crypto_srtp *out = NULL;
	int r = make_pair(b->profile, &out, NULL);

	for (unsigned i = 0; r == 0 && i < b->count; i++) {
		uint8_t *p = b->plain + (size_t)i * SLOT, *s = b->sealed + (size_t)i * SLOT;
		fill_packet(p, b->size, i);
		memcpy(s, p, b->size);
		b->sealed_len[i] = b->size;
		r = crypto_srtp_protect_rtp(out, s, &b->sealed_len[i], SLOT);
	}
	crypto_srtp_free(out);
	return r;
}

static int bench_run(struct bench *b, unsigned rounds)
{
	double best_copy = 1e18, best_protect = 1e18, best_unprotect = 1e18;
	int r = bench_prepare(b);

	for (unsigned k = 0; r == 0 && k < rounds; k++) {
		double c = round_copy(b), p = round_protect(b), u = round_unprotect(b);
		if (p < 0 || u < 0) {
			r = -EIO;
			break;
		}
		best_copy = c < best_copy ? c : best_copy;
		best_protect = p < best_protect ? p : best_protect;
		best_unprotect = u < best_unprotect ? u : best_unprotect;
	}
	if (r < 0) {
		fflush(stdout);
		fprintf(stderr, "%s, %zu bytes: %s\n", profile_name(b->profile), b->size,
			strerror(-r));
		return r;
	}
	printf("%-24s %5zu %12.0f %14.0f %10.0f\n", profile_name(b->profile), b->size, best_protect,
	       best_unprotect, best_copy);
	return 0;
}

static int parse_count(const char *s, unsigned long max, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const enum crypto_srtp_profile profiles[] = {CRYPTO_SRTP_AES128_CM_SHA1_80,
							    CRYPTO_SRTP_AEAD_AES_128_GCM};
	static const size_t sizes[] = {1200, 100};
	unsigned count = 20000, rounds = 7;
	struct bench b = {0};
	int status = 0;

	if ((argc > 1 && parse_count(argv[1], 1u << 20, &count) < 0) ||
	    (argc > 2 && parse_count(argv[2], 1000, &rounds) < 0) || argc > 3) {
		fprintf(stderr, "usage: %s [packets per round] [rounds]\n", argv[0]);
		return 64;
	}
	if (crypto_srtp_global_init() < 0) {
		fprintf(stderr, "libsrtp does not start\n");
		return 1;
	}
	b.count = count;
	b.plain = aligned_alloc(64, (size_t)count * SLOT);
	b.sealed = aligned_alloc(64, (size_t)count * SLOT);
	b.sealed_len = calloc(count, sizeof(*b.sealed_len));
	b.work = aligned_alloc(64, SLOT);
	if (!b.plain || !b.sealed || !b.sealed_len || !b.work) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	printf("%s\n", crypto_srtp_library());
	printf("%-24s %5s %12s %14s %10s\n", "profile", "bytes", "protect ns", "unprotect ns",
	       "copy ns");
	for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
		b.profile = profiles[p];
		if (!crypto_srtp_profile_supported(b.profile)) {
			printf("%-24s not run by this libsrtp\n", profile_name(b.profile));
			continue;
		}
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			b.size = sizes[s];
			if (bench_run(&b, rounds) < 0)
				status = 1;
		}
	}
	free(b.plain);
	free(b.sealed);
	free(b.sealed_len);
	free(b.work);
	return status;
}
