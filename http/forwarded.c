#include "http/forwarded.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct sig_span {
	const char *text;
	size_t len;
};

static bool sig_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct sig_span sig_trim(const char *text, size_t len)
{
	while (len && sig_is_space(*text)) {
		text++;
		len--;
	}
	while (len && sig_is_space(text[len - 1]))
		len--;
	return (struct sig_span){text, len};
}

static bool sig_all_digits(const char *text, size_t len)
{
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return true;
}

int sig_forwarded_parse_hop(const char *text, size_t len, struct netaddr *ret_addr)
{
	char host[NETADDR_TEXT_MAX];
	const char *colon;

	if (len == 0)
		return -EINVAL;
	if (text[0] == '[') {
		const char *close = memchr(text, ']', len);
		if (!close)
			return -EINVAL;
		size_t rest = len - (size_t)(close - text) - 1;
		if (rest && (close[1] != ':' || !sig_all_digits(close + 2, rest - 1)))
			return -EINVAL;
		text++;
		len = (size_t)(close - text);
	} else {
		colon = memchr(text, ':', len);
		/* One colon: IPv4 with a port; more: a bare IPv6 address. */
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - text) - 1)) {
			if (!sig_all_digits(colon + 1, len - (size_t)(colon - text) - 1))
				return -EINVAL;
			len = (size_t)(colon - text);
		}
	}
	if (len == 0 || len >= sizeof(host) || memchr(text, '\0', len))
		return -EINVAL;
	memcpy(host, text, len);
	host[len] = '\0';
	return netaddr_parse(host, ret_addr);
}

/* Splits text at commas (outside double quotes when quoting, as in RFC 7239
 * §4) into at most max spans, keeping the rightmost ones. Returns how many
 * were kept. */
static size_t sig_split_elements(const char *text, bool quoting, struct sig_span *spans, size_t max)
{
	size_t count = 0, total = 0;
	const char *start = text;
	bool quoted = false;

	for (const char *p = text;; p++) {
		if (*p == '"' && quoting)
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1])
			p++;
		else if ((*p == ',' && !quoted) || !*p) {
			spans[total % max] = sig_trim(start, (size_t)(p - start));
			total++;
			start = p + 1;
			if (!*p)
				break;
		}
	}
	/* A quote left open is the client's (proxies append well-formed
	 * elements): it must not swallow the elements the proxies added
	 * after it, so split again at every comma. */
	if (quoted)
		return sig_split_elements(text, false, spans, max);
	count = total < max ? total : max;
	/* Rotate so that spans[0..count) runs left to right. */
	if (total > max) {
		struct sig_span tmp[SIG_FORWARDED_MAX_HOPS];
		for (size_t i = 0; i < max; i++)
			tmp[i] = spans[(total + i) % max];
		memcpy(spans, tmp, max * sizeof(*spans));
	}
	return count;
}

/* The for= value of one RFC 7239 forwarded-element, unquoted into buf. */
static int sig_rfc7239_for(struct sig_span element, char *buf, size_t buf_len,
			   struct sig_span *ret_value)
{
	const char *p = element.text, *end = element.text + element.len;

	while (p < end) {
		const char *pair_end = p;
		bool quoted = false;
		while (pair_end < end && (quoted || *pair_end != ';')) {
			if (*pair_end == '"')
				quoted = !quoted;
			pair_end++;
		}
		struct sig_span pair = sig_trim(p, (size_t)(pair_end - p));
		if (pair.len > 4 && strncasecmp(pair.text, "for=", 4) == 0) {
			const char *v = pair.text + 4;
			size_t vlen = pair.len - 4, n = 0;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				for (size_t i = 1; i + 1 < vlen; i++) {
					if (v[i] == '\\' && i + 2 < vlen)
						i++;
					if (n + 1 >= buf_len)
						return -EINVAL;
					buf[n++] = v[i];
				}
				buf[n] = '\0';
				*ret_value = (struct sig_span){buf, n};
			} else {
				*ret_value = (struct sig_span){v, vlen};
			}
			return 0;
		}
		p = pair_end + 1;
	}
	return -EINVAL;
}

static int sig_hop_address(enum sig_forwarded_kind kind, struct sig_span element,
			   struct netaddr *ret_addr)
{
	char unquoted[NETADDR_TEXT_MAX + 8];
	struct sig_span value = element;

	if (kind == SIG_FORWARDED_RFC7239 &&
	    sig_rfc7239_for(element, unquoted, sizeof(unquoted), &value) < 0)
		return -EINVAL;
	return sig_forwarded_parse_hop(value.text, value.len, ret_addr);
}

void sig_forwarded_client(const struct netaddr_list *trusted, const struct netaddr *peer,
			  enum sig_forwarded_kind kind, const char *header,
			  struct netaddr *ret_client)
{
	struct sig_span hops[SIG_FORWARDED_MAX_HOPS];
	struct netaddr client = *peer;

	if (header && *header && netaddr_list_contains(trusted, peer)) {
		size_t n = sig_split_elements(header, kind == SIG_FORWARDED_RFC7239, hops,
					      SIG_FORWARDED_MAX_HOPS);
		for (size_t i = n; i-- > 0;) {
			struct netaddr hop;
			if (sig_hop_address(kind, hops[i], &hop) < 0)
				break;
			client = hop;
			if (!netaddr_list_contains(trusted, &hop))
				break;
		}
	}
	*ret_client = client;
}
