/* Sealing (see seal.h): one segment -> gzip NDJSON objects in the outbox, grouped by
 * partition. The thread that runs it is in sealer.c. Layer: POSIX, zlib, frame.h, key.h. */
#include "lake/seal.h"
#include "lake/fs.h"
#include "lake/key.h"
#include "util/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#define STAGE_BYTES (256 * 1024)   /* lines are copied into this much input per deflate call */

/* ===================== grouping records by partition ===================== */

typedef struct line_ref {
  const char *p;
  size_t len;
} line_ref;

typedef struct group {
  char *partition;      /* "dt=YYYY-MM-DD/hr=HH[/k=v...]", owned */
  int64_t first_us;     /* ingestion time of its first record */
  line_ref *lines;      /* owned */
  size_t n, cap;
} group;

typedef struct sealing {
  const lg_segment_header *h;
  group *groups;
  size_t ngroups, cap;
  size_t *index;        /* open addressing: group number + 1, 0 = empty */
  size_t index_cap;
  /* the last record's partition, to skip the lookup for runs of the same partition */
  int64_t last_hour;
  lg_frame_record last;
  size_t last_group;
  int have_last;
  lg_buf scratch;
  lg_seal_result *res;
  int oom;
} sealing;

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int same_values(const lg_frame_record *a, const lg_frame_record *b) {
  if (a->nvals != b->nvals) return 0;
  for (int i = 0; i < a->nvals; i++) {
    if ((a->values[i] == NULL) != (b->values[i] == NULL) || a->lens[i] != b->lens[i]) return 0;
    if (a->values[i] && memcmp(a->values[i], b->values[i], a->lens[i]) != 0) return 0;
  }
  return 1;
}

/* Writes the partition path of a record into s->scratch. */
static int partition_path(sealing *s, int64_t us, const lg_frame_record *r) {
  lg_buf *b = &s->scratch;
  lg_buf_reset(b);
  if (lg_key_append_hour(b, us) != LG_OK) return LG_ERR;
  int n = r->nvals < s->h->nkeys ? r->nvals : s->h->nkeys;
  for (int i = 0; i < n; i++) {
    if (lg_buf_appendf(b, "/%.*s=", (int)s->h->key_lens[i], s->h->keys[i]) != LG_OK) return LG_ERR;
    if (lg_key_escape_value(b, r->values[i], r->lens[i]) != LG_OK &&
        lg_buf_appends(b, LG_HIVE_DEFAULT_PARTITION) != LG_OK)   /* checked at write time */
      return LG_ERR;
  }
  return LG_OK;
}

static int index_insert(sealing *s, size_t g) {
  if ((s->ngroups + 1) * 2 > s->index_cap) {
    size_t cap = s->index_cap ? s->index_cap * 2 : 64;
    size_t *ix = calloc(cap, sizeof *ix);
    if (ix == NULL) return LG_ERR;
    for (size_t i = 0; i < s->ngroups; i++) {
      size_t h = str_hash(s->groups[i].partition) & (cap - 1);
      while (ix[h]) h = (h + 1) & (cap - 1);
      ix[h] = i + 1;
    }
    free(s->index);
    s->index = ix;
    s->index_cap = cap;
    return LG_OK;   /* the rebuild included g */
  }
  size_t h = str_hash(s->groups[g].partition) & (s->index_cap - 1);
  while (s->index[h]) h = (h + 1) & (s->index_cap - 1);
  s->index[h] = g + 1;
  return LG_OK;
}

/* Returns the group for the partition in s->scratch (created if new), or SIZE_MAX. */
static size_t find_group(sealing *s, int64_t us) {
  const char *part = s->scratch.data;
  if (s->index_cap) {
    size_t h = str_hash(part) & (s->index_cap - 1);
    while (s->index[h]) {
      if (strcmp(s->groups[s->index[h] - 1].partition, part) == 0) return s->index[h] - 1;
      h = (h + 1) & (s->index_cap - 1);
    }
  }
  if (s->ngroups == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4;
    group *g = realloc(s->groups, cap * sizeof *g);
    if (g == NULL) return SIZE_MAX;
    s->groups = g;
    s->cap = cap;
  }
  group *g = &s->groups[s->ngroups];
  memset(g, 0, sizeof *g);
  if ((g->partition = strdup(part)) == NULL) return SIZE_MAX;
  g->first_us = us;
  s->ngroups++;
  if (index_insert(s, s->ngroups - 1) != LG_OK) return SIZE_MAX;
  return s->ngroups - 1;
}

static int add_line(group *g, const lg_frame_record *r) {
  if (g->n == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 256;
    line_ref *l = realloc(g->lines, cap * sizeof *l);
    if (l == NULL) return LG_ERR;
    g->lines = l;
    g->cap = cap;
  }
  g->lines[g->n++] = (line_ref){r->line, r->line_len};
  return LG_OK;
}

/* lg_frames_walk callback: sorts a frame's records into groups, keeps its answer. */
static int on_frame(void *ctx, const lg_frame *f) {
  sealing *s = ctx;
  if (f->idem.key_len > 0) {
    lg_frame_builder fb;
    if (lg_frame_begin(&s->res->answers, &fb, f->ingested_us, &f->idem) != LG_OK) goto oom;
    lg_frame_end(&s->res->answers, &fb);
  }
  int64_t hour = f->ingested_us / 3600000000LL;
  const uint8_t *cursor = f->records;
  lg_frame_record r;
  while (lg_frame_next_record(f, &cursor, &r)) {
    size_t g;
    if (s->have_last && hour == s->last_hour && same_values(&r, &s->last)) {
      g = s->last_group;
    } else {
      if (partition_path(s, f->ingested_us, &r) != LG_OK) goto oom;
      if ((g = find_group(s, f->ingested_us)) == SIZE_MAX) goto oom;
      s->last = r;
      s->last_hour = hour;
      s->last_group = g;
      s->have_last = 1;
    }
    if (add_line(&s->groups[g], &r) != LG_OK) goto oom;
    s->res->records++;
  }
  return LG_OK;
oom:
  s->oom = 1;
  return LG_ERR;
}

static void free_sealing(sealing *s) {
  for (size_t i = 0; i < s->ngroups; i++) {
    free(s->groups[i].partition);
    free(s->groups[i].lines);
  }
  free(s->groups);
  free(s->index);
  lg_buf_free(&s->scratch);
}

/* ===================== writing objects ===================== */

static int deflate_out(z_stream *z, int flush, int fd, unsigned char *out, size_t outlen) {
  do {
    z->next_out = out;
    z->avail_out = (uInt)outlen;
    int zr = deflate(z, flush);
    if (zr == Z_STREAM_ERROR) {
      errno = EINVAL;
      return LG_ERR;
    }
    size_t have = outlen - z->avail_out;
    if (have && lg_fs_write_all(fd, out, have) != LG_OK) return LG_ERR;
  } while (z->avail_out == 0 || (flush == Z_FINISH && z->avail_in > 0));
  return LG_OK;
}

/* Writes the group's lines gzip-compressed to fd. */
static int write_gzip(int fd, const group *g, int level, const char **step) {
  z_stream z;
  memset(&z, 0, sizeof z);
  *step = "deflateInit";
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    errno = ENOMEM;
    return LG_ERR;
  }
  unsigned char *stage = malloc(STAGE_BYTES), *out = malloc(STAGE_BYTES);
  int rc = LG_ERR;
  if (stage == NULL || out == NULL) {
    errno = ENOMEM;
    goto done;
  }
  *step = "write";
  size_t used = 0;
  for (size_t i = 0; i < g->n; i++) {
    const char *p = g->lines[i].p;
    size_t left = g->lines[i].len;
    while (left > 0) {
      size_t take = left < STAGE_BYTES - used ? left : STAGE_BYTES - used;
      memcpy(stage + used, p, take);
      used += take;
      p += take;
      left -= take;
      if (used == STAGE_BYTES) {
        z.next_in = stage;
        z.avail_in = (uInt)used;
        if (deflate_out(&z, Z_NO_FLUSH, fd, out, STAGE_BYTES) != LG_OK) goto done;
        used = 0;
      }
    }
  }
  z.next_in = stage;
  z.avail_in = (uInt)used;
  if (deflate_out(&z, Z_FINISH, fd, out, STAGE_BYTES) != LG_OK) goto done;
  rc = LG_OK;
done:
  deflateEnd(&z);
  free(stage);
  free(out);
  return rc;
}

/* Writes one object: <outbox>/<key>.tmp, fsync, rename to <outbox>/<key>, fsync dir. */
static int write_object(const char *outbox, const char *key, const group *g, int level,
                        pthread_mutex_t *dir_mu, int64_t *size, char *err, size_t errlen) {
  char path[PATH_MAX], tmp[PATH_MAX + 8], dir[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", outbox, key) >= (int)sizeof path) {
    snprintf(err, errlen, "lake: outbox path too long for %s", key);
    return LG_ERR;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = '\0';
  const char *step = "mkdir";
  int fd = -1;
  if (dir_mu) pthread_mutex_lock(dir_mu);
  if (lg_fs_mkdirs(dir, 0700, 1) == LG_OK) {
    step = "create";
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  }
  if (dir_mu) pthread_mutex_unlock(dir_mu);
  if (fd < 0) goto fail;
  if (write_gzip(fd, g, level, &step) != LG_OK) goto fail;
  struct stat st;
  step = "stat";
  if (fstat(fd, &st) != 0) goto fail;
  int rc = lg_fs_publish(fd, tmp, path, &step);
  fd = -1;
  if (rc != LG_OK) goto fail;
  *size = (int64_t)st.st_size;
  return LG_OK;
fail:
  snprintf(err, errlen, "lake: seal: %s %s: %s", step, tmp, strerror(errno));
  if (fd >= 0) close(fd);
  unlink(tmp);
  return LG_ERR;
}

static int write_objects(sealing *s, const char *outbox, int level, pthread_mutex_t *dir_mu,
                         char *err, size_t errlen) {
  lg_seal_result *res = s->res;
  if (s->ngroups == 0) return LG_OK;
  if ((res->objects = calloc(s->ngroups, sizeof *res->objects)) == NULL) {
    snprintf(err, errlen, "lake: seal: out of memory");
    return LG_ERR;
  }
  lg_buf key = LG_BUF_INIT;
  for (size_t i = 0; i < s->ngroups; i++) {
    const group *g = &s->groups[i];
    lg_buf_reset(&key);
    if (lg_buf_appendf(&key, "%.*s/%s/", (int)s->h->table_len, s->h->table, g->partition) != LG_OK ||
        lg_key_append_object_name(&key, s->h->host, s->h->host_len, g->first_us, s->h->seq) != LG_OK) {
      snprintf(err, errlen, "lake: seal: out of memory");
      goto fail;
    }
    lg_sealed_object *o = &res->objects[res->nobjects];
    if (write_object(outbox, key.data, g, level, dir_mu, &o->size, err, errlen) != LG_OK) goto fail;
    if ((o->key = strdup(key.data)) == NULL) {
      snprintf(err, errlen, "lake: seal: out of memory");
      goto fail;
    }
    o->records = (int64_t)g->n;
    res->nobjects++;
  }
  lg_buf_free(&key);
  return LG_OK;
fail:
  lg_buf_free(&key);
  return LG_ERR;
}

int lg_seal_segment(const char *path, const char *outbox_dir, int level, pthread_mutex_t *dir_mu,
                    lg_seal_result *res, char *err, size_t errlen) {
  memset(res, 0, sizeof *res);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "lake: seal: open %s: %s", path, strerror(errno));
    return LG_ERR;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(err, errlen, "lake: seal: stat %s: %s", path, strerror(errno));
    close(fd);
    return LG_ERR;
  }
  size_t len = (size_t)st.st_size;
  const uint8_t *map = NULL;
  if (len > 0) {
    map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      snprintf(err, errlen, "lake: seal: mmap %s: %s", path, strerror(errno));
      close(fd);
      return LG_ERR;
    }
    madvise((void *)map, len, MADV_SEQUENTIAL);
  }
  close(fd);
  lg_segment_header h;
  size_t start = map ? lg_segment_header_parse(map, len, &h) : 0;
  if (start == 0) {
    res->bad_header = 1;
    if (map) munmap((void *)map, len);
    return LG_OK;
  }
  sealing s = {.h = &h, .res = res};
  int rc = lg_frames_walk(map, len, start, on_frame, &s, &res->walk);
  if (rc != LG_OK || s.oom) {
    snprintf(err, errlen, "lake: seal %s: out of memory", path);
    rc = LG_ERR;
  } else {
    rc = write_objects(&s, outbox_dir, level, dir_mu, err, errlen);
  }
  free_sealing(&s);
  munmap((void *)map, len);
  if (rc != LG_OK) lg_seal_result_free(res);
  return rc;
}

void lg_seal_result_free(lg_seal_result *res) {
  for (size_t i = 0; i < res->nobjects; i++) free(res->objects[i].key);
  free(res->objects);
  lg_buf_free(&res->answers);
  res->objects = NULL;
  res->nobjects = 0;
}
