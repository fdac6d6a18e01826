/* The TURN server URLs of [turn] servers (RFC 7065): checked when the
 * configuration loads, so a typo is a clear error at start and not a call
 * that silently gets no relay. Pure; no allocation. */
#ifndef HEARTH_CONFIG_TURN_URLS_H
#define HEARTH_CONFIG_TURN_URLS_H

#include <stddef.h>

#define CFG_TURN_URLS_MAX    8
#define CFG_TURN_URL_MAX     255 /* characters of one URL */
#define CFG_TURN_PROBLEM_MAX 160

/* Parses a comma-separated list (spaces allowed around entries) of
 *   turn:HOST[:PORT][?transport=udp|tcp]
 *   turns:HOST[:PORT][?transport=tcp]
 * HOST being a DNS name, an IPv4 address or an IPv6 address in brackets.
 * Returns the number of URLs (0 for an empty list) copied to ret_urls, or
 * -EINVAL with a sentence in ret_problem (ret_urls then undefined). */
int cfg_turn_urls_parse(const char *text, char ret_urls[CFG_TURN_URLS_MAX][CFG_TURN_URL_MAX + 1],
			char ret_problem[CFG_TURN_PROBLEM_MAX]);

#endif
