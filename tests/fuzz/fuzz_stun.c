/* libFuzzer target: the STUN codec must never crash or misbehave under the
 * sanitizers on any datagram. A message it accepts must describe the bytes
 * it came from; checking its MESSAGE-INTEGRITY with a fixed key must not
 * fault; and the answer the ICE-lite agent would send (success or error)
 * must build, parse back with the same transaction id and check with the
 * key. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The RFC 5769 password, so the seed vectors pass the integrity check and
 * the fuzzer can reach what follows it. */
static const char fuzz_key[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void fuzz_check_view(const struct relay_stun_msg *m, const uint8_t *data, size_t size)
{
	if (m->txid != data + 8 || !relay_stun_looks_like(data, size))
		abort();
	if (m->username && ((const uint8_t *)m->username < data + RELAY_STUN_HEADER_LEN ||
			    (const uint8_t *)m->username + m->username_len > data + size))
		abort();
	if (m->has_integrity &&
	    (m->integrity_at < RELAY_STUN_HEADER_LEN || m->integrity_at + 24 > size))
		abort();
	if (m->unknown_count > RELAY_STUN_UNKNOWN_MAX)
		abort();
}

/* 400 and 401 go unsigned, 420 and 487 signed (RFC 5389 §10.1.2). */
static bool fuzz_signed(int verdict)
{
	return verdict == 0 || verdict >= RELAY_STUN_ERR_UNKNOWN_ATTR;
}

static int fuzz_build(const struct relay_stun_msg *req, int verdict, const struct sockaddr *to,
		      uint8_t *out, size_t cap, size_t *ret_len)
{
	bool sign = fuzz_signed(verdict);

	if (verdict == 0)
		return relay_stun_build_success(out, cap, req->txid, to, fuzz_key, strlen(fuzz_key),
						ret_len);
	return relay_stun_build_error(out, cap, req, verdict, sign ? fuzz_key : NULL,
				      sign ? strlen(fuzz_key) : 0, ret_len);
}

/* Builds the answer for a verdict (0: success) and checks it reads back. */
static void fuzz_answer(const struct relay_stun_msg *req, int verdict)
{
	static const struct sockaddr_in fallback = {.sin_family = AF_INET, .sin_port = 0x1234};
	const struct sockaddr *to = req->has_xor_mapped ? (const struct sockaddr *)&req->xor_mapped
							: (const struct sockaddr *)&fallback;
	uint8_t out[RELAY_STUN_MAX_LEN];
	struct relay_stun_msg resp;
	size_t len = 0, short_len = 0;

	if (fuzz_build(req, verdict, to, out, sizeof(out), &len) < 0 ||
	    relay_stun_parse(out, len, &resp) < 0 ||
	    memcmp(resp.txid, req->txid, RELAY_STUN_TXID_LEN) != 0 || !resp.has_fingerprint ||
	    resp.error_code != verdict)
		abort();
	if (fuzz_signed(verdict) !=
	    relay_stun_integrity_ok(out, len, &resp, fuzz_key, strlen(fuzz_key)))
		abort();
	/* One byte short is refused, never overrun (ASan watches). */
	if (fuzz_build(req, verdict, to, out, len - 1, &short_len) != -ENOBUFS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_stun_msg m;
	int verdict;
	bool ok;

	if (relay_stun_parse(data, size, &m) < 0)
		return 0;
	fuzz_check_view(&m, data, size);
	ok = relay_stun_integrity_ok(data, size, &m, fuzz_key, strlen(fuzz_key));
	if (ok && !m.has_integrity)
		abort();
	if (m.type != RELAY_STUN_BINDING_REQUEST)
		return 0;
	verdict = relay_stun_lite_verdict(&m, ok);
	if (verdict < 0)
		abort();
	fuzz_answer(&m, verdict);
	if (verdict != 0)
		fuzz_answer(&m, 0); /* the success path for every request */
	return 0;
}
