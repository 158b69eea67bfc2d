"""GetInsightRuleReport for the test proxy (moto keeps Contributor Insights rules,
PutInsightRule/DescribeInsightRules, but has no GetInsightRuleReport).

A test gives each rule's raw contributions: per contributor its keys and timestamped
values (`set_insight_rule_data`). A request is then answered as CloudWatch documents it,
in the CloudWatch model's GetInsightRuleReportOutput shape: the values inside
[StartTime, EndTime) summed per Period, contributors ranked by `OrderBy` (Sum over the
window, or Maximum of one period) and cut to `MaxContributorCount` (1–100, default 10),
the total and the number of distinct contributors over all of them, and the requested
`Metrics` per period. Invalid requests get the model's errors
(MissingRequiredParameterException, InvalidParameterValueException).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

METRICS = ("UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum",
           "Maximum", "Average")


class ReportError(Exception):
    """A modelled error: its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _epoch(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return float(value)


def check(request: dict[str, Any]) -> None:
    """Raises what CloudWatch answers to a request it refuses."""
    for name in ("RuleName", "StartTime", "EndTime", "Period"):
        if request.get(name) in (None, ""):
            raise ReportError("MissingRequiredParameterException", f"The parameter {name} is required.")
    if _epoch(request["EndTime"]) <= _epoch(request["StartTime"]):
        raise ReportError("InvalidParameterValueException", "The parameter EndTime must be after StartTime.")
    if int(request["Period"]) < 60 or int(request["Period"]) % 60:
        raise ReportError("InvalidParameterValueException", "The parameter Period must be a multiple of 60.")
    count = request.get("MaxContributorCount", 10)
    if not 1 <= int(count) <= 100:
        raise ReportError("InvalidParameterValueException",
                          "The parameter MaxContributorCount must be between 1 and 100.")
    if request.get("OrderBy", "Sum") not in ("Sum", "Maximum"):
        raise ReportError("InvalidParameterValueException", "The parameter OrderBy must be Sum or Maximum.")
    for metric in request.get("Metrics", []):
        if metric not in METRICS:
            raise ReportError("InvalidParameterValueException", f"Unknown metric {metric}.")


def report(request: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The report of one rule's `data` ({KeyLabels, AggregationStatistic, Contributors:
    [{Keys, Values: [[epoch seconds, value], ...]}]}) for a checked `request`."""
    start, end = _epoch(request["StartTime"]), _epoch(request["EndTime"])
    period = int(request["Period"])
    order = request.get("OrderBy", "Sum")
    buckets: list[tuple[list[str], dict[int, float], int]] = []
    for contributor in data["Contributors"]:
        slots: dict[int, float] = {}
        samples = 0
        for at, value in contributor["Values"]:
            if start <= at < end:
                slot = int(at // period * period)
                slots[slot] = slots.get(slot, 0.0) + float(value)
                samples += 1
        if slots:
            buckets.append((list(contributor["Keys"]), slots, samples))

    def ranked_by(entry: tuple[list[str], dict[int, float], int]) -> float:
        return sum(entry[1].values()) if order == "Sum" else max(entry[1].values())

    buckets.sort(key=lambda e: (-ranked_by(e), e[0]))
    top = buckets[: int(request.get("MaxContributorCount", 10))]
    doc: dict[str, Any] = {
        "KeyLabels": list(data["KeyLabels"]),
        "AggregationStatistic": data["AggregationStatistic"],
        "AggregateValue": sum(sum(slots.values()) for _, slots, _ in buckets),
        "ApproximateUniqueCount": len(buckets),
        "Contributors": [
            {"Keys": keys, "ApproximateAggregateValue": ranked_by((keys, slots, n)),
             "Datapoints": [{"Timestamp": t, "ApproximateValue": v} for t, v in sorted(slots.items())]}
            for keys, slots, n in top
        ],
        "MetricDatapoints": _metric_datapoints(request, buckets),
    }
    return doc


def _metric_datapoints(request: dict[str, Any], buckets: list) -> list[dict[str, Any]]:
    wanted = request.get("Metrics", [])
    if not wanted:
        return []
    slots = sorted({t for _, s, _ in buckets for t in s})
    points = []
    for t in slots:
        values = [s[t] for _, s, _ in buckets if t in s]
        every = {"UniqueContributors": float(len(values)), "MaxContributorValue": max(values),
                 "SampleCount": float(len(values)), "Sum": sum(values), "Minimum": min(values),
                 "Maximum": max(values), "Average": sum(values) / len(values)}
        points.append({"Timestamp": t, **{m: every[m] for m in wanted}})
    return points
