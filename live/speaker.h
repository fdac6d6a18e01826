/* The active speaker of one session: who is talking, decided from the
 * relay's audio activity reports (RELAY_EVT_AUDIO_LEVEL, a few a second
 * per publisher that was heard), with smoothing and hysteresis so that
 * the speaker the clients show does not flap:
 * - each participant's figure is smoothed (an average over ~1 s); a
 *   participant not heard for SIG_SPEAKER_STALE_US (DTX sends nothing
 *   during silence, or the stream stopped) counts as silent;
 * - nobody is the speaker until someone is above SIG_SPEAKER_ACTIVE;
 * - a speaker holds for SIG_SPEAKER_HOLD_US at least, and another takes
 *   over only after being clearly louder for SIG_SPEAKER_TAKEOVER_US;
 * - silence everywhere keeps the last speaker;
 * - a participant who leaves or is muted is forgotten (and stops being
 *   the speaker at once).
 * It also says when the change is to be announced: at most once per
 * SIG_SPEAKER_ANNOUNCE_US.
 *
 * Pure: fixed memory (SIG_SPEAKER_CANDIDATES participants heard recently;
 * a new one replaces the one heard least recently), no allocation, no
 * clock of its own (the caller passes the time, microseconds of a
 * monotonic clock), no logging. Participants are named by their
 * participant ids ("p-" + 16 hex digits). */
#ifndef HEARTH_LIVE_SPEAKER_H
#define HEARTH_LIVE_SPEAKER_H

#include <stdbool.h>
#include <stdint.h>

#define SIG_SPEAKER_ID_MAX     20 /* a participant id with its NUL */
#define SIG_SPEAKER_CANDIDATES 32 /* participants remembered at once */
/* Not heard for this long: silent (reports come every ~300 ms). */
#define SIG_SPEAKER_STALE_US (800 * 1000LL)
/* The smoothed figure (hundredths of a dB above the relay's floor,
 * averaged over frames) from which someone counts as speaking: 1 dB. */
#define SIG_SPEAKER_ACTIVE 100
/* A speaker keeps the floor at least this long. */
#define SIG_SPEAKER_HOLD_US (1500 * 1000LL)
/* Another must be clearly louder (half as loud again, and by 0.5 dB)
 * for this long to take over. */
#define SIG_SPEAKER_TAKEOVER_US (600 * 1000LL)
#define SIG_SPEAKER_MARGIN	50
/* Announcements at most this often. */
#define SIG_SPEAKER_ANNOUNCE_US (500 * 1000LL)

struct sig_speaker_candidate {
	char id[SIG_SPEAKER_ID_MAX];
	int32_t score;	  /* smoothed activity */
	int64_t heard_us; /* the last report */
};

/* Zeroed (or sig_speaker_init): nobody heard, no speaker. */
struct sig_speaker {
	struct sig_speaker_candidate candidates[SIG_SPEAKER_CANDIDATES];
	unsigned count;
	char current[SIG_SPEAKER_ID_MAX]; /* "": none */
	int64_t since_us;		  /* when current took the floor */
	char challenger[SIG_SPEAKER_ID_MAX];
	int64_t challenge_us; /* since when the challenger is clearly louder */
	char announced[SIG_SPEAKER_ID_MAX];
	int64_t announced_us; /* 0: never */
};

void sig_speaker_init(struct sig_speaker *sp);

/* A report: participant id was heard at this activity (the relay's
 * figure, 0..RELAY_AUDIO_ACTIVITY_MAX). An id too long is ignored. */
void sig_speaker_heard(struct sig_speaker *sp, const char *id, unsigned activity, int64_t now_us);

/* Decides who speaks now. Returns true when that changed. */
bool sig_speaker_decide(struct sig_speaker *sp, int64_t now_us);

/* id left or was muted: forgotten; when it was the speaker, nobody is
 * (until the next decision finds someone speaking). Returns true when the
 * speaker changed. */
bool sig_speaker_forget(struct sig_speaker *sp, const char *id);

/* The speaker's participant id, or NULL: borrowed, valid until the next
 * call on sp. */
const char *sig_speaker_current(const struct sig_speaker *sp);

/* Whether to announce now: the speaker differs from the one last
 * announced, and the last announcement is SIG_SPEAKER_ANNOUNCE_US old.
 * Then *ret_id is the speaker (NULL: none; borrowed as for
 * sig_speaker_current) and it counts as announced. */
bool sig_speaker_announce_due(struct sig_speaker *sp, int64_t now_us, const char **ret_id);

#endif
