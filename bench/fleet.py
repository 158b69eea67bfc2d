#!/usr/bin/env python3
"""Fleet runs against one run per target, measured in the same run.

    bench/fleet.sh [--targets 50] [--jobs 2]

The reference playbook (bench/notebooks/reference-rust.ipynb and its Python twin) for N
targets, each its own window (the incident's two hours, shifted by a minute per target):

1. On the local source (notebooks/data/checkout):
   - `playbook fleet -j JOBS` of the N targets;
   - (a) N sequential `playbook run`s, each a new process;
   - the marginal cost of a target: (fleet of N - fleet of N/5) / (N - N/5), against one
     cold `playbook run` (the compiled-cells cache off: every cell compiled and analysed).
2. Against moto (seeded as bench/reference.py does), the same fleet and
   - (b) N sequential `papermill -k python3` runs of reference-python.ipynb (boto3),
   - CloudWatch API calls per target (the CBOR proxy counts them) against one `playbook
     run`'s.

Goals (issue 16): fleet <= 0.3x (a) and <= 0.3x (b); marginal target <= 10 % of a cold
run; API calls per target <= a single run's. Warm: one run of the notebook fills the
compiled-cells cache before anything is timed (the cold run turns it off explicitly).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from reference import END, ROOT, START, iso, seed, ts  # noqa: E402
from aws.moto_fixture import moto_endpoint  # noqa: E402  (reference put tests/ on the path)

RUST = ROOT / "bench/notebooks/reference-rust.ipynb"
PYTHON = ROOT / "bench/notebooks/reference-python.ipynb"
LOCAL = f"local:{ROOT / 'notebooks/data/checkout'}"


def windows(n: int, shift: timedelta) -> list[tuple[str, str]]:
    """N windows: the incident's, each a minute later than the one before."""
    start, end = ts(START) + shift, ts(END) + shift
    return [(iso(start + timedelta(minutes=i)), iso(end + timedelta(minutes=i))) for i in range(n)]


def targets_file(path: Path, spans: list[tuple[str, str]], source: str) -> Path:
    path.write_text(json.dumps({
        "defaults": {"source": source},
        "targets": [{"name": f"t{i:03d}", "parameters": {"start": s, "end": e}} for i, (s, e) in enumerate(spans)],
    }))
    return path


def timed(command: list[str], env: dict, log: Path) -> float:
    started = time.perf_counter()
    with open(log, "w") as sink:
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=sink, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 2):  # 2: a check failed, the run went through
        sys.exit(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{log.read_text()[-3000:]}")
    return elapsed


def run_each(pb: str, spans, source: str, env: dict, out: Path) -> float:
    total = 0.0
    for i, (s, e) in enumerate(spans):
        total += timed([pb, "run", str(RUST), "--source", source, "-p", f"start={s}", "-p", f"end={e}",
                        "-o", str(out / f"run-{i}.ipynb")], env, out / "run.log")
    return total


def papermill_each(venv: Path, spans, env: dict, out: Path) -> float:
    total = 0.0
    for i, (s, e) in enumerate(spans):
        total += timed([str(venv / "papermill"), "-k", "python3", "--no-progress-bar", str(PYTHON),
                        str(out / f"py-{i}.ipynb"), "-p", "start", s, "-p", "end", e], env, out / "papermill.log")
    return total


def fleet(pb: str, targets: Path, jobs: int, env: dict, out: Path, name: str) -> float:
    return timed([pb, "fleet", str(RUST), "--targets", str(targets), "-j", str(jobs), "--out", str(out / name)],
                 env, out / f"{name}.log")


def ratio_line(label: str, value: float, goal: float, lower_is_better: bool = True) -> str:
    met = value <= goal if lower_is_better else value >= goal
    return f"verdict: {'MET' if met else 'NOT MET'}: {label} = {value:.3f} (goal <= {goal})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    n, small = args.targets, max(1, args.targets // 5)
    venv = Path(sys.executable).parent
    pb = os.environ.get("PB", str(Path.home() / ".cache/playbook/target/release/playbook"))
    out = Path(tempfile.mkdtemp(prefix="playbook-fleet-bench."))
    env = dict(os.environ)

    # 1. The local source.
    local_spans = windows(n, timedelta(0))
    all_local = targets_file(out / "local.json", local_spans, LOCAL)
    few_local = targets_file(out / "local-few.json", local_spans[:small], LOCAL)
    timed([pb, "run", str(RUST), "--source", LOCAL, "-o", str(out / "warm.ipynb")], env, out / "warm.log")
    cold = timed([pb, "run", str(RUST), "--source", LOCAL, "-o", str(out / "cold.ipynb")],
                 {**env, "PLAYBOOK_COMPILED_CELLS": "0"}, out / "cold.log")
    fleet_n = fleet(pb, all_local, args.jobs, env, out, "fleet-local")
    fleet_small = fleet(pb, few_local, args.jobs, env, out, "fleet-local-few")
    each = run_each(pb, local_spans, LOCAL, env, out)
    marginal = (fleet_n - fleet_small) / (n - small) if n > small else float("nan")
    print(f"local source, {n} targets of reference-rust.ipynb, -j {args.jobs}:")
    print(f"  playbook fleet                     {fleet_n:8.2f} s")
    print(f"  (a) {n} x playbook run             {each:8.2f} s   fleet/(a) = {fleet_n / each:.3f}")
    print(f"  one cold playbook run (no cache)   {cold:8.2f} s")
    print(f"  marginal target (fleet of {n} vs {small}) {marginal:8.3f} s = {marginal / cold:.3f} of a cold run")

    # 2. moto.
    shift = timedelta(days=(time.time() - ts(END).timestamp()) // 86400)
    moto_spans = windows(n, shift)
    with moto_endpoint() as aws:
        seeded = seed(aws, shift)
        moto_env = aws.environ()
        moto_env["PATH"] = f"{venv}:{moto_env['PATH']}"
        all_moto = targets_file(out / "moto.json", moto_spans, "cloudwatch")
        print(f"moto seeded: {seeded['datapoints']} datapoints, {seeded['log_events']} log events", flush=True)
        aws.proxy.reset_stats()
        timed([pb, "run", str(RUST), "--source", "cloudwatch", "-p", f"start={moto_spans[0][0]}",
               "-p", f"end={moto_spans[0][1]}", "-o", str(out / "single.ipynb")], moto_env, out / "single.log")
        single_calls = aws.proxy.stats()["cloudwatch_requests"]
        aws.proxy.reset_stats()
        fleet_moto = fleet(pb, all_moto, args.jobs, moto_env, out, "fleet-moto")
        fleet_calls = aws.proxy.stats()["cloudwatch_requests"]
        papermill = papermill_each(venv, moto_spans, moto_env, out)
        each_moto = run_each(pb, moto_spans, "cloudwatch", moto_env, out)
    print(f"moto, {n} targets, -j {args.jobs}:")
    print(f"  playbook fleet                     {fleet_moto:8.2f} s")
    print(f"  {n} x playbook run                 {each_moto:8.2f} s   fleet/runs = {fleet_moto / each_moto:.3f}")
    print(f"  (b) {n} x papermill (boto3)        {papermill:8.2f} s   fleet/(b) = {fleet_moto / papermill:.3f}")
    print(f"  CloudWatch calls: one run {single_calls}, fleet {fleet_calls} = {fleet_calls / n:.2f} per target")
    print(ratio_line("fleet / (a) sequential playbook runs, local", fleet_n / each, 0.3))
    print(ratio_line("fleet / (b) sequential papermill runs, moto", fleet_moto / papermill, 0.3))
    print(ratio_line("marginal target / cold run", marginal / cold, 0.1))
    print(ratio_line("CloudWatch calls per target / one run's", fleet_calls / n / single_calls, 1.0))


if __name__ == "__main__":
    main()
