/* Recovery at open: whatever an earlier run left in the spool goes on to the lake.
 *  - Segments (open or closed when it stopped) are queued for sealing in seq order,
 *    after their idempotency answers are put back in the index. Sealing verifies every
 *    frame and cuts a torn tail.
 *  - Outbox objects are queued for upload, except those sealed from a segment that is
 *    still in the spool: the crash came between writing them and deleting the segment,
 *    and sealing it again writes the same keys with the same bytes.
 *  - Temporary files of interrupted writes are deleted.
 * Layer: POSIX, lake internals. */
#define LOG_TAG "lake"
#include "lake/internal.h"
#include "lake/key.h"
#include "util/clock.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct found_segment {
  uint64_t seq;
  int64_t size;
  char path[PATH_MAX];
} found_segment;

typedef struct recovery {
  lg_lake *lake;
  found_segment *segs;
  size_t nsegs, cap;
  uint64_t max_seq;
  size_t objects;
} recovery;

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int by_seq(const void *a, const void *b) {
  const found_segment *x = a, *y = b;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int has_segment(const recovery *r, uint64_t seq) {
  size_t lo = 0, hi = r->nsegs;   /* segs are sorted */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (r->segs[mid].seq == seq) return 1;
    if (r->segs[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

/* ===================== segments ===================== */

static int list_segments(recovery *r, char *err, size_t errlen) {
  DIR *d = opendir(r->lake->segments_dir);
  if (d == NULL) {
    snprintf(err, errlen, "lake: open %s: %s", r->lake->segments_dir, strerror(errno));
    return LG_ERR;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", r->lake->segments_dir, e->d_name);
    if (ends_with(e->d_name, ".tmp")) {
      unlink(path);
      continue;
    }
    if (!ends_with(e->d_name, ".seg")) continue;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (r->nsegs == r->cap) {
      size_t cap = r->cap ? r->cap * 2 : 16;
      found_segment *s = realloc(r->segs, cap * sizeof *s);
      if (s == NULL) {
        closedir(d);
        snprintf(err, errlen, "lake: out of memory");
        return LG_ERR;
      }
      r->segs = s;
      r->cap = cap;
    }
    found_segment *s = &r->segs[r->nsegs++];
    s->seq = strtoull(e->d_name, NULL, 10);
    s->size = (int64_t)st.st_size;
    snprintf(s->path, sizeof s->path, "%s", path);
    if (s->seq > r->max_seq) r->max_seq = s->seq;
  }
  closedir(d);
  if (r->nsegs) qsort(r->segs, r->nsegs, sizeof *r->segs, by_seq);
  return LG_OK;
}

static int restore_answer(void *ctx, const lg_frame *f) {
  if (f->idem.key_len > 0) lg_idem_commit(ctx, &f->idem, f->ingested_us);
  return LG_OK;
}

/* Puts the idempotency answers of a segment back in the index. */
static void restore_answers(lg_lake *lake, const found_segment *s) {
  int fd = open(s->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || s->size == 0) {
    if (fd >= 0) close(fd);
    return;
  }
  const uint8_t *map = mmap(NULL, (size_t)s->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    lg_warn("%s: mmap: %s (its idempotency answers are not restored)", s->path, strerror(errno));
    return;
  }
  lg_segment_header h;
  size_t start = lg_segment_header_parse(map, (size_t)s->size, &h);
  if (start > 0) {
    lg_walk_info info;
    lg_frames_walk(map, (size_t)s->size, start, restore_answer, lake->idem, &info);
  }
  munmap((void *)map, (size_t)s->size);
}

/* ===================== outbox ===================== */

static int walk_outbox(recovery *r, const char *dir, size_t root_len) {
  DIR *d = opendir(dir);
  if (d == NULL) return errno == ENOENT ? LG_OK : LG_ERR;
  struct dirent *e;
  int rc = LG_OK;
  while (rc == LG_OK && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      rc = walk_outbox(r, path, root_len);
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    const char *key = path + root_len + 1;
    uint64_t seq = lg_key_seq_of(key);
    if (ends_with(e->d_name, ".tmp") || seq == 0 || has_segment(r, seq)) {
      unlink(path);   /* interrupted, foreign, or about to be written again by sealing */
      continue;
    }
    if (seq > r->max_seq) r->max_seq = seq;
    atomic_fetch_add(&r->lake->spool_bytes, (long long)st.st_size);
    lg_uploader_enqueue(r->lake->uploader, key, (int64_t)st.st_size, seq);
    r->objects++;
  }
  closedir(d);
  return rc;
}

/* ===================== entry point ===================== */

int lake_recover(lg_lake *lake, char *err, size_t errlen) {
  recovery r = {.lake = lake};
  if (list_segments(&r, err, errlen) != LG_OK) {
    free(r.segs);
    return LG_ERR;
  }
  for (size_t i = 0; i < r.nsegs; i++) restore_answers(lake, &r.segs[i]);
  if (walk_outbox(&r, lake->outbox_dir, strlen(lake->outbox_dir)) != LG_OK) {
    snprintf(err, errlen, "lake: read %s: %s", lake->outbox_dir, strerror(errno));
    free(r.segs);
    return LG_ERR;
  }
  for (size_t i = 0; i < r.nsegs; i++) {
    atomic_fetch_add(&lake->spool_bytes, (long long)r.segs[i].size);
    lg_sealer_enqueue(lake->sealer, r.segs[i].seq, r.segs[i].path, r.segs[i].size);
  }
  uint64_t now = (uint64_t)lg_clock_realtime_us();
  atomic_store(&lake->next_seq, r.max_seq + 1 > now ? r.max_seq + 1 : now);
  if (r.nsegs || r.objects)
    lg_info("recovering spool %s: %zu segments to seal, %zu objects to upload", lake->spool,
            r.nsegs, r.objects);
  free(r.segs);
  return LG_OK;
}
