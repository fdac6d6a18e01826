#include "service/ratelimit.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"

/* A client that stays refused is logged again after this long. */
#define SIG_RATELIMIT_LOG_EVERY_MS 60000

struct sig_bucket {
	char *key;	      /* owned; also the hash table key */
	int64_t tokens_milli; /* attempts left, in thousandths */
	int64_t updated_ms;
	int64_t logged_ms; /* when a refusal was last logged; 0: never */
	GList link;	   /* in the LRU queue; data = this bucket */
};

struct sig_ratelimit {
	int64_t burst_milli;
	int64_t refill_ms; /* per attempt */
	unsigned max_addresses;
	GHashTable *buckets; /* key -> struct sig_bucket */
	GQueue lru;	     /* head: idle the longest */
	uint64_t refused;
	uint64_t refused_for[SIG_RATELIMIT_WHATS];
	guchar salt[16]; /* for the pseudonyms of addresses in log lines */
};

struct sig_ratelimit *sig_ratelimit_new(int burst, int64_t refill_ms, unsigned max_addresses)
{
	struct sig_ratelimit *l = g_new0(struct sig_ratelimit, 1);

	g_assert(burst > 0 && refill_ms > 0 && max_addresses > 0);
	l->burst_milli = (int64_t)burst * 1000;
	l->refill_ms = refill_ms;
	l->max_addresses = max_addresses;
	l->buckets = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&l->lru);
	/* Without randomness the pseudonyms are merely consistent, not secret. */
	if (getrandom(l->salt, sizeof(l->salt), 0) != (ssize_t)sizeof(l->salt))
		memset(l->salt, 0, sizeof(l->salt));
	return l;
}

static void sig_bucket_free(struct sig_bucket *b)
{
	g_free(b->key);
	g_free(b);
}

struct sig_ratelimit *sig_ratelimit_free(struct sig_ratelimit *l)
{
	if (!l)
		return NULL;
	for (GList *n = l->lru.head; n;) {
		GList *next = n->next;
		sig_bucket_free(n->data);
		n = next;
	}
	g_hash_table_destroy(l->buckets);
	g_free(l);
	return NULL;
}

/* One key per client: IPv4 as is, IPv6 by its /64 (one subscriber usually
 * holds a whole /64), v4-mapped IPv6 as IPv4. */
static void sig_ratelimit_key(const char *address, char ret_key[INET6_ADDRSTRLEN + 4])
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET6, address, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, &a6.s6_addr[12], 4);
			inet_ntop(AF_INET, &a4, ret_key, INET6_ADDRSTRLEN);
			return;
		}
		memset(&a6.s6_addr[8], 0, 8);
		inet_ntop(AF_INET6, &a6, ret_key, INET6_ADDRSTRLEN);
		g_strlcat(ret_key, "/64", INET6_ADDRSTRLEN + 4);
		return;
	}
	g_strlcpy(ret_key, address, INET6_ADDRSTRLEN + 4);
}

/* Refills b up to now. */
static void sig_bucket_refill(const struct sig_ratelimit *l, struct sig_bucket *b, int64_t now_ms)
{
	if (now_ms > b->updated_ms) {
		int64_t gained = (now_ms - b->updated_ms) * 1000 / l->refill_ms;
		b->tokens_milli = MIN(l->burst_milli, b->tokens_milli + gained);
		b->updated_ms = now_ms;
	}
}

static struct sig_bucket *sig_ratelimit_find(struct sig_ratelimit *l, const char *address)
{
	char key[INET6_ADDRSTRLEN + 4];

	sig_ratelimit_key(address, key);
	return g_hash_table_lookup(l->buckets, key);
}

bool sig_ratelimit_check(struct sig_ratelimit *l, enum sig_ratelimit_what what, const char *address,
			 int64_t now_ms, int *ret_retry_after_s)
{
	struct sig_bucket *b = sig_ratelimit_find(l, address);

	if (!b)
		return true;
	sig_bucket_refill(l, b, now_ms);
	if (b->tokens_milli >= 1000)
		return true;
	int64_t wait_ms = (1000 - b->tokens_milli) * l->refill_ms / 1000;
	int retry_after_s = (int)MAX(1, (wait_ms + 999) / 1000);
	if (ret_retry_after_s)
		*ret_retry_after_s = retry_after_s;
	l->refused++;
	l->refused_for[(unsigned)what < SIG_RATELIMIT_WHATS ? what : SIG_RATELIMIT_OTHER]++;
	if (!b->logged_ms || now_ms - b->logged_ms >= SIG_RATELIMIT_LOG_EVERY_MS) {
		b->logged_ms = now_ms ? now_ms : 1;
		/* A keyed hash, not the address: logs carry no client addresses
		 * at this level, but the same client keeps its tag until
		 * restart. */
		g_autofree char *tag = g_compute_hmac_for_string(G_CHECKSUM_SHA256, l->salt,
								 sizeof(l->salt), b->key, -1);
		log_warn("rate limit: refusing client %.12s for %d s after repeated failed "
			 "attempts (logged at most once a minute per client)",
			 tag, retry_after_s);
		log_debug("rate limit: client %.12s is %s", tag, b->key);
	}
	return false;
}

bool sig_ratelimit_allowed(struct sig_ratelimit *l, const char *address, int64_t now_ms,
			   int *ret_retry_after_s)
{
	return sig_ratelimit_check(l, SIG_RATELIMIT_OTHER, address, now_ms, ret_retry_after_s);
}

uint64_t sig_ratelimit_refused(const struct sig_ratelimit *l)
{
	return l->refused;
}

uint64_t sig_ratelimit_refused_for(const struct sig_ratelimit *l, enum sig_ratelimit_what what)
{
	return (unsigned)what < SIG_RATELIMIT_WHATS ? l->refused_for[what] : 0;
}

void sig_ratelimit_failed(struct sig_ratelimit *l, const char *address, int64_t now_ms)
{
	struct sig_bucket *b = sig_ratelimit_find(l, address);

	if (!b) {
		char key[INET6_ADDRSTRLEN + 4];
		if (g_hash_table_size(l->buckets) >= l->max_addresses) {
			struct sig_bucket *old = l->lru.head->data;
			g_queue_unlink(&l->lru, &old->link);
			g_hash_table_remove(l->buckets, old->key);
			sig_bucket_free(old);
		}
		sig_ratelimit_key(address, key);
		b = g_new0(struct sig_bucket, 1);
		b->key = g_strdup(key);
		b->tokens_milli = l->burst_milli;
		b->updated_ms = now_ms;
		b->link.data = b;
		g_hash_table_insert(l->buckets, b->key, b);
	} else {
		sig_bucket_refill(l, b, now_ms);
		g_queue_unlink(&l->lru, &b->link);
	}
	g_queue_push_tail_link(&l->lru, &b->link);
	b->tokens_milli = MAX(0, b->tokens_milli - 1000);
}

unsigned sig_ratelimit_size(const struct sig_ratelimit *l)
{
	return g_hash_table_size(l->buckets);
}
