"""The jupyter_kernel_test conformance suite against the installed `playbook` kernel."""

from __future__ import annotations

import unittest

import jupyter_kernel_test

from conftest import start_kernel, stop_kernel


class PlaybookKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "playbook"
    language_name = "rust"
    file_extension = ".rs"

    @classmethod
    def setUpClass(cls) -> None:
        # The suite waits 15 s per message; start and warm the kernel up first.
        cls.km, cls.kc = start_kernel("conformance")

    @classmethod
    def tearDownClass(cls) -> None:
        stop_kernel(cls.km, cls.kc)

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("oops, on stderr");'

    # The suite runs these in the kernel's first seconds, before rust-analyzer has loaded
    # the standard library: a method after `.` comes from the prebuilt member index.
    completion_samples = [
        {"text": "let zebra_count = 1;\nzebra_c", "matches": {"zebra_count"}},
        {"text": "let v = vec![1, 2, 3];\nv.is_em", "matches": {"is_empty()"}},
    ]
    complete_code_samples = ["let x = 1;", "fn f() -> u8 { 1 }", 'let s = "}";']
    incomplete_code_samples = ["fn f() {", 'let s = "abc', "let v = vec![1, 2,"]
    invalid_code_samples = ["fn f() }", "let x = (1]);"]

    # Not applicable: this kernel has no pager payloads (`?`-style help opens nothing).
    code_page_something = ""

    code_generate_error = 'panic!("intentional failure")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": 'let greeting = String::from("hi"); greeting', "result": '"hi"'},
    ]
    code_display_data = [
        {"code": 'display(&Html("<b>bold</b>".into())).unwrap();', "mime": "text/html"},
        {"code": 'display(&Svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>".into())).unwrap();', "mime": "image/svg+xml"},
    ]

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "MimeBundle"
    code_clear_output = "clear_output(false).unwrap();"


if __name__ == "__main__":
    unittest.main()
