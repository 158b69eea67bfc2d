"""OpenSearch PPL and SQL StartQuery (moto runs every query as Logs Insights QL):
answered here, echoing the query in the Logs model's shapes.
"""

from __future__ import annotations

import uuid
from typing import Any

from .controls import ProxyControls
from .replies import Reply, logs_error, logs_reply


def start_opensearch_query(controls: "ProxyControls", doc: dict[str, Any]) -> Reply:
    """StartQuery in PPL or SQL, answered as the package docstring says."""
    language = doc.get("queryLanguage")
    named = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if doc.get(k)]
    if language == "SQL" and named:
        return logs_error("InvalidParameterException",
                           "SQL queries name their log groups in the query string, not in " + named[0])
    if language == "PPL" and len(named) != 1:
        return logs_error("InvalidParameterException",
                           "exactly one of logGroupName, logGroupNames or logGroupIdentifiers is required")
    groups = doc.get("logGroupNames") or doc.get("logGroupIdentifiers") or (
        [doc["logGroupName"]] if doc.get("logGroupName") else [])
    query_id = str(uuid.uuid4())
    controls.opensearch_started(query_id, {
        "status": "Complete",
        "results": [[
            {"field": "queryLanguage", "value": language},
            {"field": "queryString", "value": str(doc.get("queryString", ""))},
            {"field": "logGroups", "value": ", ".join(str(g) for g in groups)},
        ]],
        "statistics": {"recordsMatched": 1.0, "recordsScanned": 1.0, "bytesScanned": 0.0},
    })
    return logs_reply(200, {"queryId": query_id})
