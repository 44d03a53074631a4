/* Tests for the lake writer's interface (lake/lake.c): what lands in the lake, sealing by
 * size, age and flush, partition keys, dead letters, durability modes. */
#include "lake_fixture.h"
#include "util/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define DEADLINE_MS 10000

static void put_ok(lg_lake *lake, const char *table, const char *json, const char *rid) {
  char err[LG_ERRLEN];
  if (lg_lake_put(lake, table, json, strlen(json), rid, err, sizeof err) != LG_OK)
    LG_TEST_FAIL("put %s: %s", json, err);
}

static void flush_ok(lg_lake *lake) {
  char err[512];
  if (lg_lake_flush(lake, DEADLINE_MS, err, sizeof err) != LG_OK) LG_TEST_FAIL("flush: %s", err);
}

static void appends_lines_with_ingest_fields(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  int64_t before = lg_clock_realtime_us();
  put_ok(lake, "t", "{\"a\":1}", "req-1");
  put_ok(lake, "t", "{}", NULL);
  put_ok(lake, "t", "{\"q\":\"x\"} \n", "a\"b");
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "t", &text), 1, "one object after a flush");
  char *l1 = text.data, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
  ASSERT_MSG(strncmp(l1, "{\"a\":1,\"_ingested_at\":\"", 23) == 0, "line 1 keeps the record and adds _ingested_at");
  ASSERT_MSG(strstr(l1, "Z\",\"_request_id\":\"req-1\"}\n") != NULL, "line 1 ends with its request id");
  ASSERT_MSG(strncmp(l2, "{\"_ingested_at\":\"", 17) == 0, "an empty record gets no leading comma");
  ASSERT_MSG(strstr(l2, "\"_request_id\":null}\n") != NULL, "a missing request id is null");
  ASSERT_MSG(strstr(l3, "\"_request_id\":\"a\\\"b\"}\n") != NULL, "the request id is escaped");
  ASSERT_INT_EQ(count_lines(text.data), 3, "three lines");
  /* The object sits in the partition of its ingestion hour (before or after the puts). */
  int64_t after = lg_clock_realtime_us();
  char part[2][64];
  for (int i = 0; i < 2; i++) {
    time_t secs = (time_t)((i ? after : before) / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(part[i], sizeof part[i], "/t/dt=%04d-%02d-%02d/hr=%02d/", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
  }
  size_t n;
  char **paths = list_objects(d.lake, &n);
  ASSERT_INT_EQ(n, 1, "one object in the lake");
  ASSERT_MSG(strstr(paths[0], part[0]) != NULL || strstr(paths[0], part[1]) != NULL, paths[0]);
  free_paths(paths, n);
  lg_lake_close(lake);
  lg_buf_free(&text);
  fixture_remove(&d);
}

static void refuses_bad_tables_records_and_roots(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  char err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_lake_put(lake, "../etc", "{}", 2, NULL, err, sizeof err), LG_LAKE_INVALID, "path in table name");
  ASSERT_MSG(strstr(err, "invalid table name") != NULL, err);
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "[1]", 3, NULL, err, sizeof err), LG_LAKE_INVALID, "not an object");
  ASSERT_MSG(strstr(err, "not a JSON object") != NULL, err);
  lg_lake_close(lake);
  lg_lake_options opt = {.root = "s3://bucket/prefix", .spool = d.spool};
  ASSERT_MSG(lg_lake_open(&opt, err, sizeof err) == NULL, "no S3 backend in this build yet");
  ASSERT_MSG(strstr(err, "s3://bucket/prefix") != NULL, err);
  opt.root = "ftp://x";
  ASSERT_MSG(lg_lake_open(&opt, err, sizeof err) == NULL, "unknown scheme");
  ASSERT_MSG(strstr(err, "unsupported lake URL") != NULL, err);
  fixture_remove(&d);
}

static void file_urls_and_plain_directories_are_the_same_lake(void) {
  lake_dirs d;
  fixture_dirs(&d);
  char url[200];
  snprintf(url, sizeof url, "file://%s", d.lake);
  lg_lake_options opt = {.root = url};
  lg_lake *lake = fixture_open(&d, &opt);
  ASSERT_STR_EQ(lg_lake_dir(lake), d.lake, "file:// names the directory");
  ASSERT_MSG(strncmp(lg_lake_root(lake), "file:///", 8) == 0, lg_lake_root(lake));
  put_ok(lake, "t", "{\"a\":1}", NULL);
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "t", &text), 1, "the object is under the directory");
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

static void seals_by_size(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake_options opt = {.seal_bytes = 4096};
  lg_lake *lake = fixture_open(&d, &opt);
  char rec[128];
  for (int i = 0; i < 200; i++) {
    snprintf(rec, sizeof rec, "{\"n\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", i);
    put_ok(lake, "t", rec, NULL);
  }
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  size_t objects = read_table(&d, "t", &text);
  ASSERT_MSG(objects >= 200 * 120 / 4096 - 1, "segments were sealed at about 4 KiB each");
  ASSERT_INT_EQ(count_lines(text.data), 200, "every record once");
  for (int i = 0; i < 200; i++) {
    snprintf(rec, sizeof rec, "{\"n\":%d,", i);
    ASSERT_INT_EQ(count_of(text.data, rec), 1, "record n appears once");
  }
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

static void seals_by_age_without_a_flush(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake_options opt = {.seal_ms = 200};
  lg_lake *lake = fixture_open(&d, &opt);
  put_ok(lake, "t", "{\"old\":true}", NULL);
  lg_buf text = LG_BUF_INIT;
  int64_t deadline = lg_clock_monotonic_ms() + DEADLINE_MS;
  while (read_table(&d, "t", &text) == 0 && lg_clock_monotonic_ms() < deadline) {
    struct timespec pause = {0, 20 * 1000000L};
    nanosleep(&pause, NULL);
  }
  ASSERT_MSG(strstr(text.data ? text.data : "", "\"old\":true") != NULL,
             "the record reached the lake once its segment was 200 ms old");
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

static void close_seals_and_uploads_what_is_spooled(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  put_ok(lake, "t", "{\"kept\":1}", NULL);
  lg_lake_close(lake);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "t", &text), 1, "close sealed the open segment");
  ASSERT_INT_EQ(count_of(text.data, "\"kept\":1"), 1, "the record is in the lake");
  size_t n;
  char **left = list_objects(d.spool, &n);
  ASSERT_INT_EQ(n, 0, "nothing left in the outbox");
  free_paths(left, n);
  lg_buf_free(&text);
  fixture_remove(&d);
}

static void partition_keys_become_directories(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  const char *keys[] = {"color"};
  lg_lake_table_options topt = {.npartition = 1, .partition_by = keys};
  char err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_lake_declare(lake, "u", &topt, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_declare(lake, "u", &topt, err, sizeof err), LG_OK, "declaring again is fine");
  const char *other[] = {"size"};
  lg_lake_table_options changed = {.npartition = 1, .partition_by = other};
  ASSERT_INT_EQ(lg_lake_declare(lake, "u", &changed, err, sizeof err), LG_ERR, "keys cannot change");
  ASSERT_MSG(strstr(err, "partition_by cannot change") != NULL, err);
  const char *bad[] = {"dt"};
  lg_lake_table_options reserved = {.npartition = 1, .partition_by = bad};
  ASSERT_INT_EQ(lg_lake_declare(lake, "v", &reserved, err, sizeof err), LG_ERR, "dt is taken");

  const char *pink[] = {"pink"}, *none[] = {NULL};
  size_t pink_len[] = {4}, none_len[] = {0};
  lg_lake_record recs[] = {
    {"{\"n\":1,\"color\":\"pink\"}", 22, pink, pink_len},
    {"{\"n\":2,\"color\":null}", 20, none, none_len},
  };
  ASSERT_INT_EQ(lg_lake_write(lake, "u", recs, 2, NULL, NULL, err, sizeof err), LG_OK, err);
  lg_lake_record missing = {"{\"n\":3}", 7, NULL, NULL};
  ASSERT_INT_EQ(lg_lake_write(lake, "u", &missing, 1, NULL, NULL, err, sizeof err), LG_LAKE_INVALID,
                "a record without its partition value");
  char long_value[300];
  memset(long_value, 'x', sizeof long_value);
  const char *lv[] = {long_value};
  size_t lv_len[] = {sizeof long_value};
  lg_lake_record too_long = {"{}", 2, lv, lv_len};
  ASSERT_INT_EQ(lg_lake_write(lake, "u", &too_long, 1, NULL, NULL, err, sizeof err), LG_LAKE_INVALID,
                "a value too long for a key");
  flush_ok(lake);
  size_t n;
  char **paths = list_objects(d.lake, &n);
  ASSERT_INT_EQ(n, 2, "two partitions");
  ASSERT_MSG(strstr(paths[0], "/color=__HIVE_DEFAULT_PARTITION__/") || strstr(paths[1], "/color=__HIVE_DEFAULT_PARTITION__/"),
             "null goes to Hive's default partition");
  ASSERT_MSG(strstr(paths[0], "/color=pink/") || strstr(paths[1], "/color=pink/"), "pink has its own");
  lg_buf text = LG_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    lg_buf_reset(&text);
    read_gz(paths[i], &text);
    int is_pink = strstr(paths[i], "color=pink") != NULL;
    ASSERT_INT_EQ(count_lines(text.data), 1, "one record per partition");
    ASSERT_MSG(strstr(text.data, is_pink ? "\"n\":1" : "\"n\":2") != NULL, "the field stays in the line");
  }
  free_paths(paths, n);
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

static void dead_letters_go_to_rejected(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  char err[LG_ERRLEN];
  const char *why = "{\"status\":422,\"errors\":[]}";
  ASSERT_INT_EQ(lg_lake_reject(lake, "plain", why, strlen(why), "r1", err, sizeof err), LG_OK,
                "a table without dead letters ignores them");
  lg_lake_table_options topt = {.dead_letters = 1};
  ASSERT_INT_EQ(lg_lake_declare(lake, "kept", &topt, err, sizeof err), LG_OK, err);
  ASSERT_INT_EQ(lg_lake_reject(lake, "kept", why, strlen(why), "r2", err, sizeof err), LG_OK, err);
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  ASSERT_INT_EQ(read_table(&d, "_rejected/kept", &text), 1, "one dead-letter object");
  ASSERT_MSG(strstr(text.data, "\"status\":422") && strstr(text.data, "\"_request_id\":\"r2\""), text.data);
  ASSERT_INT_EQ(read_table(&d, "_rejected/plain", &text), 0, "none for the other table");
  ASSERT_INT_EQ(read_table(&d, "kept", &text), 0, "and none in the table itself");
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

/* A lake in fresh directories with `table` declared durability = "memory". */
static lg_lake *open_with_memory_table(lake_dirs *d, const char *table) {
  fixture_dirs(d);
  lg_lake *lake = fixture_open(d, NULL);
  char err[LG_ERRLEN];
  lg_lake_table_options topt = {.durability = LG_LAKE_MEMORY};
  ASSERT_INT_EQ(lg_lake_declare(lake, table, &topt, err, sizeof err), LG_OK, err);
  return lake;
}

static void memory_tables_ack_before_the_sync(void) {
  lake_dirs d;
  lg_lake *lake = open_with_memory_table(&d, "fast");
  for (int i = 0; i < 50; i++) put_ok(lake, "fast", "{\"m\":1}", NULL);
  put_ok(lake, "slow", "{\"d\":1}", NULL);
  lg_lake_stats st;
  lg_lake_stats_get(lake, &st);
  ASSERT_INT_EQ(st.records, 51, "51 records accepted");
  ASSERT_MSG(st.synced_frames <= 1, "only the durable table's frame needed a sync");
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "fast", &text);
  ASSERT_INT_EQ(count_lines(text.data), 50, "memory records reach the lake on flush");
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

/* A memory table's frames wait up to LG_LAKE_MEMORY_WINDOW_US for company: puts spread over
 * some milliseconds reach the segment in at most one write(2) per window (not a wake-up and
 * a write per put), and without a flush. */
static void memory_tables_write_once_per_window(void) {
  lake_dirs d;
  lg_lake *lake = open_with_memory_table(&d, "fast");
  enum { PUTS = 40 };
  int64_t first_us = lg_clock_monotonic_us();
  for (int i = 0; i < PUTS; i++) {
    put_ok(lake, "fast", "{\"m\":1}", NULL);
    if (i + 1 < PUTS) usleep(100);
  }
  int64_t last_us = lg_clock_monotonic_us();
  lg_lake_stats st;
  int64_t deadline = lg_clock_monotonic_ms() + 10000;
  do {
    lg_lake_stats_get(lake, &st);
    if (st.written_frames == PUTS) break;
    usleep(1000);
  } while (lg_clock_monotonic_ms() < deadline);
  ASSERT_INT_EQ(st.written_frames, PUTS, "the puts reached the segment without a flush");
  ASSERT_INT_EQ(st.syncs, 0, "a memory table needs no fdatasync");
  /* Each write's window opens at a put and the next opens after it closes. */
  int64_t windows = (last_us - first_us) / LG_LAKE_MEMORY_WINDOW_US + 1;
  if (st.writes > windows)
    LG_TEST_FAIL("%d puts over %lld us took %lld writes, more than one per window (%lld)", PUTS,
                 (long long)(last_us - first_us), (long long)st.writes, (long long)windows);
  lg_lake_close(lake);
  fixture_remove(&d);
}

typedef struct writer_arg {
  lg_lake *lake;
  int id, n, failures;
} writer_arg;

static void *writer_thread(void *p) {
  writer_arg *a = p;
  char rec[64], err[LG_ERRLEN];
  for (int i = 0; i < a->n; i++) {
    int len = snprintf(rec, sizeof rec, "{\"w\":%d,\"i\":%d}", a->id, i);
    if (lg_lake_put(a->lake, "t", rec, (size_t)len, NULL, err, sizeof err) != LG_OK) a->failures++;
  }
  return NULL;
}

static void concurrent_writers_each_land_once(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake_options opt = {.seal_bytes = 8192, .group_commit_us = 500};
  lg_lake *lake = fixture_open(&d, &opt);
  enum { WRITERS = 8, EACH = 150 };
  pthread_t th[WRITERS];
  writer_arg args[WRITERS];
  for (int i = 0; i < WRITERS; i++) {
    args[i] = (writer_arg){lake, i, EACH, 0};
    pthread_create(&th[i], NULL, writer_thread, &args[i]);
  }
  for (int i = 0; i < WRITERS; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < WRITERS; i++) ASSERT_INT_EQ(args[i].failures, 0, "every durable put succeeded");
  lg_lake_stats st;
  lg_lake_stats_get(lake, &st);
  ASSERT_INT_EQ(st.synced_frames, WRITERS * EACH, "every frame was covered by an fdatasync");
  ASSERT_MSG(st.syncs >= 1 && st.syncs <= WRITERS * EACH, "no more syncs than frames");
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "t", &text);
  ASSERT_INT_EQ(count_lines(text.data), WRITERS * EACH, "every record");
  char rec[64];
  for (int w = 0; w < WRITERS; w++) {
    for (int i = 0; i < EACH; i++) {
      snprintf(rec, sizeof rec, "{\"w\":%d,\"i\":%d,", w, i);
      if (count_of(text.data, rec) != 1) LG_TEST_FAIL("record w=%d i=%d is not there exactly once", w, i);
    }
  }
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

typedef struct lone_arg {
  lg_lake *lake;
  atomic_int stop;
  int written, failures;
} lone_arg;

static void *lone_writer(void *p) {
  lone_arg *a = p;
  char rec[64], err[LG_ERRLEN];
  while (!atomic_load(&a->stop)) {
    int len = snprintf(rec, sizeof rec, "{\"i\":%d}", a->written);
    if (lg_lake_put(a->lake, "t", rec, (size_t)len, NULL, err, sizeof err) != LG_OK) a->failures++;
    else a->written++;
  }
  return NULL;
}

/* A lone writer syncs on its own thread; flushes (segment rotations) meanwhile must
 * still be served promptly, and nothing may be lost or doubled. */
static void flushes_while_a_lone_writer_syncs_itself(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  lone_arg a = {.lake = lake};
  pthread_t th;
  pthread_create(&th, NULL, lone_writer, &a);
  char err[512];
  for (int i = 0; i < 30; i++) {
    int64_t t0 = lg_clock_monotonic_ms();
    if (lg_lake_flush(lake, 5000, err, sizeof err) != LG_OK) {
      atomic_store(&a.stop, 1);
      pthread_join(th, NULL);
      LG_TEST_FAIL("flush %d while writing: %s", i, err);
    }
    ASSERT_MSG(lg_clock_monotonic_ms() - t0 < 5000, "each flush finished in time");
  }
  atomic_store(&a.stop, 1);
  pthread_join(th, NULL);
  ASSERT_INT_EQ(a.failures, 0, "every put succeeded");
  flush_ok(lake);
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "t", &text);
  ASSERT_INT_EQ(count_lines(text.data), a.written, "every record once");
  lg_buf_free(&text);
  lg_lake_close(lake);
  fixture_remove(&d);
}

const lg_test_case lake_tests[] = {
  {"appends_lines_with_ingest_fields", appends_lines_with_ingest_fields},
  {"refuses_bad_tables_records_and_roots", refuses_bad_tables_records_and_roots},
  {"file_urls_and_plain_directories_are_the_same_lake", file_urls_and_plain_directories_are_the_same_lake},
  {"seals_by_size", seals_by_size},
  {"seals_by_age_without_a_flush", seals_by_age_without_a_flush},
  {"close_seals_and_uploads_what_is_spooled", close_seals_and_uploads_what_is_spooled},
  {"partition_keys_become_directories", partition_keys_become_directories},
  {"dead_letters_go_to_rejected", dead_letters_go_to_rejected},
  {"memory_tables_ack_before_the_sync", memory_tables_ack_before_the_sync},
  {"concurrent_writers_each_land_once", concurrent_writers_each_land_once},
  {"flushes_while_a_lone_writer_syncs_itself", flushes_while_a_lone_writer_syncs_itself},
  {"memory_tables_write_once_per_window", memory_tables_write_once_per_window},
  {NULL, NULL},
};
