"""The shipped help (``resources/help/index.html``): its window, opened at the section of the pane
in use (F1), and its glossary ("Words explained"), which is also where the interface's tooltips
for technical words come from, so a word is explained the same way everywhere.

A glossary entry in the page is ``<dt><a name="term-KEY"></a><b>Word</b></dt><dd>…</dd>``.
"""

import functools
import html
import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from mlops_desktop.config import resources_dir

# The help's section for each pane (its anchor in the page).
PANE_SECTIONS = {
    "Home": "home",
    "Datasets": "datasets",
    "Experiments": "experiments",
    "Models": "models",
    "Monitoring": "monitoring",
    "Audit": "audit",
}
_ENTRY = re.compile(
    r'<dt><a name="term-([\w-]+)"></a><b>(.*?)</b></dt>\s*<dd>(.*?)</dd>', re.DOTALL
)
_TAG = re.compile(r"<[^>]+>")


def help_page() -> Path:
    return resources_dir() / "help" / "index.html"


@functools.cache
def glossary() -> dict[str, tuple[str, str]]:
    """Each glossary entry's key ("p-value", "roc-auc", …): its word and its plain text."""
    page = help_page().read_text(encoding="utf-8")
    return {
        key: (html.unescape(word), " ".join(html.unescape(_TAG.sub("", text)).split()))
        for key, word, text in _ENTRY.findall(page)
    }


def tip(key: str, context: str = "") -> str:
    """A tooltip for the glossary word ``key``: ``context`` (what it is here) first, then the
    glossary's explanation. An unknown key is a programming error (the coverage test finds it)."""
    _word, text = glossary()[key]
    return f"{context} {text}".strip() + " (F1: help)"


def show_help(parent: QWidget, section: str = "") -> QDialog:
    """The help in its own window, scrolled to ``section`` (an anchor) when given."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("MLOps Desktop Help")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.resize(760, 620)
    browser = QTextBrowser()
    browser.setObjectName("helpBrowser")
    page = help_page()
    browser.setSearchPaths([str(page.parent)])
    url = QUrl.fromLocalFile(str(page))
    if section:
        url.setFragment(section)
    browser.setSource(url)
    if section:
        browser.scrollToAnchor(section)
    QVBoxLayout(dialog).addWidget(browser)
    dialog.show()
    return dialog
