"""A subset of CloudWatch Metrics Insights for the test proxy (moto answers Metrics
Insights queries in GetMetricData silently empty or wrong), enough to test what the
engine sends and how it reads the answer, across linked accounts too:

    SELECT AVG|SUM|MIN|MAX|COUNT(Metric)
    FROM SCHEMA("Namespace"[, Dim…]) | FROM "Namespace"
    [WHERE key = 'v' [AND key != 'v' …]]      keys: dimensions or AWS.AccountId
    [GROUP BY key[, key…]]
    [LIMIT n]

Each matching metric is read with its Sum, SampleCount, Minimum and Maximum per period
(GetMetricStatistics, as the account that owns it), and the function is computed over all
the datapoints of a group, as the service documents (AVG = Σsum / Σcount). A grouped
result is labelled with its group's values joined by a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

ACCOUNT_KEY = "AWS.AccountId"
FUNCTIONS = ("AVG", "SUM", "MIN", "MAX", "COUNT")

_QUERY = re.compile(
    r"""^\s*SELECT\s+(?P<fn>\w+)\s*\(\s*(?P<metric>[\w.-]+)\s*\)\s+
        FROM\s+(?:SCHEMA\s*\(\s*"(?P<schema_ns>[^"]+)"(?P<schema_dims>(?:\s*,\s*[\w.-]+)*)\s*\)|"(?P<ns>[^"]+)")
        (?:\s+WHERE\s+(?P<where>.+?))?
        (?:\s+GROUP\s+BY\s+(?P<group>[\w.,\s-]+?))?
        (?:\s+LIMIT\s+(?P<limit>\d+))?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_CONDITION = re.compile(r"^\s*([\w.-]+)\s*(=|!=)\s*'([^']*)'\s*$")


@dataclass
class Query:
    function: str
    metric: str
    namespace: str
    schema: list[str] | None  # the exact dimension keys, when FROM SCHEMA(…) names them
    where: list[tuple[str, str, str]] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    limit: int = 500


def parse(sql: str) -> Query:
    """The query, or ValueError saying what this subset does not take."""
    m = _QUERY.match(sql)
    if not m:
        raise ValueError(f"not in the Metrics Insights subset the test proxy answers: {sql}")
    function = m["fn"].upper()
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {m['fn']}")
    schema = None
    if m["schema_ns"]:
        schema = [d.strip() for d in (m["schema_dims"] or "").split(",") if d.strip()]
    where = []
    for part in re.split(r"\s+AND\s+", m["where"] or "", flags=re.IGNORECASE):
        if not part.strip():
            continue
        c = _CONDITION.match(part)
        if not c:
            raise ValueError(f"condition not in the subset: {part}")
        where.append((c[1], c[2], c[3]))
    group_by = [g.strip() for g in (m["group"] or "").split(",") if g.strip()]
    return Query(function, m["metric"], m["schema_ns"] or m["ns"], schema, where, group_by,
                 int(m["limit"] or 500))


def _value(key: str, account: str, dims: dict[str, str]) -> str | None:
    return account if key == ACCOUNT_KEY else dims.get(key)


def evaluate(
    q: Query,
    accounts: list[str],
    list_metrics: Callable[[str, str, str], list[dict[str, str]]],
    statistics: Callable[[str, str, str, dict[str, str]], dict[float, dict[str, float]]],
) -> list[dict[str, Any]]:
    """The result series: `list_metrics(account, ns, metric)` gives each metric's
    dimensions, `statistics(account, ns, metric, dims)` its {timestamp: {Sum, SampleCount,
    Minimum, Maximum}}; one {Label, Timestamps, Values} per group, most recent first."""
    groups: dict[tuple, dict[float, list[dict[str, float]]]] = {}
    for account in accounts:
        for dims in list_metrics(account, q.namespace, q.metric):
            if q.schema is not None and sorted(dims) != sorted(q.schema):
                continue
            if not all((_value(k, account, dims) == v) == (op == "=") for k, op, v in q.where):
                continue
            key = tuple(_value(k, account, dims) or "" for k in q.group_by)
            for at, stats in statistics(account, q.namespace, q.metric, dims).items():
                groups.setdefault(key, {}).setdefault(at, []).append(stats)
    series = []
    for key, points in sorted(groups.items()):
        stamps = sorted(points, reverse=True)
        series.append({
            "Label": " ".join(key) if key else q.metric,
            "Timestamps": stamps,
            "Values": [_combine(q.function, points[t]) for t in stamps],
            "StatusCode": "Complete",
        })
    return series[: q.limit]


def _combine(function: str, stats: list[dict[str, float]]) -> float:
    total = sum(s["Sum"] for s in stats)
    count = sum(s["SampleCount"] for s in stats)
    return {
        "AVG": total / count if count else 0.0,
        "SUM": total,
        "COUNT": count,
        "MIN": min(s["Minimum"] for s in stats),
        "MAX": max(s["Maximum"] for s in stats),
    }[function]
