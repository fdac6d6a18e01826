/* libFuzzer target: a fresh server-side DTLS-SRTP association (OpenSSL
 * through crypto/dtls's memory BIOs) fed the input as datagrams must never
 * crash, leak, or send a datagram over the MTU.
 *
 * Input: datagrams, each prefixed by its length as 2 big-endian bytes (one
 * byte could not describe a real 1.2 KB ClientHello); a short last one is
 * cut to what is left. The seed corpus (corpus/dtls/) was captured from the
 * unit test's clients: HEARTH_DTLS_CORPUS_DIR=tests/fuzz/corpus/dtls
 * tests/unit/test-dtls -p /crypto/dtls/fragmented-hello -p
 * /crypto/dtls/openssl-peer/client-chromium-order. */
#include <stdint.h>
#include <stdlib.h>

#include "crypto/dtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Made once: a key and certificate per input would drown the run. */
static struct crypto_dtls_identity *identity;

static void drain(struct crypto_dtls *d)
{
	uint8_t out[CRYPTO_DTLS_MTU];
	size_t len;

	while (crypto_dtls_next_datagram(d, out, sizeof(out), &len) == 0 && len > 0)
		if (len > CRYPTO_DTLS_MTU)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_dtls *d = NULL;
	struct crypto_srtp_keys keys;
	int r = CRYPTO_DTLS_HANDSHAKING;

	if (!identity && crypto_dtls_identity_generate(&identity) < 0)
		abort();
	/* Expects its own fingerprint: a client certificate from the corpus
	 * reaches the mismatch path. */
	if (crypto_dtls_new(identity, true, crypto_dtls_identity_fingerprint(identity), &d) < 0)
		abort();
	while (size >= 2 && r >= 0) {
		size_t n = (size_t)data[0] << 8 | data[1];

		data += 2, size -= 2;
		if (n > size)
			n = size;
		r = crypto_dtls_receive(d, data, n);
		data += n, size -= n;
		drain(d);
		(void)crypto_dtls_timeout_us(d);
	}
	if (crypto_dtls_srtp_keys(d, &keys) == 0)
		crypto_srtp_keys_wipe(&keys);
	(void)crypto_dtls_close(d);
	drain(d);
	crypto_dtls_free(d);
	return 0;
}
