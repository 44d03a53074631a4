/* Settings from defaults, lakegate.lua, LAKEGATE_* and flags (see config.h).
 * The settings table below is the single list of names: flags, environment variables,
 * file keys and --help all come from it. */
#include "config/config.h"
#include "util/common.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

typedef enum { T_STR, T_INT, T_BOOL } setting_type;

typedef struct setting {
  const char *name;     /* key in lakegate.lua; flag and env var are derived from it */
  setting_type type;
  size_t offset;        /* of the field in lg_config */
  const char *dflt;     /* default, as text */
  long min, max;        /* bounds for T_INT */
  const char *help;
  const char *choices;  /* T_STR: "a|b|c" if only these values are allowed */
} setting;

#define STR(f, d, h) {#f, T_STR, offsetof(lg_config, f), d, 0, 0, h, NULL}
#define ONEOF(f, d, c, h) {#f, T_STR, offsetof(lg_config, f), d, 0, 0, h, c}
#define INT(f, d, lo, hi, h) {#f, T_INT, offsetof(lg_config, f), d, lo, hi, h, NULL}
#define BOOL(f, d, h) {#f, T_BOOL, offsetof(lg_config, f), d, 0, 1, h, NULL}

static const setting settings[] = {
  STR(listen, "127.0.0.1:8000", "address to listen on, HOST:PORT"),
  STR(tls_listen, "", "address for HTTPS, HOST:PORT (needs tls_cert and tls_key)"),
  STR(tls_cert, "", "PEM certificate (chain) for HTTPS"),
  STR(tls_key, "", "PEM private key for HTTPS"),
  STR(routes, "./routes", "directory of route scripts (*.lua, not *_spec.lua)"),
  STR(lake, "./data/lake", "lake root: DIR, file://DIR or s3://BUCKET/PREFIX"),
  ONEOF(lake_sse, "none", "none|AES256|aws:kms", "server-side encryption of s3:// lake objects"),
  STR(lake_sse_kms_key_id, "", "KMS key (id, ARN or alias) for lake_sse aws:kms (empty: aws/s3)"),
  STR(spool, "./data/spool", "spool directory for records not yet in the lake"),
  ONEOF(auth, "none", "none|api_key", "default authentication of routes (routes may override)"),
  STR(api_keys, "", "API keys as name:secret,name:secret (prefer the environment variable)"),
  STR(api_keys_file, "", "file of API keys, one \"name secret\" per line (secret or sha256:<hex>)"),
  STR(rate_limit, "", "requests per client or API key, e.g. 100/s, 6000/m (empty: no limit)"),
  INT(rate_limit_burst, "0", 0, 1000000, "requests a client may make at once (0: one second's worth)"),
  STR(cors_origins, "", "origins allowed by CORS: * or a comma-separated list (empty: no CORS)"),
  STR(root_path, "", "path prefix a gateway adds, e.g. /prod (stripped for routing, used in links)"),
  INT(shared_dict_entries, "100000", 16, 100000000, "entries lakegate.shared keeps (the oldest make room)"),
  BOOL(docs, "true", "serve /openapi.json, /docs (Swagger UI) and /redoc"),
  BOOL(trust_proxy, "false", "take the client address and scheme from X-Forwarded-For/-Proto"),
  ONEOF(log_level, "info", "error|warn|info|debug", "least severe level logged"),
  ONEOF(log_format, "json", "json|text", "one JSON object per line, or text for people"),
  BOOL(access_log, "true", "log one line per request"),
  INT(threads, "128", 1, 4096, "worker threads; each serves one open connection"),
  INT(max_body_size, "1048576", 1, 1L << 30, "largest request body in bytes (else 413)"),
  INT(max_json_depth, "512", 1, 4096, "deepest JSON nesting accepted (else 400)"),
  INT(max_header_size, "16384", 1024, 1048576, "request line and headers in bytes (else 431)"),
  INT(keep_alive_timeout_ms, "5000", 0, 3600000, "close idle keep-alive connections after this"),
  INT(request_timeout_ms, "10000", 100, 3600000, "time allowed to receive a request's headers, and its body"),
  BOOL(watch, "false", "reload the routes when their files change (development)"),
  INT(seal_bytes, "67108864", 4096, 1L << 40, "seal a spool segment into lake objects at this size"),
  INT(seal_seconds, "60", 1, 86400, "seal a spool segment when it is this old (seconds)"),
  INT(spool_max_bytes, "1073741824", 65536, 1L << 50, "answer 503 + Retry-After while the spool holds more"),
  INT(group_commit_us, "0", 0, 100000, "under load, wait this long to gather writers into one fdatasync"),
  INT(gzip_level, "6", 1, 9, "gzip level of lake objects"),
  INT(idempotency_window_s, "86400", 1, 2592000, "how long Idempotency-Key answers are replayed"),
  INT(flush_timeout_s, "60", 1, 86400, "`lakegate flush` gives up after this"),
  STR(athena_database, "lakegate", "Athena database of the lake's tables and of queries"),
  STR(athena_workgroup, "", "Athena workgroup queries run in (empty: primary)"),
  STR(athena_output, "", "s3://BUCKET/PREFIX/ for query results (empty: the workgroup's)"),
  INT(athena_timeout_ms, "60000", 100, 86400000, "a blocking query is stopped after this"),
  INT(athena_max_queries, "0", 0, 4096, "blocking queries at once, server-wide (0: threads/4)"),
};

#undef STR
#undef ONEOF
#undef INT
#undef BOOL

/* "max_body_size" -> "max-body-size" or "MAX_BODY_SIZE" */
static void transform(const char *name, char *out, size_t outlen, int upper_env) {
  size_t i = 0;
  for (; name[i] && i + 1 < outlen; i++) {
    char c = name[i];
    if (upper_env) out[i] = (char)toupper((unsigned char)c);
    else out[i] = c == '_' ? '-' : c;
  }
  out[i] = '\0';
}

/* 1 if value is one of the '|'-separated choices */
static int is_choice(const char *choices, const char *value) {
  size_t n = strlen(value);
  for (const char *p = choices; *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, value, n) == 0) return 1;
    p += len + (bar != NULL);
  }
  return 0;
}

static int set_value(lg_config *cfg, const setting *s, const char *value, const char *origin,
                     char *err, size_t errlen) {
  void *field = (char *)cfg + s->offset;
  if (s->type == T_STR) {
    if (s->choices && !is_choice(s->choices, value)) {
      snprintf(err, errlen, "%s: %s must be one of %s, got '%s'", origin, s->name, s->choices, value);
      return LG_ERR;
    }
    char *copy = strdup(value);
    if (copy == NULL) {
      snprintf(err, errlen, "out of memory");
      return LG_ERR;
    }
    free(*(char **)field);
    *(char **)field = copy;
    return LG_OK;
  }
  if (s->type == T_BOOL) {
    static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < LG_ARRAY_LEN(yes); i++) {
      if (strcasecmp(value, yes[i]) == 0) return *(long *)field = 1, LG_OK;
      if (strcasecmp(value, no[i]) == 0) return *(long *)field = 0, LG_OK;
    }
    snprintf(err, errlen, "%s: %s must be true or false, got '%s'", origin, s->name, value);
    return LG_ERR;
  }
  char *end;
  errno = 0;
  long v = strtol(value, &end, 10);
  if (errno || end == value || *end != '\0' || v < s->min || v > s->max) {
    snprintf(err, errlen, "%s: %s must be an integer in %ld..%ld, got '%s'", origin, s->name,
             s->min, s->max, value);
    return LG_ERR;
  }
  *(long *)field = v;
  return LG_OK;
}

static const setting *find_setting(const char *name, size_t len) {
  for (size_t i = 0; i < LG_ARRAY_LEN(settings); i++) {
    if (strlen(settings[i].name) == len && memcmp(settings[i].name, name, len) == 0)
      return &settings[i];
  }
  return NULL;
}

/* ===================== lakegate.lua ===================== */

/* Runs the file in a sandboxed state (no io/os) and applies the table it returns. */
static int apply_file(lg_config *cfg, const char *path, char *err, size_t errlen) {
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    snprintf(err, errlen, "out of memory");
    return LG_ERR;
  }
  luaL_requiref(L, "_G", luaopen_base, 1);
  luaL_requiref(L, "string", luaopen_string, 1);
  luaL_requiref(L, "math", luaopen_math, 1);
  luaL_requiref(L, "table", luaopen_table, 1);
  lua_settop(L, 0);
  int rc = LG_ERR;
  if (luaL_loadfile(L, path) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    snprintf(err, errlen, "config: %s", lua_tostring(L, -1));
    goto done;
  }
  if (!lua_istable(L, 1)) {
    snprintf(err, errlen, "config: %s must return a table, got %s", path, luaL_typename(L, 1));
    goto done;
  }
  lua_pushnil(L);
  while (lua_next(L, 1)) {   /* key at -2, value at -1 */
    if (lua_type(L, -2) != LUA_TSTRING) {
      snprintf(err, errlen, "config: %s: keys must be strings", path);
      goto done;
    }
    size_t klen;
    const char *key = lua_tolstring(L, -2, &klen);
    const setting *s = find_setting(key, klen);
    if (s == NULL) {
      snprintf(err, errlen, "config: %s: unknown setting '%s'", path, key);
      goto done;
    }
    static const char *const wants[] = {"a string", "an integer", "a boolean"};
    int ok = s->type == T_INT    ? lua_isinteger(L, -1)
             : s->type == T_BOOL ? lua_isboolean(L, -1)
                                 : lua_type(L, -1) == LUA_TSTRING;
    if (!ok) {
      snprintf(err, errlen, "config: %s: %s must be %s, got %s", path, key, wants[s->type],
               luaL_typename(L, -1));
      goto done;
    }
    if (s->type == T_BOOL) {
      lua_pushstring(L, lua_toboolean(L, -1) ? "true" : "false");
      lua_replace(L, -2);
    }
    char origin[300];
    snprintf(origin, sizeof origin, "config %s", path);
    if (set_value(cfg, s, lua_tostring(L, -1), origin, err, errlen) != LG_OK) goto done;
    lua_pop(L, 1);   /* value; keep key for lua_next */
  }
  rc = LG_OK;
done:
  lua_close(L);
  return rc;
}

/* ===================== environment and flags ===================== */

static int apply_env(lg_config *cfg, char *err, size_t errlen) {
  for (size_t i = 0; i < LG_ARRAY_LEN(settings); i++) {
    char var[64] = "LAKEGATE_";
    transform(settings[i].name, var + 9, sizeof var - 9, 1);
    const char *v = getenv(var);
    if (v && *v && set_value(cfg, &settings[i], v, var, err, errlen) != LG_OK) return LG_ERR;
  }
  return LG_OK;
}

/* Finds --config in argv (it decides which file to read before anything else). */
static const char *config_flag(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) return argv[i + 1];
    if (strncmp(argv[i], "--config=", 9) == 0) return argv[i] + 9;
  }
  return NULL;
}

static int apply_flags(lg_config *cfg, int argc, char **argv, const char **positional,
                       int max_positional, int *npos, char *err, size_t errlen) {
  *npos = 0;
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
      if (*npos >= max_positional) {
        snprintf(err, errlen, "unexpected argument '%s'", arg);
        return LG_ERR;
      }
      positional[(*npos)++] = arg;
      continue;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
    if (nlen == 6 && memcmp(name, "config", 6) == 0) {
      if (!eq) i++;
      continue;   /* already read by config_flag */
    }
    char key[64];
    if (nlen >= sizeof key) nlen = sizeof key - 1;
    for (size_t k = 0; k < nlen; k++) key[k] = name[k] == '-' ? '_' : name[k];
    key[nlen] = '\0';
    const setting *s = find_setting(key, nlen);
    if (s == NULL) {
      snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)nlen, name);
      return LG_ERR;
    }
    if (s->type == T_BOOL && !eq) {   /* --watch alone means true */
      value = "true";
      eq = "";
    }
    if (value == NULL) {
      snprintf(err, errlen, "option '%s' needs a value", arg);
      return LG_ERR;
    }
    if (!eq) i++;
    char origin[80];
    snprintf(origin, sizeof origin, "--%.*s", (int)nlen, name);
    if (set_value(cfg, s, value, origin, err, errlen) != LG_OK) return LG_ERR;
  }
  return LG_OK;
}

/* ===================== public API ===================== */

int lg_config_load(lg_config *cfg, int argc, char **argv, const char **positional,
                   int max_positional, int *npos, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  for (size_t i = 0; i < LG_ARRAY_LEN(settings); i++) {
    if (set_value(cfg, &settings[i], settings[i].dflt, "default", err, errlen) != LG_OK)
      return LG_ERR;
  }
  const char *file = config_flag(argc, argv);
  if (file == NULL) file = getenv("LAKEGATE_CONFIG");
  if (file && *file == '\0') file = NULL;
  if (file == NULL && access("lakegate.lua", F_OK) == 0) file = "lakegate.lua";
  if (file) {
    if (access(file, R_OK) != 0) {
      snprintf(err, errlen, "config: cannot read %s: %s", file, strerror(errno));
      return LG_ERR;
    }
    if (apply_file(cfg, file, err, errlen) != LG_OK) return LG_ERR;
    cfg->config = strdup(file);
  }
  if (apply_env(cfg, err, errlen) != LG_OK) return LG_ERR;
  return apply_flags(cfg, argc, argv, positional, max_positional, npos, err, errlen);
}

int lg_config_set(lg_config *cfg, const char *name, const char *value, const char *origin,
                  char *err, size_t errlen) {
  const setting *s = find_setting(name, strlen(name));
  if (s == NULL) {
    snprintf(err, errlen, "%s: unknown setting '%s'", origin, name);
    return LG_ERR;
  }
  return set_value(cfg, s, value, origin, err, errlen);
}

void lg_config_free(lg_config *cfg) {
  for (size_t i = 0; i < LG_ARRAY_LEN(settings); i++) {
    if (settings[i].type == T_STR) {
      char **field = (char **)((char *)cfg + settings[i].offset);
      free(*field);
      *field = NULL;
    }
  }
  free(cfg->config);
  cfg->config = NULL;
}

void lg_config_print_help(void) {
  printf("Options (flag = environment variable = key in lakegate.lua):\n");
  printf("  --config FILE                  LAKEGATE_CONFIG   (default ./lakegate.lua if present)\n");
  for (size_t i = 0; i < LG_ARRAY_LEN(settings); i++) {
    char flag[64], env[64] = "LAKEGATE_";
    transform(settings[i].name, flag, sizeof flag, 0);
    transform(settings[i].name, env + 9, sizeof env - 9, 1);
    printf("  --%-28s %-28s %s (default %s)\n", flag, env, settings[i].help, settings[i].dflt);
    if (settings[i].choices) printf("  %-60s one of: %s\n", "", settings[i].choices);
  }
}
