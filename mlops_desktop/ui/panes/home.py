"""Home: the lifecycle as five steps (Data → Train → Register → Serve → Monitor) with their state."""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import demo, listing
from mlops_desktop.core.demo import facts
from mlops_desktop.core.vocabulary import counted, status_word
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.workers import Task

STEPS = [
    ("1  Data", "Datasets", "Import a file, check its columns, clean it."),
    ("2  Train", "Experiments", "Try algorithms and compare their scores."),
    ("3  Register", "Models", "Name the best model and approve it."),
    ("4  Serve", "Models", "Let other programs ask the model for predictions."),
    (
        "5  Monitor",
        "Monitoring",
        "Watch for changing data and falling accuracy; retrain.",
    ),
]


class StepCard(QFrame):
    def __init__(self, title: str, pane: str, text: str, on_open: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("stepCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(130)
        # The five share the row equally, whatever their texts ask for.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h3>{title}</h3>")
        description = QLabel(text)
        description.setWordWrap(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setObjectName("stepState")
        self.button = QPushButton(f"Open {pane}")
        self.button.clicked.connect(on_open)
        layout.addWidget(heading)
        layout.addWidget(description)
        layout.addWidget(self.state, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.button)


class HomePane(QWidget):
    filled = Signal()  # the cards show what ``refresh`` read
    demo_requested = Signal()  # "Open the demo workspace"
    demo_reset_requested = Signal()  # "Reset this demo…"

    def __init__(
        self, state: AppState, open_pane: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.serving = ""  # the URL of the running server
        intro = QLabel(
            "<h1>Your machine-learning workspace</h1>"
            "<p>Everything stays on this computer. Follow the steps from left to right; each card "
            "shows where you are.</p>"
        )
        intro.setWordWrap(True)
        self.workspace_label = QLabel()
        self.workspace_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        self.cards: list[StepCard] = []
        for title, pane, text in STEPS:
            card = StepCard(title, pane, text, lambda _checked=False, pane=pane: open_pane(pane))
            self.cards.append(card)
            row.addWidget(card, 1)  # five cards of one width
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(intro)
        layout.addLayout(row)
        tips = QLabel(
            "<h3>Getting started</h3><ul>"
            "<li>Open <b>Datasets</b> (Ctrl+2) to look at your data (or the sample datasets): its "
            "columns, their distributions and warnings.</li>"
            "<li>Drop your own CSV, Excel or Parquet file on this window to import it. Importing a "
            "changed file under the same name makes a new version; you can always go back.</li>"
            "<li>Messy data? <b>Prepare…</b> (Ctrl+P) cleans a version step by step (fill gaps, "
            "drop duplicates, derive columns), each step previewed; every new version is also "
            "checked against its dataset's rules.</li>"
            "<li>Press F1 for help at any time.</li></ul>"
        )
        tips.setWordWrap(True)
        layout.addWidget(tips)
        self.demo_button = QPushButton("Open the demo workspace")
        self.demo_button.setObjectName("openDemo")
        self.demo_button.setToolTip(
            "A loan-approval story with every step done: data with versions and checks, six "
            "runs, a model in production, a month of served traffic drifting from day 18, and a "
            "retrained challenger waiting for your decision. Built in a new folder; your own "
            "workspace is not touched."
        )
        self.demo_button.clicked.connect(self.demo_requested)
        self.reset_button = QPushButton("Reset this demo…")
        self.reset_button.setObjectName("resetDemo")
        self.reset_button.setToolTip("Build this demo again, as it was at its start (asks first)")
        self.reset_button.clicked.connect(self.demo_reset_requested)
        self.demo_guide = QLabel(facts.GUIDE)  # shown when the open workspace is a demo
        self.demo_guide.hide()
        self.reset_button.hide()
        self.demo_guide.setObjectName("demoGuide")
        self.demo_guide.setWordWrap(True)
        layout.addWidget(self.demo_guide)
        demo_row = QHBoxLayout()
        demo_row.addWidget(QLabel("<b>Teaching or trying the app?</b>"))
        demo_row.addWidget(self.demo_button)
        demo_row.addWidget(self.reset_button)
        demo_row.addStretch(1)
        layout.addLayout(demo_row)
        layout.addWidget(self.workspace_label)
        layout.addStretch(1)
        state.datasets_changed.connect(self.refresh)
        state.runs_changed.connect(self.refresh)
        state.models_changed.connect(self.refresh)
        state.workspace_changed.connect(self.refresh)
        state.serving_changed.connect(self._serving)
        state.monitoring_changed.connect(self.refresh)
        self.reading: Task | None = None  # the cards' figures being read (``refresh``)

    def _serving(self, url: str) -> None:
        self.serving = url
        self.refresh()

    def refresh(self, *_: object) -> None:
        """Read the cards' figures on a worker thread (they count what the store holds), then
        fill them; a newer reading replaces one still running."""
        workspace = self.state.workspace
        task = self.state.workers.run_in_thread(
            "Reading the workspace's summary", lambda: _summary(workspace), owner=self
        )
        task.ask_before_quitting = False  # a look the app takes on its own
        self.reading = task
        task.succeeded.connect(lambda summary: task is self.reading and self._fill(summary))
        task.failed.connect(lambda message: task is self.reading and self._unread(message))

    def _unread(self, message: str) -> None:
        self.reading = None
        self.cards[0].state.setText(message)
        self.filled.emit()

    def _fill(self, summary: dict[str, Any]) -> None:
        self.reading = None
        rows = summary["datasets"]
        data = self.cards[0]
        if rows:
            total = sum(row["versions"] for row in rows)
            data.state.setText(f"✔ {counted(len(rows), 'dataset')}, {counted(total, 'version')}.")
        else:
            data.state.setText("Nothing imported yet. Start here.")
        counts = summary["runs"]
        total = sum(counts.values())
        self.cards[1].state.setText(
            f"✔ {counts.get('finished', 0):,} of {counted(total, 'run')} finished."
            if total
            else "No runs yet."
        )
        models = summary["models"]
        register, serve = self.cards[2], self.cards[3]
        production = [f"{m['name']} v{m['version']}" for m in models if m["stage"] == "production"]
        if models:
            names = len({m["name"] for m in models})
            register.state.setText(
                f"✔ {counted(names, 'model')}, {counted(len(models), 'version')}."
                + (f" In production: {', '.join(production)}." if production else "")
            )
        else:
            register.state.setText("No models yet: register a run from Experiments.")
        serve.state.setText(
            f"✔ Serving at {self.serving}"
            if self.serving
            else "Not serving. Serve a version in Models."
        )
        self.workspace_label.setText(f"Workspace: {self.state.home}")
        self.reset_button.setVisible(summary["demo"])
        self.demo_guide.setVisible(summary["demo"])
        self._fill_monitor(summary["watched"])
        self.filled.emit()

    def _fill_monitor(self, cards: list[dict[str, Any]]) -> None:
        """How many versions are watched (served once, or checked) and their latest status,
        read from stored checks; nothing is checked here."""
        monitor = self.cards[4]
        if not cards:
            monitor.state.setText(
                "No model watched yet. Serve a version (step 4); its predictions are then "
                "checked here."
            )
            return
        counts: dict[str, int] = {}
        for card in cards:
            word = status_word(card["status"]).lower()  # within a sentence
            counts[word] = counts.get(word, 0) + 1
        latest = ", ".join(f"{count} {word}" for word, count in counts.items())
        needs_a_look = any(card["status"] in ("drift", "watch") for card in cards)
        monitor.state.setText(
            f"⚠ {counted(len(cards), 'version')} watched: {latest}. Open Monitoring to see what changed."
            if needs_a_look
            else f"✔ {counted(len(cards), 'version')} watched: {latest}."
        )


def _summary(workspace: Workspace) -> dict[str, Any]:
    """What the cards count, read from the store alone."""
    return {
        "datasets": listing.list_datasets(workspace),
        "runs": listing.count_runs(workspace),
        "models": listing.list_models(workspace),
        "watched": listing.monitoring_overview(workspace),
        "demo": demo.is_demo(workspace.home),
    }
