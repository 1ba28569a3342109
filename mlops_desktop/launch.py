"""How the app starts a child of itself (the model server): the same program, frozen or not.

From a Python install a child is ``python -m mlops_desktop WORDS``. In the frozen application folder
(PyInstaller, ``sys.frozen`` set) ``sys.executable`` is the app itself, which takes the CLI words
directly; there is no Python to run ``-m`` with. Worker processes need no command: multiprocessing
starts them from ``sys.executable``, and ``multiprocessing.freeze_support()`` in ``__main__`` lets
the frozen app play that part.
"""

import sys


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def own_command(*words: str) -> list[str]:
    """The program and arguments that run ``mlops-desktop WORDS`` in a new process."""
    if is_frozen():
        return [sys.executable, *words]
    return [sys.executable, "-m", "mlops_desktop", *words]
