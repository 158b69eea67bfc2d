"""An RPCv2-CBOR → awsJson1_0 translating HTTP proxy in front of `moto_server`.

Modules: `server` (HTTP, routing, `CborProxy`), `translate` (CBOR ↔ awsJson by botocore's
model), `codec` (value conversion), `replies` (replies, errors, wire constants),
`controls` (the state tests set) and `control_endpoints` (`/__proxy/...`), one module per
API emulated where moto lacks it (`logs_insights`, `opensearch_queries`,
`linked_accounts`, `service_quotas`, `service_quota_math`, `insight_rule_report`,
`metric_select`), `cli`.
`tests/aws/cbor_proxy.py` is the script entry and the import name tests use.

Why it exists: the latest `aws-sdk-cloudwatch` speaks Smithy RPCv2-CBOR
(`smithy.protocols#rpcv2Cbor`), and moto 5.2.x does not: it answers 404 to
`POST /service/GraniteServiceVersion20100801/operation/<Op>`. moto does accept the
same operations as awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`),
so this proxy rewrites such requests to JSON, forwards them to moto, and turns moto's
JSON answers back into CBOR. Everything else (CloudWatch Logs, which speaks awsJson1_1,
`/moto-api/...`) is forwarded unchanged.

Wire details (Smithy "Smithy RPC v2 CBOR protocol" spec and the smithy-rs runtime):
- request: `POST {prefix}/service/{Service}/operation/{Op}`, `Smithy-Protocol: rpc-v2-cbor`,
  `Content-Type: application/cbor`, `Accept: application/cbor`, body a CBOR map (may be
  empty for unit input, may be gzip'd: PutMetricData has `@requestCompression`).
- response: same `Smithy-Protocol` header, `Content-Type: application/cbor`; success is 200.
- timestamps: CBOR tag 1 around epoch seconds. smithy-rs reads the tagged value with
  minicbor's `f64()`, which accepts only CBOR floats: always send a float, never an int.
- numbers: smithy-rs reads `double`/`float` members with `f64()`/`f32()` (floats only) and
  integer members with `i32()`/`i64()` (integers only), so values are coerced by shape.
- nulls MUST be omitted; blobs are CBOR byte strings (base64 strings in JSON).
- errors: a CBOR map with `__type` (clients strip any `namespace#` prefix) and `message`.
  CloudWatch is `@awsQueryCompatible`: the SDK takes the error code from the
  `x-amzn-query-error: Code;Sender` header when present (the awsQuery code, e.g.
  `InvalidParameterValue`), so that header is forwarded (or derived from the model).

Shapes come from botocore's service model (moto depends on botocore, so it is always
installed next to moto). Usable in-process (`CborProxy`) or as a script:

    python tests/aws/cbor_proxy.py --listen-port 4567 --upstream http://127.0.0.1:5000 \
        [--throttle-first N] [--slow-insights S]

Test controls, answered by the proxy itself (never forwarded; JSON answers). Throttling
only affects CloudWatch RPCv2-CBOR requests (`POST .../service/GraniteServiceVersion20100801/
operation/<Op>` with `smithy-protocol: rpc-v2-cbor`), never Logs or other pass-through:
- `POST /__proxy/throttle?n=N[&code=Throttling][&status=400]`: the next N such requests
  get, without reaching moto, HTTP `status` with `smithy-protocol: rpc-v2-cbor`,
  `Content-Type: application/cbor`, `x-amzn-query-error: <code>;Sender` and the CBOR body
  `{"__type": <code>, "message": "Rate exceeded"}`. Replaces any earlier setting; `n=0`
  turns throttling off. Answers `{"remaining": N, "code": ..., "status": ...}`.
- `GET /__proxy/stats`: `{"cloudwatch_requests": int, "throttled": int,
  "operations": {"<Op>": int, ...}, "logs_operations": {"<Op>": int, ...}}`: every such
  CloudWatch request received (throttled ones included), and every CloudWatch Logs request
  (`POST` with `X-Amz-Target: Logs_20140328.<Op>`, passed through or answered by the proxy
  as below), since start or the last `POST /__proxy/stats/reset` (which answers the counts
  it cleared, and leaves throttling, slow-insights and known queries as they are).

Metric anomaly detectors (moto has none: DescribeAnomalyDetectors is a 500 there):
- `POST /__proxy/anomaly-detectors` with a JSON list of PutAnomalyDetector single-metric
  members (`Namespace`, `MetricName`, `Dimensions` [{`Name`, `Value`}], `Stat`) replaces
  the proxy's detectors; DescribeAnomalyDetectors (CBOR) is then answered by the proxy in
  the CloudWatch model's output shape (each detector also as `SingleMetricAnomalyDetector`,
  `StateValue` TRAINED), filtered by `Namespace`, `MetricName` and `Dimensions`, one page.
  `MotoEndpoint.reset()` clears them.

Cross-account observability (moto has none): `set_linked_accounts({id: access key})`
(in-process) links source accounts, each with an access key moto issued for it (STS
AssumeRole into the account), to moto's own account as the monitoring account. Then a
GetMetricData query naming an `AccountId` is asked of that account (the rest of the
request as sent), and ListMetrics with `IncludeLinkedAccounts` lists the monitoring and
linked accounts' metrics with `OwningAccounts` beside them (filtered by `OwningAccount`),
in the CloudWatch model's output shapes. A Logs Insights StartQuery with
`logGroupIdentifiers` (names, or ARNs of the monitoring or a linked account; moto ignores
them) runs one moto query per account over its groups under one query id of the proxy's;
GetQueryResults gives every account's rows, `@log` as `ACCOUNT:GROUP`, Complete when every
part is. DescribeLogGroups with `includeLinkedAccounts` lists each account's groups (those
of `accountIdentifiers`, or all), with their ARNs. An account not linked is
AccessDeniedException. `MotoEndpoint.reset()` unlinks them.

Contributor Insights reports (moto keeps rules but has no GetInsightRuleReport):
`set_insight_contributions(rule, [{"Keys": [...], "Values": [[epoch s, value], ...]}])`
(in-process) gives a rule's raw contributions; GetInsightRuleReport is then answered by
the proxy for rules moto has (PutInsightRule; ResourceNotFoundException otherwise), with
the key labels and aggregation from the rule's definition, in the CloudWatch model's
output shape (see insight_reports.py). `insight_requests()` lists the requests seen.
`MotoEndpoint.reset()` clears them.

Service Quotas (moto knows only vpc's): `set_service_quotas(code, applied, defaults)`
(in-process) sets what ListServiceQuotas and ListAWSDefaultServiceQuotas answer for a
service code (one page, the model's `ServiceQuota` shape); other codes pass through.
`MotoEndpoint.reset()` clears them. Metric math's `SERVICE_QUOTA(id)` (moto evaluates no
metric math function) is answered from the same quotas: a GetMetricData naming it gets,
for that id, the applied value (else the default) of the quota whose `UsageMetric` is the
metric `id`, at each of that metric's timestamps (nothing when no quota has it); the
request's other queries are asked of moto (service_quota_math.py).

Metrics Insights (moto's is empty or wrong): a GetMetricData whose queries include a
`SELECT` is answered here for a subset of the language (metrics_insights.py: one function
of one metric FROM SCHEMA(…) or a namespace, `=`/`!=` conditions, GROUP BY, LIMIT, with
`AWS.AccountId` as a key), over the monitoring account and every linked account; the
other queries of the request are asked of moto.

Log anomalies (moto has no log anomaly detectors): `set_log_anomalies([...])` (in-process)
sets what ListAnomalies answers, in the Logs model's `Anomaly` shape, filtered by
`anomalyDetectorArn` and paged by `limit`/`nextToken`. `MotoEndpoint.reset()` clears them.

Logs Insights' row limit (moto returns every matching row): a completed GetQueryResults
passed through is cut to the StartQuery's `limit` (default and at most 10,000 rows), as
the service documents.

CloudWatch Logs Insights (awsJson1_1; moto finishes every query at once and answers 500 to
StopQuery), so that a client's polling and cancel paths can be tested:
- The proxy remembers the `queryId` of every StartQuery answered 200 by moto (the reply
  itself is passed through byte for byte).
- `POST /__proxy/slow-insights?seconds=S` (float, finite, >= 0): each call replaces the
  earlier setting; `0` turns it off. While S > 0, a query whose StartQuery reply passed
  through after this call gets, for the first S seconds after that, its GetQueryResults
  answered by the proxy: 200, `Content-Type: application/x-amz-json-1.1`,
  `{"status": "Running", "results": [], "statistics": {"recordsMatched": 0.0,
  "recordsScanned": 0.0, "bytesScanned": 0.0}}`. After S seconds, or once the setting is
  replaced or turned off, GetQueryResults passes through to moto again (Complete).
  Answers `{"seconds": S}`.
- StopQuery is always answered by the proxy (slow-insights on or off): for a known
  `queryId`, 200 `{"success": true}` (also when repeated, or after the query completed)
  and the query is marked stopped, after which every GetQueryResults for it is answered
  `{"status": "Cancelled", "results": [], "statistics": <zeros as above>}`; for a missing
  or unknown `queryId`, 400 with `x-amzn-ErrorType: InvalidParameterException` and
  `{"__type": "InvalidParameterException", "message": ...}`. GetQueryResults for
  unknown ids, and every other Logs operation, pass through byte for byte.

The account's concurrent-query quota, full (moto has no such quota):
`POST /__proxy/insights-quota-full?n=N`: the next N StartQuery calls are answered 400,
`x-amzn-ErrorType: LimitExceededException`, `{"__type": "LimitExceededException",
"message": "Account maximum query concurrency limit of [30] reached"}` (the error
StartQuery documents for it); `n=0` turns it off. Answers `{"remaining": N}`.

OpenSearch PPL and SQL (`queryLanguage` "PPL"/"SQL" on StartQuery): moto 5.2 runs every
query through its own Logs Insights QL parser, so the proxy answers these itself, in the
wire shapes of the CloudWatch Logs model (StartQueryResponse, GetQueryResultsResponse):
- StartQuery follows the documented rule on log groups: SQL names them in the query
  string, so `logGroupName`, `logGroupNames` or `logGroupIdentifiers` → 400
  `InvalidParameterException`; PPL needs exactly one of them → 400 otherwise. Accepted:
  200 `{"queryId": <uuid>}`.
- GetQueryResults for such a query: 200 `{"status": "Complete", "results": [[{"field":
  "queryLanguage", "value": L}, {"field": "queryString", "value": Q}, {"field":
  "logGroups", "value": "g1, g2"}]], "statistics": {"recordsMatched": 1.0,
  "recordsScanned": 1.0, "bytesScanned": 0.0}}`: the query as received, so a test sees
  its round trip through the SDK.
"""

from .cli import main
from .codec import cbor_to_json, encode_cbor, json_to_cbor
from .controls import ProxyControls
from .replies import cbor_error, throttle_error
from .server import CborProxy
from .translate import SERVICES, service_model

__all__ = [
    "SERVICES",
    "CborProxy",
    "ProxyControls",
    "cbor_error",
    "cbor_to_json",
    "encode_cbor",
    "json_to_cbor",
    "main",
    "service_model",
    "throttle_error",
]
