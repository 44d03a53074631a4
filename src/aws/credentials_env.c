/* Credential source: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), read once when the source is made.
 * https://docs.aws.amazon.com/sdkref/latest/guide/environment-variables.html */
#include "aws/credentials.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>

lg_aws_credential_source *lg_aws_source_env(char *err, size_t errlen) {
  const char *id = getenv("AWS_ACCESS_KEY_ID");
  const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
  err[0] = '\0';
  if ((id == NULL || *id == '\0') && (secret == NULL || *secret == '\0')) return NULL;
  if (id == NULL || *id == '\0' || secret == NULL || *secret == '\0') {
    snprintf(err, errlen, "aws: %s is set but %s is not",
             id && *id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
             id && *id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    return NULL;
  }
  return lg_aws_source_fixed("environment", id, secret, getenv("AWS_SESSION_TOKEN"), err,
                             errlen);
}
