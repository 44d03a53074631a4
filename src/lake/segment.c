/* A table's open segment file: created on the first frame (header written, file and
 * directory entry synced), appended to a batch at a time (one write, one fdatasync for a
 * durable batch), cut back after a failed write, and closed into the sealer's queue.
 * Only the thread that holds the table's `syncing` flag calls these (see spool.c).
 * Layer: POSIX, lake internals. */
#define LOG_TAG "lake"
#include "lake/internal.h"
#include "lake/fs.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ERROR_LOG_INTERVAL_MS 1000

/* Logs a spool error at most once a second per table; every one is still returned to
 * its writers. */
static void spool_error(lake_table *t, const char *msg) {
  int64_t now = lg_clock_monotonic_ms();
  if (now - t->last_error_log_ms < ERROR_LOG_INTERVAL_MS) return;
  t->last_error_log_ms = now;
  lake_note_error(t->lake, 1, msg);
}

/* Creates the next segment file: header written, file and directory entry synced. */
static int open_segment(lake_table *t, lg_lake_durability durability, char *err, size_t errlen) {
  lg_lake *lake = t->lake;
  uint64_t seq = lake_next_seq(lake);
  snprintf(t->path, sizeof t->path, "%s/%" PRIu64 ".seg", lake->segments_dir, seq);
  lg_segment_header h = {
    .seq = seq, .created_us = lg_clock_realtime_us(), .durability = (int)durability,
    .table = t->name, .table_len = strlen(t->name), .host = lake->host,
    .host_len = strlen(lake->host), .nkeys = t->nkeys,
  };
  for (int i = 0; i < t->nkeys; i++) {
    h.keys[i] = t->keys[i];
    h.key_lens[i] = strlen(t->keys[i]);
  }
  lg_buf head = LG_BUF_INIT;
  const char *step = "encode header";
  int fd = -1;
  if (lg_segment_header_write(&head, &h) != LG_OK) goto fail;
  step = "create";
  if ((fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) goto fail;
  step = "write";
  if (lg_fs_write_all(fd, head.data, head.len) != LG_OK) goto fail;
  step = "fdatasync";
  if (fdatasync(fd) != 0) goto fail;
  step = "fsync directory of";
  if (lg_fs_fsync_dir(lake->segments_dir) != LG_OK) goto fail;
  t->fd = fd;
  t->seq = seq;
  t->size = (int64_t)head.len;
  t->opened_ms = lg_clock_monotonic_ms();
  atomic_fetch_add(&lake->spool_bytes, (long long)head.len);
  lg_buf_free(&head);
  lg_debug("table %s: opened segment %s", t->name, t->path);
  return LG_OK;
fail:
  snprintf(err, errlen, "lake: spool %s %.180s: %s", step, t->path, strerror(errno));
  if (fd >= 0) {
    close(fd);
    unlink(t->path);
  }
  lg_buf_free(&head);
  return LG_ERR;
}

/* MEMORY frames were written without a sync: sync now, so what is sealed is on disk. */
void lake_segment_close(lake_table *t) {
  if (t->fd < 0) return;
  if (fdatasync(t->fd) != 0) {
    char msg[PATH_MAX + 64];
    snprintf(msg, sizeof msg, "lake: spool fdatasync %s: %s", t->path, strerror(errno));
    spool_error(t, msg);
  }
  close(t->fd);
  t->fd = -1;
  lg_sealer_enqueue(t->lake->sealer, t->seq, t->path, t->size);
  lg_debug("table %s: closed segment %s (%" PRId64 " bytes)", t->name, t->path, t->size);
}

/* Writes a batch to the open segment (creating one if needed). Returns LG_OK, or LG_ERR
 * with b->err set; then the segment holds none of the batch's bytes (cut back). */
static int write_batch(lake_table *t, lake_batch *b, lg_lake_durability durability) {
  lg_lake *lake = t->lake;
  if (t->fd < 0 && open_segment(t, durability, b->err, sizeof b->err) != LG_OK) return LG_ERR;
  const char *step = "write";
  if (lg_fs_write_all(t->fd, b->bytes.data, b->bytes.len) != LG_OK) goto fail;
  if (b->durable) {
    step = "fdatasync";
    if (fdatasync(t->fd) != 0) goto fail;
    atomic_fetch_add(&lake->syncs, 1);
  }
  t->size += (int64_t)b->bytes.len;
  return LG_OK;
fail:
  snprintf(b->err, sizeof b->err, "lake: spool %s %.180s: %s", step, t->path, strerror(errno));
  /* Cut the segment back so the failed frames are never sealed; if even that fails, the
   * CRC still keeps a torn frame out, and whole frames were never acknowledged. */
  if (ftruncate(t->fd, (off_t)t->size) != 0 || lseek(t->fd, 0, SEEK_END) < 0) {
    lg_warn("table %s: cannot cut %s back after a failed write: %s", t->name, t->path,
            strerror(errno));
  }
  return LG_ERR;
}

/* Counts the frames in b (for stats: frames per sync). */
static long long count_frames(const lake_batch *b) {
  long long n = 0;
  const uint8_t *p = (const uint8_t *)b->bytes.data, *end = p + b->bytes.len;
  while (end - p >= LG_FRAME_HEAD) {
    uint32_t len = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
    p += LG_FRAME_HEAD + len;
    n++;
  }
  return n;
}

int lake_segment_sync(lake_table *t, lake_batch *b, lg_lake_durability durability) {
  long long frames = count_frames(b);
  if (write_batch(t, b, durability) != LG_OK) {
    atomic_fetch_sub(&t->lake->spool_bytes, (long long)b->bytes.len);
    spool_error(t, b->err);
    return 1;
  }
  atomic_fetch_add(&t->lake->writes, 1);
  atomic_fetch_add(&t->lake->written_frames, frames);
  if (b->durable) atomic_fetch_add(&t->lake->synced_frames, frames);
  return 0;
}
