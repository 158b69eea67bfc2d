"""GetInsightRuleReport (moto has none), from the contributions a test set
(`insight_reports.py` computes the report).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import insight_reports
from .codec import encode_cbor, json_to_cbor
from .linked_accounts import ask_as
from .replies import MOTO_ACCOUNT, Reply, cbor_error, protocol_headers

if TYPE_CHECKING:
    from .server import Handler


def insight_report(h: Handler, target_prefix: str, request: dict[str, Any], op_model: Any) -> Reply:
    """GetInsightRuleReport for a rule moto keeps, from the contributions a test set."""
    controls = h.server.controls
    controls.record_insight_request(request)
    try:
        insight_reports.check(request)
        name = request["RuleName"]
        rules = ask_as(h, MOTO_ACCOUNT, {}, target_prefix, "DescribeInsightRules", {})
        rule = next((r for r in rules.get("InsightRules", []) if r["Name"] == name), None)
        if rule is None:
            raise insight_reports.ReportError("ResourceNotFoundException", f"Rule {name} does not exist.")
        definition = json.loads(rule["Definition"])
        data = {
            "KeyLabels": [k.removeprefix("$.") for k in definition["Contribution"]["Keys"]],
            "AggregationStatistic": definition["AggregateOn"],
            "Contributors": controls.insight_contributions(name),
        }
        doc = insight_reports.report(request, data)
    except insight_reports.ReportError as error:
        return cbor_error(400 if error.code != "ResourceNotFoundException" else 404, error.code, error.message)
    cbor_body = encode_cbor(json_to_cbor(doc, op_model.output_shape))
    return Reply(200, protocol_headers(cbor_body), cbor_body)
