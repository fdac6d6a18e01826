/* The small public pieces of sdp/: names, URIs, RFC 8839 and RFC
 * 8122 value checks, and which rtpmap/fmtp denote a codec Hearth forwards.
 * Parsing is in sdp_parse*.c, building in sdp_build.c; sig_sdp_decimal(),
 * which the parser shares, is here beside the rtpmap reader that uses it. */
#include "sdp/sdp.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "core/parse.h"
#include "sdp/parse_state.h"

static const char *const ext_uris[SIG_SDP_EXT_COUNT] = {
    [SIG_SDP_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
    [SIG_SDP_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    [SIG_SDP_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    [SIG_SDP_EXT_TWCC] =
	"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    [SIG_SDP_EXT_RID] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    [SIG_SDP_EXT_RRID] = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
};

const char *sig_sdp_codec_name(enum sig_sdp_codec_id id)
{
	switch (id) {
	case SIG_SDP_CODEC_OPUS:
		return "opus";
	case SIG_SDP_CODEC_VP8:
		return "VP8";
	case SIG_SDP_CODEC_H264:
		return "H264";
	case SIG_SDP_CODEC_VP9:
		return "VP9";
	case SIG_SDP_CODEC_NONE:
		break;
	}
	return NULL;
}

const char *sig_sdp_ext_uri(enum sig_sdp_ext ext)
{
	g_assert((unsigned)ext < SIG_SDP_EXT_COUNT);
	return ext_uris[ext];
}

const char *sig_sdp_direction_name(enum sig_sdp_direction direction)
{
	static const char *const names[] = {"inactive", "sendonly", "recvonly", "sendrecv"};

	g_assert((unsigned)direction < G_N_ELEMENTS(names));
	return names[direction];
}

/* RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/" */
static bool ice_chars(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n >= max || !(g_ascii_isalnum(s[n]) || s[n] == '+' || s[n] == '/'))
			return false;
	return n >= min;
}

bool sig_sdp_ice_ufrag_valid(const char *ufrag)
{
	return ice_chars(ufrag, SIG_SDP_UFRAG_MIN, SIG_SDP_UFRAG_MAX);
}

bool sig_sdp_ice_pwd_valid(const char *pwd)
{
	return ice_chars(pwd, SIG_SDP_PWD_MIN, SIG_SDP_PWD_MAX);
}

/* RFC 8122 §5: hash-func SP fingerprint, fingerprint = 2UHEX *(":" 2UHEX);
 * lower case is read too. SHA-256 gives 32 bytes. */
int sig_sdp_fingerprint_normalize(const char *value, char ret[SIG_SDP_FINGERPRINT_MAX + 1])
{
	char out[SIG_SDP_FINGERPRINT_MAX + 1] = "sha-256 ";
	const char *hex = strchr(value, ' ');
	size_t n = strlen("sha-256 ");

	if (!hex)
		return -EBADMSG;
	if ((size_t)(hex - value) != strlen("sha-256") ||
	    g_ascii_strncasecmp(value, "sha-256", strlen("sha-256")) != 0)
		return -ENOTSUP;
	hex++;
	for (size_t byte = 0; byte < 32; byte++, hex += 3) {
		if (!g_ascii_isxdigit(hex[0]) || !g_ascii_isxdigit(hex[1]) ||
		    hex[2] != (byte == 31 ? '\0' : ':'))
			return -EBADMSG;
		out[n++] = g_ascii_toupper(hex[0]);
		out[n++] = g_ascii_toupper(hex[1]);
		if (byte < 31)
			out[n++] = ':';
	}
	out[n] = '\0';
	memcpy(ret, out, n + 1);
	return 0;
}

bool sig_sdp_decimal(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	/* At most 20 digits (as many as UINT64_MAX has): leading zeros do not
	 * make a longer number. */
	return n <= 20 && parse_uint64_n(s, n, max, ret) == 0;
}

struct rtpmap {
	const char *name;
	size_t name_len;
	uint64_t clock_rate, channels; /* channels 0: not given */
};

/* RFC 4566 §6: <encoding name>/<clock rate>[/<encoding parameters>] */
static bool parse_rtpmap(const char *v, struct rtpmap *ret)
{
	size_t n = strcspn(v, "/"), c;

	ret->name = v;
	ret->name_len = n;
	ret->channels = 0;
	if (n == 0 || v[n] != '/')
		return false;
	v += n + 1;
	c = strcspn(v, "/ ");
	if (!sig_sdp_decimal(v, c, UINT32_MAX, &ret->clock_rate) || ret->clock_rate == 0)
		return false;
	v += c;
	if (*v == '/') {
		c = strcspn(++v, " ");
		if (!sig_sdp_decimal(v, c, 255, &ret->channels) || ret->channels == 0)
			return false;
		v += c;
	}
	return *v == '\0';
}

static bool rtpmap_is(const struct rtpmap *map, const char *name, uint64_t clock_rate,
		      uint64_t channels)
{
	return map->name_len == strlen(name) &&
	       g_ascii_strncasecmp(map->name, name, map->name_len) == 0 &&
	       map->clock_rate == clock_rate && map->channels == channels;
}

/* Is key=want among the "k1=v1;k2=v2" parameters of an a=fmtp? */
static bool param_is(const char *fmtp, const char *key, const char *want, bool absent_ok)
{
	size_t kn = strlen(key);

	while (fmtp && *fmtp) {
		size_t n;

		while (*fmtp == ' ')
			fmtp++;
		n = strcspn(fmtp, ";");
		if (n > kn && fmtp[kn] == '=' && g_ascii_strncasecmp(fmtp, key, kn) == 0) {
			const char *v = fmtp + kn + 1;
			size_t vn = n - kn - 1;

			while (vn > 0 && v[vn - 1] == ' ')
				vn--;
			return vn == strlen(want) && g_ascii_strncasecmp(v, want, vn) == 0;
		}
		fmtp += n;
		if (*fmtp == ';')
			fmtp++;
	}
	return absent_ok;
}

int sig_sdp_codec_match(enum sig_sdp_kind kind, const char *rtpmap, const char *fmtp)
{
	struct rtpmap map;

	if (!parse_rtpmap(rtpmap, &map))
		return -EBADMSG;
	if (kind == SIG_SDP_AUDIO && rtpmap_is(&map, "opus", 48000, 2)) /* RFC 7587 §7 */
		return SIG_SDP_CODEC_OPUS;
	if (kind != SIG_SDP_VIDEO)
		return SIG_SDP_CODEC_NONE;
	if (rtpmap_is(&map, "VP8", 90000, 0))
		return SIG_SDP_CODEC_VP8;
	/* Constrained baseline (42e01f, or 42001f as Chromium writes it),
	 * non-interleaved (RFC 6184 §8.1). */
	if (rtpmap_is(&map, "H264", 90000, 0) && param_is(fmtp, "packetization-mode", "1", false) &&
	    (param_is(fmtp, "profile-level-id", "42e01f", false) ||
	     param_is(fmtp, "profile-level-id", "42001f", false)))
		return SIG_SDP_CODEC_H264;
	if (rtpmap_is(&map, "VP9", 90000, 0) && param_is(fmtp, "profile-id", "0", true))
		return SIG_SDP_CODEC_VP9; /* profile 0 (RFC 9628 §6) */
	return SIG_SDP_CODEC_NONE;
}

bool sig_sdp_is_red_for(const char *rtpmap, const char *fmtp, unsigned pt)
{
	struct rtpmap map;
	unsigned blocks = 0;

	if (!parse_rtpmap(rtpmap, &map) || !rtpmap_is(&map, "red", 48000, 2) || !fmtp)
		return false;
	/* "pt/pt[/pt...]": each a decimal payload type, all equal to pt. */
	for (const char *f = fmtp;;) {
		size_t n = strcspn(f, "/");
		uint64_t v;
		if (parse_uint64_n(f, n, 127, &v) < 0 || v != pt || ++blocks > 8)
			return false;
		if (f[n] == '\0')
			return true;
		f += n + 1;
	}
}

bool sig_sdp_is_rtx_for(const char *rtpmap, const char *fmtp, unsigned pt)
{
	struct rtpmap map;
	char apt[8];

	g_snprintf(apt, sizeof(apt), "%u", pt);
	return parse_rtpmap(rtpmap, &map) && rtpmap_is(&map, "rtx", 90000, 0) &&
	       param_is(fmtp, "apt", apt, false);
}
