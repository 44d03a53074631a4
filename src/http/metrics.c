/* The metrics registry (see metrics.h). A series is identified by its label values joined
 * with '\x1f'; each shard keeps its series in small open-addressing tables. */
#include "http/metrics.h"
#include "util/common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEP '\x1f'

/* Latency buckets in seconds: an ingest API answers in well under a millisecond. */
static const double bucket_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

typedef struct series {
  char *key;                   /* label values joined by SEP; NULL for a free slot */
  uint64_t count;
  uint64_t sum_us;             /* durations only */
  uint64_t buckets[NBUCKETS];  /* durations only: observations <= bucket_le[i] (not cumulative) */
  uint64_t bytes_in, bytes_out;
} series;

typedef struct table {
  series *slots;
  size_t cap, used;            /* cap is 0 or a power of two */
} table;

struct lg_metrics_shard {
  pthread_mutex_t mu;          /* taken by the owner thread and by scrapes */
  table requests;              /* method, route, status */
  table durations;             /* method, route */
  table validation;            /* route, type */
  atomic_size_t lua_memory;
  int index;
  lg_metrics_shard *next;
};

typedef struct source {
  lg_metrics_source fn;
  void *ud;
} source;

struct lg_metrics {
  pthread_mutex_t mu;          /* guards shards and sources */
  lg_metrics_shard *shards;
  int nshards;
  source sources[16];
  int nsources;
};

/* ===================== tables ===================== */

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int grow(table *t) {
  size_t cap = t->cap ? t->cap * 2 : 16;
  series *slots = calloc(cap, sizeof *slots);
  if (slots == NULL) return LG_ERR;
  for (size_t i = 0; i < t->cap; i++) {
    if (t->slots[i].key == NULL) continue;
    size_t j = hash(t->slots[i].key) & (cap - 1);
    while (slots[j].key) j = (j + 1) & (cap - 1);
    slots[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = slots;
  t->cap = cap;
  return LG_OK;
}

/* The series for key, created if needed; NULL when out of memory. */
static series *lookup(table *t, const char *key) {
  if (t->used * 2 >= t->cap && grow(t) != LG_OK) return NULL;
  size_t i = hash(key) & (t->cap - 1);
  while (t->slots[i].key) {
    if (strcmp(t->slots[i].key, key) == 0) return &t->slots[i];
    i = (i + 1) & (t->cap - 1);
  }
  if ((t->slots[i].key = strdup(key)) == NULL) return NULL;
  t->used++;
  return &t->slots[i];
}

static void table_free(table *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->slots[i].key);
  free(t->slots);
  t->slots = NULL;
  t->cap = t->used = 0;
}

/* Adds every series of src into dst. */
static int merge(table *dst, const table *src) {
  for (size_t i = 0; i < src->cap; i++) {
    const series *a = &src->slots[i];
    if (a->key == NULL) continue;
    series *b = lookup(dst, a->key);
    if (b == NULL) return LG_ERR;
    b->count += a->count;
    b->sum_us += a->sum_us;
    b->bytes_in += a->bytes_in;
    b->bytes_out += a->bytes_out;
    for (size_t k = 0; k < NBUCKETS; k++) b->buckets[k] += a->buckets[k];
  }
  return LG_OK;
}

/* ===================== recording ===================== */

/* Bounded label values: a client can send any method name. */
static const char *method_label(const char *m) {
  static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (size_t i = 0; i < LG_ARRAY_LEN(known); i++)
    if (strcmp(m, known[i]) == 0) return known[i];
  return "OTHER";
}

/* Joins parts with SEP into key (size keylen); returns the length, or -1 if it does not fit.
 * By hand: snprintf here cost more than the rest of the bookkeeping. */
static int join(char *key, size_t keylen, const char *const *parts, int nparts) {
  size_t n = 0;
  for (int i = 0; i < nparts; i++) {
    size_t len = strlen(parts[i]);
    if (n + len + 2 > keylen) return -1;
    if (i) key[n++] = SEP;
    memcpy(key + n, parts[i], len);
    n += len;
  }
  key[n] = '\0';
  return (int)n;
}

void lg_metrics_observe_request(lg_metrics_shard *s, const char *method, const char *route,
                                int status, int64_t duration_us, size_t bytes_in,
                                size_t bytes_out) {
  char key[512], code[8] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                            (char)('0' + status % 10), 0};
  const char *parts[] = {method_label(method), route, code};
  int n = join(key, sizeof key, parts, 2);
  if (n < 0 || (size_t)n >= sizeof key - 8) return;   /* absurd route: not worth a series */
  pthread_mutex_lock(&s->mu);
  series *d = lookup(&s->durations, key);
  if (d) {
    d->count++;
    d->sum_us += (uint64_t)(duration_us > 0 ? duration_us : 0);
    double secs = (double)duration_us / 1e6;
    for (size_t k = 0; k < NBUCKETS; k++) {
      if (secs <= bucket_le[k]) {
        d->buckets[k]++;
        break;
      }
    }
  }
  key[n] = SEP;
  memcpy(key + n + 1, code, 4);
  series *r = lookup(&s->requests, key);
  if (r) {
    r->count++;
    r->bytes_in += bytes_in;
    r->bytes_out += bytes_out;
  }
  pthread_mutex_unlock(&s->mu);
}

void lg_metrics_count_validation(lg_metrics_shard *s, const char *route, const char *type,
                                 long n) {
  char key[512];
  const char *parts[] = {route, type};
  if (join(key, sizeof key, parts, 2) < 0) return;
  pthread_mutex_lock(&s->mu);
  series *v = lookup(&s->validation, key);
  if (v) v->count += (uint64_t)n;
  pthread_mutex_unlock(&s->mu);
}

void lg_metrics_set_lua_memory(lg_metrics_shard *s, size_t bytes) {
  atomic_store_explicit(&s->lua_memory, bytes, memory_order_relaxed);
}

/* ===================== registry ===================== */

lg_metrics *lg_metrics_new(void) {
  lg_metrics *m = calloc(1, sizeof *m);
  if (m) pthread_mutex_init(&m->mu, NULL);
  return m;
}

lg_metrics_shard *lg_metrics_shard_new(lg_metrics *m) {
  lg_metrics_shard *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_lock(&m->mu);
  s->index = m->nshards++;
  s->next = m->shards;
  m->shards = s;
  pthread_mutex_unlock(&m->mu);
  return s;
}

int lg_metrics_add_source(lg_metrics *m, lg_metrics_source fn, void *ud) {
  pthread_mutex_lock(&m->mu);
  int ok = m->nsources < (int)LG_ARRAY_LEN(m->sources);
  if (ok) m->sources[m->nsources++] = (source){fn, ud};
  pthread_mutex_unlock(&m->mu);
  return ok ? LG_OK : LG_ERR;
}

void lg_metrics_free(lg_metrics *m) {
  if (m == NULL) return;
  lg_metrics_shard *s = m->shards;
  while (s) {
    lg_metrics_shard *next = s->next;
    table_free(&s->requests);
    table_free(&s->durations);
    table_free(&s->validation);
    pthread_mutex_destroy(&s->mu);
    free(s);
    s = next;
  }
  pthread_mutex_destroy(&m->mu);
  free(m);
}

/* ===================== rendering ===================== */

void lg_metrics_label(lg_buf *out, const char *s) {
  lg_buf_appendc(out, '"');
  for (; *s; s++) {
    if (*s == '\\' || *s == '"') lg_buf_appendc(out, '\\');
    if (*s == '\n') lg_buf_appends(out, "\\n");
    else lg_buf_appendc(out, *s);
  }
  lg_buf_appendc(out, '"');
}

/* Appends {name1="v1",name2="v2"[,extra]} from a SEP-joined key. */
static void labels(lg_buf *out, const char *const *names, const char *key, const char *extra) {
  lg_buf_appendc(out, '{');
  char value[512];
  for (int i = 0; names[i]; i++) {
    const char *end = strchr(key, SEP);
    size_t n = end ? (size_t)(end - key) : strlen(key);
    if (n >= sizeof value) n = sizeof value - 1;
    memcpy(value, key, n);
    value[n] = '\0';
    lg_buf_appendf(out, "%s%s=", i ? "," : "", names[i]);
    lg_metrics_label(out, value);
    key = end ? end + 1 : key + n;
  }
  if (extra) lg_buf_appendf(out, ",%s", extra);
  lg_buf_appendc(out, '}');
}

static int by_key(const void *a, const void *b) {
  return strcmp((*(series *const *)a)->key, (*(series *const *)b)->key);
}

/* The series of t sorted by key, for stable output; free the array. NULL if empty or OOM. */
static series **sorted(const table *t) {
  if (t->used == 0) return NULL;
  series **list = malloc(t->used * sizeof *list);
  if (list == NULL) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < t->cap; i++)
    if (t->slots[i].key) list[n++] = &t->slots[i];
  qsort(list, n, sizeof *list, by_key);
  return list;
}

/* One counter family: the uint64_t at byte offset `field` of each of the n series (sorted:
 * may be NULL when out of memory). */
static void render_counter(lg_buf *out, const char *name, const char *help, const char *const *names,
                           series *const *list, size_t n, size_t field) {
  lg_buf_appendf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  for (size_t i = 0; list && i < n; i++) {
    lg_buf_appends(out, name);
    labels(out, names, list[i]->key, NULL);
    lg_buf_appendf(out, " %llu\n", (unsigned long long)*(const uint64_t *)((const char *)list[i] + field));
  }
}

static void render_requests(lg_buf *out, const table *t) {
  static const char *const names[] = {"method", "route", "status", NULL};
  series **list = sorted(t);
  render_counter(out, "lakegate_http_requests_total", "Requests answered, by method, route and status.",
                 names, list, t->used, offsetof(series, count));
  render_counter(out, "lakegate_http_request_bytes_total", "Request body bytes received.", names, list,
                 t->used, offsetof(series, bytes_in));
  render_counter(out, "lakegate_http_response_bytes_total", "Response bytes sent (head and body).",
                 names, list, t->used, offsetof(series, bytes_out));
  free(list);
}

static void render_durations(lg_buf *out, const table *t) {
  static const char *const names[] = {"method", "route", NULL};
  series **list = sorted(t);
  lg_buf_appends(out, "# HELP lakegate_http_request_duration_seconds Time from request headers to response written.\n"
                      "# TYPE lakegate_http_request_duration_seconds histogram\n");
  for (size_t i = 0; list && i < t->used; i++) {
    const series *s = list[i];
    uint64_t cumulative = 0;
    for (size_t k = 0; k < NBUCKETS; k++) {
      cumulative += s->buckets[k];
      char le[32];
      snprintf(le, sizeof le, "le=\"%g\"", bucket_le[k]);
      lg_buf_appends(out, "lakegate_http_request_duration_seconds_bucket");
      labels(out, names, s->key, le);
      lg_buf_appendf(out, " %llu\n", (unsigned long long)cumulative);
    }
    lg_buf_appends(out, "lakegate_http_request_duration_seconds_bucket");
    labels(out, names, s->key, "le=\"+Inf\"");
    lg_buf_appendf(out, " %llu\n", (unsigned long long)s->count);
    lg_buf_appends(out, "lakegate_http_request_duration_seconds_sum");
    labels(out, names, s->key, NULL);
    lg_buf_appendf(out, " %.6f\n", (double)s->sum_us / 1e6);
    lg_buf_appends(out, "lakegate_http_request_duration_seconds_count");
    labels(out, names, s->key, NULL);
    lg_buf_appendf(out, " %llu\n", (unsigned long long)s->count);
  }
  free(list);
}

static void render_validation(lg_buf *out, const table *t) {
  static const char *const names[] = {"route", "type", NULL};
  series **list = sorted(t);
  render_counter(out, "lakegate_validation_errors_total",
                 "Validation errors reported, by route and error type.", names, list, t->used,
                 offsetof(series, count));
  free(list);
}

int lg_metrics_render(lg_metrics *m, lg_buf *out) {
  table requests = {0}, durations = {0}, validation = {0};
  int rc = LG_OK;
  pthread_mutex_lock(&m->mu);
  lg_buf_appends(out, "# HELP lakegate_lua_memory_bytes Memory used by each worker's Lua VM.\n"
                      "# TYPE lakegate_lua_memory_bytes gauge\n");
  for (lg_metrics_shard *s = m->shards; s; s = s->next) {
    pthread_mutex_lock(&s->mu);
    if (merge(&requests, &s->requests) != LG_OK || merge(&durations, &s->durations) != LG_OK ||
        merge(&validation, &s->validation) != LG_OK)
      rc = LG_ERR;
    pthread_mutex_unlock(&s->mu);
    size_t mem = atomic_load_explicit(&s->lua_memory, memory_order_relaxed);
    if (mem) lg_buf_appendf(out, "lakegate_lua_memory_bytes{worker=\"%d\"} %zu\n", s->index, mem);
  }
  render_requests(out, &requests);
  render_durations(out, &durations);
  render_validation(out, &validation);
  for (int i = 0; i < m->nsources; i++) m->sources[i].fn(out, m->sources[i].ud);
  pthread_mutex_unlock(&m->mu);
  table_free(&requests);
  table_free(&durations);
  table_free(&validation);
  return out->data ? rc : LG_ERR;
}
