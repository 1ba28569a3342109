"""The one error channel's vocabulary.

A ``UserError`` carries one plain sentence meant for the analyst; the CLI prints it after ``error:``
and the GUI shows it in a dialog. Anything else is a bug: it is logged with its traceback and the user
sees a short "something went wrong" pointing at the log file.
"""


class UserError(Exception):
    """Bad input or a refused operation, explained in one sentence in the analyst's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Cancelled(Exception):
    """The user cancelled a long operation; nothing it started is left behind."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)
