/* Tests for the spool's durability (lake/spool.c, recover.c): what a killed process left
 * behind reaches the lake exactly once, torn writes are cut, write failures and a full
 * spool are reported, never hidden. Crashes are real: a child process writes and then
 * SIGKILLs itself. */
#include "lake_fixture.h"
#include "lake/frame.h"
#include "lake/seal.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define DEADLINE_MS 10000

static void flush_ok(lg_lake *lake) {
  char err[512];
  if (lg_lake_flush(lake, DEADLINE_MS, err, sizeof err) != LG_OK) LG_TEST_FAIL("flush: %s", err);
}

/* In a child process: opens the lake, writes records 0..n-1 (durable), then SIGKILLs
 * itself. Returns once the child is dead. */
static void write_then_die(const lake_dirs *d, int n, int64_t seal_bytes) {
  pid_t pid = fork();
  ASSERT_MSG(pid >= 0, "fork");
  if (pid == 0) {
    char err[LG_ERRLEN], rec[64];
    lg_lake_options o = {.root = d->lake, .spool = d->spool, .seal_bytes = seal_bytes};
    lg_lake *lake = lg_lake_open(&o, err, sizeof err);
    if (lake == NULL) _exit(3);
    for (int i = 0; i < n; i++) {
      int len = snprintf(rec, sizeof rec, "{\"n\":%d}", i);
      if (lg_lake_put(lake, "t", rec, (size_t)len, NULL, err, sizeof err) != LG_OK) _exit(4);
    }
    kill(getpid(), SIGKILL);
    _exit(5);
  }
  int status;
  ASSERT_INT_EQ(waitpid(pid, &status, 0), pid, "waitpid");
  ASSERT_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child wrote everything and was killed");
}

/* Asserts the lake's table t holds records 0..n-1 exactly once each and nothing else. */
static void assert_exactly(const lake_dirs *d, int n) {
  lg_buf text = LG_BUF_INIT;
  read_table(d, "t", &text);
  ASSERT_INT_EQ(count_lines(text.data), n, "as many lines as acknowledged records");
  char rec[64];
  for (int i = 0; i < n; i++) {
    snprintf(rec, sizeof rec, "{\"n\":%d,", i);
    if (count_of(text.data, rec) != 1) LG_TEST_FAIL("record %d is not in the lake exactly once", i);
  }
  lg_buf_free(&text);
}

/* The one segment file left in the spool. */
static void only_segment(const lake_dirs *d, char *path, size_t len) {
  char dir[256];
  snprintf(dir, sizeof dir, "%s/segments", d->spool);
  char **paths = NULL;
  size_t n = 0;
  collect(dir, ".seg", &paths, &n);
  ASSERT_INT_EQ(n, 1, "one segment left by the killed writer");
  snprintf(path, len, "%s", paths[0]);
  free_paths(paths, n);
}

static void append_bytes(const char *path, const void *p, size_t n) {
  int fd = open(path, O_WRONLY | O_APPEND);
  ASSERT_MSG(fd >= 0, path);
  ASSERT_INT_EQ(write(fd, p, n), n, "append");
  close(fd);
}

static void recovers_everything_a_killed_writer_acknowledged(void) {
  lake_dirs d;
  fixture_dirs(&d);
  write_then_die(&d, 300, 2048);   /* small segments: some sealed, some not, at the kill */
  lg_lake *lake = fixture_open(&d, NULL);
  flush_ok(lake);
  lg_lake_close(lake);
  assert_exactly(&d, 300);
  fixture_remove(&d);
}

static void cuts_a_torn_write_after_a_crash(void) {
  lake_dirs d;
  fixture_dirs(&d);
  write_then_die(&d, 20, 0);
  char seg[512];
  only_segment(&d, seg, sizeof seg);
  /* The crash tore the next write: half a real frame at the end of the segment. */
  lg_buf b = LG_BUF_INIT;
  lg_frame_builder fb;
  lg_frame_begin(&b, &fb, lg_clock_realtime_us(), NULL);
  lg_frame_record_begin(&b, &fb, 0, NULL, NULL);
  lg_buf_appends(&b, "{\"n\":\"torn\",\"_ingested_at\":\"x\"}\n");
  lg_frame_record_end(&b, &fb);
  lg_frame_end(&b, &fb);
  append_bytes(seg, b.data, b.len / 2);
  lg_buf_free(&b);
  lg_lake *lake = fixture_open(&d, NULL);
  flush_ok(lake);
  lg_lake_close(lake);
  assert_exactly(&d, 20);
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "t", &text);
  ASSERT_MSG(strstr(text.data, "torn") == NULL, "no part of the torn record");
  lg_buf_free(&text);
  fixture_remove(&d);
}

static void a_crash_between_sealing_and_cleanup_uploads_once(void) {
  lake_dirs d;
  fixture_dirs(&d);
  write_then_die(&d, 50, 0);
  char seg[512], outbox[256], err[LG_ERRLEN];
  only_segment(&d, seg, sizeof seg);
  snprintf(outbox, sizeof outbox, "%s/outbox", d.spool);
  /* As if the dead process had sealed the segment, uploaded the object, and died before
   * deleting either: the segment, its outbox object and the lake object all exist. */
  lg_seal_result res;
  ASSERT_INT_EQ(lg_seal_segment(seg, outbox, 6, NULL, &res, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(res.nobjects, 1, "one object");
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s/%s')\" && cp '%s/%s' '%s/%s'", d.lake,
           res.objects[0].key, outbox, res.objects[0].key, d.lake, res.objects[0].key);
  ASSERT_INT_EQ(system(cmd), 0, "copy the object into the lake");
  lg_seal_result_free(&res);
  lg_lake *lake = fixture_open(&d, NULL);
  flush_ok(lake);
  lg_lake_close(lake);
  size_t n;
  char **objects = list_objects(d.lake, &n);
  ASSERT_INT_EQ(n, 1, "the same key was written again, not a second object");
  free_paths(objects, n);
  assert_exactly(&d, 50);
  fixture_remove(&d);
}

static void a_failed_write_is_reported_with_its_path(void) {
  lake_dirs d;
  fixture_dirs(&d);
  pid_t pid = fork();
  ASSERT_MSG(pid >= 0, "fork");
  if (pid == 0) {
    /* The child makes the disk "full" for the spool with RLIMIT_FSIZE: write() fails
     * with EFBIG once a file would grow past the limit. */
    signal(SIGXFSZ, SIG_IGN);
    char err[LG_ERRLEN];
    lg_lake_options o = {.root = d.lake, .spool = d.spool};
    lg_lake *lake = lg_lake_open(&o, err, sizeof err);
    if (lake == NULL) _exit(3);
    if (lg_lake_put(lake, "t", "{\"n\":0}", 7, NULL, err, sizeof err) != LG_OK) _exit(4);
    struct rlimit lim;
    getrlimit(RLIMIT_FSIZE, &lim);
    struct rlimit small = {4096, lim.rlim_max};
    setrlimit(RLIMIT_FSIZE, &small);
    char big[8192];
    memset(big, 'x', sizeof big);
    big[0] = '{';
    memcpy(big + 1, "\"b\":\"", 5);
    memcpy(big + sizeof big - 2, "\"}", 2);
    int rc = lg_lake_put(lake, "t", big, sizeof big, NULL, err, sizeof err);
    if (rc != LG_ERR) _exit(5);
    if (strstr(err, "/segments/") == NULL || strstr(err, "File too large") == NULL) _exit(6);
    setrlimit(RLIMIT_FSIZE, &lim);
    if (lg_lake_put(lake, "t", "{\"n\":1}", 7, NULL, err, sizeof err) != LG_OK) _exit(7);
    lg_lake_close(lake);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  ASSERT_MSG(WIFEXITED(status), "the child exited");
  ASSERT_INT_EQ(WEXITSTATUS(status), 0,
                "child: the big write failed with the segment path and EFBIG, the next one worked");
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "t", &text);
  ASSERT_INT_EQ(count_lines(text.data), 2, "records 0 and 1, not the failed one");
  ASSERT_MSG(strstr(text.data, "\"b\":") == NULL, "the failed record never reaches the lake");
  lg_buf_free(&text);
  fixture_remove(&d);
}

static void a_full_spool_refuses_writes_until_uploads_drain_it(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_new(&d, -1);   /* the backend is down */
  lg_lake_options opt = {.backend = &fake->base, .spool_max_bytes = 32768};
  lg_lake *lake = fixture_open(&d, &opt);
  char rec[256], err[512];
  int accepted = 0, rc = LG_OK;
  for (int i = 0; i < 2000 && rc == LG_OK; i++) {
    int len = snprintf(rec, sizeof rec, "{\"n\":%d,\"pad\":\"%0100d\"}", i, 0);
    rc = lg_lake_put(lake, "t", rec, (size_t)len, NULL, err, sizeof err);
    if (rc == LG_OK) accepted++;
  }
  ASSERT_INT_EQ(rc, LG_LAKE_FULL, "the spool filled up");
  ASSERT_MSG(strstr(err, "is full") != NULL, err);
  ASSERT_MSG(accepted > 50 && accepted < 400, "about 32 KiB of records were taken");
  lg_lake_stats st;
  lg_lake_stats_get(lake, &st);
  ASSERT_MSG(st.spool_bytes <= 32768, "the spool stays under its limit");
  ASSERT_INT_EQ(lg_lake_flush(lake, 300, err, sizeof err), LG_ERR, "a flush cannot finish while the backend is down");
  ASSERT_MSG(strstr(err, "timed out") && strstr(err, "503 SlowDown"), err);
  lg_lake_stats_get(lake, &st);
  ASSERT_MSG(strstr(st.last_error, "503 SlowDown") != NULL, "the upload error is visible in stats");
  ASSERT_MSG(st.upload_failures >= 1 && st.objects_pending == 1, "one object waits for the backend");
  ASSERT_MSG(lg_lake_retry_after_s(lake) >= 1, "Retry-After is at least a second");

  atomic_store(&fake->fail_next, 0);   /* the backend is back */
  flush_ok(lake);
  int len = snprintf(rec, sizeof rec, "{\"n\":%d}", accepted);
  ASSERT_INT_EQ(lg_lake_put(lake, "t", rec, (size_t)len, NULL, err, sizeof err), LG_OK, "writes are taken again");
  lg_lake_close(lake);
  assert_exactly(&d, accepted + 1);
  fixture_remove(&d);
}

static void one_spool_serves_one_lakegate(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  char err[LG_ERRLEN];
  lg_lake_options o = {.root = d.lake, .spool = d.spool};
  ASSERT_MSG(lg_lake_open(&o, err, sizeof err) == NULL, "a second open of the same spool fails");
  ASSERT_MSG(strstr(err, "in use by another lakegate") != NULL, err);
  lg_lake_close(lake);
  lake = lg_lake_open(&o, err, sizeof err);
  ASSERT_MSG(lake != NULL, "after close, the spool is free again");
  lg_lake_close(lake);
  fixture_remove(&d);
}

const lg_test_case spool_tests[] = {
  {"recovers_everything_a_killed_writer_acknowledged", recovers_everything_a_killed_writer_acknowledged},
  {"cuts_a_torn_write_after_a_crash", cuts_a_torn_write_after_a_crash},
  {"a_crash_between_sealing_and_cleanup_uploads_once", a_crash_between_sealing_and_cleanup_uploads_once},
  {"a_failed_write_is_reported_with_its_path", a_failed_write_is_reported_with_its_path},
  {"a_full_spool_refuses_writes_until_uploads_drain_it", a_full_spool_refuses_writes_until_uploads_drain_it},
  {"one_spool_serves_one_lakegate", one_spool_serves_one_lakegate},
  {NULL, NULL},
};
