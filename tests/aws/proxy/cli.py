"""The command line: `python cbor_proxy.py --listen-port N --upstream URL [...]`.
"""

from __future__ import annotations

import argparse
import math

from .server import CborProxy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="An RPCv2-CBOR → awsJson1_0 translating HTTP proxy in front of `moto_server`.")
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--listen-host", default="127.0.0.1")
    parser.add_argument(
        "--upstream", required=True, help="moto_server URL, e.g. http://127.0.0.1:5000"
    )
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    parser.add_argument(
        "--throttle-first",
        type=int,
        default=0,
        metavar="N",
        help="answer the first N CloudWatch RPCv2-CBOR requests with a throttling error",
    )
    parser.add_argument(
        "--throttle-code", default="Throttling", help="error code for --throttle-first"
    )
    parser.add_argument(
        "--throttle-status", type=int, default=400, help="HTTP status for --throttle-first"
    )
    parser.add_argument(
        "--slow-insights",
        type=float,
        default=0.0,
        metavar="S",
        help="Logs Insights queries report Running for their first S seconds",
    )
    args = parser.parse_args(argv)
    if args.throttle_first < 0:
        parser.error("--throttle-first must be >= 0")
    if not math.isfinite(args.slow_insights) or args.slow_insights < 0:
        parser.error("--slow-insights must be a finite number >= 0")
    proxy = CborProxy(args.upstream, args.listen_host, args.listen_port, verbose=not args.quiet)
    if args.throttle_first:
        proxy.throttle(args.throttle_first, args.throttle_code, args.throttle_status)
    if args.slow_insights:
        proxy.slow_insights(args.slow_insights)
    print(f"cbor_proxy listening on {proxy.url} -> {args.upstream}", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    return 0
