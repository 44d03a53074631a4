/* What the lake's own files share (not part of the public interface in lake.h):
 * the lake and table structs, and the calls between spool, sealer, uploader and lake. */
#ifndef LG_LAKE_INTERNAL_H
#define LG_LAKE_INTERNAL_H

#include "lake/admin.h"
#include "lake/frame.h"
#include "lake/idem.h"
#include "lake/lake.h"
#include "lake/seal.h"
#include "lake/upload.h"
#include "util/common.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* Frames appended by writers and not yet written; the sync thread writes a whole batch
 * with one write and one fdatasync (group commit). */
typedef struct lake_batch {
  lg_buf bytes;               /* framed records (appended under the table's mu) */
  int durable;                /* 1 if any frame in it asked for an fdatasync */
  int frames;                 /* frames appended */
  atomic_int refs;            /* the sync thread's + one per waiting writer; the last
                                 to drop it puts the batch back on the free list */
  atomic_int done;            /* 1 once written (and synced when durable); its writers
                                 wait on it with a futex, see spool.c */
  int failed;                 /* set before done: the write or sync failed, see err */
  char err[LG_ERRLEN];
  struct lake_batch *next;    /* free list link */
} lake_batch;

typedef struct lake_table {
  struct lake_table *next;
  char *name;                 /* "unicorns"; dead letters: "_rejected/unicorns" */
  lg_lake *lake;

  pthread_mutex_t mu;         /* guards everything below */
  pthread_cond_t work;        /* the sync thread waits here for frames, rotation, stop */
  pthread_cond_t done;        /* rotators wait here */
  /* settings (lg_lake_declare) */
  int declared;               /* 1 once lg_lake_declare named it */
  int nkeys;
  char *keys[LG_PARTITION_KEYS_MAX];
  lg_lake_durability durability;
  int64_t seal_bytes, seal_ms;
  struct lake_table *rejected;   /* its dead-letter table, or NULL */
  /* write path */
  lake_batch *open;           /* accepting frames (never NULL while running) */
  lake_batch *free_batches;
  int stopping;               /* refuse new frames */
  uint64_t rotate_req, rotate_done;   /* rotation requests and the last one handled */
  uint64_t last_closed_seq;   /* seq of the last segment closed (0: none) */
  int syncing;                /* 1 while one thread (the sync thread, or a writer that found
                                 it idle) writes to the segment: only it may touch the
                                 segment fields below */
  int close_due;              /* a writer's sync asks the sync thread to close the segment */
  int awaiting_writer;        /* the sync thread waits for a writer's sync to end */
  /* the open segment (see syncing) */
  int fd;                     /* -1 when no segment is open */
  uint64_t seq;
  char path[PATH_MAX];
  int64_t size;               /* bytes in the file */
  int64_t opened_ms;          /* monotonic, for seal_ms */
  int64_t last_sync_end_us;   /* monotonic, for the group-commit window */
  int rejoin;                 /* writers the last sync released: they may come back */
  int rejoin_base;            /* frames the open batch had when they were released */
  int gather_target;          /* while gathering: frames that end the wait (else 0) */
  int64_t open_since_us;      /* monotonic: when the open batch got its first frame */
  int64_t last_error_log_ms;  /* rate limit for spool error logs */
  pthread_t thread;
  int thread_started;
} lake_table;

struct lg_lake {
  char *spool;                /* spool directory */
  char *segments_dir;         /* <spool>/segments */
  char *outbox_dir;           /* <spool>/outbox */
  char host[64];
  lg_backend *backend;
  int lock_fd;                /* flock on <spool>/lock */
  int64_t seal_bytes, seal_ms, spool_max_bytes, group_commit_us;
  int gzip_level;

  pthread_mutex_t mu;         /* guards tables */
  lake_table *tables;         /* never shrinks while the lake is open */
  atomic_uint_fast64_t next_seq;

  atomic_llong spool_bytes;
  atomic_llong records, syncs, synced_frames, writes, written_frames, segments_sealed;
  pthread_mutex_t error_mu;
  char last_error[768];

  lg_sealer *sealer;
  lg_uploader *uploader;
  lg_idem *idem;
  lg_admin *admin;

  pthread_mutex_t outbox_mu;     /* held while making or pruning outbox directories */
  pthread_mutex_t progress_mu;   /* progress: flush waits on it */
  pthread_cond_t progress_cond;
  uint64_t progress;             /* bumped after each seal and upload */
  pthread_mutex_t flush_mu;      /* one flush at a time */
};

/* ----- lake.c ----- */
/* A new segment id: unique and increasing, also across restarts. */
uint64_t lake_next_seq(lg_lake *lake);
/* Records msg as the last error (for stats) and logs it (as an error, else a warning). */
void lake_note_error(lg_lake *lake, int is_error, const char *msg);
/* Wakes flush waiters after a seal or an upload. */
void lake_progress(lg_lake *lake);

/* ----- recover.c: queues what an earlier run left in the spool ----- */
int lake_recover(lg_lake *lake, char *err, size_t errlen);

/* ----- segment.c: the open segment file (called by the holder of t->syncing) ----- */
/* Writes a batch (creating the segment if none is open), fdatasyncs it when durable, and
 * accounts for it. Returns 1 if it failed: b->err says why, the segment holds none of it. */
int lake_segment_sync(lake_table *t, lake_batch *b, lg_lake_durability durability);
/* Syncs and closes the open segment (if any) and queues it for sealing. */
void lake_segment_close(lake_table *t);

/* ----- spool.c: one table's write path and its sync thread ----- */
lake_table *lake_table_new(lg_lake *lake, const char *name);
int lake_table_start(lake_table *t, char *err, size_t errlen);
int lake_table_append(lake_table *t, const lg_lake_record *recs, size_t n, const char *request_id,
                      const lg_lake_answer *answer, char *err, size_t errlen);
/* Closes the table's open segment (after writing what is pending) and hands it to the
 * sealer. Returns the closed segment's seq, or 0 if none was open. Blocks briefly. */
uint64_t lake_table_rotate(lake_table *t);
/* Refuses new frames, writes the pending ones, closes the segment, joins the thread. */
void lake_table_stop(lake_table *t);
void lake_table_free(lake_table *t);

#endif
