/* AWS settings from the SDKs' standard places: the environment first, then the profile in
 * the shared config and credentials files. Used when a client is created, not per request.
 * https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html */
#ifndef LG_AWS_SETTINGS_H
#define LG_AWS_SETTINGS_H

#include <stddef.h>

#include "aws/ini.h"

typedef struct lg_aws_files {
  char profile[128];        /* the profile in use: the argument, AWS_PROFILE or "default" */
  lg_aws_ini config;        /* AWS_CONFIG_FILE, else ~/.aws/config */
  lg_aws_ini credentials;   /* AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials */
} lg_aws_files;

/* Loads both files (missing files are empty). profile may be NULL. Returns LG_OK, or
 * LG_ERR with a message in err. Free with lg_aws_files_free (also after an error). */
int lg_aws_files_load(lg_aws_files *f, const char *profile, char *err, size_t errlen);
void lg_aws_files_free(lg_aws_files *f);

/* A setting of the profile in the config file ("[default]" or "[profile NAME]"), or NULL. */
const char *lg_aws_profile_setting(const lg_aws_files *f, const char *key);

/* The region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's "region". Returns LG_OK,
 * or LG_ERR if none is set (err says where to set one). */
int lg_aws_resolve_region(const lg_aws_files *f, char *out, size_t outlen, char *err,
                          size_t errlen);

/* The endpoint URL configured for a service (service_id as AWS spells it: "S3",
 * "Athena"): AWS_ENDPOINT_URL_<ID>, AWS_ENDPOINT_URL, the profile's services section
 * ("<id> =" then "endpoint_url = ..."), the profile's endpoint_url; none of them when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. Returns 1 and fills out if one is set. */
int lg_aws_resolve_endpoint(const lg_aws_files *f, const char *service_id, char *out,
                            size_t outlen);

/* 1 if the environment variable is "true" (case-insensitive). */
int lg_aws_env_true(const char *name);

#endif
