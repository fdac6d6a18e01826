/* The browser client's files, embedded at build time from web/ by
 * http/embed_web.py, so hearthd serves exactly the client it was built
 * with and needs no files at run time. */
#ifndef HEARTH_HTTP_WEB_ASSETS_H
#define HEARTH_HTTP_WEB_ASSETS_H

#include <stddef.h>

struct sig_web_asset {
	const char *path; /* "/app/index.html" */
	const char *mime;
	const unsigned char *data;
	size_t len;
};

extern const struct sig_web_asset sig_web_assets[];
extern const unsigned sig_web_asset_count;

#endif
