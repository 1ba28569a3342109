"""Guards against a Qt-bindings defect that crashes the app after a few minutes of use.

PySide6 6.12.0 drops one reference to ``None`` on every call of a method that returns nothing;
on Python 3.11 the interpreter aborts ("none_dealloc") after some thousands of such calls, which a
table view makes in seconds. pyproject.toml keeps that version out; this test fails if it returns.
"""

import subprocess
import sys

CALLS = 50_000


def test_void_qt_calls_do_not_leak_references_to_none() -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "before = sys.getrefcount(None)\n"
        f"for _ in range({CALLS}): app.processEvents()\n"
        "print(before - sys.getrefcount(None))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) < CALLS // 100
