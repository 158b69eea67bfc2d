"""Self-test of the RPCv2-CBOR proxy in front of moto, without any Rust.

moto 5.2.x lacks Smithy RPCv2-CBOR (what the latest aws-sdk-cloudwatch speaks); these
tests drive the proxy with a tiny hand-written RPCv2-CBOR client (cbor2 + http.client,
unsigned: the proxy gives unsigned requests a dummy SigV4 scope so moto can route them)
and check what an SDK would see: CBOR bodies, tag-1 float timestamps, float doubles,
CBOR errors with `__type`, and untouched pass-through for CloudWatch Logs and /moto-api.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cbor2
import pytest

from aws.cbor_proxy import json_to_cbor, service_model
from aws.moto_fixture import MotoEndpoint, _free_port

SERVICE = "GraniteServiceVersion20100801"
UTC = dt.UTC


def ts(value: dt.datetime) -> cbor2.CBORTag:
    """A timestamp the way smithy-rs encodes one: tag 1 around float epoch seconds."""
    return cbor2.CBORTag(1, value.timestamp())


class Reply:
    def __init__(self, status: int, headers: dict[str, str], raw: bytes):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.body = cbor2.loads(raw) if raw else None


def rpc(
    endpoint: str,
    op: str,
    params: dict | None = None,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    chunked: bool = False,
    conn: http.client.HTTPConnection | None = None,
) -> Reply:
    """One RPCv2-CBOR call, as the Rust SDK makes it (minus SigV4)."""
    url = urllib.parse.urlsplit(endpoint)
    own = conn is None
    conn = conn or http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    payload = cbor2.dumps(params or {}) if body is None else body
    all_headers = {
        "smithy-protocol": "rpc-v2-cbor",
        "Content-Type": "application/cbor",
        "Accept": "application/cbor",
        "x-amzn-query-mode": "true",
        **(headers or {}),
    }
    try:
        if chunked:
            all_headers["Transfer-Encoding"] = "chunked"
            # Three chunks, to exercise the proxy's de-chunking.
            parts = iter([payload[:5], payload[5:11], payload[11:]])
            conn.request(
                "POST",
                f"/service/{SERVICE}/operation/{op}",
                body=parts,
                headers=all_headers,
                encode_chunked=True,
            )
        else:
            conn.request(
                "POST", f"/service/{SERVICE}/operation/{op}", body=payload, headers=all_headers
            )
        resp = conn.getresponse()
        raw = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw)
    finally:
        if own:
            conn.close()


def ok(reply: Reply) -> Any:
    assert reply.status == 200, (reply.status, reply.body)
    assert reply.headers["smithy-protocol"] == "rpc-v2-cbor"
    if reply.raw:
        assert reply.headers["content-type"] == "application/cbor"
    return reply.body


def error_code(reply: Reply) -> str:
    """The code the Rust SDK derives: namespace stripped from `__type`."""
    return reply.body["__type"].split("#")[-1].split(":")[0]


def tag1_float_count(raw: bytes) -> int:
    """How many tag-1 values in `raw` wrap a 64-bit float (0xc1 0xfb), i.e. what
    smithy-rs's `decoder.timestamp()` (minicbor `f64()`, floats only) accepts."""
    return raw.count(b"\xc1\xfb")


@pytest.fixture
def aws(moto: MotoEndpoint) -> Iterator[MotoEndpoint]:
    moto.reset()
    moto.proxy.throttle(0)
    moto.proxy.slow_insights(0)
    moto.proxy.reset_stats()
    yield moto
    moto.proxy.throttle(0)  # never leak throttling into the next test
    moto.proxy.slow_insights(0)


def control(endpoint: str, method: str, path: str) -> tuple[int, Any]:
    """One call to the proxy's own /__proxy/... endpoints; (status, decoded JSON)."""
    request = urllib.request.Request(
        endpoint + path, data=b"" if method == "POST" else None, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def assert_throttled(reply: Reply, code: str = "Throttling", status: int = 400) -> None:
    assert reply.status == status
    assert reply.headers["content-type"] == "application/cbor"
    assert reply.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert reply.headers["x-amzn-query-error"] == f"{code};Sender"
    assert reply.body == {"__type": code, "message": "Rate exceeded"}


def put_sample(aws: MotoEndpoint, when: dt.datetime, namespace: str = "Playbook/Test") -> None:
    reply = rpc(
        aws.url,
        "PutMetricData",
        {
            "Namespace": namespace,
            "MetricData": [
                {
                    "MetricName": "Latency",
                    "Dimensions": [{"Name": "Service", "Value": "api"}],
                    "Timestamp": ts(when),
                    "Values": [1.0, 2.5],
                    "Counts": [1.0, 2.0],
                    "Unit": "Milliseconds",
                }
            ],
        },
    )
    assert ok(reply) is None  # unit output: no body, as the spec requires
    assert "content-type" not in reply.headers


def test_put_list_get_metric_data(aws: MotoEndpoint) -> None:
    when = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(minutes=2)
    put_sample(aws, when)

    metrics = ok(rpc(aws.url, "ListMetrics", {"Namespace": "Playbook/Test"}))["Metrics"]
    assert metrics == [
        {
            "Namespace": "Playbook/Test",
            "MetricName": "Latency",
            "Dimensions": [{"Name": "Service", "Value": "api"}],
        }
    ]

    reply = rpc(
        aws.url,
        "GetMetricData",
        {
            "MetricDataQueries": [
                {
                    "Id": "q1",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "Playbook/Test",
                            "MetricName": "Latency",
                            "Dimensions": [{"Name": "Service", "Value": "api"}],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                    "ReturnData": True,
                }
            ],
            "StartTime": ts(when - dt.timedelta(minutes=5)),
            "EndTime": ts(when + dt.timedelta(minutes=5)),
        },
    )
    [result] = ok(reply)["MetricDataResults"]
    assert result["Id"] == "q1"
    assert result["StatusCode"] == "Complete"
    assert result["Values"] == [6.0]  # 1.0×1 + 2.5×2
    assert all(type(v) is float for v in result["Values"])
    [stamp] = result["Timestamps"]
    assert isinstance(stamp, dt.datetime) and stamp.tzinfo is not None  # cbor2: tag 1
    assert abs((stamp - when).total_seconds()) < 1
    assert tag1_float_count(reply.raw) == 1


def test_get_metric_statistics_coerces_numbers(aws: MotoEndpoint) -> None:
    when = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(minutes=2)
    put_sample(aws, when)
    reply = rpc(
        aws.url,
        "GetMetricStatistics",
        {
            "Namespace": "Playbook/Test",
            "MetricName": "Latency",
            "Dimensions": [{"Name": "Service", "Value": "api"}],
            "StartTime": ts(when - dt.timedelta(minutes=5)),
            "EndTime": ts(when + dt.timedelta(minutes=5)),
            "Period": 60,
            "Statistics": ["Sum", "SampleCount", "Maximum"],
        },
    )
    [point] = ok(reply)["Datapoints"]
    assert point["Sum"] == 6.0 and point["SampleCount"] == 3.0 and point["Maximum"] == 2.5
    assert all(type(point[k]) is float for k in ("Sum", "SampleCount", "Maximum"))
    assert isinstance(point["Timestamp"], dt.datetime)
    assert tag1_float_count(reply.raw) == 1


def test_describe_alarms_after_put_metric_alarm(aws: MotoEndpoint) -> None:
    reply = rpc(
        aws.url,
        "PutMetricAlarm",
        {
            "AlarmName": "latency-high",
            "Namespace": "Playbook/Test",
            "MetricName": "Latency",
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 2,
            "Threshold": 250.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "ActionsEnabled": False,
        },
    )
    assert ok(reply) is None

    reply = rpc(aws.url, "DescribeAlarms", {"AlarmNames": ["latency-high"]})
    body = ok(reply)
    [alarm] = body["MetricAlarms"]
    assert alarm["AlarmName"] == "latency-high"
    assert alarm["Threshold"] == 250.0 and type(alarm["Threshold"]) is float
    assert alarm["Period"] == 60 and type(alarm["Period"]) is int
    assert alarm["EvaluationPeriods"] == 2 and type(alarm["EvaluationPeriods"]) is int
    assert alarm["ActionsEnabled"] is False
    assert isinstance(alarm["StateUpdatedTimestamp"], dt.datetime)
    assert isinstance(alarm["AlarmConfigurationUpdatedTimestamp"], dt.datetime)
    assert tag1_float_count(reply.raw) == 2
    assert body["CompositeAlarms"] == []

    assert (
        ok(
            rpc(
                aws.url,
                "SetAlarmState",
                {
                    "AlarmName": "latency-high",
                    "StateValue": "ALARM",
                    "StateReason": "test",
                },
            )
        )
        is None
    )
    [alarm] = ok(rpc(aws.url, "DescribeAlarms", {"StateValue": "ALARM"}))["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM"


def test_modelled_error_is_cbor(aws: MotoEndpoint) -> None:
    # Value and Values together: InvalidParameterValueException, awsQuery code
    # InvalidParameterValue (the code the Rust SDK matches on, from x-amzn-query-error).
    reply = rpc(
        aws.url,
        "PutMetricData",
        {"Namespace": "N", "MetricData": [{"MetricName": "m", "Value": 1.0, "Values": [1.0]}]},
    )
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/cbor"
    assert reply.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert error_code(reply) == "InvalidParameterValueException"
    assert "mutually exclusive" in reply.body["message"]
    assert reply.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert "x-amzn-errortype" not in reply.headers


def test_validation_error_and_not_found(aws: MotoEndpoint) -> None:
    now = dt.datetime.now(UTC)
    reply = rpc(
        aws.url,
        "GetMetricData",
        {
            "MetricDataQueries": [
                {
                    "Id": "q",
                    "MetricStat": {
                        "Metric": {"Namespace": "N", "MetricName": "m"},
                        "Period": 60,
                        "Stat": "Sum",
                    },
                }
            ],
            "StartTime": ts(now),
            "EndTime": ts(now - dt.timedelta(hours=1)),
        },
    )
    assert reply.status == 400
    assert error_code(reply) == "ValidationException"
    assert reply.body["message"] == "The parameter EndTime must be greater than StartTime."
    assert reply.headers["x-amzn-query-error"] == "ValidationError;Sender"

    reply = rpc(aws.url, "GetDashboard", {"DashboardName": "missing"})
    assert reply.status == 404
    assert error_code(reply) == "ResourceNotFound"
    # GetDashboard's modelled error DashboardNotFoundError has awsQuery code ResourceNotFound.
    assert reply.headers["x-amzn-query-error"] == "ResourceNotFound;Sender"


def test_unknown_operation(aws: MotoEndpoint) -> None:
    reply = rpc(aws.url, "NoSuchOperation", {})
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/cbor"
    assert error_code(reply) == "UnknownOperationException"


def test_moto_html_500_becomes_internal_failure(aws: MotoEndpoint) -> None:
    # moto 5.2.5 crashes on DescribeAlarmHistory and answers an HTML page.
    reply = rpc(aws.url, "DescribeAlarmHistory", {})
    assert reply.status == 500
    assert reply.headers["content-type"] == "application/cbor"
    assert reply.body["__type"] == "InternalFailure"
    assert "Internal Server Error" in reply.body["message"]


def test_chunked_gzip_keepalive_and_sigv4_region(aws: MotoEndpoint) -> None:
    """Chunked and gzip'd bodies (PutMetricData has @requestCompression), several calls
    over one kept-alive connection, and SigV4 headers reaching moto (it takes the region
    from the credential scope)."""
    url = urllib.parse.urlsplit(aws.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    eu = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/monitoring/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "X-Amz-Date": "20260101T000000Z",
    }
    try:
        params = {"Namespace": "Chunked", "MetricData": [{"MetricName": "c", "Value": 7.0}]}
        assert ok(rpc(aws.url, "PutMetricData", params, chunked=True, conn=conn)) is None
        zipped = gzip.compress(cbor2.dumps({**params, "Namespace": "Zipped"}))
        assert (
            ok(
                rpc(
                    aws.url,
                    "PutMetricData",
                    headers={"Content-Encoding": "gzip"},
                    body=zipped,
                    conn=conn,
                )
            )
            is None
        )
        assert (
            ok(
                rpc(
                    aws.url,
                    "PutMetricData",
                    {**params, "Namespace": "Europe"},
                    headers=eu,
                    conn=conn,
                )
            )
            is None
        )
        names = {m["Namespace"] for m in ok(rpc(aws.url, "ListMetrics", {}, conn=conn))["Metrics"]}
        assert names == {"Chunked", "Zipped"}
        eu_names = {
            m["Namespace"]
            for m in ok(rpc(aws.url, "ListMetrics", {}, headers=eu, conn=conn))["Metrics"]
        }
        assert eu_names == {"Europe"}
    finally:
        conn.close()


def test_botocore_as_an_independent_rpcv2_cbor_client(aws: MotoEndpoint, monkeypatch) -> None:
    """botocore has its own RPCv2-CBOR serializer and parser (it prefers awsJson for
    CloudWatch): forced onto CBOR, a real SigV4-signing SDK works through the proxy,
    modelled errors included, and so do gzip'd bodies (botocore compresses >= 10 KiB)."""
    pytest.importorskip("boto3")
    import botocore.config
    import botocore.exceptions
    import botocore.model

    monkeypatch.setattr(
        botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", ("smithy-rpc-v2-cbor", "json")
    )
    cw = aws.client(
        "cloudwatch", via_proxy=True, config=botocore.config.Config(retries={"max_attempts": 1})
    )
    assert cw.meta.service_model.resolved_protocol == "smithy-rpc-v2-cbor"
    sent: list[dict] = []
    cw.meta.events.register("before-send", lambda request, **_: sent.append(dict(request.headers)))

    now = dt.datetime.now(UTC)
    cw.put_metric_data(
        Namespace="Boto",
        MetricData=[{"MetricName": "m", "Values": [1.0, 2.5], "Counts": [1, 2], "Timestamp": now}],
    )
    assert sent[-1]["smithy-protocol"] == b"rpc-v2-cbor"
    assert sent[-1]["Authorization"].startswith(b"AWS4-HMAC-SHA256 Credential=testing/")
    result = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q",
                "MetricStat": {
                    "Metric": {"Namespace": "Boto", "MetricName": "m"},
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - dt.timedelta(minutes=5),
        EndTime=now + dt.timedelta(minutes=5),
    )["MetricDataResults"][0]
    assert result["Values"] == [6.0] and isinstance(result["Timestamps"][0], dt.datetime)

    with pytest.raises(botocore.exceptions.ClientError) as err:
        cw.put_metric_data(
            Namespace="N", MetricData=[{"MetricName": "m", "Value": 1.0, "Values": [1.0]}]
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"  # the awsQuery code

    cw.put_metric_data(
        Namespace="Big",
        MetricData=[
            {
                "MetricName": f"m{i}",
                "Value": float(i),
                "Dimensions": [{"Name": "k", "Value": "v" * 250}],
            }
            for i in range(40)
        ],
    )
    assert sent[-1].get("Content-Encoding") == b"gzip"
    assert len(cw.list_metrics(Namespace="Big")["Metrics"]) == 40


def _logs(endpoint: str, op: str, params: dict) -> tuple[int, dict[str, str], bytes]:
    # moto routes on the SigV4 credential scope: without one it assumes S3.
    request = urllib.request.Request(
        endpoint + "/",
        data=json.dumps(params).encode(),
        method="POST",
        headers={
            "X-Amz-Target": f"Logs_20140328.{op}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/logs/"
            "aws4_request, SignedHeaders=host, Signature=00",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_logs_pass_through(aws: MotoEndpoint) -> None:
    status, _, body = _logs(aws.url, "CreateLogGroup", {"logGroupName": "/playbook/test"})
    assert (status, body) == (200, b"")
    via_proxy = _logs(aws.url, "DescribeLogGroups", {})
    direct = _logs(aws.moto_url, "DescribeLogGroups", {})
    assert via_proxy[0] == direct[0] == 200
    assert via_proxy[2] == direct[2]  # byte for byte
    assert [g["logGroupName"] for g in json.loads(via_proxy[2])["logGroups"]] == ["/playbook/test"]
    status, _, body = _logs(aws.url, "CreateLogGroup", {"logGroupName": "/playbook/test"})
    assert status == 400
    assert json.loads(body)["__type"] == "ResourceAlreadyExistsException"


# -- CloudWatch Logs Insights: slow queries and StopQuery --------------------------------

ZERO_STATISTICS = {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}
RUNNING = {"status": "Running", "results": [], "statistics": ZERO_STATISTICS}
CANCELLED = {"status": "Cancelled", "results": [], "statistics": ZERO_STATISTICS}
QUERY = "fields @timestamp, @message | sort @timestamp desc"


def logs_client(aws: MotoEndpoint):
    """boto3's Logs client through the proxy, one attempt per call."""
    pytest.importorskip("boto3")
    import botocore.config

    config = botocore.config.Config(retries={"max_attempts": 1})
    return aws.client("logs", via_proxy=True, config=config)


def _start_query_raw(endpoint: str, group: str) -> str:
    now = int(time.time())
    status, _, body = _logs(
        endpoint,
        "StartQuery",
        {"logGroupName": group, "startTime": now - 3600, "endTime": now + 60, "queryString": QUERY},
    )
    assert status == 200, body
    return json.loads(body)["queryId"]


def _put_log_sample(logs, group: str = "/insights") -> list[str]:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now_ms = int(time.time() * 1000)
    messages = ["first", "second", "third"]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": now_ms - 1000 * (len(messages) - i), "message": m}
            for i, m in enumerate(messages)
        ],
    )
    return messages


def _start_query(logs, group: str = "/insights") -> str:
    now = int(time.time())
    return logs.start_query(
        logGroupName=group, startTime=now - 3600, endTime=now + 60, queryString=QUERY
    )["queryId"]


def _results(logs, query_id: str) -> dict:
    result = logs.get_query_results(queryId=query_id)
    result.pop("ResponseMetadata")
    return result


def test_slow_insights_running_stop_cancelled_then_complete(aws: MotoEndpoint) -> None:
    import botocore.exceptions

    logs = logs_client(aws)
    messages = _put_log_sample(logs)
    assert control(aws.url, "POST", "/__proxy/slow-insights?seconds=30") == (
        200,
        {"seconds": 30.0},
    )

    # A slow query reports Running, in awsJson1_1, as the proxy's own answer ...
    stopped = _start_query(logs)
    assert _results(logs, stopped) == RUNNING
    status, headers, body = _logs(aws.url, "GetQueryResults", {"queryId": stopped})
    assert status == 200 and json.loads(body) == RUNNING
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    # ... until stopped (moto itself answers 500 to StopQuery): then Cancelled, for good.
    assert _logs(aws.moto_url, "StopQuery", {"queryId": stopped})[0] == 500
    stop = logs.stop_query(queryId=stopped)
    assert stop["success"] is True and stop["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _results(logs, stopped) == CANCELLED
    assert logs.stop_query(queryId=stopped)["success"] is True  # idempotent

    # Another slow query, released by turning slow-insights off: moto's answer, unchanged.
    released = _start_query(logs)
    assert _results(logs, released) == RUNNING
    assert control(aws.url, "POST", "/__proxy/slow-insights?seconds=0") == (200, {"seconds": 0.0})
    complete = _results(logs, released)
    assert complete["status"] == "Complete"
    rows = [{f["field"]: f["value"] for f in row} for row in complete["results"]]
    assert [r["@message"] for r in rows] == messages[::-1]
    via_proxy = _logs(aws.url, "GetQueryResults", {"queryId": released})
    direct = _logs(aws.moto_url, "GetQueryResults", {"queryId": released})
    assert via_proxy[0] == direct[0] == 200 and via_proxy[2] == direct[2]  # byte for byte
    assert _results(logs, stopped) == CANCELLED  # a stopped query stays stopped

    # Unknown (or missing) ids: InvalidParameterException, as awsJson1_1 errors go.
    with pytest.raises(botocore.exceptions.ClientError) as err:
        logs.stop_query(queryId="no-such-query")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "no-such-query" in err.value.response["Error"]["Message"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    status, headers, body = _logs(aws.url, "StopQuery", {})
    assert status == 400 and json.loads(body)["__type"] == "InvalidParameterException"
    assert headers["x-amzn-ErrorType"] == "InvalidParameterException"

    assert aws.proxy.stats()["logs_operations"] == {
        "CreateLogGroup": 1,
        "CreateLogStream": 1,
        "PutLogEvents": 1,
        "StartQuery": 2,
        "GetQueryResults": 7,  # the direct calls to moto are not counted
        "StopQuery": 4,
    }
    assert aws.proxy.stats()["operations"] == {}  # CloudWatch counters are apart
    cleared = control(aws.url, "POST", "/__proxy/stats/reset")[1]
    assert cleared["logs_operations"]["StopQuery"] == 4
    assert control(aws.url, "GET", "/__proxy/stats")[1]["logs_operations"] == {}
    # Resetting the counters forgets no query.
    assert _results(logs, stopped) == CANCELLED


def test_slow_insights_window(aws: MotoEndpoint) -> None:
    logs = logs_client(aws)
    _put_log_sample(logs)
    before = _start_query(logs)  # started while off: never held back
    aws.proxy.slow_insights(0.8)
    held = _start_query(logs)
    began = time.monotonic()
    assert _results(logs, before)["status"] == "Complete"
    assert _results(logs, held) == RUNNING
    while time.monotonic() - began < 0.8:
        time.sleep(0.05)
    assert _results(logs, held)["status"] == "Complete"  # the window is over

    # A new setting replaces the old one: earlier queries are no longer held back.
    aws.proxy.slow_insights(30)
    first = _start_query(logs)
    assert _results(logs, first) == RUNNING
    aws.proxy.slow_insights(30)
    second = _start_query(logs)
    assert _results(logs, first)["status"] == "Complete"
    assert _results(logs, second) == RUNNING

    # StopQuery is answered with slow-insights off too (moto would answer 500).
    aws.proxy.slow_insights(0)
    assert logs.stop_query(queryId=before)["success"] is True
    assert _results(logs, before) == CANCELLED


def test_slow_insights_endpoint_errors(aws: MotoEndpoint) -> None:
    for query in ("", "?seconds=", "?seconds=x", "?seconds=-1", "?seconds=inf", "?seconds=nan"):
        status, body = control(aws.url, "POST", "/__proxy/slow-insights" + query)
        assert status == 400 and "error" in body, query
    assert control(aws.url, "GET", "/__proxy/slow-insights?seconds=1")[0] == 405
    # None of that turned it on.
    assert _logs(aws.url, "CreateLogGroup", {"logGroupName": "/e"})[0] == 200
    query_id = _start_query_raw(aws.url, "/e")
    status, _, body = _logs(aws.url, "GetQueryResults", {"queryId": query_id})
    assert status == 200 and json.loads(body)["status"] == "Complete"


def test_slow_insights_is_thread_safe(aws: MotoEndpoint) -> None:
    assert _logs(aws.url, "CreateLogGroup", {"logGroupName": "/t"})[0] == 200
    aws.proxy.slow_insights(30)

    def run(i: int) -> tuple[str, str]:
        query_id = _start_query_raw(aws.url, "/t")
        seen = json.loads(_logs(aws.url, "GetQueryResults", {"queryId": query_id})[2])["status"]
        if i % 2:
            assert _logs(aws.url, "StopQuery", {"queryId": query_id})[0] == 200
        after = json.loads(_logs(aws.url, "GetQueryResults", {"queryId": query_id})[2])["status"]
        return seen, after

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, range(24)))
    assert outcomes == [("Running", "Cancelled" if i % 2 else "Running") for i in range(24)]
    assert aws.proxy.stats()["logs_operations"] == {
        "CreateLogGroup": 1,
        "StartQuery": 24,
        "GetQueryResults": 48,
        "StopQuery": 12,
    }


def test_moto_api_pass_through_and_reset(aws: MotoEndpoint) -> None:
    put_sample(aws, dt.datetime.now(UTC))
    assert ok(rpc(aws.url, "ListMetrics", {}))["Metrics"]
    with urllib.request.urlopen(aws.url + "/moto-api/reset", data=b"", timeout=30) as resp:
        assert resp.status == 200
    assert ok(rpc(aws.url, "ListMetrics", {}))["Metrics"] == []


def test_throttle_endpoint(aws: MotoEndpoint) -> None:
    assert control(aws.url, "POST", "/__proxy/throttle?n=2") == (
        200,
        {"remaining": 2, "code": "Throttling", "status": 400},
    )
    # Logs (awsJson pass-through) and /moto-api are not throttled; Logs are counted apart.
    assert _logs(aws.url, "CreateLogGroup", {"logGroupName": "/t"})[0] == 200
    with urllib.request.urlopen(aws.url + "/moto-api/data.json", timeout=30) as resp:
        assert resp.status == 200
    url = urllib.parse.urlsplit(aws.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:  # throttled replies keep the connection usable (the SDK pools connections)
        assert_throttled(rpc(aws.url, "PutMetricData", {"Namespace": "T"}, conn=conn))
        assert_throttled(rpc(aws.url, "ListMetrics", {}, conn=conn))
        assert ok(rpc(aws.url, "ListMetrics", {}, conn=conn)) == {"Metrics": []}
    finally:
        conn.close()
    # The throttled PutMetricData never reached moto: a real one does.
    put_sample(aws, dt.datetime.now(UTC))
    assert ok(rpc(aws.url, "ListMetrics", {}))["Metrics"]
    assert control(aws.url, "GET", "/__proxy/stats") == (
        200,
        {
            "cloudwatch_requests": 5,
            "throttled": 2,
            "operations": {"PutMetricData": 2, "ListMetrics": 3},
            "logs_operations": {"CreateLogGroup": 1},
        },
    )

    # code and status; a new setting replaces the old one; n=0 turns it off.
    control(aws.url, "POST", "/__proxy/throttle?n=5")
    assert control(aws.url, "POST", "/__proxy/throttle?n=1&code=ThrottlingException&status=429")[
        1
    ] == {"remaining": 1, "code": "ThrottlingException", "status": 429}
    assert_throttled(rpc(aws.url, "ListMetrics", {}), "ThrottlingException", 429)
    assert ok(rpc(aws.url, "ListMetrics", {}))["Metrics"]
    control(aws.url, "POST", "/__proxy/throttle?n=3")
    assert control(aws.url, "POST", "/__proxy/throttle?n=0")[0] == 200
    assert ok(rpc(aws.url, "ListMetrics", {}))["Metrics"]

    status, cleared = control(aws.url, "POST", "/__proxy/stats/reset")
    assert status == 200 and cleared["cloudwatch_requests"] == 8 and cleared["throttled"] == 3
    assert cleared["logs_operations"] == {"CreateLogGroup": 1}
    assert control(aws.url, "GET", "/__proxy/stats")[1] == {
        "cloudwatch_requests": 0,
        "throttled": 0,
        "operations": {},
        "logs_operations": {},
    }


def test_throttle_endpoint_errors(aws: MotoEndpoint) -> None:
    for query in ("", "?n=x", "?n=-1", "?n=1&status=200", "?n=1&status=x", "?n=1&code="):
        status, body = control(aws.url, "POST", "/__proxy/throttle" + query)
        assert status == 400 and "error" in body, query
    assert control(aws.url, "GET", "/__proxy/throttle?n=1")[0] == 405
    assert control(aws.url, "POST", "/__proxy/stats")[0] == 405
    assert control(aws.url, "GET", "/__proxy/nope")[0] == 404
    # None of that turned throttling on.
    assert ok(rpc(aws.url, "ListMetrics", {})) == {"Metrics": []}


def test_throttle_is_thread_safe(aws: MotoEndpoint) -> None:
    aws.proxy.throttle(10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: rpc(aws.url, "ListMetrics", {}), range(30)))
    assert sorted(r.status for r in replies) == [200] * 20 + [400] * 10
    assert aws.proxy.stats() == {
        "cloudwatch_requests": 30,
        "throttled": 10,
        "operations": {"ListMetrics": 30},
        "logs_operations": {},
    }


def test_botocore_retries_through_throttling(aws: MotoEndpoint, monkeypatch) -> None:
    """A real SDK classifies the throttled reply as retryable (by the
    `x-amzn-query-error` code) and gets through once the throttling stops."""
    pytest.importorskip("boto3")
    import botocore.config
    import botocore.exceptions
    import botocore.model

    monkeypatch.setattr(
        botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", ("smithy-rpc-v2-cbor", "json")
    )

    def client(attempts: int):
        return aws.client(
            "cloudwatch",
            via_proxy=True,
            config=botocore.config.Config(retries={"mode": "standard", "max_attempts": attempts}),
        )

    aws.proxy.throttle(1)
    assert client(3).list_metrics()["Metrics"] == []
    assert aws.proxy.stats()["operations"] == {"ListMetrics": 2}

    aws.proxy.throttle(5)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        client(1).list_metrics()
    assert err.value.response["Error"]["Code"] == "Throttling"
    assert err.value.response["Error"]["Message"] == "Rate exceeded"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_env(aws: MotoEndpoint) -> None:
    env = aws.environ({"AWS_PROFILE": "prod", "AWS_ENDPOINT_URL_CLOUDWATCH": "x", "PATH": "/bin"})
    assert env["AWS_ENDPOINT_URL"] == aws.url
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert "AWS_PROFILE" not in env and "AWS_ENDPOINT_URL_CLOUDWATCH" not in env
    assert env["PATH"] == "/bin"


def test_json_to_cbor_by_shape() -> None:
    model = service_model("cloudwatch")
    shape = model.operation_model("DescribeAlarms").output_shape
    doc = {
        "MetricAlarms": [
            {
                "AlarmName": "a",
                "Threshold": 2,  # double sent as a JSON integer
                "Period": 60.0,  # integer sent as a JSON float
                "StateUpdatedTimestamp": "2026-01-02T03:04:05.500Z",
                "AlarmDescription": None,
                "Unknown": {"x": None, "y": 1},
            }
        ],
        "NextToken": None,
    }
    out = json_to_cbor(doc, shape)
    alarm = out["MetricAlarms"][0]
    assert type(alarm["Threshold"]) is float and type(alarm["Period"]) is int
    assert alarm["StateUpdatedTimestamp"] == cbor2.CBORTag(1, 1767323045.5)
    assert "AlarmDescription" not in alarm and "NextToken" not in out
    assert alarm["Unknown"] == {"y": 1}
    raw = cbor2.dumps(out)
    assert b"\xc1\xfb" in raw and b"\xf9" not in raw  # float64 timestamp, no half floats


def test_runs_as_a_script(aws: MotoEndpoint) -> None:
    port = _free_port()
    script = Path(__file__).with_name("cbor_proxy.py")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            "--listen-port",
            str(port),
            "--upstream",
            aws.moto_url,
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "listening on" in proc.stdout.readline()
        deadline = time.monotonic() + 10
        while True:
            try:
                reply = rpc(f"http://127.0.0.1:{port}", "ListMetrics", {})
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert ok(reply) == {"Metrics": []}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_script_throttle_first(aws: MotoEndpoint) -> None:
    port = _free_port()
    script = Path(__file__).with_name("cbor_proxy.py")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            "--listen-port",
            str(port),
            "--upstream",
            aws.moto_url,
            "--quiet",
            "--throttle-first",
            "2",
            "--slow-insights",
            "30",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert "listening on" in proc.stdout.readline()
        deadline = time.monotonic() + 10
        while True:  # wait on a control endpoint: a CBOR probe would use up the throttle
            try:
                status, stats = control(url, "GET", "/__proxy/stats")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert (status, stats["cloudwatch_requests"]) == (200, 0)
        assert_throttled(rpc(url, "ListMetrics", {}))
        assert_throttled(rpc(url, "DescribeAlarms", {}))
        assert ok(rpc(url, "ListMetrics", {})) == {"Metrics": []}
        # --slow-insights: queries report Running (Logs are never throttled).
        assert _logs(url, "CreateLogGroup", {"logGroupName": "/script"})[0] == 200
        query_id = _start_query_raw(url, "/script")
        status, _, body = _logs(url, "GetQueryResults", {"queryId": query_id})
        assert (status, json.loads(body)) == (200, RUNNING)
        assert control(url, "GET", "/__proxy/stats")[1] == {
            "cloudwatch_requests": 3,
            "throttled": 2,
            "operations": {"ListMetrics": 2, "DescribeAlarms": 1},
            "logs_operations": {"CreateLogGroup": 1, "StartQuery": 1, "GetQueryResults": 1},
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)
