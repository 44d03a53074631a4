/* GetQueryResults (see athena.h): one page of a query's rows as strings, with the
 * column names and types that say how to read them. */
#include "aws/athena_internal.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg_athena_page_free(lg_athena_page *page) {
  lg_athena_columns_free(page->columns, page->ncolumns);
  for (size_t i = 0; page->cells && i < page->nrows * page->ncolumns; i++) free(page->cells[i]);
  free(page->cells);
  free(page->lens);
  free(page->next_token);
  *page = (lg_athena_page)LG_ATHENA_PAGE_INIT;
}

/* Datum i of a row: its VarCharValue, or NULL for SQL NULL (a Datum without one). */
static const char *datum(json_t *row, size_t i, size_t *len) {
  json_t *v = json_object_get(json_array_get(json_object_get(row, "Data"), i), "VarCharValue");
  *len = json_string_length(v);
  return json_string_value(v);
}

/* Athena puts the column names in the first row of a SELECT's first page. */
static int is_header(json_t *row, const lg_athena_page *page) {
  if (json_array_size(json_object_get(row, "Data")) != page->ncolumns) return 0;
  for (size_t c = 0; c < page->ncolumns; c++) {
    size_t len;
    const char *v = datum(row, c, &len);
    if (v == NULL || strcmp(v, page->columns[c].name) != 0) return 0;
  }
  return 1;
}

/* Results without column metadata (some utility statements) still have rows: name the
 * columns _col0, _col1 ... as Athena does, typed varchar. */
static int synthesize_columns(lg_athena_page *page, json_t *rows) {
  size_t width = 0;
  for (size_t r = 0; r < json_array_size(rows); r++) {
    size_t n = json_array_size(json_object_get(json_array_get(rows, r), "Data"));
    if (n > width) width = n;
  }
  if (width == 0) return LG_OK;
  if ((page->columns = calloc(width, sizeof *page->columns)) == NULL) return LG_ERR;
  page->ncolumns = width;
  for (size_t c = 0; c < width; c++) {
    char name[32];
    snprintf(name, sizeof name, "_col%zu", c);
    page->columns[c].name = strdup(name);
    page->columns[c].type = strdup("varchar");
    if (page->columns[c].name == NULL || page->columns[c].type == NULL) return LG_ERR;
  }
  return LG_OK;
}

/* Copies the rows from `first` on into the page's cells. */
static int copy_rows(lg_athena_page *page, json_t *rows, size_t first) {
  size_t nrows = json_array_size(rows) - first, ncells = nrows * page->ncolumns;
  if (ncells == 0) return LG_OK;
  page->cells = calloc(ncells, sizeof *page->cells);
  page->lens = calloc(ncells, sizeof *page->lens);
  if (page->cells == NULL || page->lens == NULL) return LG_ERR;
  page->nrows = nrows;   /* from here page_free frees the cells made so far */
  for (size_t r = 0; r < nrows; r++) {
    json_t *row = json_array_get(rows, first + r);
    for (size_t c = 0; c < page->ncolumns; c++) {
      size_t len, i = r * page->ncolumns + c;
      const char *v = datum(row, c, &len);
      if (v == NULL) continue;
      if ((page->cells[i] = malloc(len + 1)) == NULL) return LG_ERR;
      memcpy(page->cells[i], v, len + 1);
      page->lens[i] = len;
    }
  }
  return LG_OK;
}

static int page_from_json(json_t *out, int first_page, lg_athena_page *page) {
  json_t *rs = json_object_get(out, "ResultSet");
  json_t *rows = json_object_get(rs, "Rows");
  json_t *info = json_object_get(json_object_get(rs, "ResultSetMetadata"), "ColumnInfo");
  if (lg_athena_columns_from_json(info, &page->columns, &page->ncolumns) != LG_OK) return LG_ERR;
  if (page->ncolumns == 0 && synthesize_columns(page, rows) != LG_OK) return LG_ERR;
  size_t first = first_page && json_array_size(rows) > 0 && json_array_size(info) > 0 &&
                 is_header(json_array_get(rows, 0), page);
  if (copy_rows(page, rows, first) != LG_OK) return LG_ERR;
  page->update_count = (int64_t)json_integer_value(json_object_get(out, "UpdateCount"));
  const char *token = json_string_value(json_object_get(out, "NextToken"));
  if (token && *token && (page->next_token = strdup(token)) == NULL) return LG_ERR;
  return LG_OK;
}

int lg_athena_get_results(lg_athena *a, const char *id, const char *next_token, int max_results,
                          lg_athena_page *page, lg_aws_error *err) {
  lg_athena_page_free(page);
  if (max_results < 0 || max_results > LG_ATHENA_MAX_RESULTS) {
    lg_athena_local_error(err, "GetQueryResults", "max_results must be 1..1000");
    return LG_ERR;
  }
  json_t *in = json_pack("{s:s, s:i}", "QueryExecutionId", id, "MaxResults",
                         max_results ? max_results : LG_ATHENA_MAX_RESULTS);
  if (in && next_token && *next_token &&
      json_object_set_new(in, "NextToken", json_string(next_token)) != 0) {
    json_decref(in);
    in = NULL;
  }
  json_t *out;
  if (lg_athena_call(a, "GetQueryResults", in, &out, err) != LG_OK) return LG_ERR;
  int rc = page_from_json(out, next_token == NULL || *next_token == '\0', page);
  if (rc != LG_OK) {
    lg_athena_page_free(page);
    lg_athena_local_error(err, "GetQueryResults", "out of memory");
  }
  json_decref(out);
  return rc;
}
