"""The most an imported file may hold, and the checks that refuse more before it is read.

A 1.5 MB workbook can unpack to gigabytes (a "zip bomb"), and a one-line text file can be a
single 10 MB field; read naively, either takes minutes and many gigabytes before failing. Each limit
below is far beyond a real table (most are Excel's own), so an analyst never meets one; a file past
any of them is refused in one sentence, within seconds, and nothing is stored. The README's
"Importing data" section states the same numbers.

A workbook is a zip archive. Its directory gives each member's unpacked size, and Python's zip reader
never unpacks more than that size (it stops and reports a damaged file), so checking the directory
bounds everything the Excel reader will see. The sheets and the shared text are then streamed once
through a fixed-size buffer to find the longest cell and row before anything is parsed.
"""

import zipfile
from pathlib import PurePosixPath

from mlops_desktop.core.errors import UserError

MAX_CELL_BYTES = 1 << 20  # 1 MB of text in one cell (Excel itself stops at 32,767 characters)
MAX_ROW_BYTES = 4 << 20  # 4 MB in one row (also the text reader's block: a longer row never fits)
MAX_COLUMNS = 16_384  # Excel's own widest sheet
MAX_SHEET_ROWS = 1_048_576  # Excel's own longest sheet
MAX_SHEET_CELLS = 20_000_000  # an Excel sheet's rows × columns, e.g. 1,000,000 rows of 20 columns
MAX_WORKBOOK_BYTES = 1 << 30  # 1 GB: a workbook's members, unpacked, all together
MAX_PACKING_RATIO = 100  # a member may unpack to at most 100 times its packed size…
PACKING_RATIO_FROM = 1 << 20  # …once it unpacks to more than 1 MB (tiny members vary widely)

_SCAN_CHUNK = 1 << 20


def size_text(size: int) -> str:
    """A limit in words: 1 GB, 4 MB."""
    return f"{size >> 30:,} GB" if size >= 1 << 30 else f"{size >> 20:,} MB"


def cell_too_large(file_name: str) -> UserError:
    return UserError(
        f"A cell in {file_name} holds more than {size_text(MAX_CELL_BYTES)} of text, "
        "the most one cell may hold."
    )


def row_too_large(file_name: str) -> UserError:
    return UserError(
        f"A row in {file_name} is longer than {size_text(MAX_ROW_BYTES)}, the most one row may "
        "hold; check that the file is a table with one record per line."
    )


def check_shape(file_name: str, *, columns: int = 0, rows: int = 0, cells: int = 0) -> None:
    """Refuse a table past the limits on its shape (``cells``: an Excel sheet's rows × columns)."""
    if columns > MAX_COLUMNS:
        raise UserError(
            f"{file_name} has {columns:,} columns; at most {MAX_COLUMNS:,} can be imported."
        )
    if rows > MAX_SHEET_ROWS:
        raise UserError(
            f"A sheet of {file_name} has more than {MAX_SHEET_ROWS:,} rows, "
            "the most a sheet may have."
        )
    if cells > MAX_SHEET_CELLS:
        raise UserError(
            f"The sheet in {file_name} has more than {MAX_SHEET_CELLS:,} cells (rows × columns), "
            "the most one sheet may have; save it as CSV and import that."
        )


def check_packing(archive: zipfile.ZipFile, file_name: str, kind: str) -> None:
    """Refuse a zip archive (a ``kind`` of file: workbook, model bundle) with a member that
    unpacks to far more than its packed size (a "zip bomb"), before any member is unpacked."""
    for member in archive.infolist():
        packed = max(member.compress_size, 1)
        if member.file_size > PACKING_RATIO_FROM and member.file_size > packed * MAX_PACKING_RATIO:
            raise UserError(
                f"{file_name} unpacks to more than {MAX_PACKING_RATIO} times its own size, "
                f"which no real {kind} does; it was not imported."
            )


def check_workbook(archive: zipfile.ZipFile, file_name: str) -> None:
    """Refuse a workbook whose sizes pass the limits, before the Excel reader parses any of it."""
    members = archive.infolist()
    check_packing(archive, file_name, "workbook")
    if sum(member.file_size for member in members) > MAX_WORKBOOK_BYTES:
        raise UserError(
            f"{file_name} holds more than {size_text(MAX_WORKBOOK_BYTES)} of data once unpacked, "
            "more than can be imported; save the sheet as CSV and import that."
        )
    for member in members:
        path = PurePosixPath(member.filename.lower())
        if path.suffix != ".xml":
            continue
        if path.parent == PurePosixPath("xl/worksheets"):
            _scan_member(archive, member, file_name, sheet=True)
        elif path == PurePosixPath("xl/sharedstrings.xml"):
            _scan_member(archive, member, file_name, sheet=False)


class _Gaps:
    """Whether a stretch of bytes between two occurrences of ``marker`` in a stream is longer
    than ``limit``, and how many markers it held. Fed chunks of at most ``limit`` bytes, a longer
    stretch always crosses a chunk's end, so only each chunk's first and last marker matter (a
    sheet holds millions of markers; finding and counting them runs at C speed). A marker cut by
    a chunk's end is held back for the next."""

    def __init__(self, marker: bytes, limit: int) -> None:
        self.marker = marker
        self.limit = limit
        self.count = 0
        self.too_long = False
        self._run = 0  # bytes since the last marker
        self._held = b""

    def feed(self, chunk: bytes) -> None:
        data = self._held + chunk
        # The last bytes may start a marker: they are looked at again with the next chunk.
        taken = len(data) - min(len(data), len(self.marker) - 1)
        self._held = data[taken:]
        first = data.find(self.marker)
        if first < 0:
            self._run += taken
        else:
            self.too_long |= self._run + first > self.limit
            self.count += data.count(self.marker)
            # Negative while the last marker reaches into the held bytes (they are counted again).
            self._run = taken - data.rfind(self.marker) - len(self.marker)
        self.too_long |= self._run > self.limit

    def end(self) -> None:
        """The stream has ended: the held bytes, too short to be a marker, are a stretch's."""
        self._run += len(self._held)
        self._held = b""
        self.too_long |= self._run > self.limit


def _scan_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str, sheet: bool
) -> None:
    """A cell's text lies between two ``<``; a row between two ``<row``, up to the end of the
    sheet's data (links and notes may follow it)."""
    cells, rows = _Gaps(b"<", MAX_CELL_BYTES), _Gaps(b"<row", MAX_ROW_BYTES)
    in_rows = sheet
    chunk_size = min(_SCAN_CHUNK, MAX_CELL_BYTES, MAX_ROW_BYTES)
    with archive.open(member) as stream:
        while chunk := stream.read(chunk_size):
            cells.feed(chunk)
            if in_rows:
                end = chunk.find(b"</sheetData>")
                in_rows = end < 0
                rows.feed(chunk if in_rows else chunk[:end])
                if not in_rows:
                    rows.end()
            _refuse_past_limits(file_name, cells, rows)
    cells.end()
    rows.end()
    _refuse_past_limits(file_name, cells, rows)


def _refuse_past_limits(file_name: str, cells: _Gaps, rows: _Gaps) -> None:
    if cells.too_long:
        raise cell_too_large(file_name)
    if rows.too_long:
        raise row_too_large(file_name)
    check_shape(file_name, rows=rows.count)
