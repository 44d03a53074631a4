/* The Athena client (see athena.h): the client, StartQueryExecution, GetQueryExecution,
 * StopQueryExecution and GetTableMetadata. Result pages are in athena_results.c, waiting
 * for a query in athena_wait.c. Request and answer shapes follow the service model
 * (botocore's athena/2017-05-18/service-2.json). */
#include "aws/athena_internal.h"
#include "aws/json_protocol.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/random.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Athena's limit on one ExecutionParameter. */
#define MAX_PARAM_LEN 1024

/* ===================== the client ===================== */

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {}
}

lg_athena *lg_athena_new(const lg_athena_options *opt, char *err, size_t errlen) {
  static const lg_aws_service_spec spec = {"athena", "Athena", 0, lg_aws_json_error};
  lg_athena_options o = opt ? *opt : (lg_athena_options){0};
  lg_athena *a = calloc(1, sizeof *a);
  if (a == NULL) {
    snprintf(err, errlen, "athena: out of memory");
    return NULL;
  }
  a->timeout_ms = o.timeout_ms;
  a->sleep_ms = o.sleep_ms ? o.sleep_ms : sleep_ms;
  a->monotonic_ms = o.monotonic_ms ? o.monotonic_ms : lg_clock_monotonic_ms;
  lg_aws_client_options co = {o.region, o.endpoint, o.profile, o.credentials, o.http, o.retry,
                              o.now, o.sleep_ms};
  if (lg_aws_client_init(&a->base, &spec, &co, err, errlen) == LG_OK) return a;
  lg_athena_free(a);
  return NULL;
}

void lg_athena_free(lg_athena *a) {
  if (a == NULL) return;
  lg_aws_client_destroy(&a->base);
  free(a);
}

const char *lg_athena_endpoint(const lg_athena *a) {
  return a->base.endpoint;
}

const char *lg_athena_region(const lg_athena *a) {
  return a->base.region;
}

/* ===================== shared helpers ===================== */

void lg_athena_local_error(lg_aws_error *err, const char *what, const char *detail) {
  memset(err, 0, sizeof *err);
  snprintf(err->message, sizeof err->message, "athena: %s: %s", what, detail);
}

int lg_athena_call(lg_athena *a, const char *operation, json_t *input, json_t **output,
                   lg_aws_error *err) {
  *output = NULL;
  if (input == NULL) {
    lg_athena_local_error(err, operation, "cannot encode the request (a string that is not "
                                          "UTF-8, or out of memory)");
    return LG_ERR;
  }
  int rc = lg_aws_json_call(&a->base, "1.1", "AmazonAthena", operation, input, a->timeout_ms,
                            output, err);
  json_decref(input);
  return rc;
}

char *lg_athena_strdup_member(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? strdup(s) : NULL;
}

void lg_athena_columns_free(lg_athena_column *columns, size_t n) {
  for (size_t i = 0; columns && i < n; i++) {
    free(columns[i].name);
    free(columns[i].type);
  }
  free(columns);
}

int lg_athena_columns_from_json(json_t *list, lg_athena_column **columns, size_t *n) {
  size_t count = json_array_size(list);
  *columns = NULL;
  *n = 0;
  if (count == 0) return LG_OK;
  lg_athena_column *c = calloc(count, sizeof *c);
  if (c == NULL) return LG_ERR;
  for (size_t i = 0; i < count; i++) {
    json_t *info = json_array_get(list, i);
    c[i].name = lg_athena_strdup_member(info, "Name");
    c[i].type = lg_athena_strdup_member(info, "Type");
    c[i].precision = (int)json_integer_value(json_object_get(info, "Precision"));
    c[i].scale = (int)json_integer_value(json_object_get(info, "Scale"));
    if (c[i].name == NULL) c[i].name = strdup("");
    if (c[i].type == NULL) c[i].type = strdup("");
    if (c[i].name == NULL || c[i].type == NULL) {
      lg_athena_columns_free(c, count);
      return LG_ERR;
    }
  }
  *columns = c;
  *n = count;
  return LG_OK;
}

/* obj[key] = value (a string). Returns LG_ERR if value is not UTF-8 or memory ran out. */
static int set_string(json_t *obj, const char *key, const char *value) {
  json_t *s = json_string(value);
  return s && json_object_set_new(obj, key, s) == 0 ? LG_OK : LG_ERR;
}

/* ===================== StartQueryExecution ===================== */

/* Checks what Athena would refuse with a less helpful message, or what jansson cannot
 * encode. Returns LG_OK or LG_ERR with err set. */
static int check_query(const lg_athena_query *q, lg_aws_error *err) {
  char detail[160];
  if (q->sql == NULL || q->sql[0] == '\0') {
    lg_athena_local_error(err, "StartQueryExecution", "the SQL is empty");
    return LG_ERR;
  }
  for (size_t i = 0; i < q->nparams; i++) {
    size_t n = strlen(q->params[i]);
    if (n == 0 || n > MAX_PARAM_LEN) {
      snprintf(detail, sizeof detail, "parameter %zu is %zu bytes long; Athena takes 1 to %d",
               i + 1, n, MAX_PARAM_LEN);
      lg_athena_local_error(err, "StartQueryExecution", detail);
      return LG_ERR;
    }
  }
  return LG_OK;
}

static int has(const char *s) {
  return s && *s;
}

/* The StartQueryExecutionInput document, or NULL (not UTF-8, or out of memory). */
static json_t *start_input(const lg_athena_query *q, const char *token) {
  json_t *in = json_object();
  int ok = in && set_string(in, "QueryString", q->sql) == LG_OK &&
           set_string(in, "ClientRequestToken", token) == LG_OK;
  if (ok && (has(q->database) || has(q->catalog))) {
    json_t *ctx = json_object();
    ok = ctx && json_object_set_new(in, "QueryExecutionContext", ctx) == 0 &&
         (!has(q->database) || set_string(ctx, "Database", q->database) == LG_OK) &&
         (!has(q->catalog) || set_string(ctx, "Catalog", q->catalog) == LG_OK);
  }
  if (ok && has(q->workgroup)) ok = set_string(in, "WorkGroup", q->workgroup) == LG_OK;
  if (ok && has(q->output_location)) {
    json_t *rc = json_object();
    ok = rc && json_object_set_new(in, "ResultConfiguration", rc) == 0 &&
         set_string(rc, "OutputLocation", q->output_location) == LG_OK;
  }
  if (ok && q->nparams > 0) {
    json_t *params = json_array();
    ok = params && json_object_set_new(in, "ExecutionParameters", params) == 0;
    for (size_t i = 0; ok && i < q->nparams; i++) {
      json_t *p = json_string(q->params[i]);
      ok = p && json_array_append_new(params, p) == 0;
    }
  }
  if (ok) return in;
  json_decref(in);
  return NULL;
}

int lg_athena_start(lg_athena *a, const lg_athena_query *q, char id[LG_ATHENA_ID_LEN],
                    lg_aws_error *err) {
  id[0] = '\0';
  if (check_query(q, err) != LG_OK) return LG_ERR;
  char token[33];
  if (q->request_token == NULL) lg_random_id(token);
  json_t *in = start_input(q, q->request_token ? q->request_token : token);
  if (in == NULL) {
    lg_athena_local_error(err, "StartQueryExecution",
                          "the SQL, a parameter or a name is not valid UTF-8");
    return LG_ERR;
  }
  json_t *out;
  if (lg_athena_call(a, "StartQueryExecution", in, &out, err) != LG_OK) return LG_ERR;
  const char *qid = json_string_value(json_object_get(out, "QueryExecutionId"));
  int rc = LG_OK;
  if (qid == NULL || qid[0] == '\0' || strlen(qid) >= LG_ATHENA_ID_LEN) {
    lg_athena_local_error(err, "StartQueryExecution", "the answer has no QueryExecutionId");
    rc = LG_ERR;
  } else {
    snprintf(id, LG_ATHENA_ID_LEN, "%s", qid);
  }
  json_decref(out);
  return rc;
}

/* ===================== GetQueryExecution ===================== */

const char *lg_athena_state_name(lg_athena_state s) {
  static const char *const names[] = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"};
  return (size_t)s < LG_ARRAY_LEN(names) ? names[s] : "?";
}

static int parse_state(const char *name, lg_athena_state *out) {
  for (lg_athena_state s = LG_ATHENA_QUEUED; s <= LG_ATHENA_CANCELLED; s++) {
    if (name && strcmp(name, lg_athena_state_name(s)) == 0) {
      *out = s;
      return LG_OK;
    }
  }
  return LG_ERR;
}

static void copy_member(json_t *obj, const char *key, char *out, size_t outlen) {
  const char *s = json_string_value(json_object_get(obj, key));
  snprintf(out, outlen, "%s", s ? s : "");
}

static int64_t int_member(json_t *obj, const char *key) {
  return (int64_t)json_integer_value(json_object_get(obj, key));
}

/* Fills st from a QueryExecution document. Returns LG_ERR if its state is unknown. */
static int status_from_json(json_t *qe, lg_athena_status *st) {
  memset(st, 0, sizeof *st);
  json_t *status = json_object_get(qe, "Status");
  if (parse_state(json_string_value(json_object_get(status, "State")), &st->state) != LG_OK)
    return LG_ERR;
  json_t *error = json_object_get(status, "AthenaError");
  copy_member(error, "ErrorMessage", st->reason, sizeof st->reason);
  if (st->reason[0] == '\0') copy_member(status, "StateChangeReason", st->reason, sizeof st->reason);
  st->error_category = (int)int_member(error, "ErrorCategory");
  st->error_type = (int)int_member(error, "ErrorType");
  st->retryable = json_is_true(json_object_get(error, "Retryable"));
  copy_member(qe, "StatementType", st->statement_type, sizeof st->statement_type);
  json_t *stats = json_object_get(qe, "Statistics");
  st->data_scanned_bytes = int_member(stats, "DataScannedInBytes");
  st->engine_time_ms = int_member(stats, "EngineExecutionTimeInMillis");
  st->total_time_ms = int_member(stats, "TotalExecutionTimeInMillis");
  copy_member(json_object_get(qe, "ResultConfiguration"), "OutputLocation", st->output_location,
              sizeof st->output_location);
  return LG_OK;
}

/* {"QueryExecutionId": id}, or NULL */
static json_t *id_input(const char *id) {
  json_t *in = json_object();
  if (in && set_string(in, "QueryExecutionId", id) == LG_OK) return in;
  json_decref(in);
  return NULL;
}

int lg_athena_get_status(lg_athena *a, const char *id, lg_athena_status *st, lg_aws_error *err) {
  json_t *out;
  if (lg_athena_call(a, "GetQueryExecution", id_input(id), &out, err) != LG_OK) return LG_ERR;
  int rc = status_from_json(json_object_get(out, "QueryExecution"), st);
  if (rc != LG_OK)
    lg_athena_local_error(err, "GetQueryExecution", "the answer has no known Status.State");
  json_decref(out);
  return rc;
}

/* ===================== StopQueryExecution ===================== */

int lg_athena_stop(lg_athena *a, const char *id, lg_aws_error *err) {
  json_t *out;
  if (lg_athena_call(a, "StopQueryExecution", id_input(id), &out, err) != LG_OK) return LG_ERR;
  json_decref(out);
  return LG_OK;
}

/* ===================== GetTableMetadata ===================== */

void lg_athena_table_free(lg_athena_table *t) {
  lg_athena_columns_free(t->columns, t->ncolumns);
  lg_athena_columns_free(t->partition_keys, t->npartition_keys);
  free(t->location);
  *t = (lg_athena_table)LG_ATHENA_TABLE_INIT;
}

/* Athena reports a missing table as a MetadataException whose message carries the Glue
 * error: "... (Service: AmazonDataCatalog; ... Error Code: EntityNotFoundException; ...)". */
static void name_missing_table(lg_aws_error *err) {
  if (strcmp(err->code, "MetadataException") == 0 && strstr(err->message, "EntityNotFound"))
    snprintf(err->code, sizeof err->code, "EntityNotFound");
}

int lg_athena_get_table(lg_athena *a, const char *catalog, const char *database,
                        const char *table, lg_athena_table *t, lg_aws_error *err) {
  *t = (lg_athena_table)LG_ATHENA_TABLE_INIT;
  json_t *in = json_object(), *out;
  if (in && (set_string(in, "CatalogName", has(catalog) ? catalog : "AwsDataCatalog") != LG_OK ||
             set_string(in, "DatabaseName", database) != LG_OK ||
             set_string(in, "TableName", table) != LG_OK)) {
    json_decref(in);
    in = NULL;
  }
  if (lg_athena_call(a, "GetTableMetadata", in, &out, err) != LG_OK) {
    name_missing_table(err);
    return LG_ERR;
  }
  json_t *meta = json_object_get(out, "TableMetadata");
  int rc = lg_athena_columns_from_json(json_object_get(meta, "Columns"), &t->columns, &t->ncolumns);
  if (rc == LG_OK)
    rc = lg_athena_columns_from_json(json_object_get(meta, "PartitionKeys"), &t->partition_keys,
                                     &t->npartition_keys);
  if (rc == LG_OK) {
    const char *loc = json_string_value(json_object_get(json_object_get(meta, "Parameters"), "location"));
    if (loc && (t->location = strdup(loc)) == NULL) rc = LG_ERR;
  }
  if (rc != LG_OK) {
    lg_athena_table_free(t);
    lg_athena_local_error(err, "GetTableMetadata", "out of memory");
  }
  json_decref(out);
  return rc;
}
