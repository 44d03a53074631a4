/* The lake writer's public interface (see lake.h): opening and closing, tables, writes,
 * idempotency, flush and stats. The work happens in spool.c (write path), seal.c,
 * upload.c, recover.c, idem.c and admin.c. Layer: POSIX, lake internals. */
#define LOG_TAG "lake"
#include "lake/internal.h"
#include "lake/fs.h"
#include "lake/key.h"
#include "lake/wait.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#define DEFAULT_SEAL_BYTES (64LL << 20)
#define DEFAULT_SEAL_MS 60000
#define DEFAULT_SPOOL_MAX (1LL << 30)
#define DEFAULT_GZIP_LEVEL 6
#define DEFAULT_IDEM_WINDOW_S 86400
#define IDEM_MAX_BYTES (64LL << 20)
#define CLOSE_UPLOAD_MS 10000          /* how long close keeps uploading */
#define REJECTED_PREFIX "_rejected/"

int lg_lake_valid_table(const char *name) {
  return lg_key_valid_name(name);
}

/* ===================== services for the lake's files ===================== */

uint64_t lake_next_seq(lg_lake *lake) {
  return atomic_fetch_add(&lake->next_seq, 1);
}

void lake_note_error(lg_lake *lake, int is_error, const char *msg) {
  pthread_mutex_lock(&lake->error_mu);
  snprintf(lake->last_error, sizeof lake->last_error, "%s", msg);
  pthread_mutex_unlock(&lake->error_mu);
  if (is_error) lg_error("%s", msg);
  else lg_warn("%s", msg);
}

void lake_progress(lg_lake *lake) {
  pthread_mutex_lock(&lake->progress_mu);
  lake->progress++;
  pthread_cond_broadcast(&lake->progress_cond);
  pthread_mutex_unlock(&lake->progress_mu);
}

/* ===================== tables ===================== */

/* Finds table `name`, creating it (with its sync thread) if `create`. NULL if absent or
 * on failure (message in err). */
static lake_table *get_table(lg_lake *lake, const char *name, int create, char *err, size_t errlen) {
  pthread_mutex_lock(&lake->mu);
  lake_table *t = lake->tables;
  while (t && strcmp(t->name, name) != 0) t = t->next;
  if (t == NULL && create) {
    if ((t = lake_table_new(lake, name)) == NULL) {
      snprintf(err, errlen, "lake: out of memory");
    } else {
      t->seal_bytes = lake->seal_bytes;
      t->seal_ms = lake->seal_ms;
      if (lake_table_start(t, err, errlen) != LG_OK) {
        lake_table_free(t);
        t = NULL;
      } else {
        t->next = lake->tables;
        lake->tables = t;
      }
    }
  } else if (t == NULL) {
    snprintf(err, errlen, "lake: no table '%s'", name);
  }
  pthread_mutex_unlock(&lake->mu);
  return t;
}

static lake_table *user_table(lg_lake *lake, const char *name, char *err, size_t errlen) {
  if (!lg_lake_valid_table(name)) {
    snprintf(err, errlen, "lake: invalid table name '%s' (want [a-z_][a-z0-9_]*)", name);
    return NULL;
  }
  return get_table(lake, name, 1, err, errlen);
}

static int check_keys(const char *table, const lg_lake_table_options *opt, char *err, size_t errlen) {
  if (opt->npartition < 0 || opt->npartition > LG_PARTITION_KEYS_MAX) {
    snprintf(err, errlen, "lake: table %s: at most %d partition keys", table, LG_PARTITION_KEYS_MAX);
    return LG_ERR;
  }
  for (int i = 0; i < opt->npartition; i++) {
    const char *k = opt->partition_by[i];
    if (!lg_key_valid_name(k) || strcmp(k, "dt") == 0 || strcmp(k, "hr") == 0) {
      snprintf(err, errlen, "lake: table %s: invalid partition key '%s' (want [a-z_][a-z0-9_]*, "
               "not dt or hr)", table, k);
      return LG_ERR;
    }
    for (int j = 0; j < i; j++) {
      if (strcmp(k, opt->partition_by[j]) == 0) {
        snprintf(err, errlen, "lake: table %s: partition key '%s' appears twice", table, k);
        return LG_ERR;
      }
    }
  }
  return LG_OK;
}

static int same_keys(const lake_table *t, const lg_lake_table_options *opt) {
  if (t->nkeys != opt->npartition) return 0;
  for (int i = 0; i < t->nkeys; i++) {
    if (strcmp(t->keys[i], opt->partition_by[i]) != 0) return 0;
  }
  return 1;
}

/* Sets the partition keys of a table that has never written a frame. t->mu held. */
static int set_keys(lake_table *t, const lg_lake_table_options *opt, char *err, size_t errlen) {
  if (same_keys(t, opt)) return LG_OK;
  if (t->declared || t->fd >= 0 || t->open->bytes.len > 0 || t->last_closed_seq != 0) {
    snprintf(err, errlen, "lake: table %s: partition_by cannot change while lakegate runs "
             "(it was declared or used with other keys)", t->name);
    return LG_ERR;
  }
  char *keys[LG_PARTITION_KEYS_MAX] = {0};
  for (int i = 0; i < opt->npartition; i++) {
    if ((keys[i] = strdup(opt->partition_by[i])) == NULL) {
      while (i-- > 0) free(keys[i]);
      snprintf(err, errlen, "lake: out of memory");
      return LG_ERR;
    }
  }
  for (int i = 0; i < t->nkeys; i++) free(t->keys[i]);
  memcpy(t->keys, keys, sizeof keys[0] * (size_t)opt->npartition);
  t->nkeys = opt->npartition;
  return LG_OK;
}

int lg_lake_declare(lg_lake *lake, const char *table, const lg_lake_table_options *opt,
                    char *err, size_t errlen) {
  if (check_keys(table, opt, err, errlen) != LG_OK) return LG_ERR;
  if (opt->durability != LG_LAKE_DURABLE && opt->durability != LG_LAKE_MEMORY) {
    snprintf(err, errlen, "lake: table %s: unknown durability %d", table, (int)opt->durability);
    return LG_ERR;
  }
  lake_table *t = user_table(lake, table, err, errlen);
  if (t == NULL) return LG_ERR;
  lake_table *rejected = NULL;
  if (opt->dead_letters) {   /* created first: get_table takes lake->mu, never under t->mu */
    char name[256];
    snprintf(name, sizeof name, REJECTED_PREFIX "%s", table);
    if ((rejected = get_table(lake, name, 1, err, errlen)) == NULL) return LG_ERR;
    pthread_mutex_lock(&rejected->mu);
    rejected->durability = LG_LAKE_MEMORY;
    pthread_mutex_unlock(&rejected->mu);
  }
  pthread_mutex_lock(&t->mu);
  int rc = set_keys(t, opt, err, errlen);
  if (rc == LG_OK) {
    t->declared = 1;
    t->durability = opt->durability;
    t->seal_bytes = opt->seal_bytes > 0 ? opt->seal_bytes : lake->seal_bytes;
    t->seal_ms = opt->seal_ms > 0 ? opt->seal_ms : lake->seal_ms;
    t->rejected = rejected;
    pthread_cond_signal(&t->work);   /* the age deadline may have moved */
  }
  pthread_mutex_unlock(&t->mu);
  return rc;
}

/* ===================== writes ===================== */

int lg_lake_write(lg_lake *lake, const char *table, const lg_lake_record *recs, size_t n,
                  const char *request_id, const lg_lake_answer *answer, char *err,
                  size_t errlen) {
  lake_table *t = user_table(lake, table, err, errlen);
  if (t == NULL) return LG_LAKE_INVALID;
  int rc = lake_table_append(t, recs, n, request_id, answer, err, errlen);
  if (rc == LG_OK && answer) {
    lg_frame_idem a = {answer->key, answer->key_len, answer->fingerprint, answer->answer,
                       answer->answer_len};
    lg_idem_commit(lake->idem, &a, lg_clock_realtime_us());
  }
  return rc;
}

int lg_lake_put(lg_lake *lake, const char *table, const char *record, size_t len,
                const char *request_id, char *err, size_t errlen) {
  lg_lake_record rec = {record, len, NULL, NULL};
  return lg_lake_write(lake, table, &rec, 1, request_id, NULL, err, errlen);
}

int lg_lake_reject(lg_lake *lake, const char *table, const char *json, size_t len,
                   const char *request_id, char *err, size_t errlen) {
  lake_table *t = user_table(lake, table, err, errlen);
  if (t == NULL) return LG_LAKE_INVALID;
  pthread_mutex_lock(&t->mu);
  lake_table *rejected = t->rejected;
  pthread_mutex_unlock(&t->mu);
  if (rejected == NULL) return LG_OK;
  lg_lake_record rec = {json, len, NULL, NULL};
  return lake_table_append(rejected, &rec, 1, request_id, NULL, err, errlen);
}

/* ===================== idempotency ===================== */

lg_idem_state lg_lake_idem_begin(lg_lake *lake, const char *key, size_t len, uint64_t fingerprint,
                                 lg_buf *answer) {
  return (lg_idem_state)lg_idem_begin(lake->idem, key, len, fingerprint, lg_clock_realtime_us(), answer);
}

void lg_lake_idem_abort(lg_lake *lake, const char *key, size_t len) {
  lg_idem_abort(lake->idem, key, len);
}

uint64_t lg_lake_fingerprint(const void *data, size_t len) {
  uLong c = crc32(0L, Z_NULL, 0), a = adler32(0L, Z_NULL, 0);
  const Bytef *p = data;
  while (len > 0) {
    uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
    c = crc32(c, p, chunk);
    a = adler32(a, p, chunk);
    p += chunk;
    len -= chunk;
  }
  return (uint64_t)c << 32 | (uint64_t)(a & 0xFFFFFFFFu);
}

/* ===================== flush, stats ===================== */

int lg_lake_flush(lg_lake *lake, int64_t timeout_ms, char *err, size_t errlen) {
  int64_t deadline = lg_clock_monotonic_ms() + timeout_ms;
  pthread_mutex_lock(&lake->flush_mu);
  pthread_mutex_lock(&lake->mu);
  lake_table *first = lake->tables;   /* the list only grows at its head */
  pthread_mutex_unlock(&lake->mu);
  for (lake_table *t = first; t; t = t->next) lake_table_rotate(t);
  lg_uploader_retry_now(lake->uploader);   /* an operator asks: no backoff to wait out */
  /* Every segment that held data written before this call now has seq < next_seq and is
   * closed: wait until none of them is waiting for the sealer or the uploader. */
  uint64_t upto = atomic_load(&lake->next_seq) - 1;
  int rc = LG_OK;
  pthread_mutex_lock(&lake->progress_mu);
  for (;;) {
    uint64_t seen = lake->progress;
    pthread_mutex_unlock(&lake->progress_mu);
    int busy = lg_sealer_pending_upto(lake->sealer, upto) || lg_uploader_pending_upto(lake->uploader, upto);
    pthread_mutex_lock(&lake->progress_mu);
    if (!busy) break;
    if (lg_clock_monotonic_ms() >= deadline) {
      char last[sizeof lake->last_error];
      pthread_mutex_lock(&lake->error_mu);
      snprintf(last, sizeof last, "%s", lake->last_error[0] ? lake->last_error : "none");
      pthread_mutex_unlock(&lake->error_mu);
      snprintf(err, errlen, "lake: flush timed out after %lld ms with %lld objects not in %s yet "
               "(last error: %s)", (long long)timeout_ms,
               (long long)lg_uploader_pending(lake->uploader), lake->backend->url, last);
      rc = LG_ERR;
      break;
    }
    while (lake->progress == seen && lg_clock_monotonic_ms() < deadline)
      lake_cond_wait_until(&lake->progress_cond, &lake->progress_mu, deadline * 1000);
  }
  pthread_mutex_unlock(&lake->progress_mu);
  pthread_mutex_unlock(&lake->flush_mu);
  return rc;
}

int lg_lake_retry_after_s(lg_lake *lake) {
  return lg_uploader_retry_after_s(lake->uploader);
}

void lg_lake_stats_get(lg_lake *lake, lg_lake_stats *out) {
  memset(out, 0, sizeof *out);
  out->spool_bytes = atomic_load(&lake->spool_bytes);
  out->records = atomic_load(&lake->records);
  out->syncs = atomic_load(&lake->syncs);
  out->synced_frames = atomic_load(&lake->synced_frames);
  out->writes = atomic_load(&lake->writes);
  out->written_frames = atomic_load(&lake->written_frames);
  out->segments_sealed = atomic_load(&lake->segments_sealed);
  out->objects_uploaded = lg_uploader_uploaded(lake->uploader);
  out->upload_failures = lg_uploader_failures(lake->uploader);
  out->objects_pending = lg_uploader_pending(lake->uploader);
  pthread_mutex_lock(&lake->error_mu);
  snprintf(out->last_error, sizeof out->last_error, "%s", lake->last_error);
  pthread_mutex_unlock(&lake->error_mu);
}

/* Uploads that failed this many times in a row mean the backend is down, not slow. A
 * failure that is not retryable (403, no such bucket) says so at once. */
#define READY_MAX_ATTEMPTS 5

int lg_lake_ready(lg_lake *lake, char *why, size_t whylen) {
  const char *dir = lg_lake_dir(lake);
  int64_t spooled = atomic_load(&lake->spool_bytes);
  int needs_operator = 0;
  int attempts = lg_uploader_max_attempts(lake->uploader, &needs_operator);
  if (access(lake->segments_dir, W_OK) != 0) {
    snprintf(why, whylen, "spool %s is not writable: %s", lake->segments_dir, strerror(errno));
  } else if (spooled >= lake->spool_max_bytes) {
    snprintf(why, whylen, "spool full: %lld of %lld bytes wait for the backend",
             (long long)spooled, (long long)lake->spool_max_bytes);
  } else if (dir && access(dir, W_OK) != 0) {
    snprintf(why, whylen, "lake %s is not writable: %s", dir, strerror(errno));
  } else if (attempts >= READY_MAX_ATTEMPTS || needs_operator) {
    char last[sizeof lake->last_error];
    pthread_mutex_lock(&lake->error_mu);
    snprintf(last, sizeof last, "%s", lake->last_error);
    pthread_mutex_unlock(&lake->error_mu);
    if (needs_operator)
      snprintf(why, whylen, "uploads to %s fail until an operator acts: %s", lg_lake_root(lake), last);
    else
      snprintf(why, whylen, "uploads to %s failed %d times in a row: %s", lg_lake_root(lake), attempts, last);
  } else {
    return 1;
  }
  return 0;
}

const char *lg_lake_root(const lg_lake *lake) {
  return lake->backend->url;
}

const char *lg_lake_dir(const lg_lake *lake) {
  return lg_backend_file_dir(lake->backend);
}

/* ===================== admin socket ===================== */

/* "flush <timeout_ms>" */
static int admin_command(void *ctx, const char *command, lg_buf *reply) {
  lg_lake *lake = ctx;
  long long timeout_ms = 0;
  if (sscanf(command, "flush %lld", &timeout_ms) != 1 || timeout_ms <= 0) {
    lg_buf_appendf(reply, "unknown command '%s' (want: flush <timeout_ms>)", command);
    return LG_ERR;
  }
  char err[1024];
  int64_t started = lg_clock_monotonic_ms();
  if (lg_lake_flush(lake, timeout_ms, err, sizeof err) != LG_OK) {
    lg_buf_appends(reply, err);
    return LG_ERR;
  }
  lg_buf_appendf(reply, "flushed to %s in %lld ms", lake->backend->url,
                 (long long)(lg_clock_monotonic_ms() - started));
  return LG_OK;
}

int lg_lake_request_flush(const char *spool, int64_t timeout_ms, char *err, size_t errlen) {
  char command[64];
  snprintf(command, sizeof command, "flush %lld", (long long)timeout_ms);
  lg_buf reply = LG_BUF_INIT;
  int rc = lg_admin_call(spool, command, timeout_ms + 5000, &reply, err, errlen);
  if (rc == LG_OK) snprintf(err, errlen, "%s", reply.data ? reply.data : "");
  lg_buf_free(&reply);
  return rc;
}

/* ===================== open, close ===================== */

/* mkdir -p the spool's directories and take its lock. */
static int prepare_spool(lg_lake *lake, char *err, size_t errlen) {
  const char *dirs[] = {lake->spool, lake->segments_dir, lake->outbox_dir};
  for (size_t i = 0; i < LG_ARRAY_LEN(dirs); i++) {
    if (lg_fs_mkdirs(dirs[i], 0700, 1) != LG_OK) {
      snprintf(err, errlen, "lake: mkdir %s: %s", dirs[i], strerror(errno));
      return LG_ERR;
    }
  }
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/lock", lake->spool);
  lake->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lake->lock_fd < 0) {
    snprintf(err, errlen, "lake: open %s: %s", path, strerror(errno));
    return LG_ERR;
  }
  if (flock(lake->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    snprintf(err, errlen, "lake: spool %s is in use by another lakegate (%s)", lake->spool,
             errno == EWOULDBLOCK ? "locked" : strerror(errno));
    return LG_ERR;
  }
  return LG_OK;
}

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s/%s", a, b);
  return s;
}

static void set_options(lg_lake *lake, const lg_lake_options *opt) {
  lake->seal_bytes = opt->seal_bytes > 0 ? opt->seal_bytes : DEFAULT_SEAL_BYTES;
  lake->seal_ms = opt->seal_ms > 0 ? opt->seal_ms : DEFAULT_SEAL_MS;
  lake->spool_max_bytes = opt->spool_max_bytes > 0 ? opt->spool_max_bytes : DEFAULT_SPOOL_MAX;
  lake->group_commit_us = opt->group_commit_us > 0 ? opt->group_commit_us : 0;
  lake->gzip_level = opt->gzip_level >= 1 && opt->gzip_level <= 9 ? opt->gzip_level : DEFAULT_GZIP_LEVEL;
}

lg_lake *lg_lake_open(const lg_lake_options *opt, char *err, size_t errlen) {
  lg_backend *backend = opt->backend;
  if (opt->spool == NULL || *opt->spool == '\0') {
    snprintf(err, errlen, "lake: no spool directory given");
    lg_backend_close(backend);
    return NULL;
  }
  lg_lake *lake = calloc(1, sizeof *lake);
  if (lake == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    lg_backend_close(backend);
    return NULL;
  }
  lake->backend = backend;
  lake->lock_fd = -1;
  set_options(lake, opt);
  pthread_mutex_init(&lake->mu, NULL);
  pthread_mutex_init(&lake->error_mu, NULL);
  pthread_mutex_init(&lake->outbox_mu, NULL);
  pthread_mutex_init(&lake->progress_mu, NULL);
  pthread_mutex_init(&lake->flush_mu, NULL);
  lake_cond_init(&lake->progress_cond);
  lg_key_host(lake->host, sizeof lake->host);
  atomic_store(&lake->next_seq, (uint64_t)lg_clock_realtime_us());

  if (lake->backend == NULL &&
      (lake->backend = lg_backend_open(opt->root, &opt->store, err, errlen)) == NULL)
    goto fail;
  if ((lake->spool = strdup(opt->spool)) == NULL ||
      (lake->segments_dir = join(opt->spool, "segments")) == NULL ||
      (lake->outbox_dir = join(opt->spool, "outbox")) == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    goto fail;
  }
  if (prepare_spool(lake, err, errlen) != LG_OK) goto fail;
  char journal[PATH_MAX];
  snprintf(journal, sizeof journal, "%s/idempotency.log", lake->spool);
  int64_t window_s = opt->idempotency_window_s > 0 ? opt->idempotency_window_s : DEFAULT_IDEM_WINDOW_S;
  if ((lake->idem = lg_idem_open(journal, window_s * 1000000, IDEM_MAX_BYTES, err, errlen)) == NULL ||
      (lake->sealer = lg_sealer_start(lake, err, errlen)) == NULL ||
      (lake->uploader = lg_uploader_start(lake, err, errlen)) == NULL ||
      lake_recover(lake, err, errlen) != LG_OK)
    goto fail;
  if (opt->admin_socket &&
      (lake->admin = lg_admin_start(lake->spool, admin_command, lake, err, errlen)) == NULL)
    goto fail;
  return lake;
fail:
  lg_lake_close(lake);
  return NULL;
}

void lg_lake_close(lg_lake *lake) {
  if (lake == NULL) return;
  lg_admin_stop(lake->admin);
  for (lake_table *t = lake->tables; t; t = t->next) lake_table_stop(t);
  lg_sealer_stop(lake->sealer);   /* seals what the tables just closed */
  lg_uploader_stop(lake->uploader, lg_clock_monotonic_ms() + CLOSE_UPLOAD_MS);
  lg_idem_close(lake->idem);
  while (lake->tables) {
    lake_table *t = lake->tables;
    lake->tables = t->next;
    lake_table_free(t);
  }
  lg_backend_close(lake->backend);
  if (lake->lock_fd >= 0) close(lake->lock_fd);   /* releases the flock */
  pthread_mutex_destroy(&lake->mu);
  pthread_mutex_destroy(&lake->error_mu);
  pthread_mutex_destroy(&lake->outbox_mu);
  pthread_mutex_destroy(&lake->progress_mu);
  pthread_mutex_destroy(&lake->flush_mu);
  pthread_cond_destroy(&lake->progress_cond);
  free(lake->spool);
  free(lake->segments_dir);
  free(lake->outbox_dir);
  free(lake);
}
