/* Percent-encoding the way AWS Signature Version 4 and S3 want it (RFC 3986): every
 * byte except the unreserved A-Z a-z 0-9 - _ . ~ becomes %XX with uppercase hex. */
#ifndef LG_AWS_URI_H
#define LG_AWS_URI_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the encoding of s[0..n) to out; with keep_slash, '/' stays as is (paths).
 * Returns LG_OK or LG_ERR (out of memory). */
int lg_uri_encode(lg_buf *out, const char *s, size_t n, int keep_slash);
/* Appends s[0..n) with every valid %XX decoded to its byte; anything else, including a
 * '%' not followed by two hex digits and '+', is copied as is. */
int lg_uri_decode(lg_buf *out, const char *s, size_t n);
/* 1 if c is an RFC 3986 unreserved character. */
int lg_uri_unreserved(unsigned char c);

#endif
