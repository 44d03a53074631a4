/* Credential source: a profile of the shared credentials file, then of the config file
 * (aws_access_key_id, aws_secret_access_key, aws_session_token), read once.
 * https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
 * Roles (role_arn/source_profile), SSO and credential_process are not supported. */
#include "aws/credentials.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key of the profile: the credentials file ("[NAME]") wins over the config file. */
static const char *setting(const lg_aws_files *f, const char *key) {
  const char *v = lg_aws_ini_get(&f->credentials, f->profile, key);
  return v ? v : lg_aws_profile_setting(f, key);
}

lg_aws_credential_source *lg_aws_source_profile(const lg_aws_files *f, char *err,
                                                size_t errlen) {
  const char *id = setting(f, "aws_access_key_id");
  const char *secret = setting(f, "aws_secret_access_key");
  err[0] = '\0';
  if (id == NULL && secret == NULL) {
    char section[160];
    snprintf(section, sizeof section, "profile %s", f->profile);
    int named = getenv("AWS_PROFILE") != NULL || strcmp(f->profile, "default") != 0;
    int exists = lg_aws_ini_has_section(&f->credentials, f->profile) ||
                 lg_aws_ini_has_section(&f->config, section) ||
                 lg_aws_ini_has_section(&f->config, f->profile);
    if (named && !exists) snprintf(err, errlen, "aws: profile %s not found", f->profile);
    return NULL;
  }
  if (id == NULL || secret == NULL || *id == '\0' || *secret == '\0') {
    snprintf(err, errlen, "aws: profile %s has %s but not %s", f->profile,
             id ? "aws_access_key_id" : "aws_secret_access_key",
             id ? "aws_secret_access_key" : "aws_access_key_id");
    return NULL;
  }
  return lg_aws_source_fixed("profile", id, secret, setting(f, "aws_session_token"), err,
                             errlen);
}
