/* libFuzzer target: the /proc parsers behind the process_* metrics
 * (daemon/procstat.c) must never crash, read past the text, or accept
 * what they cannot account for: what /proc/self/stat parsing accepts has
 * its CPU time as the sum it claims. The first byte picks the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/procstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* An exact-size copy, so that ASan sees any read past the text. */
	char *text = malloc(size - 1 ? size - 1 : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	if (data[0] & 1) {
		int64_t btime = -1;
		if (sig_procstat_btime(text, size - 1, &btime) == 0 && btime < 0)
			abort();
	} else {
		struct sig_procstat st = {.cpu_ticks = 1, .start_ticks = 2};
		if (sig_procstat_parse(text, size - 1, &st) != 0 &&
		    (st.cpu_ticks != 1 || st.start_ticks != 2))
			abort(); /* refused, yet written */
	}
	free(text);
	return 0;
}
