/* URI checks and URL normalization (see uri.h). */
#include "core/uri.h"
#include "core/formats.h"
#include "util/common.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static int is_unreserved(int c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
static int is_subdelim(int c) { return c != 0 && strchr("!$&'()*+,;=", c) != NULL; }

/* {====================== RFC 3986 ====================== */

/* Every character of s[a..b) is allowed by ok() or is a pct-encoded triplet. */
static int all_chars(const unsigned char *s, size_t a, size_t b, int (*ok)(int)) {
  for (size_t i = a; i < b; i++) {
    if (s[i] == '%') {
      if (i + 2 >= b || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return 0;
      i += 2;
    } else if (!ok(s[i])) {
      return 0;
    }
  }
  return 1;
}

static int pchar(int c) { return is_unreserved(c) || is_subdelim(c) || c == ':' || c == '@'; }
static int pchar_or_slash(int c) { return pchar(c) || c == '/'; }
static int qchar(int c) { return pchar(c) || c == '/' || c == '?'; }
static int userinfo_char(int c) { return is_unreserved(c) || is_subdelim(c) || c == ':'; }
static int regname_char(int c) { return is_unreserved(c) || is_subdelim(c); }

static int authority_ok(const unsigned char *s, size_t a, size_t b) {
  size_t at = b;
  for (size_t i = a; i < b; i++) if (s[i] == '@') { at = i; break; }
  if (at < b) {
    if (!all_chars(s, a, at, userinfo_char)) return 0;
    a = at + 1;
  }
  size_t host_end = b;
  if (a < b && s[a] == '[') {
    const unsigned char *close = memchr(s + a, ']', b - a);
    if (close == NULL) return 0;
    host_end = (size_t)(close - s) + 1;
    uint8_t addr[16];
    if (host_end - a < 3 || lg_ipv6_parse((const char *)s + a + 1, host_end - a - 2, addr) != LG_OK) return 0;
  } else {
    for (host_end = a; host_end < b && s[host_end] != ':'; host_end++) {}
    if (!all_chars(s, a, host_end, regname_char)) return 0;
  }
  if (host_end == b) return 1;
  if (s[host_end] != ':') return 0;
  for (size_t i = host_end + 1; i < b; i++) if (!is_digit(s[i])) return 0;
  return 1;
}

int lg_format_uri(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  if (n == 0 || !is_alpha(s[0])) return 0;
  while (i < n && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) i++;
  if (i == n || s[i] != ':') return 0;
  i++;
  size_t end = n;
  const unsigned char *hash = memchr(s + i, '#', n - i);
  if (hash) {
    end = (size_t)(hash - s);
    if (!all_chars(s, end + 1, n, qchar)) return 0;
  }
  const unsigned char *q = memchr(s + i, '?', end - i);
  if (q) {
    size_t qs = (size_t)(q - s);
    if (!all_chars(s, qs + 1, end, qchar)) return 0;
    end = qs;
  }
  if (end - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
    size_t a = i + 2, b = a;
    while (b < end && s[b] != '/') b++;
    if (!authority_ok(s, a, b)) return 0;
    return all_chars(s, b, end, pchar_or_slash);
  }
  return all_chars(s, i, end, pchar_or_slash);
}

/* }====================== */

/* {====================== URL normalization ====================== */

typedef struct urlbuf {
  char *p;
  size_t n;
} urlbuf;

static void put(urlbuf *b, const void *s, size_t n) { memcpy(b->p + b->n, s, n); b->n += n; }
static void putc1(urlbuf *b, int c) { b->p[b->n++] = (char)c; }

/* Percent-encodes what the WHATWG sets leave out (controls, space, ", <, >, `, and for
 * paths {, }), keeping existing %XX escapes. */
static void put_encoded(urlbuf *b, const unsigned char *s, size_t n, const char *extra) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned c = s[i];
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || (extra && strchr(extra, (int)c))) {
      putc1(b, '%'); putc1(b, hex[c >> 4]); putc1(b, hex[c & 15]);
    } else {
      putc1(b, (int)c);
    }
  }
}

static int default_port(const char *scheme, size_t n) {
  if (n == 4 && memcmp(scheme, "http", 4) == 0) return 80;
  if (n == 5 && memcmp(scheme, "https", 5) == 0) return 443;
  if (n == 2 && memcmp(scheme, "ws", 2) == 0) return 80;
  if (n == 3 && memcmp(scheme, "wss", 3) == 0) return 443;
  if (n == 3 && memcmp(scheme, "ftp", 3) == 0) return 21;
  return -1;
}

static int forbidden_host_char(int c) {
  return c <= 0x20 || c == 0x7f || strchr("#%/:<>?@[\\]^|", c) != NULL;
}

static int fail(char *err, size_t errlen, const char *msg) {
  snprintf(err, errlen, "%s", msg);
  return LG_ERR;
}

/* WHATWG IPv4 for hosts that end in a number: 1-4 dotted decimal parts. */
static int url_ipv4(const unsigned char *h, size_t n, urlbuf *b, char *err, size_t errlen) {
  uint64_t parts[4];
  int count = 0;
  for (size_t i = 0; i <= n;) {
    size_t j = i;
    while (j < n && h[j] != '.') j++;
    if (j == i) {
      if (j == n && count > 0) break;   /* a trailing dot */
      return fail(err, errlen, "invalid IPv4 address");
    }
    if (count == 4) return fail(err, errlen, "invalid IPv4 address");
    uint64_t v = 0;
    for (size_t k = i; k < j; k++) {
      if (!is_digit(h[k]) || v > 0xFFFFFFFFull) return fail(err, errlen, "invalid IPv4 address");
      v = v * 10 + (uint64_t)(h[k] - '0');
    }
    parts[count++] = v;
    i = j + 1;
  }
  for (int k = 0; k < count - 1; k++) if (parts[k] > 255) return fail(err, errlen, "invalid IPv4 address");
  uint64_t last = parts[count - 1];
  if (last >= (1ull << (8 * (5 - count)))) return fail(err, errlen, "invalid IPv4 address");
  uint64_t addr = last;
  for (int k = 0; k < count - 1; k++) addr += parts[k] << (8 * (3 - k));
  b->n += (size_t)sprintf(b->p + b->n, "%u.%u.%u.%u", (unsigned)(addr >> 24 & 255), (unsigned)(addr >> 16 & 255),
                          (unsigned)(addr >> 8 & 255), (unsigned)(addr & 255));
  return LG_OK;
}

/* The host of a URL with a special scheme: [IPv6], an IPv4 number, or a domain. */
static int url_host(const unsigned char *h, size_t n, urlbuf *b, char *err, size_t errlen) {
  if (n > 0 && h[0] == '[') {
    uint8_t a[16];
    char text[40];
    if (h[n - 1] != ']' || lg_ipv6_parse((const char *)h + 1, n - 2, a) != LG_OK)
      return fail(err, errlen, "invalid IPv6 address");
    putc1(b, '[');
    put(b, text, (size_t)lg_ipv6_format(a, text));
    putc1(b, ']');
    return LG_OK;
  }
  for (size_t i = 0; i < n; i++)
    if (h[i] < 0x80 && forbidden_host_char(h[i])) return fail(err, errlen, "invalid domain character");
  size_t last = n;   /* start of the last label (ignoring one trailing dot) */
  size_t end = n > 0 && h[n - 1] == '.' ? n - 1 : n;
  while (last > 0 && h[last - 1] != '.') last--;
  if (end < n) { last = end; while (last > 0 && h[last - 1] != '.') last--; }
  int numeric = end > last;
  for (size_t i = last; i < end; i++) numeric &= is_digit(h[i]);
  if (numeric) return url_ipv4(h, end, b, err, errlen);
  for (size_t i = 0; i < n; i++) putc1(b, h[i] < 0x80 && is_alpha(h[i]) ? h[i] | 0x20 : h[i]);
  return LG_OK;
}

/* Appends path s[0..n) after removing "." and ".." segments (RFC 3986 5.2.4). A
 * backslash counts as a slash (special schemes), and a path that does not start with one
 * gets one. */
static void put_path(urlbuf *b, const unsigned char *s, size_t n) {
  size_t base = b->n;
  size_t i = 0;
  if (n > 0 && s[0] != '/' && s[0] != '\\') i = (size_t)-1;   /* an implied leading slash */
  while (i == (size_t)-1 || i < n) {
    size_t j = i + 1;   /* s[i] is a slash (or the implied one) */
    while (j < n && s[j] != '/' && s[j] != '\\') j++;
    const unsigned char *seg = s + i + 1;
    size_t len = j - i - 1;
    int dot = (len == 1 && seg[0] == '.') || (len == 3 && strncasecmp((const char *)seg, "%2e", 3) == 0);
    int dotdot = (len == 2 && memcmp(seg, "..", 2) == 0) ||
                 (len == 4 && (strncasecmp((const char *)seg, ".%2e", 4) == 0 ||
                               strncasecmp((const char *)seg, "%2e.", 4) == 0)) ||
                 (len == 6 && strncasecmp((const char *)seg, "%2e%2e", 6) == 0);
    if (dotdot) {
      while (b->n > base && b->p[b->n - 1] != '/') b->n--;
      if (b->n > base) b->n--;
      if (j >= n) putc1(b, '/');
    } else if (dot) {
      if (j >= n) putc1(b, '/');
    } else {
      putc1(b, '/');
      put_encoded(b, seg, len, "`{}#");
    }
    i = j;
  }
  if (b->n == base) putc1(b, '/');
}

long lg_url_normalize(const char *str, size_t len, char *out, size_t *host_len, char *err, size_t errlen) {
  const unsigned char *s = (const unsigned char *)str;
  urlbuf b = {out, 0};
  *host_len = 0;
  while (len > 0 && s[0] <= 0x20) { s++; len--; }     /* C0 controls and space are trimmed */
  while (len > 0 && s[len - 1] <= 0x20) len--;
  size_t i = 0;
  if (len == 0 || !is_alpha(s[0])) return fail(err, errlen, "relative URL without a base"), -1;
  while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) i++;
  if (i == len || s[i] != ':') return fail(err, errlen, "relative URL without a base"), -1;
  size_t scheme_len = i;
  for (size_t k = 0; k < scheme_len; k++) putc1(&b, is_alpha(s[k]) ? s[k] | 0x20 : s[k]);
  putc1(&b, ':');
  int port_default = default_port(out, scheme_len);
  int special = port_default >= 0 || (scheme_len == 4 && memcmp(out, "file", 4) == 0);
  i++;
  size_t end = len, query = len, frag = len;
  const unsigned char *hash = memchr(s + i, '#', len - i);
  if (hash) frag = end = (size_t)(hash - s);
  const unsigned char *q = memchr(s + i, '?', end - i);
  if (q) query = end = (size_t)(q - s);
  int has_authority = special || (end - i >= 2 && s[i] == '/' && s[i + 1] == '/');
  if (has_authority) {
    while (i < end && (s[i] == '/' || (special && s[i] == '\\'))) i++;
    size_t a = i;
    while (i < end && s[i] != '/' && !(special && s[i] == '\\')) i++;
    const unsigned char *auth = s + a;
    size_t an = i - a, at = an;
    for (size_t k = 0; k < an; k++) if (auth[k] == '@') at = k;
    put(&b, "//", 2);
    if (at < an) {
      put_encoded(&b, auth, at, "`{}#?/[\\]^|");
      putc1(&b, '@');
      auth += at + 1;
      an -= at + 1;
    }
    size_t hn;
    if (!(an > 0 && auth[0] == '[')) {
      for (hn = 0; hn < an && auth[hn] != ':'; hn++) {}
    } else {
      const unsigned char *close = memchr(auth, ']', an);
      hn = close ? (size_t)(close - auth) + 1 : an;
    }
    if (hn == 0 && port_default >= 0) return fail(err, errlen, "empty host"), -1;
    size_t host_start = b.n;
    if (special && url_host(auth, hn, &b, err, errlen) != LG_OK) return -1;
    if (!special) put_encoded(&b, auth, hn, NULL);
    *host_len = b.n - host_start;
    if (hn < an) {
      if (auth[hn] != ':') return fail(err, errlen, "invalid port number"), -1;
      long port = 0;
      for (size_t k = hn + 1; k < an; k++) {
        if (!is_digit(auth[k])) return fail(err, errlen, "invalid port number"), -1;
        port = port * 10 + (auth[k] - '0');
        if (port > 65535) return fail(err, errlen, "invalid port number"), -1;
      }
      if (an > hn + 1 && port != port_default) b.n += (size_t)sprintf(b.p + b.n, ":%ld", port);
    }
  }
  if (special) {
    put_path(&b, s + i, end - i);
  } else {
    put_encoded(&b, s + i, end - i, NULL);
  }
  if (query < len) {
    putc1(&b, '?');
    put_encoded(&b, s + query + 1, (frag < len ? frag : len) - query - 1, special ? "'#" : "#");
  }
  if (frag < len) {
    putc1(&b, '#');
    put_encoded(&b, s + frag + 1, len - frag - 1, "`");
  }
  b.p[b.n] = '\0';
  return (long)b.n;
}

/* }====================== */
