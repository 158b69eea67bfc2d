"""Service Quotas for codes a test set quotas for (moto knows only vpc's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .replies import Reply, json_doc, logs_reply

if TYPE_CHECKING:
    from .server import Handler


def service_quotas(h: Handler, op: str, body: bytes) -> Reply:
    """ListServiceQuotas / ListAWSDefaultServiceQuotas for a service code a test set
    quotas for (moto knows only vpc's), one page, in the Service Quotas model's shape;
    anything else passed through to moto."""
    doc = json_doc(body, h.headers.get("Content-Encoding", ""))
    found = h.server.controls.service_quotas(op, str(doc.get("ServiceCode", "")))
    if found is None:
        return h.pass_through(body)
    return logs_reply(200, {"Quotas": found})
