#!/usr/bin/env python3
"""Headless run of a reference playbook: `playbook run` against papermill + ipykernel
running the same investigation in Python with boto3, on the same CloudWatch data.

    bench/reference.sh [--rounds 5]

moto (behind tests/aws's CBOR proxy) is started here and seeded with the bundled
checkout incident (2026-11-12 13:30-15:30, shifted to today: CloudWatch Logs refuses
events older than 14 days): ALB request and 5xx counts, average target response time,
and the service's log events. Both notebooks (bench/notebooks/reference-*.ipynb) fetch
traffic and 5xx rate (one GetMetricData call for two metrics), latency with a chart,
the error events (FilterLogEvents) grouped by error, and check two targets. Wall time of
each whole command, medians of ROUNDS; goal: `playbook run` no slower than papermill.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from aws.moto_fixture import MotoEndpoint, moto_endpoint  # noqa: E402

DATA = ROOT / "notebooks" / "data" / "checkout"
START, END = "2026-11-12T13:30:00Z", "2026-11-12T15:30:00Z"


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed(aws: MotoEndpoint, shift: timedelta) -> dict:
    cloudwatch, logs = aws.client("cloudwatch"), aws.client("logs")
    start, end = ts(START), ts(END)
    dims = lambda row: [{"Name": "LoadBalancer", "Value": row["LoadBalancer"]},  # noqa: E731
                        {"Name": "TargetGroup", "Value": row["TargetGroup"]}]
    data = []
    with gzip.open(DATA / "metrics/alb.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            at = ts(row["timestamp"])
            if start <= at < end:
                data.append({"MetricName": row["metric"], "Timestamp": at + shift,
                             "Value": float(row["value"]), "Unit": "Count", "Dimensions": dims(row)})
    with gzip.open(DATA / "metrics/alb-response-time.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            at = ts(row["timestamp"])
            if start <= at < end:
                values = [float(v) for v in row["values"].split(";")]
                counts = [float(c) for c in row["counts"].split(";")]
                mean = sum(v * c for v, c in zip(values, counts)) / sum(counts)
                data.append({"MetricName": "TargetResponseTime", "Timestamp": at + shift,
                             "Value": mean, "Unit": "Seconds", "Dimensions": dims(row)})
    for i in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[i:i + 500])
    group = "/ecs/checkout"
    logs.create_log_group(logGroupName=group)
    events = 0
    for path in sorted((DATA / "logs/ecs/checkout").glob("*.jsonl.gz")):
        stream = path.name.split(".")[0]
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        with gzip.open(path, "rt") as f:
            batch = [{"timestamp": int((ts(json.loads(line)["timestamp"]) + shift).timestamp() * 1000),
                      "message": line.rstrip("\n")}
                     for line in f if line.strip() and start <= ts(json.loads(line)["timestamp"]) < end]
        batch.sort(key=lambda e: e["timestamp"])
        for i in range(0, len(batch), 5000):
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch[i:i + 5000])
        events += len(batch)
    return {"datapoints": len(data), "log_events": events}


def timed(command: list[str], env: dict, log: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    elapsed = time.perf_counter() - started
    # playbook run exits 2 when a check fails: the run itself went through.
    if done.returncode not in (0, 2):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{log.read_text()[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    venv = Path(sys.executable).parent
    playbook = os.environ.get("PB", str(Path.home() / ".cache/playbook/target/release/playbook"))
    shift = timedelta(days=(datetime.now(timezone.utc) - ts(END)).days)
    window = [iso(ts(START) + shift), iso(ts(END) + shift)]
    out = Path(tempfile.mkdtemp(prefix="playbook-reference."))
    with moto_endpoint() as aws:
        seeded = seed(aws, shift)
        env = aws.environ()
        env["PATH"] = f"{venv}:{env['PATH']}"
        print(f"moto seeded: {seeded['datapoints']} datapoints, {seeded['log_events']} log events; "
              f"window {window[0]} .. {window[1]}", flush=True)
        rust = [playbook, "run", str(ROOT / "bench/notebooks/reference-rust.ipynb"), "--source", "cloudwatch",
                "-p", f"start={window[0]}", "-p", f"end={window[1]}", "-o", str(out / "rust.ipynb")]
        python = [str(venv / "papermill"), "-k", "python3", "--no-progress-bar",
                  str(ROOT / "bench/notebooks/reference-python.ipynb"), str(out / "python.ipynb"),
                  "-p", "start", window[0], "-p", "end", window[1]]
        times: dict[str, list[float]] = {"playbook": [], "papermill": []}
        for round_ in range(args.rounds):
            times["playbook"].append(timed(rust, env, out / "rust.log"))
            times["papermill"].append(timed(python, env, out / "python.log"))
            print(f"round {round_ + 1}: playbook run {times['playbook'][-1]:.2f} s  "
                  f"papermill {times['papermill'][-1]:.2f} s", flush=True)
    # Both notebooks must have found the same thing.
    rust_nb, python_nb = (json.loads((out / f"{n}.ipynb").read_text()) for n in ("rust", "python"))
    text = lambda nb, i: "".join(  # noqa: E731
        "".join(o.get("text", "")) for o in nb["cells"][i]["outputs"] if o.get("name") == "stdout")
    for cell in (3, 4, 5):
        if text(rust_nb, cell).split() != text(python_nb, cell).split():
            sys.exit(f"the notebooks disagree in cell {cell}:\n{text(rust_nb, cell)}\n{text(python_nb, cell)}")
    p, r = statistics.median(times["papermill"]), statistics.median(times["playbook"])
    print(f"\nreference playbook, medians of {args.rounds}        seconds  vs papermill")
    print(f"playbook run reference-rust.ipynb            {r:8.2f}  {r / p:8.2f}x")
    print(f"papermill reference-python.ipynb (boto3)     {p:8.2f}  {1:8.2f}x")
    verdict = "MET" if r <= p else "NOT MET"
    print(f"verdict: {verdict}: playbook run {r:.2f} s vs papermill + ipykernel {p:.2f} s = {r / p:.2f}x (goal <= 1x)")


if __name__ == "__main__":
    main()
