/* The Athena client: StartQueryExecution, GetQueryExecution, GetQueryResults (pages),
 * StopQueryExecution and GetTableMetadata over the AWS JSON 1.1 protocol, and waiting for
 * a query with capped exponential backoff and an overall deadline that stops the query.
 *
 * Every call returns LG_OK, or LG_ERR with an lg_aws_error: `code` is Athena's error code
 * ("InvalidRequestException", "TooManyRequestsException") or, for a query that ended
 * badly, its state ("FAILED", "CANCELLED") or "TIMEOUT"; the message reads
 * "athena: StartQueryExecution: 400 InvalidRequestException (...)" or
 * "athena: query 1234...: FAILED: SYNTAX_ERROR: line 1:8: ...".
 * Throttling, 5xx and network failures are retried inside a call (aws/request.c). That is
 * safe for every call here: reads and StopQueryExecution are idempotent, and every
 * StartQueryExecution carries a ClientRequestToken, so a start whose answer was lost and
 * is sent again returns the first query instead of running a second one.
 * A client is thread-safe: one can serve every thread of the process. */
#ifndef LG_AWS_ATHENA_H
#define LG_AWS_ATHENA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/request.h"

typedef struct lg_athena lg_athena;

typedef struct lg_athena_options {
  const char *region;             /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile */
  const char *endpoint;           /* NULL: AWS_ENDPOINT_URL_ATHENA, AWS_ENDPOINT_URL, the
                                     profile's, else https://athena.REGION.amazonaws.com */
  const char *profile;            /* NULL: AWS_PROFILE or "default" */
  lg_aws_provider *credentials;   /* borrowed; NULL: the default chain (owned) */
  lg_http_transport *http;        /* borrowed; NULL: a libcurl transport (owned) */
  lg_aws_retry_policy retry;      /* zeros: 3 attempts, 100 ms base, 5 s cap */
  long timeout_ms;                /* per HTTP exchange; 0: the transport's default */
  /* For tests: a fixed wall clock (signing), a recorded sleep (retries and polling) and
   * a monotonic clock in milliseconds (deadlines). NULL: the real ones. */
  time_t (*now)(void);
  void (*sleep_ms)(long ms);
  int64_t (*monotonic_ms)(void);
} lg_athena_options;

/* Makes a client. opt may be NULL (everything from the environment). Returns NULL with
 * a message in err (no region, bad endpoint, no credentials). Free with lg_athena_free. */
lg_athena *lg_athena_new(const lg_athena_options *opt, char *err, size_t errlen);
/* Frees the client and what it owns. Accepts NULL. No call may be running. */
void lg_athena_free(lg_athena *a);
const char *lg_athena_endpoint(const lg_athena *a);
const char *lg_athena_region(const lg_athena *a);

/* ===================== queries ===================== */

/* Query ids are UUIDs; Athena allows up to 128 characters. */
#define LG_ATHENA_ID_LEN 129

typedef struct lg_athena_query {
  const char *sql;
  const char *const *params;      /* ExecutionParameters: one SQL literal per '?' */
  size_t nparams;
  const char *database;           /* NULL or "": the workgroup's default */
  const char *catalog;            /* NULL or "": AwsDataCatalog */
  const char *workgroup;          /* NULL or "": primary */
  const char *output_location;    /* "s3://bucket/prefix/"; NULL or "": the workgroup's */
  const char *request_token;      /* ClientRequestToken (32-128 characters); NULL: a new
                                     random one per call */
} lg_athena_query;

/* Starts the query; writes its id into id. */
int lg_athena_start(lg_athena *a, const lg_athena_query *q, char id[LG_ATHENA_ID_LEN],
                    lg_aws_error *err);

typedef enum {
  LG_ATHENA_QUEUED,
  LG_ATHENA_RUNNING,
  LG_ATHENA_SUCCEEDED,
  LG_ATHENA_FAILED,
  LG_ATHENA_CANCELLED,
} lg_athena_state;

/* What GetQueryExecution says about a query. */
typedef struct lg_athena_status {
  lg_athena_state state;
  char reason[1024];              /* why it FAILED or was CANCELLED: AthenaError's
                                     ErrorMessage, else StateChangeReason; or "" */
  int error_category;             /* AthenaError: 1 system, 2 user, 3 other; 0: none */
  int error_type;                 /* AthenaError's ErrorType; 0: none */
  int retryable;                  /* AthenaError: 1 if running it again may succeed */
  char statement_type[16];        /* "DDL", "DML", "UTILITY" or "" */
  int64_t data_scanned_bytes;
  int64_t engine_time_ms;
  int64_t total_time_ms;
  char output_location[1024];     /* where the result CSV is, or "" */
} lg_athena_status;

/* "QUEUED", "RUNNING", ... */
const char *lg_athena_state_name(lg_athena_state s);

int lg_athena_get_status(lg_athena *a, const char *id, lg_athena_status *st, lg_aws_error *err);
/* Asks Athena to cancel the query (a finished query stays as it was). */
int lg_athena_stop(lg_athena *a, const char *id, lg_aws_error *err);

typedef struct lg_athena_wait_options {
  long timeout_ms;                /* overall deadline; at it the query is stopped; 0: none */
  long first_delay_ms;            /* 0: 100 */
  long max_delay_ms;              /* the delay doubles up to this; 0: 2000 */
} lg_athena_wait_options;

/* Polls GetQueryExecution until the query ends: LG_OK when it SUCCEEDED (st filled),
 * LG_ERR with code "FAILED" or "CANCELLED" and Athena's reason in the message, or, when
 * the deadline passes first, StopQueryExecution and LG_ERR with code "TIMEOUT". A poll
 * that fails for a transient reason (after its own retries) does not end the wait; one
 * that fails for good does. st may be NULL; on LG_ERR it holds the last status seen. */
int lg_athena_wait(lg_athena *a, const char *id, const lg_athena_wait_options *opt,
                   lg_athena_status *st, lg_aws_error *err);

/* ===================== results ===================== */

typedef struct lg_athena_column {
  char *name;
  char *type;                     /* Athena's type name: "varchar", "bigint", "decimal",
                                     "timestamp", "array", ... */
  int precision;                  /* for decimal (and the length of varchar(n)) */
  int scale;
} lg_athena_column;

/* One page of GetQueryResults. Cells are row-major: cell(r, c) = cells[r * ncolumns + c],
 * each a NUL-terminated string (length in lens) or NULL for SQL NULL. Everything is
 * owned by the page. */
typedef struct lg_athena_page {
  lg_athena_column *columns;
  size_t ncolumns;
  char **cells;
  size_t *lens;
  size_t nrows;
  char *next_token;               /* NULL on the last page */
  int64_t update_count;           /* rows written by INSERT/CTAS, else 0 */
} lg_athena_page;

#define LG_ATHENA_PAGE_INIT {NULL, 0, NULL, NULL, 0, NULL, 0}

/* Athena's largest page. */
#define LG_ATHENA_MAX_RESULTS 1000

/* One page of a SUCCEEDED query's results (next_token NULL for the first). max_results
 * 1..1000 (0: 1000). On the first page of a query whose first row repeats the column
 * names (Athena's header row for SELECT), that row is left out. page is emptied first;
 * free it with lg_athena_page_free. */
int lg_athena_get_results(lg_athena *a, const char *id, const char *next_token, int max_results,
                          lg_athena_page *page, lg_aws_error *err);
void lg_athena_page_free(lg_athena_page *page);

/* ===================== table metadata ===================== */

/* A table as the catalog knows it (GetTableMetadata). Owned by the struct. */
typedef struct lg_athena_table {
  lg_athena_column *columns;      /* name and type only */
  size_t ncolumns;
  lg_athena_column *partition_keys;
  size_t npartition_keys;
  char *location;                 /* the "location" parameter, or NULL */
} lg_athena_table;

#define LG_ATHENA_TABLE_INIT {NULL, 0, NULL, 0, NULL}

/* The table's columns. A table that does not exist fails with code "EntityNotFound"
 * (Athena reports it as a MetadataException). catalog NULL: AwsDataCatalog. */
int lg_athena_get_table(lg_athena *a, const char *catalog, const char *database,
                        const char *table, lg_athena_table *t, lg_aws_error *err);
void lg_athena_table_free(lg_athena_table *t);

#endif
