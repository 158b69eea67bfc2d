"""Probes and the canary playbook, against servers this module starts on 127.0.0.1: HTTPS
with a certificate valid for a year and one expiring in 5 days (a test CA made with the
`openssl` command, trusted through SSL_CERT_FILE), a slow server, one answering 500, one
that accepts connections and never answers (the deadline must hold). The canary runs on
the bundled stand-in service with each fault injected, on given endpoints, and against
moto (its availability and latency land in CloudWatch through PutMetricData)."""

from __future__ import annotations

import datetime
import json
import os
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from conftest import notebook
from support import run_to_record as run

ROOT = Path(__file__).resolve().parent.parent
CANARY = ROOT / "notebooks" / "canary.ipynb"
SECRET = "Bearer s3cr3t-probe-token"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    """A CA, and two server certificates for 127.0.0.1 it signed: 365 days and 5 days."""
    d = tmp_path_factory.mktemp("certs")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "30", "-subj", "/CN=playbook test CA", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                               "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    for name, days in [("year", "365"), ("expiring", "5")]:
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", "/CN=127.0.0.1", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", days, "-extfile", "san.ext", cwd=d)
    return d


class Handler(BaseHTTPRequestHandler):
    delay = 0.0
    status = 200

    def do_GET(self):
        self.server.seen_headers.append({k.lower(): v for k, v in self.headers.items()})
        time.sleep(self.delay)
        body = b'{"status":"ok"}'
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler: type, cert: Path | None = None) -> tuple[str, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.seen_headers = []
    scheme = "http"
    if cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert / f"{handler.cert_name}.pem", cert / f"{handler.cert_name}.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"{scheme}://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="module")
def servers(certs):
    class Year(Handler):
        cert_name = "year"

    class Expiring(Handler):
        cert_name = "expiring"

    class Slow(Handler):
        delay = 1.2

    class Failing(Handler):
        status = 500

    started = {
        "year": serve(Year, certs),
        "expiring": serve(Expiring, certs),
        "slow": serve(Slow),
        "failing": serve(Failing),
    }
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts (the kernel queues the connection), never answers
    urls = {name: url for name, (url, _) in started.items()}
    urls["silent"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
    yield urls, {name: server for name, (_, server) in started.items()}
    for _, server in started.values():
        server.shutdown()
    silent.close()


def env_for(certs: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, SSL_CERT_FILE=str(certs / "ca.pem"), **extra)
    env.pop("PLAYBOOK_SOURCE", None)
    return env


def verdicts(record: dict) -> dict[str, str]:
    return {c["name"]: c["verdict"] for c in record["metadata"]["playbook"]["checks"]}


def test_probes_time_every_stage_read_certificates_and_keep_their_deadline(tmp_path, certs, servers):
    urls, started = servers
    nb = notebook(tmp_path / "probes.ipynb", f"""
let t0 = std::time::Instant::now();
let report = probe_all(&[
    probe("{urls['year']}/health?api_key=s3cr3t-query").header("Authorization", "{SECRET}").body_contains("ok"),
    probe("{urls['expiring']}/"),
    probe("{urls['slow']}/"),
    probe("{urls['failing']}/"),
    probe("{urls['silent']}/").timeout_secs(1.0),
])?;
println!("ELAPSED {{}}", t0.elapsed().as_millis());
println!("REPORT {{}}", playbook::serde_json::to_string(&report)?);
report
""")
    started_at = time.monotonic()
    done, record = run(nb, env=env_for(certs))
    assert done.returncode == 0, done.stderr[-3000:]
    text = "".join(o.get("text", "") for c in record["cells"] for o in c.get("outputs", []))
    report = json.loads(text.split("REPORT ", 1)[1].splitlines()[0])["results"]
    year, expiring, slow, failing, silent = report
    # HTTPS: every stage timed, the certificate read (days computed here, independently).
    assert year["ok"] and year["status"] == 200, year
    for stage in ["dns_ms", "connect_ms", "tls_ms", "first_byte_ms", "download_ms"]:
        assert year["timings"][stage] is not None and year["timings"][stage] <= year["timings"]["total_ms"]
    assert 364 < year["certificate"]["days_left"] <= 365
    assert 4 < expiring["certificate"]["days_left"] <= 5
    # The slow one is slow at first byte; the 500 fails on status; the silent one times out
    # at first byte after its 1 s deadline, and the call did not wait for more than that.
    assert slow["ok"] and slow["timings"]["first_byte_ms"] >= 1150, slow
    assert failing["failure"]["stage"] == "status" and failing["status"] == 500
    assert silent["failure"] == {"stage": "response", "timed_out": True, "message": "no answer within 1000 ms"}
    assert 990 <= silent["timings"]["total_ms"] < 3000
    assert int(text.split("ELAPSED ", 1)[1].split()[0]) < 5000, "probes run at once"
    assert time.monotonic() - started_at < 120
    # The header reached the server, and nowhere else: not the record, not the output.
    assert started["year"].seen_headers[-1]["authorization"] == SECRET
    raw = json.dumps(record)
    assert "s3cr3t" not in raw
    queries = [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "probe"]
    assert len(queries) == 5
    assert "/health?api_key=" in queries[0]["query"]  # the value masked (by the probe, and by the record's redaction)
    assert "tls" in queries[0]["notes"][0] and "certificate expires in" in queries[0]["notes"][0]
    assert [q["status"] for q in queries] == ["ok", "ok", "ok", "failed", "failed"]
    html = next(o["data"]["text/html"] for c in record["cells"] for o in c.get("outputs", [])
                if "text/html" in o.get("data", {}))
    assert "first byte" in html and "3/5 probes ok" in html


def test_the_canary_is_green_on_the_bundled_stand_in(certs):
    done, record = run(CANARY, env=env_for(certs))
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(verdicts(record).values()) == {"pass"}
    kinds = [q["kind"] for q in record["metadata"]["playbook"]["queries"]]
    assert kinds.count("probe") == 2 and "publish_metrics" in kinds


@pytest.mark.parametrize("fault, failing", [
    ("slow", {"slowest answer"}),
    ("errors", {"checkout answers as expected"}),
    ("down", {"health answers as expected", "checkout answers as expected"}),
])
def test_an_injected_fault_fails_the_right_check(certs, fault, failing):
    done, record = run(CANARY, "-p", f"fault={fault}", env=env_for(certs))
    assert done.returncode == 2, done.stderr[-3000:]
    assert {name for name, v in verdicts(record).items() if v == "fail"} == failing


def test_an_expiring_certificate_fails_the_certificate_check(certs, servers):
    urls, _ = servers
    endpoints = json.dumps([f"{urls['year']}/health", f"{urls['expiring']}/health"])
    done, record = run(CANARY, "-p", f"endpoints={endpoints}", env=env_for(certs))
    assert done.returncode == 2, done.stderr[-3000:]
    failed = {name for name, v in verdicts(record).items() if v == "fail"}
    assert failed == {"certificate days left"}, verdicts(record)


def test_the_canary_publishes_availability_and_latency_to_cloudwatch(moto, certs, servers):
    urls, _ = servers
    moto.reset()
    env = moto.playbook_env(SSL_CERT_FILE=str(certs / "ca.pem"))
    # The same canary in another region, all green there for the last 20 minutes.
    now = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
    west = boto3.client("cloudwatch", endpoint_url=moto.moto_url, region_name="us-west-2",
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    west.put_metric_data(Namespace="Playbook/Canary", MetricData=[
        {"MetricName": "Availability", "Dimensions": [{"Name": "Canary", "Value": "moto-canary"}],
         "Timestamp": now - datetime.timedelta(minutes=m), "Value": 100.0, "Unit": "Percent"}
        for m in range(1, 21)])
    endpoints = json.dumps([f"{urls['year']}/health", f"{urls['failing']}/"])
    done, record = run(CANARY, "--source", "cloudwatch", "-p", f"endpoints={endpoints}",
                       "-p", "canary=moto-canary", "-p", 'compare_regions=["us-west-2"]', env=env)
    assert done.returncode == 2, done.stderr[-3000:]
    # Only this region fails: its availability beside the other region's, in one chart.
    cell = next(c for c in record["cells"] if c.get("id") == "canary-regions")
    text = "".join(o.get("text", "") for o in cell["outputs"])
    assert "this region: 50.0 % now, mean 50.0 % over the hour" in text and "us-west-2: mean 100.0 % over 20 points" in text, text
    assert any("image/svg+xml" in o.get("data", {}) for o in cell["outputs"]), cell["outputs"]
    regions = {q.get("region") for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "metrics"}
    assert {"us-east-1", "us-west-2"} <= regions, record["metadata"]["playbook"]["queries"]
    listed = moto.client("cloudwatch").list_metrics(Namespace="Playbook/Canary")["Metrics"]
    seen = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in listed}
    assert ("Availability", (("Canary", "moto-canary"),)) in seen
    endpoint = f"GET {urls['year']}/health"
    assert ("Latency", (("Canary", "moto-canary"), ("Endpoint", endpoint))) in seen
    overall = moto.client("cloudwatch").get_metric_statistics(
        Namespace="Playbook/Canary", MetricName="Availability",
        Dimensions=[{"Name": "Canary", "Value": "moto-canary"}],
        StartTime=record["metadata"]["playbook"]["started"], EndTime="2100-01-01T00:00:00Z",
        Period=3600, Statistics=["Average"])["Datapoints"]
    assert [p["Average"] for p in overall] == [50.0]
