/* AWS settings (see settings.h). Reads the environment and the shared files. */
#include "aws/settings.h"
#include "util/common.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

int lg_aws_env_true(const char *name) {
  const char *v = env(name);
  return v && strcasecmp(v, "true") == 0;
}

/* An explicit path from the environment, else ~/.aws/<name>. */
static void file_path(char *out, size_t outlen, const char *env_name, const char *name) {
  const char *p = env(env_name), *home = env("HOME");
  if (p) snprintf(out, outlen, "%s", p);
  else snprintf(out, outlen, "%s/.aws/%s", home ? home : "", name);
}

int lg_aws_files_load(lg_aws_files *f, const char *profile, char *err, size_t errlen) {
  char path[1024];
  memset(f, 0, sizeof *f);
  if (profile == NULL || *profile == '\0') profile = env("AWS_PROFILE");
  snprintf(f->profile, sizeof f->profile, "%s", profile ? profile : "default");
  file_path(path, sizeof path, "AWS_CONFIG_FILE", "config");
  if (lg_aws_ini_load(&f->config, path, err, errlen) != LG_OK) return LG_ERR;
  file_path(path, sizeof path, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  return lg_aws_ini_load(&f->credentials, path, err, errlen);
}

void lg_aws_files_free(lg_aws_files *f) {
  lg_aws_ini_free(&f->config);
  lg_aws_ini_free(&f->credentials);
}

const char *lg_aws_profile_setting(const lg_aws_files *f, const char *key) {
  char section[160];
  if (strcmp(f->profile, "default") == 0) {
    const char *v = lg_aws_ini_get(&f->config, "default", key);
    if (v) return v;
  }
  snprintf(section, sizeof section, "profile %s", f->profile);
  return lg_aws_ini_get(&f->config, section, key);
}

int lg_aws_resolve_region(const lg_aws_files *f, char *out, size_t outlen, char *err,
                          size_t errlen) {
  const char *r = env("AWS_REGION");
  if (r == NULL) r = env("AWS_DEFAULT_REGION");
  if (r == NULL) r = lg_aws_profile_setting(f, "region");
  if (r == NULL) {
    snprintf(err, errlen, "aws: no region: set AWS_REGION or \"region\" in profile %s of the "
                          "config file", f->profile);
    return LG_ERR;
  }
  snprintf(out, outlen, "%s", r);
  return LG_OK;
}

int lg_aws_resolve_endpoint(const lg_aws_files *f, const char *service_id, char *out,
                            size_t outlen) {
  if (lg_aws_env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) return 0;
  char name[96], key[64];   /* AWS_ENDPOINT_URL_S3 and s3 (of s3.endpoint_url) */
  size_t n = 0;
  for (const char *p = service_id; *p && n + 1 < sizeof key; p++, n++)
    key[n] = *p == ' ' ? '_' : (char)tolower((unsigned char)*p);
  key[n] = '\0';
  snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", key);
  for (char *p = name; *p; p++) *p = (char)toupper((unsigned char)*p);
  const char *url = env(name);
  if (url == NULL) url = env("AWS_ENDPOINT_URL");
  const char *services = lg_aws_profile_setting(f, "services");
  if (url == NULL && services) {
    char section[160], nested[160];
    snprintf(section, sizeof section, "services %s", services);
    snprintf(nested, sizeof nested, "%s.endpoint_url", key);
    url = lg_aws_ini_get(&f->config, section, nested);
  }
  if (url == NULL) url = lg_aws_profile_setting(f, "endpoint_url");
  if (url == NULL || *url == '\0') return 0;
  snprintf(out, outlen, "%s", url);
  return 1;
}
