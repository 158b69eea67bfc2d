"""Traces from Transaction Search (`aws/spans`) end to end.

- The latency playbook on the bundled data lists the slowest and the erroring traces of
  the spike and draws the waterfall of the slowest; what it shows is checked against the
  slowest trace computed here, independently, from the JSON Lines under
  `notebooks/data/checkout/logs/aws/spans/`.
- In a real kernel, `trace(id)` shows a waterfall and a span table, and a bad id is a
  clear error.
- On CloudWatch (moto behind the CBOR proxy): spans put into an `aws/spans` group come
  back as whole traces. moto's Logs Insights applies only `fields`, `sort` (by time) and
  `limit` — no `filter` — so the helpers' own second look at each span (service, entry,
  failure, trace id) is what keeps other services' spans and other traces out here; the
  test seeds fewer spans than the query's limit so that moto's time order cannot cut any.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import OUT, execute, notebook, outputs, start_kernel, stop_kernel, stream_text
from test_playbooks import errors_in, run

from support import PLAYBOOK

ROOT = Path(__file__).resolve().parent.parent
SPANS = ROOT / "notebooks" / "data" / "checkout" / "logs" / "aws" / "spans" / "default.jsonl.gz"


def read_spans(path: Path = SPANS) -> list[dict]:
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def nanos(text: str) -> int:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(at.timestamp()) * 1_000_000_000


def entry(span: dict, service: str) -> bool:
    return (span["attributes"].get("aws.local.service") == service
            and (span["kind"] == "SERVER" or span["attributes"].get("aws.span.kind") == "LOCAL_ROOT"))


def own_time(spans: list[dict], span: dict) -> int:
    children = [s for s in spans if s.get("parentSpanId") == span["spanId"]]
    return span["durationNano"] - sum(c["durationNano"] for c in children)


def expected(window: dict, service: str = "checkout") -> tuple[dict, list[dict], dict, set[str]]:
    """The slowest trace of `service` whose entry span starts in `window`: its entry span,
    all its spans, the span that spent the most time itself; and the erroring traces."""
    spans = read_spans()
    start, end = nanos(window["start"]), nanos(window["end"])
    entries = [s for s in spans if entry(s, service) and start <= s["startTimeUnixNano"] < end]
    slowest = max(entries, key=lambda s: s["durationNano"])
    by_trace = defaultdict(list)
    for s in spans:
        by_trace[s["traceId"]].append(s)
    mine = by_trace[slowest["traceId"]]
    bottleneck = max(mine, key=lambda s: own_time(mine, s))
    failed = {s["traceId"] for s in entries if s["status"]["code"] == "ERROR"}
    return slowest, mine, bottleneck, failed


def cell_of(record: dict, marker: str) -> dict:
    return next(c for c in record["cells"] if c["cell_type"] == "code" and marker in "".join(c["source"]))


def test_the_latency_playbook_shows_the_slow_trace_behind_its_spike():
    done, record = run("latency-spike")
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{errors_in(record)}"
    cell = cell_of(record, "// Slowest traces in the spike")
    queries = cell["metadata"]["playbook"]["queries"]
    # Four Logs Insights queries over aws/spans (entry spans, then the traces' spans, for
    # the slowest and for the erroring ones), recorded like every query.
    assert [q["kind"] for q in queries] == ["logs_insights"] * 4, queries
    assert all(q["groups"] == ["aws/spans"] and q["status"] == "ok" for q in queries), queries
    entries_window = queries[0]["window"]
    slowest, spans, bottleneck, failed = expected(entries_window)

    # The table of the slowest traces names the slowest first.
    shown = [o for o in cell["outputs"] if o["output_type"] == "display_data"]
    slow_table, failed_table = (o["data"]["text/plain"] for o in shown[:2])
    slow_table = "".join(slow_table)
    first_row = slow_table.splitlines()[1]
    assert first_row.startswith(slowest["traceId"]), slow_table
    assert f"{len(spans)} spans" in first_row and "POST /api/checkout" in first_row, first_row
    # The erroring traces are the ones whose checkout entry failed.
    failed_table = "".join(failed_table)
    listed = {line.split()[0] for line in failed_table.splitlines()[1:] if line.strip()}
    assert failed and listed and listed <= failed, (failed_table, failed)

    # The waterfall (SVG in the record, shown without a kernel) names the slow span.
    result = next(o for o in cell["outputs"] if o["output_type"] == "execute_result")
    svg = "".join(result["data"]["image/svg+xml"])
    assert svg.startswith("<svg") and slowest["traceId"] in svg
    assert bottleneck["name"] == "UPDATE orders", bottleneck
    assert f">checkout UPDATE orders → checkout-db</text>" in svg, svg[:2000]
    assert f">{bottleneck['durationNano'] / 1e6:.0f} ms</text>" in svg
    assert svg.count("<rect") >= len(spans), "one bar per span"
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream")
    assert f"the slowest request took {slowest['durationNano'] / 1e6:.0f} ms" in printed, printed
    assert "in checkout UPDATE orders" in printed, printed


def test_a_trace_by_id_in_the_kernel_shows_its_waterfall_and_a_bad_id_says_so():
    slowest, spans, _, _ = expected({"start": "2026-11-12T12:00:00Z", "end": "2026-11-12T18:00:00Z"})
    km, kc = start_kernel("traces")
    try:
        data = ROOT / "notebooks" / "data" / "checkout"
        reply, _ = execute(kc, f'set_source("local:{data}")?;\nset_window(TimeRange::parse("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z")?)?;')
        assert reply["content"]["status"] == "ok", reply["content"]
        reply, messages = execute(kc, f'trace("{slowest["traceId"]}").run()?')
        assert reply["content"]["status"] == "ok", reply["content"]
        data = outputs(messages, "execute_result")[0]["data"]
        assert data["image/svg+xml"].startswith("<svg")
        html = data["text/html"]
        assert "<svg" in html and f"{len(spans)} spans" in html and "UPDATE orders" in html
        assert data["text/plain"].startswith(f"trace {slowest['traceId']} · checkout POST /api/checkout")
        reply, messages = execute(kc, 'trace("0123456789abcdef0123456789abcdef").run()?')
        assert reply["content"]["status"] == "error"
        said = stream_text(messages, "stderr")
        assert "no span of trace 0123456789abcdef0123456789abcdef in aws/spans" in said, said
    finally:
        stop_kernel(km, kc)


def span(trace: str, span_id: str, parent: str | None, name: str, service: str, kind: str,
         start: datetime, ms: float, error: bool = False) -> dict:
    begin = int(start.timestamp() * 1e9)
    doc = {
        "resource": {"attributes": {"service.name": service}},
        "traceId": trace, "spanId": span_id, "name": name, "kind": kind,
        "startTimeUnixNano": begin, "endTimeUnixNano": begin + int(ms * 1e6), "durationNano": int(ms * 1e6),
        "attributes": {"aws.local.service": service, "aws.local.operation": name,
                       **({"aws.span.kind": "LOCAL_ROOT"} if kind == "SERVER" else {})},
        "status": {"code": "ERROR" if error else "UNSET"},
    }
    if parent:
        doc["parentSpanId"] = parent
    return doc


def test_traces_on_cloudwatch_through_moto(moto):
    moto.reset()
    logs = moto.client("logs")
    t0 = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
    at = lambda s: t0 + timedelta(seconds=s)  # noqa: E731
    traces = {
        "a" * 32: [span("a" * 32, "a1", None, "POST /api/checkout", "checkout", "SERVER", at(10), 900),
                   span("a" * 32, "a2", "a1", "UPDATE orders", "checkout", "CLIENT", at(10.1), 700)],
        "b" * 32: [span("b" * 32, "b1", None, "GET /api/cart", "checkout", "SERVER", at(60), 2100, error=True),
                   span("b" * 32, "b2", "b1", "pool.acquire", "checkout", "INTERNAL", at(60.01), 2000, error=True)],
        "c" * 32: [span("c" * 32, "c1", None, "GET /api/cart", "checkout", "SERVER", at(120), 30),
                   span("c" * 32, "c2", "c1", "SELECT cart_items", "checkout", "CLIENT", at(120.01), 10)],
        # Another service's slow trace, which moto (no filter) returns too.
        "d" * 32: [span("d" * 32, "d1", None, "GET /", "frontend", "SERVER", at(200), 5000)],
    }
    logs.create_log_group(logGroupName="aws/spans")
    logs.create_log_stream(logGroupName="aws/spans", logStreamName="default")
    events = sorted(({"timestamp": s["startTimeUnixNano"] // 1_000_000, "message": json.dumps(s)}
                     for spans in traces.values() for s in spans), key=lambda e: e["timestamp"])
    logs.put_log_events(logGroupName="aws/spans", logStreamName="default", logEvents=events)
    start, end = t0.strftime("%Y-%m-%dT%H:%M:%SZ"), (t0 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    nb = notebook(OUT / "traces-cloudwatch.ipynb", f"""
let slow = traces().service("checkout").between("{start}", "{end}").slowest(20).run()?;
let failed = traces().service("checkout").between("{start}", "{end}").errors().run()?;
let one = trace("{'a' * 32}").between("{start}", "{end}").run()?;
let row = |t: &Trace| (t.trace_id.clone(), t.spans.len(), t.errors(), t.duration_ms());
println!("SLOW {{}}", playbook::serde_json::to_string(&slow.traces.iter().map(row).collect::<Vec<_>>())?);
println!("FAILED {{}}", playbook::serde_json::to_string(&failed.traces.iter().map(row).collect::<Vec<_>>())?);
println!("ONE {{}}", playbook::serde_json::to_string(&one.spans.iter().map(|s| s.name.clone()).collect::<Vec<_>>())?);
one.waterfall()
""")
    out = OUT / "traces-cloudwatch.record.ipynb"
    done = subprocess.run([PLAYBOOK, "run", "--source", "cloudwatch", str(nb), "-o", str(out)],
                          capture_output=True, text=True, env=moto.playbook_env(), timeout=600)
    record = json.loads(out.read_text())
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{errors_in(record)}"
    printed = "".join("".join(o.get("text", "")) for c in record["cells"] for o in c.get("outputs", [])
                      if o["output_type"] == "stream")
    lines = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1]) for line in printed.splitlines()
             if line.split(" ", 1)[0] in ("SLOW", "FAILED", "ONE")}
    assert lines["SLOW"] == [["b" * 32, 2, 2, 2100.0], ["a" * 32, 2, 0, 900.0], ["c" * 32, 2, 0, 30.0]]
    assert lines["FAILED"] == [["b" * 32, 2, 2, 2100.0]]
    assert lines["ONE"] == ["POST /api/checkout", "UPDATE orders"]
    result = next(o for o in record["cells"][0]["outputs"] if o["output_type"] == "execute_result")
    svg = "".join(result["data"]["image/svg+xml"])
    assert ">checkout UPDATE orders</text>" in svg and ">700 ms</text>" in svg
    queries = record["metadata"]["playbook"]["queries"]
    assert len(queries) == 2 + 2 + 1 and all(q["groups"] == ["aws/spans"] for q in queries), queries
    assert all(q["source"].startswith("cloudwatch") and q["query_ids"] for q in queries), queries
