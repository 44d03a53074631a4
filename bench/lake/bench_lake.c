/* bench/lake: the lake writer's speed, with peers measured in the same run.
 *
 *  1. Durable ingest through lg_lake_put (group-commit fdatasync) at 1, 16 and 64 writer
 *     threads, against the peer "append + fdatasync per record" (what a writer without
 *     group commit does) on the same disk.
 *  2. Sealing (lg_seal_segment: verify frames, split by partition, gzip) of a segment of
 *     Unicorn records, against `gzip -c` of the same NDJSON lines at the same level.
 *
 *   bench_lake [--dir DIR] [--seconds S] [--seal-mb N] [--level L] [--window US]
 * DIR (default: a new directory under $TMPDIR or /tmp) should be on the spool's disk. */
#include "lake/frame.h"
#include "lake/lake.h"
#include "lake/seal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/common.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct bench_opts {
  char dir[512];
  double seconds;      /* per ingest measurement */
  int seal_mb;         /* size of the sealed segment */
  int level;           /* gzip level for both sealers */
  long window_us;      /* group_commit_us */
} bench_opts;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A Unicorn like the example app stores, varied so that compression sees real data. */
static int unicorn(char *out, size_t cap, uint64_t n) {
  static const char *const colors[] = {"white", "pink", "gold"};
  static const char *const tags[] = {"shy", "fast", "sparkly", "old", "tiny", "loud"};
  uint64_t h = n * 0x9E3779B97F4A7C15ULL;
  return snprintf(out, cap,
                  "{\"name\":\"unicorn-%" PRIu64 "-%04x\",\"rainbow\":%s,\"horn_length_cm\":%d.%d,"
                  "\"color\":\"%s\",\"tags\":[\"%s\",\"%s\"]}",
                  n, (unsigned)(h >> 48), (h >> 7) & 1 ? "true" : "false", (int)(h >> 20) % 120 + 1,
                  (int)(h >> 30) % 10, colors[(h >> 33) % 3], tags[(h >> 40) % 6], tags[(h >> 44) % 6]);
}

/* ===================== ingest ===================== */

typedef struct ingest {
  lg_lake *lake;
  atomic_int stop;
  atomic_llong records, bytes, failures;
} ingest;

static void *ingest_writer(void *arg) {
  ingest *in = arg;
  char rec[256], err[LG_ERRLEN];
  uint64_t n = (uint64_t)(uintptr_t)&rec;   /* distinct per thread */
  long long records = 0, bytes = 0;
  while (!atomic_load(&in->stop)) {
    int len = unicorn(rec, sizeof rec, n++);
    if (lg_lake_put(in->lake, "unicorns", rec, (size_t)len, "0123456789abcdef0123456789abcdef", err,
                    sizeof err) != LG_OK) {
      atomic_fetch_add(&in->failures, 1);
      fprintf(stderr, "put: %s\n", err);
      break;
    }
    records++;
    bytes += len + 86;   /* + the _ingested_at and _request_id the lake adds */
  }
  atomic_fetch_add(&in->records, records);
  atomic_fetch_add(&in->bytes, bytes);
  return NULL;
}

/* Runs `writers` threads for opt->seconds on a fresh lake. */
static int run_ingest(const bench_opts *opt, int writers, double *rps, double *mbps, double *per_sync) {
  char root[600], spool[600], err[LG_ERRLEN];
  snprintf(root, sizeof root, "%s/ingest-%d/lake", opt->dir, writers);
  snprintf(spool, sizeof spool, "%s/ingest-%d/spool", opt->dir, writers);
  lg_lake_options lo = {.root = root, .spool = spool, .group_commit_us = opt->window_us};
  ingest in = {.lake = lg_lake_open(&lo, err, sizeof err)};
  if (in.lake == NULL) {
    fprintf(stderr, "bench: %s\n", err);
    return LG_ERR;
  }
  pthread_t *th = calloc((size_t)writers, sizeof *th);
  double t0 = now_s();
  for (int i = 0; i < writers; i++) pthread_create(&th[i], NULL, ingest_writer, &in);
  struct timespec run = {(time_t)opt->seconds, (long)((opt->seconds - (double)(time_t)opt->seconds) * 1e9)};
  nanosleep(&run, NULL);
  atomic_store(&in.stop, 1);
  for (int i = 0; i < writers; i++) pthread_join(th[i], NULL);
  double elapsed = now_s() - t0;
  lg_lake_stats st;
  lg_lake_stats_get(in.lake, &st);
  lg_lake_close(in.lake);
  free(th);
  *rps = (double)atomic_load(&in.records) / elapsed;
  *mbps = (double)atomic_load(&in.bytes) / elapsed / 1e6;
  *per_sync = st.syncs ? (double)st.synced_frames / (double)st.syncs : 0;
  return atomic_load(&in.failures) ? LG_ERR : LG_OK;
}

/* The peer: one writer, append + fdatasync per record. */
static double fsync_per_record(const bench_opts *opt) {
  char path[600], rec[256];
  snprintf(path, sizeof path, "%s/fsync-per-record.ndjson", opt->dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (fd < 0) return 0;
  long long n = 0;
  double t0 = now_s(), elapsed;
  while ((elapsed = now_s() - t0) < opt->seconds) {
    int len = unicorn(rec, sizeof rec - 1, (uint64_t)n++);
    rec[len++] = '\n';
    if (write(fd, rec, (size_t)len) != len || fdatasync(fd) != 0) break;
  }
  close(fd);
  unlink(path);
  return (double)n / elapsed;
}

/* ===================== sealing ===================== */

/* Writes a segment of opt->seal_mb MiB of framed Unicorn lines, and the same lines as
 * plain NDJSON. Returns the bytes of NDJSON; *records their number. */
static long long make_segment(const bench_opts *opt, const char *seg, const char *plain,
                              long long *records) {
  lg_buf b = LG_BUF_INIT, lines = LG_BUF_INIT;
  lg_segment_header h = {.seq = 1, .created_us = lg_clock_realtime_us(), .table = "unicorns",
                         .table_len = 8, .host = "bench", .host_len = 5};
  lg_segment_header_write(&b, &h);
  FILE *fs = fopen(seg, "wb"), *fp = fopen(plain, "wb");
  if (fs == NULL || fp == NULL) return -1;
  long long total = 0, target = (long long)opt->seal_mb << 20;
  int64_t ts = lg_clock_realtime_us();
  char rec[256], suffix[128];
  for (uint64_t n = 0; total < target; n++) {
    lg_frame_builder fb;
    lg_frame_begin(&b, &fb, ts, NULL);
    lg_frame_record_begin(&b, &fb, 0, NULL, NULL);
    int len = unicorn(rec, sizeof rec, n);
    char ts_text[LG_RFC3339_LEN];
    lg_clock_rfc3339(ts, ts_text);
    int ilen = snprintf(suffix, sizeof suffix, ",\"_ingested_at\":\"%s\",\"_request_id\":\"%032" PRIx64 "\"}\n",
                        ts_text, n * 2654435761u);
    size_t line_at = b.len;
    lg_buf_append(&b, rec, (size_t)len - 1);
    lg_buf_append(&b, suffix, (size_t)ilen);
    lg_buf_append(&lines, b.data + line_at, b.len - line_at);
    total += (long long)(b.len - line_at);
    lg_frame_record_end(&b, &fb);
    lg_frame_end(&b, &fb);
    ts += 50;
    (*records)++;
    if (b.len > (1 << 20)) {
      fwrite(b.data, 1, b.len, fs);
      fwrite(lines.data, 1, lines.len, fp);
      lg_buf_reset(&b);
      lg_buf_reset(&lines);
    }
  }
  fwrite(b.data, 1, b.len, fs);
  fwrite(lines.data, 1, lines.len, fp);
  fclose(fs);
  fclose(fp);
  lg_buf_free(&b);
  lg_buf_free(&lines);
  return total;
}

static int run_seal(const bench_opts *opt) {
  char seg[600], plain[600], outbox[600], cmd[2000], err[LG_ERRLEN];
  snprintf(seg, sizeof seg, "%s/seal.seg", opt->dir);
  snprintf(plain, sizeof plain, "%s/seal.ndjson", opt->dir);
  snprintf(outbox, sizeof outbox, "%s/outbox", opt->dir);
  long long records = 0, bytes = make_segment(opt, seg, plain, &records);
  if (bytes < 0) return LG_ERR;
  /* Warm the page cache for both readers alike. */
  snprintf(cmd, sizeof cmd, "cat '%s' '%s' > /dev/null", seg, plain);
  if (system(cmd) != 0) return LG_ERR;
  double best_seal = 1e9, best_gzip = 1e9;
  int64_t gz_size = 0;
  for (int round = 0; round < 3; round++) {   /* best of 3, interleaved: noise hits both */
    lg_seal_result res;
    double t0 = now_s();
    if (lg_seal_segment(seg, outbox, opt->level, NULL, &res, err, sizeof err) != LG_OK) {
      fprintf(stderr, "bench: %s\n", err);
      return LG_ERR;
    }
    double t = now_s() - t0;
    if (t < best_seal) best_seal = t;
    gz_size = res.nobjects ? res.objects[0].size : 0;
    lg_seal_result_free(&res);
    snprintf(cmd, sizeof cmd, "gzip -c -%d '%s' > /dev/null", opt->level, plain);
    t0 = now_s();
    if (system(cmd) != 0) return LG_ERR;
    t = now_s() - t0;
    if (t < best_gzip) best_gzip = t;
  }
  double mb = (double)bytes / 1e6;
  printf("\nsealing %.1f MB of Unicorn NDJSON (%lld records), gzip level %d, best of 3:\n", mb,
         records, opt->level);
  printf("  lakegate seal   %8.1f MB/s  (frames checked, split by partition, gzip, fsync; %.1fx smaller)\n",
         mb / best_seal, (double)bytes / (double)(gz_size ? gz_size : 1));
  printf("  gzip -c         %8.1f MB/s\n", mb / best_gzip);
  printf("  ratio seal / gzip -c: %.2f\n", best_gzip / best_seal);
  return LG_OK;
}

/* ===================== main ===================== */

static void parse(int argc, char **argv, bench_opts *opt) {
  const char *tmp = getenv("TMPDIR");
  snprintf(opt->dir, sizeof opt->dir, "%s/lakegate-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  opt->seconds = 3;
  opt->seal_mb = 64;
  opt->level = 6;
  opt->window_us = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--dir") == 0) {
      snprintf(opt->dir, sizeof opt->dir, "%s/lakegate-bench-XXXXXX", argv[i + 1]);
    } else if (strcmp(argv[i], "--seconds") == 0) {
      opt->seconds = atof(argv[i + 1]);
    } else if (strcmp(argv[i], "--seal-mb") == 0) {
      opt->seal_mb = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--level") == 0) {
      opt->level = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--window") == 0) {
      opt->window_us = atol(argv[i + 1]);
    } else {
      fprintf(stderr, "usage: bench_lake [--dir DIR] [--seconds S] [--seal-mb N] [--level L] [--window US]\n");
      exit(2);
    }
  }
  if (mkdtemp(opt->dir) == NULL) {
    perror("bench: mkdtemp");
    exit(1);
  }
}

int main(int argc, char **argv) {
  bench_opts opt;
  parse(argc, argv, &opt);
  printf("lakegate bench/lake in %s (%.1f s per measurement, group_commit_us=%ld)\n", opt.dir,
         opt.seconds, opt.window_us);
  double peer = fsync_per_record(&opt);
  printf("\ndurable ingest of Unicorn records (each acknowledged after fdatasync):\n");
  printf("  peer: 1 writer, append + fdatasync per record   %8.0f records/s\n", peer);
  int rc = LG_OK;
  const int writers[] = {1, 16, 64};
  for (size_t i = 0; i < LG_ARRAY_LEN(writers) && rc == LG_OK; i++) {
    double rps = 0, mbps = 0, per_sync = 0;
    rc = run_ingest(&opt, writers[i], &rps, &mbps, &per_sync);
    printf("  lg_lake_put, %2d writers   %8.0f records/s  %6.1f MB/s  %5.1f records/fdatasync  %5.1fx peer\n",
           writers[i], rps, mbps, per_sync, peer > 0 ? rps / peer : 0);
  }
  if (rc == LG_OK) rc = run_seal(&opt);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", opt.dir);
  if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", opt.dir);
  return rc == LG_OK ? 0 : 1;
}
