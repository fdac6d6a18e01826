/* libFuzzer target: the [turn] servers parser (config/turn_urls.c) must
 * never crash or overrun on any text, and what it accepts must keep its
 * limits: at most CFG_TURN_URLS_MAX URLs, each starting with turn: or
 * turns:, NUL-terminated within CFG_TURN_URL_MAX characters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/turn_urls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char urls[CFG_TURN_URLS_MAX][CFG_TURN_URL_MAX + 1];
	char problem[CFG_TURN_PROBLEM_MAX];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int n = cfg_turn_urls_parse(text, urls, problem);
	if (n < 0) {
		if (!memchr(problem, '\0', sizeof(problem)))
			abort();
	} else {
		if (n > CFG_TURN_URLS_MAX)
			abort();
		for (int i = 0; i < n; i++) {
			size_t len = strnlen(urls[i], sizeof(urls[i]));
			if (len == sizeof(urls[i]) || strncmp(urls[i], "turn", 4) != 0 ||
			    (urls[i][4] != ':' && strncmp(urls[i], "turns:", 6) != 0))
				abort();
		}
	}
	free(text);
	return 0;
}
