/* One table's spool write path: writers append frames to the table's open batch and
 * wait; the table's sync thread writes each batch to the open segment with one write(2)
 * and one fdatasync (segment.c), then wakes the batch's writers (group commit). While a
 * sync runs, new frames gather in the next batch, so a crowd shares one fdatasync. A
 * writer that finds no sync running does its own (no hand-off to the sync thread and
 * back), so a lone writer pays one fdatasync and nothing more. The sync thread also
 * closes segments at seal_bytes, seal_ms, on request (flush) and on stop.
 * Layer: POSIX, lake internals. */
#define LOG_TAG "lake"
#include "lake/internal.h"
#include "lake/key.h"
#include "lake/wait.h"
#include "util/clock.h"
#include "util/log.h"

#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BATCH_KEEP_MAX (4u * 1024 * 1024)   /* larger batch buffers are freed after use */
#define WINDOW_BATCH_MAX (1u << 20)         /* stop gathering once a batch is this big */

/* ===================== tables ===================== */

static lake_batch *new_batch(void) {
  lake_batch *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  atomic_init(&b->refs, 1);   /* the sync thread's */
  atomic_init(&b->done, 0);
  return b;
}

static void free_batch(lake_batch *b) {
  if (b == NULL) return;
  lg_buf_free(&b->bytes);
  free(b);
}

lake_table *lake_table_new(lg_lake *lake, const char *name) {
  lake_table *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  if ((t->name = strdup(name)) == NULL || (t->open = new_batch()) == NULL) {
    free(t->name);
    free(t);
    return NULL;
  }
  t->lake = lake;
  t->fd = -1;
  t->durability = LG_LAKE_DURABLE;
  pthread_mutex_init(&t->mu, NULL);
  lake_cond_init(&t->work);
  lake_cond_init(&t->done);
  return t;
}

void lake_table_free(lake_table *t) {
  if (t == NULL) return;
  free_batch(t->open);
  while (t->free_batches) {
    lake_batch *b = t->free_batches;
    t->free_batches = b->next;
    free_batch(b);
  }
  for (int i = 0; i < t->nkeys; i++) free(t->keys[i]);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->work);
  pthread_cond_destroy(&t->done);
  free(t->name);
  free(t);
}

/* Drops one reference to a batch taken by the sync thread; the last one puts it back on
 * the free list. Called without t->mu. */
static void release(lake_table *t, lake_batch *b) {
  if (atomic_fetch_sub(&b->refs, 1) != 1) return;
  if (b->bytes.cap > BATCH_KEEP_MAX) lg_buf_free(&b->bytes);
  lg_buf_reset(&b->bytes);
  b->durable = b->failed = b->frames = 0;
  atomic_store(&b->done, 0);
  b->err[0] = '\0';
  atomic_store(&b->refs, 1);
  pthread_mutex_lock(&t->mu);
  b->next = t->free_batches;
  t->free_batches = b;
  pthread_mutex_unlock(&t->mu);
}

/* A fresh batch for t->open. Called with t->mu held; NULL when out of memory. */
static lake_batch *take_free_batch(lake_table *t) {
  lake_batch *b = t->free_batches;
  if (b) {
    t->free_batches = b->next;
    b->next = NULL;
    return b;
  }
  return new_batch();
}

/* A batch's writers sleep on its `done` word with a futex rather than a condition
 * variable: one sync wakes dozens of writers, and with a condition variable each of them
 * would then queue for the same mutex before it could return. */
static void wait_done(lake_batch *b) {
  while (atomic_load_explicit(&b->done, memory_order_acquire) == 0)
    syscall(SYS_futex, &b->done, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void set_done(lake_batch *b) {
  atomic_store_explicit(&b->done, 1, memory_order_release);
  syscall(SYS_futex, &b->done, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* ===================== appending ===================== */

/* Appends s as a JSON string. Request ids are short printable ASCII; escape anyway. */
static int append_json_string(lg_buf *b, const char *s) {
  if (lg_buf_appendc(b, '"') != LG_OK) return LG_ERR;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    int rc = (c == '"' || c == '\\') ? lg_buf_appendf(b, "\\%c", c)
             : c < 0x20              ? lg_buf_appendf(b, "\\u%04x", c)
                                     : lg_buf_appendc(b, (char)c);
    if (rc != LG_OK) return LG_ERR;
  }
  return lg_buf_appendc(b, '"');
}

/* The end every line of this write shares: "_ingested_at":"...","_request_id":...}\n */
static int line_suffix(lg_buf *b, int64_t now_us, const char *request_id) {
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(now_us, ts);
  if (lg_buf_appends(b, "\"_ingested_at\":\"") != LG_OK || lg_buf_appends(b, ts) != LG_OK ||
      lg_buf_appends(b, "\",\"_request_id\":") != LG_OK)
    return LG_ERR;
  int rc = request_id ? append_json_string(b, request_id) : lg_buf_appends(b, "null");
  return rc == LG_OK ? lg_buf_appends(b, "}\n") : LG_ERR;
}

/* Length of the object's text before its closing brace, and whether it has members.
 * Returns 0 if json is not "{...}". */
static size_t object_body(const char *json, size_t len, int *empty) {
  size_t end = len;
  while (end > 0 && (json[end - 1] == ' ' || json[end - 1] == '\n' || json[end - 1] == '\t' ||
                     json[end - 1] == '\r'))
    end--;
  if (end < 2 || json[0] != '{' || json[end - 1] != '}') return 0;
  *empty = 1;
  for (size_t i = 1; i + 1 < end; i++) {
    char c = json[i];
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      *empty = 0;
      break;
    }
  }
  return end - 1;
}

/* Checks the records against the table before anything is appended. */
static int check_records(lake_table *t, const lg_lake_record *recs, size_t n, char *err,
                         size_t errlen) {
  for (size_t i = 0; i < n; i++) {
    int empty;
    if (object_body(recs[i].json, recs[i].len, &empty) == 0) {
      snprintf(err, errlen, "lake: table %s: record %zu is not a JSON object", t->name, i);
      return LG_LAKE_INVALID;
    }
    for (int k = 0; k < t->nkeys; k++) {
      if (recs[i].values == NULL) {
        snprintf(err, errlen, "lake: table %s: record %zu has no partition values (partition_by %s)",
                 t->name, i, t->keys[0]);
        return LG_LAKE_INVALID;
      }
      const char *v = recs[i].values[k];
      if (v && !lg_key_value_fits(v, recs[i].value_lens[k])) {
        snprintf(err, errlen, "lake: table %s: partition value of '%s' is longer than %d bytes "
                 "once escaped for an object key", t->name, t->keys[k], LG_PARTITION_VALUE_MAX);
        return LG_LAKE_INVALID;
      }
    }
  }
  return LG_OK;
}

/* Appends one frame with all records to b. Called with t->mu held. */
static int build_frame(lake_table *t, lg_buf *b, const lg_lake_record *recs, size_t n,
                       int64_t now_us, const lg_buf *suffix, const lg_lake_answer *answer) {
  lg_frame_idem idem = {NULL, 0, 0, NULL, 0};
  if (answer) {
    idem = (lg_frame_idem){answer->key, answer->key_len, answer->fingerprint, answer->answer,
                           answer->answer_len};
  }
  lg_frame_builder fb;
  if (lg_frame_begin(b, &fb, now_us, &idem) != LG_OK) return LG_ERR;
  for (size_t i = 0; i < n; i++) {
    int empty = 0;
    size_t body = object_body(recs[i].json, recs[i].len, &empty);
    if (lg_frame_record_begin(b, &fb, t->nkeys, recs[i].values, recs[i].value_lens) != LG_OK ||
        lg_buf_append(b, recs[i].json, body) != LG_OK ||
        (!empty && lg_buf_appendc(b, ',') != LG_OK) ||
        lg_buf_append(b, suffix->data, suffix->len) != LG_OK)
      return LG_ERR;
    lg_frame_record_end(b, &fb);
  }
  lg_frame_end(b, &fb);
  return LG_OK;
}

/* With t->mu held and b (holding the caller's frame) open: if no sync is running and the
 * segment is open, takes b and syncs it on the caller's thread. Returns 1 with t->mu
 * released and b done (the caller holds one reference to it), or 0 with nothing changed. */
static int lead_sync(lake_table *t, lake_batch *b) {
  if (t->syncing || t->fd < 0 || t->rotate_req != t->rotate_done || t->close_due || t->stopping ||
      t->gather_target)   /* the sync thread is gathering writers: join its batch */
    return 0;
  lake_batch *fresh = take_free_batch(t);
  if (fresh == NULL) return 0;
  t->open = fresh;
  t->syncing = 1;
  b->durable = 1;
  atomic_fetch_add(&b->refs, 1);   /* the caller's, as a writer; it also holds the taker's */
  lg_lake_durability durability = t->durability;
  pthread_mutex_unlock(&t->mu);
  int failed = lake_segment_sync(t, b, durability);
  pthread_mutex_lock(&t->mu);
  t->syncing = 0;
  t->last_sync_end_us = lake_monotonic_us();
  t->rejoin = 0;
  if (failed || t->size >= t->seal_bytes) t->close_due = 1;
  if (t->open->bytes.len > 0 || t->close_due || t->awaiting_writer) pthread_cond_signal(&t->work);
  pthread_mutex_unlock(&t->mu);
  b->failed = failed;
  set_done(b);
  release(t, b);   /* the taker's reference */
  return 1;
}

int lake_table_append(lake_table *t, const lg_lake_record *recs, size_t n, const char *request_id,
                      const lg_lake_answer *answer, char *err, size_t errlen) {
  lg_lake *lake = t->lake;
  int64_t now_us = lg_clock_realtime_us();
  lg_buf suffix = LG_BUF_INIT;
  if (line_suffix(&suffix, now_us, request_id) != LG_OK) {
    lg_buf_free(&suffix);
    snprintf(err, errlen, "lake: out of memory");
    return LG_ERR;
  }
  size_t estimate = LG_FRAME_HEAD + 32 + (answer ? answer->key_len + answer->answer_len : 0);
  for (size_t i = 0; i < n; i++) estimate += recs[i].len + suffix.len + 16;

  int rc = LG_OK;
  pthread_mutex_lock(&t->mu);
  if (t->stopping) {
    snprintf(err, errlen, "lake: table %s: the lake is closing", t->name);
    rc = LG_ERR;
    goto out;
  }
  if ((rc = check_records(t, recs, n, err, errlen)) != LG_OK) goto out;
  if (atomic_load(&lake->spool_bytes) + (long long)estimate > lake->spool_max_bytes) {
    snprintf(err, errlen, "lake: spool %s is full (%lld of %lld bytes): uploads are behind",
             lake->spool, (long long)atomic_load(&lake->spool_bytes), (long long)lake->spool_max_bytes);
    rc = LG_LAKE_FULL;
    goto out;
  }
  lake_batch *b = t->open;
  size_t before = b->bytes.len;
  if (build_frame(t, &b->bytes, recs, n, now_us, &suffix, answer) != LG_OK) {
    b->bytes.len = before;   /* drop the partial frame */
    if (b->bytes.data) b->bytes.data[before] = '\0';
    snprintf(err, errlen, "lake: table %s: out of memory", t->name);
    rc = LG_ERR;
    goto out;
  }
  if (before == 0) t->open_since_us = lake_monotonic_us();
  atomic_fetch_add(&lake->spool_bytes, (long long)(b->bytes.len - before));
  atomic_fetch_add(&lake->records, (long long)n);
  int durable = t->durability == LG_LAKE_DURABLE;
  b->frames++;
  if (durable && lead_sync(t, b)) goto done;   /* returns with t->mu released */
  if (before == 0 || b->frames == t->gather_target) pthread_cond_signal(&t->work);
  if (!durable) goto out;
  b->durable = 1;
  atomic_fetch_add(&b->refs, 1);
  pthread_mutex_unlock(&t->mu);
done:
  lg_buf_free(&suffix);
  wait_done(b);
  if (b->failed) {
    snprintf(err, errlen, "%s", b->err);
    rc = LG_ERR;
  }
  release(t, b);
  return rc;
out:
  pthread_mutex_unlock(&t->mu);
  lg_buf_free(&suffix);
  return rc;
}

/* ===================== the sync thread ===================== */

/* Waits (t->mu held) until there is something to do. */
static void wait_for_work(lake_table *t) {
  for (;;) {
    if (t->open->bytes.len > 0 || t->rotate_req != t->rotate_done || t->stopping || t->close_due) return;
    if (t->fd < 0) {
      pthread_cond_wait(&t->work, &t->mu);
      continue;
    }
    int64_t due_ms = t->opened_ms + t->seal_ms;
    if (lg_clock_monotonic_ms() >= due_ms) return;
    lake_cond_wait_until(&t->work, &t->mu, due_ms * 1000);
  }
}

/* Waits (t->mu held) until `until`, or sooner when the lake needs the sync thread or the
 * open batch is full enough: frames_target frames (0: no such target) or WINDOW_BATCH_MAX
 * bytes. */
static void wait_for_company(lake_table *t, int64_t until, int frames_target) {
  while (!t->stopping && t->rotate_req == t->rotate_done && !t->close_due &&
         (frames_target == 0 || t->open->frames < frames_target) &&
         t->open->bytes.len < WINDOW_BATCH_MAX && lake_monotonic_us() < until)
    lake_cond_wait_until(&t->work, &t->mu, until);
}

/* Before a batch is taken, lets more writers join it.
 * A memory table's writers do not wait for the write, so nothing is gained by writing each
 * frame at once: one write(2) per LG_LAKE_MEMORY_WINDOW_US carries all frames of that time
 * instead of a wake-up and a write per handful of frames.
 * A durable table's writers that the last sync released usually come back with their next
 * record at once: wait (at most group_commit_us) until they have joined the open batch, so
 * they share its sync instead of forming a second, smaller group. A lone writer has nobody
 * to wait for and is synced at once. */
static void gather(lake_table *t) {
  if (!t->open->durable) {
    wait_for_company(t, t->open_since_us + LG_LAKE_MEMORY_WINDOW_US, 0);
    return;
  }
  int64_t window = t->lake->group_commit_us;
  if (window <= 0 || t->rejoin <= 1) return;
  t->gather_target = t->rejoin_base + t->rejoin;
  wait_for_company(t, t->last_sync_end_us + window, t->gather_target);
  t->gather_target = 0;
}

static void *sync_thread(void *arg) {
  lake_table *t = arg;
  pthread_mutex_lock(&t->mu);
  for (;;) {
    wait_for_work(t);
    gather(t);
    while (t->syncing) {   /* a writer is syncing: it signals when done */
      t->awaiting_writer = 1;
      pthread_cond_wait(&t->work, &t->mu);
    }
    t->awaiting_writer = 0;
    lake_batch *b = NULL;
    if (t->open->bytes.len > 0) {
      lake_batch *fresh = take_free_batch(t);
      if (fresh) {
        b = t->open;
        t->open = fresh;
      }   /* else: out of memory; write what we have next round */
    }
    uint64_t rotate_target = t->rotate_req;
    int stopping = t->stopping, close_due = t->close_due;
    t->syncing = 1;
    lg_lake_durability durability = t->durability;
    int64_t seal_bytes = t->seal_bytes, seal_ms = t->seal_ms;
    pthread_mutex_unlock(&t->mu);

    int failed = b ? lake_segment_sync(t, b, durability) : 0;
    int close_it = t->fd >= 0 &&
                   (failed || stopping || close_due || rotate_target != t->rotate_done ||
                    t->size >= seal_bytes || lg_clock_monotonic_ms() - t->opened_ms >= seal_ms);
    uint64_t closed = close_it ? t->seq : 0;
    if (close_it) lake_segment_close(t);

    if (b) {
      /* Note who will come back (the batch's waiting writers) before waking them. */
      pthread_mutex_lock(&t->mu);
      t->rejoin = atomic_load(&b->refs) - 1;
      t->rejoin_base = t->open->frames;
      pthread_mutex_unlock(&t->mu);
      b->failed = failed;
      set_done(b);
      release(t, b);
    }
    pthread_mutex_lock(&t->mu);
    t->syncing = 0;
    if (close_due) t->close_due = 0;
    t->last_sync_end_us = lake_monotonic_us();
    if (closed) t->last_closed_seq = closed;
    t->rotate_done = rotate_target;
    pthread_cond_broadcast(&t->done);
    if (stopping && t->open->bytes.len == 0 && t->fd < 0) break;
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

int lake_table_start(lake_table *t, char *err, size_t errlen) {
  int rc = pthread_create(&t->thread, NULL, sync_thread, t);
  if (rc != 0) {
    snprintf(err, errlen, "lake: table %s: cannot start its sync thread: %s", t->name, strerror(rc));
    return LG_ERR;
  }
  t->thread_started = 1;
  return LG_OK;
}

uint64_t lake_table_rotate(lake_table *t) {
  pthread_mutex_lock(&t->mu);
  uint64_t mine = ++t->rotate_req;
  pthread_cond_signal(&t->work);
  while (t->rotate_done < mine && t->thread_started && !(t->stopping && t->fd < 0))
    pthread_cond_wait(&t->done, &t->mu);
  uint64_t closed = t->last_closed_seq;
  pthread_mutex_unlock(&t->mu);
  return closed;
}

void lake_table_stop(lake_table *t) {
  pthread_mutex_lock(&t->mu);
  t->stopping = 1;
  pthread_cond_signal(&t->work);
  pthread_mutex_unlock(&t->mu);
  if (t->thread_started) pthread_join(t->thread, NULL);
  t->thread_started = 0;
}
