/* The lakegate CLI: wiring only -- configuration -> subsystems -> civetweb.
 *   lakegate serve | check | openapi | flush | health [URL] | ddl | athena init |
 *   query SQL | version | --help */
#define LOG_TAG "main"
#include "config/config.h"
#include "config/layout.h"
#include "http/keys.h"
#include "http/ratelimit.h"
#include "http/server.h"
#include "lake/lake.h"
#include "lua/command.h"
#include "lua/generation.h"
#include "lua/modules.h"
#include "lua/vm.h"
#include "lua/watch.h"
#include "util/common.h"
#include "util/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <civetweb.h>
#include <curl/curl.h>
#include <lua.h>

#define MAX_POSITIONAL 4

static void usage(FILE *f) {
  fprintf(f,
          "usage: lakegate <command> [options]\n"
          "\n"
          "Commands:\n"
          "  serve            serve the routes (the default command)\n"
          "  check            load every route script and report the first error; exit 1 on error\n"
          "                   (a running server reloads its routes on SIGHUP, or on change with --watch)\n"
          "  openapi          print the OpenAPI 3.1 document of the routes\n"
          "  flush            seal and upload everything spooled so far (through the running\n"
          "                   server of --spool, or directly when none runs); exit 1 on error\n"
          "  health [URL]     exit 0 if URL (default http://<listen>/healthz) answers 200\n"
          "  ddl              print the Athena DDL of the lake's tables, from the routes' models\n"
          "                   [--database DB] [--location s3://BUCKET/PREFIX] [--serde hive|openx]\n"
          "                   [--since YYYY-MM-DD] (first day partition projection covers; default 2020-01-01)\n"
          "  athena init      create the database and tables in Athena (ADD COLUMNS for new fields)\n"
          "                   [the options of ddl] [--workgroup WG] [--output s3://...]\n"
          "  query SQL        run SQL in Athena and print the rows (SQL \"-\" reads it from stdin)\n"
          "                   [--database DB] [--workgroup WG] [--output s3://...] [--format table|csv|json]\n"
          "  version          print the version\n"
          "\n");
  if (f == stdout) lg_config_print_help();
}

/* ===================== runtime library ===================== */

/* ===================== commands ===================== */

/* Checks what the settings table alone cannot (formats that span subsystems) and loads the
 * API keys. Returns LG_OK or LG_ERR with a message in err. */
static int prepare(const lg_config *cfg, char *err, size_t errlen) {
  double rate, count;
  if (*cfg->rate_limit && lg_ratelimit_parse(cfg->rate_limit, &rate, &count) != LG_OK) {
    snprintf(err, errlen, "rate_limit must look like 100/s, 6000/m or 10/h, got '%s'", cfg->rate_limit);
    return LG_ERR;
  }
  size_t rp = strlen(cfg->root_path);
  if (rp && (cfg->root_path[0] != '/' || cfg->root_path[rp - 1] == '/')) {
    snprintf(err, errlen, "root_path must start with / and not end with one, got '%s'", cfg->root_path);
    return LG_ERR;
  }
  lg_keys_clear();
  if (*cfg->api_keys && lg_keys_add_list(cfg->api_keys, err, errlen) != LG_OK) return LG_ERR;
  if (*cfg->api_keys_file && lg_keys_load_file(cfg->api_keys_file, err, errlen) != LG_OK) return LG_ERR;
  if (strcmp(cfg->auth, "api_key") == 0 && lg_keys_count() == 0) {
    snprintf(err, errlen, "auth = api_key needs keys (api_keys, LAKEGATE_API_KEYS or api_keys_file)");
    return LG_ERR;
  }
  return LG_OK;
}

static lg_vm_options vm_options(const lg_config *cfg, const char *lua_dir, lg_lake *lake) {
  return (lg_vm_options){
    .lua_dir = lua_dir, .routes_dir = cfg->routes, .lake = lake,
    .max_json_depth = cfg->max_json_depth, .auth = cfg->auth, .rate_limit = cfg->rate_limit,
    .rate_limit_burst = cfg->rate_limit_burst, .cors_origins = cfg->cors_origins,
    .root_path = cfg->root_path, .no_docs = !cfg->docs, .max_body_size = cfg->max_body_size,
  };
}

static int cmd_check(const lg_config *cfg, const char *lua_dir) {
  char err[2048];
  if (prepare(cfg, err, sizeof err) != LG_OK) {
    fprintf(stderr, "lakegate check: %s\n", err);
    return 1;
  }
  lg_vm_options vo = vm_options(cfg, lua_dir, NULL);
  lg_generations *gens = lg_generations_new(&vo);
  int rc = gens && lg_generations_reload(gens, err, sizeof err) == LG_OK ? 0 : 1;
  if (rc == 0) printf("lakegate check: %s: ok\n", cfg->routes);
  else fprintf(stderr, "lakegate check: %s\n", gens ? err : "out of memory");
  lg_generations_free(gens);
  return rc;
}

/* Prints the OpenAPI document of the routes (what GET /openapi.json answers). */
static int cmd_openapi(const lg_config *cfg, const char *lua_dir) {
  char err[2048];
  if (prepare(cfg, err, sizeof err) != LG_OK) {
    fprintf(stderr, "lakegate openapi: %s\n", err);
    return 1;
  }
  lg_vm_options vo = vm_options(cfg, lua_dir, NULL);
  lg_generations *gens = lg_generations_new(&vo);
  lg_generation *gen = NULL;
  lg_vm *vm = NULL;
  lg_buf doc = LG_BUF_INIT;
  int rc = 1;
  if (gens == NULL || lg_generations_reload(gens, err, sizeof err) != LG_OK ||
      (gen = lg_generations_acquire(gens)) == NULL ||
      (vm = lg_generation_new_vm(gen, err, sizeof err)) == NULL ||
      lg_vm_openapi(vm, &doc, err, sizeof err) != LG_OK) {
    fprintf(stderr, "lakegate openapi: %s\n", gens ? err : "out of memory");
  } else {
    printf("%s\n", doc.data);
    rc = 0;
  }
  lg_buf_free(&doc);
  lg_vm_close(vm);
  lg_generation_release(gen);
  lg_generations_free(gens);
  return rc;
}

static void reload(lg_generations *gens, const char *why) {
  char err[2048];
  if (lg_generations_reload(gens, err, sizeof err) == LG_OK)
    lg_info("%s: routes reloaded (generation %ld)", why, lg_generations_current_id(gens));
  else
    lg_error("%s: reload failed, generation %ld keeps serving: %s", why,
             lg_generations_current_id(gens), err);
}

/* Metrics source: reload counts and the generation serving. */
static void reload_metrics(lg_buf *out, void *gens) {
  long ok, failed;
  lg_generations_counts(gens, &ok, &failed);
  lg_buf_appendf(out,
                 "# HELP lakegate_reloads_total Route reloads, by result.\n"
                 "# TYPE lakegate_reloads_total counter\n"
                 "lakegate_reloads_total{result=\"ok\"} %ld\n"
                 "lakegate_reloads_total{result=\"failed\"} %ld\n"
                 "# HELP lakegate_routes_generation The generation of the routes being served.\n"
                 "# TYPE lakegate_routes_generation gauge\n"
                 "lakegate_routes_generation %ld\n",
                 ok, failed, lg_generations_current_id(gens));
}

/* Metrics source: the lake writer's counters. */
static void lake_metrics(lg_buf *out, void *lake) {
  lg_lake_stats s;
  lg_lake_stats_get(lake, &s);
  const struct { const char *name, *type, *help; int64_t value; } families[] = {
    {"lakegate_lake_records_total", "counter", "Records accepted into the spool.", s.records},
    {"lakegate_lake_spool_bytes", "gauge", "Bytes in the spool: open segments, sealed objects not yet uploaded.", s.spool_bytes},
    {"lakegate_lake_fsyncs_total", "counter", "fdatasync calls of spool segments (group commits).", s.syncs},
    {"lakegate_lake_fsynced_frames_total", "counter", "Frames those fdatasyncs made durable.", s.synced_frames},
    {"lakegate_lake_spool_writes_total", "counter", "write(2) calls that appended batches of frames to spool segments.", s.writes},
    {"lakegate_lake_written_frames_total", "counter", "Frames those writes appended.", s.written_frames},
    {"lakegate_lake_segments_sealed_total", "counter", "Spool segments sealed into lake objects.", s.segments_sealed},
    {"lakegate_lake_objects_uploaded_total", "counter", "Objects the backend confirmed.", s.objects_uploaded},
    {"lakegate_lake_upload_failures_total", "counter", "Failed upload attempts (each is retried).", s.upload_failures},
    {"lakegate_lake_objects_pending", "gauge", "Sealed objects waiting for the backend.", s.objects_pending},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(families); i++)
    lg_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", families[i].name, families[i].help,
                   families[i].name, families[i].type, families[i].name, (long long)families[i].value);
}

/* /readyz: the lake must take writes. */
static int lake_ready(void *lake, char *why, size_t whylen) {
  return lg_lake_ready(lake, why, whylen);
}

static void reload_on_change(void *gens) {
  reload(gens, "routes changed");
}

/* Blocks the signals serve() takes with sigwait, in the calling thread and so in every
 * thread it starts from then on. */
static void block_serve_signals(sigset_t *sigs) {
  sigemptyset(sigs);
  sigaddset(sigs, SIGINT);
  sigaddset(sigs, SIGTERM);
  sigaddset(sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, sigs, NULL);
}

/* Serves until SIGTERM/SIGINT; SIGHUP reloads the routes. */
static int serve(const lg_config *cfg, lg_generations *gens, lg_lake *lake, lg_metrics *metrics) {
  char err[2048], tls_dir[PATH_MAX], assets_dir[PATH_MAX];
  int have_assets = cfg->docs && lg_layout_find(LG_LAYOUT_ASSETS, assets_dir, sizeof assets_dir) == LG_OK;
  if (cfg->docs && !have_assets)
    lg_warn("/docs assets not found beside the executable or in %s (run scripts/install-deps)",
            lg_layout_installed(LG_LAYOUT_ASSETS));
  if (*cfg->tls_listen && (!*cfg->tls_cert || !*cfg->tls_key)) {
    lg_error("tls_listen needs tls_cert and tls_key");
    return 1;
  }
  if (*cfg->tls_listen && lg_layout_find(LG_LAYOUT_TLS_COMPAT, tls_dir, sizeof tls_dir) != LG_OK) {
    lg_error("cannot find the TLS compatibility libraries (tls-compat/libssl.so) next to the "
             "executable or in %s", lg_layout_installed(LG_LAYOUT_TLS_COMPAT));
    return 1;
  }
  lg_server_options so = {
    .listen = cfg->listen, .tls_listen = cfg->tls_listen, .tls_cert = cfg->tls_cert,
    .tls_key = cfg->tls_key, .tls_compat_dir = tls_dir,
    .threads = cfg->threads, .max_body_size = cfg->max_body_size,
    .max_header_size = cfg->max_header_size, .keep_alive_timeout_ms = cfg->keep_alive_timeout_ms,
    .request_timeout_ms = cfg->request_timeout_ms, .generations = gens, .metrics = metrics,
    .access_log = (int)cfg->access_log, .ready = lake_ready, .ready_ud = lake,
    .root_path = cfg->root_path, .trust_proxy = (int)cfg->trust_proxy,
    .assets_dir = have_assets ? assets_dir : NULL,
  };
  lg_metrics_add_source(metrics, reload_metrics, gens);
  lg_metrics_add_source(metrics, lake_metrics, lake);
  /* Blocked in every thread (see cmd_serve); this thread takes them with sigwait. */
  sigset_t sigs;
  block_serve_signals(&sigs);
  signal(SIGPIPE, SIG_IGN);
  /* Under a file-size limit (ulimit -f, systemd LimitFSIZE) a spool write past it must fail
   * with EFBIG and answer 503, not kill the process with SIGXFSZ. */
  signal(SIGXFSZ, SIG_IGN);

  lg_server *srv = lg_server_start(&so, err, sizeof err);
  if (srv == NULL) {
    lg_error("%s", err);
    return 1;
  }
  lg_watch *watch = NULL;
  if (cfg->watch && (watch = lg_watch_start(cfg->routes, reload_on_change, gens, err, sizeof err)) == NULL)
    lg_warn("%s (reload with SIGHUP instead)", err);
  lg_info("lakegate %s serving %s on http://%s (lake %s, %ld threads%s)", LG_VERSION, cfg->routes,
          cfg->listen, lg_lake_root(lake), cfg->threads, watch ? ", watching routes" : "");
  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      reload(gens, "SIGHUP");
      continue;
    }
    lg_info("received %s: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  lg_watch_stop(watch);
  lg_server_stop(srv);
  return 0;
}

static lg_lake *open_lake(const lg_config *cfg, int admin_socket, char *err, size_t errlen) {
  lg_lake_options lo = {
    .root = cfg->lake, .spool = cfg->spool, .seal_bytes = cfg->seal_bytes,
    .seal_ms = cfg->seal_seconds * 1000, .spool_max_bytes = cfg->spool_max_bytes,
    .group_commit_us = cfg->group_commit_us, .gzip_level = (int)cfg->gzip_level,
    .idempotency_window_s = cfg->idempotency_window_s, .admin_socket = admin_socket,
    .store = {cfg->lake_sse, cfg->lake_sse_kms_key_id},
  };
  return lg_lake_open(&lo, err, errlen);
}

/* Asks the server of --spool to flush; with no server, opens the spool itself (recovery
 * seals and uploads what is there) and flushes it. */
static int cmd_flush(const lg_config *cfg) {
  char err[2048];
  int64_t timeout_ms = cfg->flush_timeout_s * 1000;
  int rc = lg_lake_request_flush(cfg->spool, timeout_ms, err, sizeof err);
  struct stat st;
  if (rc == LG_LAKE_NO_SERVER && stat(cfg->spool, &st) != 0) {
    fprintf(stderr, "lakegate flush: no spool at %s (see --spool)\n", cfg->spool);
    return 1;
  }
  if (rc == LG_LAKE_NO_SERVER) {
    lg_lake *lake = open_lake(cfg, 0, err, sizeof err);
    rc = lake ? lg_lake_flush(lake, timeout_ms, err, sizeof err) : LG_ERR;
    if (rc == LG_OK) snprintf(err, sizeof err, "flushed spool %s to %s", cfg->spool, lg_lake_root(lake));
    lg_lake_close(lake);
  }
  if (rc != LG_OK) {
    fprintf(stderr, "lakegate flush: %s\n", err);
    return 1;
  }
  printf("lakegate flush: %s\n", err);
  return 0;
}

static int cmd_serve(const lg_config *cfg, const char *lua_dir) {
  char err[2048];
  /* Before the lake starts its threads: a thread that does not block SIGTERM may be the one
   * the kernel hands it to (whenever the main thread is not in sigwait, e.g. reloading),
   * and the default action kills the process instead of stopping it gracefully. */
  sigset_t sigs;
  block_serve_signals(&sigs);
  if (prepare(cfg, err, sizeof err) != LG_OK) {
    lg_error("%s", err);
    return 1;
  }
  lg_lake *lake = open_lake(cfg, 1, err, sizeof err);
  if (lake == NULL) {
    lg_error("%s", err);
    return 1;
  }
  lg_vm_options vo = vm_options(cfg, lua_dir, lake);
  lg_generations *gens = lg_generations_new(&vo);
  lg_metrics *metrics = lg_metrics_new();
  int rc = 1;
  /* The first generation loads before listening, so a broken script stops the start-up. */
  if (gens == NULL || metrics == NULL) lg_error("out of memory");
  else if (lg_generations_reload(gens, err, sizeof err) != LG_OK) lg_error("%s", err);
  else rc = serve(cfg, gens, lake, metrics);
  lg_generations_free(gens);
  lg_metrics_free(metrics);
  lg_lake_close(lake);
  if (rc == 0) lg_info("stopped");
  return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ud) {
  return size * n;
}

static int cmd_health(const lg_config *cfg, const char *url_arg) {
  char url[512];
  if (url_arg) snprintf(url, sizeof url, "%s", url_arg);
  else snprintf(url, sizeof url, "http://%s/healthz", cfg->listen);
  CURL *curl = curl_easy_init();
  if (curl == NULL) return 1;
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    fprintf(stderr, "lakegate health: %s: %s\n", url, curl_easy_strerror(rc));
    return 1;
  }
  if (status != 200) {
    fprintf(stderr, "lakegate health: %s: HTTP %ld\n", url, status);
    return 1;
  }
  return 0;
}

static int cmd_version(void) {
  printf("lakegate %s (%s, civetweb %s)\n", LG_VERSION, LUA_RELEASE, mg_version());
  return 0;
}

/* The Athena settings every Lua state reads. By default a quarter of the worker threads
 * may block on queries at once, so slow queries cannot take every thread from ingest. */
static void configure_athena(const lg_config *cfg) {
  long max = cfg->athena_max_queries ? cfg->athena_max_queries : cfg->threads / 4;
  lg_lua_athena_settings s = {cfg->athena_database, cfg->athena_workgroup, cfg->athena_output,
                              cfg->athena_timeout_ms, max > 0 ? max : 1};
  lg_lua_athena_configure(&s);
}

/* ===================== main ===================== */

int main(int argc, char **argv) {
  const char *cmd = "serve";
  int first = 1;
  if (argc > 1 && argv[1][0] != '-') {
    cmd = argv[1];
    first = 2;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    }
  }
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) return cmd_version();

  lg_config cfg;
  const char *positional[MAX_POSITIONAL];
  lg_lua_command_options command_opts = {{NULL}};
  int npos = 0;
  char err[1024];
  if (lg_lua_is_command(cmd) &&
      lg_lua_command_take_options(&argc, argv, first, &command_opts, err, sizeof err) != LG_OK) {
    fprintf(stderr, "lakegate %s: %s\n", cmd, err);
    return 2;
  }
  if (lg_config_load(&cfg, argc - first, argv + first, positional, MAX_POSITIONAL, &npos, err,
                     sizeof err) != LG_OK ||
      lg_lua_command_apply_options(&cfg, &command_opts, err, sizeof err) != LG_OK) {
    fprintf(stderr, "lakegate: %s\n", err);
    lg_config_free(&cfg);
    return 2;
  }
  lg_log_level level = LG_LOG_INFO;        /* the config checked both names */
  lg_log_format format = LG_LOG_JSON;
  lg_log_level_parse(cfg.log_level, &level);
  lg_log_format_parse(cfg.log_format, &format);
  lg_log_set_level(level);
  lg_log_set_format(format);
  lg_lua_shared_capacity((size_t)cfg.shared_dict_entries);
  configure_athena(&cfg);
  curl_global_init(CURL_GLOBAL_DEFAULT);   /* before any thread: not thread-safe */

  int rc = 2;
  char lua_dir[PATH_MAX];
  int is_health = strcmp(cmd, "health") == 0, is_flush = strcmp(cmd, "flush") == 0;
  if (is_flush) {
    rc = npos == 0 ? cmd_flush(&cfg) : 2;
    if (npos) fprintf(stderr, "lakegate flush: unexpected argument '%s'\n", positional[0]);
  } else if (!is_health && lg_layout_find(LG_LAYOUT_LUA, lua_dir, sizeof lua_dir) != LG_OK) {
    fprintf(stderr, "lakegate: cannot find the runtime library (lua/lakegate/app.lua) next to the "
                    "executable, in %s, or in LAKEGATE_LUA_PATH\n", lg_layout_installed(LG_LAYOUT_LUA));
  } else if (is_health) {
    rc = npos <= 1 ? cmd_health(&cfg, npos ? positional[0] : NULL) : 2;
  } else if (lg_lua_is_command(cmd)) {
    lg_vm_options vo = vm_options(&cfg, lua_dir, NULL);
    rc = lg_lua_command_main(&vo, cmd, positional, npos, &command_opts, cfg.lake);
  } else if (npos > 0) {
    fprintf(stderr, "lakegate %s: unexpected argument '%s'\n", cmd, positional[0]);
  } else if (strcmp(cmd, "serve") == 0) {
    rc = cmd_serve(&cfg, lua_dir);
  } else if (strcmp(cmd, "check") == 0) {
    rc = cmd_check(&cfg, lua_dir);
  } else if (strcmp(cmd, "openapi") == 0) {
    rc = cmd_openapi(&cfg, lua_dir);
  } else {
    fprintf(stderr, "lakegate: unknown command '%s'\n\n", cmd);
    usage(stderr);
  }
  lg_config_free(&cfg);
  lg_keys_clear();
  curl_global_cleanup();
  return rc;
}
