"""Cross-account observability (moto has none): requests asked of moto as a linked
account (its access key in the credential scope), GetMetricData/ListMetrics across
accounts, and Logs queries and log groups across accounts.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from .replies import (
    CBOR_REQUEST_DROP,
    INSIGHTS_STATISTICS,
    LOGS_CONTENT_TYPE,
    LOGS_TARGET_PREFIX,
    MOTO_ACCOUNT,
    ROW_LIMIT,
    Reply,
    logs_error,
    logs_reply,
)

if TYPE_CHECKING:
    from .server import Handler


def across_accounts(h: Handler, target_prefix: str, op: str, request: dict[str, Any], linked: dict[str, str]
) -> dict[str, Any] | None:
    """CloudWatch cross-account observability, which moto lacks, for a monitoring
    account (moto's own) linked to `linked` (account id → an access key moto issued for
    it): GetMetricData queries naming an `AccountId` are asked of that account, and
    ListMetrics with `IncludeLinkedAccounts` lists every linked account's metrics too,
    with `OwningAccounts` beside them. `None`: nothing crosses accounts."""
    if op == "GetMetricData":
        queries = request.get("MetricDataQueries", [])
        if not any(q.get("AccountId") not in (None, MOTO_ACCOUNT) for q in queries):
            return None
        by_account: dict[str, list[dict[str, Any]]] = {}
        for q in queries:
            q = dict(q)
            by_account.setdefault(q.pop("AccountId", None) or MOTO_ACCOUNT, []).append(q)
        results, messages = [], []
        for account, own in by_account.items():
            doc = ask_as(h, account, linked, target_prefix, op, {**request, "MetricDataQueries": own})
            results += doc.get("MetricDataResults", [])
            messages += doc.get("Messages", [])
        return {"MetricDataResults": results, "Messages": messages}
    if not request.get("IncludeLinkedAccounts"):
        return None
    asked = {k: v for k, v in request.items() if k not in ("IncludeLinkedAccounts", "OwningAccount")}
    metrics, owners = [], []
    for account in [MOTO_ACCOUNT, *linked]:
        if request.get("OwningAccount") not in (None, account):
            continue
        found = ask_as(h, account, linked, target_prefix, op, asked).get("Metrics", [])
        metrics += found
        owners += [account] * len(found)
    return {"Metrics": metrics, "OwningAccounts": owners}


def ask_as(h: Handler, account: str, linked: dict[str, str], target_prefix: str, op: str, doc: dict[str, Any]
) -> dict[str, Any]:
    """One CloudWatch request (awsJson 1.0) to moto as `account`; the answer's document."""
    status, data = as_account(h, account, linked, f"{target_prefix}.{op}", "application/x-amz-json-1.0", doc)
    if status != 200:
        raise ValueError(f"moto answered {status} to {op} as {account}: {data[:200]!r}")
    return json.loads(data) if data.strip() else {}


def as_account(h: Handler, account: str, linked: dict[str, str], target: str, content_type: str, doc: dict[str, Any]
) -> tuple[int, bytes]:
    """One awsJson request to moto as `account` (its access key in the credential
    scope, which is how moto tells accounts apart): the status and body."""
    headers = [(k, v) for k, v in h.headers.items()
               if k.lower() not in CBOR_REQUEST_DROP and k.lower() != "x-amz-target"]
    headers += [("X-Amz-Target", target), ("Content-Type", content_type), ("Accept", "application/json")]
    if account != MOTO_ACCOUNT:
        key = linked.get(account)
        if key is None:
            raise ValueError(f"account {account} is not linked to the monitoring account")
        headers = [(k, re.sub(r"Credential=[^/]+/", f"Credential={key}/", v) if k.lower() == "authorization" else v)
                   for k, v in headers]
    status, _reason, _headers, data = h.upstream("POST", "/", headers, json.dumps(doc).encode())
    return status, data


def start_across_accounts(h: Handler, doc: dict[str, Any]) -> Reply:
    """StartQuery over `logGroupIdentifiers` (names, or ARNs of the monitoring or a
    linked account): one moto query per account over its groups' names, under one
    query id of the proxy's."""
    controls = h.server.controls
    linked = controls.linked_accounts()
    by_account: dict[str, list[str]] = {}
    for identifier in doc.pop("logGroupIdentifiers"):
        account, name = MOTO_ACCOUNT, identifier
        if identifier.startswith("arn:"):
            parts = identifier.split(":", 6)
            if len(parts) < 7 or parts[5] != "log-group":
                return logs_error("InvalidParameterException", f"{identifier} is not a log group ARN")
            account, name = parts[4], parts[6].removesuffix(":*")
        if account != MOTO_ACCOUNT and account not in linked:
            return logs_error("AccessDeniedException",
                               f"account {account} is not linked to monitoring account {MOTO_ACCOUNT}")
        by_account.setdefault(account, []).append(name)
    parts = []
    for account, names in by_account.items():
        status, answer = logs_as(h, account, linked, "StartQuery", {**doc, "logGroupNames": names})
        if status != 200:
            return logs_reply(status, answer)
        parts.append((account, answer["queryId"]))
    query_id = f"linked-{uuid.uuid4()}"
    controls.query_started(query_id)
    controls.set_row_limit(query_id, min(int(doc.get("limit") or ROW_LIMIT), ROW_LIMIT))
    controls.set_linked_query(query_id, parts, str(doc.get("queryString", "")))
    return logs_reply(200, {"queryId": query_id})


def groups_across_accounts(h: Handler, doc: dict[str, Any]) -> Reply:
    """DescribeLogGroups with `includeLinkedAccounts`: the groups of each account in
    `accountIdentifiers` (default: the monitoring account and every linked one), each
    listed by moto as that account, one page."""
    linked = h.server.controls.linked_accounts()
    accounts = doc.pop("accountIdentifiers", None) or [MOTO_ACCOUNT, *linked]
    doc.pop("includeLinkedAccounts", None)
    groups = []
    for account in accounts:
        if account != MOTO_ACCOUNT and account not in linked:
            return logs_error("AccessDeniedException",
                               f"account {account} is not linked to monitoring account {MOTO_ACCOUNT}")
        status, answer = logs_as(h, account, linked, "DescribeLogGroups", doc)
        if status != 200:
            return logs_reply(status, answer)
        groups += answer.get("logGroups", [])
    return logs_reply(200, {"logGroups": groups})


def results_across_accounts(h: Handler, query_id: str, parts: list[tuple[str, str]], text: str) -> Reply:
    """GetQueryResults of a query across accounts: each account's rows (their `@log`
    as the service writes it, `ACCOUNT:GROUP`), in the query's `@timestamp` order
    across accounts when it sorts by it, complete when every part is."""
    linked = h.server.controls.linked_accounts()
    rows, statuses = [], set()
    statistics = dict(INSIGHTS_STATISTICS)
    for account, part in parts:
        status, answer = logs_as(h, account, linked, "GetQueryResults", {"queryId": part})
        if status != 200:
            return logs_reply(status, answer)
        statuses.add(answer.get("status"))
        for key, value in answer.get("statistics", {}).items():
            statistics[key] = statistics.get(key, 0.0) + float(value)
        for row in answer.get("results", []):
            rows.append([{**f, "value": f"{account}:{f['value']}"} if f.get("field") == "@log" else f
                         for f in row])
    status = "Complete" if statuses == {"Complete"} else "Running"
    order = re.search(r"sort\s+@timestamp\s*(asc|desc)?", text)
    if order:
        def stamp(row: list[dict[str, Any]]) -> str:
            return next((f["value"] for f in row if f.get("field") == "@timestamp"), "")
        rows.sort(key=stamp, reverse=order.group(1) != "asc")
    limit = h.server.controls.row_limit(query_id)
    return logs_reply(200, {"status": status, "results": rows[:limit], "statistics": statistics})


def logs_as(h: Handler, account: str, linked: dict[str, str], op: str, doc: dict[str, Any]) -> tuple[int, Any]:
    """One Logs request to moto as `account`; its status and JSON answer."""
    status, data = as_account(h, account, linked, f"{LOGS_TARGET_PREFIX}{op}", LOGS_CONTENT_TYPE, doc)
    try:
        return status, json.loads(data) if data.strip() else {}
    except ValueError:
        return 500, {"__type": "InternalFailure", "message": data[:200].decode(errors="replace")}
