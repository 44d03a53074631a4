#!/usr/bin/env python3
"""A stand-in for Amazon Athena that speaks its AWS JSON 1.1 protocol faithfully, for
the tests: what moto cannot do (page results, throttle, fail queries, run forever).

    python3 athena_stub.py [--port N] [--parent-pid PID]

- Requests are checked against Athena's service model as botocore ships it
  (athena/2017-05-18/service-2.json): the operation must exist, the input must have the
  model's shape (required members, types, lengths, ranges), else 400
  ValidationException. Answers are built with the model's member names.
- Every request's SigV4 signature is recomputed with botocore's signer (an
  implementation that is not lakegate's) from the headers the request says it signed:
  a wrong secret gets 403 InvalidSignatureException, an unknown key 403
  UnrecognizedClientException, no signature 403 MissingAuthenticationTokenException, a
  clock more than 15 minutes off 403 InvalidSignatureException (Signature expired).
- Queries walk QUEUED -> RUNNING -> SUCCEEDED (or FAILED, or stay RUNNING until
  StopQueryExecution cancels them), one step per GetQueryExecution, as the test's
  scenario for the query says. Results come in pages of MaxResults rows (1000 by
  default); a DML query's first page starts with the header row, as Athena's does, and
  NextToken continues it. ClientRequestToken makes StartQueryExecution idempotent.
- GetTableMetadata answers from a catalog the test fills; a missing table is a
  MetadataException naming EntityNotFoundException, as Athena's is.

The test drives it through plain (unsigned) HTTP on /_stub/:
  POST /_stub/scenario {"match": "text in the SQL", "polls": 2, "final": "SUCCEEDED",
                        "reason": "...", "columns": [{"name": "a", "type": "varchar"}],
                        "rows": [["x"], [null]], "statement_type": "DML"}
  POST /_stub/throttle {"operation": "GetQueryResults", "times": 2}
  POST /_stub/table {"database": "d", "name": "t", "columns": [{"name", "type"}],
                     "partition_keys": [...], "location": "s3://..."}
  GET  /_stub/log -> [{"operation", "input", "auth", "status", "error"}...]
  POST /_stub/reset
It prints one JSON line on stdout when ready:
  {"endpoint", "region", "access_key_id", "secret_access_key", "pid"}
then serves until SIGTERM/SIGINT, or until the parent process (--parent-pid) is gone.
"""
import argparse
import base64
import datetime
import json
import re
import secrets
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ParamValidationError
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

import serving

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCESS_KEY_ID = "AKIDATHENASTUB000001"
SIGNING_TIMESTAMP = "%Y%m%dT%H%M%SZ"
MAX_SKEW_S = 15 * 60
DDL_WORDS = ("ALTER", "CREATE", "DROP", "MSCK")
UTILITY_WORDS = ("DESCRIBE", "EXPLAIN", "SHOW")

MODEL = ServiceModel(Loader().load_service_model("athena", "service-2"), "athena")


class ApiError(Exception):
    """An error answer: HTTP status, __type and message (plus extra members)."""

    def __init__(self, status, type_, message, **extra):
        super().__init__(message)
        self.status, self.type, self.message, self.extra = status, type_, message, extra


def invalid(message, **extra):
    return ApiError(400, "InvalidRequestException", message, **extra)


# ===================== state =====================

class Execution:
    def __init__(self, qid, params, scenario):
        self.id = qid
        self.params = params
        self.scenario = scenario
        self.polls = 0
        self.state = "QUEUED"
        self.submitted = time.time()
        self.completed = None
        self.reason = None

    def advance(self):
        """One GetQueryExecution: the next state of the scenario."""
        if self.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return
        self.polls += 1
        steps = self.scenario.get("polls", 1)
        final = self.scenario.get("final", "SUCCEEDED")
        if self.polls > steps and final != "RUNNING":
            self.state = final
            self.completed = time.time()
            if final == "FAILED":
                self.reason = self.scenario.get("reason", "GENERIC_INTERNAL_ERROR")
        elif self.polls > 1:
            self.state = "RUNNING"


class Stub:
    def __init__(self, secret):
        self.secret = secret
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.scenarios = []          # newest first
        self.throttles = {}          # operation -> times left
        self.tables = {}             # (database, name) -> metadata
        self.executions = {}         # id -> Execution
        self.tokens = {}             # ClientRequestToken -> (id, fingerprint)
        self.log = []

    def scenario_for(self, sql):
        for s in self.scenarios:
            if s.get("match", "") in sql:
                return s
        return {"polls": 1, "final": "SUCCEEDED", "columns": [], "rows": []}

    def execution(self, qid):
        e = self.executions.get(qid)
        if e is None:
            raise invalid("QueryExecution %s was not found" % qid)
        return e


# ===================== signatures (botocore's signer) =====================

def parse_authorization(value):
    m = re.match(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", value or "")
    if not m:
        return None
    return dict(zip(("key", "date", "region", "service", "signed", "signature"), m.groups()))


def check_signature(stub, headers, body):
    """Returns None when botocore computes the same signature, else the ApiError."""
    auth = parse_authorization(headers.get("Authorization"))
    if auth is None:
        if not headers.get("Authorization"):
            raise ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        raise ApiError(403, "IncompleteSignatureException", "Authorization header is malformed")
    if auth["key"] != ACCESS_KEY_ID:
        raise ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(amz_date, SIGNING_TIMESTAMP).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ApiError(403, "IncompleteSignatureException", "X-Amz-Date is missing or malformed")
    if abs((datetime.datetime.now(datetime.timezone.utc) - signed_at).total_seconds()) > MAX_SKEW_S:
        raise ApiError(403, "InvalidSignatureException", "Signature expired: %s is now earlier than the allowed time" % amz_date)
    if (auth["date"], auth["region"], auth["service"]) != (amz_date[:8], REGION, "athena"):
        raise ApiError(403, "InvalidSignatureException", "Credential should be scoped to a valid region and service")
    signed = auth["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        raise ApiError(403, "InvalidSignatureException", "host and x-amz-date must be signed")
    request = AWSRequest(method="POST", url="http://%s/" % headers.get("Host", ""), data=body,
                         headers={name: headers.get(name, "") for name in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(ACCESS_KEY_ID, stub.secret), "athena", REGION)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not secrets.compare_digest(expected, auth["signature"]):
        raise ApiError(403, "InvalidSignatureException",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your AWS Secret Access Key and signing method.")


# ===================== operations =====================

def validate_input(operation, params):
    """botocore's validator against the model's input shape, plus the maxima it skips."""
    shape = MODEL.operation_model(operation).input_shape
    try:
        ParamValidator().validate(params, shape)
    except ParamValidationError as e:
        raise ApiError(400, "ValidationException", str(e).replace("\n", " "))
    check_maxima(params, shape, operation)


def check_maxima(value, shape, where):
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, v in value.items():
            check_maxima(v, shape.members[name], "%s.%s" % (where, name))
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            raise ApiError(400, "ValidationException", "%s has more than %d items" % (where, shape.metadata["max"]))
        for i, v in enumerate(value):
            check_maxima(v, shape.member, "%s[%d]" % (where, i))
    elif shape.type_name == "string" and "max" in shape.metadata and len(value) > shape.metadata["max"]:
        raise ApiError(400, "ValidationException", "Value at '%s' failed to satisfy constraint: Member must have "
                       "length less than or equal to %d" % (where, shape.metadata["max"]))
    elif shape.type_name == "integer" and "max" in shape.metadata and value > shape.metadata["max"]:
        raise ApiError(400, "ValidationException", "Value '%s' at '%s' failed to satisfy constraint: Member must "
                       "have value less than or equal to %d" % (value, where, shape.metadata["max"]))


def statement_type(sql, scenario):
    if "statement_type" in scenario:
        return scenario["statement_type"]
    word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return "DDL" if word in DDL_WORDS else "UTILITY" if word in UTILITY_WORDS else "DML"


def start_query_execution(stub, p):
    if "ClientRequestToken" not in p:
        raise invalid("Idempotency token is required")   # what Athena answers callers without an SDK
    fingerprint = json.dumps({k: v for k, v in p.items() if k != "ClientRequestToken"}, sort_keys=True)
    known = stub.tokens.get(p["ClientRequestToken"])
    if known:
        if known[1] != fingerprint:
            raise invalid("The request includes idempotent parameters that do not match the original request")
        return {"QueryExecutionId": known[0]}
    qid = str(uuid.uuid4())
    scenario = stub.scenario_for(p["QueryString"])
    stub.executions[qid] = Execution(qid, p, scenario)
    stub.tokens[p["ClientRequestToken"]] = (qid, fingerprint)
    return {"QueryExecutionId": qid}


def get_query_execution(stub, p):
    e = stub.execution(p["QueryExecutionId"])
    e.advance()
    status = {"State": e.state, "SubmissionDateTime": e.submitted}
    if e.completed:
        status["CompletionDateTime"] = e.completed
    if e.state == "FAILED":
        status["StateChangeReason"] = e.reason
        status["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": False,
                                 "ErrorMessage": e.reason}
    elif e.state == "CANCELLED":
        status["StateChangeReason"] = "Query cancelled by user"
    out = {"QueryExecutionId": e.id, "Query": e.params["QueryString"],
           "StatementType": statement_type(e.params["QueryString"], e.scenario), "Status": status,
           "Statistics": {"EngineExecutionTimeInMillis": 40 * e.polls, "DataScannedInBytes": 1024 * len(e.scenario.get("rows", [])),
                          "TotalExecutionTimeInMillis": 50 * e.polls},
           "WorkGroup": e.params.get("WorkGroup", "primary")}
    if "QueryExecutionContext" in e.params:
        out["QueryExecutionContext"] = e.params["QueryExecutionContext"]
    location = e.params.get("ResultConfiguration", {}).get("OutputLocation")
    if location:
        out["ResultConfiguration"] = {"OutputLocation": location.rstrip("/") + "/" + e.id + ".csv"}
    if "ExecutionParameters" in e.params:
        out["ExecutionParameters"] = e.params["ExecutionParameters"]
    return {"QueryExecution": out}


def column_info(col):
    info = {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": col["name"],
            "Label": col["name"], "Type": col["type"], "Precision": col.get("precision", 0),
            "Scale": col.get("scale", 0), "Nullable": "UNKNOWN", "CaseSensitive": col["type"] == "varchar"}
    return info


def datum(value):
    return {} if value is None else {"VarCharValue": value}


def encode_token(qid, offset):
    return base64.urlsafe_b64encode(("%s|%d|%s" % (qid, offset, secrets.token_hex(4))).encode()).decode()


def decode_token(token, qid):
    try:
        tqid, offset, _ = base64.urlsafe_b64decode(token.encode()).decode().split("|")
        if tqid == qid:
            return int(offset)
    except ValueError:
        pass
    raise invalid("Invalid NextToken")


def get_query_results(stub, p):
    e = stub.execution(p["QueryExecutionId"])
    if e.state in ("QUEUED", "RUNNING"):
        raise invalid("Query has not yet finished. Current state: %s" % e.state)
    if e.state != "SUCCEEDED":
        raise invalid("Query did not finish successfully. Final query state: %s" % e.state)
    columns = e.scenario.get("columns", [])
    rows = [[datum(v) for v in row] for row in e.scenario.get("rows", [])]
    if statement_type(e.params["QueryString"], e.scenario) == "DML" and columns:
        rows.insert(0, [datum(c["name"]) for c in columns])   # the header row
    start = decode_token(p["NextToken"], e.id) if p.get("NextToken") else 0
    size = p.get("MaxResults", 1000)
    out = {"ResultSet": {"Rows": [{"Data": r} for r in rows[start:start + size]],
                         "ResultSetMetadata": {"ColumnInfo": [column_info(c) for c in columns]}},
           "UpdateCount": 0}
    if start + size < len(rows):
        out["NextToken"] = encode_token(e.id, start + size)
    return out


def stop_query_execution(stub, p):
    e = stub.execution(p["QueryExecutionId"])
    if e.state in ("QUEUED", "RUNNING"):
        e.state = "CANCELLED"
        e.completed = time.time()
    return {}


def get_table_metadata(stub, p):
    t = stub.tables.get((p["DatabaseName"], p["TableName"]))
    if t is None:
        raise ApiError(400, "MetadataException",
                       "Entity Not Found (Service: AmazonDataCatalog; Status Code: 400; Error Code: "
                       "EntityNotFoundException; Request ID: %s; Proxy: null)" % uuid.uuid4())
    cols = lambda cs: [{"Name": c["name"], "Type": c["type"]} for c in cs]
    meta = {"Name": p["TableName"], "TableType": "EXTERNAL_TABLE", "Columns": cols(t["columns"]),
            "PartitionKeys": cols(t.get("partition_keys", [])), "Parameters": {}}
    if t.get("location"):
        meta["Parameters"]["location"] = t["location"]
    return {"TableMetadata": meta}


OPERATIONS = {
    "StartQueryExecution": start_query_execution,
    "GetQueryExecution": get_query_execution,
    "GetQueryResults": get_query_results,
    "StopQueryExecution": stop_query_execution,
    "GetTableMetadata": get_table_metadata,
}


# ===================== HTTP =====================

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub = None   # set by main

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, doc, content_type="application/x-amz-json-1.1"):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/_stub/log":
            with self.stub.lock:
                return self.send_json(200, self.stub.log, "application/json")
        self.send_json(404, {"message": "not found"}, "application/json")

    def do_POST(self):
        body = self.read_body()
        if self.path.startswith("/_stub/"):
            return self.control(self.path[len("/_stub/"):], json.loads(body or b"{}"))
        entry = {"operation": None, "input": None, "auth": "ok", "status": 200, "error": None}
        with self.stub.lock:
            self.stub.log.append(entry)
            try:
                status, doc = 200, self.call(entry, body)
            except ApiError as e:
                status, doc = e.status, dict({"__type": e.type, "Message": e.message}, **e.extra)
                entry["error"] = e.type
            entry["status"] = status
        self.send_json(status, doc)

    def call(self, entry, body):
        """Checks the signature and the protocol, then runs the operation."""
        try:
            check_signature(self.stub, self.headers, body)
        except ApiError as e:
            entry["auth"] = e.type
            raise
        target = self.headers.get("X-Amz-Target", "")
        prefix, _, operation = target.partition(".")
        entry["operation"] = operation
        if prefix != "AmazonAthena" or operation not in MODEL.operation_names:
            raise ApiError(400, "UnknownOperationException", "Unknown operation %s" % target)
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            raise ApiError(400, "SerializationException", "Content-Type must be application/x-amz-json-1.1")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "SerializationException", "The request body is not JSON")
        entry["input"] = params
        validate_input(operation, params)
        if self.stub.throttles.get(operation, 0) > 0:
            self.stub.throttles[operation] -= 1
            raise ApiError(400, "TooManyRequestsException", "Rate exceeded", Reason="CONCURRENT_QUERY_LIMIT_EXCEEDED")
        if operation not in OPERATIONS:
            raise ApiError(400, "UnknownOperationException", "The stub does not implement %s" % operation)
        return OPERATIONS[operation](self.stub, params)

    def control(self, what, doc):
        with self.stub.lock:
            if what == "scenario":
                self.stub.scenarios.insert(0, doc)
            elif what == "throttle":
                self.stub.throttles[doc["operation"]] = doc.get("times", 1)
            elif what == "table":
                self.stub.tables[(doc["database"], doc["name"])] = doc
            elif what == "reset":
                self.stub.reset()
            else:
                return self.send_json(404, {"message": "unknown control " + what}, "application/json")
        self.send_json(200, {}, "application/json")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--parent-pid", type=int, default=0, help="exit when this process exits")
    args = ap.parse_args()
    secret = secrets.token_urlsafe(30)
    Handler.stub = Stub(secret)
    server = ThreadingHTTPServer((HOST, args.port), Handler)
    server.daemon_threads = True
    return serving.serve(server, args.parent_pid, lambda: {
        "endpoint": "http://%s:%d" % (HOST, server.server_port), "region": REGION,
        "access_key_id": ACCESS_KEY_ID, "secret_access_key": secret})


if __name__ == "__main__":
    sys.exit(main())
