/* See sdp.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "bench/loadgen/sdp.h"

struct strbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *p = cap <= LG_SDP_MAX_TEXT ? realloc(b->p, cap) : NULL;
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static char *sb_take(struct strbuf *b)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* Copies the value of "a=<key>:" from line into out when the line has it. */
static bool attr(const char *line, size_t len, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	if (len < 2 + kl + 1 || strncmp(line, "a=", 2) != 0 || strncmp(line + 2, key, kl) != 0 ||
	    line[2 + kl] != ':')
		return false;
	size_t vl = len - 3 - kl;
	if (vl >= cap)
		vl = cap - 1;
	memcpy(out, line + 3 + kl, vl);
	out[vl] = '\0';
	return true;
}

/* Copies src when it fits; a value too long for us stays empty. */
static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n < cap)
		memcpy(dst, src, n + 1);
}

static void parse_candidate(struct lg_sdp_remote *r, const char *value)
{
	/* foundation component transport priority address port typ type */
	char transport[16], address[64];
	unsigned component, port;
	unsigned long priority;
	if (r->has_candidate || sscanf(value, "%*s %u %15s %lu %63s %u", &component, transport,
				       &priority, address, &port) != 5)
		return;
	struct in_addr a;
	if (component != 1 || strcasecmp(transport, "udp") != 0 ||
	    inet_pton(AF_INET, address, &a) != 1 || port == 0 || port > 65535)
		return;
	r->candidate = (struct sockaddr_in){
	    .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = a};
	r->has_candidate = true;
}

static void parse_rtpmap(struct lg_sdp_mline *m, const char *value)
{
	int pt;
	char name[32];
	if (m->pt >= 0 || sscanf(value, "%d %31[^/]", &pt, name) != 2 || pt < 0 || pt > 127)
		return;
	if ((m->kind == LG_AUDIO && strcasecmp(name, "opus") == 0) ||
	    (m->kind == LG_VIDEO && strcasecmp(name, "VP8") == 0))
		m->pt = pt;
}

static void parse_line(struct lg_sdp_remote *r, const char *line, size_t len)
{
	char value[LG_REMOTE_CRED_MAX];
	struct lg_sdp_mline *m = r->n_mlines ? &r->m[r->n_mlines - 1] : NULL;
	if (len > 2 && strncmp(line, "m=", 2) == 0) {
		if (r->n_mlines == LG_SDP_MAX_MLINES)
			return;
		m = &r->m[r->n_mlines++];
		*m = (struct lg_sdp_mline){.kind = LG_KIND_NONE, .pt = -1};
		if (len > 8 && strncmp(line, "m=audio ", 8) == 0)
			m->kind = LG_AUDIO;
		else if (len > 8 && strncmp(line, "m=video ", 8) == 0)
			m->kind = LG_VIDEO;
		m->active = m->kind != LG_KIND_NONE && strncmp(line + 8, "0 ", 2) != 0;
		return;
	}
	if (attr(line, len, "ice-ufrag", value, sizeof(value)) && !r->ufrag[0])
		memcpy(r->ufrag, value, sizeof(r->ufrag));
	else if (attr(line, len, "ice-pwd", value, sizeof(value)) && !r->pwd[0])
		memcpy(r->pwd, value, sizeof(r->pwd));
	else if (attr(line, len, "fingerprint", value, sizeof(value)) && !r->fingerprint[0])
		copy_text(r->fingerprint, sizeof(r->fingerprint), value);
	else if (attr(line, len, "setup", value, sizeof(value)) && !r->setup[0])
		copy_text(r->setup, sizeof(r->setup), value);
	else if (attr(line, len, "candidate", value, sizeof(value)))
		parse_candidate(r, value);
	else if (m && attr(line, len, "mid", value, sizeof(value)))
		copy_text(m->mid, sizeof(m->mid), value);
	else if (m && attr(line, len, "rtpmap", value, sizeof(value)))
		parse_rtpmap(m, value);
	else if (m && len == 10 && strncmp(line, "a=inactive", 10) == 0)
		m->active = false;
}

int lg_sdp_parse(const char *sdp, struct lg_sdp_remote *ret, const char **ret_problem)
{
	memset(ret, 0, sizeof(*ret));
	for (const char *p = sdp; *p;) {
		const char *end = strpbrk(p, "\r\n");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		parse_line(ret, p, len);
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	const char *problem = NULL;
	if (!ret->ufrag[0] || !ret->pwd[0])
		problem = "no ICE credentials";
	else if (!ret->fingerprint[0])
		problem = "no a=fingerprint";
	else if (!ret->has_candidate)
		problem = "no IPv4 UDP host candidate";
	else if (ret->n_mlines == 0)
		problem = "no m-line";
	if (problem) {
		if (ret_problem)
			*ret_problem = problem;
		return -EINVAL;
	}
	return 0;
}

static void transport_lines(struct strbuf *b, const struct lg_transport *t, const char *fp,
			    const char *setup, bool candidates)
{
	sb_printf(b,
		  "c=IN IP4 127.0.0.1\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
		  "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:%s\r\n",
		  t->ufrag, t->pwd, fp, setup);
	if (candidates)
		sb_printf(b,
			  "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n"
			  "a=end-of-candidates\r\n",
			  t->local_ip, (unsigned)t->local_port);
}

char *lg_sdp_publish_offer(const struct lg_transport *t, const char *fp, int id)
{
	struct strbuf b = {0};
	uint64_t session_id;
	lg_random(&session_id, sizeof(session_id));
	sb_printf(&b,
		  "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		  "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS lg%d\r\n",
		  (unsigned long long)(session_id >> 2), id);
	sb_printf(&b, "m=audio %u UDP/TLS/RTP/SAVPF %d\r\n", (unsigned)t->local_port, LG_AUDIO_PT);
	transport_lines(&b, t, fp, "actpass", true);
	sb_printf(&b,
		  "a=mid:0\r\na=sendonly\r\na=msid:lg%d a%d\r\na=rtcp-mux\r\n"
		  "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n"
		  "a=ssrc:%u cname:lg%d\r\na=ssrc:%u msid:lg%d a%d\r\n",
		  id, id, LG_AUDIO_PT, LG_AUDIO_PT, t->out[LG_AUDIO].ssrc, id,
		  t->out[LG_AUDIO].ssrc, id, id);
	sb_printf(&b, "m=video %u UDP/TLS/RTP/SAVPF %d\r\n", (unsigned)t->local_port, LG_VIDEO_PT);
	transport_lines(&b, t, fp, "actpass", false);
	sb_printf(&b,
		  "a=mid:1\r\na=sendonly\r\na=msid:lg%d v%d\r\na=rtcp-mux\r\n"
		  "a=rtpmap:%d VP8/90000\r\na=rtcp-fb:%d nack pli\r\n",
		  id, id, LG_VIDEO_PT, LG_VIDEO_PT);
	if (t->layers > 1) {
		/* As Chromium offers simulcast (RFC 8851, 8853): no a=ssrc, the
		 * encodings named by rid, lowest first. */
		sb_printf(&b,
			  "a=extmap:%d urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
			  "a=extmap:%d urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n",
			  LG_EXT_MID_ID, LG_EXT_RID_ID);
		for (int k = 0; k < t->layers; k++)
			sb_printf(&b, "a=rid:%s send\r\n", lg_layer_rid(k, t->layers));
		sb_printf(&b, "a=simulcast:send ");
		for (int k = 0; k < t->layers; k++)
			sb_printf(&b, "%s%s", k ? ";" : "", lg_layer_rid(k, t->layers));
		sb_printf(&b, "\r\n");
		return sb_take(&b);
	}
	sb_printf(&b, "a=ssrc:%u cname:lg%d\r\na=ssrc:%u msid:lg%d v%d\r\n", t->out[LG_VIDEO].ssrc,
		  id, t->out[LG_VIDEO].ssrc, id, id);
	return sb_take(&b);
}

char *lg_sdp_answer(const struct lg_transport *t, const char *fp, const struct lg_sdp_remote *offer,
		    const char *setup)
{
	struct strbuf b = {0};
	uint64_t session_id;
	lg_random(&session_id, sizeof(session_id));
	sb_printf(&b, "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE",
		  (unsigned long long)(session_id >> 2));
	for (size_t i = 0; i < offer->n_mlines; i++)
		if (offer->m[i].active && offer->m[i].pt >= 0)
			sb_printf(&b, " %s", offer->m[i].mid);
	sb_printf(&b, "\r\n");
	bool first = true;
	for (size_t i = 0; i < offer->n_mlines; i++) {
		const struct lg_sdp_mline *m = &offer->m[i];
		const char *kind = m->kind == LG_AUDIO	 ? "audio"
				   : m->kind == LG_VIDEO ? "video"
							 : "application";
		bool on = m->active && m->pt >= 0;
		if (m->kind == LG_KIND_NONE) {
			sb_printf(&b,
				  "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
				  "c=IN IP4 0.0.0.0\r\na=mid:%s\r\n",
				  m->mid);
			continue;
		}
		sb_printf(&b, "m=%s %u UDP/TLS/RTP/SAVPF %d\r\n", kind,
			  on ? (unsigned)t->local_port : 0,
			  m->pt >= 0 ? m->pt : (m->kind == LG_AUDIO ? LG_AUDIO_PT : LG_VIDEO_PT));
		transport_lines(&b, t, fp, setup, on && first);
		sb_printf(&b, "a=mid:%s\r\na=%s\r\na=rtcp-mux\r\n", m->mid,
			  on ? "recvonly" : "inactive");
		if (m->pt >= 0)
			sb_printf(&b, "a=rtpmap:%d %s\r\n", m->pt,
				  m->kind == LG_AUDIO ? "opus/48000/2" : "VP8/90000");
		if (on)
			first = false;
	}
	return sb_take(&b);
}

int lg_sdp_apply_remote(struct lg_transport *t, const struct lg_sdp_remote *r)
{
	if (strlen(r->fingerprint) >= sizeof(t->remote_fingerprint))
		return -EINVAL;
	memcpy(t->remote_ufrag, r->ufrag, sizeof(t->remote_ufrag));
	memcpy(t->remote_pwd, r->pwd, sizeof(t->remote_pwd));
	memcpy(t->remote_fingerprint, r->fingerprint, sizeof(t->remote_fingerprint));
	t->remote = r->candidate;
	for (size_t i = 0; i < r->n_mlines; i++)
		if (r->m[i].pt >= 0)
			atomic_store_explicit(&t->pt_kind[r->m[i].pt], (uint8_t)r->m[i].kind,
					      memory_order_relaxed);
	return 0;
}
