"""The guided tour: ten steps over the lifecycle, each pointing at the real widget to use.

A step is data: the pane to show, the objectNames of the widget to highlight (the first one on
screen is used), its words, and the signal that says the user did the thing ("OBJECTNAME.signal",
where ``state`` is the app state and ``mainWindow`` the window). A step advances when that signal
fires and its check agrees, never on a button alone ("Skip step" exists, and says so). Where the
tour stands is kept in the settings, so Help → Tour… resumes it; the first start offers it once.
A step on another pane first points at that pane in the sidebar, so what the last step showed stays
in view until the user moves on. Two tours share the steps: one on any dataset already in the workspace, one that starts by
importing the user's own file and then uses that dataset.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QListWidget, QMainWindow, QMessageBox, QWidget

from mlops_desktop.config import Settings
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.tour_overlay import TourOverlay

if TYPE_CHECKING:  # the panes are built after start-up; the tour only names them
    from mlops_desktop.ui.panes.datasets import DatasetsPane
    from mlops_desktop.ui.panes.models import ModelsPane

SETTINGS_KEY = "tour"  # {"kind", "step", "dataset", "finished"}
OFFERED_KEY = "tour_offered"
SAMPLE, OWN_DATA = "sample", "own data"


class TourWindow(Protocol):
    """What the tour uses of the main window (a QMainWindow). Named here, not imported: the
    window is what starts tours."""

    settings: Settings
    state: AppState
    sidebar: QListWidget
    tour: "Tour | None"
    datasets_pane: "DatasetsPane"

    @property
    def models_pane(self) -> "ModelsPane": ...

    def show_pane(self, name: str) -> None: ...

    def pane(self, name: str) -> QWidget: ...

    def current_pane(self) -> str: ...


Check = Callable[["Tour", tuple[Any, ...]], bool]


@dataclass(frozen=True)
class Step:
    pane: str
    targets: tuple[str, ...]
    title: str
    text: str  # what it is, why it matters, what to do; {dataset} is the tour's dataset
    done: str  # "OBJECTNAME.signal"
    check: Check | None = None  # does this emission count (e.g. the run is on the tour's data)?
    names_dataset: Callable[[TourWindow, tuple[Any, ...]], str | None] | None = None
    avoid: tuple[str, ...] = ()  # widgets the bubble must leave visible (what the user works in)


def _trained_on_the_dataset(tour: "Tour", args: tuple[Any, ...]) -> bool:
    """The training finished a run on the tour's dataset (any if it has none yet)."""
    return any(
        run["status"] == "finished"
        and (tour.dataset is None or run["dataset"].rpartition("@")[0] == tour.dataset)
        for run in args[0]
    )


def _in_production(tour: "Tour", _args: tuple[Any, ...]) -> bool:
    return any(m["stage"] == "production" for m in tour.window.models_pane.model.records)


def _serving(_tour: "Tour", args: tuple[Any, ...]) -> bool:
    return bool(args and args[0])  # the URL; "" when a server stopped


def _selected_dataset(window: TourWindow, _args: tuple[Any, ...]) -> str | None:
    return window.datasets_pane.selected_name()


def _imported_dataset(_window: TourWindow, args: tuple[Any, ...]) -> str | None:
    return str(args[0])


IMPORT_STEP = Step(
    "Datasets",
    ("importButton", "emptyImportButton"),
    "Import your data",
    "Bring in your own table as a CSV, Excel or Parquet file. <b>Click Import…</b> (or drop the "
    "file on this window), check the column types it found, and import it.",
    "mainWindow.data_imported",
    names_dataset=_imported_dataset,
)
LIFECYCLE = [
    Step(
        "Datasets",
        ("datasetList", "addSamplesButton"),
        "Your data",
        "Every dataset you import is listed here, and each version is kept. A model is only as "
        "good as its data, so start by looking at it. <b>Click a dataset</b> in the list (an "
        "empty workspace: add the sample datasets first).",
        "datasetList.clicked",
        names_dataset=_selected_dataset,
    ),
    Step(
        "Datasets",
        ("profileTable",),
        "Its profile",
        "One row per column: its type, gaps, range and most common values. Gaps and odd values "
        "here become a model's mistakes later. <b>Click a column</b> to see its histogram.",
        "profileTable.clicked",
    ),
    Step(
        "Experiments",
        ("newTrainingButton", "emptyNewTrainingButton"),
        "Train models",
        "Training tries algorithms on your data and keeps each result as a run. <b>Click New "
        "training…</b>, choose <b>{dataset}</b>, keep the suggested target, tick two quick "
        "algorithms (Decision tree and Naive Bayes) and press Train.",
        "experimentsPane.trained",
        check=_trained_on_the_dataset,
    ),
    Step(
        "Experiments",
        ("compareButton",),
        "Compare runs",
        "Scores differ by chance too; comparing says which run is really better, or that the "
        "data cannot tell. <b>Ctrl+click two runs</b> in the table, then <b>click Compare</b>.",
        "compareButton.clicked",
        avoid=("runsTable",),
    ),
    Step(
        "Experiments",
        ("registerButton",),
        "Register the best",
        "Registering turns a run into a named model version you can approve, serve and watch. "
        "<b>Select the best run, click Register…</b> and give the model a name.",
        "state.models_changed",
        avoid=("runsTable",),
    ),
    Step(
        "Models",
        ("stageButton",),
        "Approve it",
        "A version moves through stages: staging to try it, production to use it, archived when "
        "replaced; each move keeps a note. <b>Click Change stage…</b> and move it to Production.",
        "state.models_changed",
        check=_in_production,
        avoid=("modelsTable",),
    ),
    Step(
        "Models",
        ("serveProductionButton",),
        "Serve it",
        "Serving answers prediction requests over HTTP on this computer, so other programs can "
        "use the model. <b>Click Serve production.</b>",
        "state.serving_changed",
        check=_serving,
        avoid=("modelsTable",),
    ),
    Step(
        "Models",
        ("tryButton",),
        "Try it",
        "Ask the running model about one row: a real row of the training data is filled in; "
        "change a value if you like and <b>click Predict</b>. Rows tried here are kept out of "
        "monitoring.",
        "tryButton.clicked",
        avoid=("tryForm",),
    ),
    Step(
        "Monitoring",
        ("checkNowButton",),
        "Watch for drift",
        "Monitoring compares what the model is asked now with the data it was tested on, and "
        "warns when they drift apart; with only tried rows so far there is little to see yet. "
        "<b>Click Check now.</b>",
        "state.monitoring_changed",
    ),
    Step(
        "Monitoring",
        ("retrainButton",),
        "Retrain when it drifts",
        "When true outcomes arrive, Import labels… measures how often the model was right. "
        "When the data has moved on, Retrain… trains a challenger on newer data and compares "
        "it with this version. <b>Click Retrain…</b> to see how.",
        "retrainButton.clicked",
    ),
]
TOURS = {SAMPLE: LIFECYCLE, OWN_DATA: [IMPORT_STEP, *LIFECYCLE[1:]]}
FINISHED_TEXT = (
    "You have been through the whole lifecycle: data, training, comparing, registering, "
    "approving, serving, trying and monitoring. Help → Tour… runs it again."
)


class Tour(QObject):
    """One tour over ``window``: the current step, its highlight, and the signal it waits for."""

    advanced = Signal(int)  # the new step's index (len(steps) when finished)
    left = Signal()  # closed or finished

    def __init__(
        self, window: TourWindow, kind: str, step: int = 0, dataset: str | None = None
    ) -> None:
        widget = cast(QMainWindow, window)
        super().__init__(widget)
        self.window = window
        self.widget = widget
        self.kind = kind
        self.steps = TOURS[kind]
        self.index = step
        self.dataset = dataset
        self.overlay = TourOverlay(widget)
        self.overlay.bubble.skip_requested.connect(lambda: self.go_to(self.index + 1))
        self.overlay.bubble.close_requested.connect(self.close)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), widget)
        self.escape.activated.connect(self.close)
        window.sidebar.currentRowChanged.connect(self._pane_changed)
        self._waiting: SignalInstance | None = None
        self.active = True

    def signal(self, done: str) -> SignalInstance:
        """The signal named by a step: "OBJECTNAME.signal"."""
        owner_name, _, name = done.partition(".")
        owner: QObject | None
        if owner_name == "state":
            owner = self.window.state
        elif owner_name == "mainWindow":
            owner = self.widget
        else:
            owner = self.widget.findChild(QObject, owner_name)
        if owner is None:
            raise LookupError(f"The tour's step waits on {done}, but there is no {owner_name}.")
        signal: SignalInstance = getattr(owner, name)
        return signal

    def start(self) -> None:
        self.go_to(self.index)

    def go_to(self, index: int) -> None:
        self._stop_waiting()
        self.index = index
        if index >= len(self.steps):
            self._save(finished=True)
            self.overlay.point_at(())
            done = f"All {len(self.steps)} steps done"
            self.overlay.bubble.show_words(done, "That is the whole tour", FINISHED_TEXT, last=True)
            self.overlay.place()
            self.advanced.emit(index)
            return
        step = self.steps[index]
        self.window.pane(step.pane)  # built now if not yet: the step waits on its widgets
        self._waiting = self.signal(step.done)
        self._waiting.connect(self._done)
        self._show()
        self._save(finished=False)
        self.advanced.emit(index)

    def _show(self) -> None:
        """The current step's words and frame; first the way to its pane if another is shown."""
        if self.index >= len(self.steps):
            return
        step = self.steps[self.index]
        counter = f"Step {self.index + 1} of {len(self.steps)}"
        if self.window.current_pane() != step.pane:
            text = f"Open <b>{step.pane}</b> in the list on the left: the next step is there."
            self.overlay.bubble.show_words(counter, step.title, text, last=False)
            self.overlay.point_at(("sidebar",))
            return
        dataset = f"your dataset ‘{self.dataset}’" if self.dataset else "your dataset"
        text = step.text.format(dataset=dataset)
        self.overlay.bubble.show_words(counter, step.title, text, last=False)
        self.overlay.point_at(step.targets, step.avoid)

    def _done(self, *args: Any) -> None:
        step = self.steps[self.index]
        if step.check is not None and not step.check(self, args):
            return
        if step.names_dataset is not None:
            self.dataset = step.names_dataset(self.window, args) or self.dataset
        self.go_to(self.index + 1)

    def _stop_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.disconnect(self._done)
            self._waiting = None

    def _pane_changed(self, _row: int) -> None:
        self._show()

    def close(self) -> None:
        """Leave the tour where it stands; Help → Tour… resumes it there."""
        if not self.active:
            return
        self.active = False
        self.window.sidebar.currentRowChanged.disconnect(self._pane_changed)
        self._stop_waiting()
        self.overlay.hide_all()
        self.escape.setEnabled(False)
        self.left.emit()

    def _save(self, finished: bool) -> None:
        self.window.settings.set(
            SETTINGS_KEY,
            {"kind": self.kind, "step": self.index, "dataset": self.dataset, "finished": finished},
        )


def saved_tour(window: TourWindow) -> dict[str, Any] | None:
    """The tour left part way, if any."""
    saved: dict[str, Any] | None = window.settings.get(SETTINGS_KEY)
    if not saved or saved.get("finished") or saved.get("kind") not in TOURS:
        return None
    return saved


def start(window: TourWindow, kind: str, step: int = 0, dataset: str | None = None) -> Tour:
    """Start (or resume) a tour, leaving the one running."""
    if window.tour is not None:
        window.tour.close()
    tour = Tour(window, kind, step, dataset)
    window.tour = tour
    tour.start()
    return tour


def choose(window: TourWindow, text: str = "", not_now: str = "Cancel") -> QMessageBox:
    """Ask which tour to run (resume, start over, or with the user's own data), without blocking."""
    saved = saved_tour(window)
    box = QMessageBox(QMessageBox.Icon.Question, "Tour", "", parent=cast(QMainWindow, window))
    box.setObjectName("tourChoice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setText(
        text
        or "The tour walks you through the whole lifecycle in ten steps, on a dataset already "
        "here or on your own file. Each step shows the button to use and goes on once you have "
        "used it."
    )
    choices: dict[QAbstractButton, Callable[[], object]] = {}
    if saved is not None and saved["step"] > 0:
        resume = box.addButton(
            f"Resume at step {saved['step'] + 1}", QMessageBox.ButtonRole.AcceptRole
        )
        choices[resume] = lambda: start(window, saved["kind"], saved["step"], saved["dataset"])
        again = box.addButton("Start over", QMessageBox.ButtonRole.ActionRole)
        choices[again] = lambda: start(window, saved["kind"])
    else:
        begin = box.addButton("Take the tour", QMessageBox.ButtonRole.AcceptRole)
        choices[begin] = lambda: start(window, SAMPLE)
    own = box.addButton("Tour with my own data", QMessageBox.ButtonRole.ActionRole)
    choices[own] = lambda: start(window, OWN_DATA)
    box.addButton(not_now, QMessageBox.ButtonRole.RejectRole)
    box.buttonClicked.connect(lambda button: choices.get(button, lambda: None)())
    box.open()
    return box


def offer(window: TourWindow) -> QMessageBox | None:
    """On the first start only: offer the tour (the settings remember it was offered)."""
    if window.settings.get(OFFERED_KEY):
        return None
    window.settings.set(OFFERED_KEY, True)
    return choose(
        window,
        "New here? A ten-step tour shows the whole lifecycle: look at data, train and compare "
        "models, register, approve and serve one, and watch it. Help → Tour… starts it later.",
        "Not now",
    )
