/* A small reader for the XML documents AWS services answer with (S3 errors, listings,
 * multipart uploads), on expat: it reports each element with its path from the root
 * ("ListBucketResult/Contents/Key") when it opens and, with its text, when it closes. */
#ifndef LG_AWS_XML_H
#define LG_AWS_XML_H

#include <stddef.h>

/* text is NULL when the element opens, and its text content (entities decoded,
 * NUL-terminated) when it closes. Paths deeper than 255 bytes are not reported. */
typedef void (*lg_xml_fn)(void *ud, const char *path, const char *text, size_t len);

/* Walks the document. Returns LG_OK, or LG_ERR with a message in err (not XML). */
int lg_xml_walk(const char *xml, size_t len, lg_xml_fn fn, void *ud, char *err, size_t errlen);

/* The S3/AWS XML error document: <Error><Code>..</Code><Message>..</Message></Error>,
 * also inside <ErrorResponse> (and its <Errors>), as the query protocol sends it.
 * Writes "" for what is absent (also when the body is not XML). */
void lg_xml_error(const char *body, size_t len, char *code, size_t codelen, char *msg,
                  size_t msglen);

#endif
