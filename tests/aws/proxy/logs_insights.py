"""CloudWatch Logs requests (awsJson1_1): counted; Logs Insights queries tracked (slow
queries, StopQuery, the quota, the row limit) and, where moto lacks them, answered here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .linked_accounts import groups_across_accounts, results_across_accounts, start_across_accounts
from .opensearch_queries import start_opensearch_query
from .replies import (
    INSIGHTS_STATISTICS,
    ROW_LIMIT,
    Reply,
    json_doc,
    json_member,
    logs_error,
    logs_reply,
)

if TYPE_CHECKING:
    from .server import Handler


def logs(h: Handler, op: str, body: bytes) -> Reply:
    """A Logs request: counted; Insights queries tracked and, where the package
    docstring says so, answered here; everything else passed through unchanged."""
    controls = h.server.controls
    controls.record_logs(op)
    encoding = h.headers.get("Content-Encoding", "")
    if op == "ListAnomalies":
        # moto has no log anomaly detectors: answered here, in the Logs model's
        # ListAnomaliesResponse shape, from the anomalies a test set.
        return logs_reply(200, controls.list_anomalies(json_doc(body, encoding)))
    if op == "StartQuery" and controls.take_quota_full():
        return logs_error("LimitExceededException",
                           "Account maximum query concurrency limit of [30] reached")
    if op == "StartQuery" and json_member(body, encoding, "queryLanguage") in ("PPL", "SQL"):
        return start_opensearch_query(controls, json_doc(body, encoding))
    if op == "DescribeLogGroups" and json_doc(body, encoding).get("includeLinkedAccounts"):
        # moto has no linked accounts: each account asked lists its own groups.
        return groups_across_accounts(h, json_doc(body, encoding))
    if op == "StartQuery" and json_doc(body, encoding).get("logGroupIdentifiers"):
        # moto ignores logGroupIdentifiers: the groups are asked of their accounts.
        return start_across_accounts(h, json_doc(body, encoding))
    if op == "GetQueryResults":
        query_id = json_member(body, encoding, "queryId")
        answer = controls.opensearch_result(query_id) if query_id is not None else None
        if answer is not None:
            return logs_reply(200, answer)
    if op in ("GetQueryResults", "StopQuery"):
        query_id = json_member(body, encoding, "queryId")
        if op == "StopQuery":
            if query_id is not None and controls.stop_query(query_id):
                return logs_reply(200, {"success": True})
            return logs_error(
                "InvalidParameterException",
                f"Query {query_id!r} does not exist"
                if query_id is not None
                else "queryId is required",
            )
        status = controls.query_status(query_id) if query_id is not None else None
        if status is not None:
            return logs_reply(
                200,
                {"status": status, "results": [], "statistics": dict(INSIGHTS_STATISTICS)},
            )
        linked_query = controls.linked_query(query_id) if query_id is not None else None
        if linked_query is not None:
            return results_across_accounts(h, query_id, *linked_query)
    reply = h.pass_through(body)
    reply_encoding = next((v for k, v in reply.headers if k.lower() == "content-encoding"), "")
    if op == "StartQuery" and reply.status == 200:
        query_id = json_member(reply.body, reply_encoding, "queryId")
        if query_id is not None:
            controls.query_started(query_id)
            asked = json_doc(body, encoding).get("limit")
            controls.set_row_limit(query_id, min(int(asked or ROW_LIMIT), ROW_LIMIT))
    if op == "GetQueryResults" and reply.status == 200:
        # moto returns every matching row; the service returns at most the query's
        # limit (default and maximum 10,000): cut the results as it would.
        doc = json_doc(reply.body, reply_encoding)
        limit = controls.row_limit(json_member(body, encoding, "queryId"))
        if doc.get("status") == "Complete" and len(doc.get("results", [])) > limit:
            doc["results"] = doc["results"][:limit]
            return logs_reply(200, doc)
    return reply
