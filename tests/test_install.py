"""install.sh with release archives: the real script, run in a throwaway HOME or prefix,
against archives `dist/build-archive.sh --binary` packs from the binary under test,
served from a file:// URL and from a localhost HTTP server.

No test builds from source: PLAYBOOK_PREBUILT_BIN points install.sh's build step at the
binary under test (it says so, and installs that binary instead of running cargo), so a
fallback is visible both in what install.sh says and in which binary it installed — the
archive's is stripped of debug info, the one under test is not. The prebuild step runs
against this run's warm cache (PLAYBOOK_CACHE), where it finds the template up to date.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import support

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = Path(support.PLAYBOOK)
REAL_HOME = Path(os.environ.get("HOME", "/root"))


@dataclass
class Release:
    dir: Path          # the release location: the archive and its .sha256
    archive: Path
    name: str          # playbook-<version>-<target>
    version: str
    target: str
    binary_sha: str    # sha256 of the archive's bin/playbook


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Release:
    out = tmp_path_factory.mktemp("release")
    built = subprocess.run(
        [str(ROOT / "dist/build-archive.sh"), "--binary", str(PLAYBOOK), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stderr
    archive = Path(built.stdout.strip().splitlines()[-1])
    name = archive.name.removesuffix(".tar.gz")
    _, version, target = name.split("-", 2)
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"{name}/bin/playbook")
        assert member is not None
        binary_sha = hashlib.sha256(member.read()).hexdigest()
    return Release(out, archive, name, version, target, binary_sha)


def install_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # The toolchain stays the real one (rustup finds it through these, not through HOME).
    env.setdefault("RUSTUP_HOME", str(REAL_HOME / ".rustup"))
    env.setdefault("CARGO_HOME", str(REAL_HOME / ".cargo"))
    env.setdefault("PLAYBOOK_CACHE", str(REAL_HOME / ".cache/playbook"))
    for name in ("PLAYBOOK_RELEASE_URL", "JUPYTER_DATA_DIR", "PLAYBOOK_LIB_DIR"):
        env.pop(name, None)
    env["HOME"] = str(home)
    env["PLAYBOOK_PREBUILT_BIN"] = str(PLAYBOOK)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def install(env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run(
        ["bash", str(ROOT / "install.sh"), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
    )
    return done.returncode, done.stdout


@contextlib.contextmanager
def served(directory: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def assert_built_from_source(out: str, binary: Path, share: Path) -> None:
    assert "building playbook" in out, out
    assert "not running cargo: PLAYBOOK_PREBUILT_BIN" in out, out
    assert sha256(binary) == sha256(PLAYBOOK), "the fallback installs the binary under test"
    assert not share.exists(), "nothing of a refused archive is installed"


@contextlib.contextmanager
def fresh_cache() -> Iterator[Path]:
    """An empty playbook cache (a short path: a kernel's host socket lives under it, and
    sun_path is 108 bytes), removed afterwards."""
    cache = Path(tempfile.mkdtemp(prefix="pb-cache-", dir="/tmp"))
    try:
        yield cache
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def as_on_another_machine(env: dict[str, str], prefix: Path) -> dict[str, str]:
    """The installed binary uses the library installed beside it, as on a machine without
    this checkout (here the binary's own build tree exists, and would win)."""
    return dict(env, PLAYBOOK_LIB_DIR=str(prefix / "share/playbook/playbook-lib"))


def test_an_archive_from_a_file_url_is_verified_installed_and_runs_the_bundled_playbook(
    release, tmp_path
):
    home = tmp_path / "home"
    home.mkdir()
    with fresh_cache() as cache:
        env = as_on_another_machine(
            install_env(home, PLAYBOOK_RELEASE_URL=release.dir.as_uri(), PLAYBOOK_CACHE=str(cache)),
            home / ".local",
        )
        installed_and_ran(release, tmp_path, home, env)


def installed_and_ran(release: Release, tmp_path: Path, home: Path, env: dict[str, str]) -> None:
    code, out = install(env)
    assert code == 0, out
    assert f"sha256 verified: {sha256(release.archive)}" in out, out
    assert "building playbook" not in out, out
    assert "the prebuilt cell library is up to date" in out, out
    binary = home / ".local/bin/playbook"
    assert sha256(binary) == release.binary_sha, "the archive's binary is installed"
    share = home / ".local/share/playbook"
    assert (share / "playbook-lib/Cargo.toml").is_file()
    assert (share / "Cargo.lock").read_bytes() == (ROOT / "Cargo.lock").read_bytes()
    spec = json.loads((home / ".local/share/jupyter/kernels/playbook/kernel.json").read_text())
    assert spec["argv"][0] == str(binary)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"playbook {release.version}"
    # The archive's own copy of the bundled playbook, on the archive's bundled data.
    record = tmp_path / "incident-record.ipynb"
    run = subprocess.run(
        [str(binary), "run", str(share / "notebooks/latency-spike.ipynb"), "-o", str(record)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert record.is_file()


def test_an_archive_from_a_localhost_http_server_is_installed_into_a_prefix(release, tmp_path):
    prefix = tmp_path / "venv"
    with fresh_cache() as cache, served(release.dir) as url:
        env = as_on_another_machine(install_env(tmp_path, PLAYBOOK_CACHE=str(cache)), prefix)
        code, out = install(dict(env, PLAYBOOK_RELEASE_URL=url), "--prefix", str(prefix))
    assert code == 0, out
    assert "sha256 verified" in out, out
    binary = prefix / "bin/playbook"
    assert sha256(binary) == release.binary_sha
    assert (prefix / "share/playbook/playbook-lib/src/lib.rs").is_file()
    assert (prefix / "share/jupyter/kernels/playbook/kernel.json").is_file()
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"playbook {release.version}"


def test_a_wrong_checksum_is_refused_said_and_the_binary_is_built_from_source(
    release, tmp_path
):
    tampered = tmp_path / "release"
    tampered.mkdir()
    shutil.copy(release.dir / f"{release.name}.tar.gz.sha256", tampered)
    data = release.archive.read_bytes()
    (tampered / release.archive.name).write_bytes(data + b"tampered")
    prefix = tmp_path / "prefix"
    env = install_env(tmp_path, PLAYBOOK_RELEASE_URL=tampered.as_uri())
    code, out = install(env, "--prefix", str(prefix))
    assert code == 0, out
    assert f"checksum mismatch for {release.name}.tar.gz" in out, out
    assert "refusing it and building from source" in out, out
    assert "installing the archive's prebuilt cell library" not in out, out
    assert_built_from_source(out, prefix / "bin/playbook", prefix / "share/playbook")


def test_no_archive_for_this_platform_builds_from_source_and_says_so(release, tmp_path):
    empty = tmp_path / "empty-release"
    empty.mkdir()
    prefix = tmp_path / "prefix"
    with served(empty) as url:
        code, out = install(install_env(tmp_path, PLAYBOOK_RELEASE_URL=url), "--prefix", str(prefix))
    assert code == 0, out
    assert f"no archive for {release.target} there" in out, out
    assert "building from source" in out, out
    assert_built_from_source(out, prefix / "bin/playbook", prefix / "share/playbook")


def test_without_a_release_location_the_binary_is_built_from_source(tmp_path):
    prefix = tmp_path / "prefix"
    code, out = install(install_env(tmp_path), "--prefix", str(prefix))
    assert code == 0, out
    assert "no release location (PLAYBOOK_RELEASE_URL is not set)" in out, out
    assert_built_from_source(out, prefix / "bin/playbook", prefix / "share/playbook")


def test_without_a_rust_toolchain_install_says_to_use_rustup_and_fails(release, tmp_path):
    # PATH without any directory that holds cargo or rustc.
    path = [
        d for d in os.environ["PATH"].split(os.pathsep)
        if d and not (Path(d, "cargo").exists() or Path(d, "rustc").exists())
    ]
    prefix = tmp_path / "prefix"
    env = install_env(tmp_path, PATH=os.pathsep.join(path), PLAYBOOK_RELEASE_URL=release.dir.as_uri())
    code, out = install(env, "--prefix", str(prefix))
    assert code != 0, out
    assert "no Rust toolchain found" in out, out
    assert "compiles Rust cells when they run" in out, out
    assert "https://sh.rustup.rs" in out, out
    assert not (prefix / "bin/playbook").exists(), "nothing is installed without a toolchain"


def test_the_archives_library_source_builds_cells_outside_the_workspace(release, tmp_path):
    """The library as the archive ships it (its manifest normalised by `cargo package`)
    compiles as the cells' dependency, away from this workspace. PLAYBOOK_LIB_DIR points
    the binary at it (the binary under test would otherwise use its own checkout); the
    cache starts from a copy of this run's template, so the kernel rebuilds from it only
    what the other library path changes."""
    with tarfile.open(release.archive) as tar:
        tar.extractall(tmp_path, filter="data")
    share = tmp_path / release.name / "share/playbook"
    warm = Path(os.environ.get("PLAYBOOK_CACHE", REAL_HOME / ".cache/playbook"))
    # A short path: the kernel's host socket lives under the cache (sun_path is 108 bytes).
    cache = Path(tempfile.mkdtemp(prefix="pb-cache-", dir="/tmp"))
    try:
        shutil.copytree(warm / "cells/template", cache / "cells/template", symlinks=True)
        env = install_env(tmp_path, PLAYBOOK_CACHE=str(cache), PLAYBOOK_LIB_DIR=str(share / "playbook-lib"))
        record = tmp_path / "record.ipynb"
        run = subprocess.run(
            [str(PLAYBOOK), "run", str(share / "notebooks/latency-spike.ipynb"), "-o", str(record)],
            env=env, capture_output=True, text=True, timeout=900,
        )
        built_for = json.loads((cache / "cells/template/.playbook-built-for.json").read_text())
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "the library's sources changed since" in run.stderr, run.stderr[-3000:]
    assert "rebuilt the prebuilt cell library" in run.stderr, run.stderr[-3000:]
    assert built_for["library_dir"] == str((share / "playbook-lib").resolve())


def test_the_archives_cell_template_is_used_under_another_prefix_cache_home_and_cargo_home(
    release, tmp_path
):
    """From a fresh machine's point of view: the archive's prebuilt cell library was built
    in a temporary cache, for the library in a temporary staging directory, with this
    machine's CARGO_HOME. Installed under another prefix, cache and HOME, with an empty
    CARGO_HOME (no registry at all, as on a machine that never ran cargo), `playbook
    install` finds it fresh, and README command 1's run and report compile no crate but
    the cells' own: cargo runs (PLAYBOOK_TRACE counts it) and compiles nothing it names."""
    with tarfile.open(release.archive) as tar:
        names = tar.getnames()
    assert f"{release.name}/cell-template/.playbook-built-for.json" in names
    assert f"{release.name}/cell-template/.evcxr-rustc.json" not in names, \
        "the build machine's environment is not shipped"
    prefix, home, cargo_home = tmp_path / "elsewhere/prefix", tmp_path / "home", tmp_path / "cargo"
    home.mkdir()
    cargo_home.mkdir()
    with fresh_cache() as cache:
        env = as_on_another_machine(
            install_env(home, PLAYBOOK_RELEASE_URL=release.dir.as_uri(),
                        PLAYBOOK_CACHE=str(cache), CARGO_HOME=str(cargo_home)),
            prefix,
        )
        code, out = install(env, "--prefix", str(prefix))
        assert code == 0, out
        assert "installing the archive's prebuilt cell library" in out, out
        assert "the prebuilt cell library is up to date" in out, out
        assert "prebuilt the cell library in" not in out, out
        binary = prefix / "bin/playbook"
        record, report = tmp_path / "incident-record.ipynb", tmp_path / "incident-report.html"
        run = subprocess.run(
            [str(binary), "run", str(prefix / "share/playbook/notebooks/latency-spike.ipynb"),
             "-o", str(record)],
            env=dict(env, PLAYBOOK_TRACE="1"), capture_output=True, text=True, timeout=600,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        assert "evcxr: building with cargo" in run.stderr, run.stderr[-3000:]
        assert run.stderr.count("evcxr: rustc:") >= 1, run.stderr[-3000:]
        assert "Compiling" not in run.stderr, "a library crate was compiled: " + run.stderr[-3000:]
        assert "stale" not in run.stderr, run.stderr[-3000:]
        rendered = subprocess.run(
            [str(binary), "report", str(record), "-o", str(report)],
            env=env, capture_output=True, text=True, timeout=300,
        )
        assert rendered.returncode == 0, rendered.stderr[-3000:]
        assert report.is_file()
    fetched = [*cargo_home.glob("registry/cache/*/*"), *cargo_home.glob("registry/src/*/*")]
    assert not fetched, f"nothing is fetched from a registry: {fetched}"


def test_an_archives_cell_template_for_another_toolchain_and_version_is_rebuilt_saying_why(
    release, tmp_path
):
    """A template whose record names another `rustc -vV` (the release machine's toolchain
    is not this one) and another playbook version is never used: `playbook install` says
    why and builds one for this machine."""
    unpacked = tmp_path / "unpacked"
    with tarfile.open(release.archive) as tar:
        tar.extractall(unpacked, filter="data")
    record_path = unpacked / release.name / "cell-template/.playbook-built-for.json"
    built_for = json.loads(record_path.read_text())
    built_for["toolchain"] = "rustc 1.80.0 (051478957 2024-07-21)\nhost: " + release.target + "\n"
    built_for["kernel"] = "0.0.1"
    record_path.write_text(json.dumps(built_for))
    other = tmp_path / "release"
    other.mkdir()
    archive = other / release.archive.name
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(unpacked / release.name, arcname=release.name)
    (other / f"{archive.name}.sha256").write_text(f"{sha256(archive)}  {archive.name}\n")
    prefix = tmp_path / "prefix"
    with fresh_cache() as cache:
        env = as_on_another_machine(
            install_env(tmp_path, PLAYBOOK_RELEASE_URL=other.as_uri(), PLAYBOOK_CACHE=str(cache)),
            prefix,
        )
        code, out = install(env, "--prefix", str(prefix))
        rebuilt = json.loads((cache / "cells/template/.playbook-built-for.json").read_text())
    assert code == 0, out
    assert "sha256 verified" in out, out
    assert "the prebuilt cell library does not fit this playbook" in out, out
    assert "built with rustc 1.80.0" in out, out
    assert f"built by playbook 0.0.1, this is {release.version}" in out, out
    assert "prebuilt the cell library in" in out, out
    toolchain = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout
    assert rebuilt["toolchain"] == toolchain
    assert rebuilt["kernel"] == release.version
