/* The uploader (see upload.h): LG_UPLOAD_THREADS threads share one list of outbox
 * objects, each taking the object that is due first. The backend's check, when it has
 * one, is an item of the same list with no object: it gets the same retries and backoff,
 * and its failures count for readiness as an upload's do. Layer: POSIX, lake internals. */
#define LOG_TAG "lake"
#include "lake/internal.h"
#include "lake/fs.h"
#include "lake/wait.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/random.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct upload_item {
  struct upload_item *next;
  uint64_t seq;          /* segment it was sealed from */
  int64_t size;
  int attempts;          /* failed puts so far */
  int permanent;         /* the last failure needs an operator (not retryable) */
  int64_t due_ms;        /* monotonic time of the next attempt */
  int busy;              /* a thread is putting it */
  int check;             /* the backend's check, not an object (key is "") */
  char key[];
} upload_item;

struct lg_uploader {
  lg_lake *lake;
  pthread_mutex_t mu;    /* guards everything below */
  pthread_cond_t cond;
  upload_item *items;
  int64_t pending, failures, uploaded;
  int failing;           /* the last put that ended failed */
  int stopping;
  int64_t deadline_ms;   /* when stopping: give up on what is not done by then */
  pthread_t threads[LG_UPLOAD_THREADS];
  int nthreads;
};

int64_t lg_upload_backoff_ms(int attempt, uint64_t random) {
  int64_t d = LG_UPLOAD_BACKOFF_MIN_MS;
  for (int i = 1; i < attempt && d < LG_UPLOAD_BACKOFF_MAX_MS; i++) d *= 2;
  if (d > LG_UPLOAD_BACKOFF_MAX_MS) d = LG_UPLOAD_BACKOFF_MAX_MS;
  return d / 2 + (int64_t)(random % (uint64_t)(d / 2 + 1));
}

static uint64_t random_u64(void) {
  char id[33];
  lg_random_id(id);
  id[16] = '\0';
  return strtoull(id, NULL, 16);
}

/* The idle item due first, or NULL; *next_due is set to the earliest due time seen. */
static upload_item *pick(lg_uploader *u, int64_t now, int64_t *next_due) {
  upload_item *best = NULL;
  *next_due = INT64_MAX;
  for (upload_item *it = u->items; it; it = it->next) {
    if (it->busy || (it->check && u->stopping)) continue;   /* a closing lake asks nothing */
    if (it->due_ms < *next_due) *next_due = it->due_ms;
    if (it->due_ms <= now && (best == NULL || it->due_ms < best->due_ms)) best = it;
  }
  return best;
}

static void remove_item(lg_uploader *u, upload_item *item) {
  for (upload_item **p = &u->items; *p; p = &(*p)->next) {
    if (*p == item) {
      *p = item->next;
      break;
    }
  }
  if (!item->check) u->pending--;
  free(item);
}

/* An upload went through, so the store works: a check still waiting for its retry (for
 * a permission the check needs and puts do not, say) has nothing left to show. */
static void drop_idle_check(lg_uploader *u) {
  for (upload_item *it = u->items; it; it = it->next) {
    if (it->check && !it->busy) {
      remove_item(u, it);
      return;
    }
  }
}

/* Makes every waiting item due now (all of them, or only those whose last failure may
 * pass later). u->mu held. */
static void expedite(lg_uploader *u, int retryable_only) {
  int64_t now = lg_clock_monotonic_ms();
  for (upload_item *it = u->items; it; it = it->next) {
    if (!it->busy && it->attempts > 0 && (!retryable_only || !it->permanent) && it->due_ms > now)
      it->due_ms = now;
  }
  pthread_cond_broadcast(&u->cond);
}

/* Deletes the uploaded object from the outbox, and its directories once empty. */
static void remove_from_outbox(lg_lake *lake, const char *path) {
  pthread_mutex_lock(&lake->outbox_mu);
  if (unlink(path) != 0 && errno != ENOENT)
    lg_warn("cannot remove uploaded %s from the outbox: %s", path, strerror(errno));
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) {
    *slash = '\0';
    lg_fs_prune_dirs(dir, lake->outbox_dir);
  }
  pthread_mutex_unlock(&lake->outbox_mu);
}

/* Puts one item, or runs the backend's check; called without u->mu. */
static int put_item(lg_uploader *u, upload_item *item, char *err, size_t errlen, int *retryable) {
  lg_lake *lake = u->lake;
  if (item->check) return lake->backend->vt->check(lake->backend, err, errlen, retryable);
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", lake->outbox_dir, item->key);
  lg_backend_object obj = {item->key, path, item->size, "application/x-ndjson", "gzip"};
  if (lake->backend->vt->put(lake->backend, &obj, err, errlen, retryable) != LG_OK) return LG_ERR;
  remove_from_outbox(lake, path);
  return LG_OK;
}

static void *upload_thread(void *arg) {
  lg_uploader *u = arg;
  char err[LG_ERRLEN + PATH_MAX];
  pthread_mutex_lock(&u->mu);
  for (;;) {
    int64_t now = lg_clock_monotonic_ms(), next_due;
    if (u->stopping && now >= u->deadline_ms) break;
    upload_item *item = pick(u, now, &next_due);
    if (item == NULL) {
      if (u->stopping && (next_due == INT64_MAX || next_due >= u->deadline_ms)) break;
      if (u->stopping && next_due > u->deadline_ms) next_due = u->deadline_ms;
      if (next_due == INT64_MAX) pthread_cond_wait(&u->cond, &u->mu);
      else lake_cond_wait_until(&u->cond, &u->mu, next_due * 1000);
      continue;
    }
    item->busy = 1;
    int64_t uploaded_before = u->uploaded;
    pthread_mutex_unlock(&u->mu);
    int retryable = 1;
    err[0] = '\0';
    int ok = put_item(u, item, err, sizeof err, &retryable) == LG_OK;
    if (ok && !item->check) atomic_fetch_sub(&u->lake->spool_bytes, (long long)item->size);
    pthread_mutex_lock(&u->mu);
    if (ok) {
      if (item->check && item->attempts > 0)
        lg_info("%s answers again after %d failed checks", u->lake->backend->url, item->attempts);
      else if (item->attempts > 0)
        lg_info("uploaded %s after %d failed attempts", item->key, item->attempts);
      /* The backend takes objects again: what waits out a transient failure's backoff
       * goes now, instead of up to LG_UPLOAD_BACKOFF_MAX_MS after the store is back. */
      if (u->failing) expedite(u, 1);
      u->failing = 0;
      if (!item->check) {
        u->uploaded++;
        drop_idle_check(u);
      }
      remove_item(u, item);
      pthread_mutex_unlock(&u->mu);
      lake_progress(u->lake);
      pthread_mutex_lock(&u->mu);
      continue;
    }
    if (item->check && u->uploaded != uploaded_before) {   /* an upload passed meanwhile */
      remove_item(u, item);
      continue;
    }
    item->busy = 0;
    item->attempts++;
    item->permanent = !retryable;
    if (!item->check) u->failures++;
    u->failing = 1;
    int64_t delay = retryable ? lg_upload_backoff_ms(item->attempts, random_u64())
                              : LG_UPLOAD_BACKOFF_MAX_MS;
    item->due_ms = lg_clock_monotonic_ms() + delay;
    char msg[sizeof err + 128];
    snprintf(msg, sizeof msg, "%s (%s %d%s; next in %lld ms)", err,
             item->check ? "check" : "attempt", item->attempts,
             retryable ? "" : ", needs an operator", (long long)delay);
    pthread_mutex_unlock(&u->mu);
    lake_note_error(u->lake, !retryable, msg);
    pthread_mutex_lock(&u->mu);
  }
  pthread_mutex_unlock(&u->mu);
  return NULL;
}

lg_uploader *lg_uploader_start(lg_lake *lake, char *err, size_t errlen) {
  lg_uploader *u = calloc(1, sizeof *u);
  if (u == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    return NULL;
  }
  u->lake = lake;
  pthread_mutex_init(&u->mu, NULL);
  lake_cond_init(&u->cond);
  if (lake->backend->vt->check) {
    if ((u->items = calloc(1, sizeof *u->items + 1)) == NULL) {
      snprintf(err, errlen, "lake: out of memory");
      lg_uploader_stop(u, 0);
      return NULL;
    }
    u->items->check = 1;
    u->items->due_ms = lg_clock_monotonic_ms();
  }
  for (int i = 0; i < LG_UPLOAD_THREADS; i++) {
    int rc = pthread_create(&u->threads[i], NULL, upload_thread, u);
    if (rc != 0) {
      snprintf(err, errlen, "lake: cannot start an upload thread: %s", strerror(rc));
      lg_uploader_stop(u, 0);
      return NULL;
    }
    u->nthreads++;
  }
  return u;
}

void lg_uploader_enqueue(lg_uploader *u, const char *key, int64_t size, uint64_t seq) {
  size_t n = strlen(key) + 1;
  upload_item *item = calloc(1, sizeof *item + n);
  if (item == NULL) {
    lg_error("out of memory queueing %s for upload: it is uploaded at the next start", key);
    return;
  }
  memcpy(item->key, key, n);
  item->seq = seq;
  item->size = size;
  item->due_ms = lg_clock_monotonic_ms();
  pthread_mutex_lock(&u->mu);
  item->next = u->items;
  u->items = item;
  u->pending++;
  pthread_cond_signal(&u->cond);
  pthread_mutex_unlock(&u->mu);
}

int lg_uploader_pending_upto(lg_uploader *u, uint64_t seq) {
  pthread_mutex_lock(&u->mu);
  int found = 0;
  for (upload_item *it = u->items; it && !found; it = it->next) found = !it->check && it->seq <= seq;
  pthread_mutex_unlock(&u->mu);
  return found;
}

static int64_t read_counter(lg_uploader *u, const int64_t *c) {
  pthread_mutex_lock(&u->mu);
  int64_t v = *c;
  pthread_mutex_unlock(&u->mu);
  return v;
}

int64_t lg_uploader_pending(lg_uploader *u) { return read_counter(u, &u->pending); }
int64_t lg_uploader_failures(lg_uploader *u) { return read_counter(u, &u->failures); }
int64_t lg_uploader_uploaded(lg_uploader *u) { return read_counter(u, &u->uploaded); }

int lg_uploader_retry_after_s(lg_uploader *u) {
  int64_t now = lg_clock_monotonic_ms(), wait = INT64_MAX;
  pthread_mutex_lock(&u->mu);
  for (upload_item *it = u->items; it; it = it->next) {
    if (it->attempts > 0 && it->due_ms - now < wait) wait = it->due_ms - now;
  }
  pthread_mutex_unlock(&u->mu);
  if (wait == INT64_MAX) return 1;
  int s = (int)((wait + 999) / 1000);
  return s < 1 ? 1 : s > 60 ? 60 : s;
}

int lg_uploader_max_attempts(lg_uploader *u, int *needs_operator) {
  int most = 0, permanent = 0;
  pthread_mutex_lock(&u->mu);
  for (upload_item *it = u->items; it; it = it->next) {
    if (it->attempts > most) most = it->attempts;
    permanent |= it->attempts > 0 && it->permanent;
  }
  pthread_mutex_unlock(&u->mu);
  if (needs_operator) *needs_operator = permanent;
  return most;
}

void lg_uploader_retry_now(lg_uploader *u) {
  pthread_mutex_lock(&u->mu);
  expedite(u, 0);
  pthread_mutex_unlock(&u->mu);
}

void lg_uploader_stop(lg_uploader *u, int64_t deadline_ms) {
  if (u == NULL) return;
  pthread_mutex_lock(&u->mu);
  u->stopping = 1;
  u->deadline_ms = deadline_ms;
  pthread_cond_broadcast(&u->cond);
  pthread_mutex_unlock(&u->mu);
  for (int i = 0; i < u->nthreads; i++) pthread_join(u->threads[i], NULL);
  if (u->pending > 0)
    lg_warn("%lld objects not uploaded yet: they stay in the spool for the next start",
            (long long)u->pending);
  while (u->items) remove_item(u, u->items);
  pthread_mutex_destroy(&u->mu);
  pthread_cond_destroy(&u->cond);
  free(u);
}
