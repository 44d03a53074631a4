/* PCRE2 patterns compiled once with JIT and matched with reusable match data (see regex.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/regex.h"
#include "util/common.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lg_regex {
  pcre2_code *code;              /* compiled pattern (JIT code attached when available) */
  pcre2_match_data *match;       /* one ovector pair: we only ask "does it match?" */
  int jit;                       /* JIT compilation succeeded */
  char *pattern;                 /* copy of the source text */
};

lg_regex *lg_regex_compile(const char *pattern, size_t len, char *err, size_t errlen) {
  int code;
  PCRE2_SIZE offset;
  lg_regex *re = calloc(1, sizeof *re);
  if (re == NULL) goto oom;
  re->pattern = malloc(len + 1);
  if (re->pattern == NULL) goto oom;
  memcpy(re->pattern, pattern, len);
  re->pattern[len] = '\0';
  re->code = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF, &code, &offset, NULL);
  if (re->code == NULL) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(code, msg, sizeof msg);
    snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)offset);
    lg_regex_free(re);
    return NULL;
  }
  /* JIT is an optimization: without it (e.g. no executable memory) matching still works. */
  re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
  re->match = pcre2_match_data_create(1, NULL);
  if (re->match == NULL) goto oom;
  return re;
oom:
  snprintf(err, errlen, "out of memory");
  lg_regex_free(re);
  return NULL;
}

int lg_regex_search(lg_regex *re, const char *s, size_t len, int trusted) {
  uint32_t opts = trusted ? PCRE2_NO_UTF_CHECK : 0;
  int rc = re->jit && trusted
    ? pcre2_jit_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->match, NULL)
    : pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, opts, re->match, NULL);
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) return 0;   /* invalid UTF-8 */
  return LG_ERR;
}

const char *lg_regex_pattern(const lg_regex *re) {
  return re->pattern;
}

void lg_regex_free(lg_regex *re) {
  if (re == NULL) return;
  pcre2_match_data_free(re->match);
  pcre2_code_free(re->code);
  free(re->pattern);
  free(re);
}
