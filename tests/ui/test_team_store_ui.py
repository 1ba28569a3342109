"""File → Open Workspace… with a team store: the folder and the PostgreSQL address are opened
together, the status bar says which store the records are in, the address is remembered for that
folder, and work done in a worker process lands in the same store."""

from pathlib import Path

from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.dialogs.open_workspace_dialog import OpenWorkspaceDialog
from mlops_desktop.ui.main_window import MainWindow
from tests.stores import both_stores


@both_stores
def test_opening_a_folder_with_a_team_store_shows_and_remembers_it(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, store_url: str | None
) -> None:
    team = tmp_path / "team"
    window.choose_workspace()
    dialog = window.findChild(OpenWorkspaceDialog)
    assert dialog is not None and dialog.store.text() == ""  # this folder: its own store.db
    dialog.folder.setText(str(team))
    dialog.store.setText(store_url or "")
    with qtbot.waitSignal(window.state.workspace_changed, timeout=30_000):
        dialog.accept()
    assert window.state.home == team.resolve()
    label = window.workspace_label.text()
    if store_url is None:
        assert label.endswith(f"Records: SQLite {team.resolve() / 'store.db'}")
    else:
        assert label.endswith(f"Records: PostgreSQL {store_url}")
        assert not (team / "store.db").exists()
    assert window.state.settings.workspace_store(team.resolve()) == store_url

    # A worker process (adding the samples) writes to the same store.
    with qtbot.waitSignal(window.state.datasets_changed, timeout=120_000):
        window.add_samples()
    opened = Workspace(team, store_url)
    try:
        assert {d["name"] for d in datasets.list_datasets(opened)} >= {"iris", "diabetes"}
    finally:
        opened.close()

    window.choose_workspace()  # offered again for that folder
    again = [d for d in window.findChildren(OpenWorkspaceDialog) if d.isVisible()][-1]
    again.folder.setText(str(team.resolve()))
    assert again.store.text() == (store_url or "")
    again.reject()
