"""Home: the lifecycle as five steps (Data → Train → Register → Serve → Monitor) with their state."""

from collections.abc import Callable

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
from mlops_desktop.ui.state import AppState

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
    def __init__(self, title: str, text: str, on_open: Callable[[], None]) -> None:
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
        self.button = QPushButton("Open")
        self.button.clicked.connect(on_open)
        layout.addWidget(heading)
        layout.addWidget(description)
        layout.addWidget(self.state, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.button)


class HomePane(QWidget):
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
            card = StepCard(title, text, lambda _checked=False, pane=pane: open_pane(pane))
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
        state.datasets_changed.connect(self.refresh_steps)
        state.runs_changed.connect(self.refresh_steps)
        state.models_changed.connect(self.refresh)
        state.workspace_changed.connect(self.refresh)
        state.serving_changed.connect(self._serving)
        state.monitoring_changed.connect(self.refresh_monitor)  # its cards: ``refresh``

    def _serving(self, url: str) -> None:
        self.serving = url
        self.refresh()

    def refresh(self, *_: object) -> None:
        self.refresh_steps()
        self.refresh_monitor()

    def refresh_steps(self, *_: object) -> None:
        """The first four steps' state (a data change does not change what is watched)."""
        rows = listing.list_datasets(self.state.workspace)
        data = self.cards[0]
        if rows:
            total = sum(row["versions"] for row in rows)
            data.state.setText(f"✔ {counted(len(rows), 'dataset')}, {counted(total, 'version')}.")
            data.button.setText("Open Datasets")
        else:
            data.state.setText("Nothing imported yet. Start here.")
            data.button.setText("Open Datasets")
        counts = listing.count_runs(self.state.workspace)
        train = self.cards[1]
        total = sum(counts.values())
        train.state.setText(
            f"✔ {counts.get('finished', 0):,} of {counted(total, 'run')} finished."
            if total
            else "No runs yet."
        )
        train.button.setText("Open Experiments")
        models = listing.list_models(self.state.workspace)
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
        register.button.setText("Open Models")
        serve.state.setText(
            f"✔ Serving at {self.serving}"
            if self.serving
            else "Not serving. Serve a version in Models."
        )
        serve.button.setText("Open Models")
        self.workspace_label.setText(f"Workspace: {self.state.home}")
        in_demo = demo.is_demo(self.state.home)
        self.reset_button.setVisible(in_demo)
        self.demo_guide.setVisible(in_demo)

    def refresh_monitor(self) -> None:
        """How many versions are watched (served once, or checked) and their latest status,
        read from stored checks; nothing is checked here."""
        monitor = self.cards[4]
        monitor.button.setText("Open Monitoring")
        cards = listing.monitoring_overview(self.state.workspace)
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
