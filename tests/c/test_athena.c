/* Tests for aws/athena*.c and aws/json_protocol.c over a scripted fake transport: request
 * shapes (AWS JSON 1.1, X-Amz-Target, signing scope), the idempotency token across
 * retries, which errors are retried, status parsing, waiting with capped backoff and a
 * deadline that stops the query, result pages (header row, NULLs, tokens) and table
 * metadata. The same client against servers that speak Athena's protocol is tested in
 * tests/integration/test_athena*.py. */
#include "test.h"
#include "fake_http.h"
#include "aws/athena.h"
#include "aws/json_protocol.h"
#include "util/common.h"

#include <stdlib.h>

#include <jansson.h>

static fake_http fake;
static long slept[FAKE_HTTP_MAX];
static int nslept;
static int64_t clock_ms;   /* the fake monotonic clock: only sleeping moves it */

static time_t fixed_now(void) {
  return 1440938160;   /* 2015-08-30T12:36:00Z */
}

static void record_sleep(long ms) {
  ASSERT_MSG(nslept < FAKE_HTTP_MAX, "too many sleeps");
  slept[nslept++] = ms;
  clock_ms += ms;
}

static int64_t fake_clock(void) {
  return clock_ms;
}

static lg_athena *fake_client(lg_aws_provider **creds) {
  fake_http_init(&fake);
  nslept = 0;
  clock_ms = 1000;
  setenv("AWS_CONFIG_FILE", "/dev/null", 1);
  char err[LG_ERRLEN];
  *creds = lg_aws_provider_new_static("AKIDTEST", "secret", NULL, err, sizeof err);
  ASSERT_MSG(*creds != NULL, err);
  lg_athena_options o = {"eu-west-1", "http://127.0.0.1:4566", NULL, *creds, &fake.base,
                         {3, 100, 5000}, 0, fixed_now, record_sleep, fake_clock};
  lg_athena *a = lg_athena_new(&o, err, sizeof err);
  if (a == NULL) LG_TEST_FAIL("lg_athena_new: %s", err);
  return a;
}

static void free_client(lg_athena *a, lg_aws_provider *creds) {
  lg_athena_free(a);
  lg_aws_provider_free(creds);
  fake_http_free(&fake);
}

static void answer(long status, const char *body) {
  fake_http_script(&fake, (fake_answer){status, body, NULL, 0});
}

static const char *header(int i, const char *name) {
  return lg_http_headers_get(&fake.seen[i].headers, name);
}

/* The JSON document request i carried (the caller json_decref's it). */
static json_t *request_json(int i) {
  json_error_t jerr;
  json_t *doc = json_loads(fake.seen[i].body.data ? fake.seen[i].body.data : "", 0, &jerr);
  if (!json_is_object(doc)) LG_TEST_FAIL("request %d is not a JSON object: %s", i, jerr.text);
  return doc;
}

static const char *member(json_t *doc, const char *path) {
  json_t *v = doc;
  char key[64];
  for (const char *p = path; v && *p;) {
    size_t n = strcspn(p, ".");
    snprintf(key, sizeof key, "%.*s", (int)n, p);
    v = json_object_get(v, key);
    p += n + (p[n] == '.');
  }
  return json_string_value(v);
}

#define ERROR_JSON(type, msg) "{\"__type\":\"" type "\",\"Message\":\"" msg "\"}"
#define STATE_JSON(state) "{\"QueryExecution\":{\"QueryExecutionId\":\"q-1\",\"Status\":{\"State\":\"" state "\"}}}"

/* ===================== endpoints and errors ===================== */

static void endpoint_from_region_and_environment(void) {
  char err[LG_ERRLEN];
  setenv("AWS_CONFIG_FILE", "/dev/null", 1);
  lg_aws_provider *c = lg_aws_provider_new_static("AKID", "secret", NULL, err, sizeof err);
  unsetenv("AWS_ENDPOINT_URL");
  unsetenv("AWS_ENDPOINT_URL_ATHENA");
  lg_athena_options o = {.region = "eu-central-1", .credentials = c};
  lg_athena *a = lg_athena_new(&o, err, sizeof err);
  ASSERT_MSG(a != NULL, err);
  ASSERT_STR_EQ(lg_athena_endpoint(a), "https://athena.eu-central-1.amazonaws.com", "default endpoint");
  lg_athena_free(a);
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
  setenv("AWS_ENDPOINT_URL_ATHENA", "http://127.0.0.1:5000", 1);
  a = lg_athena_new(&o, err, sizeof err);
  ASSERT_MSG(a != NULL, err);
  ASSERT_STR_EQ(lg_athena_endpoint(a), "http://127.0.0.1:5000", "the service's own variable wins");
  lg_athena_free(a);
  unsetenv("AWS_ENDPOINT_URL_ATHENA");
  a = lg_athena_new(&o, err, sizeof err);
  ASSERT_STR_EQ(lg_athena_endpoint(a), "http://127.0.0.1:1", "then AWS_ENDPOINT_URL");
  lg_athena_free(a);
  unsetenv("AWS_ENDPOINT_URL");
  o.endpoint = "http://athena.local/x";
  ASSERT_MSG(lg_athena_new(&o, err, sizeof err) == NULL, "an endpoint with a path");
  ASSERT_STR_EQ(err, "athena: endpoint \"http://athena.local/x\" has a path; give scheme://host[:port]",
                "message names the service");
  lg_aws_provider_free(c);
}

static void json_error_documents(void) {
  char code[64], msg[128];
  const char *doc = "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"bad\"}";
  lg_aws_json_error(doc, strlen(doc), code, sizeof code, msg, sizeof msg);
  ASSERT_STR_EQ(code, "ValidationException", "namespace removed");
  ASSERT_STR_EQ(msg, "bad", "lowercase message");
  doc = "{\"__type\":\"InvalidRequestException:http://internal.amazon.com/coral/\",\"Message\":\"M\"}";
  lg_aws_json_error(doc, strlen(doc), code, sizeof code, msg, sizeof msg);
  ASSERT_STR_EQ(code, "InvalidRequestException", "URI suffix removed");
  ASSERT_STR_EQ(msg, "M", "capitalized Message");
  lg_aws_json_error("<html>", 6, code, sizeof code, msg, sizeof msg);
  ASSERT_MSG(code[0] == '\0' && msg[0] == '\0', "neither: nothing");
  lg_aws_json_error("oops", 4, code, sizeof code, msg, sizeof msg);
  ASSERT_MSG(code[0] == '\0' && msg[0] == '\0', "not JSON: nothing");
  doc = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message>"
        "</Error></Errors></ErrorResponse>";
  lg_aws_json_error(doc, strlen(doc), code, sizeof code, msg, sizeof msg);
  ASSERT_STR_EQ(code, "SignatureDoesNotMatch", "an XML error from something in between");
  ASSERT_STR_EQ(msg, "no", "its message");
}

/* ===================== StartQueryExecution ===================== */

static void start_sends_a_signed_json_request(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, "{\"QueryExecutionId\":\"a1b2c3\"}");
  const char *params[] = {"'pink'", "10"};
  lg_athena_query q = {"SELECT name FROM unicorns WHERE color = ? AND n < ?", params, 2, "lake",
                       NULL, "analysts", "s3://out/results/", NULL};
  char id[LG_ATHENA_ID_LEN];
  ASSERT_INT_EQ(lg_athena_start(a, &q, id, &err), LG_OK, err.message);
  ASSERT_STR_EQ(id, "a1b2c3", "the query id");
  ASSERT_STR_EQ(fake.seen[0].method, "POST", "JSON 1.1 is POST");
  ASSERT_STR_EQ(fake.seen[0].url, "http://127.0.0.1:4566/", "to the root");
  ASSERT_STR_EQ(header(0, "X-Amz-Target"), "AmazonAthena.StartQueryExecution", "target");
  ASSERT_STR_EQ(header(0, "Content-Type"), "application/x-amz-json-1.1", "content type");
  ASSERT_STR_EQ(header(0, "Host"), "127.0.0.1:4566", "host with the port");
  const char *auth = header(0, "Authorization");
  const char *scope = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20150830/eu-west-1/athena/aws4_request, "
                      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=";
  ASSERT_MSG(auth && strncmp(auth, scope, strlen(scope)) == 0, "signed for athena with the target");
  json_t *doc = request_json(0);
  ASSERT_STR_EQ(member(doc, "QueryString"), q.sql, "the SQL");
  ASSERT_STR_EQ(member(doc, "QueryExecutionContext.Database"), "lake", "database");
  ASSERT_MSG(member(doc, "QueryExecutionContext.Catalog") == NULL, "no catalog unless given");
  ASSERT_STR_EQ(member(doc, "WorkGroup"), "analysts", "workgroup");
  ASSERT_STR_EQ(member(doc, "ResultConfiguration.OutputLocation"), "s3://out/results/", "output");
  json_t *ep = json_object_get(doc, "ExecutionParameters");
  ASSERT_INT_EQ(json_array_size(ep), 2, "two parameters");
  ASSERT_STR_EQ(json_string_value(json_array_get(ep, 0)), "'pink'", "literal 1");
  ASSERT_STR_EQ(json_string_value(json_array_get(ep, 1)), "10", "literal 2");
  ASSERT_INT_EQ(strlen(member(doc, "ClientRequestToken")), 32, "a 32-character token");
  json_decref(doc);

  lg_athena_query bare = {.sql = "SELECT 1"};
  answer(200, "{\"QueryExecutionId\":\"x\"}");
  ASSERT_INT_EQ(lg_athena_start(a, &bare, id, &err), LG_OK, err.message);
  doc = request_json(1);
  ASSERT_MSG(json_object_get(doc, "ExecutionParameters") == NULL, "no empty parameter list");
  ASSERT_MSG(json_object_get(doc, "QueryExecutionContext") == NULL, "no empty context");
  ASSERT_MSG(json_object_get(doc, "ResultConfiguration") == NULL, "no empty configuration");
  json_t *first = request_json(0);
  ASSERT_MSG(strcmp(member(doc, "ClientRequestToken"), member(first, "ClientRequestToken")) != 0,
             "a new token per query");
  json_decref(first);
  json_decref(doc);
  free_client(a, c);
}

static void a_retried_start_keeps_its_token(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(400, "{\"__type\":\"TooManyRequestsException\",\"Message\":\"Rate exceeded\","
              "\"Reason\":\"CONCURRENT_QUERY_LIMIT_EXCEEDED\"}");
  fake_http_script(&fake, (fake_answer){0, NULL, NULL, 1});   /* the answer was lost */
  answer(200, "{\"QueryExecutionId\":\"same\"}");
  lg_athena_query q = {.sql = "SELECT 1"};
  char id[LG_ATHENA_ID_LEN];
  ASSERT_INT_EQ(lg_athena_start(a, &q, id, &err), LG_OK, err.message);
  ASSERT_INT_EQ(fake.nseen, 3, "throttled, lost, then started");
  ASSERT_INT_EQ(nslept, 2, "backed off twice");
  json_t *d0 = request_json(0), *d2 = request_json(2);
  ASSERT_STR_EQ(member(d2, "ClientRequestToken"), member(d0, "ClientRequestToken"),
                "every attempt carries the same token, so Athena runs the query once");
  json_decref(d0);
  json_decref(d2);
  free_client(a, c);
}

static void bad_requests_fail_at_once_with_athenas_message(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(400, ERROR_JSON("InvalidRequestException", "line 1:8: mismatched input 'FROM'"));
  lg_athena_query q = {.sql = "SELECT FROM"};
  char id[LG_ATHENA_ID_LEN];
  ASSERT_INT_EQ(lg_athena_start(a, &q, id, &err), LG_ERR, "refused");
  ASSERT_STR_EQ(err.message, "athena: StartQueryExecution: 400 InvalidRequestException "
                             "(line 1:8: mismatched input 'FROM')", "message");
  ASSERT_STR_EQ(err.code, "InvalidRequestException", "code");
  ASSERT_INT_EQ(err.retryable, 0, "not retryable");
  ASSERT_INT_EQ(fake.nseen, 1, "sent once");

  lg_athena_query empty = {.sql = ""};
  ASSERT_INT_EQ(lg_athena_start(a, &empty, id, &err), LG_ERR, "empty SQL");
  ASSERT_STR_EQ(err.message, "athena: StartQueryExecution: the SQL is empty", "checked here");
  char big[1100];
  memset(big, '1', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  const char *params[] = {"1", big};
  lg_athena_query longp = {.sql = "SELECT ?, ?", .params = params, .nparams = 2};
  ASSERT_INT_EQ(lg_athena_start(a, &longp, id, &err), LG_ERR, "too long");
  ASSERT_STR_EQ(err.message, "athena: StartQueryExecution: parameter 2 is 1099 bytes long; Athena "
                             "takes 1 to 1024", "the parameter is named");
  lg_athena_query bad = {.sql = "SELECT '\xff'"};
  ASSERT_INT_EQ(lg_athena_start(a, &bad, id, &err), LG_ERR, "not UTF-8");
  ASSERT_STR_EQ(err.message, "athena: StartQueryExecution: the SQL, a parameter or a name is not "
                             "valid UTF-8", "message");
  ASSERT_INT_EQ(fake.nseen, 1, "nothing more was sent");
  free_client(a, c);
}

static void internal_errors_are_retried(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  for (int i = 0; i < 3; i++) answer(500, ERROR_JSON("InternalServerException", "oops"));
  lg_athena_query q = {.sql = "SELECT 1"};
  char id[LG_ATHENA_ID_LEN];
  ASSERT_INT_EQ(lg_athena_start(a, &q, id, &err), LG_ERR, "gives up");
  ASSERT_STR_EQ(err.message, "athena: StartQueryExecution: 500 InternalServerException (oops) after "
                             "3 attempts", "message");
  ASSERT_INT_EQ(err.retryable, 1, "the caller may try later");
  free_client(a, c);
}

/* ===================== GetQueryExecution and waiting ===================== */

static void status_reads_athena_error_and_statistics(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, "{\"QueryExecution\":{\"QueryExecutionId\":\"q\",\"StatementType\":\"DML\","
              "\"ResultConfiguration\":{\"OutputLocation\":\"s3://o/q.csv\"},"
              "\"Status\":{\"State\":\"FAILED\",\"StateChangeReason\":\"short\","
              "\"AthenaError\":{\"ErrorCategory\":2,\"ErrorType\":1006,\"Retryable\":false,"
              "\"ErrorMessage\":\"line 1:15: Table lake.nope does not exist\"}},"
              "\"Statistics\":{\"DataScannedInBytes\":1234567,\"EngineExecutionTimeInMillis\":42,"
              "\"TotalExecutionTimeInMillis\":99}}}");
  lg_athena_status st;
  ASSERT_INT_EQ(lg_athena_get_status(a, "q", &st, &err), LG_OK, err.message);
  ASSERT_STR_EQ(lg_athena_state_name(st.state), "FAILED", "state");
  ASSERT_STR_EQ(st.reason, "line 1:15: Table lake.nope does not exist", "AthenaError's message first");
  ASSERT_INT_EQ(st.error_category, 2, "user error");
  ASSERT_INT_EQ(st.error_type, 1006, "type");
  ASSERT_STR_EQ(st.statement_type, "DML", "statement type");
  ASSERT_INT_EQ(st.data_scanned_bytes, 1234567, "scanned");
  ASSERT_INT_EQ(st.engine_time_ms, 42, "engine time");
  ASSERT_STR_EQ(st.output_location, "s3://o/q.csv", "output");
  json_t *doc = request_json(0);
  ASSERT_STR_EQ(member(doc, "QueryExecutionId"), "q", "asks for the id");
  ASSERT_STR_EQ(header(0, "X-Amz-Target"), "AmazonAthena.GetQueryExecution", "target");
  json_decref(doc);
  answer(200, "<html>a proxy's page</html>");
  ASSERT_INT_EQ(lg_athena_get_status(a, "q", &st, &err), LG_ERR, "an answer that is not JSON");
  ASSERT_MSG(strncmp(err.message, "athena: GetQueryExecution: the answer is not a JSON object (", 60) == 0,
             err.message);
  ASSERT_INT_EQ(err.status, 200, "with the status it came with");
  answer(200, "{\"QueryExecution\":{\"Status\":{\"State\":\"PONDERING\"}}}");
  ASSERT_INT_EQ(lg_athena_get_status(a, "q", &st, &err), LG_ERR, "an unknown state");
  ASSERT_STR_EQ(err.message, "athena: GetQueryExecution: the answer has no known Status.State", "message");
  free_client(a, c);
}

static void wait_polls_with_capped_exponential_backoff(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, STATE_JSON("QUEUED"));
  for (int i = 0; i < 6; i++) answer(200, STATE_JSON("RUNNING"));
  answer(200, STATE_JSON("SUCCEEDED"));
  lg_athena_wait_options wo = {60000, 100, 1000};
  lg_athena_status st;
  ASSERT_INT_EQ(lg_athena_wait(a, "q-1", &wo, &st, &err), LG_OK, err.message);
  ASSERT_INT_EQ(st.state, LG_ATHENA_SUCCEEDED, "succeeded");
  ASSERT_INT_EQ(fake.nseen, 8, "eight polls");
  long expected[] = {100, 200, 400, 800, 1000, 1000, 1000};
  ASSERT_INT_EQ(nslept, 7, "a wait between polls");
  for (int i = 0; i < 7; i++) ASSERT_INT_EQ(slept[i], expected[i], "doubling, capped");
  free_client(a, c);
}

static void wait_reports_a_failed_querys_reason(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, STATE_JSON("RUNNING"));
  answer(200, "{\"QueryExecution\":{\"Status\":{\"State\":\"FAILED\",\"StateChangeReason\":"
              "\"SYNTAX_ERROR: line 1:8: Column 'horn' cannot be resolved\"}}}");
  lg_athena_status st;
  ASSERT_INT_EQ(lg_athena_wait(a, "q-9", NULL, &st, &err), LG_ERR, "failed");
  ASSERT_STR_EQ(err.code, "FAILED", "the state is the code");
  ASSERT_STR_EQ(err.message, "athena: query q-9: FAILED: SYNTAX_ERROR: line 1:8: Column 'horn' "
                             "cannot be resolved", "Athena's reason reaches the caller");
  ASSERT_STR_EQ(st.reason, "SYNTAX_ERROR: line 1:8: Column 'horn' cannot be resolved", "status too");
  answer(200, STATE_JSON("CANCELLED"));
  ASSERT_INT_EQ(lg_athena_wait(a, "q-9", NULL, &st, &err), LG_ERR, "cancelled");
  ASSERT_STR_EQ(err.message, "athena: query q-9: CANCELLED: Athena gave no reason", "message");
  free_client(a, c);
}

static void wait_stops_the_query_at_the_deadline(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  for (int i = 0; i < 5; i++) answer(200, STATE_JSON("RUNNING"));
  answer(200, "{}");   /* StopQueryExecution */
  lg_athena_wait_options wo = {1000, 200, 400};
  lg_athena_status st;
  ASSERT_INT_EQ(lg_athena_wait(a, "slow-1", &wo, &st, &err), LG_ERR, "timed out");
  ASSERT_STR_EQ(err.code, "TIMEOUT", "code");
  ASSERT_STR_EQ(err.message, "athena: query slow-1: TIMEOUT: still RUNNING after 1000 ms; stopped it",
                "message");
  long expected[] = {200, 400, 400};   /* the last wait ends at the deadline */
  ASSERT_INT_EQ(nslept, 3, "waits");
  for (int i = 0; i < 3; i++) ASSERT_INT_EQ(slept[i], expected[i], "never past the deadline");
  ASSERT_INT_EQ(fake.nseen, 5, "four polls, then the stop");
  ASSERT_STR_EQ(header(4, "X-Amz-Target"), "AmazonAthena.StopQueryExecution", "stopped");
  json_t *doc = request_json(4);
  ASSERT_STR_EQ(member(doc, "QueryExecutionId"), "slow-1", "the right query");
  json_decref(doc);
  free_client(a, c);
}

static void wait_survives_transient_poll_failures(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  for (int i = 0; i < 3; i++) answer(400, ERROR_JSON("ThrottlingException", "Rate exceeded"));
  answer(200, STATE_JSON("SUCCEEDED"));
  lg_athena_wait_options wo = {60000, 100, 1000};
  ASSERT_INT_EQ(lg_athena_wait(a, "q", &wo, NULL, &err), LG_OK, err.message);
  ASSERT_INT_EQ(fake.nseen, 4, "three throttled polls (one call's attempts), then success");

  answer(400, ERROR_JSON("InvalidRequestException", "QueryExecution nope was not found"));
  ASSERT_INT_EQ(lg_athena_wait(a, "nope", &wo, NULL, &err), LG_ERR, "unknown id");
  ASSERT_STR_EQ(err.message, "athena: GetQueryExecution: 400 InvalidRequestException (QueryExecution "
                             "nope was not found)", "a permanent failure ends the wait");
  ASSERT_INT_EQ(fake.nseen, 5, "not polled again");
  free_client(a, c);
}

/* ===================== GetQueryResults ===================== */

#define COLUMNS "\"ResultSetMetadata\":{\"ColumnInfo\":[{\"Name\":\"name\",\"Type\":\"varchar\"}," \
                "{\"Name\":\"n\",\"Type\":\"bigint\"},{\"Name\":\"d\",\"Type\":\"decimal\"," \
                "\"Precision\":10,\"Scale\":2}]}"

static void results_skip_the_header_row_on_the_first_page_only(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, "{\"ResultSet\":{\"Rows\":[{\"Data\":[{\"VarCharValue\":\"name\"},{\"VarCharValue\":\"n\"},"
              "{\"VarCharValue\":\"d\"}]},{\"Data\":[{\"VarCharValue\":\"honey\"},{},"
              "{\"VarCharValue\":\"1.50\"}]}]," COLUMNS "},\"NextToken\":\"t1\"}");
  answer(200, "{\"ResultSet\":{\"Rows\":[{\"Data\":[{\"VarCharValue\":\"name\"},{\"VarCharValue\":\"n\"},"
              "{\"VarCharValue\":\"d\"}]}]," COLUMNS "}}");
  lg_athena_page page = LG_ATHENA_PAGE_INIT;
  ASSERT_INT_EQ(lg_athena_get_results(a, "q", NULL, 2, &page, &err), LG_OK, err.message);
  ASSERT_INT_EQ(page.ncolumns, 3, "columns");
  ASSERT_STR_EQ(page.columns[2].type, "decimal", "type");
  ASSERT_INT_EQ(page.columns[2].precision, 10, "precision");
  ASSERT_INT_EQ(page.columns[2].scale, 2, "scale");
  ASSERT_INT_EQ(page.nrows, 1, "the header row is left out");
  ASSERT_STR_EQ(page.cells[0], "honey", "cell");
  ASSERT_MSG(page.cells[1] == NULL, "a Datum without VarCharValue is NULL");
  ASSERT_STR_EQ(page.cells[2], "1.50", "decimal text as sent");
  ASSERT_STR_EQ(page.next_token, "t1", "next token");
  json_t *doc = request_json(0);
  ASSERT_INT_EQ(json_integer_value(json_object_get(doc, "MaxResults")), 2, "MaxResults");
  ASSERT_MSG(json_object_get(doc, "NextToken") == NULL, "no token on the first page");
  json_decref(doc);

  ASSERT_INT_EQ(lg_athena_get_results(a, "q", page.next_token ? "t1" : NULL, 0, &page, &err), LG_OK,
                err.message);
  ASSERT_INT_EQ(page.nrows, 1, "a later row that looks like the header is data");
  ASSERT_STR_EQ(page.cells[0], "name", "kept");
  ASSERT_MSG(page.next_token == NULL, "the last page");
  doc = request_json(1);
  ASSERT_STR_EQ(member(doc, "NextToken"), "t1", "the token is sent");
  ASSERT_INT_EQ(json_integer_value(json_object_get(doc, "MaxResults")), 1000, "default page size");
  json_decref(doc);
  lg_athena_page_free(&page);

  ASSERT_INT_EQ(lg_athena_get_results(a, "q", NULL, 1001, &page, &err), LG_ERR, "too many");
  ASSERT_STR_EQ(err.message, "athena: GetQueryResults: max_results must be 1..1000", "message");
  free_client(a, c);
}

static void results_of_statements_without_metadata(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, "{\"ResultSet\":{\"Rows\":[{\"Data\":[{\"VarCharValue\":\"unicorns\"}]},"
              "{\"Data\":[{\"VarCharValue\":\"sightings\"}]}],\"ResultSetMetadata\":{\"ColumnInfo\":[]}},"
              "\"UpdateCount\":0}");
  lg_athena_page page = LG_ATHENA_PAGE_INIT;
  ASSERT_INT_EQ(lg_athena_get_results(a, "q", NULL, 0, &page, &err), LG_OK, err.message);
  ASSERT_INT_EQ(page.ncolumns, 1, "one column");
  ASSERT_STR_EQ(page.columns[0].name, "_col0", "named as Athena does");
  ASSERT_INT_EQ(page.nrows, 2, "no header to skip");
  ASSERT_STR_EQ(page.cells[1], "sightings", "rows");
  answer(200, "{\"ResultSet\":{\"Rows\":[],\"ResultSetMetadata\":{\"ColumnInfo\":[]}},\"UpdateCount\":7}");
  ASSERT_INT_EQ(lg_athena_get_results(a, "q", NULL, 0, &page, &err), LG_OK, err.message);
  ASSERT_INT_EQ(page.nrows, 0, "no rows");
  ASSERT_INT_EQ(page.update_count, 7, "rows written");
  lg_athena_page_free(&page);
  free_client(a, c);
}

/* ===================== GetTableMetadata ===================== */

static void table_metadata_and_missing_tables(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_athena *a = fake_client(&c);
  answer(200, "{\"TableMetadata\":{\"Name\":\"unicorns\",\"Columns\":[{\"Name\":\"name\",\"Type\":\"string\"},"
              "{\"Name\":\"tags\",\"Type\":\"array<string>\"}],\"PartitionKeys\":[{\"Name\":\"dt\","
              "\"Type\":\"string\"}],\"Parameters\":{\"location\":\"s3://lake/unicorns\"}}}");
  lg_athena_table t;
  ASSERT_INT_EQ(lg_athena_get_table(a, NULL, "lake", "unicorns", &t, &err), LG_OK, err.message);
  ASSERT_INT_EQ(t.ncolumns, 2, "columns");
  ASSERT_STR_EQ(t.columns[1].type, "array<string>", "type");
  ASSERT_INT_EQ(t.npartition_keys, 1, "partition keys");
  ASSERT_STR_EQ(t.partition_keys[0].name, "dt", "dt");
  ASSERT_STR_EQ(t.location, "s3://lake/unicorns", "location");
  json_t *doc = request_json(0);
  ASSERT_STR_EQ(member(doc, "CatalogName"), "AwsDataCatalog", "default catalog");
  ASSERT_STR_EQ(member(doc, "DatabaseName"), "lake", "database");
  ASSERT_STR_EQ(member(doc, "TableName"), "unicorns", "table");
  json_decref(doc);
  lg_athena_table_free(&t);
  answer(400, ERROR_JSON("MetadataException", "Entity Not Found (Service: AmazonDataCatalog; Status "
                         "Code: 400; Error Code: EntityNotFoundException; Request ID: r)"));
  ASSERT_INT_EQ(lg_athena_get_table(a, NULL, "lake", "nope", &t, &err), LG_ERR, "missing");
  ASSERT_STR_EQ(err.code, "EntityNotFound", "a missing table is named as such");
  answer(400, ERROR_JSON("MetadataException", "Lambda failed"));
  ASSERT_INT_EQ(lg_athena_get_table(a, NULL, "lake", "nope", &t, &err), LG_ERR, "other failure");
  ASSERT_STR_EQ(err.code, "MetadataException", "other metadata failures keep their code");
  free_client(a, c);
}

const lg_test_case athena_tests[] = {
  {"endpoint_from_region_and_environment", endpoint_from_region_and_environment},
  {"json_error_documents", json_error_documents},
  {"start_sends_a_signed_json_request", start_sends_a_signed_json_request},
  {"a_retried_start_keeps_its_token", a_retried_start_keeps_its_token},
  {"bad_requests_fail_at_once_with_athenas_message", bad_requests_fail_at_once_with_athenas_message},
  {"internal_errors_are_retried", internal_errors_are_retried},
  {"status_reads_athena_error_and_statistics", status_reads_athena_error_and_statistics},
  {"wait_polls_with_capped_exponential_backoff", wait_polls_with_capped_exponential_backoff},
  {"wait_reports_a_failed_querys_reason", wait_reports_a_failed_querys_reason},
  {"wait_stops_the_query_at_the_deadline", wait_stops_the_query_at_the_deadline},
  {"wait_survives_transient_poll_failures", wait_survives_transient_poll_failures},
  {"results_skip_the_header_row_on_the_first_page_only", results_skip_the_header_row_on_the_first_page_only},
  {"results_of_statements_without_metadata", results_of_statements_without_metadata},
  {"table_metadata_and_missing_tables", table_metadata_and_missing_tables},
  {NULL, NULL},
};
