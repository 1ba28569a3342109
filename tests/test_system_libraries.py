"""A missing system library is named, not guessed at: before Qt loads its X11 (xcb) platform plugin
the app checks the libraries that plugin needs, and if one is missing it says which, and how to
install it, in one line, and exits 1 instead of letting Qt abort."""

import json
import os
import subprocess
import sys

import pytest

from mlops_desktop import system_libraries
from tests.conftest import REPO

# The app's entry with no command (it would open the window), in a fresh process whose dynamic
# loader cannot find libxcb-cursor.so.0, as on a bare Debian 12, and finds every other library the
# check looks for (whether this machine has them or not).
WITHOUT_XCB_CURSOR = """
import ctypes, json, sys
from mlops_desktop.system_libraries import XCB_LIBRARIES
real_cdll = ctypes.CDLL
def cdll(name, *args, **kwargs):
    if name == "libxcb-cursor.so.0":
        raise OSError("libxcb-cursor.so.0: cannot open shared object file: No such file or directory")
    if name in XCB_LIBRARIES:
        return None
    return real_cdll(name, *args, **kwargs)
ctypes.CDLL = cdll
from mlops_desktop.cli import main
code = main([])
print(json.dumps({"code": code, "qt_loaded": any(m.startswith("PySide6") for m in sys.modules)}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_a_missing_xcb_library_is_named_with_the_install_commands_and_exits_1() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "DISPLAY": ":99",
        "QT_QPA_PLATFORM": "xcb",
    }
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_XCB_CURSOR],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert json.loads(done.stdout) == {"code": 1, "qt_loaded": False}, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: MLOps Desktop cannot open its window: ")
    assert "libxcb-cursor.so.0" in line
    assert "'sudo apt install libxcb-cursor0'" in line
    assert "'sudo dnf install xcb-util-cursor'" in line
    assert "libxcb-icccm" not in line  # only what is missing is named


def test_the_message_lists_each_package_once_for_both_families() -> None:
    message = system_libraries.missing_libraries_message(
        ["libxcb-cursor.so.0", "libxcb-randr.so.0", "libxcb-shm.so.0"]
    )
    assert "'sudo apt install libxcb-cursor0 libxcb-randr0 libxcb-shm0' (Debian, Ubuntu)" in message
    assert "'sudo dnf install xcb-util-cursor libxcb' (Fedora)" in message
    assert "\n" not in message and "reinstall" not in message.lower()


@pytest.mark.parametrize(
    ("environ", "checked"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb;wayland"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen:configfile=screen.json"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({}, False),
    ],
)
def test_only_an_x11_start_on_linux_is_checked(
    environ: dict[str, str], checked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert system_libraries.uses_xcb(environ) is checked
    monkeypatch.setattr(sys, "platform", "win32")
    assert system_libraries.uses_xcb(environ) is False


def test_nothing_is_said_when_every_library_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    tried: list[str] = []

    def loads(soname: str) -> bool:
        tried.append(soname)
        return True

    monkeypatch.setattr(system_libraries, "_loads", loads)
    assert system_libraries.check_window_libraries() is None
    assert tried == list(system_libraries.XCB_LIBRARIES)


def test_the_readme_quick_start_installs_every_library_checked() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme[readme.index("## Quick start") : readme.index("## User guide")]
    apt = quick_start[quick_start.index("sudo apt install") : quick_start.index("# Debian")]
    dnf = quick_start[quick_start.index("sudo dnf install") : quick_start.index("# Fedora")]
    for debian, fedora in system_libraries.XCB_LIBRARIES.values():
        assert debian in apt.split() and fedora in dnf.split(), (debian, fedora)
