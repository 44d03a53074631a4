/* Python-compatible decimal parsing, printing and comparison (see decimal.h). */
#include "core/decimal.h"
#include "util/common.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Reads digits with single '_' separators between them into dst (may be NULL).
 * Returns the count of digits and advances *p, or -1 on a misplaced underscore. */
static long read_digits(const unsigned char **p, const unsigned char *end, char *dst) {
  const unsigned char *q = *p;
  long count = 0;
  while (q < end) {
    if (is_digit(*q)) {
      if (dst) dst[count] = (char)*q;
      count++;
      q++;
    } else if (*q == '_' && count > 0 && q + 1 < end && is_digit(q[1])) {
      q++;
    } else {
      break;
    }
  }
  *p = q;
  return count;
}

int lg_decimal_parse(const char *str, size_t n, char *digits, lg_decimal *out) {
  const unsigned char *p = (const unsigned char *)str, *end = p + n;
  while (p < end && is_space(*p)) p++;
  while (end > p && is_space(end[-1])) end--;
  memset(out, 0, sizeof *out);
  out->digits = digits;
  if (p < end && (*p == '+' || *p == '-')) out->negative = *p++ == '-';
  size_t rest = (size_t)(end - p);
  if ((rest == 3 && strncasecmp((const char *)p, "inf", 3) == 0) ||
      (rest == 8 && strncasecmp((const char *)p, "infinity", 8) == 0)) {
    out->kind = LG_DEC_INF;
    return LG_OK;
  }
  if (rest >= 3 && strncasecmp((const char *)p, "nan", 3) == 0) {
    for (const unsigned char *q = p + 3; q < end; q++) if (!is_digit(*q)) return LG_ERR;
    out->kind = LG_DEC_NAN;
    return LG_OK;
  }
  long whole = read_digits(&p, end, digits), frac = 0;
  if (whole < 0) return LG_ERR;
  if (p < end && *p == '.') {
    p++;
    frac = read_digits(&p, end, digits + whole);
  }
  if (whole + frac == 0) return LG_ERR;
  int64_t exp = -frac;
  if (p < end && (*p | 0x20) == 'e') {
    p++;
    int neg = 0;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    int64_t e = 0;
    const unsigned char *start = p;
    while (p < end && (is_digit(*p) || (*p == '_' && p > start && p + 1 < end && is_digit(p[1])))) {
      if (*p != '_' && e < 100000000000000LL) e = e * 10 + (*p - '0');
      p++;
    }
    if (p == start) return LG_ERR;
    exp += neg ? -e : e;
  }
  if (p != end) return LG_ERR;
  size_t total = (size_t)(whole + frac), lead = 0;
  while (lead + 1 < total && digits[lead] == '0') lead++;
  memmove(digits, digits + lead, total - lead);
  out->ndigits = total - lead;
  out->exponent = exp;
  return LG_OK;
}

size_t lg_decimal_format(const lg_decimal *d, char *out) {
  size_t k = 0;
  if (d->negative) out[k++] = '-';
  if (d->kind == LG_DEC_INF) return k + (size_t)sprintf(out + k, "Infinity");
  if (d->kind == LG_DEC_NAN) return k + (size_t)sprintf(out + k, "NaN");
  int64_t len = (int64_t)d->ndigits, e = d->exponent, adjusted = e + len - 1;
  if (e <= 0 && adjusted >= -6) {
    if (e == 0) {
      memcpy(out + k, d->digits, d->ndigits);
      k += d->ndigits;
    } else if (len > -e) {
      size_t point = (size_t)(len + e);
      memcpy(out + k, d->digits, point);
      k += point;
      out[k++] = '.';
      memcpy(out + k, d->digits + point, d->ndigits - point);
      k += d->ndigits - point;
    } else {
      out[k++] = '0';
      out[k++] = '.';
      for (int64_t z = 0; z < -e - len; z++) out[k++] = '0';
      memcpy(out + k, d->digits, d->ndigits);
      k += d->ndigits;
    }
  } else {
    out[k++] = d->digits[0];
    if (d->ndigits > 1) {
      out[k++] = '.';
      memcpy(out + k, d->digits + 1, d->ndigits - 1);
      k += d->ndigits - 1;
    }
    k += (size_t)sprintf(out + k, "E%c%lld", adjusted < 0 ? '-' : '+', (long long)(adjusted < 0 ? -adjusted : adjusted));
  }
  out[k] = '\0';
  return k;
}

static void counts(size_t ndigits, int64_t exp, uint64_t *digits, uint64_t *decimals) {
  if (exp >= 0) {
    *decimals = 0;
    *digits = ndigits + (uint64_t)exp;
  } else {
    *decimals = (uint64_t)-exp;
    *digits = ndigits > *decimals ? ndigits : *decimals;
  }
}

void lg_decimal_counts(const lg_decimal *d, uint64_t *digits, uint64_t *decimals,
                       uint64_t *norm_digits, uint64_t *norm_decimals) {
  counts(d->ndigits, d->exponent, digits, decimals);
  size_t n = d->ndigits;
  int64_t e = d->exponent;
  if (n == 1 && d->digits[0] == '0') {
    e = 0;                                    /* normalize() of a zero is 0 */
  } else {
    while (n > 1 && d->digits[n - 1] == '0') { n--; e++; }
  }
  counts(n, e, norm_digits, norm_decimals);
}

static int is_zero(const lg_decimal *d) { return d->ndigits == 1 && d->digits[0] == '0'; }

/* Compares magnitudes of two finite non-zero decimals. */
static int cmp_abs(const lg_decimal *a, const lg_decimal *b) {
  int64_t ea = a->exponent + (int64_t)a->ndigits, eb = b->exponent + (int64_t)b->ndigits;
  if (ea != eb) return ea < eb ? -1 : 1;
  size_t n = a->ndigits > b->ndigits ? a->ndigits : b->ndigits;
  for (size_t i = 0; i < n; i++) {
    int da = i < a->ndigits ? a->digits[i] : '0', db = i < b->ndigits ? b->digits[i] : '0';
    if (da != db) return da < db ? -1 : 1;
  }
  return 0;
}

int lg_decimal_cmp(const lg_decimal *a, const lg_decimal *b) {
  if (a->kind == LG_DEC_NAN || b->kind == LG_DEC_NAN) return 2;
  int sa = a->kind == LG_DEC_INF || !is_zero(a) ? (a->negative ? -1 : 1) : 0;
  int sb = b->kind == LG_DEC_INF || !is_zero(b) ? (b->negative ? -1 : 1) : 0;
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  if (a->kind == LG_DEC_INF || b->kind == LG_DEC_INF) {
    if (a->kind == b->kind) return 0;
    return (a->kind == LG_DEC_INF ? 1 : -1) * sa;
  }
  return cmp_abs(a, b) * sa;
}

int lg_decimal_is_multiple(const lg_decimal *x, const lg_decimal *m) {
  if (m->kind != LG_DEC_FINITE || is_zero(m) || x->kind != LG_DEC_FINITE) return LG_ERR;
  if (is_zero(x)) return 1;
  int64_t e = x->exponent < m->exponent ? x->exponent : m->exponent;
  int64_t mz = m->exponent - e;   /* zeros appended to m's coefficient */
  if ((int64_t)m->ndigits + mz > 38) return LG_ERR;
  unsigned __int128 mod = 0;
  for (size_t i = 0; i < m->ndigits; i++) mod = mod * 10 + (unsigned)(m->digits[i] - '0');
  for (int64_t i = 0; i < mz; i++) mod *= 10;
  if (mod == 0) return LG_ERR;   /* m is not zero (checked above); this keeps the analyzer sure */
  /* x's coefficient followed by (x->exponent - e) zeros, reduced mod m digit by digit */
  unsigned __int128 r = 0;
  for (size_t i = 0; i < x->ndigits; i++) r = (r * 10 + (unsigned)(x->digits[i] - '0')) % mod;
  for (int64_t i = 0; i < x->exponent - e; i++) {
    r = r * 10 % mod;
    if (r == 0) break;
  }
  return r == 0;
}
