"""The tables bench/http prints: per workload, each server's median over the rounds, then
lakegate's ratios against every peer; then peak memory."""
import statistics


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(runs):
    """The rounds of one server x workload -> one row (medians; the worst probe)."""
    rps = [r["rps"] for r in runs]
    failed = [r["probe"] for r in runs if r["probe_ok"] is False]
    return {
        "rps": median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": median([r["p50_ms"] for r in runs]),
        "p99_ms": median([r["p99_ms"] for r in runs]),
        "cpu_us_per_req": median([r["cpu_us_per_req"] for r in runs]),
        "unexpected": sum(r["unexpected"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "probe": failed[0] if failed else max((r["probe"] for r in runs), key=_probe_ms),
        "probe_failures": len(failed),
        "rounds": len(runs),
    }


def _probe_ms(text):
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return float("inf")


def _fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def workload_table(workload, rows, labels):
    """rows: [(key, summary)] in display order. Returns the lines of one workload's table."""
    out = ["", workload.title,
           "  %-32s %9s %15s %8s %8s %9s  %-16s %s" % ("server", "req/s", "(min-max)", "p50 ms",
                                                       "p99 ms", "CPU us/r", "probe", "errors")]
    for key, s in rows:
        spread = "(%s-%s)" % (_fmt(s["rps_min"], ",.0f"), _fmt(s["rps_max"], ",.0f"))
        errors = []
        if s["unexpected"]:
            errors.append("%d wrong status" % s["unexpected"])
        if s["socket_errors"]:
            errors.append("%d socket errors" % s["socket_errors"])
        if s["probe_failures"]:
            errors.append("%d/%d probes failed" % (s["probe_failures"], s["rounds"]))
        out.append("  %-32s %9s %15s %8s %8s %9s  %-16s %s" % (
            labels[key], _fmt(s["rps"], ",.0f"), spread, _fmt(s["p50_ms"], ".2f"),
            _fmt(s["p99_ms"], ".2f"), _fmt(s["cpu_us_per_req"], ".0f"), s["probe"],
            ", ".join(errors) or "none"))
    return out


def ratio_lines(rows, labels, short, lakegate_keys, peer_keys):
    """A matrix: for each lakegate variant and each peer, lakegate's req/s over the peer's
    and, in parentheses, the peer's CPU per request over lakegate's (above 1.00x lakegate is
    ahead in both)."""
    by_key = dict(rows)
    peers = [pk for pk in peer_keys if pk in by_key and by_key[pk]["rps"]]
    if not peers:
        return []
    out = ["  %-32s %s" % ("ratios: req/s (CPU/req)", "".join("%-16s" % short[pk] for pk in peers))]
    for lk in lakegate_keys:
        if lk not in by_key:
            continue
        lg = by_key[lk]
        cells = []
        for pk in peers:
            peer = by_key[pk]
            cpu = "-"
            if lg["cpu_us_per_req"] and peer["cpu_us_per_req"]:
                cpu = "%.2fx" % (peer["cpu_us_per_req"] / lg["cpu_us_per_req"])
            cells.append("%-16s" % ("%.2fx (%s)" % (lg["rps"] / peer["rps"], cpu)))
        out.append("  %-32s %s" % (labels[lk], "".join(cells)))
    return out


def memory_lines(peaks, labels):
    out = ["", "Peak RSS over the whole run (VmHWM, summed over the process tree)"]
    for key, kib in peaks:
        out.append("  %-32s %8.1f MiB" % (labels[key], kib / 1024.0))
    return out
