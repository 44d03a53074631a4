/* Companion folders of the binary (see layout.h). The install-relative folders come from
 * CMake (LG_*_RELDIR), so any --prefix works. */
#include "config/layout.h"
#include "util/common.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct place {
  const char *env;        /* overriding environment variable, or NULL */
  const char *build;      /* beside the binary in the build tree */
  const char *installed;  /* relative to the binary's folder in an install */
  const char *probe;      /* a file that must be in the folder */
} place;

static const place places[] = {
  [LG_LAYOUT_LUA] = {"LAKEGATE_LUA_PATH", "lua", LG_LUA_RELDIR, "lakegate/app.lua"},
  [LG_LAYOUT_TLS_COMPAT] = {NULL, "tls-compat", LG_TLS_RELDIR, "libssl.so"},
  [LG_LAYOUT_ASSETS] = {"LAKEGATE_ASSETS", "assets", LG_ASSETS_RELDIR, "swagger-ui-bundle.js"},
};

static int has(const char *dir, const char *probe) {
  char path[PATH_MAX];
  int n = snprintf(path, sizeof path, "%s/%s", dir, probe);
  return n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

static int exe_dir(char *out, size_t outlen) {
  ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
  if (n <= 0) return LG_ERR;
  out[n] = '\0';
  char *slash = strrchr(out, '/');
  if (slash) *slash = '\0';
  return LG_OK;
}

int lg_layout_find(lg_layout_item item, char *out, size_t outlen) {
  const place *p = &places[item];
  const char *env = p->env ? getenv(p->env) : NULL;
  if (env && *env) {
    snprintf(out, outlen, "%s", env);
    return has(out, p->probe) ? LG_OK : LG_ERR;
  }
  char exe[PATH_MAX];
  if (exe_dir(exe, sizeof exe) != LG_OK) return LG_ERR;
  const char *candidates[] = {p->build, p->installed};
  for (size_t i = 0; i < LG_ARRAY_LEN(candidates); i++) {
    int n = snprintf(out, outlen, "%s/%s", exe, candidates[i]);
    if (n > 0 && (size_t)n < outlen && has(out, p->probe)) return LG_OK;
  }
  return LG_ERR;
}

const char *lg_layout_installed(lg_layout_item item) {
  return places[item].installed;
}
