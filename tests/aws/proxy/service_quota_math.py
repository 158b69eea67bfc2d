"""GetMetricData with `SERVICE_QUOTA(id)` in metric math (moto evaluates no metric math
function: it answers an expression with the values of whatever id it names): answered
here, as CloudWatch answers it, from the quotas a test set (`set_service_quotas`, each
`ServiceQuota` with its `UsageMetric`): the applied value of the quota whose usage metric
is the metric `id`, else its default, at each timestamp of that metric. The other queries
of the request are asked of moto, as sent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .codec import encode_cbor, json_to_cbor
from .linked_accounts import ask_as
from .replies import MOTO_ACCOUNT, Reply, cbor_error, protocol_headers

if TYPE_CHECKING:
    from .server import Handler

SERVICE_QUOTA = re.compile(r"^\s*SERVICE_QUOTA\(\s*([a-z][A-Za-z0-9_]*)\s*\)\s*$")


def uses_service_quota(request: dict[str, Any]) -> bool:
    return any(SERVICE_QUOTA.match(str(q.get("Expression", ""))) for q in request.get("MetricDataQueries", []))


def service_quota_answer(h: Handler, target_prefix: str, request: dict[str, Any], op_model: Any) -> Reply:
    queries = request.get("MetricDataQueries", [])
    by_id = {q["Id"]: q for q in queries}
    math = {q["Id"]: m.group(1) for q in queries if (m := SERVICE_QUOTA.match(str(q.get("Expression", ""))))}
    for qid, ref in math.items():
        if "MetricStat" not in by_id.get(ref, {}):
            return cbor_error(400, "ValidationError", f"Error in expression '{qid}': Unrecognized metric '{ref}'")
    # The metrics SERVICE_QUOTA reads are asked for even when hidden, and dropped below.
    asked = [{**q, "ReturnData": True} if q["Id"] in math.values() else q
             for q in queries if q["Id"] not in math]
    # As the caller: its credentials (the account) and its region are moto's scope.
    answer = ask_as(h, MOTO_ACCOUNT, {}, target_prefix, "GetMetricData", {**request, "MetricDataQueries": asked})
    got = {r["Id"]: r for r in answer.get("MetricDataResults", [])}

    def shown(qid: str) -> bool:
        return by_id[qid].get("ReturnData", True) is not False

    results = [r for r in got.values() if shown(r["Id"])]
    for qid, ref in math.items():
        usage = got.get(ref, {})
        quota = h.server.controls.quota_for_usage(by_id[ref]["MetricStat"]["Metric"])
        timestamps = usage.get("Timestamps", []) if quota else []
        if shown(qid):
            results.append({"Id": qid, "Label": by_id[qid].get("Label", qid), "Timestamps": timestamps,
                            "Values": [float(quota["Value"])] * len(timestamps) if quota else [],
                            "StatusCode": "Complete"})
    cbor_body = encode_cbor(json_to_cbor({"MetricDataResults": results, "Messages": []}, op_model.output_shape))
    return Reply(200, protocol_headers(cbor_body), cbor_body)
