/* The AWS config file format (see ini.h). Uses only libc. */
#include "aws/ini.h"
#include "util/buf.h"
#include "util/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

/* s[0..*n) without surrounding blanks. */
static const char *trim(const char *s, size_t *n) {
  while (*n > 0 && is_blank(*s)) s++, (*n)--;
  while (*n > 0 && is_blank(s[*n - 1])) (*n)--;
  return s;
}

static int add(lg_aws_ini *ini, const char *section, const char *key, size_t key_len,
               const char *value, size_t value_len) {
  if (ini->len == ini->cap) {
    size_t cap = ini->cap ? ini->cap * 2 : 16;
    lg_aws_ini_entry *items = realloc(ini->items, cap * sizeof *items);
    if (items == NULL) return LG_ERR;
    ini->items = items;
    ini->cap = cap;
  }
  lg_aws_ini_entry e = {strdup(section), strndup(key, key_len), strndup(value, value_len)};
  if (e.section == NULL || e.key == NULL || e.value == NULL) {
    free(e.section);
    free(e.key);
    free(e.value);
    return LG_ERR;
  }
  ini->items[ini->len++] = e;
  return LG_OK;
}

/* "[  profile   dev ]" -> "profile dev": one space between the words. */
static void section_name(char *out, size_t outlen, const char *s, size_t n) {
  size_t o = 0;
  int space = 0;
  s = trim(s, &n);
  for (size_t i = 0; i < n && o + 2 < outlen; i++) {
    if (is_blank(s[i])) {
      space = 1;
      continue;
    }
    if (space && o > 0) out[o++] = ' ';
    space = 0;
    out[o++] = s[i];
  }
  out[o] = '\0';
}

/* State carried from line to line. */
typedef struct parser {
  char section[256];   /* "" before the first section: lines there are ignored */
  char parent[128];    /* key of an open "key =" with nested settings, or "" */
} parser;

static int parse_line(lg_aws_ini *ini, parser *p, const char *line, size_t n) {
  int indented = n > 0 && is_blank(line[0]);
  line = trim(line, &n);
  if (n == 0 || line[0] == '#' || line[0] == ';') return LG_OK;
  if (line[0] == '[') {
    const char *close = memchr(line, ']', n);
    section_name(p->section, sizeof p->section, line + 1, close ? (size_t)(close - line - 1) : n - 1);
    p->parent[0] = '\0';
    return LG_OK;
  }
  const char *eq = memchr(line, '=', n);
  if (eq == NULL || p->section[0] == '\0') return LG_OK;   /* not a setting: skipped */
  size_t key_len = (size_t)(eq - line), value_len = n - key_len - 1;
  const char *key = trim(line, &key_len), *value = trim(eq + 1, &value_len);
  if (indented && p->parent[0]) {
    char nested[256];
    snprintf(nested, sizeof nested, "%s.%.*s", p->parent, (int)key_len, key);
    return add(ini, p->section, nested, strlen(nested), value, value_len);
  }
  if (indented) return LG_OK;   /* a continuation line of a plain value: not supported */
  if (value_len == 0) snprintf(p->parent, sizeof p->parent, "%.*s", (int)key_len, key);
  else p->parent[0] = '\0';
  return add(ini, p->section, key, key_len, value, value_len);
}

int lg_aws_ini_parse(lg_aws_ini *ini, const char *text, size_t len) {
  parser p = {"", ""};
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && text[i] != '\n') continue;
    if (parse_line(ini, &p, text + start, i - start) != LG_OK) return LG_ERR;
    start = i + 1;
  }
  return LG_OK;
}

int lg_aws_ini_load(lg_aws_ini *ini, const char *path, char *err, size_t errlen) {
  err[0] = '\0';
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    if (errno == ENOENT || errno == ENOTDIR) return LG_OK;
    snprintf(err, errlen, "aws: cannot read %s: %s", path, strerror(errno));
    return LG_ERR;
  }
  lg_buf text = LG_BUF_INIT;
  char chunk[4096];
  size_t n;
  int rc = LG_OK;
  while (rc == LG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = lg_buf_append(&text, chunk, n);
  if (rc == LG_OK && ferror(f)) {
    snprintf(err, errlen, "aws: cannot read %s: %s", path, strerror(errno));
    rc = LG_ERR;
  } else if (rc == LG_OK && lg_aws_ini_parse(ini, text.data ? text.data : "", text.len) != LG_OK) {
    rc = LG_ERR;
  }
  if (rc != LG_OK && err[0] == '\0') snprintf(err, errlen, "aws: %s: out of memory", path);
  fclose(f);
  if (text.data) explicit_bzero(text.data, text.len);   /* the credentials file */
  lg_buf_free(&text);
  return rc;
}

const char *lg_aws_ini_get(const lg_aws_ini *ini, const char *section, const char *key) {
  const char *found = NULL;
  for (size_t i = 0; i < ini->len; i++)
    if (strcmp(ini->items[i].section, section) == 0 && strcmp(ini->items[i].key, key) == 0)
      found = ini->items[i].value;
  return found;
}

int lg_aws_ini_has_section(const lg_aws_ini *ini, const char *section) {
  for (size_t i = 0; i < ini->len; i++)
    if (strcmp(ini->items[i].section, section) == 0) return 1;
  return 0;
}

void lg_aws_ini_free(lg_aws_ini *ini) {
  for (size_t i = 0; i < ini->len; i++) {
    explicit_bzero(ini->items[i].value, strlen(ini->items[i].value));
    free(ini->items[i].section);
    free(ini->items[i].key);
    free(ini->items[i].value);
  }
  free(ini->items);
  *ini = (lg_aws_ini)LG_AWS_INI_INIT;
}
