/* Settings: every setting has one name in three places -- flag --x-y, environment
 * LAKEGATE_X_Y, key x_y in lakegate.lua -- and flags win over the environment, which wins
 * over the file, which wins over the built-in default. */
#ifndef LG_CONFIG_H
#define LG_CONFIG_H

#include <stddef.h>

typedef struct lg_config {
  char *listen;            /* "HOST:PORT" (civetweb listening_ports syntax also accepted) */
  char *tls_listen;        /* "HOST:PORT" for HTTPS, or "" */
  char *tls_cert;          /* PEM certificate chain */
  char *tls_key;           /* PEM private key */
  char *routes;            /* directory of route scripts */
  char *lake;              /* lake root: DIR, file://DIR or s3://bucket/prefix */
  char *lake_sse;          /* s3 lake: none|AES256|aws:kms */
  char *lake_sse_kms_key_id;   /* s3 lake with aws:kms: the key ("" for aws/s3) */
  char *spool;             /* spool directory */
  char *log_level;         /* error|warn|info|debug */
  char *log_format;        /* json|text */
  long access_log;         /* 1: one log line per request */
  long threads;            /* worker threads = concurrent connections served */
  long max_body_size;      /* bytes; larger bodies get 413 */
  long max_json_depth;     /* nesting limit of request bodies */
  long max_header_size;    /* request line + headers; larger requests get 431 */
  long keep_alive_timeout_ms;  /* idle keep-alive connections are closed after this */
  long request_timeout_ms;     /* a request (headers + body) must arrive within this */
  long watch;              /* 1: reload the routes when their files change */
  char *auth;              /* none|api_key: default for routes */
  char *api_keys;          /* name:secret,... */
  char *api_keys_file;     /* "name secret" lines */
  char *rate_limit;        /* "N/s" or "" */
  long rate_limit_burst;   /* 0: rate */
  char *cors_origins;      /* "*", "a,b" or "" */
  char *root_path;         /* "/prod" or "" */
  long trust_proxy;        /* 1: X-Forwarded-For/-Proto are believed */
  long shared_dict_entries;   /* capacity of lakegate.shared */
  char *athena_database;   /* database of the lake's tables and of queries */
  char *athena_workgroup;  /* "" for primary */
  char *athena_output;     /* s3://bucket/prefix/ or "" (the workgroup's) */
  long athena_timeout_ms;  /* deadline of a blocking query */
  long athena_max_queries; /* blocking queries at once; 0: threads / 4 */
  long docs;               /* 1: /openapi.json, /docs, /redoc */
  long seal_bytes;         /* seal a spool segment into lake objects at this size */
  long seal_seconds;       /* ... or at this age */
  long spool_max_bytes;    /* writes get 503 + Retry-After while the spool holds more */
  long group_commit_us;    /* extra wait to gather writers into one fdatasync under load */
  long gzip_level;         /* 1..9 for sealed objects */
  long idempotency_window_s;   /* how long an Idempotency-Key answer is replayed */
  long flush_timeout_s;    /* `lakegate flush` gives up after this */
  char *config;            /* the config file that was read, or NULL */
} lg_config;

/* Fills cfg from defaults, then the config file (--config / LAKEGATE_CONFIG, or
 * ./lakegate.lua if it exists), then the environment, then the flags in argv.
 * argv holds only options (the subcommand was removed by the caller); arguments that are
 * not options are returned through positional[] (at most max_positional, count in *npos).
 * Returns 0, or -1 with a message in err. The strings in cfg are owned by cfg:
 * release them with lg_config_free. */
int lg_config_load(lg_config *cfg, int argc, char **argv, const char **positional,
                   int max_positional, int *npos, char *err, size_t errlen);
/* Sets one setting by its name ("athena_database") after loading, as a command's own
 * option does; checked as any other value. origin names it in messages ("--database"). */
int lg_config_set(lg_config *cfg, const char *name, const char *value, const char *origin,
                  char *err, size_t errlen);
void lg_config_free(lg_config *cfg);
/* Writes the option list (for --help) to stdout. */
void lg_config_print_help(void);

#endif
