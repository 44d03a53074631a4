/* URIs: the RFC 3986 check JSON Schema's "uri" format asks for, and URL parsing with
 * normalization the way pydantic's AnyUrl (the WHATWG URL Standard, via the rust url
 * crate) does it: "HTTP://Example.COM:80" becomes "http://example.com/".
 * This file's layer: libc only. */
#ifndef LG_URI_H
#define LG_URI_H

#include <stddef.h>

/* 1 if s[0..n) is an absolute URI per RFC 3986 (scheme ":" hier-part ...), else 0. */
int lg_format_uri(const char *s, size_t n);

/* Parses and normalizes a URL. out must hold 3 * n + 16 bytes (percent-encoding may
 * triple a byte). Returns the length of the normalized URL, or -1 with the url crate's
 * reason in err ("relative URL without a base", "empty host", "invalid port number").
 * *host_len receives the length of the host (0 when there is none). */
long lg_url_normalize(const char *s, size_t n, char *out, size_t *host_len, char *err, size_t errlen);

#endif
