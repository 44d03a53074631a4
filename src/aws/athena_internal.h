/* What athena.c, athena_results.c and athena_wait.c share. Not part of the public interface. */
#ifndef LG_AWS_ATHENA_INTERNAL_H
#define LG_AWS_ATHENA_INTERNAL_H

#include "aws/athena.h"
#include "aws/client.h"

#include <jansson.h>

struct lg_athena {
  lg_aws_client base;                  /* region, endpoint, signing, transport */
  long timeout_ms;                     /* per HTTP exchange */
  void (*sleep_ms)(long ms);           /* never NULL */
  int64_t (*monotonic_ms)(void);       /* never NULL */
};

/* One AmazonAthena.<operation> call (AWS JSON 1.1). Takes over input (json_decref'd,
 * afterwards). input NULL means building it failed (a string that is not UTF-8, or no
 * memory): the call then fails without sending. */
int lg_athena_call(lg_athena *a, const char *operation, json_t *input, json_t **output,
                   lg_aws_error *err);

/* Sets err as a failure that happened here, without an answer from Athena. */
void lg_athena_local_error(lg_aws_error *err, const char *what, const char *detail);

/* A copy of the string member `key` of obj, or NULL (absent, or out of memory). */
char *lg_athena_strdup_member(json_t *obj, const char *key);

/* Fills columns[0..n) from a JSON array of {Name, Type[, Precision, Scale]}. Returns
 * LG_OK, or LG_ERR (out of memory); *columns is then freed. */
int lg_athena_columns_from_json(json_t *list, lg_athena_column **columns, size_t *n);
void lg_athena_columns_free(lg_athena_column *columns, size_t n);

#endif
