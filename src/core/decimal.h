/* Decimal numbers as Python's decimal.Decimal reads and prints them, for pydantic's
 * Decimal fields: "1.50" stays "1.50", "1e3" prints as "1E+3", and the digit counts that
 * max_digits / decimal_places check are pydantic's.
 * This file's layer: libc only. */
#ifndef LG_DECIMAL_H
#define LG_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

typedef enum lg_decimal_kind { LG_DEC_FINITE, LG_DEC_INF, LG_DEC_NAN } lg_decimal_kind;

typedef struct lg_decimal {
  lg_decimal_kind kind;
  int negative;
  char *digits;        /* coefficient without leading zeros ("0" for zero); caller's buffer */
  size_t ndigits;
  int64_t exponent;    /* value = coefficient * 10^exponent */
} lg_decimal;

/* Parses s[0..n) with Python's Decimal syntax (surrounding whitespace, '_' between digits,
 * Infinity/Inf/NaN in any case). digits must hold n bytes. Returns LG_OK or LG_ERR. */
int lg_decimal_parse(const char *s, size_t n, char *digits, lg_decimal *out);

/* Python's str(Decimal): "1.50", "-0.001", "1E+3", "Infinity", "NaN". out needs
 * ndigits + 32 bytes. Returns the length. */
size_t lg_decimal_format(const lg_decimal *d, char *out);

/* pydantic's counts: total digits and decimal places, as given and after normalize(). */
void lg_decimal_counts(const lg_decimal *d, uint64_t *digits, uint64_t *decimals,
                       uint64_t *norm_digits, uint64_t *norm_decimals);

/* -1, 0 or 1 as a < b, a == b, a > b (finite or infinite; NaN is not comparable: 2). */
int lg_decimal_cmp(const lg_decimal *a, const lg_decimal *b);

/* 1 if x is an integer multiple of m, 0 if not, LG_ERR if m is zero or the check needs
 * more than 38 significant digits of m. */
int lg_decimal_is_multiple(const lg_decimal *x, const lg_decimal *m);

#endif
