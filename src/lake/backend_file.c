/* The file:// backend: objects are files under a directory, laid out exactly as keys are
 * in S3. A put copies the sealed object to a hidden temporary name beside its key
 * (".<name>.tmp-<random>": Athena and Hive skip names starting with '.'), fsyncs it,
 * renames it to "<dir>/<key>" and fsyncs the directory, so a reader never sees a partial
 * object.
 * Layer: POSIX only. */
#define LOG_TAG "lake"
#include "lake/backend.h"
#include "lake/fs.h"
#include "util/common.h"
#include "util/random.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_backend {
  lg_backend base;
  char *dir;   /* absolute or as given, without trailing '/'; owned */
} file_backend;

/* Errors that an operator must fix; the rest (ENOSPC, EIO, ...) may pass on their own. */
static int is_permanent(int e) {
  return e == EACCES || e == EPERM || e == EROFS || e == ENAMETOOLONG;
}

static int copy_file(int in, int out, int64_t size) {
  off_t off = 0;
  while (off < size) {
    ssize_t n = sendfile(out, in, &off, (size_t)(size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;   /* the source shrank under us */
      return LG_ERR;
    }
  }
  return LG_OK;
}

static int file_put(lg_backend *b, const lg_backend_object *obj, char *err, size_t errlen,
                    int *retryable) {
  file_backend *fb = (file_backend *)b;
  char path[PATH_MAX], tmp[PATH_MAX + 48], dir[PATH_MAX];
  int in = -1, out = -1;
  *retryable = 1;
  if (snprintf(path, sizeof path, "%s/%s", fb->dir, obj->key) >= (int)sizeof path) {
    snprintf(err, errlen, "file: %s/%s: path too long", fb->dir, obj->key);
    *retryable = 0;
    return LG_ERR;
  }
  char rnd[33];
  lg_random_id(rnd);
  snprintf(tmp, sizeof tmp, "%s.tmp-%.16s", path, rnd);
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = '\0';
  const char *step = "mkdir";
  if (lg_fs_mkdirs(dir, 0755, 1) != LG_OK) goto fail;
  step = "open";
  if ((in = open(obj->path, O_RDONLY | O_CLOEXEC)) < 0) goto fail;
  if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) goto fail;
  step = "write";
  if (copy_file(in, out, obj->size) != LG_OK) goto fail;
  int rc = lg_fs_publish(out, tmp, path, &step);
  out = -1;
  if (rc != LG_OK) goto fail;
  close(in);
  return LG_OK;
fail:;
  int e = errno;
  snprintf(err, errlen, "file: %s %s: %s", step, path, strerror(e));
  *retryable = !is_permanent(e);
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  unlink(tmp);
  return LG_ERR;
}

static void file_close(lg_backend *b) {
  file_backend *fb = (file_backend *)b;
  free(fb->dir);
  free(fb->base.url);
  free(fb);
}

/* No check: lg_lake_ready sees whether the directory is writable. */
static const lg_backend_vtable file_vtable = {file_put, file_close, NULL};

lg_backend *lg_backend_file_open(const char *dir, char *err, size_t errlen) {
  if (*dir == '\0') {
    snprintf(err, errlen, "lake: empty lake directory");
    return NULL;
  }
  if (lg_fs_mkdirs(dir, 0755, 1) != LG_OK) {
    snprintf(err, errlen, "lake: mkdir %s: %s", dir, strerror(errno));
    return NULL;
  }
  file_backend *fb = calloc(1, sizeof *fb);
  char abs[PATH_MAX];
  if (fb == NULL || (fb->dir = strdup(dir)) == NULL) goto oom;
  size_t n = strlen(fb->dir);
  while (n > 1 && fb->dir[n - 1] == '/') fb->dir[--n] = '\0';
  if (realpath(fb->dir, abs) == NULL) snprintf(abs, sizeof abs, "%s", fb->dir);
  size_t ulen = strlen(abs) + 8;
  if ((fb->base.url = malloc(ulen)) == NULL) goto oom;
  snprintf(fb->base.url, ulen, "file://%s", abs);
  fb->base.vt = &file_vtable;
  return &fb->base;
oom:
  if (fb) free(fb->dir);
  free(fb);
  snprintf(err, errlen, "lake: out of memory");
  return NULL;
}

const char *lg_backend_file_dir(const lg_backend *b) {
  if (b == NULL || b->vt != &file_vtable) return NULL;
  return ((const file_backend *)b)->dir;
}
