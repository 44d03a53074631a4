/* Tests for lake/upload.c and backend_file.c: retries with backoff and jitter, objects
 * kept until the backend confirms, the file backend's atomic puts. */
#include "lake_fixture.h"
#include "lake/upload.h"
#include "util/clock.h"

#define DEADLINE_MS 20000

static void backoff_grows_is_capped_and_jittered(void) {
  ASSERT_INT_EQ(lg_upload_backoff_ms(1, 0), LG_UPLOAD_BACKOFF_MIN_MS / 2, "first retry, no jitter");
  ASSERT_INT_EQ(lg_upload_backoff_ms(1, UINT64_MAX), LG_UPLOAD_BACKOFF_MIN_MS / 2 +
                UINT64_MAX % (LG_UPLOAD_BACKOFF_MIN_MS / 2 + 1), "first retry, most jitter");
  ASSERT_INT_EQ(lg_upload_backoff_ms(2, 0), LG_UPLOAD_BACKOFF_MIN_MS, "doubles");
  ASSERT_INT_EQ(lg_upload_backoff_ms(3, 0), LG_UPLOAD_BACKOFF_MIN_MS * 2, "doubles again");
  ASSERT_INT_EQ(lg_upload_backoff_ms(60, 0), LG_UPLOAD_BACKOFF_MAX_MS / 2, "capped");
  for (int attempt = 1; attempt < 40; attempt++) {
    int64_t lo = lg_upload_backoff_ms(attempt, 0), hi = lg_upload_backoff_ms(attempt, 12345678901ULL);
    ASSERT_MSG(lo <= hi && hi <= LG_UPLOAD_BACKOFF_MAX_MS, "jitter stays within [d/2, d]");
    ASSERT_MSG(hi <= 2 * lo + 1, "at most twice the fixed half");
  }
}

static void retries_until_the_backend_confirms(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_new(&d, 3);   /* the first three puts fail */
  lg_lake_options opt = {.backend = &fake->base};
  lg_lake *lake = fixture_open(&d, &opt);
  char err[512];
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{\"n\":1}", 7, NULL, err, sizeof err), LG_OK, err);
  int64_t started = lg_clock_monotonic_ms();
  ASSERT_INT_EQ(lg_lake_flush(lake, DEADLINE_MS, err, sizeof err), LG_OK, err);
  int64_t took = lg_clock_monotonic_ms() - started;
  ASSERT_INT_EQ(atomic_load(&fake->puts), 4, "three failures, then the put that worked");
  ASSERT_MSG(took >= (LG_UPLOAD_BACKOFF_MIN_MS / 2) * 7 / 2, "the retries waited (backoff 1+2+4 halves at least)");
  lg_lake_stats st;
  lg_lake_stats_get(lake, &st);
  ASSERT_INT_EQ(st.upload_failures, 3, "three failures counted");
  ASSERT_INT_EQ(st.objects_uploaded, 1, "one object uploaded");
  ASSERT_INT_EQ(st.objects_pending, 0, "nothing pending");
  size_t n;
  char **left = list_objects(d.spool, &n);
  ASSERT_INT_EQ(n, 0, "the outbox copy is gone once confirmed");
  free_paths(left, n);
  lg_lake_close(lake);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "t", &text), 1, "the object is in the lake");
  ASSERT_INT_EQ(count_lines(text.data), 1, "once");
  lg_buf_free(&text);
  fixture_remove(&d);
}

static void objects_wait_in_the_outbox_across_restarts(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_new(&d, -1);   /* down for the whole first run */
  atomic_store(&fake->retryable, 0);               /* and an operator must fix it */
  lg_lake_options opt = {.backend = &fake->base};
  lg_lake *lake = fixture_open(&d, &opt);
  char err[512];
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{\"n\":0,\"x\":1}", 13, NULL, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_flush(lake, 200, err, sizeof err), LG_ERR, "cannot reach the lake");
  lg_lake_close(lake);   /* gives up after its bounded wait; the object stays */
  size_t n;
  char **kept = list_objects(d.spool, &n);
  ASSERT_INT_EQ(n, 1, "the sealed object is kept in the outbox");
  free_paths(kept, n);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "t", &text), 0, "and is not in the lake");
  lake = fixture_open(&d, NULL);   /* the next start, with a working backend */
  ASSERT_INT_EQ(lg_lake_flush(lake, DEADLINE_MS, err, sizeof err), LG_OK, err);
  lg_lake_close(lake);
  ASSERT_INT_EQ(read_table(&d, "t", &text), 1, "uploaded by the next start");
  ASSERT_INT_EQ(count_of(text.data, "\"x\":1"), 1, "once");
  lg_buf_free(&text);
  fixture_remove(&d);
}

static void the_file_backend_writes_atomically(void) {
  lake_dirs d;
  fixture_dirs(&d);
  char err[LG_ERRLEN], src[256];
  snprintf(src, sizeof src, "%s/object", d.base);
  FILE *f = fopen(src, "wb");
  fputs("hello", f);
  fclose(f);
  lg_backend *b = lg_backend_open(d.lake, NULL, err, sizeof err);
  ASSERT_MSG(b != NULL, err);
  lg_backend_object obj = {"t/dt=2026-01-01/hr=00/a.json.gz", src, 5, "application/x-ndjson", "gzip"};
  int retryable = -1;
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_OK, err);
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_OK, "a second put overwrites");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", d.lake, obj.key);
  f = fopen(path, "rb");
  ASSERT_MSG(f != NULL, "the object is under its key");
  char got[16] = "";
  ASSERT_INT_EQ(fread(got, 1, sizeof got, f), 5, "five bytes");
  fclose(f);
  ASSERT_STR_EQ(got, "hello", "content");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/t/dt=2026-01-01/hr=00", d.lake);
  DIR *dh = opendir(dir);
  ASSERT_MSG(dh != NULL, dir);
  int entries = 0;
  for (struct dirent *e; (e = readdir(dh)) != NULL;)
    entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(dh);
  ASSERT_INT_EQ(entries, 1, "no temporary file (hidden or not) is left beside it");
  /* A file where a directory must go: an error with the path, not a crash. */
  snprintf(path, sizeof path, "%s/blocked", d.lake);
  f = fopen(path, "wb");
  fclose(f);
  obj.key = "blocked/x.json.gz";
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_ERR, "mkdir over a file fails");
  ASSERT_MSG(strstr(err, "blocked") != NULL && strstr(err, "Not a directory") != NULL, err);
  lg_backend_close(b);
  fixture_remove(&d);
}

static void an_operator_is_needed_and_flush_retries_at_once(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_new(&d, -1);   /* a wrong secret: every put fails */
  atomic_store(&fake->retryable, 0);
  lg_lake_options opt = {.backend = &fake->base};
  lg_lake *lake = fixture_open(&d, &opt);
  char err[512], why[1024];
  ASSERT_INT_EQ(lg_lake_ready(lake, why, sizeof why), 1, "ready before any failure");
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{\"n\":1}", 7, NULL, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_flush(lake, 300, err, sizeof err), LG_ERR, "the backend refuses");
  ASSERT_INT_EQ(atomic_load(&fake->puts), 1, "one attempt; the next is LG_UPLOAD_BACKOFF_MAX_MS away");
  ASSERT_INT_EQ(lg_lake_ready(lake, why, sizeof why), 0, "one failure that needs an operator is enough");
  ASSERT_MSG(strstr(why, "fail until an operator acts: fake: PUT t/") != NULL, why);
  atomic_store(&fake->fail_next, 0);   /* the operator fixed it */
  int64_t started = lg_clock_monotonic_ms();
  ASSERT_INT_EQ(lg_lake_flush(lake, DEADLINE_MS, err, sizeof err), LG_OK, err);
  ASSERT_MSG(lg_clock_monotonic_ms() - started < LG_UPLOAD_BACKOFF_MAX_MS / 4,
             "flush retries at once instead of waiting out the backoff");
  ASSERT_INT_EQ(atomic_load(&fake->puts), 2, "one more put");
  ASSERT_INT_EQ(lg_lake_ready(lake, why, sizeof why), 1, why);
  lg_lake_close(lake);
  fixture_remove(&d);
}

/* Polls lg_lake_ready until it answers `want`; returns the last reason. */
static const char *wait_ready(lg_lake *lake, int want, char *why, size_t whylen) {
  int64_t end = lg_clock_monotonic_ms() + DEADLINE_MS;
  while (lg_lake_ready(lake, why, whylen) != want && lg_clock_monotonic_ms() < end) usleep(2000);
  ASSERT_INT_EQ(lg_lake_ready(lake, why, whylen), want, why);
  return why;
}

static void a_failing_check_makes_the_lake_unready_before_any_upload(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_checked(&d, 1);   /* no such bucket */
  atomic_store(&fake->retryable, 0);
  lg_lake_options opt = {.backend = &fake->base};
  lg_lake *lake = fixture_open(&d, &opt);
  char err[512], why[1024];
  wait_ready(lake, 0, why, sizeof why);
  ASSERT_MSG(strstr(why, "fail until an operator acts: fake: LIST") != NULL, why);
  ASSERT_MSG(strstr(why, "404 NoSuchBucket (check 1, needs an operator;") != NULL, why);
  ASSERT_INT_EQ(atomic_load(&fake->puts), 0, "nothing was sealed: the check alone said it");
  lg_lake_stats st;
  lg_lake_stats_get(lake, &st);
  ASSERT_INT_EQ(st.upload_failures, 0, "a failed check is no failed upload");
  ASSERT_INT_EQ(st.objects_pending, 0, "nor a pending object");
  atomic_store(&fake->check_fails, 0);   /* the operator made the bucket */
  ASSERT_INT_EQ(lg_lake_flush(lake, DEADLINE_MS, err, sizeof err), LG_OK, err);
  wait_ready(lake, 1, why, sizeof why);   /* flush ran the check again at once */
  ASSERT_INT_EQ(atomic_load(&fake->checks), 2, "checked at the start and once more");
  lg_lake_close(lake);
  fixture_remove(&d);
}

static void an_upload_that_passes_ends_a_failing_check(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_checked(&d, 1);   /* a permission puts do not need */
  atomic_store(&fake->retryable, 0);
  lg_lake_options opt = {.backend = &fake->base};
  lg_lake *lake = fixture_open(&d, &opt);
  char err[512], why[1024];
  wait_ready(lake, 0, why, sizeof why);
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{\"n\":1}", 7, NULL, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_flush(lake, DEADLINE_MS, err, sizeof err), LG_OK, err);
  wait_ready(lake, 1, why, sizeof why);
  ASSERT_INT_EQ(atomic_load(&fake->puts), 1, "the object went");
  lg_lake_close(lake);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "t", &text), 1, "the object is in the lake");
  lg_buf_free(&text);
  fixture_remove(&d);
}

static int64_t uploaded(lg_lake *lake) {
  lg_lake_stats st;
  lg_lake_stats_get(lake, &st);
  return st.objects_uploaded;
}

static void objects_waiting_out_a_backoff_go_once_an_upload_passes(void) {
  lake_dirs d;
  fixture_dirs(&d);
  fake_backend *fake = fake_backend_new(&d, -1);   /* down, for a while */
  lg_lake_options opt = {.backend = &fake->base};
  lg_lake *lake = fixture_open(&d, &opt);
  char err[512];
  ASSERT_INT_EQ(lg_lake_put(lake, "a", "{\"n\":1}", 7, NULL, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_flush(lake, 50, err, sizeof err), LG_ERR, "sealed, not uploaded");
  /* After its fifth failure, the object waits 1.6 to 3.2 s (lg_upload_backoff_ms). */
  int64_t end = lg_clock_monotonic_ms() + DEADLINE_MS;
  while (atomic_load(&fake->puts) < 5 && lg_clock_monotonic_ms() < end) usleep(2000);
  ASSERT_INT_EQ(atomic_load(&fake->puts), 5, "five failed puts");
  atomic_store(&fake->fail_next, 0);   /* the store is back */
  int64_t back = lg_clock_monotonic_ms();
  lg_lake_table_options quick = {.seal_ms = 20};
  ASSERT_INT_EQ(lg_lake_declare(lake, "b", &quick, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_put(lake, "b", "{\"n\":2}", 7, NULL, err, sizeof err), LG_OK, err);
  while (uploaded(lake) < 2 && lg_clock_monotonic_ms() < end) usleep(2000);
  ASSERT_INT_EQ(uploaded(lake), 2, "both objects uploaded");
  ASSERT_MSG(lg_clock_monotonic_ms() - back < 1000,
             "the waiting object went right after the new one passed, not at its backoff's end");
  lg_lake_close(lake);
  fixture_remove(&d);
}

const lg_test_case upload_tests[] = {
  {"backoff_grows_is_capped_and_jittered", backoff_grows_is_capped_and_jittered},
  {"retries_until_the_backend_confirms", retries_until_the_backend_confirms},
  {"objects_wait_in_the_outbox_across_restarts", objects_wait_in_the_outbox_across_restarts},
  {"the_file_backend_writes_atomically", the_file_backend_writes_atomically},
  {"an_operator_is_needed_and_flush_retries_at_once", an_operator_is_needed_and_flush_retries_at_once},
  {"objects_waiting_out_a_backoff_go_once_an_upload_passes",
   objects_waiting_out_a_backoff_go_once_an_upload_passes},
  {"a_failing_check_makes_the_lake_unready_before_any_upload",
   a_failing_check_makes_the_lake_unready_before_any_upload},
  {"an_upload_that_passes_ends_a_failing_check", an_upload_that_passes_ends_a_failing_check},
  {NULL, NULL},
};
