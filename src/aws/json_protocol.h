/* The AWS JSON protocol (versions 1.0 and 1.1) that Athena, Glue and most non-S3 services
 * speak: every call is a signed POST of a JSON document to the endpoint's root, naming
 * the operation in X-Amz-Target; errors come back as {"__type": ..., "message": ...}.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html */
#ifndef LG_AWS_JSON_PROTOCOL_H
#define LG_AWS_JSON_PROTOCOL_H

#include <stddef.h>

#include <jansson.h>

#include "aws/client.h"

/* One call of `operation` ("StartQueryExecution") with `input` (an object; not taken
 * over) to the client's endpoint, as `target_prefix.operation` ("AmazonAthena.Start...")
 * with Content-Type application/x-amz-json-<version> ("1.1"). Retries as aws/request.c
 * decides. On LG_OK *output is the answer document (an object; the caller json_decref's
 * it). On LG_ERR err says why: "athena: StartQueryExecution: 400 InvalidRequestException
 * (...)". timeout_ms 0: the transport's default. */
int lg_aws_json_call(lg_aws_client *c, const char *version, const char *target_prefix,
                     const char *operation, json_t *input, long timeout_ms, json_t **output,
                     lg_aws_error *err);

/* Reads a JSON error document: the code from "__type" (without the namespace before '#'
 * and anything after ':') or "code", the message from "message" or "Message". Writes ""
 * for what is absent. An XML error document (from a proxy in between) is read as such.
 * A lg_aws_service.parse_error. */
void lg_aws_json_error(const char *body, size_t len, char *code, size_t codelen, char *msg,
                       size_t msglen);

#endif
