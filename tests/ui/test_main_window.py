"""The main window as a user meets it: panes, menus, shortcuts, drag and drop, remembered layout."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTextBrowser
from pytestqt.qtbot import QtBot

from mlops_desktop.core.errors import UserError
from mlops_desktop.ui.errors import report_exception
from mlops_desktop.ui.main_window import PANES, MainWindow
from mlops_desktop.ui.state import AppState
from tests.conftest import SAMPLES
from tests.ui.conftest import drop_file, home_filled, open_window


def test_sidebar_lists_the_five_lifecycle_panes_and_the_audit_trail_and_shortcuts_switch_them(
    qtbot: QtBot, window: MainWindow
) -> None:
    names = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert names == ["Home", "Datasets", "Experiments", "Models", "Monitoring", "Audit"]
    for number, name in enumerate(PANES, start=1):
        qtbot.keyClick(window, Qt.Key.Key_0 + number, Qt.KeyboardModifier.ControlModifier)
        assert window.current_pane() == name
        qtbot.waitUntil(lambda n=name: window.stack.currentWidget() is window.panes.get(n))


def test_the_panes_after_datasets_are_built_when_first_shown_and_say_they_are_loading(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert set(window.panes) == {"Home", "Datasets"}  # what start-up builds
    window.show_pane("Models")
    assert window.stack.currentWidget().text() == "Loading the Models pane…"
    qtbot.waitUntil(lambda: "Models" in window.panes)
    assert window.stack.currentWidget() is window.panes["Models"]
    assert [window.stack.widget(i) is window.panes.get(n) for i, n in enumerate(PANES)] == [
        n in {"Home", "Datasets", "Models"} for n in PANES
    ]
    assert window.models_pane is window.panes["Models"]


def test_empty_workspace_shows_what_to_do_next(qtbot: QtBot, window: MainWindow) -> None:
    window.show_pane("Datasets")
    pane = window.datasets_pane
    assert pane.stack.currentWidget() is pane.empty
    assert set(pane.empty.buttons) == {"Import…", "Add sample datasets"}
    home = home_filled(qtbot, window)
    assert "Start here" in home.cards[0].state.text()


def test_add_sample_datasets_from_the_empty_state(qtbot: QtBot, window: MainWindow) -> None:
    window.show_pane("Datasets")
    with qtbot.waitSignal(window.state.datasets_changed, timeout=60_000):
        qtbot.mouseClick(
            window.datasets_pane.empty.buttons["Add sample datasets"], Qt.MouseButton.LeftButton
        )
    pane = window.datasets_pane
    names = {record["name"] for record in pane.list_model.records}
    assert names == {path.stem.replace("_", " ") for path in SAMPLES.glob("*.csv")}
    assert pane.stack.currentWidget() is pane.splitter
    assert "4 datasets, 4 versions" in home_filled(qtbot, window).cards[0].state.text()


def test_dropping_a_data_file_opens_the_import_dialog_on_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert drop_file(window, SAMPLES / "wine.csv")
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.path == SAMPLES / "wine.csv"
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert dialog.name_edit.text() == "wine"
    dialog.reject()


def test_dropping_something_that_is_not_a_data_file_is_refused(
    window: MainWindow, tmp_path: Path
) -> None:
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"%PDF")
    assert not drop_file(window, other)
    assert window.import_dialog is None


def test_window_layout_and_pane_are_remembered(qtbot: QtBot, state: AppState) -> None:
    first = open_window(qtbot, state)
    first.resize(first.minimumSizeHint().width() + 37, 700)
    remembered = first.size()
    first.show_pane("Datasets")
    first.close()
    second = open_window(qtbot, state)
    assert second.size() == remembered
    assert second.current_pane() == "Datasets"


def test_help_opens_the_shipped_help_page(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.show_help()
    qtbot.addWidget(dialog)
    browser = dialog.findChild(QTextBrowser, "helpBrowser")
    assert "Importing data" in browser.toPlainText()


def test_opening_a_recent_workspace_switches_every_pane(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, iris: object
) -> None:
    window.datasets_pane.refresh()
    assert window.datasets_pane.list_model.rowCount() == 1
    other = tmp_path / "other-workspace"
    with qtbot.waitSignal(window.state.workspace_changed, timeout=30_000):
        window.open_workspace(other)
    assert window.state.home == other.resolve()
    assert window.datasets_pane.list_model.rowCount() == 0
    assert other.resolve() in window.state.settings.recent_workspaces()
    assert str(other.name) in window.windowTitle()


def test_user_errors_show_their_sentence_and_bugs_go_to_the_log(
    qtbot: QtBot, window: MainWindow
) -> None:
    box = report_exception(
        window, UserError("That file is empty."), window.state.workspace.log_path
    )
    assert box.text() == "That file is empty."
    box.close()
    try:
        raise RuntimeError("internal detail 1234")
    except RuntimeError as error:
        box = report_exception(window, error, window.state.workspace.log_path)
    assert "Something went wrong" in box.text()
    assert str(window.state.workspace.log_path) in box.text()
    assert "internal detail 1234" not in box.text()
    assert box.icon() == QMessageBox.Icon.Critical
    log_text = window.state.workspace.log_path.read_text()
    assert "Traceback" in log_text and "internal detail 1234" in log_text
    box.close()


def test_home_card_button_opens_the_datasets_pane(qtbot: QtBot, window: MainWindow) -> None:
    card = window.panes["Home"].cards[0]
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    assert window.current_pane() == "Datasets"


def test_sample_datasets_cannot_be_added_twice_at_once(qtbot: QtBot, window: MainWindow) -> None:
    button = window.datasets_pane.empty.buttons["Add sample datasets"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled() and not window.samples_action.isEnabled()
    with qtbot.waitSignal(window.state.datasets_changed, timeout=60_000):
        pass
    assert window.samples_action.isEnabled()


def test_a_folder_that_cannot_be_a_workspace_is_refused_in_plain_words(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("hello")
    before = window.state.home
    window.open_workspace(not_a_folder)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "messageBox") is not None, timeout=30_000)
    box = window.findChild(QMessageBox, "messageBox")
    assert box.text() == f"{not_a_folder.resolve()} is a file, not a workspace folder."
    assert window.state.home == before


def test_a_long_task_description_wraps_instead_of_widening_the_window(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The progress row follows any task; a description longer than the screen is wide must not
    push the window (and every pane in it) wider."""
    width = window.width()
    pane = window.pane("Monitoring")
    description = "Checking " + "a model with a very long name " * 12
    task = window.state.workers.run_in_thread(description, lambda: None)
    pane.task_panel.follow(task)
    assert pane.task_panel.label.text() == description
    assert pane.task_panel.minimumSizeHint().width() < 600
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert window.width() == width


def test_the_window_fits_a_1024_pixel_wide_screen(window: MainWindow) -> None:
    """Every pane is in the window from the start, shown or not: none may need more width."""
    assert window.minimumSizeHint().width() <= 1024
