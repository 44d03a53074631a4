#!/usr/bin/env python3
"""boto3 as an independent S3 and Athena client for the tests: reads a JSON list of
operations on stdin, runs them in order, prints a JSON list of results.

    python3 boto_check.py ENDPOINT REGION ACCESS_KEY_ID SECRET_ACCESS_KEY < ops.json

Operations: {"op": "list", "bucket", "prefix"} -> [{"key", "size", "etag"}...] (every page)
            {"op": "create_bucket", "bucket"} -> {}
            {"op": "get", "bucket", "key"} -> {"body_hex", "content_type", "content_encoding", "etag",
                                               "sse", "kms_key_id"}
            {"op": "head", "bucket", "key"} -> {"status", "size"} (status 404 if missing)
            {"op": "put", "bucket", "key", "body_hex", "content_type"} -> {"etag"}
            {"op": "athena_execution", "query_id"} -> {"state", "query", "parameters",
                                                       "database", "output"}
"""
import json
import sys

import boto3
import botocore.exceptions


def athena_execution(athena, op):
    q = athena.get_query_execution(QueryExecutionId=op["query_id"])["QueryExecution"]
    return {"state": q["Status"]["State"], "query": q["Query"],
            "parameters": q.get("ExecutionParameters"),
            "database": (q.get("QueryExecutionContext") or {}).get("Database"),
            "output": (q.get("ResultConfiguration") or {}).get("OutputLocation")}


def run(s3, athena, op):
    kind = op["op"]
    if kind == "athena_execution":
        return athena_execution(athena, op)
    if kind == "list":
        found = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=op["bucket"],
                                                                  Prefix=op.get("prefix", "")):
            found += [{"key": o["Key"], "size": o["Size"], "etag": o["ETag"]}
                      for o in page.get("Contents", [])]
        return found
    if kind == "get":
        r = s3.get_object(Bucket=op["bucket"], Key=op["key"])
        return {"body_hex": r["Body"].read().hex(), "content_type": r.get("ContentType"),
                "content_encoding": r.get("ContentEncoding"), "etag": r["ETag"],
                "sse": r.get("ServerSideEncryption"), "kms_key_id": r.get("SSEKMSKeyId")}
    if kind == "head":
        try:
            r = s3.head_object(Bucket=op["bucket"], Key=op["key"])
            return {"status": 200, "size": r["ContentLength"]}
        except botocore.exceptions.ClientError as e:
            return {"status": int(e.response["ResponseMetadata"]["HTTPStatusCode"])}
    if kind == "put":
        r = s3.put_object(Bucket=op["bucket"], Key=op["key"], Body=bytes.fromhex(op["body_hex"]),
                          ContentType=op.get("content_type", "binary/octet-stream"))
        return {"etag": r["ETag"]}
    if kind == "create_bucket":
        s3.create_bucket(Bucket=op["bucket"])
        return {}
    raise ValueError("unknown operation %r" % kind)


def main():
    endpoint, region, key_id, secret = sys.argv[1:5]
    clients = [boto3.client(service, endpoint_url=endpoint, region_name=region,
                            aws_access_key_id=key_id, aws_secret_access_key=secret)
               for service in ("s3", "athena")]
    print(json.dumps([run(*clients, op) for op in json.load(sys.stdin)]))


if __name__ == "__main__":
    main()
