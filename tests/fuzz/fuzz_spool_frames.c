/* libFuzzer target for spool framing and its recovery walk (lake/frame.c): what sealing
 * does with a segment file a crash, a torn write or a bad disk left behind. Besides memory
 * errors (ASan/UBSan), it checks, with the first input byte choosing the mode:
 *   - even: the input is a whole segment. Whatever its bytes, every frame the walk yields
 *     lies inside the buffer, after the previous one, passes a CRC-32 computed here, and
 *     its records lie inside the frame; the frames and the skipped bytes add up to the
 *     segment.
 *   - odd: the input describes records; they are framed as the spool frames them, into a
 *     valid segment, and the rest of the input is appended as garbage (a torn or corrupted
 *     tail). The walk yields exactly the frames written, with the same records, at the
 *     same offsets; anything after them starts in the garbage and passes its CRC (garbage
 *     may hold a frame by chance, never one that lies). */
#include "lake/frame.h"
#include "util/buf.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define MAX_FRAMES 16
#define MAX_RECORDS 8
#define TS_2020 1577836800000000LL   /* a plausible ingestion time (frames must be 2000..2200) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what) {
  fprintf(stderr, "property violated: %s\n", what);
  abort();
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ===================== what the walk yields ===================== */

typedef struct seen_frame {
  size_t offset;
  lg_frame f;
} seen_frame;

typedef struct walk {
  const uint8_t *buf;
  size_t len;
  size_t next_free;          /* frames must start at or after this offset */
  seen_frame frames[MAX_FRAMES * 4];
  size_t n;
  size_t bytes;              /* sum of frame sizes */
} walk;

static int inside(const walk *w, const void *p, size_t n) {
  const uint8_t *q = p;
  return q >= w->buf && q <= w->buf + w->len && n <= (size_t)(w->buf + w->len - q);
}

/* Checks one frame the walk yields: placement, an independent CRC, its records. */
static int on_frame(void *ctx, const lg_frame *f) {
  walk *w = ctx;
  const uint8_t *start = f->end - f->size;
  if (!inside(w, start, f->size)) fail("a frame lies inside the segment");
  size_t offset = (size_t)(start - w->buf);
  if (offset < w->next_free) fail("frames do not overlap and come in order");
  if (f->size < LG_FRAME_HEAD + 18) fail("a frame holds at least its fixed fields");
  uLong c = crc32(0L, Z_NULL, 0);
  if ((uint32_t)crc32(c, start + 4, (uInt)(f->size - 4)) != le32(start))
    fail("every frame yielded passes its CRC");
  if (!inside(w, f->idem.key, f->idem.key_len) || !inside(w, f->idem.answer, f->idem.answer_len) ||
      f->records < start || f->records > f->end)
    fail("the idempotency fields lie inside the frame");
  const uint8_t *cursor = f->records;
  lg_frame_record r;
  while (lg_frame_next_record(f, &cursor, &r)) {
    if (r.nvals < 0 || r.nvals > LG_PARTITION_KEYS_MAX) fail("at most 8 partition values");
    for (int i = 0; i < r.nvals; i++)
      if (r.values[i] && ((const uint8_t *)r.values[i] < f->records ||
                          (const uint8_t *)r.values[i] + r.lens[i] > f->end))
        fail("partition values lie inside the frame");
    if ((const uint8_t *)r.line < f->records || (const uint8_t *)r.line + r.line_len > f->end ||
        cursor > f->end)
      fail("a record's line lies inside the frame");
  }
  if (w->n < sizeof w->frames / sizeof w->frames[0]) w->frames[w->n++] = (seen_frame){offset, *f};
  w->next_free = offset + f->size;
  w->bytes += f->size;
  return LG_OK;
}

static void walk_segment(walk *w, const uint8_t *buf, size_t len, size_t start) {
  memset(w, 0, sizeof *w);
  w->buf = buf;
  w->len = len;
  w->next_free = start;
  lg_walk_info info;
  if (lg_frames_walk(buf, len, start, on_frame, w, &info) != LG_OK) fail("the walk completes");
  if (info.frames < w->n) fail("the walk counts the frames it yields");
  if (w->bytes + info.bad_bytes != len - start) fail("frames and skipped bytes add up to the segment");
}

/* ===================== mode 1: arbitrary bytes ===================== */

static void any_segment(const uint8_t *data, size_t size) {
  lg_segment_header h;
  size_t start = lg_segment_header_parse(data, size, &h);
  if (start > size) fail("a header lies inside the segment");
  if (start > 0) {
    if (h.nkeys < 0 || h.nkeys > LG_PARTITION_KEYS_MAX) fail("a header has at most 8 keys");
    if ((const uint8_t *)h.table < data || (const uint8_t *)h.table + h.table_len > data + start ||
        (const uint8_t *)h.host < data || (const uint8_t *)h.host + h.host_len > data + start)
      fail("the header's strings lie inside it");
  }
  walk w;
  walk_segment(&w, data, size, start);
}

/* ===================== mode 2: a valid prefix, then garbage ===================== */

/* Reads the input a byte at a time; zeros once it runs out. */
typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static uint8_t next_byte(reader *r) {
  if (r->n == 0) return 0;
  r->n--;
  return *r->p++;
}

static const char *next_bytes(reader *r, size_t want, size_t *got) {
  *got = want < r->n ? want : r->n;
  const char *at = (const char *)r->p;
  r->p += *got;
  r->n -= *got;
  return at;
}

typedef struct written_frame {
  size_t offset, size;
  int64_t ingested_us;
  uint32_t nrec;
  size_t key_len, answer_len;
  size_t records_at;          /* offset of the first record in the segment */
} written_frame;

/* Appends one frame described by the input to b; fills *wf. */
static void write_frame(reader *r, lg_buf *b, int nkeys, written_frame *wf) {
  size_t key_len, answer_len;
  const char *key = next_bytes(r, next_byte(r) % 24, &key_len);
  const char *answer = next_bytes(r, next_byte(r) % 48, &answer_len);
  lg_frame_idem idem = {key, key_len, (uint64_t)next_byte(r) * 0x9E3779B97F4A7C15ULL, answer, answer_len};
  int64_t us = TS_2020 + (int64_t)next_byte(r) * 3600000000LL;
  lg_frame_builder fb;
  wf->offset = b->len;
  if (lg_frame_begin(b, &fb, us, &idem) != LG_OK) fail("lg_frame_begin");
  wf->records_at = b->len;
  int nrec = next_byte(r) % (MAX_RECORDS + 1);
  for (int i = 0; i < nrec; i++) {
    const char *values[LG_PARTITION_KEYS_MAX];
    size_t lens[LG_PARTITION_KEYS_MAX];
    for (int k = 0; k < nkeys; k++) {
      uint8_t n = next_byte(r);
      values[k] = n == 0xFF ? NULL : next_bytes(r, n % 16, &lens[k]);
      if (values[k] == NULL) lens[k] = 0;
    }
    size_t line_len;
    const char *line = next_bytes(r, next_byte(r) % 64, &line_len);
    if (lg_frame_record_begin(b, &fb, nkeys, values, lens) != LG_OK) fail("lg_frame_record_begin");
    lg_buf_append(b, line, line_len);
    lg_buf_appendc(b, '\n');
    lg_frame_record_end(b, &fb);
  }
  lg_frame_end(b, &fb);
  *wf = (written_frame){wf->offset, b->len - wf->offset, us, (uint32_t)nrec, key_len, answer_len,
                        wf->records_at};
}

static void prefix_and_garbage(const uint8_t *data, size_t size) {
  reader r = {data, size};
  int nkeys = next_byte(&r) % 4;
  static const char *const keys[] = {"color", "region", "k", "x_y"};
  lg_segment_header h = {.seq = 42, .created_us = TS_2020, .durability = 0, .table = "unicorns",
                         .table_len = 8, .host = "fuzz", .host_len = 4, .nkeys = nkeys};
  for (int k = 0; k < nkeys; k++) {
    h.keys[k] = keys[k];
    h.key_lens[k] = strlen(keys[k]);
  }
  lg_buf b = LG_BUF_INIT;
  if (lg_segment_header_write(&b, &h) != LG_OK) fail("lg_segment_header_write");
  size_t start = b.len;
  written_frame wf[MAX_FRAMES];
  int nframes = next_byte(&r) % (MAX_FRAMES + 1);
  for (int i = 0; i < nframes; i++) write_frame(&r, &b, nkeys, &wf[i]);
  size_t prefix = b.len;
  size_t garbage_len;
  const char *garbage = next_bytes(&r, r.n, &garbage_len);
  lg_buf_append(&b, garbage, garbage_len);

  lg_segment_header back;
  if (lg_segment_header_parse((const uint8_t *)b.data, b.len, &back) != start || back.nkeys != nkeys ||
      back.seq != 42 || back.table_len != 8 || memcmp(back.table, "unicorns", 8) != 0)
    fail("the header reads back");
  walk w;
  walk_segment(&w, (const uint8_t *)b.data, b.len, start);
  if (w.n < (size_t)nframes) fail("every frame written is found");
  for (int i = 0; i < nframes; i++) {
    const seen_frame *s = &w.frames[i];
    if (s->offset != wf[i].offset || s->f.size != wf[i].size || s->f.ingested_us != wf[i].ingested_us ||
        s->f.nrec != wf[i].nrec || s->f.idem.key_len != wf[i].key_len ||
        s->f.idem.answer_len != wf[i].answer_len ||
        s->f.records != (const uint8_t *)b.data + wf[i].records_at)
      fail("the frames found are the frames written");
    const uint8_t *cursor = s->f.records;
    lg_frame_record rec;
    uint32_t n = 0;
    while (lg_frame_next_record(&s->f, &cursor, &rec)) {
      if (rec.nvals != nkeys || rec.line_len == 0 || rec.line[rec.line_len - 1] != '\n')
        fail("records read back as written");
      n++;
    }
    if (n != wf[i].nrec || cursor != s->f.end) fail("a frame's records fill it exactly");
  }
  for (size_t i = (size_t)nframes; i < w.n; i++)
    if (w.frames[i].offset < prefix) fail("anything after the frames written starts in the garbage");
  lg_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) any_segment(data + 1, size - 1);
  else prefix_and_garbage(data + 1, size - 1);
  return 0;
}
