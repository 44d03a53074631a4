/* The lakegate CLI: wiring only -- configuration -> subsystems -> civetweb.
 *   lakegate serve | check | flush | health [URL] | version | --help */
#define LOG_TAG "main"
#include "config/config.h"
#include "http/server.h"
#include "lake/lake.h"
#include "lua/vm.h"
#include "util/common.h"
#include "util/log.h"

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
          "  flush            seal and upload everything spooled so far (through the running\n"
          "                   server of --spool, or directly when none runs); exit 1 on error\n"
          "  health [URL]     exit 0 if URL (default http://<listen>/healthz) answers 200\n"
          "  version          print the version\n"
          "\n");
  if (f == stdout) lg_config_print_help();
}

/* ===================== runtime library ===================== */

static int has_runtime(const char *dir) {
  char probe[PATH_MAX];
  struct stat st;
  snprintf(probe, sizeof probe, "%s/lakegate/app.lua", dir);
  return stat(probe, &st) == 0;
}

/* Finds lua/: LAKEGATE_LUA_PATH, else next to the executable (build tree), else the
 * installed share folder relative to the executable -- never the working folder. */
static int find_lua_dir(char *out, size_t outlen) {
  const char *env = getenv("LAKEGATE_LUA_PATH");
  if (env && *env) {
    snprintf(out, outlen, "%s", env);
    return has_runtime(out) ? LG_OK : LG_ERR;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return LG_ERR;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash) *slash = '\0';
  snprintf(out, outlen, "%s/lua", exe);
  if (has_runtime(out)) return LG_OK;
  snprintf(out, outlen, "%s/%s", exe, LG_LUA_RELDIR);
  return has_runtime(out) ? LG_OK : LG_ERR;
}

/* ===================== commands ===================== */

static int cmd_check(const lg_config *cfg, const char *lua_dir) {
  lg_vm_options vo = {lua_dir, cfg->routes, NULL, cfg->max_json_depth, cfg->max_body_size};
  char err[2048];
  lg_vm *vm = lg_vm_new(&vo, err, sizeof err);
  if (vm == NULL) {
    fprintf(stderr, "lakegate check: %s\n", err);
    return 1;
  }
  lg_vm_close(vm);
  printf("lakegate check: %s: ok\n", cfg->routes);
  return 0;
}

static lg_lake *open_lake(const lg_config *cfg, int admin_socket, char *err, size_t errlen) {
  lg_lake_options lo = {
    .root = cfg->lake, .spool = cfg->spool, .seal_bytes = cfg->seal_bytes,
    .seal_ms = cfg->seal_seconds * 1000, .spool_max_bytes = cfg->spool_max_bytes,
    .group_commit_us = cfg->group_commit_us, .gzip_level = (int)cfg->gzip_level,
    .idempotency_window_s = cfg->idempotency_window_s, .admin_socket = admin_socket,
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
  lg_lake *lake = open_lake(cfg, 1, err, sizeof err);
  if (lake == NULL) {
    lg_error("%s", err);
    return 1;
  }
  lg_server_options so = {
    .listen = cfg->listen, .threads = cfg->threads, .max_body_size = cfg->max_body_size,
    .keep_alive_timeout_ms = cfg->keep_alive_timeout_ms,
    .request_timeout_ms = cfg->request_timeout_ms,
    .vm = {lua_dir, cfg->routes, lake, cfg->max_json_depth, cfg->max_body_size},
  };
  /* Load the routes once before listening, so a broken script stops the start-up. */
  lg_vm *probe = lg_vm_new(&so.vm, err, sizeof err);
  if (probe == NULL) {
    lg_error("%s", err);
    lg_lake_close(lake);
    return 1;
  }
  lg_vm_close(probe);

  /* Block the stop signals in every thread; this thread takes them with sigwait. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  lg_server *srv = lg_server_start(&so, err, sizeof err);
  if (srv == NULL) {
    lg_error("%s", err);
    lg_lake_close(lake);
    return 1;
  }
  lg_info("lakegate %s serving %s on http://%s (lake %s, %ld threads)", LG_VERSION, cfg->routes,
          cfg->listen, lg_lake_root(lake), cfg->threads);
  int sig = 0;
  sigwait(&stop, &sig);
  lg_info("received %s: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
  lg_server_stop(srv);
  lg_lake_close(lake);
  lg_info("stopped");
  return 0;
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
  int npos = 0;
  char err[1024];
  if (lg_config_load(&cfg, argc - first, argv + first, positional, MAX_POSITIONAL, &npos, err,
                     sizeof err) != LG_OK) {
    fprintf(stderr, "lakegate: %s\n", err);
    lg_config_free(&cfg);
    return 2;
  }
  lg_log_level level;
  if (lg_log_level_parse(cfg.log_level, &level) != 0) {
    fprintf(stderr, "lakegate: log_level must be error, warn, info or debug, got '%s'\n", cfg.log_level);
    lg_config_free(&cfg);
    return 2;
  }
  lg_log_set_level(level);

  int rc = 2;
  char lua_dir[PATH_MAX];
  int is_health = strcmp(cmd, "health") == 0, is_flush = strcmp(cmd, "flush") == 0;
  if (is_flush) {
    rc = npos == 0 ? cmd_flush(&cfg) : 2;
    if (npos) fprintf(stderr, "lakegate flush: unexpected argument '%s'\n", positional[0]);
  } else if (!is_health && find_lua_dir(lua_dir, sizeof lua_dir) != LG_OK) {
    fprintf(stderr, "lakegate: cannot find the runtime library (lua/lakegate/app.lua) next to the "
                    "executable, in ../%s, or in LAKEGATE_LUA_PATH\n", LG_LUA_RELDIR);
  } else if (is_health) {
    rc = npos <= 1 ? cmd_health(&cfg, npos ? positional[0] : NULL) : 2;
  } else if (npos > 0) {
    fprintf(stderr, "lakegate %s: unexpected argument '%s'\n", cmd, positional[0]);
  } else if (strcmp(cmd, "serve") == 0) {
    rc = cmd_serve(&cfg, lua_dir);
  } else if (strcmp(cmd, "check") == 0) {
    rc = cmd_check(&cfg, lua_dir);
  } else {
    fprintf(stderr, "lakegate: unknown command '%s'\n\n", cmd);
    usage(stderr);
  }
  lg_config_free(&cfg);
  return rc;
}
