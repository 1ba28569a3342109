"""Words explained: every technical word the interface shows has a glossary entry in the shipped
help, the tooltips of those words quote it, and F1 opens the help at the pane in use."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QTextBrowser
from pytestqt.qtbot import QtBot

from mlops_desktop.ui.help import PANE_SECTIONS, glossary, help_page, tip
from mlops_desktop.ui.main_window import PANES, MainWindow
from mlops_desktop.ui.panes.experiments import RUN_COLUMNS
from mlops_desktop.ui.panes.models import MODEL_COLUMNS
from mlops_desktop.ui.panes.monitoring_table import DRIFT_COLUMNS

# The technical words the interface shows (pane headings, columns, charts, dialogs, statuses).
INTERFACE_TERMS = [
    "accuracy",
    "algorithm",
    "Anderson–Darling",
    "archived",
    "balanced accuracy",
    "challenger",
    "champion",
    "chi-squared",
    "column importance",
    "confusion matrix",
    "content hash",
    "cross-validation",
    "data quality",
    "dataset",
    "drift",
    "drifting",
    "effect size",
    "experiment",
    "F1 score",
    "held-out",
    "95 % interval",
    "labels",
    "log loss",
    "MAE",
    "model card",
    "model version",
    "not distinguishable",
    "p-value",
    "precision",
    "prediction log",
    "prepared version",
    "production",
    "PSI",
    "R²",
    "recall",
    "recipe",
    "reference",
    "refused request",
    "request id",
    "retrain",
    "RMSE",
    "ROC AUC",
    "ROC curve",
    "run",
    "seed",
    "serving",
    "stage",
    "staging",
    "target",
    "thresholds",
    "training rows",
    "unseen category",
    "validation",
    "window",
    "worth watching",
]


@pytest.mark.parametrize("term", INTERFACE_TERMS)
def test_every_interface_term_has_a_glossary_entry(term: str) -> None:
    words = [word.lower() for word, _text in glossary().values()]
    assert any(term.lower() in word for word in words), f"no glossary entry for {term!r}"


def test_glossary_entries_are_sentences_a_student_can_read() -> None:
    entries = glossary()
    assert len(entries) >= len(INTERFACE_TERMS) - 5
    for word, text in entries.values():
        assert text.endswith((".", '"')), word
        assert 40 <= len(text) <= 400, word


def test_tooltips_of_technical_columns_quote_the_glossary() -> None:
    columns = {c.header: c.tooltip for c in [*RUN_COLUMNS, *MODEL_COLUMNS, *DRIFT_COLUMNS]}
    for header, key in [
        ("ROC AUC", "roc-auc"),
        ("p-value", "p-value"),
        ("Change", "effect-size"),
        ("PSI", "psi"),
        ("Stage", "stage"),
    ]:
        assert glossary()[key][1] in columns[header], header
    assert tip("drift").endswith("(F1: help)")


@pytest.mark.parametrize("pane", PANES)
def test_f1_opens_the_help_at_the_section_of_the_pane_in_use(
    qtbot: QtBot, window: MainWindow, pane: str
) -> None:
    window.show_pane(pane)
    before = set(window.findChildren(QDialog))
    qtbot.keyClick(window, Qt.Key.Key_F1)
    opened = set(window.findChildren(QDialog)) - before
    assert len(opened) == 1
    dialog = opened.pop()
    qtbot.addWidget(dialog)
    browser = dialog.findChild(QTextBrowser, "helpBrowser")
    section = PANE_SECTIONS[pane]
    assert browser.source().fragment() == section
    assert f'<a name="{section}"></a>' in help_page().read_text(encoding="utf-8")
