/* hearthd: command line, configuration, then the control loop. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "core/log.h"
#include "daemon/control.h"

#define EXIT_USAGE 64 /* sysexits.h EX_USAGE */

struct hearthd_args {
	char *config_path;
	char **overrides;
	char *log_level;
	gboolean check_config;
	gboolean version;
};

static int hearthd_parse_args(int *argc, char ***argv, struct hearthd_args *args)
{
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &args->config_path,
	     "Read the configuration from FILE (INI); without it the embedded defaults apply",
	     "FILE"},
	    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &args->overrides,
	     "Override one key, e.g. --set server.listen_port=9000 (repeatable)",
	     "SECTION.KEY=VALUE"},
	    {"log-level", 'l', 0, G_OPTION_ARG_STRING, &args->log_level,
	     "Log level: error, warn, info or debug (same as --set log.level=LEVEL)", "LEVEL"},
	    {"check-config", 0, 0, G_OPTION_ARG_NONE, &args->check_config,
	     "Validate the configuration, print the effective values and exit", NULL},
	    {"version", 'V', 0, G_OPTION_ARG_NONE, &args->version, "Print the version and exit",
	     NULL},
	    G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- Hearth video-session relay");
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
	    ctx, "Configuration errors exit with status 78 and are reported as\n"
		 "  FILE:LINE: [section] key: what is wrong\n"
		 "Every key is documented in hearthd.conf.example.\n");
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		fprintf(stderr, "hearthd: %s (try --help)\n", error->message);
		return -EINVAL;
	}
	if (*argc > 1) {
		fprintf(stderr, "hearthd: unexpected argument '%s' (try --help)\n", (*argv)[1]);
		return -EINVAL;
	}
	return 0;
}

/* Builds the effective configuration: defaults, then the file, then the
 * command line. Prints every problem found; returns 0 or -EINVAL. */
static int hearthd_configure(const struct hearthd_args *args, struct cfg *cfg, GPtrArray *overrides)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	int r = 0;

	for (size_t i = 0; args->overrides && args->overrides[i]; i++)
		g_ptr_array_add(overrides, g_strdup(args->overrides[i]));
	if (args->log_level)
		g_ptr_array_add(overrides, g_strdup_printf("log.level=%s", args->log_level));
	g_ptr_array_add(overrides, NULL);

	cfg_init(cfg);
	if (args->config_path && cfg_load_file(cfg, args->config_path, errors) < 0)
		r = -EINVAL;
	for (size_t i = 0; i + 1 < overrides->len; i++)
		if (cfg_set_override(cfg, overrides->pdata[i], errors) < 0)
			r = -EINVAL;
	if (r == 0 && cfg_resolve(cfg, errors) < 0)
		r = -EINVAL;
	for (size_t i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)errors->pdata[i]);
	return r;
}

static void hearthd_args_clear(struct hearthd_args *args)
{
	g_free(args->config_path);
	g_free(args->log_level);
	g_strfreev(args->overrides);
}

static int hearthd_serve(struct cfg *cfg, GPtrArray *overrides)
{
	struct sig_control *control = NULL;
	int status, r;

	log_init();
	log_set_level((enum log_level)cfg->log_level);
	enum log_format format = LOG_FORMAT_TEXT;
	if (log_format_parse(cfg->log_format, &format) == 0) /* checked by cfg */
		log_set_format(format);

	r = sig_control_block_signals();
	if (r == 0)
		r = sig_control_new(cfg, (char **)overrides->pdata, &control);
	if (r < 0) {
		log_error("cannot start: %s", strerror(-r));
		status = EXIT_FAILURE;
	} else {
		status = sig_control_run(control);
	}
	control = sig_control_free(control);
	log_info("stopped");
	return status;
}

int main(int argc, char **argv)
{
	struct hearthd_args args = {0};
	g_autoptr(GPtrArray) overrides = g_ptr_array_new_with_free_func(g_free);
	struct cfg cfg = {0};
	int status;

	if (hearthd_parse_args(&argc, &argv, &args) < 0) {
		status = EXIT_USAGE;
	} else if (args.version) {
		printf("hearthd %s\n", HEARTH_VERSION);
		status = EXIT_SUCCESS;
	} else if (hearthd_configure(&args, &cfg, overrides) < 0) {
		status = CFG_EXIT_CONFIG;
	} else if (args.check_config) {
		g_autofree char *dump = cfg_dump(&cfg);
		printf("%s: configuration is valid\n%s",
		       args.config_path ? args.config_path : "embedded defaults", dump);
		status = EXIT_SUCCESS;
	} else {
		status = hearthd_serve(&cfg, overrides);
	}
	cfg_clear(&cfg);
	hearthd_args_clear(&args);
	return status;
}
