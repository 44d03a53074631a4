/* Sealing: a closed spool segment becomes gzip NDJSON objects in the outbox, one per
 * partition (hour of ingestion, then partition_by values), named by key.h from the
 * segment's header, so sealing the same segment twice gives the same keys and bytes.
 *
 * The sealer thread seals segments in the order they were closed: for each it writes the
 * objects (<outbox>/<key>, fsynced), moves the segment's idempotency answers to the
 * journal, deletes the segment, and hands the objects to the uploader. */
#ifndef LG_LAKE_SEAL_H
#define LG_LAKE_SEAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lake/frame.h"
#include "util/buf.h"

typedef struct lg_sealed_object {
  char *key;         /* owned */
  int64_t size;      /* bytes of the gzip object */
  int64_t records;
} lg_sealed_object;

typedef struct lg_seal_result {
  lg_sealed_object *objects;   /* owned array */
  size_t nobjects;
  int64_t records;
  lg_buf answers;              /* the segment's idempotency answers, as record-less frames */
  lg_walk_info walk;           /* damaged bytes, torn tail */
  int bad_header;              /* 1: not a segment (nothing was acknowledged from it) */
} lg_seal_result;

/* Seals the segment at `path` into `outbox_dir` with gzip `level`. `dir_mu` (may be NULL)
 * is held while directories are created and files opened in the outbox, because the
 * uploader prunes empty directories there. Returns LG_OK (res filled; free it with
 * lg_seal_result_free) or LG_ERR with a message. The segment itself is left in place. */
int lg_seal_segment(const char *path, const char *outbox_dir, int level, pthread_mutex_t *dir_mu,
                    lg_seal_result *res, char *err, size_t errlen);
void lg_seal_result_free(lg_seal_result *res);

/* ===================== the sealer thread ===================== */

typedef struct lg_sealer lg_sealer;
struct lg_lake;

lg_sealer *lg_sealer_start(struct lg_lake *lake, char *err, size_t errlen);
/* Queues a closed segment (accounted as `size` spool bytes). */
void lg_sealer_enqueue(lg_sealer *s, uint64_t seq, const char *path, int64_t size);
/* 1 if a segment with seq <= `seq` is queued or being sealed. */
int lg_sealer_pending_upto(lg_sealer *s, uint64_t seq);
/* Seals everything queued, then stops the thread and frees the sealer. Accepts NULL. */
void lg_sealer_stop(lg_sealer *s);

#endif
