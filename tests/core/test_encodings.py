"""Files in the encodings Windows programs, databases and Unicode editors write import with the
right text (tests/encoding_corpus.py: short and long CSVs per language, generated here), and the
user's choice of encoding is kept when they make one."""

from pathlib import Path

import pytest

from mlops_desktop.core.data import datasets, encodings
from mlops_desktop.core.data.reading import FormatChoices, detect_format, read_table
from tests.encoding_corpus import Case, cases


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.label)
def test_each_language_imports_with_its_text(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(case.data())
    fmt = detect_format(path)
    table, _ = read_table(path, fmt)
    assert tuple(table.column_names) == case.header
    assert table.column(case.header[1]).to_pylist() == case.descriptions
    assert fmt.encoding in encodings.ENCODING_NAMES  # the import dialog can show and offer it


def test_a_central_european_file_is_not_mojibake_and_says_how_it_was_read(
    workspace, tmp_path: Path
) -> None:
    """The file of the report: Windows-1250, once imported as 'mìsto'."""
    path = tmp_path / "mesta.csv"
    path.write_bytes(
        "město,počet\nPraha,1300000\nPlzeň,170000\nÚstí nad Labem,90000\n".encode("cp1250")
    )
    result = datasets.import_file(workspace, path)
    frame = datasets.load_frame(workspace, datasets.get_version(workspace, "mesta"))
    assert list(frame.columns) == ["město", "počet"]
    assert frame["město"].tolist() == ["Praha", "Plzeň", "Ústí nad Labem"]
    assert "Windows-1250 / Central European" in result.format


def test_the_users_encoding_is_kept_even_when_another_reads_better(tmp_path: Path) -> None:
    path = tmp_path / "mesta.csv"
    path.write_bytes("město,n\nPlzeň,1\n".encode("cp1250"))
    fmt = detect_format(path, FormatChoices(encoding="cp1252"))
    assert fmt.encoding == "cp1252"
    assert read_table(path, fmt)[0].column_names == ["mìsto", "n"]


def test_legacy_text_first_seen_past_the_sample_is_judged_where_it_begins(
    workspace, tmp_path: Path
) -> None:
    """Detection reads the first 64 KB; a Polish file whose letters come later still imports as
    Polish (the text from the first byte that is not UTF-8 is judged), not as Windows-1252."""
    ascii_rows = "".join(f"Kowalski {i},{i}\n" for i in range(8000))  # ~110 KB
    late = "Łódź i Kraków,8000\nZażółć gęślą jaźń,8001\n"
    path = tmp_path / "klienci.csv"
    path.write_bytes(("nazwa,n\n" + ascii_rows + late).encode("cp1250"))
    assert detect_format(path).encoding == "utf-8"  # all the sample shows
    result = datasets.import_file(workspace, path)
    frame = datasets.load_frame(workspace, datasets.get_version(workspace, "klienci"))
    assert frame["nazwa"].tolist()[-2:] == ["Łódź i Kraków", "Zażółć gęślą jaźń"]
    assert "Windows-1250" in result.format


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Año,1\n", "cp1252"),  # one letter both code pages have: the common one
        ("Café crème,1\n", "cp1252"),
        ("Řeka a město,1\n", "cp1250"),  # "Øeka a mìsto": no Windows-1252 language has ø and ì
        ("Краков,1\n", "cp1251"),
    ],
)
def test_a_tie_goes_to_windows_1252_and_evidence_beats_it(text: str, encoding: str) -> None:
    assert encodings.detect(text.encode(encoding), "data.csv", truncated=False) == encoding
