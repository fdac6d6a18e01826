/* libFuzzer target: the subscribe.hint parser (live/hint.c) must never
 * crash, leak or misbehave under the sanitizers on any message, and what
 * it accepts must keep its limits: at most the entries allowed, unique
 * non-empty mids, sizes within 0..SIG_HINT_SIZE_MAX. The first byte picks
 * how many entries are allowed (the subscriber's m-lines, 0..20); the rest
 * is the message, loaded as the client protocol loads it. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "live/hint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_hint h;
	char *problem = NULL;

	if (size < 1)
		return 0;
	unsigned max = data[0] % 21;
	json_t *msg = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
	if (!msg)
		return 0;
	int r = sig_hint_parse(msg, max, &h, &problem);
	json_decref(msg);
	if (r < 0) {
		if (!problem || !*problem)
			abort();
		free(problem);
		return 0;
	}
	if (problem || h.count > max || h.count > SIG_HINT_MAX_STREAMS)
		abort();
	for (unsigned i = 0; i < h.count; i++) {
		if (!h.entries[i].mid[0] || h.entries[i].width > SIG_HINT_SIZE_MAX ||
		    h.entries[i].height > SIG_HINT_SIZE_MAX)
			abort();
		for (unsigned k = 0; k < i; k++)
			if (strcmp(h.entries[i].mid, h.entries[k].mid) == 0)
				abort();
	}
	return 0;
}
