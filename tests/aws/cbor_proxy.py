"""The RPCv2-CBOR proxy in front of `moto_server` (tests/aws/proxy/, whose docstring says
what it translates and emulates): `from aws.cbor_proxy import CborProxy`, or as a script:

    python tests/aws/cbor_proxy.py --listen-port 4567 --upstream http://127.0.0.1:5000 \
        [--throttle-first N] [--slow-insights S]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__:  # imported as aws.cbor_proxy
    from .proxy import *  # noqa: F403
    from .proxy import __all__  # noqa: F401
else:  # run as a script: tests/ on the path, for the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from aws.proxy import main

    sys.exit(main())
