"""gitleaks' rules and examples as JSON for kernel/src/redact (see cli.py's docstring and
kernel/src/redact/README.md). Python 3.11+ standard library only.

Modules, in the order data flows:
- go_lexer, go_decls, go_values, go_builtins, go_expr, go_interp: an interpreter for the
  subset of Go that gitleaks' rule generators (cmd/generate/config/rules/*.go) use;
- re2_to_rust: Go (RE2) patterns for the Rust `regex` crate and Python's `re`;
- samples: seeded sample strings from a pattern (a stand-in for `secrets.NewSecret`);
- detect: an emulation of gitleaks' detector for one rule;
- extract: the rules, their examples, and the check of each against the detector;
- cli: the command line (`python3 tools/gitleaks_rules.py` or `python3 -m gitleaks` from tools/).
"""
