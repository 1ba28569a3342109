"""The audit trail as a lazy table: the matching events are counted, and only the pages the view
paints are read from the store (200 events each, a few kept), so 100,000 events open at once."""

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from mlops_desktop.core.governance import audit_log
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.models.tables import Index, local_time

CACHED_PAGES = 20
LONG_DETAILS = 40  # characters; longer details also show whole in a tooltip
HEADERS = [
    ("When", "Your local date and time of the change (the tooltip gives it in UTC)"),
    ("Who", "The computer account that made the change"),
    ("What", "What was done (the tooltip gives its short name for `audit list --action`)"),
    ("Object", "What it was done to: kind:name@version; double-click to open it"),
    ("Details", "What else was recorded with the change"),
]


class AuditEventsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._matches: audit_log.Matches | None = None
        self._pages: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._shown: dict[int, tuple[str, ...]] = {}

    def show(self, workspace: Workspace, audit_filter: audit_log.AuditFilter) -> None:
        """Show the events of ``workspace`` that ``audit_filter`` lets through, newest first."""
        self.beginResetModel()
        self._matches = audit_log.Matches(workspace, audit_filter)
        self._pages.clear()
        self._shown.clear()
        self.endResetModel()

    @property
    def audit_filter(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter() if self._matches is None else self._matches.audit_filter

    def event(self, row: int) -> dict[str, Any]:
        """The ``row``-th matching event, newest first, read with its page when first needed."""
        number, offset = divmod(row, audit_log.PAGE)
        page = self._pages.get(number)
        if page is None:
            assert self._matches is not None
            page = self._matches.page(number)
            self._pages[number] = page
            if len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._matches is None else self._matches.count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts(index.row())[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltips(index.row())[index.column()]
        return None

    def _texts(self, row: int) -> tuple[str, ...]:
        """A row's cells as shown, worked out once (a repaint asks for them again and again)."""
        texts = self._shown.get(row)
        if texts is None:
            event = self.event(row)
            texts = (
                local_time(event["time"], seconds=True),
                event["user"],
                audit_log.action_words(event["action"]),
                event["object"],
                audit_log.details_text(event["details"]),
            )
            if len(self._shown) >= CACHED_PAGES * audit_log.PAGE:
                self._shown.clear()
            self._shown[row] = texts
        return texts

    def _tooltips(self, row: int) -> tuple[str | None, ...]:
        event, details = self.event(row), self._texts(row)[4]
        return (
            f"{event['time'][:19].replace('T', ' ')} UTC",
            None,
            event["action"],  # the name ``audit list --action`` takes
            None,
            details if len(details) > LONG_DETAILS else None,
        )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADERS[section][1]
        return None
