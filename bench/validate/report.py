"""Summarizes bench/validate results: the best round of each peer per payload, and
lakegate's rate as a multiple of each peer's. Reads JSON lines (peer, payload, outcome,
records_per_s)."""
import json
import sys

best, outcomes, peers, payloads = {}, {}, [], []
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        key = (r["peer"], r["payload"])
        best[key] = max(best.get(key, 0), r["records_per_s"])
        outcomes[key] = r["outcome"]
        if r["peer"] not in peers:
            peers.append(r["peer"])
        if r["payload"] not in payloads:
            payloads.append(r["payload"])

lakegate = next(p for p in peers if p.startswith("lakegate"))
others = [p for p in peers if p != lakegate]
print("records/s per core (best of rounds; JSON decode included)")
header = "%-12s" % "payload" + "".join("%22s" % p for p in peers) + "".join("%18s" % ("x " + p.split()[0]) for p in others)
print(header)
for payload in payloads:
    row = "%-12s" % payload
    for p in peers:
        row += "%22s" % ("{:,}".format(best[(p, payload)]))
    for p in others:
        row += "%18s" % ("%.2fx" % (best[(lakegate, payload)] / best[(p, payload)]))
    print(row)
print("outcomes: " + "; ".join("%s %s" % (payload, outcomes[(lakegate, payload)]) for payload in payloads))
for payload in payloads:
    seen = {outcomes[(p, payload)] == "valid" for p in peers}
    if len(seen) != 1:
        print("WARNING: the peers disagree on whether %s is valid" % payload)
