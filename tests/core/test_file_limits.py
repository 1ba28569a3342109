"""The import limits' streaming checks count exactly, wherever the file's chunks happen to end."""

import io
import zipfile
from pathlib import Path

import pytest

from mlops_desktop.core import datasets, file_limits
from mlops_desktop.core.errors import UserError


def _archive(sheet: bytes) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("xl/worksheets/sheet1.xml", sheet)
    return zipfile.ZipFile(buffer)


def _sheet(rows: list[bytes]) -> bytes:
    body = b"".join(b'<row r="%d"><c><v>%s</v></c></row>' % (i, row) for i, row in enumerate(rows))
    return b"<worksheet><sheetData>" + body + b"</sheetData><hyperlinks/></worksheet>"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_a_cell_at_the_limit_passes_and_one_byte_more_is_refused(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell is measured from one ``<`` to the next: its text and the ``v>`` before it."""
    monkeypatch.setattr(file_limits, "_SCAN_CHUNK", chunk)
    monkeypatch.setattr(file_limits, "MAX_CELL_BYTES", 20)
    file_limits.check_workbook(_archive(_sheet([b"x" * 18, b"y"])), "ok.xlsx")
    with pytest.raises(UserError, match=r"A cell in big\.xlsx holds more than"):
        file_limits.check_workbook(_archive(_sheet([b"y", b"x" * 19])), "big.xlsx")


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
def test_rows_are_counted_once_each_even_when_a_chunk_cuts_one(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_limits, "_SCAN_CHUNK", chunk)
    monkeypatch.setattr(file_limits, "MAX_SHEET_ROWS", 6)
    file_limits.check_workbook(_archive(_sheet([b"1"] * 6)), "ok.xlsx")
    with pytest.raises(UserError, match="more than 6 rows"):
        file_limits.check_workbook(_archive(_sheet([b"1"] * 7)), "big.xlsx")


def test_what_follows_a_sheets_rows_is_not_part_of_its_last_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Links and notes after the rows can be long; they are not a row."""
    monkeypatch.setattr(file_limits, "MAX_ROW_BYTES", 100)
    links = b"<hyperlink ref='A1'/>" * 50
    sheet = _sheet([b"1", b"2"]).replace(
        b"<hyperlinks/>", b"<hyperlinks>" + links + b"</hyperlinks>"
    )
    file_limits.check_workbook(_archive(sheet), "links.xlsx")


def test_a_first_row_longer_than_the_preview_reads_is_still_previewed(tmp_path: Path) -> None:
    """Rows up to the stated limit import, so they preview too (the preview reads less at first)."""
    path = tmp_path / "notes.csv"
    long_note = "n" * (300 << 10)
    path.write_text(f"id,note\n1,{long_note}\n2,short\n")
    shown = datasets.preview(path)
    assert [column.name for column in shown.columns] == ["id", "note"]
    assert shown.rows[1] == ["2", "short"]
