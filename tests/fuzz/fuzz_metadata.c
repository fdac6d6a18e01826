/* libFuzzer target: model/metadata.c, the checks of what a scheduling
 * system sends for its own use. The first byte picks the parser: 0 the
 * metadata object (loaded as the admin API loads bodies), 1 an external id,
 * 2 an Idempotency-Key; the rest is the input. None may crash or leak; what
 * the metadata check accepts must keep its limits and be canonical (its
 * text, loaded and checked again, is the same text). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_metadata(const char *text, size_t len)
{
	char *canonical = NULL, *field = NULL, *problem = NULL;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);

	if (!v)
		return;
	int r = sig_metadata_from_json(v, &canonical, &field, &problem);
	json_decref(v);
	if (r < 0) {
		if (!field || !problem || canonical)
			abort();
		g_free(field);
		g_free(problem);
		return;
	}
	if (field || problem)
		abort();
	if (!canonical)
		return; /* {} */
	json_t *back = sig_metadata_to_json(canonical);
	char *again = NULL;
	if (strlen(canonical) > SIG_METADATA_MAX ||
	    json_object_size(back) > SIG_METADATA_KEYS_MAX ||
	    sig_metadata_from_json(back, &again, &field, &problem) < 0 || !again ||
	    strcmp(again, canonical) != 0)
		abort();
	json_decref(back);
	g_free(again);
	g_free(canonical);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *problem = NULL;

	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] % 3 == 0) {
		fuzz_metadata(text, len);
	} else if (data[0] % 3 == 1) {
		char *copy = g_strndup(text, len);
		int r = sig_external_id_validate(copy, &problem);
		if ((r < 0) != (problem != NULL) || (r == 0 && strlen(copy) > SIG_EXTERNAL_ID_MAX))
			abort();
		g_free(copy);
	} else {
		int r = sig_idempotency_key_validate(text, len, &problem);
		if ((r < 0) != (problem != NULL) || (r == 0 && len > SIG_IDEMPOTENCY_KEY_MAX))
			abort();
	}
	g_free(problem);
	return 0;
}
