/* The uploader: puts sealed objects from the outbox into the backend, deletes each from
 * the outbox once the backend confirms it, and retries failures with exponential backoff
 * and jitter (never dropping an object). It also runs the backend's check from the start
 * until the check or an upload passes. Its threads are the only callers of the backend's
 * put and check (see backend.h). */
#ifndef LG_LAKE_UPLOAD_H
#define LG_LAKE_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_uploader lg_uploader;
struct lg_lake;

#define LG_UPLOAD_THREADS 2
#define LG_UPLOAD_BACKOFF_MIN_MS 200
#define LG_UPLOAD_BACKOFF_MAX_MS 30000

lg_uploader *lg_uploader_start(struct lg_lake *lake, char *err, size_t errlen);
/* Queues the outbox object `key` (size bytes, sealed from segment `seq`). */
void lg_uploader_enqueue(lg_uploader *u, const char *key, int64_t size, uint64_t seq);
/* 1 if an object sealed from a segment with seq <= `seq` is not yet uploaded. */
int lg_uploader_pending_upto(lg_uploader *u, uint64_t seq);
/* Objects queued or being uploaded. */
int64_t lg_uploader_pending(lg_uploader *u);
int64_t lg_uploader_failures(lg_uploader *u);
int64_t lg_uploader_uploaded(lg_uploader *u);
/* Seconds until the next retry of a failing upload (1 if none is failing). */
int lg_uploader_retry_after_s(lg_uploader *u);
/* The most attempts any pending object, or the backend's check, has had (0 when every
 * upload and check went through); *needs_operator (may be NULL) is set to 1 if such a last
 * failure was not retryable (403, no such bucket...). */
int lg_uploader_max_attempts(lg_uploader *u, int *needs_operator);
/* Retries every object that waits out a backoff now (`lakegate flush`). */
void lg_uploader_retry_now(lg_uploader *u);
/* The delay before retry number `attempt` (1, 2, ...): exponential, capped, with "equal
 * jitter" (half fixed, half random), so a fleet does not retry in lockstep. */
int64_t lg_upload_backoff_ms(int attempt, uint64_t random);
/* Uploads what it can until deadline_ms (monotonic), then stops the threads and frees the
 * uploader; objects left behind stay in the outbox for the next start. Accepts NULL. */
void lg_uploader_stop(lg_uploader *u, int64_t deadline_ms);

#endif
