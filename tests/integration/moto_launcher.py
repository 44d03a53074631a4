#!/usr/bin/env python3
"""Runs moto's server (S3, Athena, IAM) on 127.0.0.1 with signature checking on, for the tests.

Needs moto's server mode (`pip install 'moto[server]'`) in the Python that runs it; the
tests run it with the python3 on PATH (scripts/install-deps --test checks it imports).

    python3 moto_launcher.py [--port N] [--bucket NAME ...] [--parent-pid PID]

1. Signature checking: moto checks SigV4 signatures once INITIAL_NO_AUTH_ACTION_COUNT
   actions have been served. The launcher spends those actions on creating an IAM user,
   its access key and a policy (S3, Athena, Glue) through moto's IAM API; from then on
   every request must be signed with that key, and a wrong secret gets 403
   SignatureDoesNotMatch.
2. moto 5.2.1 recomputes the signature over the *decoded* request path and query, while
   S3 and every SDK sign the URI-encoded form: keys with '=' (Hive partitions, dt=...)
   and listings with prefix=lake/ fail with correct signatures, boto3's included. The
   launcher fixes moto, never the client: it canonicalizes the raw request target the way
   AWS documents it (each path segment decoded then URI-encoded once, '/' kept; each
   query name and value decoded then encoded, pairs sorted) before moto's check runs.
3. It prints one JSON line on stdout when ready:
   {"endpoint", "region", "access_key_id", "secret_access_key", "pid"}
   then serves until SIGTERM/SIGINT, or until the parent process (--parent-pid) is gone,
   so a crashed test never leaves it running.

Known moto gaps the tests work around: it accepts a wrong Content-MD5 and a wrong payload
hash (the tests read objects back to check the bytes), and answers a request without
Authorization with 500.
"""
import argparse
import json
import logging
import os
import sys
import threading
from urllib.parse import quote, unquote_to_bytes

# Three unauthenticated actions: CreateUser, CreateAccessKey, PutUserPolicy.
NO_AUTH_ACTIONS = 3
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(NO_AUTH_ACTIONS)
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")

import boto3  # noqa: E402  (after the environment is set: moto reads it on import)
from botocore.awsrequest import AWSRequest  # noqa: E402
from moto.iam import access_control  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

import serving  # noqa: E402

HOST = "127.0.0.1"
REGION = "us-east-1"
USER = "lakegate-test"
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": ["s3:*", "athena:*", "glue:*"], "Resource": "*"}]}

# ===================== the raw request target =====================

_request = threading.local()   # werkzeug serves each request on its own thread


def capture_raw_target(app):
    """WSGI middleware: remembers the request target exactly as the client sent it."""
    def wsgi(environ, start_response):
        _request.target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        return app(environ, start_response)
    return wsgi


def encode(data):
    """AWS URI encoding of bytes: everything but A-Z a-z 0-9 - _ . ~ as %XX."""
    return quote(data, safe="-_.~")


def canonical_path(raw_path):
    """Each segment decoded, then encoded once; '/' kept (S3 never normalizes)."""
    return "/".join(encode(unquote_to_bytes(seg)) for seg in raw_path.split("/"))


def canonical_query(raw_query):
    """Each name and value decoded, then encoded; pairs sorted by name, then value."""
    pairs = []
    for piece in raw_query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((encode(unquote_to_bytes(name)), encode(unquote_to_bytes(value))))
    return "&".join("%s=%s" % pair for pair in sorted(pairs))


def s3_request_from_raw_target(self):
    """Replaces S3IAMRequest._create_aws_request: the same request moto would build, but
    over the canonical form of the raw target instead of moto's decoded path."""
    raw = getattr(_request, "target", "") or self._path
    path, _, query = raw.partition("?")
    signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
    headers = self._create_headers_for_aws_request(signed, self._headers)
    url = canonical_path(path) + ("?" + canonical_query(query) if query else "")
    request = AWSRequest(method=self._method, url=url, data=self._body or self._data,
                         headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    return request


access_control.S3IAMRequest._create_aws_request = s3_request_from_raw_target

# ===================== serving =====================


def bootstrap(endpoint, buckets):
    """Spends the unauthenticated actions on an IAM user with its policy and its access
    key; then creates the buckets with that key (the first signed requests)."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName=USER)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    iam.put_user_policy(UserName=USER, PolicyName="lake-all", PolicyDocument=json.dumps(POLICY))
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                      aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    return key


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--bucket", action="append", default=[], help="create this bucket")
    ap.add_argument("--parent-pid", type=int, default=0, help="exit when this process exits")
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # errors only, not every request

    app = capture_raw_target(DomainDispatcherApplication(create_backend_app))
    server = make_server(HOST, args.port, app, threaded=True)
    endpoint = "http://%s:%d" % (HOST, server.server_port)

    def ready():
        key = bootstrap(endpoint, args.bucket)
        return {"endpoint": endpoint, "region": REGION, "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"]}
    return serving.serve(server, args.parent_pid, ready)


if __name__ == "__main__":
    sys.exit(main())
