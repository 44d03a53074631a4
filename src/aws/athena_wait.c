/* Waiting for a query (see lg_athena_wait in athena.h): GetQueryExecution with capped
 * exponential backoff until the query ends or the deadline passes, and then
 * StopQueryExecution, so a query nobody waits for any more stops scanning (and billing). */
#define LOG_TAG "athena"
#include "aws/athena_internal.h"
#include "util/common.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_FIRST_DELAY_MS 100
#define DEFAULT_MAX_DELAY_MS 2000

static void query_error(lg_aws_error *err, const char *id, const char *code, const char *detail) {
  memset(err, 0, sizeof *err);
  err->attempts = 1;
  snprintf(err->code, sizeof err->code, "%s", code);
  snprintf(err->message, sizeof err->message, "athena: query %.128s: %.16s: %.340s", id, code, detail);
}

/* The query ended without success: FAILED or CANCELLED, with Athena's reason. */
static void ended_badly(lg_aws_error *err, const char *id, const lg_athena_status *st) {
  query_error(err, id, lg_athena_state_name(st->state),
              st->reason[0] ? st->reason : "Athena gave no reason");
}

/* The deadline passed: stop the query, and say whether that worked. */
static void timed_out(lg_athena *a, lg_aws_error *err, const char *id, const lg_athena_status *st,
                      long timeout_ms) {
  lg_aws_error stop_err;
  char detail[sizeof err->message];
  if (lg_athena_stop(a, id, &stop_err) == LG_OK)
    snprintf(detail, sizeof detail, "still %s after %ld ms; stopped it",
             lg_athena_state_name(st->state), timeout_ms);
  else
    snprintf(detail, sizeof detail, "still %s after %ld ms; stopping it failed: %.400s",
             lg_athena_state_name(st->state), timeout_ms, stop_err.message);
  query_error(err, id, "TIMEOUT", detail);
}

int lg_athena_wait(lg_athena *a, const char *id, const lg_athena_wait_options *opt,
                   lg_athena_status *st, lg_aws_error *err) {
  lg_athena_wait_options o = opt ? *opt : (lg_athena_wait_options){0};
  long delay = o.first_delay_ms > 0 ? o.first_delay_ms : DEFAULT_FIRST_DELAY_MS;
  long max_delay = o.max_delay_ms > 0 ? o.max_delay_ms : DEFAULT_MAX_DELAY_MS;
  int64_t deadline = o.timeout_ms > 0 ? a->monotonic_ms() + o.timeout_ms : INT64_MAX;
  lg_athena_status cur;
  memset(&cur, 0, sizeof cur);   /* QUEUED until Athena says otherwise */
  for (;;) {
    lg_aws_error poll_err;
    if (lg_athena_get_status(a, id, &cur, &poll_err) == LG_OK) {
      if (cur.state == LG_ATHENA_SUCCEEDED) break;
      if (cur.state == LG_ATHENA_FAILED || cur.state == LG_ATHENA_CANCELLED) {
        ended_badly(err, id, &cur);
        goto fail;
      }
    } else if (!poll_err.retryable) {
      *err = poll_err;   /* an unknown id or no permission: polling again will not help */
      goto fail;
    } else {
      lg_warn("%s; the query keeps running, polling again", poll_err.message);
    }
    int64_t now = a->monotonic_ms();
    if (now >= deadline) {
      timed_out(a, err, id, &cur, o.timeout_ms);
      goto fail;
    }
    a->sleep_ms(deadline - now < delay ? (long)(deadline - now) : delay);
    delay = delay > max_delay / 2 ? max_delay : delay * 2;
  }
  if (st) *st = cur;
  return LG_OK;
fail:
  if (st) *st = cur;
  return LG_ERR;
}
