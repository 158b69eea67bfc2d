"""No input exhausts memory or time (issue 25, items 2 and 3), through the real binary.

Each input is refused (exit 3, a message naming the file, the line or the limit) or drawn
within the chart's pixels, under an address-space limit the unbounded versions blew
through: a 305-byte YAML alias bomb took 2 GB, `report /dev/zero` read until memory ran
out, a series point in the year 262142 built a 946 MB SVG. Named after what each guards.
"""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path

import pytest

from conftest import notebook
from support import PLAYBOOK

# Address space for commands that must refuse their input early. The bounded binary needs
# well under this (its mappings included); each bomb below expands far past it.
ADDRESS_SPACE = 3 << 30


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def playbook(*args: str, timeout: float = 120, bounded: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PLAYBOOK, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limited if bounded else None,
    )


def alias_bomb(levels: int, width: int) -> str:
    """A "billion laughs" document: width**levels strings once its aliases are expanded."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"targets: *a{levels}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels,width", [(9, 4), (9, 9), (12, 9)])
def test_a_yaml_alias_bomb_targets_file_is_refused_without_expanding(tmp_path, levels, width):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(levels, width))
    nb = notebook(tmp_path / "one.ipynb", "1")
    done = playbook("fleet", str(nb), "--targets", str(bomb), "--plan")
    assert done.returncode == 3, (done.returncode, done.stderr[-2000:])
    assert f"{bomb}: line 2: YAML aliases (`*name`) are not supported here" in done.stderr


def test_a_yaml_alias_bomb_parameters_file_is_refused_without_expanding(tmp_path):
    bomb = tmp_path / "params.yaml"
    bomb.write_text(alias_bomb(12, 9))
    nb = notebook(tmp_path / "one.ipynb", "1")
    done = playbook("run", str(nb), "-f", str(bomb), "-o", str(tmp_path / "out.ipynb"))
    assert done.returncode == 3, (done.returncode, done.stderr[-2000:])
    assert str(bomb) in done.stderr and "line 2: YAML aliases" in done.stderr, done.stderr
    assert not (tmp_path / "out.ipynb").exists()


def test_yaml_nested_past_its_bound_is_refused_naming_the_line(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("targets:\n" + "".join(f"{'  ' * (d + 1)}k{d}:\n" for d in range(40)) + "  " * 41 + "x\n")
    nb = notebook(tmp_path / "one.ipynb", "1")
    done = playbook("fleet", str(nb), "--targets", str(deep), "--plan")
    assert done.returncode == 3
    assert f"{deep}: line 33: nested deeper than 32 levels" in done.stderr, done.stderr


def test_deeply_nested_json_inputs_are_errors_not_crashes(tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    nb = notebook(tmp_path / "one.ipynb", "1")
    targets = tmp_path / "targets.json"
    targets.write_text(deep)
    done = playbook("fleet", str(nb), "--targets", str(targets), "--plan")
    assert done.returncode == 3 and "recursion limit exceeded" in done.stderr, done.stderr[-2000:]
    params = tmp_path / "params.json"
    params.write_text(deep)
    done = playbook("run", str(nb), "-f", str(params))
    assert done.returncode == 3 and "recursion limit exceeded" in done.stderr, done.stderr[-2000:]
    record = tmp_path / "record.ipynb"
    record.write_text('{"nbformat": 4, "cells": ' + deep + "}")
    done = playbook("report", str(record))
    assert done.returncode == 3 and "recursion limit exceeded" in done.stderr, done.stderr[-2000:]
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    (summaries / "a.json").write_text(deep)
    targets.write_text('{"targets": [{"name": "a"}]}')
    done = playbook("fleet", str(nb), "--targets", str(targets), "--from-summaries", str(summaries),
                    "--out", str(tmp_path / "fleet"))
    assert done.returncode == 3 and "a.json" in done.stderr, done.stderr[-2000:]


def test_report_of_dev_zero_is_refused_not_read_forever():
    done = playbook("report", "/dev/zero", timeout=60)
    assert done.returncode == 3, (done.returncode, done.stderr[-2000:])
    assert "/dev/zero is larger than 256 MiB" in done.stderr, done.stderr
    done = playbook("report", "/dev/zero", "--compare", "/dev/zero", timeout=60)
    assert done.returncode == 3 and "/dev/zero is larger than 256 MiB" in done.stderr


def test_a_notebook_past_the_size_bound_is_refused_unread(tmp_path):
    big = tmp_path / "big.ipynb"
    with big.open("wb") as f:
        f.truncate((256 << 20) + 1)  # sparse: costs no disk
    done = playbook("run", str(big))
    assert done.returncode == 3
    assert f"{big} is larger than 256 MiB (notebooks and records are read whole" in done.stderr


def test_a_chart_point_millennia_away_stays_small_through_run_and_compare(tmp_path):
    # An epoch in milliseconds read as seconds: the year 58900. The chart says so, small.
    cell = """
let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
let series = Series::from_points("orders", None, [(at(1_796_601_600), Some(1.0)), (at(1_796_601_600_000), Some(2.0))]);
display(&series)?;
"""
    nb = notebook(tmp_path / "chart.ipynb", cell)
    record = tmp_path / "chart.record.ipynb"
    done = playbook("run", str(nb), "-o", str(record), timeout=600, bounded=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert record.stat().st_size < 200_000, record.stat().st_size
    svgs = [
        "".join(o["data"]["image/svg+xml"])
        for c in json.loads(record.read_text())["cells"]
        for o in c.get("outputs", [])
        if "image/svg+xml" in o.get("data", {})
    ]
    assert svgs and all(len(s) < 4_000 and "Not drawn: the points span" in s for s in svgs), svgs
    compared = tmp_path / "compare.html"
    done = playbook("report", str(record), "--compare", str(record), "-o", str(compared))
    assert done.returncode == 0, done.stderr[-3000:]
    html = compared.read_text()
    assert len(html) < 200_000 and "Not drawn: the points span" in html
