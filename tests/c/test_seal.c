/* Tests for lake/seal.c: segments become gzip objects per hour and partition value,
 * deterministically, without torn records. Segments are built with the frame API, so
 * the tests choose every ingestion time. */
#include "lake_fixture.h"
#include "lake/frame.h"
#include "lake/seal.h"

#include <fcntl.h>

#define LAST_US_OF_2025 1767225599999999LL   /* 2025-12-31T23:59:59.999999Z */
#define SEQ 1767225500000001ULL

typedef struct seg_builder {
  lg_buf b;
  int nkeys;
} seg_builder;

static void seg_begin(seg_builder *s, int nkeys) {
  s->b = (lg_buf)LG_BUF_INIT;
  s->nkeys = nkeys;
  lg_segment_header h = {.seq = SEQ, .created_us = LAST_US_OF_2025 - 1000, .table = "t",
                         .table_len = 1, .host = "h", .host_len = 1, .nkeys = nkeys,
                         .keys = {"color"}, .key_lens = {5}};
  ASSERT_INT_EQ(lg_segment_header_write(&s->b, &h), LG_OK, "header");
}

/* One frame holding one record "{"n":<n>}" with partition value `color` (NULL: null). */
static void seg_record(seg_builder *s, int64_t ts, int n, const char *color) {
  lg_frame_builder fb;
  lg_frame_begin(&s->b, &fb, ts, NULL);
  const char *values[1] = {color};
  size_t lens[1] = {color ? strlen(color) : 0};
  lg_frame_record_begin(&s->b, &fb, s->nkeys, values, lens);
  lg_buf_appendf(&s->b, "{\"n\":%d}\n", n);
  lg_frame_record_end(&s->b, &fb);
  lg_frame_end(&s->b, &fb);
}

static void seg_write(seg_builder *s, const char *path, size_t len) {
  FILE *f = fopen(path, "wb");
  ASSERT_MSG(f != NULL, path);
  ASSERT_INT_EQ(fwrite(s->b.data, 1, len, f), len, "write segment");
  fclose(f);
  lg_buf_free(&s->b);
}

/* The content of <outbox>/<key> gunzipped. */
static void object_text(const char *outbox, const char *key, lg_buf *out) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", outbox, key);
  lg_buf_reset(out);
  read_gz(path, out);
}

/* Fresh directories, the segment's path (<base>/1.seg) and a builder with nkeys keys. */
static void setup(lake_dirs *d, char *seg, size_t seglen, seg_builder *s, int nkeys) {
  fixture_dirs(d);
  snprintf(seg, seglen, "%s/1.seg", d->base);
  seg_begin(s, nkeys);
}

static void seal(const char *seg, const char *outbox, lg_seal_result *res) {
  char err[LG_ERRLEN];
  if (lg_seal_segment(seg, outbox, 6, NULL, res, err, sizeof err) != LG_OK) LG_TEST_FAIL("seal: %s", err);
}

static void splits_records_at_an_hour_boundary(void) {
  lake_dirs d;
  char seg[256];
  seg_builder s;
  setup(&d, seg, sizeof seg, &s, 0);
  seg_record(&s, LAST_US_OF_2025 - 5, 1, NULL);
  seg_record(&s, LAST_US_OF_2025, 2, NULL);
  seg_record(&s, LAST_US_OF_2025 + 1, 3, NULL);   /* 2026-01-01T00:00:00Z */
  seg_record(&s, LAST_US_OF_2025 + 2, 4, NULL);
  seg_write(&s, seg, s.b.len);
  lg_seal_result res;
  seal(seg, d.spool, &res);
  ASSERT_INT_EQ(res.nobjects, 2, "one object per hour");
  ASSERT_INT_EQ(res.records, 4, "every record");
  ASSERT_STR_EQ(res.objects[0].key, "t/dt=2025-12-31/hr=23/h-20251231T235959999Z-1767225500000001.json.gz",
                "the old year's object: named by its first record's time and the segment seq");
  ASSERT_STR_EQ(res.objects[1].key, "t/dt=2026-01-01/hr=00/h-20260101T000000000Z-1767225500000001.json.gz",
                "the new year's object");
  lg_buf text = LG_BUF_INIT;
  object_text(d.spool, res.objects[0].key, &text);
  ASSERT_STR_EQ(text.data, "{\"n\":1}\n{\"n\":2}\n", "records 1 and 2 before midnight, in order");
  object_text(d.spool, res.objects[1].key, &text);
  ASSERT_STR_EQ(text.data, "{\"n\":3}\n{\"n\":4}\n", "records 3 and 4 after");
  ASSERT_INT_EQ(res.objects[0].records, 2, "object record count");
  lg_buf_free(&text);
  lg_seal_result_free(&res);
  fixture_remove(&d);
}

static void partitions_by_field_values(void) {
  lake_dirs d;
  char seg[256];
  seg_builder s;
  setup(&d, seg, sizeof seg, &s, 1);
  const char *colors[] = {"pink", "white", NULL, "pink", "a/b", "white", "pink"};
  for (int i = 0; i < 7; i++) seg_record(&s, LAST_US_OF_2025 - 100 + i, i, colors[i]);
  seg_write(&s, seg, s.b.len);
  lg_seal_result res;
  seal(seg, d.spool, &res);
  ASSERT_INT_EQ(res.nobjects, 4, "pink, white, null, a/b");
  const char *want[][2] = {
    {"t/dt=2025-12-31/hr=23/color=pink/h-20251231T235959999Z-1767225500000001.json.gz", "{\"n\":0}\n{\"n\":3}\n{\"n\":6}\n"},
    {"t/dt=2025-12-31/hr=23/color=white/h-20251231T235959999Z-1767225500000001.json.gz", "{\"n\":1}\n{\"n\":5}\n"},
    {"t/dt=2025-12-31/hr=23/color=__HIVE_DEFAULT_PARTITION__/h-20251231T235959999Z-1767225500000001.json.gz", "{\"n\":2}\n"},
    {"t/dt=2025-12-31/hr=23/color=a%2Fb/h-20251231T235959999Z-1767225500000001.json.gz", "{\"n\":4}\n"},
  };
  lg_buf text = LG_BUF_INIT;
  for (int i = 0; i < 4; i++) {
    ASSERT_STR_EQ(res.objects[i].key, want[i][0], "object key, in order of first appearance");
    object_text(d.spool, res.objects[i].key, &text);
    ASSERT_STR_EQ(text.data, want[i][1], "the partition's records, in order");
  }
  lg_buf_free(&text);
  lg_seal_result_free(&res);
  fixture_remove(&d);
}

static void sealing_again_writes_the_same_bytes(void) {
  lake_dirs d;
  fixture_dirs(&d);
  char seg[256], out1[256], out2[256];
  snprintf(seg, sizeof seg, "%s/1.seg", d.base);
  snprintf(out1, sizeof out1, "%s/a", d.base);
  snprintf(out2, sizeof out2, "%s/b", d.base);
  seg_builder s;
  seg_begin(&s, 0);
  for (int i = 0; i < 1000; i++) seg_record(&s, LAST_US_OF_2025 - 10000 + i, i, NULL);
  seg_write(&s, seg, s.b.len);
  lg_seal_result r1, r2;
  seal(seg, out1, &r1);
  seal(seg, out2, &r2);
  ASSERT_INT_EQ(r1.nobjects, 1, "one object");
  ASSERT_STR_EQ(r1.objects[0].key, r2.objects[0].key, "the same key (a re-upload overwrites)");
  char p1[512], p2[512];
  snprintf(p1, sizeof p1, "%s/%s", out1, r1.objects[0].key);
  snprintf(p2, sizeof p2, "%s/%s", out2, r2.objects[0].key);
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", p1, p2);
  ASSERT_INT_EQ(system(cmd), 0, "byte-identical gzip objects");
  lg_seal_result_free(&r1);
  lg_seal_result_free(&r2);
  fixture_remove(&d);
}

static void never_seals_half_a_record(void) {
  lake_dirs d;
  char seg[256];
  seg_builder s;
  setup(&d, seg, sizeof seg, &s, 0);
  seg_record(&s, LAST_US_OF_2025 - 3, 1, NULL);
  seg_record(&s, LAST_US_OF_2025 - 2, 2, NULL);
  size_t two = s.b.len;
  seg_record(&s, LAST_US_OF_2025 - 1, 3, NULL);
  size_t cut = two + (s.b.len - two) - 3;   /* the write of record 3 was torn */
  seg_write(&s, seg, cut);
  lg_seal_result res;
  seal(seg, d.spool, &res);
  ASSERT_INT_EQ(res.records, 2, "records 1 and 2");
  ASSERT_INT_EQ(res.walk.torn_tail, 1, "a torn tail was seen");
  ASSERT_INT_EQ(res.walk.bad_bytes, cut - two, "and cut");
  lg_buf text = LG_BUF_INIT;
  object_text(d.spool, res.objects[0].key, &text);
  ASSERT_STR_EQ(text.data, "{\"n\":1}\n{\"n\":2}\n", "no trace of record 3");
  lg_buf_free(&text);
  lg_seal_result_free(&res);
  fixture_remove(&d);
}

static void a_segment_torn_in_its_header_is_not_a_segment(void) {
  lake_dirs d;
  char seg[256];
  seg_builder s;
  setup(&d, seg, sizeof seg, &s, 0);
  seg_write(&s, seg, 10);
  lg_seal_result res;
  seal(seg, d.spool, &res);
  ASSERT_INT_EQ(res.bad_header, 1, "flagged");
  ASSERT_INT_EQ(res.nobjects, 0, "nothing sealed");
  lg_seal_result_free(&res);
  fixture_remove(&d);
}

static void collects_idempotency_answers(void) {
  lake_dirs d;
  char seg[256];
  seg_builder s;
  setup(&d, seg, sizeof seg, &s, 0);
  seg_record(&s, LAST_US_OF_2025 - 3, 1, NULL);
  lg_frame_builder fb;
  lg_frame_idem idem = {"POST /x\nk", 9, 77, "the answer", 10};
  lg_frame_begin(&s.b, &fb, LAST_US_OF_2025 - 2, &idem);
  lg_frame_record_begin(&s.b, &fb, 0, NULL, NULL);
  lg_buf_appends(&s.b, "{\"n\":2}\n");
  lg_frame_record_end(&s.b, &fb);
  lg_frame_end(&s.b, &fb);
  seg_write(&s, seg, s.b.len);
  lg_seal_result res;
  seal(seg, d.spool, &res);
  lg_frame f;
  ASSERT_INT_EQ(lg_frame_parse((const uint8_t *)res.answers.data, res.answers.len, &f), LG_FRAME_OK,
                "one answer frame");
  ASSERT_INT_EQ(f.size, res.answers.len, "only one");
  ASSERT_INT_EQ(f.nrec, 0, "record-less");
  ASSERT_MEM_EQ(f.idem.answer, f.idem.answer_len, "the answer", 10, "answer kept");
  ASSERT_INT_EQ(f.ingested_us, LAST_US_OF_2025 - 2, "with its time (for expiry)");
  lg_seal_result_free(&res);
  fixture_remove(&d);
}

const lg_test_case seal_tests[] = {
  {"splits_records_at_an_hour_boundary", splits_records_at_an_hour_boundary},
  {"partitions_by_field_values", partitions_by_field_values},
  {"sealing_again_writes_the_same_bytes", sealing_again_writes_the_same_bytes},
  {"never_seals_half_a_record", never_seals_half_a_record},
  {"a_segment_torn_in_its_header_is_not_a_segment", a_segment_torn_in_its_header_is_not_a_segment},
  {"collects_idempotency_answers", collects_idempotency_answers},
  {NULL, NULL},
};
