#!/usr/bin/env python3
"""Kernel latency benchmark: the playbook kernel against evcxr_jupyter and ipykernel,
measured in the same run on the same machine (never a timed test).

    bench/run.sh [--rounds 3] [--install-evcxr]

For each kernel: process start -> kernel_info_reply, first trivial cell, warm trivial
cell (median of 5) right after it and again after 10 s idle (playbook's rust-analyzer
works in the background for a few seconds after start), a cell defining a fn and a
struct; for playbook also the first cell
using the library with a `let`, sent at once and sent after the engine finished starting.
Ratios are printed against evcxr_jupyter when its kernelspec ("rust") is installed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from queue import Empty

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

CELLS = {
    "rust": {
        "trivial": "1 + 1",
        "fn_struct": "fn area(w: u32, h: u32) -> u32 { w * h }\nstruct Rect { w: u32, h: u32 }\nlet r = Rect { w: 3, h: 4 }; area(r.w, r.h)",
    },
    "python": {
        "trivial": "1 + 1",
        "fn_struct": "def area(w, h): return w * h\nclass Rect:\n    def __init__(self, w, h): self.w, self.h = w, h\nr = Rect(3, 4); area(r.w, r.h)",
    },
}
SETTLE = 10.0
LIBRARY_CELL = 'let bundle = MimeBundle::text("ready"); bundle.data.len()'


def run_cell(kc, code: str, timeout: float = 600) -> float:
    start = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        try:
            msg = kc.get_shell_msg(timeout=timeout)
        except Empty:
            raise RuntimeError(f"no reply to {code!r}")
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] != "ok":
                raise RuntimeError(f"{code!r} failed: {msg['content']}")
            return time.perf_counter() - start


def start(name: str):
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel(stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=600)
    return km, kc, time.perf_counter() - t0


def raw_kernel_info(name: str) -> float:
    """Process exec -> kernel_info_reply, without KernelManager's own start-up overhead:
    the kernelspec's argv is run directly, the shell port is polled every millisecond
    (a ZeroMQ client connecting early would wait for its 100 ms reconnect back-off), then
    a client connects and asks for kernel_info."""
    import socket
    import subprocess
    import tempfile

    from jupyter_client import BlockingKernelClient
    from jupyter_client.connect import write_connection_file

    spec = KernelSpecManager().get_kernel_spec(name)
    path, info = write_connection_file(tempfile.mktemp(suffix=".json"), ip="127.0.0.1")
    argv = [a.replace("{connection_file}", path) for a in spec.argv]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = None
    try:
        while time.perf_counter() - t0 < 60:
            try:
                socket.create_connection(("127.0.0.1", info["shell_port"]), timeout=0.05).close()
                break
            except OSError:
                time.sleep(0.001)
        kc = BlockingKernelClient(connection_file=path)
        kc.load_connection_file()
        kc.start_channels()
        kc.kernel_info()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["msg_type"] == "kernel_info_reply":
                return time.perf_counter() - t0
    finally:
        if kc is not None:
            kc.stop_channels()
        proc.kill()
        proc.wait()


def measure(name: str, language: str) -> dict:
    cells = CELLS[language]
    raw = raw_kernel_info(name)
    km, kc, ready = start(name)
    try:
        first = run_cell(kc, cells["trivial"])
        warm = statistics.median(run_cell(kc, cells["trivial"]) for _ in range(5))
        fn_struct = run_cell(kc, cells["fn_struct"])
        # The same cells once the kernel has settled: playbook's rust-analyzer works in
        # the background for a few seconds after start (same pause for every kernel).
        time.sleep(SETTLE)
        settled = statistics.median(run_cell(kc, cells["trivial"]) for _ in range(5))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {
        "kernel_info_raw": raw,
        "kernel_info": ready,
        "first_trivial": first,
        "warm_trivial": warm,
        "fn_struct": fn_struct,
        "warm_trivial_settled": settled,
    }


def measure_library_cell(wait: float) -> float:
    km, kc, _ = start("playbook")
    try:
        time.sleep(wait)
        return run_cell(kc, LIBRARY_CELL)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    specs = KernelSpecManager().find_kernel_specs()
    kernels = [("playbook", "rust")]
    if "rust" in specs:
        kernels.append(("rust", "rust"))
    if "python3" in specs:
        kernels.append(("python3", "python"))
    results: dict[str, list[dict]] = {name: [] for name, _ in kernels}
    for round_ in range(args.rounds):
        for name, language in kernels:
            results[name].append(measure(name, language))
            print(f"round {round_ + 1}: {name} {results[name][-1]}", flush=True)
    library_now = [measure_library_cell(0) for _ in range(args.rounds)]
    library_ready = [measure_library_cell(15) for _ in range(args.rounds)]

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print("\nmedians over", args.rounds, "rounds (seconds)")
    header = f"{'figure':34}" + "".join(f"{name:>14}" for name, _ in kernels)
    print(header)
    for key in ("kernel_info_raw", "kernel_info", "first_trivial", "warm_trivial", "fn_struct",
                "warm_trivial_settled"):
        print(f"{key:34}" + "".join(f"{med(name, key):14.3f}" for name, _ in kernels))
    print(f"{'playbook first library let cell':34}{statistics.median(library_now):14.3f}  (sent right after kernel_info)")
    print(f"{'  … after the engine is ready':34}{statistics.median(library_ready):14.3f}  (sent 15 s after kernel_info)")
    print("\ntargets: kernel_info <= 0.05 s; warm trivial <= 0.7x evcxr_jupyter; first library cell <= 3 s")
    print(f"playbook kernel_info: {med('playbook', 'kernel_info_raw'):.3f} s from exec "
          f"({med('playbook', 'kernel_info'):.3f} s through KernelManager.start_kernel + wait_for_ready)")
    if "rust" in results:
        for key, when in (("warm_trivial", "right after start"),
                          ("warm_trivial_settled", f"after {SETTLE:.0f} s idle")):
            ratio = med("playbook", key) / med("rust", key)
            print(f"warm trivial cell {when}, playbook / evcxr_jupyter = {ratio:.2f}x "
                  "(measured in this run)")
    else:
        print("evcxr_jupyter is not installed (bench/run.sh --install-evcxr adds it): "
              "compare with the field notes' 0.37-0.43 s, not measured in this run")
    if "python3" in results:
        for key in ("kernel_info_raw", "kernel_info"):
            ratio = med("playbook", key) / med("python3", key)
            print(f"{key}, playbook / ipykernel = {ratio:.2f}x (measured in this run)")


if __name__ == "__main__":
    main()
