/* Tests for lake/frame.c: segment headers and record frames, torn tails, corruption. */
#include "test.h"
#include "lake/frame.h"
#include "util/common.h"

#include <stdlib.h>

#define TS 1795748000000000LL   /* 2026-11-26T..., inside the plausible range */

/* Builds a frame with `n` records "{"i":<k>}\n" (and partition values k, null) into b. */
static void build(lg_buf *b, int n, int64_t ts, const lg_frame_idem *idem) {
  lg_frame_builder fb;
  ASSERT_INT_EQ(lg_frame_begin(b, &fb, ts, idem), LG_OK, "frame begin");
  for (int k = 0; k < n; k++) {
    char value[16];
    int vlen = snprintf(value, sizeof value, "v%d", k);
    const char *values[2] = {value, NULL};
    size_t lens[2] = {(size_t)vlen, 0};
    ASSERT_INT_EQ(lg_frame_record_begin(b, &fb, 2, values, lens), LG_OK, "record begin");
    lg_buf_appendf(b, "{\"i\":%d}\n", k);
    lg_frame_record_end(b, &fb);
  }
  lg_frame_end(b, &fb);
}

static int count_frames(void *ctx, const lg_frame *f) {
  (*(size_t *)ctx) += f->nrec;
  return LG_OK;
}

static void round_trips_records_values_and_answers(void) {
  lg_buf b = LG_BUF_INIT;
  lg_frame_idem idem = {"POST /x\nkey-1", 13, 0x1234567890abcdefULL, "answer", 6};
  build(&b, 3, TS, &idem);
  lg_frame f;
  ASSERT_INT_EQ(lg_frame_parse((const uint8_t *)b.data, b.len, &f), LG_FRAME_OK, "parse");
  ASSERT_INT_EQ(f.size, b.len, "the frame spans the buffer");
  ASSERT_INT_EQ(f.nrec, 3, "three records");
  ASSERT_INT_EQ(f.ingested_us, TS, "timestamp");
  ASSERT_MEM_EQ(f.idem.key, f.idem.key_len, "POST /x\nkey-1", 13, "idempotency key");
  ASSERT_MSG(f.idem.fingerprint == 0x1234567890abcdefULL, "fingerprint survives");
  ASSERT_MEM_EQ(f.idem.answer, f.idem.answer_len, "answer", 6, "answer");
  const uint8_t *cursor = f.records;
  lg_frame_record r;
  for (int k = 0; k < 3; k++) {
    ASSERT_INT_EQ(lg_frame_next_record(&f, &cursor, &r), 1, "next record");
    char line[32], value[16];
    snprintf(line, sizeof line, "{\"i\":%d}\n", k);
    snprintf(value, sizeof value, "v%d", k);
    ASSERT_MEM_EQ(r.line, r.line_len, line, strlen(line), "line");
    ASSERT_INT_EQ(r.nvals, 2, "two values");
    ASSERT_MEM_EQ(r.values[0], r.lens[0], value, strlen(value), "first value");
    ASSERT_MSG(r.values[1] == NULL, "second value is null");
  }
  ASSERT_INT_EQ(lg_frame_next_record(&f, &cursor, &r), 0, "no fourth record");
  lg_buf_free(&b);
}

static void detects_every_flipped_bit(void) {
  lg_buf b = LG_BUF_INIT;
  build(&b, 2, TS, NULL);
  for (size_t i = 0; i < b.len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      b.data[i] ^= (char)(1 << bit);
      lg_frame f;
      lg_frame_status st = lg_frame_parse((const uint8_t *)b.data, b.len, &f);
      if (st == LG_FRAME_OK) LG_TEST_FAIL("flipping bit %d of byte %zu went unnoticed", bit, i);
      b.data[i] ^= (char)(1 << bit);
    }
  }
  lg_buf_free(&b);
}

static void cuts_a_torn_tail_at_every_length(void) {
  lg_buf b = LG_BUF_INIT;
  build(&b, 2, TS, NULL);
  size_t first = b.len;
  build(&b, 3, TS + 1, NULL);
  for (size_t len = first; len < b.len; len++) {
    size_t records = 0;
    lg_walk_info info;
    ASSERT_INT_EQ(lg_frames_walk((const uint8_t *)b.data, len, 0, count_frames, &records, &info), LG_OK, "walk");
    if (records != 2 || info.frames != 1 || !(len == first || info.torn_tail))
      LG_TEST_FAIL("cut at %zu of %zu: %zu records, %zu frames, torn %d", len, b.len, records,
                   info.frames, info.torn_tail);
    ASSERT_INT_EQ(info.bad_bytes, len - first, "the torn part is counted as skipped");
  }
  size_t records = 0;
  lg_walk_info info;
  lg_frames_walk((const uint8_t *)b.data, b.len, 0, count_frames, &records, &info);
  ASSERT_INT_EQ(records, 5, "whole: five records");
  ASSERT_INT_EQ(info.bad_bytes, 0, "whole: nothing skipped");
  lg_buf_free(&b);
}

static void skips_a_damaged_frame_and_keeps_the_rest(void) {
  lg_buf b = LG_BUF_INIT;
  build(&b, 1, TS, NULL);
  size_t second = b.len;
  build(&b, 2, TS, NULL);
  size_t third = b.len;
  build(&b, 4, TS, NULL);
  b.data[second + 20] ^= 0x40;   /* inside the second frame's body */
  size_t records = 0;
  lg_walk_info info;
  lg_frames_walk((const uint8_t *)b.data, b.len, 0, count_frames, &records, &info);
  ASSERT_INT_EQ(records, 5, "frames one and three survive (1 + 4 records)");
  ASSERT_INT_EQ(info.frames, 2, "two valid frames");
  ASSERT_INT_EQ(info.bad_bytes, third - second, "exactly the damaged frame is skipped");
  ASSERT_INT_EQ(info.torn_tail, 0, "damage in the middle is not a torn tail");
  lg_buf_free(&b);
}

static void zeros_after_the_last_frame_are_cut(void) {
  lg_buf b = LG_BUF_INIT;
  build(&b, 1, TS, NULL);
  size_t valid = b.len;
  for (int i = 0; i < 4096; i++) lg_buf_appendc(&b, '\0');   /* a crash can leave zeroed blocks */
  size_t records = 0;
  lg_walk_info info;
  lg_frames_walk((const uint8_t *)b.data, b.len, 0, count_frames, &records, &info);
  ASSERT_INT_EQ(records, 1, "the record before the zeros");
  ASSERT_INT_EQ(info.bad_bytes, b.len - valid, "the zeros are skipped");
  lg_buf_free(&b);
}

static void headers_round_trip_and_reject_damage(void) {
  lg_buf b = LG_BUF_INIT;
  lg_segment_header h = {.seq = 42, .created_us = TS, .durability = 1, .table = "unicorns",
                         .table_len = 8, .host = "host-1", .host_len = 6, .nkeys = 2,
                         .keys = {"color", "size"}, .key_lens = {5, 4}};
  ASSERT_INT_EQ(lg_segment_header_write(&b, &h), LG_OK, "write header");
  lg_segment_header p;
  ASSERT_INT_EQ(lg_segment_header_parse((const uint8_t *)b.data, b.len, &p), b.len, "parse the whole header");
  ASSERT_MSG(p.seq == 42 && p.created_us == TS && p.durability == 1, "numbers survive");
  ASSERT_MEM_EQ(p.table, p.table_len, "unicorns", 8, "table");
  ASSERT_MEM_EQ(p.host, p.host_len, "host-1", 6, "host");
  ASSERT_INT_EQ(p.nkeys, 2, "two keys");
  ASSERT_MEM_EQ(p.keys[1], p.key_lens[1], "size", 4, "second key");
  ASSERT_INT_EQ(lg_segment_header_parse((const uint8_t *)b.data, b.len - 1, &p), 0, "a torn header is refused");
  b.data[20] ^= 1;
  ASSERT_INT_EQ(lg_segment_header_parse((const uint8_t *)b.data, b.len, &p), 0, "a damaged header is refused");
  lg_buf_free(&b);
}

const lg_test_case frame_tests[] = {
  {"round_trips_records_values_and_answers", round_trips_records_values_and_answers},
  {"detects_every_flipped_bit", detects_every_flipped_bit},
  {"cuts_a_torn_tail_at_every_length", cuts_a_torn_tail_at_every_length},
  {"skips_a_damaged_frame_and_keeps_the_rest", skips_a_damaged_frame_and_keeps_the_rest},
  {"zeros_after_the_last_frame_are_cut", zeros_after_the_last_frame_are_cut},
  {"headers_round_trip_and_reject_damage", headers_round_trip_and_reject_damage},
  {NULL, NULL},
};
