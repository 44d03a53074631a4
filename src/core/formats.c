/* UUID, e-mail, IP and base64 checks and the strict JSON Schema formats (see formats.h). */
#include "core/formats.h"
#include "core/utf8.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* {====================== UUID ====================== */

/* Reads 36 characters of 8-4-4-4-12 hex groups into out. */
static int uuid_hyphenated(const unsigned char *s, uint8_t out[16]) {
  int k = 0;
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return LG_ERR;
      continue;
    }
    int h = hexval(s[i]);
    if (h < 0) return LG_ERR;
    if (k % 2 == 0) out[k / 2] = (uint8_t)(h << 4);
    else out[k / 2] |= (uint8_t)h;
    k++;
  }
  return LG_OK;
}

static int uuid_simple(const unsigned char *s, uint8_t out[16]) {
  for (int i = 0; i < 32; i++) {
    int h = hexval(s[i]);
    if (h < 0) return LG_ERR;
    if (i % 2 == 0) out[i / 2] = (uint8_t)(h << 4);
    else out[i / 2] |= (uint8_t)h;
  }
  return LG_OK;
}

/* The uuid crate's explanation of why s is not a UUID (its InvalidUuid::into_err). */
static void uuid_error(const unsigned char *s, size_t n, char *err, size_t errlen) {
  const unsigned char *u = s;
  size_t un = n, offset = 0;
  int simple = 1;
  if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
    u = s + 1; un = n - 2; offset = 1; simple = 0;
  } else if (n >= 9 && memcmp(s, "urn:uuid:", 9) == 0) {
    u = s + 9; un = n - 9; offset = 9; simple = 0;
  }
  size_t hyphens = 0, bounds[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < un;) {
    if (u[i] >= 0x80) {
      const unsigned char *next = lg_utf8_next(u + i, u + un);
      size_t len = next ? (size_t)(next - (u + i)) : 1;
      snprintf(err, errlen, "invalid character: expected an optional prefix of `urn:uuid:` followed by "
               "[0-9a-fA-F-], found `%.*s` at %zu", (int)len, (const char *)u + i, i + offset + 1);
      return;
    }
    if (u[i] == '-') {
      if (hyphens < 4) bounds[hyphens] = i;
      hyphens++;
    } else if (hexval(u[i]) < 0) {
      snprintf(err, errlen, "invalid character: expected an optional prefix of `urn:uuid:` followed by "
               "[0-9a-fA-F-], found `%c` at %zu", u[i], i + offset + 1);
      return;
    }
    i++;
  }
  if (hyphens == 0 && simple) {
    snprintf(err, errlen, "invalid length: expected length 32 for simple format, found %zu", n);
    return;
  }
  if (hyphens != 4) {
    snprintf(err, errlen, "invalid group count: expected 5, found %zu", hyphens + 1);
    return;
  }
  static const size_t starts[5] = {0, 9, 14, 19, 24}, expected[5] = {8, 4, 4, 4, 12};
  for (int i = 0; i < 4; i++) {
    if (bounds[i] != starts[i + 1] - 1) {
      snprintf(err, errlen, "invalid group length in group %d: expected %zu, found %zu", i, expected[i],
               bounds[i] - starts[i]);
      return;
    }
  }
  snprintf(err, errlen, "invalid group length in group 4: expected 12, found %zu", n >= 24 ? n - 24 : 0);
}

int lg_uuid_parse(const char *str, size_t n, uint8_t out[16], char *err, size_t errlen) {
  const unsigned char *s = (const unsigned char *)str;
  int rc = LG_ERR;
  if (n == 32) rc = uuid_simple(s, out);
  else if (n == 36) rc = uuid_hyphenated(s, out);
  else if (n == 38 && s[0] == '{' && s[37] == '}') rc = uuid_hyphenated(s + 1, out);
  else if (n == 45 && memcmp(s, "urn:uuid:", 9) == 0) rc = uuid_hyphenated(s + 9, out);
  if (rc != LG_OK) uuid_error(s, n, err, errlen);
  return rc;
}

void lg_uuid_format(const uint8_t u[16], char out[37]) {
  static const char hex[] = "0123456789abcdef";
  int k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
    out[k++] = hex[u[i] >> 4];
    out[k++] = hex[u[i] & 15];
  }
  out[k] = '\0';
}

int lg_uuid_version(const uint8_t u[16]) { return u[6] >> 4; }

int lg_format_uuid(const char *s, size_t n) {
  uint8_t u[16];
  return n == 36 && uuid_hyphenated((const unsigned char *)s, u) == LG_OK;
}

/* }====================== */

/* {====================== IP addresses ====================== */

/* One decimal octet at *p: 1-3 ASCII digits, no leading zero, <= 255. */
static int octet(const unsigned char **p, const unsigned char *end, uint8_t *out) {
  const unsigned char *q = *p;
  int v = 0, digits = 0;
  while (q < end && is_digit(*q) && digits < 4) { v = v * 10 + (*q - '0'); q++; digits++; }
  if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && **p == '0')) return LG_ERR;
  *out = (uint8_t)v;
  *p = q;
  return LG_OK;
}

int lg_ipv4_parse(const char *str, size_t n, uint8_t out[4]) {
  const unsigned char *p = (const unsigned char *)str, *end = p + n;
  for (int i = 0; i < 4; i++) {
    if (i > 0 && (p >= end || *p++ != '.')) return LG_ERR;
    if (octet(&p, end, &out[i]) != LG_OK) return LG_ERR;
  }
  return p == end ? LG_OK : LG_ERR;
}

int lg_ipv6_parse(const char *str, size_t n, uint8_t out[16]) {
  const unsigned char *p = (const unsigned char *)str, *end = p + n;
  uint16_t groups[8];
  int ngroups = 0, gap = -1;   /* gap: index where "::" stands */
  if (n < 2) return LG_ERR;
  if (p[0] == ':') {
    if (p[1] != ':') return LG_ERR;
    gap = 0;
    p += 2;
    if (p == end) goto done;
  }
  for (;;) {
    /* an IPv4 tail: digits followed by '.' */
    const unsigned char *q = p;
    while (q < end && hexval(*q) >= 0) q++;
    if (q < end && *q == '.') {
      uint8_t v4[4];
      if (ngroups > 6 || lg_ipv4_parse((const char *)p, (size_t)(end - p), v4) != LG_OK) return LG_ERR;
      groups[ngroups++] = (uint16_t)(v4[0] << 8 | v4[1]);
      groups[ngroups++] = (uint16_t)(v4[2] << 8 | v4[3]);
      break;
    }
    if (q == p || q - p > 4 || ngroups == 8) return LG_ERR;
    unsigned v = 0;
    for (; p < q; p++) v = v << 4 | (unsigned)hexval(*p);
    groups[ngroups++] = (uint16_t)v;
    if (p == end) break;
    if (*p != ':') return LG_ERR;
    p++;
    if (p < end && *p == ':') {
      if (gap >= 0) return LG_ERR;
      gap = ngroups;
      p++;
      if (p == end) break;
    } else if (p == end) {
      return LG_ERR;   /* a trailing single colon */
    }
  }
done:
  if (gap < 0 ? ngroups != 8 : ngroups > 7) return LG_ERR;
  memset(out, 0, 16);
  int tail = gap < 0 ? 0 : ngroups - gap, head = ngroups - tail;
  for (int i = 0; i < head; i++) { out[2 * i] = (uint8_t)(groups[i] >> 8); out[2 * i + 1] = (uint8_t)groups[i]; }
  for (int i = 0; i < tail; i++) {
    int slot = 8 - tail + i;
    out[2 * slot] = (uint8_t)(groups[head + i] >> 8);
    out[2 * slot + 1] = (uint8_t)groups[head + i];
  }
  return LG_OK;
}

int lg_ipv4_format(const uint8_t a[4], char out[16]) {
  return snprintf(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

int lg_ipv6_format(const uint8_t a[16], char out[40]) {
  unsigned g[8];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8; i++) g[i] = (unsigned)(a[2 * i] << 8 | a[2 * i + 1]);
  for (int i = 0; i < 8;) {   /* longest run of zero groups (Python compresses runs > 1) */
    if (g[i] != 0) { i++; continue; }
    int j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len) { best = i; best_len = j - i; }
    i = j;
  }
  if (best_len < 2) best = -1;
  int n = 0;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      n += snprintf(out + n, (size_t)(40 - n), "%s", i == 0 ? "::" : ":");
      i += best_len - 1;
      continue;
    }
    n += snprintf(out + n, (size_t)(40 - n), "%x%s", g[i], i < 7 ? ":" : "");
  }
  return n;
}

int lg_format_ipv4(const char *s, size_t n) {
  uint8_t a[4];
  return lg_ipv4_parse(s, n, a) == LG_OK;
}

int lg_format_ipv6(const char *s, size_t n) {
  uint8_t a[16];
  return lg_ipv6_parse(s, n, a) == LG_OK;
}

/* }====================== */

/* {====================== base64 ====================== */

static int b64val(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

long lg_base64_decode(const char *str, size_t n, unsigned char *out, char *err, size_t errlen) {
  const unsigned char *s = (const unsigned char *)str;
  size_t data = 0, pad = 0, k = 0;
  unsigned acc = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '=') {
      if (data % 4 < 2) {
        snprintf(err, errlen, data % 4 == 0 && data == 0 ? "Leading padding not allowed" :
                 "Discontinuous padding not allowed");
        return -1;
      }
      pad++;
      continue;
    }
    int v = b64val(s[i]);
    if (v < 0) { snprintf(err, errlen, "Only base64 data is allowed"); return -1; }
    if (pad) { snprintf(err, errlen, "Excess data after padding"); return -1; }
    acc = acc << 6 | (unsigned)v;
    data++;
    if (data % 4 == 0) {
      if (out) { out[k] = (unsigned char)(acc >> 16); out[k + 1] = (unsigned char)(acc >> 8); out[k + 2] = (unsigned char)acc; }
      k += 3;
      acc = 0;
    }
  }
  if (data % 4 == 1) {
    snprintf(err, errlen, "Invalid base64-encoded string: number of data characters (%zu) cannot be 1 more "
             "than a multiple of 4", data);
    return -1;
  }
  if (data % 4 != 0 && (data + pad) % 4 != 0) { snprintf(err, errlen, "Incorrect padding"); return -1; }
  if (data % 4 == 0 && pad) { snprintf(err, errlen, "Excess data after padding"); return -1; }
  if (data % 4 == 2) { if (out) out[k] = (unsigned char)(acc >> 4); k += 1; }
  else if (data % 4 == 3) { if (out) { out[k] = (unsigned char)(acc >> 10); out[k + 1] = (unsigned char)(acc >> 2); } k += 2; }
  return (long)k;
}

/* }====================== */

/* {====================== e-mail (pydantic's EmailStr) ====================== */

/* RFC 5322 atext. */
static int is_atext(int c) {
  return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Python's safe_character_display for one ASCII character, as email_validator quotes it. */
static void display_char(int c, char *out, size_t len) {
  if (c == ' ') snprintf(out, len, "SPACE");
  else if (c < 0x20 || c == 0x7f) snprintf(out, len, "U+%04X", c);
  else if (c == '\'') snprintf(out, len, "\"'\"");
  else if (c == '\\') snprintf(out, len, "'\\\\'");
  else snprintf(out, len, "'%c'", c);
}

static int compare_display(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

/* email_validator's "contains invalid characters" message: the sorted, distinct displays
 * of the characters of s[0..n) that ok() refuses (non-ASCII bytes are allowed). */
static void bad_chars_message(const unsigned char *s, size_t n, int (*ok)(int), const char *prefix,
                              char *err, size_t errlen) {
  char shown[96][12];
  int count = 0;
  for (size_t i = 0; i < n && count < 96; i++) {
    if (s[i] >= 0x80 || ok(s[i])) continue;
    char d[12];
    display_char(s[i], d, sizeof d);
    int seen = 0;
    for (int j = 0; j < count; j++) seen |= strcmp(shown[j], d) == 0;
    if (!seen) memcpy(shown[count++], d, sizeof d);
  }
  qsort(shown, (size_t)count, sizeof shown[0], compare_display);
  size_t k = (size_t)snprintf(err, errlen, "%s", prefix);
  for (int j = 0; j < count && k < errlen; j++)
    k += (size_t)snprintf(err + k, errlen - k, "%s%s", j ? ", " : "", shown[j]);
  if (k < errlen) snprintf(err + k, errlen - k, ".");
}

static int is_hostname_char(int c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.'; }

static const char *too_many(size_t over, char *buf, size_t len) {
  snprintf(buf, len, "(%zu character%s too many)", over, over > 1 ? "s" : "");
  return buf;
}

/* The dot-atom rules of email_validator's check_dot_atom. */
static int dot_atom_error(const unsigned char *s, size_t n, int hostname, char *err, size_t errlen) {
  const char *where_end = hostname ? "end with a %s" : "have a %s immediately before the @-sign";
  const char *where_start = hostname ? "have a %s immediately after the @-sign" : "start with a %s";
  char fmt[96];
  if (n && s[n - 1] == '.') { snprintf(fmt, sizeof fmt, "An email address cannot %s.", where_end); snprintf(err, errlen, fmt, "period"); return 1; }
  if (n && s[0] == '.') { snprintf(fmt, sizeof fmt, "An email address cannot %s.", where_start); snprintf(err, errlen, fmt, "period"); return 1; }
  if (memmem(s, n, "..", 2)) { snprintf(err, errlen, "An email address cannot have two periods in a row."); return 1; }
  if (!hostname) return 0;
  if (n && s[n - 1] == '-') { snprintf(fmt, sizeof fmt, "An email address cannot %s.", where_end); snprintf(err, errlen, fmt, "hyphen"); return 1; }
  if (n && s[0] == '-') { snprintf(fmt, sizeof fmt, "An email address cannot %s.", where_start); snprintf(err, errlen, fmt, "hyphen"); return 1; }
  if (memmem(s, n, ".-", 2) || memmem(s, n, "-.", 2)) {
    snprintf(err, errlen, "An email address cannot have a period and a hyphen next to each other.");
    return 1;
  }
  return 0;
}

static int local_part_error(const unsigned char *s, size_t n, char *err, size_t errlen) {
  char buf[48];
  if (n == 0) { snprintf(err, errlen, "There must be something before the @-sign."); return 1; }
  long chars = lg_utf8_len((const char *)s, n);
  if (chars > 64) {
    snprintf(err, errlen, "The email address is too long before the @-sign %s.", too_many((size_t)chars - 64, buf, sizeof buf));
    return 1;
  }
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= s[i] < 0x80 && !is_atext(s[i]) && s[i] != '.';
  if (bad) {
    bad_chars_message(s, n, is_atext, "The email address contains invalid characters before the @-sign: ", err, errlen);
    return 1;
  }
  return dot_atom_error(s, n, 0, err, errlen);
}

static int domain_error(const unsigned char *s, size_t n, char *err, size_t errlen) {
  static const char *const special[] = {"arpa", "invalid", "local", "localhost", "onion", "test"};
  char buf[48];
  if (n == 0) { snprintf(err, errlen, "There must be something after the @-sign."); return 1; }
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= s[i] < 0x80 && !is_hostname_char(s[i]);
  if (bad) {
    bad_chars_message(s, n, is_hostname_char, "The part after the @-sign contains invalid characters: ", err, errlen);
    return 1;
  }
  if (dot_atom_error(s, n, 1, err, errlen)) return 1;
  for (size_t i = 0; i < n;) {   /* per label */
    size_t j = i;
    while (j < n && s[j] != '.') j++;
    if (j - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-' && !((s[i] | 0x20) == 'x' && (s[i + 1] | 0x20) == 'n')) {
      snprintf(err, errlen, "An email address cannot have two letters followed by two dashes immediately after "
               "the @-sign or after a period, except Punycode.");
      return 1;
    }
    if (j - i > 63) {
      snprintf(err, errlen, "After the @-sign, periods cannot be separated by so many characters %s.",
               too_many(j - i - 63, buf, sizeof buf));
      return 1;
    }
    i = j + 1;
  }
  if (n > 253) {
    snprintf(err, errlen, "The email address is too long after the @-sign %s.", too_many(n - 253, buf, sizeof buf));
    return 1;
  }
  if (memchr(s, '.', n) == NULL) {
    snprintf(err, errlen, "The part after the @-sign is not valid. It should have a period.");
    return 1;
  }
  if (!is_alpha(s[n - 1]) && s[n - 1] < 0x80) {
    snprintf(err, errlen, "The part after the @-sign is not valid. It is not within a valid top-level domain.");
    return 1;
  }
  for (size_t k = 0; k < LG_ARRAY_LEN(special); k++) {
    size_t m = strlen(special[k]);
    if (n >= m && strncasecmp((const char *)s + n - m, special[k], m) == 0 && (n == m || s[n - m - 1] == '.')) {
      snprintf(err, errlen, "The part after the @-sign is a special-use or reserved name that cannot be used with email.");
      return 1;
    }
  }
  return 0;
}

int lg_email_validate(const char *str, size_t n, char *norm, char *err, size_t errlen) {
  const unsigned char *s = (const unsigned char *)str;
  char buf[48];
  if (n > 0 && s[0] == '"') {
    snprintf(err, errlen, "Quoting the part before the @-sign is not allowed here.");
    return LG_ERR;
  }
  const unsigned char *at = memchr(s, '@', n);
  if (at == NULL) { snprintf(err, errlen, "An email address must have an @-sign."); return LG_ERR; }
  if (memchr(at + 1, '@', n - (size_t)(at + 1 - s)) != NULL) {
    snprintf(err, errlen, "The email address is not valid. It must have exactly one @-sign.");
    return LG_ERR;
  }
  size_t ln = (size_t)(at - s), dn = n - ln - 1;
  const unsigned char *d = at + 1;
  if (local_part_error(s, ln, err, errlen)) return LG_ERR;
  if (dn >= 2 && d[0] == '[' && d[dn - 1] == ']') {
    snprintf(err, errlen, "A bracketed IP address after the @-sign is not allowed here.");
    return LG_ERR;
  }
  if (domain_error(d, dn, err, errlen)) return LG_ERR;
  if (n > 254) {
    snprintf(err, errlen, "The email address is too long %s.", too_many(n - 254, buf, sizeof buf));
    return LG_ERR;
  }
  memcpy(norm, s, ln + 1);
  for (size_t i = 0; i < dn; i++) norm[ln + 1 + i] = (char)(d[i] < 0x80 && is_alpha(d[i]) ? d[i] | 0x20 : d[i]);
  norm[n] = '\0';
  return LG_OK;
}

/* }====================== */

/* {====================== JSON Schema formats ====================== */

static int two_digits(const unsigned char *s, int *v) {
  if (!is_digit(s[0]) || !is_digit(s[1])) return 0;
  *v = (s[0] - '0') * 10 + (s[1] - '0');
  return 1;
}

static int leap_year(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

static int rfc3339_date(const unsigned char *s, size_t n) {
  int y1, y2, m, d;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (n != 10 || !two_digits(s, &y1) || !two_digits(s + 2, &y2) || s[4] != '-' || !two_digits(s + 5, &m) ||
      s[7] != '-' || !two_digits(s + 8, &d))
    return 0;
  int y = y1 * 100 + y2;
  if (m < 1 || m > 12 || d < 1) return 0;
  return d <= (m == 2 && leap_year(y) ? 29 : mdays[m - 1]);
}

/* RFC 3339 full-time; a leap second must fall on 23:59:60 UTC. */
static int rfc3339_time(const unsigned char *s, size_t n) {
  int h, m, sec, oh = 0, om = 0, sign = 0;
  if (n < 9 || !two_digits(s, &h) || s[2] != ':' || !two_digits(s + 3, &m) || s[5] != ':' || !two_digits(s + 6, &sec))
    return 0;
  size_t i = 8;
  if (i < n && s[i] == '.') {
    size_t start = ++i;
    while (i < n && is_digit(s[i])) i++;
    if (i == start) return 0;
  }
  if (i >= n) return 0;
  if ((s[i] | 0x20) == 'z') {
    i++;
  } else if (s[i] == '+' || s[i] == '-') {
    sign = s[i] == '+' ? 1 : -1;
    if (n - i != 6 || !two_digits(s + i + 1, &oh) || s[i + 3] != ':' || !two_digits(s + i + 4, &om)) return 0;
    i += 6;
  } else {
    return 0;
  }
  if (i != n || h > 23 || m > 59 || sec > 60 || oh > 23 || om > 59) return 0;
  if (sec == 60) {
    int utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return 0;
  }
  return 1;
}

int lg_format_date(const char *s, size_t n) { return rfc3339_date((const unsigned char *)s, n); }
int lg_format_time(const char *s, size_t n) { return rfc3339_time((const unsigned char *)s, n); }

int lg_format_datetime(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  return n > 11 && rfc3339_date(s, 10) && (s[10] | 0x20) == 't' && rfc3339_time(s + 11, n - 11);
}

/* RFC 5321 sub-domain: Let-dig [Ldh-str]. */
static int rfc5321_domain(const unsigned char *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[j] != '.') {
      if (!is_alpha(s[j]) && !is_digit(s[j]) && s[j] != '-') return 0;
      j++;
    }
    if (j == i || s[i] == '-' || s[j - 1] == '-') return 0;
    if (j == n) return 1;
    i = j + 1;
    if (i == n) return 0;
  }
  return 1;
}

int lg_format_email(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str, *end = s + n, *p = s;
  if (p < end && *p == '"') {   /* Quoted-string */
    for (p++; p < end && *p != '"'; p++) {
      if (*p == '\\') {
        if (++p == end || *p < 32 || *p > 126) return 0;
      } else if (*p < 32 || *p > 126) {
        return 0;
      }
    }
    if (p == end) return 0;
    p++;
  } else {                      /* Dot-string */
    const unsigned char *start = p;
    for (; p < end && *p != '@'; p++) {
      if (*p == '.') {
        if (p == start || p[-1] == '.') return 0;
      } else if (!is_atext(*p)) {
        return 0;
      }
    }
    if (p == start || p[-1] == '.') return 0;
  }
  if (p == end || *p != '@') return 0;
  const unsigned char *d = p + 1;
  size_t dn = (size_t)(end - d);
  if (dn >= 2 && d[0] == '[' && d[dn - 1] == ']') {
    uint8_t a[16];
    if (dn > 7 && memcmp(d + 1, "IPv6:", 5) == 0) return lg_ipv6_parse((const char *)d + 6, dn - 7, a) == LG_OK;
    return lg_ipv4_parse((const char *)d + 1, dn - 2, a) == LG_OK;
  }
  return rfc5321_domain(d, dn);
}

/* }====================== */
