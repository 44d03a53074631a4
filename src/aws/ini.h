/* The AWS shared config and credentials file format (~/.aws/config, ~/.aws/credentials):
 * "[section]" lines, "key = value" lines, '#' and ';' comment lines, and nested settings
 * ("s3 =" followed by indented "endpoint_url = ..." lines, stored as "s3.endpoint_url").
 * https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html */
#ifndef LG_AWS_INI_H
#define LG_AWS_INI_H

#include <stddef.h>

typedef struct lg_aws_ini_entry {
  char *section;   /* "default", "profile dev", "services local", ... (owned) */
  char *key;       /* "region", "s3.endpoint_url", ... (owned) */
  char *value;     /* trimmed (owned) */
} lg_aws_ini_entry;

typedef struct lg_aws_ini {
  lg_aws_ini_entry *items;
  size_t len, cap;
} lg_aws_ini;

#define LG_AWS_INI_INIT {NULL, 0, 0}

/* Parses the file at path into ini (appending). A missing file is no error (nothing is
 * added). Returns LG_OK, or LG_ERR with a message in err (unreadable, out of memory). */
int lg_aws_ini_load(lg_aws_ini *ini, const char *path, char *err, size_t errlen);
/* Parses text[0..len) the same way. */
int lg_aws_ini_parse(lg_aws_ini *ini, const char *text, size_t len);
/* The value of key in section (the last one if repeated), or NULL. */
const char *lg_aws_ini_get(const lg_aws_ini *ini, const char *section, const char *key);
/* 1 if the section holds at least one setting. */
int lg_aws_ini_has_section(const lg_aws_ini *ini, const char *section);
/* Frees every entry; ini is empty and reusable. Wipes the values (they hold secrets). */
void lg_aws_ini_free(lg_aws_ini *ini);

#endif
