/* Helpers for the lake's tests: temporary directories, and reading the lake back (every
 * object of a table, gunzipped, as one text). Header-only, static functions. */
#ifndef LG_TEST_LAKE_FIXTURE_H
#define LG_TEST_LAKE_FIXTURE_H

#include "test.h"
#include "lake/lake.h"
#include "util/buf.h"
#include "util/common.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

typedef struct lake_dirs {
  char base[128];
  char lake[160];
  char spool[160];
} lake_dirs;

static inline void fixture_dirs(lake_dirs *d) {
  snprintf(d->base, sizeof d->base, "/tmp/lg_test_lake_XXXXXX");
  ASSERT_MSG(mkdtemp(d->base) != NULL, "mkdtemp");
  snprintf(d->lake, sizeof d->lake, "%s/lake", d->base);
  snprintf(d->spool, sizeof d->spool, "%s/spool", d->base);
}

static inline void fixture_remove(const lake_dirs *d) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->base);
  ASSERT_INT_EQ(system(cmd), 0, "cleanup");
}

static inline lg_lake *fixture_open(const lake_dirs *d, lg_lake_options *opt) {
  char err[LG_ERRLEN];
  lg_lake_options o = {0};
  if (opt) o = *opt;
  if (o.root == NULL && o.backend == NULL) o.root = d->lake;
  o.spool = d->spool;
  lg_lake *lake = lg_lake_open(&o, err, sizeof err);
  if (lake == NULL) LG_TEST_FAIL("lg_lake_open: %s", err);
  return lake;
}

static inline int compare_paths(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects the paths of files under dir whose names end in suffix. */
static inline void collect(const char *dir, const char *suffix, char ***paths, size_t *n) {
  DIR *dh = opendir(dir);
  if (dh == NULL) return;
  struct dirent *e;
  while ((e = readdir(dh)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      collect(path, suffix, paths, n);
    } else {
      size_t len = strlen(path), slen = strlen(suffix);
      if (len < slen || strcmp(path + len - slen, suffix) != 0) continue;
      *paths = realloc(*paths, (*n + 1) * sizeof **paths);
      (*paths)[(*n)++] = strdup(path);
    }
  }
  closedir(dh);
}

/* The object paths under <dir>, sorted (caller frees with free_paths). */
static inline char **list_objects(const char *dir, size_t *n) {
  char **paths = NULL;
  *n = 0;
  collect(dir, ".json.gz", &paths, n);
  if (*n) qsort(paths, *n, sizeof *paths, compare_paths);
  return paths;
}

static inline void free_paths(char **paths, size_t n) {
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

/* Appends the gunzipped content of path to out. */
static inline void read_gz(const char *path, lg_buf *out) {
  gzFile f = gzopen(path, "rb");
  ASSERT_MSG(f != NULL, path);
  char chunk[65536];
  int n;
  while ((n = gzread(f, chunk, sizeof chunk)) > 0) lg_buf_append(out, chunk, (size_t)n);
  ASSERT_MSG(n == 0, "gzread reads the whole object");
  gzclose(f);
}

/* Every line of every object under <lake>/<table>, in object order, into out. Returns
 * the number of objects. */
static inline size_t read_table(const lake_dirs *d, const char *table, lg_buf *out) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/%s", d->lake, table);
  size_t n;
  char **paths = list_objects(dir, &n);
  lg_buf_reset(out);
  for (size_t i = 0; i < n; i++) read_gz(paths[i], out);
  free_paths(paths, n);
  return n;
}

static inline size_t count_lines(const char *text) {
  size_t n = 0;
  for (const char *p = text; p && *p; p++) n += *p == '\n';
  return n;
}

/* Counts occurrences of needle in text. */
static inline size_t count_of(const char *text, const char *needle) {
  size_t n = 0;
  for (const char *p = text; p && (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

/* ===================== a backend that fails on demand ===================== */

#include <stdatomic.h>

/* Wraps the file backend: the next `fail_next` puts fail (negative: every put fails until
 * changed), retryable or not; `puts` counts every call. With fake_backend_checked, it has
 * a check too, which fails while `check_fails` is set (retryable as `retryable` says);
 * `checks` counts its calls. */
typedef struct fake_backend {
  lg_backend base;
  lg_backend *real;
  atomic_int fail_next;
  atomic_int retryable;
  atomic_int puts;
  atomic_int check_fails;
  atomic_int checks;
} fake_backend;

static inline int fake_put(lg_backend *b, const lg_backend_object *obj, char *err, size_t errlen,
                    int *retryable) {
  fake_backend *f = (fake_backend *)b;
  atomic_fetch_add(&f->puts, 1);
  int left = atomic_load(&f->fail_next);
  if (left != 0) {
    if (left > 0) atomic_fetch_sub(&f->fail_next, 1);
    snprintf(err, errlen, "fake: PUT %s: 503 SlowDown", obj->key);
    *retryable = atomic_load(&f->retryable);
    return LG_ERR;
  }
  return f->real->vt->put(f->real, obj, err, errlen, retryable);
}

static inline void fake_close(lg_backend *b) {
  fake_backend *f = (fake_backend *)b;
  lg_backend_close(f->real);
  free(f);
}

static inline int fake_check(lg_backend *b, char *err, size_t errlen, int *retryable) {
  fake_backend *f = (fake_backend *)b;
  atomic_fetch_add(&f->checks, 1);
  if (!atomic_load(&f->check_fails)) return LG_OK;
  snprintf(err, errlen, "fake: LIST %s: 404 NoSuchBucket", b->url);
  *retryable = atomic_load(&f->retryable);
  return LG_ERR;
}

static const lg_backend_vtable fake_vtable = {fake_put, fake_close, NULL};
static const lg_backend_vtable fake_checked_vtable = {fake_put, fake_close, fake_check};

/* A fake backend over <d->lake>; the lake that receives it owns it. */
static inline fake_backend *fake_backend_new(const lake_dirs *d, int fail_next) {
  char err[LG_ERRLEN];
  fake_backend *f = calloc(1, sizeof *f);
  ASSERT_MSG(f != NULL, "calloc");
  f->real = lg_backend_file_open(d->lake, err, sizeof err);
  ASSERT_MSG(f->real != NULL, err);
  f->base.vt = &fake_vtable;
  f->base.url = f->real->url;
  atomic_init(&f->fail_next, fail_next);
  atomic_init(&f->retryable, 1);
  atomic_init(&f->puts, 0);
  atomic_init(&f->check_fails, 0);
  atomic_init(&f->checks, 0);
  return f;
}

/* The same with a check that fails while check_fails is set. */
static inline fake_backend *fake_backend_checked(const lake_dirs *d, int check_fails) {
  fake_backend *f = fake_backend_new(d, 0);
  f->base.vt = &fake_checked_vtable;
  atomic_store(&f->check_fails, check_fails);
  return f;
}

#endif
