/* Idempotency-Key on the admin API's POSTs: the same key and the same
 * request within 24 h get the first answer again, without doing it again;
 * the same key with another request gets 409.
 *
 * Nothing stored reveals a key or an answer (an invite's answer holds its
 * token). From the caller's scope (an HMAC of its API key, which only the
 * caller and the request hold; a constant for the admin socket) and the
 * idempotency key, HKDF-SHA256 derives three keys: the lookup key the row
 * is found by, an HMAC key for the request's fingerprint (method, path,
 * canonical body), and an AES-256-GCM key the answer is sealed under, with
 * the lookup key and status as associated data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin/api_call.h"
#include "core/log.h"
#include "crypto/seal.h"
#include "model/metadata.h"

#define SIG_API_IDEMPOTENCY_TTL	       (24 * 60 * 60)
#define SIG_API_IDEMPOTENCY_HEADER     "idempotency-key:"
#define SIG_API_IDEMPOTENCY_ANSWER_MAX (SIG_STORE_IDEMPOTENCY_SEALED_MAX - CRYPTO_SEAL_OVERHEAD)

static const char sig_api_idempotency_info[] = "hearth admin idempotency v1";

/* Derives the three keys; the caller wipes idem. */
static int sig_api_idempotency_derive(const struct sig_api_call *call, const char *key, size_t len,
				      struct sig_api_idempotency *idem)
{
	uint8_t okm[3 * CRYPTO_SHA256_BYTES];
	int r =
	    crypto_hkdf_sha256(call->scope, sizeof(call->scope), key, len, sig_api_idempotency_info,
			       strlen(sig_api_idempotency_info), okm, sizeof(okm));

	if (r < 0)
		return r;
	memcpy(idem->lookup, okm, CRYPTO_SHA256_BYTES);
	memcpy(idem->mac_key, okm + CRYPTO_SHA256_BYTES, CRYPTO_SHA256_BYTES);
	memcpy(idem->seal_key, okm + 2 * CRYPTO_SHA256_BYTES, CRYPTO_SEAL_KEY_BYTES);
	crypto_wipe(okm, sizeof(okm));
	return 0;
}

/* HMAC over method, path and the body in canonical form (compact, keys
 * sorted; no body counts as {}), so that a retry that spaces or orders its
 * JSON differently is the same request. */
static int sig_api_idempotency_fingerprint(const struct sig_api_call *call,
					   struct sig_api_idempotency *idem)
{
	char *body = call->body ? json_dumps(call->body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	g_autofree char *text =
	    g_strdup_printf("%s\n%s\n%s", call->req->method, call->req->path, body ? body : "{}");
	int r;

	if (call->body && !body)
		return -ENOMEM;
	r = crypto_hmac_sha256(idem->mac_key, sizeof(idem->mac_key), text, strlen(text),
			       idem->request_mac);
	crypto_wipe(text, strlen(text));
	if (body) {
		crypto_wipe(body, strlen(body));
		free(body);
	}
	return r;
}

/* The associated data of a sealed answer: the lookup key and the status. */
static void sig_api_idempotency_aad(const struct sig_api_idempotency *idem, int status,
				    uint8_t ret_aad[CRYPTO_SHA256_BYTES + 2])
{
	memcpy(ret_aad, idem->lookup, CRYPTO_SHA256_BYTES);
	ret_aad[CRYPTO_SHA256_BYTES] = (uint8_t)(status >> 8);
	ret_aad[CRYPTO_SHA256_BYTES + 1] = (uint8_t)status;
}

/* Answers with a kept answer: the request matched. */
static void sig_api_idempotency_replay(struct sig_api_call *call,
				       const struct sig_api_idempotency *idem,
				       const struct sig_idempotent_answer *answer)
{
	uint8_t aad[CRYPTO_SHA256_BYTES + 2];
	size_t len = answer->sealed_len - CRYPTO_SEAL_OVERHEAD;
	uint8_t *plain = g_malloc(len + 1);

	sig_api_idempotency_aad(idem, answer->status, aad);
	if (crypto_open(idem->seal_key, aad, sizeof(aad), answer->sealed, answer->sealed_len,
			plain) < 0) {
		/* Only a changed row gets here: the keys matched the lookup. */
		log_warn("admin api: a kept idempotent answer does not open; refused");
		sig_api_error(call, 500, "internal",
			      "the kept answer for this Idempotency-Key "
			      "cannot be read");
		g_free(plain);
		return;
	}
	sig_http_add_header(call->req, "idempotent-replayed:", "true");
	sig_http_respond_static(call->req, answer->status, "application/json", plain, len, NULL, 0);
	crypto_wipe(plain, len);
	g_free(plain);
}

int sig_api_idempotency_begin(struct sig_api_call *call, struct sig_api_idempotency *idem)
{
	char key[SIG_IDEMPOTENCY_KEY_MAX + 1];
	struct sig_idempotent_answer answer = {0};
	g_autofree char *problem = NULL;
	int n, r;

	memset(idem, 0, sizeof(*idem));
	if (strcmp(call->req->method, "POST") != 0)
		return 0;
	n = sig_http_header(call->req, SIG_API_IDEMPOTENCY_HEADER, key, sizeof(key));
	if (n == -ENOENT)
		return 0;
	if (n == -E2BIG || sig_idempotency_key_validate(key, n < 0 ? 0 : (size_t)n, &problem) < 0) {
		sig_api_invalid(call, "Idempotency-Key",
				problem ? problem : "must be 1 to 255 bytes");
		return -EINVAL;
	}
	r = sig_api_idempotency_derive(call, key, (size_t)n, idem);
	crypto_wipe(key, sizeof(key));
	if (r == 0)
		r = sig_api_idempotency_fingerprint(call, idem);
	if (r < 0) {
		sig_api_error(call, 500, "internal", "cannot derive the idempotency keys");
		goto fail;
	}
	r = sig_store_idempotency_get(call->api->store, idem->lookup,
				      call->now - SIG_API_IDEMPOTENCY_TTL, &answer);
	if (r == -ENOENT) {
		idem->active = true;
		return 0;
	}
	if (r < 0) {
		sig_api_store_error(call, r, "idempotent answer");
	} else if (!crypto_equal(answer.request_mac, idem->request_mac,
				 sizeof(idem->request_mac))) {
		sig_api_error(call, 409, "idempotency_key_reused",
			      "this Idempotency-Key was used for a different request in the last "
			      "24 hours; use a new key for a new request");
		r = -EEXIST;
	} else {
		sig_api_idempotency_replay(call, idem, &answer);
		r = -EALREADY;
	}
	sig_idempotent_answer_clear(&answer);
fail:
	crypto_wipe(idem, sizeof(*idem));
	return r;
}

void sig_api_idempotency_end(struct sig_api_call *call, struct sig_api_idempotency *idem)
{
	struct sig_idempotent_answer answer = {.created_at = call->now};
	uint8_t aad[CRYPTO_SHA256_BYTES + 2];
	const void *body;
	size_t len;
	int r;

	if (!idem->active)
		goto out;
	/* Only what was done is kept: an error changed nothing, and a retry
	 * is served anew. */
	if (sig_http_response(call->req, &answer.status, &body, &len) < 0 || answer.status < 200 ||
	    answer.status > 299)
		goto out;
	if (len > SIG_API_IDEMPOTENCY_ANSWER_MAX) {
		log_warn("admin api: an answer of %zu bytes is too long to keep for its "
			 "Idempotency-Key",
			 len);
		goto out;
	}
	memcpy(answer.request_mac, idem->request_mac, sizeof(answer.request_mac));
	answer.sealed_len = len + CRYPTO_SEAL_OVERHEAD;
	answer.sealed = g_malloc(answer.sealed_len);
	sig_api_idempotency_aad(idem, answer.status, aad);
	r = crypto_seal(idem->seal_key, aad, sizeof(aad), body, len, answer.sealed);
	if (r == 0)
		r = sig_store_idempotency_put(call->api->store, idem->lookup, &answer,
					      call->now - SIG_API_IDEMPOTENCY_TTL);
	if (r < 0)
		log_warn("admin api: the answer for an Idempotency-Key was not kept (%s); a "
			 "retry would be done again",
			 r == -ENOSPC ? "too many keys in 24 h" : g_strerror(-r));
	sig_idempotent_answer_clear(&answer);
out:
	crypto_wipe(idem, sizeof(*idem));
}
