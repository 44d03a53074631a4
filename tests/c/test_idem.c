/* Tests for Idempotency-Key answers (lake/idem.c through the lake's interface): replay,
 * conflicts, and answers that survive a clean restart and a SIGKILL. */
#include "lake_fixture.h"
#include "util/clock.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define KEY "POST /unicorn\nkey-1"

static int write_with_answer(lg_lake *lake, const char *key, uint64_t fp, const char *answer,
                             const char *record) {
  char err[LG_ERRLEN];
  lg_lake_record rec = {record, strlen(record), NULL, NULL};
  lg_lake_answer a = {key, strlen(key), fp, answer, strlen(answer)};
  return lg_lake_write(lake, "t", &rec, 1, NULL, &a, err, sizeof err);
}

static lg_idem_state begin(lg_lake *lake, const char *key, uint64_t fp, lg_buf *answer) {
  return lg_lake_idem_begin(lake, key, strlen(key), fp, answer);
}

static void replays_the_first_answer(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  lg_buf answer = LG_BUF_INIT;
  ASSERT_INT_EQ(begin(lake, KEY, 7, &answer), LG_IDEM_NEW, "a new key is reserved");
  ASSERT_INT_EQ(begin(lake, KEY, 7, &answer), LG_IDEM_BUSY, "while it runs, the same key is busy");
  ASSERT_INT_EQ(write_with_answer(lake, KEY, 7, "201 first", "{\"n\":1}"), LG_OK, "write");
  ASSERT_INT_EQ(begin(lake, KEY, 7, &answer), LG_IDEM_REPLAY, "then it replays");
  ASSERT_STR_EQ(answer.data, "201 first", "the first answer");
  ASSERT_INT_EQ(begin(lake, KEY, 8, &answer), LG_IDEM_MISMATCH, "another body with the key");
  ASSERT_INT_EQ(begin(lake, "POST /other\nkey-1", 7, &answer), LG_IDEM_NEW, "keys are scoped by the caller");
  lg_lake_idem_abort(lake, "POST /other\nkey-1", 17);
  ASSERT_INT_EQ(begin(lake, "POST /other\nkey-1", 7, &answer), LG_IDEM_NEW, "an aborted key is free again");
  ASSERT_MSG(lg_lake_fingerprint("abc", 3) != lg_lake_fingerprint("abd", 3), "fingerprints differ");
  ASSERT_MSG(lg_lake_fingerprint("abc", 3) == lg_lake_fingerprint("abc", 3), "and are stable");
  lg_buf_free(&answer);
  lg_lake_close(lake);
  fixture_remove(&d);
}

static void answers_survive_a_restart(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake *lake = fixture_open(&d, NULL);
  lg_buf answer = LG_BUF_INIT;
  begin(lake, KEY, 7, &answer);
  ASSERT_INT_EQ(write_with_answer(lake, KEY, 7, "201 kept", "{\"n\":1}"), LG_OK, "write");
  lg_lake_close(lake);   /* seals: the answer moves to the journal */
  lake = fixture_open(&d, NULL);
  ASSERT_INT_EQ(begin(lake, KEY, 7, &answer), LG_IDEM_REPLAY, "replayed after a restart");
  ASSERT_STR_EQ(answer.data, "201 kept", "the same answer");
  lg_lake_close(lake);
  lake = fixture_open(&d, NULL);   /* and after a restart that compacted the journal */
  ASSERT_INT_EQ(begin(lake, KEY, 7, &answer), LG_IDEM_REPLAY, "replayed after a second restart");
  lg_lake_close(lake);
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "t", &text);
  ASSERT_INT_EQ(count_lines(text.data), 1, "the record was stored once");
  lg_buf_free(&text);
  lg_buf_free(&answer);
  fixture_remove(&d);
}

static void answers_survive_a_kill(void) {
  lake_dirs d;
  fixture_dirs(&d);
  pid_t pid = fork();
  ASSERT_MSG(pid >= 0, "fork");
  if (pid == 0) {
    char err[LG_ERRLEN];
    lg_lake_options o = {.root = d.lake, .spool = d.spool};
    lg_lake *lake = lg_lake_open(&o, err, sizeof err);
    lg_buf a = LG_BUF_INIT;
    if (lake == NULL || begin(lake, KEY, 9, &a) != LG_IDEM_NEW) _exit(3);
    if (write_with_answer(lake, KEY, 9, "201 durable", "{\"n\":1}") != LG_OK) _exit(4);
    kill(getpid(), SIGKILL);   /* before any sealing: the answer is only in the segment */
    _exit(5);
  }
  int status;
  waitpid(pid, &status, 0);
  ASSERT_MSG(WIFSIGNALED(status), "the child was killed after its write");
  lg_lake *lake = fixture_open(&d, NULL);
  lg_buf answer = LG_BUF_INIT;
  ASSERT_INT_EQ(begin(lake, KEY, 9, &answer), LG_IDEM_REPLAY, "the answer came back from the spool");
  ASSERT_STR_EQ(answer.data, "201 durable", "the same answer");
  char err[512];
  ASSERT_INT_EQ(lg_lake_flush(lake, 10000, err, sizeof err), LG_OK, err);
  lg_lake_close(lake);
  lg_buf text = LG_BUF_INIT;
  read_table(&d, "t", &text);
  ASSERT_INT_EQ(count_lines(text.data), 1, "the record is in the lake once");
  lg_buf_free(&text);
  lg_buf_free(&answer);
  fixture_remove(&d);
}

static void answers_expire_after_the_window(void) {
  lake_dirs d;
  fixture_dirs(&d);
  lg_lake_options opt = {.idempotency_window_s = 1};
  lg_lake *lake = fixture_open(&d, &opt);
  lg_buf answer = LG_BUF_INIT;
  begin(lake, KEY, 7, &answer);
  write_with_answer(lake, KEY, 7, "201", "{}");
  ASSERT_INT_EQ(begin(lake, KEY, 7, &answer), LG_IDEM_REPLAY, "inside the window");
  int64_t deadline = lg_clock_monotonic_ms() + 10000;
  lg_idem_state st = LG_IDEM_REPLAY;
  while (st == LG_IDEM_REPLAY && lg_clock_monotonic_ms() < deadline) {
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    st = begin(lake, KEY, 7, &answer);
  }
  ASSERT_INT_EQ(st, LG_IDEM_NEW, "a key is new again once its window has passed");
  lg_buf_free(&answer);
  lg_lake_close(lake);
  fixture_remove(&d);
}

const lg_test_case idem_tests[] = {
  {"replays_the_first_answer", replays_the_first_answer},
  {"answers_survive_a_restart", answers_survive_a_restart},
  {"answers_survive_a_kill", answers_survive_a_kill},
  {"answers_expire_after_the_window", answers_expire_after_the_window},
  {NULL, NULL},
};
