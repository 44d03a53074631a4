/* Spool framing: the byte layout of a spool segment, so that a torn or corrupted tail is
 * detected and cut, never half-read. Pure functions over memory; no I/O.
 *
 * A segment file is a header followed by frames. Integers are little-endian.
 *
 *   header: "LGSEG001" | u32 body_len | u32 crc32(body) | body
 *     body: u64 seq | i64 created_us | u8 durability | u8 nkeys | u16 table_len | table
 *           | u16 host_len | host | nkeys x (u8 len | partition key name)
 *
 *   frame:  u32 crc32(bytes 4 .. end) | u32 body_len | i64 ingested_us | body
 *     body: u32 nrec | u16 idem_key_len | idem_key | u64 idem_fingerprint
 *           | u32 idem_answer_len | idem_answer
 *           | nrec x record
 *     record: u8 nvals | nvals x (u16 len | bytes; len 0xFFFF = null value)
 *             | u32 line_len | line (one NDJSON line, ending in '\n')
 *
 * One frame is what one lg_lake_write call appends: all of a batch's records and the
 * idempotency answer that goes with them, under one CRC, so a crash keeps all or none. */
#ifndef LG_LAKE_FRAME_H
#define LG_LAKE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define LG_SEGMENT_MAGIC "LGSEG001"
#define LG_FRAME_HEAD 16                     /* crc, len, ingested_us */
#define LG_FRAME_MAX (256u * 1024 * 1024)    /* a longer length field means a broken frame */
#define LG_FRAME_NULL_VALUE 0xFFFF           /* partition value length meaning "null" */
#define LG_PARTITION_KEYS_MAX 8

/* The decoded header of a segment (pointers into the parsed buffer). */
typedef struct lg_segment_header {
  uint64_t seq;              /* segment id: unique, increasing; part of every object name */
  int64_t created_us;
  int durability;            /* lg_lake_durability */
  const char *table;         /* not NUL-terminated: table_len bytes */
  size_t table_len;
  const char *host;
  size_t host_len;
  int nkeys;                 /* partition_by keys */
  const char *keys[LG_PARTITION_KEYS_MAX];
  size_t key_lens[LG_PARTITION_KEYS_MAX];
} lg_segment_header;

/* Appends a segment header to b. Returns LG_OK or LG_ERR (out of memory, or a part too
 * long for its length field). */
int lg_segment_header_write(lg_buf *b, const lg_segment_header *h);

/* Parses the header at the start of buf. Returns the header's size in bytes, or 0 if the
 * bytes are not a complete, valid header. */
size_t lg_segment_header_parse(const uint8_t *buf, size_t len, lg_segment_header *h);

/* ===================== frames ===================== */

/* A frame being built in a buffer: lg_frame_begin, then for each record
 * lg_frame_record_begin / (append the line to b) / lg_frame_record_end, then lg_frame_end. */
typedef struct lg_frame_builder {
  size_t start;       /* offset of the frame in b */
  size_t nrec_at;     /* offset of the nrec field */
  size_t line_len_at; /* offset of the current record's line_len field */
  uint32_t nrec;
} lg_frame_builder;

typedef struct lg_frame_idem {
  const char *key;        /* scope and key; NULL or "" for none */
  size_t key_len;
  uint64_t fingerprint;   /* of the request body */
  const char *answer;     /* the encoded answer to replay */
  size_t answer_len;
} lg_frame_idem;

int lg_frame_begin(lg_buf *b, lg_frame_builder *fb, int64_t ingested_us, const lg_frame_idem *idem);
/* values[i] == NULL is a null value; lens[i] its length. */
int lg_frame_record_begin(lg_buf *b, lg_frame_builder *fb, int nvals, const char *const *values,
                          const size_t *lens);
void lg_frame_record_end(lg_buf *b, lg_frame_builder *fb);
/* Fills in the length and CRC. */
void lg_frame_end(lg_buf *b, lg_frame_builder *fb);

/* A parsed frame; pointers into the caller's buffer. */
typedef struct lg_frame {
  int64_t ingested_us;
  uint32_t nrec;
  lg_frame_idem idem;
  const uint8_t *records;     /* first record */
  const uint8_t *end;         /* end of the frame */
  size_t size;                /* whole frame, header included */
} lg_frame;

typedef enum {
  LG_FRAME_OK,      /* *f holds a complete frame that passed its CRC */
  LG_FRAME_SHORT,   /* fewer bytes than the frame claims: a torn tail */
  LG_FRAME_BAD,     /* CRC mismatch, impossible length or broken structure */
} lg_frame_status;

lg_frame_status lg_frame_parse(const uint8_t *buf, size_t avail, lg_frame *f);

/* One record of a frame. */
typedef struct lg_frame_record {
  int nvals;
  const char *values[LG_PARTITION_KEYS_MAX];   /* NULL for a null value */
  size_t lens[LG_PARTITION_KEYS_MAX];
  const char *line;                            /* ends with '\n' */
  size_t line_len;
} lg_frame_record;

/* Iterates a parsed frame's records: *cursor starts at f->records. Returns 1 and fills *r,
 * or 0 at the end. The CRC passed, so the structure was written by lg_frame_*; a record
 * that does not fit still ends the walk (returns 0) rather than reading past the frame. */
int lg_frame_next_record(const lg_frame *f, const uint8_t **cursor, lg_frame_record *r);

/* Scans forward from buf[1] for the next offset where a valid frame starts (after
 * corruption in the middle of a segment). Returns that offset, or len if none. */
size_t lg_frame_resync(const uint8_t *buf, size_t len);

/* What a walk over a segment's frames found. */
typedef struct lg_walk_info {
  size_t frames;       /* valid frames */
  size_t bad_bytes;    /* bytes skipped: corrupted frames and a torn tail */
  int torn_tail;       /* 1 if the data ended inside a frame */
} lg_walk_info;

/* Calls fn for every valid frame in buf[start..len), in order: a torn tail is cut, a
 * corrupted frame is skipped up to the next valid one. fn returns LG_OK to go on;
 * anything else stops the walk and is returned. Returns LG_OK after the last frame. */
typedef int (*lg_frame_fn)(void *ctx, const lg_frame *f);
int lg_frames_walk(const uint8_t *buf, size_t len, size_t start, lg_frame_fn fn, void *ctx,
                   lg_walk_info *info);

#endif
