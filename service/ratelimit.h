/* Per-address budgets for failed attempts (invite guesses, bad API keys).
 *
 * Each address (an IPv4 address, or the /64 of an IPv6 one) has a token
 * bucket of `burst` attempts that refills one attempt every `refill_ms`.
 * Only failures spend; an address with an empty bucket is refused until it
 * refills. The table is bounded: past `max_addresses` the address idle the
 * longest is forgotten. Control thread only. */
#ifndef HEARTH_SERVICE_RATELIMIT_H
#define HEARTH_SERVICE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct sig_ratelimit;

/* The budget hearthd gives every address for failed attempts (bad API
 * keys, unknown invites, expired resume tokens): 10, one more every 6 s,
 * across at most 10,000 addresses. */
#define SIG_RATELIMIT_FAIL_BURST     10
#define SIG_RATELIMIT_FAIL_REFILL_MS 6000
#define SIG_RATELIMIT_FAIL_ADDRESSES 10000

struct sig_ratelimit *sig_ratelimit_new(int burst, int64_t refill_ms, unsigned max_addresses);
struct sig_ratelimit *sig_ratelimit_free(struct sig_ratelimit *limiter);

/* What an address was refused, for hearth_ratelimit_refusals_total{what}
 * (one budget for all of them: a guesser cannot switch doors). */
enum sig_ratelimit_what {
	SIG_RATELIMIT_JOIN = 0,	    /* a WebSocket join: an invite link */
	SIG_RATELIMIT_RESUME,	    /* a WebSocket resume token */
	SIG_RATELIMIT_API_KEY,	    /* the admin API's bearer key */
	SIG_RATELIMIT_INVITE_CHECK, /* POST /invite/check */
	SIG_RATELIMIT_OTHER,	    /* callers of sig_ratelimit_allowed() */
	SIG_RATELIMIT_WHATS
};
#define SIG_RATELIMIT_WHAT_NAMES                                                                   \
	{                                                                                          \
		"join", "resume", "api_key", "invite_check", "other"                               \
	}

/* Whether address may try `what` now; when not, ret_retry_after_s (if not
 * NULL) says in how many seconds (at least 1) it may. A refusal is counted
 * (by what), and logged (under a pseudonym of the address) at most once a
 * minute per address. */
bool sig_ratelimit_check(struct sig_ratelimit *limiter, enum sig_ratelimit_what what,
			 const char *address, int64_t now_ms, int *ret_retry_after_s);
/* sig_ratelimit_check() counted as SIG_RATELIMIT_OTHER. */
bool sig_ratelimit_allowed(struct sig_ratelimit *limiter, const char *address, int64_t now_ms,
			   int *ret_retry_after_s);

/* Spends one attempt of address's budget after a failure. */
void sig_ratelimit_failed(struct sig_ratelimit *limiter, const char *address, int64_t now_ms);

/* Refusals since start, for /metrics: all, and of one kind. */
uint64_t sig_ratelimit_refused(const struct sig_ratelimit *limiter);
uint64_t sig_ratelimit_refused_for(const struct sig_ratelimit *limiter,
				   enum sig_ratelimit_what what);

/* Addresses tracked, for tests and metrics. */
unsigned sig_ratelimit_size(const struct sig_ratelimit *limiter);

#endif
