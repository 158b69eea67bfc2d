"""Serve moto (behind the RPCv2-CBOR proxy) for a test written in another language.

Run from tests/: `python -m aws.serve`. Prints one JSON line with the endpoint
(`{"url": ..., "moto_url": ..., "region": ...}`), then serves until standard input closes,
so the servers stop when the test that started them ends, however it ends.
"""

from __future__ import annotations

import json
import sys

from .moto_fixture import REGION, moto_endpoint


def main() -> int:
    with moto_endpoint() as aws:
        print(json.dumps({"url": aws.url, "moto_url": aws.moto_url, "region": REGION}), flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
