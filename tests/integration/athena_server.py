"""Helpers for tests that need Athena: the protocol stub (athena_stub.py) and moto's
Athena (moto_launcher.py), both on 127.0.0.1, started with moto's Python and stopped by
PID. Standard library only.
"""
import json
import os
import urllib.request

import server
from s3_server import MotoServer, launch, stop

RESULTS = "s3://lakegate-results/queries/"


def athena_env(endpoint, region, key, secret, **extra):
    """Environment variables that point lakegate at an Athena endpoint."""
    env = {
        "AWS_ENDPOINT_URL_ATHENA": endpoint,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "LAKEGATE_ATHENA_OUTPUT": RESULTS,
    }
    env.update(extra)
    return env


def get_json(srv, path):
    """GET from a lakegate server: (status, the JSON answer or None, headers)."""
    status, headers, data = server.request(srv.port, "GET", path)
    return status, (json.loads(data) if data else None), headers


def post(url, doc):
    req = urllib.request.Request(url, data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


class AthenaStub:
    """The Athena protocol stub (see athena_stub.py). After start(): endpoint, region,
    access_key_id, secret_access_key."""

    def __init__(self):
        self.proc = None

    def start(self):
        self.proc, ready = launch("athena_stub.py", [], "the Athena stub")
        self.endpoint, self.region = ready["endpoint"], ready["region"]
        self.access_key_id, self.secret_access_key = ready["access_key_id"], ready["secret_access_key"]
        return self

    def stop(self):
        stop(self.proc)

    def env(self, secret=None, **extra):
        return athena_env(self.endpoint, self.region, self.access_key_id,
                          secret or self.secret_access_key, **extra)

    def scenario(self, **doc):
        """How queries whose SQL contains doc["match"] behave (see athena_stub.py)."""
        post(self.endpoint + "/_stub/scenario", doc)

    def throttle(self, operation, times):
        post(self.endpoint + "/_stub/throttle", {"operation": operation, "times": times})

    def table(self, **doc):
        post(self.endpoint + "/_stub/table", doc)

    def reset(self):
        post(self.endpoint + "/_stub/reset", {})

    def log(self):
        """Every Athena request received: [{"operation", "input", "auth", "status", "error"}]."""
        with urllib.request.urlopen(self.endpoint + "/_stub/log", timeout=10) as resp:
            return json.loads(resp.read())

    def calls(self, operation):
        return [e for e in self.log() if e["operation"] == operation]


class MotoAthena(MotoServer):
    """moto's server for Athena: queries walk QUEUED -> RUNNING -> SUCCEEDED through its
    state manager, and return results seeded beforehand."""

    def env(self, secret=None, **extra):
        return athena_env(self.endpoint, self.region, self.access_key_id,
                          secret or self.secret_access_key, **extra)

    def walk_states(self, polls_per_state):
        """Each state lasts polls_per_state GetQueryExecution calls."""
        post(self.endpoint + "/moto-api/state-manager/set-transition",
             {"model_name": "athena::execution",
              "transition": {"progression": "manual", "times": polls_per_state}})

    def seed_results(self, columns, rows, header=True):
        """The next query started returns these rows (strings or None) under these columns
        ([(name, type)]); a SELECT's first row repeats the column names, as Athena's does."""
        data = [[{"VarCharValue": c[0]} for c in columns]] if header else []
        data += [[{} if v is None else {"VarCharValue": v} for v in row] for row in rows]
        post(self.endpoint + "/moto-api/static/athena/query-results",
             {"region": self.region,
              "results": [{"rows": [{"Data": d} for d in data],
                           "column_info": [{"Name": n, "Label": n, "Type": t} for n, t in columns]}]})
