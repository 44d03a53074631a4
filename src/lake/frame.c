/* Spool framing (see frame.h). CRC-32 is zlib's; everything else is byte shuffling.
 * Layer: libc and zlib only. */
#include "lake/frame.h"
#include "util/common.h"

#include <string.h>

#include <zlib.h>

/* Timestamps outside [2000, 2200) cannot be ours: a cheap test before a CRC when
 * resyncing over garbage. */
#define TS_MIN 946684800000000LL
#define TS_MAX 7258118400000000LL

/* ===================== little-endian helpers ===================== */

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int append16(lg_buf *b, uint16_t v) {
  uint8_t x[2];
  put16(x, v);
  return lg_buf_append(b, x, 2);
}

static int append32(lg_buf *b, uint32_t v) {
  uint8_t x[4];
  put32(x, v);
  return lg_buf_append(b, x, 4);
}

static int append64(lg_buf *b, uint64_t v) {
  uint8_t x[8];
  put64(x, v);
  return lg_buf_append(b, x, 8);
}

static uint32_t crc(const uint8_t *p, size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  while (n > 0) {   /* zlib takes uInt lengths */
    uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
    c = crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return (uint32_t)c;
}

/* A bounded reader over a parsed region: every get checks the remaining length. */
typedef struct reader {
  const uint8_t *p, *end;
  int ok;
} reader;

static const uint8_t *take(reader *r, size_t n) {
  if (!r->ok || (size_t)(r->end - r->p) < n) {
    r->ok = 0;
    return NULL;
  }
  const uint8_t *at = r->p;
  r->p += n;
  return at;
}

static uint64_t take_uint(reader *r, int bytes) {
  const uint8_t *p = take(r, (size_t)bytes);
  if (p == NULL) return 0;
  return bytes == 1 ? p[0] : bytes == 2 ? get16(p) : bytes == 4 ? get32(p) : get64(p);
}

/* ===================== segment header ===================== */

int lg_segment_header_write(lg_buf *b, const lg_segment_header *h) {
  if (h->table_len > 0xFFFF || h->host_len > 0xFFFF || h->nkeys < 0 ||
      h->nkeys > LG_PARTITION_KEYS_MAX)
    return LG_ERR;
  size_t start = b->len;
  if (lg_buf_append(b, LG_SEGMENT_MAGIC, 8) != LG_OK || append32(b, 0) != LG_OK ||
      append32(b, 0) != LG_OK)
    return LG_ERR;
  size_t body = b->len;
  int rc = append64(b, h->seq) | append64(b, (uint64_t)h->created_us) |
           lg_buf_appendc(b, (char)h->durability) | lg_buf_appendc(b, (char)h->nkeys) |
           append16(b, (uint16_t)h->table_len) | lg_buf_append(b, h->table, h->table_len) |
           append16(b, (uint16_t)h->host_len) | lg_buf_append(b, h->host, h->host_len);
  for (int i = 0; i < h->nkeys && rc == LG_OK; i++) {
    if (h->key_lens[i] > 0xFF) return LG_ERR;
    rc = lg_buf_appendc(b, (char)h->key_lens[i]) | lg_buf_append(b, h->keys[i], h->key_lens[i]);
  }
  if (rc != LG_OK) return LG_ERR;
  uint8_t *p = (uint8_t *)b->data + start;
  put32(p + 8, (uint32_t)(b->len - body));
  put32(p + 12, crc(p + 16, b->len - body));
  return LG_OK;
}

size_t lg_segment_header_parse(const uint8_t *buf, size_t len, lg_segment_header *h) {
  if (len < 16 || memcmp(buf, LG_SEGMENT_MAGIC, 8) != 0) return 0;
  uint32_t body_len = get32(buf + 8);
  if (body_len > len - 16 || body_len > 65536 * 4) return 0;
  if (crc(buf + 16, body_len) != get32(buf + 12)) return 0;
  reader r = {buf + 16, buf + 16 + body_len, 1};
  memset(h, 0, sizeof *h);
  h->seq = take_uint(&r, 8);
  h->created_us = (int64_t)take_uint(&r, 8);
  h->durability = (int)take_uint(&r, 1);
  h->nkeys = (int)take_uint(&r, 1);
  h->table_len = take_uint(&r, 2);
  h->table = (const char *)take(&r, h->table_len);
  h->host_len = take_uint(&r, 2);
  h->host = (const char *)take(&r, h->host_len);
  if (h->nkeys > LG_PARTITION_KEYS_MAX) return 0;
  for (int i = 0; i < h->nkeys; i++) {
    h->key_lens[i] = take_uint(&r, 1);
    h->keys[i] = (const char *)take(&r, h->key_lens[i]);
  }
  if (!r.ok || r.p != r.end) return 0;
  return 16 + (size_t)body_len;
}

/* ===================== frames ===================== */

int lg_frame_begin(lg_buf *b, lg_frame_builder *fb, int64_t ingested_us, const lg_frame_idem *idem) {
  static const lg_frame_idem none = {NULL, 0, 0, NULL, 0};
  if (idem == NULL) idem = &none;
  if (idem->key_len > 0xFFFF || idem->answer_len > LG_FRAME_MAX) return LG_ERR;
  fb->start = b->len;
  fb->nrec = 0;
  /* length and checksum are filled in by lg_frame_end: 8 bytes of zeros for now */
  if (append64(b, 0) != LG_OK || append64(b, (uint64_t)ingested_us) != LG_OK)
    return LG_ERR;
  fb->nrec_at = b->len;
  int rc = append32(b, 0) | append16(b, (uint16_t)idem->key_len) |
           lg_buf_append(b, idem->key, idem->key_len) | append64(b, idem->fingerprint) |
           append32(b, (uint32_t)idem->answer_len) |
           lg_buf_append(b, idem->answer, idem->answer_len);
  return rc == LG_OK ? LG_OK : LG_ERR;
}

int lg_frame_record_begin(lg_buf *b, lg_frame_builder *fb, int nvals, const char *const *values,
                          const size_t *lens) {
  if (nvals < 0 || nvals > LG_PARTITION_KEYS_MAX) return LG_ERR;
  if (lg_buf_appendc(b, (char)nvals) != LG_OK) return LG_ERR;
  for (int i = 0; i < nvals; i++) {
    int ok = values[i] == NULL
                 ? append16(b, LG_FRAME_NULL_VALUE) == LG_OK
                 : lens[i] < LG_FRAME_NULL_VALUE && append16(b, (uint16_t)lens[i]) == LG_OK &&
                       lg_buf_append(b, values[i], lens[i]) == LG_OK;
    if (!ok) return LG_ERR;
  }
  fb->line_len_at = b->len;
  return append32(b, 0);
}

void lg_frame_record_end(lg_buf *b, lg_frame_builder *fb) {
  size_t line = b->len - fb->line_len_at - 4;
  put32((uint8_t *)b->data + fb->line_len_at, (uint32_t)line);
  fb->nrec++;
}

void lg_frame_end(lg_buf *b, lg_frame_builder *fb) {
  uint8_t *p = (uint8_t *)b->data + fb->start;
  put32((uint8_t *)b->data + fb->nrec_at, fb->nrec);
  put32(p + 4, (uint32_t)(b->len - fb->start - LG_FRAME_HEAD));
  put32(p, crc(p + 4, b->len - fb->start - 4));
}

/* Checks the length and timestamp fields only (no CRC). */
static lg_frame_status check_head(const uint8_t *buf, size_t avail, uint32_t *len) {
  if (avail < LG_FRAME_HEAD) return LG_FRAME_SHORT;
  *len = get32(buf + 4);
  if (*len > LG_FRAME_MAX || *len < 18) return LG_FRAME_BAD;   /* 18: an empty body */
  int64_t ts = (int64_t)get64(buf + 8);
  if (ts < TS_MIN || ts >= TS_MAX) return LG_FRAME_BAD;
  if ((size_t)*len > avail - LG_FRAME_HEAD) return LG_FRAME_SHORT;
  return LG_FRAME_OK;
}

lg_frame_status lg_frame_parse(const uint8_t *buf, size_t avail, lg_frame *f) {
  uint32_t len;
  lg_frame_status st = check_head(buf, avail, &len);
  if (st != LG_FRAME_OK) return st;
  size_t size = LG_FRAME_HEAD + (size_t)len;
  if (crc(buf + 4, size - 4) != get32(buf)) return LG_FRAME_BAD;
  reader r = {buf + LG_FRAME_HEAD, buf + size, 1};
  f->ingested_us = (int64_t)get64(buf + 8);
  f->nrec = (uint32_t)take_uint(&r, 4);
  f->idem.key_len = take_uint(&r, 2);
  f->idem.key = (const char *)take(&r, f->idem.key_len);
  f->idem.fingerprint = take_uint(&r, 8);
  f->idem.answer_len = take_uint(&r, 4);
  f->idem.answer = (const char *)take(&r, f->idem.answer_len);
  if (!r.ok) return LG_FRAME_BAD;
  f->records = r.p;
  f->end = buf + size;
  f->size = size;
  return LG_FRAME_OK;
}

int lg_frame_next_record(const lg_frame *f, const uint8_t **cursor, lg_frame_record *rec) {
  if (*cursor >= f->end) return 0;
  reader r = {*cursor, f->end, 1};
  rec->nvals = (int)take_uint(&r, 1);
  if (rec->nvals > LG_PARTITION_KEYS_MAX) return 0;
  for (int i = 0; i < rec->nvals; i++) {
    size_t n = take_uint(&r, 2);
    if (n == LG_FRAME_NULL_VALUE) {
      rec->values[i] = NULL;
      rec->lens[i] = 0;
    } else {
      rec->values[i] = (const char *)take(&r, n);
      rec->lens[i] = n;
    }
  }
  rec->line_len = take_uint(&r, 4);
  rec->line = (const char *)take(&r, rec->line_len);
  if (!r.ok) return 0;
  *cursor = r.p;
  return 1;
}

size_t lg_frame_resync(const uint8_t *buf, size_t len) {
  lg_frame f;
  for (size_t off = 1; off + LG_FRAME_HEAD <= len; off++) {
    uint32_t flen;
    if (check_head(buf + off, len - off, &flen) != LG_FRAME_OK) continue;
    if (lg_frame_parse(buf + off, len - off, &f) == LG_FRAME_OK) return off;
  }
  return len;
}

int lg_frames_walk(const uint8_t *buf, size_t len, size_t start, lg_frame_fn fn, void *ctx,
                   lg_walk_info *info) {
  info->frames = info->bad_bytes = 0;
  info->torn_tail = 0;
  size_t off = start;
  while (off < len) {
    lg_frame f;
    lg_frame_status st = lg_frame_parse(buf + off, len - off, &f);
    if (st == LG_FRAME_OK) {
      int rc = fn(ctx, &f);
      if (rc != LG_OK) return rc;
      info->frames++;
      off += f.size;
      continue;
    }
    /* A short frame is a torn tail unless a valid frame follows it (then it was damage). */
    size_t next = off + lg_frame_resync(buf + off, len - off);
    if (st == LG_FRAME_SHORT && next >= len) info->torn_tail = 1;
    info->bad_bytes += next - off;
    off = next;
  }
  return LG_OK;
}
