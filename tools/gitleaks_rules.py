#!/usr/bin/env python3
"""Extract gitleaks' secret-detection rules and their test examples into JSON.

Usage:
    python3 tools/gitleaks_rules.py GITLEAKS_CHECKOUT [--out DIR] [--check]

The command line kept where kernel/src/redact/README.md gives it; the code is the
package tools/gitleaks/ (cli.py documents the output).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gitleaks.cli import main  # noqa: E402  (tools/ put on the path above)

if __name__ == "__main__":
    sys.exit(main())
