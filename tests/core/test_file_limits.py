"""The import limits' streaming checks count exactly, wherever the file's chunks happen to end."""

import io
import random
import zipfile
from pathlib import Path

import pytest

from mlops_desktop.core.data import datasets, file_limits
from mlops_desktop.core.errors import UserError


def _archive(sheet: bytes) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("xl/worksheets/sheet1.xml", sheet)
    return zipfile.ZipFile(buffer)


def _sheet(rows: list[bytes]) -> bytes:
    body = b"".join(b'<row r="%d"><c><v>%s</v></c></row>' % (i, row) for i, row in enumerate(rows))
    return b"<worksheet><sheetData>" + body + b"</sheetData><hyperlinks/></worksheet>"


CHUNKS = [1, 2, 3, 7, 1 << 20]
LIMITS = {  # limit: (its value, a sheet's rows that fit, rows one past it, the refusal)
    # a cell is measured from one ``<`` to the next: its text and the ``v>`` before it
    "MAX_CELL_BYTES": (20, [b"x" * 18, b"y"], [b"y", b"x" * 19], r"A cell in big\.xlsx holds more"),
    "MAX_SHEET_ROWS": (6, [b"1"] * 6, [b"1"] * 7, "more than 6 rows"),
}


@pytest.mark.parametrize("limit", list(LIMITS))
@pytest.mark.parametrize("chunk", CHUNKS)
def test_a_sheet_at_the_limit_passes_and_one_past_it_is_refused_wherever_chunks_end(
    limit: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell or a ``<row`` cut by a chunk's end is measured, or counted, exactly once."""
    value, fitting, past, refusal = LIMITS[limit]
    monkeypatch.setattr(file_limits, "_SCAN_CHUNK", chunk)
    monkeypatch.setattr(file_limits, limit, value)
    file_limits.check_workbook(_archive(_sheet(fitting)), "ok.xlsx")
    with pytest.raises(UserError, match=refusal):
        file_limits.check_workbook(_archive(_sheet(past)), "big.xlsx")


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


@pytest.mark.parametrize("marker", [b"<", b"<row"])
def test_the_streamed_measure_agrees_with_splitting_the_whole_text(marker: bytes) -> None:
    """Whatever the chunks, the stream finds the same marker count, and the same answer to
    "is any stretch between markers longer than the limit?", as splitting the whole text."""
    pieces = [b"<row", b"<", b"<r", b"ow", b"x", b"xxxxx", b"w"]
    rnd = random.Random(7)
    for _ in range(300):
        text = b"".join(rnd.choices(pieces, k=rnd.randint(0, 40)))
        limit = rnd.randint(1, 12)
        gaps = file_limits._Gaps(marker, limit)
        chunk = rnd.randint(1, limit)
        for start in range(0, len(text), chunk):
            gaps.feed(text[start : start + chunk])
        gaps.end()
        stretches = [len(part) for part in text.split(marker)]
        assert gaps.count == text.count(marker), text
        assert gaps.too_long == (max(stretches) > limit), (text, limit, chunk)
