"""`python3 -m gitleaks` (from tools/): the same as `python3 tools/gitleaks_rules.py`."""

import sys

from .cli import main

sys.exit(main())
