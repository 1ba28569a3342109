"""The system libraries Qt's X11 (xcb) platform plugin needs, checked before Qt loads it.

On a bare Linux install some of them are missing (Debian 12 lacks ``libxcb-cursor0``,
``libxcb-icccm4`` and ``libxcb-keysyms1``), and Qt then aborts, advising to reinstall the
application, which does not help. Instead the app names the missing libraries and the command that
installs them, in one line, and exits.

``XCB_LIBRARIES`` is the list of what PySide6 6's ``plugins/platforms/libqxcb.so`` and the
``libQt6XcbQpa.so.6`` it loads link against (``readelf -d … | grep NEEDED``), less Qt's own
libraries and the C and C++ runtimes, each with the package that ships it on Debian/Ubuntu and on
Fedora. Each is checked by loading it by its exact name, as the dynamic loader will when Qt loads
the plugin: milliseconds, and no Qt module is imported.
"""

import os
import sys
from collections.abc import Mapping

# soname: (Debian/Ubuntu package, Fedora package)
XCB_LIBRARIES = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will load its xcb plugin: on Linux, with an X display, and no other platform
    asked for first in ``QT_QPA_PLATFORM`` (``offscreen``, ``wayland``… need none of these)."""
    if not sys.platform.startswith("linux") or not environ.get("DISPLAY"):
        return False
    first = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    return first in ("", "xcb")


def _loads(soname: str) -> bool:
    import ctypes  # here, not at the top: the command line imports this module on every start

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_xcb_libraries() -> list[str]:
    """The xcb plugin's libraries that cannot be loaded, in ``XCB_LIBRARIES`` order."""
    return [soname for soname in XCB_LIBRARIES if not _loads(soname)]


def missing_libraries_message(missing: list[str]) -> str:
    """One sentence naming the missing libraries and the commands that install them."""
    debian = " ".join(dict.fromkeys(XCB_LIBRARIES[soname][0] for soname in missing))
    fedora = " ".join(dict.fromkeys(XCB_LIBRARIES[soname][1] for soname in missing))
    return (
        f"MLOps Desktop cannot open its window: this system lacks {', '.join(missing)}, which "
        f"Qt needs to draw on X11. Install them with 'sudo apt install {debian}' (Debian, "
        f"Ubuntu) or 'sudo dnf install {fedora}' (Fedora), then start the app again."
    )


def check_window_libraries() -> str | None:
    """What to tell the user if the window cannot open for a missing library, else None."""
    if not uses_xcb(os.environ):
        return None
    missing = missing_xcb_libraries()
    return missing_libraries_message(missing) if missing else None
