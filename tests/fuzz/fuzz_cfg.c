/* libFuzzer target: the configuration parser (scanner, GKeyFile, values,
 * cross-key rules) must never crash or leak on any file content. */
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct cfg cfg;

	cfg_init(&cfg);
	if (cfg_load_data(&cfg, "fuzz", (const char *)data, size, errors) == 0)
		(void)cfg_resolve(&cfg, errors);
	cfg_clear(&cfg);
	g_ptr_array_unref(errors);
	return 0;
}
