/* The Idempotency-Key index: key -> the first answer, kept for a window, surviving
 * restarts.
 *
 * An answer becomes durable in the same spool frame as the records it answers for (so a
 * crash keeps both or neither); recovery restores it from the segment. When a segment is
 * sealed, its answers move to the journal, <spool>/idempotency.log, a file of record-less
 * frames (frame.h) that lg_idem_open loads and compacts. Reservations (a request in
 * progress) live in memory only. Thread-safe. */
#ifndef LG_LAKE_IDEM_H
#define LG_LAKE_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "lake/frame.h"
#include "util/buf.h"

typedef struct lg_idem lg_idem;

/* Opens the index and loads the journal at journal_path (created if missing), dropping
 * expired answers. max_bytes bounds the memory answers may take (oldest evicted first).
 * Returns NULL with a message in err. */
lg_idem *lg_idem_open(const char *journal_path, int64_t window_us, int64_t max_bytes,
                      char *err, size_t errlen);
void lg_idem_close(lg_idem *ix);

/* See lg_lake_idem_begin in lake.h; returns an lg_idem_state. */
int lg_idem_begin(lg_idem *ix, const char *key, size_t len, uint64_t fingerprint, int64_t now_us,
                  lg_buf *answer);
void lg_idem_abort(lg_idem *ix, const char *key, size_t len);

/* Stores a durable answer (written at ingested_us) in memory, replacing a reservation. */
void lg_idem_commit(lg_idem *ix, const lg_frame_idem *a, int64_t ingested_us);

/* Appends the answers of a sealed segment (record-less frames in buf) to the journal and
 * syncs it; compacts the journal when it has grown well past the live answers. */
int lg_idem_journal_append(lg_idem *ix, const void *frames, size_t len, char *err, size_t errlen);

/* Number of answers held (for tests). */
size_t lg_idem_count(lg_idem *ix);

#endif
