/* The Idempotency-Key index (see idem.h): a chained hash table of entries, plus a list
 * of answered entries from oldest to newest for expiry and eviction.
 * Layer: POSIX, frame.h, fs.h. */
#define LOG_TAG "lake"
#include "lake/idem.h"
#include "lake/fs.h"
#include "lake/lake.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENTRY_OVERHEAD 96            /* bookkeeping bytes counted per entry */
#define COMPACT_MIN_BYTES (16 << 20) /* never compact a journal smaller than this */

typedef enum { RESERVED, DONE } entry_state;

typedef struct entry {
  struct entry *hnext;          /* hash chain */
  struct entry *older, *newer;  /* age list (DONE entries only) */
  entry_state state;
  uint64_t fingerprint;
  int64_t ingested_us;          /* when the answer was written (DONE) */
  char *answer;                 /* owned; NULL while RESERVED */
  size_t answer_len;
  size_t key_len;
  char key[];                   /* key_len bytes */
} entry;

struct lg_idem {
  pthread_mutex_t mu;           /* guards the table and the list */
  entry **buckets;
  size_t nbuckets, count;
  entry *oldest, *newest;
  int64_t window_us, max_bytes, bytes;
  int64_t last_evict_log_ms;
  pthread_mutex_t journal_mu;   /* guards the journal file */
  char *journal_path;
  int journal_fd;
  int64_t journal_bytes;
};

static uint64_t hash(const char *key, size_t len) {
  uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
  return h;
}

static entry **slot(lg_idem *ix, const char *key, size_t len) {
  entry **p = &ix->buckets[hash(key, len) & (ix->nbuckets - 1)];
  while (*p && !((*p)->key_len == len && memcmp((*p)->key, key, len) == 0)) p = &(*p)->hnext;
  return p;
}

static void grow(lg_idem *ix) {
  size_t n = ix->nbuckets * 2;
  entry **b = calloc(n, sizeof *b);
  if (b == NULL) return;   /* keep the longer chains */
  for (size_t i = 0; i < ix->nbuckets; i++) {
    entry *e = ix->buckets[i];
    while (e) {
      entry *next = e->hnext;
      size_t h = hash(e->key, e->key_len) & (n - 1);
      e->hnext = b[h];
      b[h] = e;
      e = next;
    }
  }
  free(ix->buckets);
  ix->buckets = b;
  ix->nbuckets = n;
}

static void unlink_age(lg_idem *ix, entry *e) {
  if (e->state != DONE) return;
  if (e->older) e->older->newer = e->newer;
  else ix->oldest = e->newer;
  if (e->newer) e->newer->older = e->older;
  else ix->newest = e->older;
  e->older = e->newer = NULL;
}

static void append_age(lg_idem *ix, entry *e) {
  e->older = ix->newest;
  e->newer = NULL;
  if (ix->newest) ix->newest->newer = e;
  else ix->oldest = e;
  ix->newest = e;
}

/* Removes the entry at *p from the table and frees it. */
static void remove_at(lg_idem *ix, entry **p) {
  entry *e = *p;
  if (e == NULL) return;
  *p = e->hnext;
  unlink_age(ix, e);
  ix->bytes -= (int64_t)(e->key_len + e->answer_len + ENTRY_OVERHEAD);
  ix->count--;
  free(e->answer);
  free(e);
}

/* Drops expired answers, then the oldest ones while over max_bytes. */
static void expire(lg_idem *ix, int64_t now_us) {
  long evicted = 0;
  while (ix->oldest) {
    entry *e = ix->oldest;
    int expired = e->ingested_us + ix->window_us <= now_us;
    if (!expired && ix->bytes <= ix->max_bytes) break;
    if (!expired) evicted++;
    remove_at(ix, slot(ix, e->key, e->key_len));
  }
  int64_t now_ms = lg_clock_monotonic_ms();
  if (evicted && now_ms - ix->last_evict_log_ms > 60000) {
    ix->last_evict_log_ms = now_ms;
    lg_warn("idempotency index over %lld bytes: dropped %ld answers before their window ended",
            (long long)ix->max_bytes, evicted);
  }
}

static entry *new_entry(const char *key, size_t len) {
  entry *e = calloc(1, sizeof *e + len);
  if (e == NULL) return NULL;
  memcpy(e->key, key, len);
  e->key_len = len;
  return e;
}

/* ===================== requests ===================== */

int lg_idem_begin(lg_idem *ix, const char *key, size_t len, uint64_t fingerprint, int64_t now_us,
                  lg_buf *answer) {
  int state = LG_IDEM_NEW;
  pthread_mutex_lock(&ix->mu);
  expire(ix, now_us);
  entry **p = slot(ix, key, len);
  entry *e = *p;
  if (e == NULL) {
    if ((e = new_entry(key, len)) != NULL) {   /* out of memory: proceed unprotected */
      e->state = RESERVED;
      e->fingerprint = fingerprint;
      *p = e;
      ix->count++;
      ix->bytes += (int64_t)(len + ENTRY_OVERHEAD);
      if (ix->count > ix->nbuckets) grow(ix);
    }
  } else if (e->state == RESERVED) {
    state = LG_IDEM_BUSY;
  } else if (e->fingerprint != fingerprint) {
    state = LG_IDEM_MISMATCH;
  } else {
    lg_buf_reset(answer);
    state = lg_buf_append(answer, e->answer, e->answer_len) == LG_OK ? LG_IDEM_REPLAY : LG_IDEM_BUSY;
  }
  pthread_mutex_unlock(&ix->mu);
  return state;
}

void lg_idem_abort(lg_idem *ix, const char *key, size_t len) {
  pthread_mutex_lock(&ix->mu);
  entry **p = slot(ix, key, len);
  if (*p && (*p)->state == RESERVED) remove_at(ix, p);
  pthread_mutex_unlock(&ix->mu);
}

void lg_idem_commit(lg_idem *ix, const lg_frame_idem *a, int64_t ingested_us) {
  char *copy = malloc(a->answer_len ? a->answer_len : 1);
  if (copy == NULL) return;   /* the answer stays durable in the spool; only replay is lost */
  memcpy(copy, a->answer, a->answer_len);
  pthread_mutex_lock(&ix->mu);
  entry **p = slot(ix, a->key, a->key_len);
  entry *e = *p;
  if (e == NULL) {
    if ((e = new_entry(a->key, a->key_len)) == NULL) {
      pthread_mutex_unlock(&ix->mu);
      free(copy);
      return;
    }
    *p = e;
    ix->count++;
    ix->bytes += (int64_t)(a->key_len + ENTRY_OVERHEAD);
    if (ix->count > ix->nbuckets) grow(ix);
  } else {
    unlink_age(ix, e);
    ix->bytes -= (int64_t)e->answer_len;
    free(e->answer);
  }
  e->state = DONE;
  e->fingerprint = a->fingerprint;
  e->ingested_us = ingested_us;
  e->answer = copy;
  e->answer_len = a->answer_len;
  ix->bytes += (int64_t)a->answer_len;
  append_age(ix, e);
  expire(ix, lg_clock_realtime_us());
  pthread_mutex_unlock(&ix->mu);
}

size_t lg_idem_count(lg_idem *ix) {
  pthread_mutex_lock(&ix->mu);
  size_t n = ix->count;
  pthread_mutex_unlock(&ix->mu);
  return n;
}

/* ===================== journal ===================== */

/* Encodes every answer as a record-less frame into b, oldest first. Called with mu held. */
static int encode_live(lg_idem *ix, lg_buf *b) {
  for (entry *e = ix->oldest; e; e = e->newer) {
    lg_frame_idem a = {e->key, e->key_len, e->fingerprint, e->answer, e->answer_len};
    lg_frame_builder fb;
    if (lg_frame_begin(b, &fb, e->ingested_us, &a) != LG_OK) return LG_ERR;
    lg_frame_end(b, &fb);
  }
  return LG_OK;
}

/* Rewrites the journal with the live answers only. Called with journal_mu held. */
static int compact(lg_idem *ix, char *err, size_t errlen) {
  lg_buf b = LG_BUF_INIT;
  pthread_mutex_lock(&ix->mu);
  int rc = encode_live(ix, &b);
  pthread_mutex_unlock(&ix->mu);
  if (rc != LG_OK) {
    lg_buf_free(&b);
    snprintf(err, errlen, "lake: idempotency journal: out of memory");
    return LG_ERR;
  }
  if (lg_fs_replace_file(ix->journal_path, b.data ? b.data : "", b.len) != LG_OK) {
    snprintf(err, errlen, "lake: rewrite %s: %s", ix->journal_path, strerror(errno));
    lg_buf_free(&b);
    return LG_ERR;
  }
  int fd = open(ix->journal_path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "lake: open %s: %s", ix->journal_path, strerror(errno));
    lg_buf_free(&b);
    return LG_ERR;
  }
  if (ix->journal_fd >= 0) close(ix->journal_fd);
  ix->journal_fd = fd;
  ix->journal_bytes = (int64_t)b.len;
  lg_buf_free(&b);
  return LG_OK;
}

int lg_idem_journal_append(lg_idem *ix, const void *frames, size_t len, char *err, size_t errlen) {
  if (len == 0) return LG_OK;
  pthread_mutex_lock(&ix->journal_mu);
  int rc = LG_OK;
  if (lg_fs_write_all(ix->journal_fd, frames, len) != LG_OK || fdatasync(ix->journal_fd) != 0) {
    snprintf(err, errlen, "lake: append to %s: %s", ix->journal_path, strerror(errno));
    rc = LG_ERR;
  } else {
    ix->journal_bytes += (int64_t)len;
    pthread_mutex_lock(&ix->mu);
    int64_t live = ix->bytes;
    pthread_mutex_unlock(&ix->mu);
    if (ix->journal_bytes > COMPACT_MIN_BYTES && ix->journal_bytes > 4 * live)
      rc = compact(ix, err, errlen);
  }
  pthread_mutex_unlock(&ix->journal_mu);
  return rc;
}

static int restore_frame(void *ctx, const lg_frame *f) {
  if (f->idem.key_len > 0) lg_idem_commit(ctx, &f->idem, f->ingested_us);
  return LG_OK;
}

/* Loads the journal into the index and rewrites it without dead weight. */
static int load_journal(lg_idem *ix, char *err, size_t errlen) {
  int fd = open(ix->journal_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    snprintf(err, errlen, "lake: open %s: %s", ix->journal_path, strerror(errno));
    return LG_ERR;
  }
  lg_buf b = LG_BUF_INIT;
  if (fd >= 0) {
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
      if (lg_buf_append(&b, chunk, (size_t)n) != LG_OK) {
        n = -1;
        errno = ENOMEM;
        break;
      }
    }
    int e = errno;
    close(fd);
    if (n < 0) {
      snprintf(err, errlen, "lake: read %s: %s", ix->journal_path, strerror(e));
      lg_buf_free(&b);
      return LG_ERR;
    }
  }
  lg_walk_info info;
  lg_frames_walk((const uint8_t *)b.data, b.len, 0, restore_frame, ix, &info);
  if (info.bad_bytes) lg_warn("%s: skipped %zu damaged bytes", ix->journal_path, info.bad_bytes);
  lg_buf_free(&b);
  pthread_mutex_lock(&ix->journal_mu);
  int rc = compact(ix, err, errlen);
  pthread_mutex_unlock(&ix->journal_mu);
  return rc;
}

lg_idem *lg_idem_open(const char *journal_path, int64_t window_us, int64_t max_bytes,
                      char *err, size_t errlen) {
  lg_idem *ix = calloc(1, sizeof *ix);
  if (ix == NULL || (ix->journal_path = strdup(journal_path)) == NULL ||
      (ix->buckets = calloc(1024, sizeof *ix->buckets)) == NULL) {
    if (ix) free(ix->journal_path);
    free(ix);
    snprintf(err, errlen, "lake: out of memory");
    return NULL;
  }
  ix->nbuckets = 1024;
  ix->window_us = window_us;
  ix->max_bytes = max_bytes;
  ix->journal_fd = -1;
  pthread_mutex_init(&ix->mu, NULL);
  pthread_mutex_init(&ix->journal_mu, NULL);
  if (load_journal(ix, err, errlen) != LG_OK) {
    lg_idem_close(ix);
    return NULL;
  }
  return ix;
}

void lg_idem_close(lg_idem *ix) {
  if (ix == NULL) return;
  for (size_t i = 0; i < ix->nbuckets; i++) {
    while (ix->buckets[i]) remove_at(ix, &ix->buckets[i]);
  }
  if (ix->journal_fd >= 0) close(ix->journal_fd);
  pthread_mutex_destroy(&ix->mu);
  pthread_mutex_destroy(&ix->journal_mu);
  free(ix->buckets);
  free(ix->journal_path);
  free(ix);
}
