#!/usr/bin/env python3
"""Query cells: kernel start -> first `%%logs` result, and the overhead of a warm query
cell, measured in the same run (medians of several rounds; never a timed test).

    $HOME/.cache/playbook/test-venv/bin/python bench/query_cells.py [--rounds 5] [--warm 30]

Start -> first result (start_kernel() .. the execute_result of the first cell):
  (a) playbook kernel, local source (notebooks/data/checkout), `%%logs` ERROR count by route
  (b) playbook kernel, PLAYBOOK_SOURCE=cloudwatch against moto (behind the CBOR proxy):
      `fields @timestamp, @message | sort @timestamp desc | limit 20`
  (c) ipykernel: the same query with boto3 start_query + get_query_results polling
Goal: (b) faster than (c).

Warm overhead: the (a) cell run --warm times in one kernel, once the Rust engine has
started (send -> execute_result), minus
the engine's own time for the query (`duration_ms` in `%queries`), and `playbook query
logs` as a process for reference. Goal: <= 20 ms per cell.

Installs ipykernel (and the python3 kernelspec) into this venv when missing; the
playbook kernelspec must be installed in the venv (bench/run.sh or tests/run.sh do).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from queue import Empty

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)
CACHE = Path(os.environ.get("PLAYBOOK_CACHE", Path.home() / ".cache" / "playbook"))
PB = os.environ.get("PB", str(CACHE / "target" / "release" / "playbook"))
DATA = ROOT / "notebooks" / "data" / "checkout"
LOCAL_CELL = (
    "%%logs --group /ecs/checkout --start 2026-11-12T14:00:00Z --end 2026-11-12T15:00:00Z\n"
    'filter level = "ERROR" | stats count(*) by route'
)
MOTO_QUERY = "fields @timestamp, @message | sort @timestamp desc | limit 20"
GROUP = "/bench/checkout"
EVENTS = 3000


def ensure_setup() -> None:
    os.environ.setdefault("JUPYTER_PATH", str(VENV / "share" / "jupyter"))
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    try:
        import ipykernel  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "ipykernel"], check=True)
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "python3" not in specs:
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(VENV)], check=True,
                       stdout=subprocess.DEVNULL)
    if "playbook" not in specs:
        sys.exit("no `playbook` kernelspec: run `playbook install --prefix $VENV` (bench/run.sh does)")


def wait_result(kc, msg_id: str, timeout: float = 300) -> tuple[float, dict]:
    """Waits for the execute_result (or error) of msg_id on iopub; returns its arrival time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_result":
            return time.perf_counter(), msg["content"]["data"]
        if msg["msg_type"] == "error":
            raise RuntimeError(f"cell failed: {msg['content']['ename']}: {msg['content']['evalue']}")
    raise RuntimeError(f"no execute_result within {timeout}s")


def drain_reply(kc, msg_id: str) -> None:
    while True:
        msg = kc.get_shell_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] != "ok":
                raise RuntimeError(msg["content"])
            return


def start_to_first_result(kernel: str, code: str, env: dict, check) -> float:
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=kernel)
    t0 = time.perf_counter()
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    kc = km.client()
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        msg_id = kc.execute(code)
        t1, data = wait_result(kc, msg_id)
        check(data["text/plain"])
        drain_reply(kc, msg_id)
        return t1 - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def warm_overhead(env: dict, runs: int) -> tuple[float, float, float]:
    """(median send->result ms, mean engine duration ms, mean send->result ms) for the
    local cell, warm, in one kernel."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="playbook")
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    kc = km.client()
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        # A Rust cell waits for the evaluation engine, so its background start-up (a
        # compile) is over before anything is timed.
        msg_id = kc.execute("1")
        wait_result(kc, msg_id, timeout=600)
        drain_reply(kc, msg_id)
        for _ in range(3):  # warm up (page cache, allocator, first-query set-up)
            msg_id = kc.execute(LOCAL_CELL)
            wait_result(kc, msg_id)
            drain_reply(kc, msg_id)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            msg_id = kc.execute(LOCAL_CELL)
            t1, _ = wait_result(kc, msg_id)
            times.append((t1 - t0) * 1000)
            drain_reply(kc, msg_id)
        msg_id = kc.execute("%queries")
        _, data = wait_result(kc, msg_id)
        drain_reply(kc, msg_id)
        durations = [int(m) for m in re.findall(r"· (\d+) ms$", data["text/plain"], re.M)]
        engine = durations[-runs:]
        assert len(engine) == runs, data["text/plain"][-2000:]
        return statistics.median(times), statistics.mean(engine), statistics.mean(times)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def cli_query_ms(runs: int) -> float:
    argv = [PB, "query", "logs", "--source", f"local:{DATA}", "--group", "/ecs/checkout",
            "--start", "2026-11-12T14:00:00Z", "--end", "2026-11-12T15:00:00Z",
            'filter level = "ERROR" | stats count(*) by route']
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def seed_moto(aws) -> tuple[str, str]:
    """A log group with EVENTS events over the last 50 minutes, straight into moto."""
    logs = aws.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
    end = datetime.now(timezone.utc).replace(microsecond=0)
    start = end - timedelta(minutes=50)
    t0 = int(start.timestamp() * 1000)
    step = 50 * 60 * 1000 // EVENTS
    routes = ["/api/cart", "/api/checkout", "/api/payment", "/api/products"]
    events = [
        {"timestamp": t0 + i * step,
         "message": f'{{"level":"{"ERROR" if i % 25 == 0 else "INFO"}","route":"{routes[i % 4]}",'
                    f'"latency_ms":{20 + (i * 37) % 400},"n":{i}}}'}
        for i in range(EVENTS)
    ]
    for i in range(0, EVENTS, 1000):
        logs.put_log_events(logGroupName=GROUP, logStreamName="web-1", logEvents=events[i:i + 1000])
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return iso(start), iso(end + timedelta(minutes=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=30)
    args = parser.parse_args()
    ensure_setup()
    sys.path.insert(0, str(ROOT / "tests"))
    from aws.moto_fixture import moto_endpoint  # noqa: E402

    base = dict(os.environ)
    base.pop("PLAYBOOK_SOURCE", None)
    local_env = {**base, "PLAYBOOK_SOURCE": f"local:{DATA}"}

    def local_ok(text: str) -> None:
        assert "route" in text and "count(*)" in text, text

    def rows20(text: str) -> None:
        assert "20 rows" in text or text.count('"n":') >= 20, text[:2000]

    with moto_endpoint() as aws:
        start, end = seed_moto(aws)
        moto_env = {**aws.environ(base), "PLAYBOOK_SOURCE": "cloudwatch"}
        moto_cell = f"%%logs --group {GROUP} --start {start} --end {end}\n{MOTO_QUERY}"
        py_cell = f"""import time, boto3
from datetime import datetime
logs = boto3.client("logs")
ts = lambda s: int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())
qid = logs.start_query(logGroupName={GROUP!r}, startTime=ts({start!r}), endTime=ts({end!r}),
                       queryString={MOTO_QUERY!r})["queryId"]
while True:
    r = logs.get_query_results(queryId=qid)
    if r["status"] in ("Complete", "Failed", "Cancelled", "Timeout"):
        break
    time.sleep(0.1)
rows = [{{f["field"]: f["value"] for f in row}} for row in r["results"]]
rows"""

        def py_ok(text: str) -> None:
            assert text.count("@message") == 20, text[:2000]

        results: dict[str, list[float]] = {"a": [], "b": [], "c": []}
        for round_ in range(1, args.rounds + 1):
            results["a"].append(start_to_first_result("playbook", LOCAL_CELL, local_env, local_ok))
            results["b"].append(start_to_first_result("playbook", moto_cell, moto_env, rows20))
            results["c"].append(start_to_first_result("python3", py_cell, moto_env, py_ok))
            print(f"round {round_}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in results.items()), flush=True)

    cell_median, engine_mean, cell_mean = warm_overhead(local_env, args.warm)
    cli = cli_query_ms(max(5, args.rounds))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"\nstart_kernel() -> first query result, medians of {args.rounds} rounds (seconds)")
    print(f"{'(a) playbook %%logs, local source':44}{med['a']:8.3f}")
    print(f"{'(b) playbook %%logs, cloudwatch (moto)':44}{med['b']:8.3f}")
    print(f"{'(c) ipykernel + boto3 start_query/poll':44}{med['c']:8.3f}")
    print(f"(b)/(c) = {med['b'] / med['c']:.2f}x")
    overhead = cell_mean - engine_mean
    print(f"\nwarm %%logs cell, local source, {args.warm} runs (ms)")
    print(f"{'send -> execute_result, median':44}{cell_median:8.1f}")
    print(f"{'send -> execute_result, mean':44}{cell_mean:8.1f}")
    print(f"{'engine duration_ms (%queries), mean':44}{engine_mean:8.1f}  (whole ms, truncated)")
    print(f"{'overhead per cell (mean cell - mean engine)':44}{overhead:8.1f}")
    print(f"{'`playbook query logs` process, median':44}{cli:8.1f}  (for reference: exec + load + query)")
    goal_a = overhead <= 20
    goal_b = med["b"] < med["c"]
    verdict = "MET" if goal_a and goal_b else "NOT MET"
    print(f"verdict: {verdict}: overhead {overhead:.1f} ms per cell (goal <= 20 ms: "
          f"{'met' if goal_a else 'not met'}); start -> first CloudWatch result {med['b']:.2f} s vs "
          f"ipykernel+boto3 {med['c']:.2f} s (goal faster: {'met' if goal_b else 'not met'})")


if __name__ == "__main__":
    main()
