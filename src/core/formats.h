/* String formats: UUID, e-mail, IP addresses, base64, and the strict RFC 3339 / RFC 4122
 * forms JSON Schema's "format" keyword asks for.
 *
 * Two families live here. The pydantic ones accept what pydantic v2 accepts and explain a
 * failure in pydantic's words (the uuid crate's messages, email_validator's reasons);
 * they also give the canonical text of a valid value. The lg_format_* checks answer yes
 * or no for JSON Schema formats, which are stricter (RFC 3339 times need an offset,
 * UUIDs need their hyphens, e-mail follows RFC 5321 with quoted local parts and address
 * literals).
 * This file's layer: libc only. */
#ifndef LG_FORMATS_H
#define LG_FORMATS_H

#include <stddef.h>
#include <stdint.h>

/* {====================== pydantic types ====================== */

/* Parses a UUID in any form the uuid crate takes (32 hex digits, hyphenated, {braced},
 * urn:uuid:). Returns LG_OK with the 16 bytes, or LG_ERR with the crate's message in err
 * ("invalid group count: expected 5, found 3"). */
int lg_uuid_parse(const char *s, size_t n, uint8_t out[16], char *err, size_t errlen);
/* Lowercase hyphenated text (36 characters + NUL). */
void lg_uuid_format(const uint8_t u[16], char out[37]);
/* The version nibble (0..15). */
int lg_uuid_version(const uint8_t u[16]);

/* Validates an e-mail address the way pydantic's EmailStr does (email_validator, without
 * DNS): writes the normalized address (domain lowercased) to norm (capacity n + 1) and
 * returns LG_OK, or LG_ERR with email_validator's reason in err
 * ("The part after the @-sign is not valid. It should have a period."). */
int lg_email_validate(const char *s, size_t n, char *norm, char *err, size_t errlen);

/* Dotted-quad IPv4 (no leading zeros, as Python's ipaddress). LG_OK or LG_ERR. */
int lg_ipv4_parse(const char *s, size_t n, uint8_t out[4]);
/* IPv6 in RFC 4291 text form, with an optional trailing dotted quad; no zone id. */
int lg_ipv6_parse(const char *s, size_t n, uint8_t out[16]);
/* Python's str() of the address: "192.168.0.1", "2001:db8::1" (longest zero run
 * compressed, lowercase, never a dotted tail). Returns the length written. */
int lg_ipv4_format(const uint8_t a[4], char out[16]);
int lg_ipv6_format(const uint8_t a[16], char out[40]);

/* Decodes standard base64 (RFC 4648 alphabet, '=' padding required) strictly. Returns
 * the decoded length (out needs n / 4 * 3 bytes), or -1 with Python's binascii message in
 * err ("Incorrect padding", "Only base64 data is allowed"). out may be NULL to validate. */
long lg_base64_decode(const char *s, size_t n, unsigned char *out, char *err, size_t errlen);

/* }====================== */

/* {====================== JSON Schema formats ====================== */

int lg_format_date(const char *s, size_t n);        /* RFC 3339 full-date */
int lg_format_time(const char *s, size_t n);        /* RFC 3339 full-time (offset required) */
int lg_format_datetime(const char *s, size_t n);    /* RFC 3339 date-time */
int lg_format_uuid(const char *s, size_t n);        /* RFC 4122: 8-4-4-4-12 hex digits */
int lg_format_email(const char *s, size_t n);       /* RFC 5321 Mailbox */
int lg_format_ipv4(const char *s, size_t n);
int lg_format_ipv6(const char *s, size_t n);

/* }====================== */

#endif
