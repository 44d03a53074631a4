/* Routes folder snapshots (see snapshot.h). Layer: libc and POSIX. */
#include "lua/snapshot.h"
#include "util/common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 10000
#define MAX_BYTES (64L * 1024 * 1024)

typedef struct file {
  char *path;    /* relative path, owned */
  char *data;    /* contents, owned, '\0'-terminated */
  size_t len;
} file;

struct lg_snapshot {
  file *files;   /* sorted by path */
  size_t count, cap;
  size_t bytes;
};

static int add_file(lg_snapshot *s, const char *full, const char *rel, char *err, size_t errlen) {
  FILE *f = fopen(full, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "routes: cannot read %s: %s", full, strerror(errno));
    return LG_ERR;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || s->count >= MAX_FILES ||
      s->bytes + (size_t)st.st_size > MAX_BYTES) {
    fclose(f);
    snprintf(err, errlen, "routes: %s: the routes folder is limited to %d files and %ld bytes",
             full, MAX_FILES, MAX_BYTES);
    return LG_ERR;
  }
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    file *grown = realloc(s->files, cap * sizeof *grown);
    if (grown == NULL) goto oom;
    s->files = grown;
    s->cap = cap;
  }
  file *fl = &s->files[s->count];
  fl->path = strdup(rel);
  fl->data = malloc((size_t)st.st_size + 1);
  if (fl->path == NULL || fl->data == NULL) {
    free(fl->path);
    free(fl->data);
    goto oom;
  }
  fl->len = fread(fl->data, 1, (size_t)st.st_size, f);
  fl->data[fl->len] = '\0';
  fclose(f);
  s->count++;
  s->bytes += fl->len;
  return LG_OK;
oom:
  fclose(f);
  snprintf(err, errlen, "routes: out of memory reading %s", full);
  return LG_ERR;
}

/* Adds the files below dir/rel ("" for the top). */
static int walk(lg_snapshot *s, const char *dir, const char *rel, int depth, char *err,
                size_t errlen) {
  char path[4096];
  snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
  if (depth > 16) {
    snprintf(err, errlen, "routes: %s: folders nested too deep", path);
    return LG_ERR;
  }
  DIR *d = opendir(path);
  if (d == NULL) {
    snprintf(err, errlen, "cannot read the routes directory %s: %s", path, strerror(errno));
    return LG_ERR;
  }
  int rc = LG_OK;
  struct dirent *e;
  while (rc == LG_OK && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char child_rel[4096], child[8192];
    snprintf(child_rel, sizeof child_rel, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    struct stat st;
    if (stat(child, &st) != 0) continue;   /* vanished or dangling link: not part of the snapshot */
    if (S_ISDIR(st.st_mode)) rc = walk(s, dir, child_rel, depth + 1, err, errlen);
    else if (S_ISREG(st.st_mode)) rc = add_file(s, child, child_rel, err, errlen);
  }
  closedir(d);
  return rc;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const file *)a)->path, ((const file *)b)->path);
}

lg_snapshot *lg_snapshot_read(const char *dir, char *err, size_t errlen) {
  lg_snapshot *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (walk(s, dir, "", 0, err, errlen) != LG_OK) {
    lg_snapshot_free(s);
    return NULL;
  }
  if (s->count > 1) qsort(s->files, s->count, sizeof *s->files, by_path);
  return s;
}

size_t lg_snapshot_count(const lg_snapshot *s) {
  return s->count;
}

const char *lg_snapshot_path(const lg_snapshot *s, size_t i) {
  return s->files[i].path;
}

const char *lg_snapshot_data(const lg_snapshot *s, size_t i, size_t *len) {
  *len = s->files[i].len;
  return s->files[i].data;
}

void lg_snapshot_free(lg_snapshot *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < s->count; i++) {
    free(s->files[i].path);
    free(s->files[i].data);
  }
  free(s->files);
  free(s);
}
