"""The `/__proxy/...` HTTP test controls (JSON answers, never forwarded to moto).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import TYPE_CHECKING

from .replies import Reply, float_param, int_param, json_reply

if TYPE_CHECKING:
    from .server import Handler


def control(h: Handler, path: str, query: str, body: bytes = b"") -> Reply:
    controls = h.server.controls
    routes = {
        "/__proxy/anomaly-detectors": "POST",
        "/__proxy/throttle": "POST",
        "/__proxy/stats": "GET",
        "/__proxy/stats/reset": "POST",
        "/__proxy/slow-insights": "POST",
        "/__proxy/insights-quota-full": "POST",
    }
    path = path.rstrip("/") or path
    if path not in routes:
        return json_reply(404, {"error": f"no such control endpoint: {path}"})
    if h.command != routes[path]:
        reply = json_reply(405, {"error": f"{path} takes {routes[path]}"})
        reply.headers.append(("Allow", routes[path]))
        return reply
    if path == "/__proxy/stats":
        return json_reply(200, controls.stats())
    if path == "/__proxy/stats/reset":
        return json_reply(200, controls.reset_stats())
    if path == "/__proxy/anomaly-detectors":
        try:
            detectors = json.loads(body or b"[]")
            return json_reply(200, controls.set_anomaly_detectors(detectors))
        except (ValueError, TypeError, KeyError) as exc:
            return json_reply(400, {"error": f"a JSON list of detectors: {exc}"})
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    if path == "/__proxy/insights-quota-full":
        try:
            return json_reply(200, controls.insights_quota_full(int_param(params, "n", None)))
        except ValueError as exc:
            return json_reply(400, {"error": str(exc)})
    if path == "/__proxy/slow-insights":
        try:
            seconds = float_param(params, "seconds")
            return json_reply(200, controls.slow_insights(seconds))
        except ValueError as exc:
            return json_reply(400, {"error": str(exc)})
    try:
        n = int_param(params, "n", None)
        status = int_param(params, "status", 400)
        code = params.get("code", ["Throttling"])[-1].strip()
        if n < 0:
            raise ValueError("n must be >= 0")
        if not 400 <= status <= 599:
            raise ValueError("status must be an error status (400-599)")
        if not code or not re.fullmatch(r"[\w.#:-]+", code):
            raise ValueError(f"bad code {code!r}")
    except ValueError as exc:
        return json_reply(400, {"error": str(exc)})
    return json_reply(200, controls.throttle(n, code, status))
