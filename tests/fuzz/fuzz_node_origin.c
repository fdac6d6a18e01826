/* libFuzzer target: service/cluster.c's sig_cluster_origin(), which turns
 * a node's public URL (read from the shared database) into a source of the
 * page's Content-Security-Policy. It must never crash or read past its
 * input, and what it returns must hold:
 * - NULL, or a prefix of the URL that starts with http:// or https://;
 * - after the scheme, at least one character, each of A-Z a-z 0-9 . - : [ ]
 *   (nothing that could end a CSP source or directive: no space, ';', ',',
 *   quote, '/'). */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char host_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					 "0123456789.-:[]";

	if (size > 1024)
		return 0;
	char *url = g_strndup((const char *)data, size); /* stops at a NUL */
	char *origin = sig_cluster_origin(url);

	if (origin) {
		size_t n = strlen(origin);
		size_t skip = g_str_has_prefix(origin, "https://")  ? 8
			      : g_str_has_prefix(origin, "http://") ? 7
								    : 0;
		if (!skip || n <= skip || strncmp(origin, url, n) != 0 ||
		    strspn(origin + skip, host_chars) != n - skip)
			abort();
	}
	g_free(origin);
	g_free(url);
	return 0;
}
