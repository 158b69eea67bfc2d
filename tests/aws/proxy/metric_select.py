"""GetMetricData with Metrics Insights `SELECT`s (moto's are empty or wrong): answered
by `metrics_insights.py` over the monitoring and every linked account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import metrics_insights
from .codec import encode_cbor, epoch_seconds, json_to_cbor
from .linked_accounts import ask_as
from .replies import MOTO_ACCOUNT, Reply, cbor_error, protocol_headers

if TYPE_CHECKING:
    from .server import Handler


def metrics_insights_answer(h: Handler, target_prefix: str, request: dict[str, Any], linked: dict[str, str], op_model: Any
) -> Reply:
    """GetMetricData whose queries include Metrics Insights `SELECT`s: those answered by
    metrics_insights.py, the others asked of moto."""
    start, end = request["StartTime"], request["EndTime"]
    accounts = [MOTO_ACCOUNT, *linked]

    def list_metrics(account: str, namespace: str, metric: str) -> list[dict[str, str]]:
        found = ask_as(h, account, linked, target_prefix, "ListMetrics",
                             {"Namespace": namespace, "MetricName": metric}).get("Metrics", [])
        unique = {tuple(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", []))) for m in found}
        return [dict(dims) for dims in sorted(unique)]  # moto repeats some

    def statistics(period: int):
        def fetch(account: str, namespace: str, metric: str, dims: dict[str, str]):
            answer = ask_as(h, account, linked, target_prefix, "GetMetricStatistics", {
                "Namespace": namespace, "MetricName": metric, "StartTime": start, "EndTime": end,
                "Period": period, "Statistics": ["Sum", "SampleCount", "Minimum", "Maximum"],
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]})
            return {epoch_seconds(p["Timestamp"]): p for p in answer.get("Datapoints", [])}
        return fetch

    results, others = [], []
    for query in request.get("MetricDataQueries", []):
        expression = str(query.get("Expression", ""))
        if not expression.lstrip().upper().startswith("SELECT"):
            others.append(query)
            continue
        try:
            parsed = metrics_insights.parse(expression)
        except ValueError as error:
            return cbor_error(400, "InvalidParameterValueException", str(error))
        period = int(query.get("Period") or 60)
        for series in metrics_insights.evaluate(parsed, accounts, list_metrics, statistics(period)):
            results.append({"Id": query["Id"], **series})
    if others:
        answer = ask_as(h, MOTO_ACCOUNT, linked, target_prefix, "GetMetricData",
                              {**request, "MetricDataQueries": others})
        results += answer.get("MetricDataResults", [])
    cbor_body = encode_cbor(json_to_cbor({"MetricDataResults": results, "Messages": []},
                                         op_model.output_shape))
    return Reply(200, protocol_headers(cbor_body), cbor_body)
