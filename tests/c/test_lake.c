/* Tests for lake/lake.c: layout, line format, table names. */
#include "test.h"
#include "lake/lake.h"
#include "util/common.h"

#include <dirent.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char root[256];

static void make_root(void) {
  snprintf(root, sizeof root, "/tmp/lg_test_lake_XXXXXX");
  ASSERT_MSG(mkdtemp(root) != NULL, "mkdtemp");
}

static void remove_tree(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(cmd), 0, "cleanup");
}

/* Reads the single file under <root>/<table>/dt=<today>/hr=<hour>/ into out. */
static size_t read_partition(const char *table, char *out, size_t outlen) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char dir[512];
  snprintf(dir, sizeof dir, "%s/%s/dt=%04d-%02d-%02d/hr=%02d", root, table, tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
  DIR *d = opendir(dir);
  ASSERT_MSG(d != NULL, "the partition directory exists");
  struct dirent *e;
  char path[800] = "";
  int files = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    files++;
  }
  closedir(d);
  ASSERT_INT_EQ(files, 1, "one object in the partition");
  FILE *f = fopen(path, "rb");
  ASSERT_MSG(f != NULL, "open the object");
  size_t n = fread(out, 1, outlen - 1, f);
  out[n] = '\0';
  fclose(f);
  return n;
}

static void appends_lines_with_ingest_fields(void) {
  make_root();
  char err[LG_ERRLEN];
  lg_lake_options opt = {root, NULL};
  lg_lake *lake = lg_lake_open(&opt, err, sizeof err);
  ASSERT_MSG(lake != NULL, err);
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{\"a\":1}", 7, "req-1", err, sizeof err), LG_OK, "put 1");
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{}", 2, NULL, err, sizeof err), LG_OK, "put empty object");
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "{\"q\":\"x\"}", 9, "a\"b", err, sizeof err), LG_OK, "put 3");
  lg_lake_close(lake);
  char text[2048];
  read_partition("t", text, sizeof text);
  char *l1 = text, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
  ASSERT_MSG(strncmp(l1, "{\"a\":1,\"_ingested_at\":\"", 23) == 0, "line 1 keeps the record and adds _ingested_at");
  ASSERT_MSG(strstr(l1, "Z\",\"_request_id\":\"req-1\"}\n") != NULL, "line 1 ends with its request id");
  ASSERT_MSG(strncmp(l2, "{\"_ingested_at\":\"", 17) == 0, "an empty record gets no leading comma");
  ASSERT_MSG(strstr(l2, "\"_request_id\":null}\n") != NULL, "a missing request id is null");
  ASSERT_MSG(strstr(l3, "\"_request_id\":\"a\\\"b\"}\n") != NULL, "the request id is escaped");
  remove_tree(root);
}

static void refuses_bad_tables_and_records(void) {
  make_root();
  char err[LG_ERRLEN];
  lg_lake_options opt = {root, NULL};
  lg_lake *lake = lg_lake_open(&opt, err, sizeof err);
  ASSERT_MSG(lake != NULL, err);
  ASSERT_INT_EQ(lg_lake_put(lake, "../etc", "{}", 2, NULL, err, sizeof err), LG_ERR, "path in table name");
  ASSERT_MSG(strstr(err, "invalid table name") != NULL, err);
  ASSERT_INT_EQ(lg_lake_put(lake, "t", "[1]", 3, NULL, err, sizeof err), LG_ERR, "not an object");
  lg_lake_close(lake);
  ASSERT_INT_EQ(lg_lake_valid_table("unicorns_2"), 1, "valid name");
  ASSERT_INT_EQ(lg_lake_valid_table("Unicorns"), 0, "upper case");
  ASSERT_INT_EQ(lg_lake_valid_table(""), 0, "empty");
  ASSERT_INT_EQ(lg_lake_valid_table("9a"), 0, "leading digit");
  opt.root = "s3://bucket/prefix";
  ASSERT_MSG(lg_lake_open(&opt, err, sizeof err) == NULL, "s3 is not a file lake");
  remove_tree(root);
}

const lg_test_case lake_tests[] = {
  {"appends_lines_with_ingest_fields", appends_lines_with_ingest_fields},
  {"refuses_bad_tables_and_records", refuses_bad_tables_and_records},
  {NULL, NULL},
};
