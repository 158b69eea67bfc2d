"""The proxy's state, set by tests (in-process or `/__proxy/...`): throttling, request
counters, the Logs Insights query simulation, and what each emulated API answers
(thread-safe: the server handles each connection on its own thread).
"""

from __future__ import annotations

import collections
import math
import threading
import time
from typing import Any

from .replies import ROW_LIMIT


class _Query:
    """A Logs Insights query seen passing through (StartQuery answered 200)."""

    __slots__ = ("generation", "started", "stopped")

    def __init__(self, started: float, generation: int) -> None:
        self.started = started  # time.monotonic() when its StartQuery reply passed
        self.generation = generation  # the slow-insights setting in force then
        self.stopped = False


class ProxyControls:
    """Throttling and request counters for CloudWatch RPCv2-CBOR requests, Logs request
    counters and the Logs Insights slow-query/StopQuery simulation (thread-safe: the
    server handles each connection on its own thread)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._remaining = 0
        self._code = "Throttling"
        self._status = 400
        self._requests = 0
        self._throttled = 0
        self._operations: collections.Counter[str] = collections.Counter()
        self._logs_operations: collections.Counter[str] = collections.Counter()
        self._slow_seconds = 0.0
        self._slow_generation = 0  # bumped by every slow_insights() call
        self._queries: dict[str, _Query] = {}
        self._opensearch: dict[str, dict[str, Any]] = {}
        self._quota_full = 0
        self._throttled_regions: set[str] = set()
        self._anomaly_detectors: list[dict[str, Any]] = []
        self._row_limits: dict[str, int] = {}
        self._linked: dict[str, str] = {}
        self._log_anomalies: list[dict[str, Any]] = []
        self._anomaly_page = 50
        self._insight_contributions: dict[str, list[dict[str, Any]]] = {}
        self._insight_requests: list[dict[str, Any]] = []
        self._service_quotas: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._linked_queries: dict[str, tuple[list[tuple[str, str]], str]] = {}

    def set_linked_query(self, query_id: str, parts: list[tuple[str, str]], text: str) -> None:
        """A query across accounts: its parts, (account, moto's query id), and its text."""
        with self._lock:
            self._linked_queries[query_id] = (list(parts), text)

    def linked_query(self, query_id: str) -> tuple[list[tuple[str, str]], str] | None:
        with self._lock:
            return self._linked_queries.get(query_id)

    # -- Service Quotas (moto has vpc's only) --------------------------------------------

    def set_service_quotas(self, service_code: str, applied: list[dict[str, Any]] | None,
                           defaults: list[dict[str, Any]] | None) -> dict[str, Any]:
        """The quotas (ServiceQuota members: QuotaName, QuotaCode, Value) ListServiceQuotas
        (`applied`) and ListAWSDefaultServiceQuotas (`defaults`) answer for `service_code`;
        None for both forgets them (moto answers again)."""
        with self._lock:
            for op, quotas in (("ListServiceQuotas", applied), ("ListAWSDefaultServiceQuotas", defaults)):
                if quotas is None:
                    self._service_quotas.pop((op, service_code), None)
                else:
                    self._service_quotas[(op, service_code)] = [
                        {"ServiceCode": service_code, "ServiceName": "Amazon CloudWatch Logs", "Unit": "None",
                         "Adjustable": True, "GlobalQuota": False, **q} for q in quotas]
        return {"service_quotas": service_code}

    def service_quotas(self, op: str, service_code: str) -> list[dict[str, Any]] | None:
        with self._lock:
            found = self._service_quotas.get((op, service_code))
            if found is None and any(code == service_code for _, code in self._service_quotas):
                return []  # the service is set up here, with nothing for this call
            return None if found is None else list(found)

    def quota_for_usage(self, metric: dict[str, Any]) -> dict[str, Any] | None:
        """The quota (applied, else default) whose `UsageMetric` is `metric` (a
        GetMetricData `Metric`: Namespace, MetricName, Dimensions), as SERVICE_QUOTA finds it."""
        dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
        with self._lock:
            for wanted in ("ListServiceQuotas", "ListAWSDefaultServiceQuotas"):
                for (op, _code), quotas in self._service_quotas.items():
                    for quota in quotas if op == wanted else []:
                        usage = quota.get("UsageMetric") or {}
                        if (usage.get("MetricNamespace"), usage.get("MetricName"), usage.get("MetricDimensions") or {}) \
                                == (metric.get("Namespace"), metric.get("MetricName"), dims):
                            return dict(quota)
        return None

    # -- Contributor Insights reports (moto has none) -------------------------------------

    def set_insight_contributions(self, rule: str, contributors: list[dict[str, Any]]) -> dict[str, Any]:
        """Sets a rule's raw contributions: [{"Keys": [...], "Values": [[epoch s, v], ...]}]
        (an empty list forgets them; `reset_insights()` forgets every rule's)."""
        checked = [{"Keys": [str(k) for k in c["Keys"]],
                    "Values": [[float(t), float(v)] for t, v in c["Values"]]} for c in contributors]
        with self._lock:
            self._insight_contributions[rule] = checked
        return {"contributors": len(checked)}

    def reset_insights(self) -> None:
        with self._lock:
            self._insight_contributions.clear()
            self._insight_requests.clear()
            self._service_quotas.clear()

    def insight_contributions(self, rule: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._insight_contributions.get(rule, []))

    def record_insight_request(self, request: dict[str, Any]) -> None:
        with self._lock:
            self._insight_requests.append(dict(request))

    def insight_requests(self) -> list[dict[str, Any]]:
        """Every GetInsightRuleReport request seen (as JSON: times in epoch seconds)."""
        with self._lock:
            return list(self._insight_requests)

    # -- log anomalies (moto has none) ---------------------------------------------------

    def set_log_anomalies(self, anomalies: list[dict[str, Any]], page: int = 50) -> dict[str, Any]:
        """Replaces the anomalies ListAnomalies answers (members of the Logs model's
        `Anomaly` shape), `page` to a page unless the request's `limit` says."""
        with self._lock:
            self._log_anomalies = [dict(a) for a in anomalies]
            self._anomaly_page = page
        return {"log_anomalies": len(anomalies)}

    def list_anomalies(self, request: dict[str, Any]) -> dict[str, Any]:
        """ListAnomalies' answer, filtered by `anomalyDetectorArn`, paged by `limit`
        (the `nextToken` is the index of the next anomaly)."""
        with self._lock:
            found = [a for a in self._log_anomalies
                     if request.get("anomalyDetectorArn") in (None, a["anomalyDetectorArn"])]
        start = int(request.get("nextToken") or 0)
        limit = int(request.get("limit") or self._anomaly_page)
        page = {"anomalies": found[start:start + limit]}
        if start + limit < len(found):
            page["nextToken"] = str(start + limit)
        return page

    # -- cross-account observability (moto has none) -------------------------------------

    def set_linked_accounts(self, linked: dict[str, str]) -> dict[str, Any]:
        """Links source accounts to the monitoring account (moto's own): account id →
        an access key moto issued for that account (STS AssumeRole into it)."""
        with self._lock:
            self._linked = {str(k): str(v) for k, v in linked.items()}
        return {"linked_accounts": sorted(self._linked)}

    def linked_accounts(self) -> dict[str, str]:
        with self._lock:
            return dict(self._linked)

    # -- Logs Insights row limit ---------------------------------------------------------

    def set_row_limit(self, query_id: str, limit: int) -> None:
        with self._lock:
            self._row_limits[query_id] = limit

    def row_limit(self, query_id: str | None) -> int:
        with self._lock:
            return self._row_limits.get(query_id or "", ROW_LIMIT)

    # -- anomaly detectors (moto has none) -----------------------------------------------

    def set_anomaly_detectors(self, detectors: list[dict[str, Any]]) -> dict[str, Any]:
        """Replaces the detectors: PutAnomalyDetector's single-metric members
        (Namespace, MetricName, Dimensions [{Name, Value}], Stat)."""
        checked = [
            {"Namespace": str(d["Namespace"]), "MetricName": str(d["MetricName"]),
             "Dimensions": [{"Name": str(x["Name"]), "Value": str(x["Value"])} for x in d.get("Dimensions", [])],
             "Stat": str(d["Stat"])}
            for d in detectors
        ]
        with self._lock:
            self._anomaly_detectors = checked
        return {"anomaly_detectors": len(checked)}

    def describe_anomaly_detectors(self, request: dict[str, Any]) -> dict[str, Any]:
        """DescribeAnomalyDetectors' answer: filtered by Namespace, MetricName and
        Dimensions as the API documents, one page."""
        with self._lock:
            detectors = list(self._anomaly_detectors)
        wanted_dims = {(d["Name"], d["Value"]) for d in request.get("Dimensions", [])}
        found = [
            d for d in detectors
            if request.get("Namespace") in (None, d["Namespace"])
            and request.get("MetricName") in (None, d["MetricName"])
            and wanted_dims <= {(x["Name"], x["Value"]) for x in d["Dimensions"]}
        ]
        return {"AnomalyDetectors": [
            {**d, "StateValue": "TRAINED", "SingleMetricAnomalyDetector": dict(d)} for d in found
        ]}

    # -- Logs ----------------------------------------------------------------------------

    def record_logs(self, op: str) -> None:
        """Counts one CloudWatch Logs request."""
        with self._lock:
            self._logs_operations[op] += 1

    def slow_insights(self, seconds: float) -> dict[str, Any]:
        """Queries started from now on report Running for `seconds` (replacing any
        earlier setting, whose queries are no longer held back; 0: off)."""
        seconds = float(seconds)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a finite number >= 0")
        with self._lock:
            self._slow_seconds = seconds
            self._slow_generation += 1
            return {"seconds": seconds}

    def query_started(self, query_id: str) -> None:
        with self._lock:
            self._queries[query_id] = _Query(self._clock(), self._slow_generation)

    def query_status(self, query_id: str) -> str | None:
        """What the proxy answers to GetQueryResults for `query_id` ("Cancelled" or
        "Running"), or None to pass it through to moto."""
        with self._lock:
            query = self._queries.get(query_id)
            if query is None:
                return None
            if query.stopped:
                return "Cancelled"
            if (
                query.generation == self._slow_generation
                and self._slow_seconds > 0
                and self._clock() - query.started < self._slow_seconds
            ):
                return "Running"
            return None

    def insights_quota_full(self, n: int) -> dict[str, Any]:
        """The next `n` StartQuery calls find the account's quota full (0: off)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._quota_full = n
            return {"remaining": n}

    def take_quota_full(self) -> bool:
        """Whether this StartQuery is one of them (counting it)."""
        with self._lock:
            if self._quota_full <= 0:
                return False
            self._quota_full -= 1
            return True

    def opensearch_started(self, query_id: str, answer: dict[str, Any]) -> None:
        """A PPL/SQL query the proxy answered, and its GetQueryResults answer."""
        with self._lock:
            self._opensearch[query_id] = answer

    def opensearch_result(self, query_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._opensearch.get(query_id)

    def stop_query(self, query_id: str) -> bool:
        """Marks a known query stopped; False for an unknown one."""
        with self._lock:
            query = self._queries.get(query_id)
            if query is None:
                return False
            query.stopped = True
            return True

    def throttle(self, n: int, code: str = "Throttling", status: int = 400) -> dict[str, Any]:
        """Throttles the next `n` requests (replacing any earlier setting; 0: off)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._remaining, self._code, self._status = n, code, status
            return {"remaining": n, "code": code, "status": status}

    def throttle_region(self, region: str, on: bool = True) -> dict[str, Any]:
        """Throttles every CloudWatch request signed for `region` (its SigV4 credential
        scope) until turned off: one fleet target, in its own region, throttled while the
        others are not."""
        with self._lock:
            if on:
                self._throttled_regions.add(region)
            else:
                self._throttled_regions.discard(region)
            return {"throttled_regions": sorted(self._throttled_regions)}

    def record(self, op: str, region: str | None = None) -> tuple[str, int] | None:
        """Counts one request; returns (code, status) when it is to be throttled."""
        with self._lock:
            self._requests += 1
            self._operations[op] += 1
            if region is not None and region in self._throttled_regions:
                self._throttled += 1
                return "Throttling", 400
            if self._remaining <= 0:
                return None
            self._remaining -= 1
            self._throttled += 1
            return self._code, self._status

    def _stats(self) -> dict[str, Any]:
        return {
            "cloudwatch_requests": self._requests,
            "throttled": self._throttled,
            "operations": dict(self._operations),
            "logs_operations": dict(self._logs_operations),
        }

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return self._stats()

    def reset_stats(self) -> dict[str, Any]:
        """Zeroes the counters (throttling, slow-insights and the known queries are left
        as they are); returns the old counts."""
        with self._lock:
            old = self._stats()
            self._requests = self._throttled = 0
            self._operations.clear()
            self._logs_operations.clear()
            return old
