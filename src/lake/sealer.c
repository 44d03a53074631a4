/* The sealer thread (see seal.h): seals closed segments in the order they were closed,
 * moves their idempotency answers to the journal, deletes them, and queues their objects
 * for upload; a failed seal is retried with backoff (the segment stays in the spool).
 * Layer: POSIX, lake internals. */
#define LOG_TAG "lake"
#include "lake/internal.h"
#include "lake/fs.h"
#include "lake/wait.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000

typedef struct seal_job {
  struct seal_job *next;
  uint64_t seq;
  int64_t size;        /* spool bytes accounted for the segment */
  char path[];
} seal_job;

struct lg_sealer {
  lg_lake *lake;
  pthread_mutex_t mu;  /* guards the queue, current, stopping */
  pthread_cond_t cond;
  seal_job *head, *tail;
  int stopping;
  pthread_t thread;
};

static void log_walk(const char *path, const lg_seal_result *res) {
  if (res->walk.bad_bytes == 0) return;
  if (res->walk.torn_tail && res->walk.frames > 0)
    lg_info("%s: cut a torn tail (%zu bytes, never acknowledged)", path, res->walk.bad_bytes);
  else
    lg_warn("%s: skipped %zu damaged bytes", path, res->walk.bad_bytes);
}

/* Seals one job. Returns LG_OK when the segment is gone and its objects are queued. */
static int seal_one(lg_sealer *s, const seal_job *job) {
  lg_lake *lake = s->lake;
  char err[LG_ERRLEN + PATH_MAX];
  lg_seal_result res;
  if (lg_seal_segment(job->path, lake->outbox_dir, lake->gzip_level, &lake->outbox_mu, &res, err,
                      sizeof err) != LG_OK) {
    lake_note_error(lake, 1, err);
    return LG_ERR;
  }
  if (res.bad_header) {
    lg_warn("%s: not a valid segment (torn at creation, nothing acknowledged): removed", job->path);
  } else {
    log_walk(job->path, &res);
    if (lg_idem_journal_append(lake->idem, res.answers.data, res.answers.len, err, sizeof err) != LG_OK) {
      lake_note_error(lake, 1, err);
      lg_seal_result_free(&res);
      return LG_ERR;
    }
  }
  if (unlink(job->path) != 0 || lg_fs_fsync_dir(lake->segments_dir) != LG_OK) {
    snprintf(err, sizeof err, "lake: remove sealed segment %s: %s", job->path, strerror(errno));
    lake_note_error(lake, 1, err);
  }
  atomic_fetch_sub(&lake->spool_bytes, (long long)job->size);
  for (size_t i = 0; i < res.nobjects; i++) {
    atomic_fetch_add(&lake->spool_bytes, (long long)res.objects[i].size);
    lg_uploader_enqueue(lake->uploader, res.objects[i].key, res.objects[i].size, job->seq);
  }
  atomic_fetch_add(&lake->segments_sealed, 1);
  lg_debug("sealed %s: %lld records in %zu objects", job->path, (long long)res.records, res.nobjects);
  lg_seal_result_free(&res);
  return LG_OK;
}

static void *sealer_thread(void *arg) {
  lg_sealer *s = arg;
  int64_t retry_ms = RETRY_MIN_MS;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (s->head == NULL && !s->stopping) pthread_cond_wait(&s->cond, &s->mu);
    if (s->head == NULL) break;   /* stopping and drained */
    seal_job *job = s->head;      /* stays queued until sealed: pending_upto sees it */
    pthread_mutex_unlock(&s->mu);
    int ok = seal_one(s, job) == LG_OK;
    pthread_mutex_lock(&s->mu);
    if (ok) {
      s->head = job->next;
      if (s->head == NULL) s->tail = NULL;
      free(job);
      retry_ms = RETRY_MIN_MS;
      pthread_mutex_unlock(&s->mu);
      lake_progress(s->lake);
      pthread_mutex_lock(&s->mu);
      continue;
    }
    if (s->stopping) break;   /* the segment stays in the spool for the next start */
    lake_cond_wait_until(&s->cond, &s->mu, lake_monotonic_us() + retry_ms * 1000);
    retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

lg_sealer *lg_sealer_start(lg_lake *lake, char *err, size_t errlen) {
  lg_sealer *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    return NULL;
  }
  s->lake = lake;
  pthread_mutex_init(&s->mu, NULL);
  lake_cond_init(&s->cond);
  int rc = pthread_create(&s->thread, NULL, sealer_thread, s);
  if (rc != 0) {
    snprintf(err, errlen, "lake: cannot start the sealer thread: %s", strerror(rc));
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    free(s);
    return NULL;
  }
  return s;
}

void lg_sealer_enqueue(lg_sealer *s, uint64_t seq, const char *path, int64_t size) {
  size_t n = strlen(path) + 1;
  seal_job *job = malloc(sizeof *job + n);
  if (job == NULL) {
    lg_error("out of memory queueing %s for sealing: it is sealed at the next start", path);
    return;
  }
  job->next = NULL;
  job->seq = seq;
  job->size = size;
  memcpy(job->path, path, n);
  pthread_mutex_lock(&s->mu);
  if (s->tail) s->tail->next = job;
  else s->head = job;
  s->tail = job;
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->mu);
}

int lg_sealer_pending_upto(lg_sealer *s, uint64_t seq) {
  pthread_mutex_lock(&s->mu);
  int found = 0;
  for (seal_job *j = s->head; j && !found; j = j->next) found = j->seq <= seq;
  pthread_mutex_unlock(&s->mu);
  return found;
}

void lg_sealer_stop(lg_sealer *s) {
  if (s == NULL) return;
  pthread_mutex_lock(&s->mu);
  s->stopping = 1;
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  while (s->head) {
    seal_job *j = s->head;
    s->head = j->next;
    free(j);
  }
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cond);
  free(s);
}
