"""Files written the ways analysts' files are written import with the right values and types, and the
preview reports how each file is written (encoding, separator, decimal mark, header row).

Every file is generated here, small, in tmp_path; expected values are the Python values the file was
written from, never values read back by the code under test.
"""

import codecs
import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.reading import FormatChoices, detect_format, read_table
from mlops_desktop.core.errors import UserError

CITIES = ["Zürich", "São Paulo", "Kraków", "Málaga", "Ørsted"]
TEMPS = [1.5, 22.25, -3.0, 1234.5, 0.125]
COUNTS = [3, 4, 5, 6, 70]


def city_text(delimiter: str = ",", decimal: str = ".", newline: str = "\n") -> str:
    lines = [delimiter.join(["city", "temp", "count"])]
    for city, temp, count in zip(CITIES, TEMPS, COUNTS, strict=True):
        lines.append(delimiter.join([city, repr(temp).replace(".", decimal), str(count)]))
    return newline.join(lines) + newline


LE, BE = codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE
# (id, file bytes, encoding, delimiter, decimal) — the last three as detect_format should report them
FORMATS = [
    ("utf-8", city_text().encode("utf-8"), "utf-8", ",", "."),
    ("utf-8 CRLF", city_text(newline="\r\n").encode("utf-8"), "utf-8", ",", "."),
    ("utf-8 with BOM", city_text().encode("utf-8-sig"), "utf-8-sig", ",", "."),
    ("utf-16 LE with BOM", LE + city_text().encode("utf-16-le"), "utf-16", ",", "."),
    ("utf-16 BE with BOM", BE + city_text().encode("utf-16-be"), "utf-16", ",", "."),
    # Excel's "Unicode Text" export: UTF-16 little-endian with BOM, tab-separated
    (
        "utf-16 tab (Excel Unicode text)",
        LE + city_text("\t").encode("utf-16-le"),
        "utf-16",
        "\t",
        ".",
    ),
    ("latin-1", city_text().encode("latin-1"), "cp1252", ",", "."),
    ("semicolon decimal comma cp1252", city_text(";", ",").encode("cp1252"), "cp1252", ";", ","),
    ("semicolon decimal comma utf-8", city_text(";", ",").encode("utf-8"), "utf-8", ";", ","),
    ("semicolon decimal point", city_text(";").encode("utf-8"), "utf-8", ";", "."),
    ("tab", city_text("\t").encode("utf-8"), "utf-8", "\t", "."),
    ("pipe", city_text("|").encode("utf-8"), "utf-8", "|", "."),
]


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter", "decimal"),
    [case[1:] for case in FORMATS],
    ids=[case[0] for case in FORMATS],
)
def test_text_formats_are_detected_and_import_the_same_values(
    tmp_path: Path,
    import_and_load,
    data: bytes,
    encoding: str,
    delimiter: str,
    decimal: str,
) -> None:
    path = tmp_path / "cities.csv"
    path.write_bytes(data)

    shown = datasets.preview(path)
    assert (shown.format.encoding, shown.format.delimiter, shown.format.decimal) == (
        encoding,
        delimiter,
        decimal,
    )
    assert shown.format.header is True
    assert [c.name for c in shown.columns] == ["city", "temp", "count"]
    assert shown.rows[0] == ["Zürich", "1.5", "3"]

    imported = import_and_load(path)
    # a BOM must not leak into the first column's name
    assert list(imported.frame.columns) == ["city", "temp", "count"]
    assert imported.frame["city"].tolist() == CITIES
    assert imported.frame["temp"].tolist() == TEMPS
    assert imported.frame["count"].tolist() == COUNTS
    assert imported.types["temp"] == "numeric"
    assert imported.types["count"] == "numeric"
    assert imported.result.rows == len(CITIES)
    assert imported.result.columns == 3


def test_the_same_data_in_any_text_format_has_one_content_hash(tmp_path: Path, workspace) -> None:
    """Re-saving a table in another encoding or separator does not change what was imported."""
    hashes = set()
    for index, (_, data, *_rest) in enumerate(FORMATS):
        path = tmp_path / f"cities{index}.csv"
        path.write_bytes(data)
        hashes.add(datasets.import_file(workspace, path, f"cities {index}").content_hash)
    assert len(hashes) == 1


def test_windows_1252_characters_round_trip(tmp_path: Path, workspace, import_and_load) -> None:
    """€, œ, „ “ and accented letters from a Windows-1252 file come back exactly, and survive export."""
    words = ["Café crème", "Œuvre complète", "€ 5 note", "naïve „quoted“", "Ærø – ferry"]
    text = "label,amount\n" + "".join(f"{w},{i}\n" for i, w in enumerate(words))
    path = tmp_path / "accents.csv"
    path.write_bytes(text.encode("cp1252"))

    assert detect_format(path).encoding == "cp1252"
    imported = import_and_load(path)
    assert imported.frame["label"].tolist() == words

    out = tmp_path / "out.csv"
    datasets.export_csv(workspace, "data", out)
    assert pd.read_csv(out, encoding="utf-8")["label"].tolist() == words


def test_latin_1_text_first_seen_past_the_detection_sample(tmp_path: Path, workspace) -> None:
    """Encoding is detected from the first 64 KB. A Latin-1 file whose accents come later is read
    again as Windows-1252 when the encoding was detected; when the user chose UTF-8 explicitly,
    they get a plain sentence pointing at the right encoding instead."""
    rows = "".join(f"Smith {i},{i}\n" for i in range(8000))  # ~90 KB of plain ASCII
    path = tmp_path / "customers.csv"
    path.write_bytes(("name,n\n" + rows + "Jérôme Façade,8000\n").encode("latin-1"))

    assert detect_format(path).encoding == "utf-8"  # all the sample shows
    with pytest.raises(UserError) as caught:
        datasets.import_file(workspace, path, "customers", FormatChoices(encoding="utf-8"))
    assert "Windows-1252" in str(caught.value) and "customers.csv" in str(caught.value)
    assert datasets.list_datasets(workspace) == []

    result = datasets.import_file(workspace, path, "customers")
    assert "Windows-1252" in result.format
    frame = datasets.load_frame(workspace, datasets.get_version(workspace, "customers"))
    assert frame["name"].iloc[-1] == "Jérôme Façade"
    assert frame["name"].iloc[0] == "Smith 0"


def test_yes_no_words_are_booleans(tmp_path: Path, import_and_load) -> None:
    path = tmp_path / "churn.csv"
    path.write_text("customer,churned,vip\na,yes,Y\nb,no,N\nc,Yes,n\nd,,y\n")
    imported = import_and_load(path)
    assert imported.types == {"customer": "categorical", "churned": "boolean", "vip": "boolean"}
    assert imported.frame["churned"].tolist() == [True, False, True, None]


def test_headerless_text_columns_are_named_like_excel_ones(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    path.write_text("1,2,3\n4,5,6\n")
    shown = datasets.preview(path)
    assert [c.name for c in shown.columns] == ["column_1", "column_2", "column_3"]


def test_a_sheet_for_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a\n1\n")
    with pytest.raises(UserError, match="not an Excel workbook"):
        detect_format(path, FormatChoices(sheet="Sheet1"))


def test_decimal_comma_with_thousands_separator_is_numeric(tmp_path: Path, import_and_load) -> None:
    """Excel in German/French locales saves formatted numbers as 1.234,5 in ';'-separated files."""
    text = "item;price;qty\nA;1.234,5;1\nB;2,25;2\nC;1.000.000,75;3\nD;-12.345,0;4\n"
    path = tmp_path / "prices.csv"
    path.write_bytes(text.encode("cp1252"))

    shown = datasets.preview(path)
    assert (shown.format.delimiter, shown.format.decimal) == (";", ",")
    assert {c.name: c.type for c in shown.columns}["price"] == "numeric"

    imported = import_and_load(path)
    assert imported.types["price"] == "numeric"
    assert imported.frame["price"].tolist() == [1234.5, 2.25, 1000000.75, -12345.0]
    assert imported.result.converted_to_missing == {}


def test_quoted_fields_with_delimiters_quotes_and_newlines(tmp_path: Path, import_and_load) -> None:
    text = (
        "id,comment,amount\n"
        '1,"hello, world",2.5\n'
        '2,"line one\nline two",3.5\n'
        '3,"say ""hi""",4\n'
        '4,"a\r\nwindows break, and more",5\n'
        '5,"",6\n'
    )
    path = tmp_path / "quoted.csv"
    path.write_bytes(text.encode())

    imported = import_and_load(path)
    assert imported.frame["id"].tolist() == [1, 2, 3, 4, 5]
    comments = imported.frame["comment"].tolist()
    assert comments[:4] == [
        "hello, world",
        "line one\nline two",
        'say "hi"',
        "a\r\nwindows break, and more",
    ]
    assert pd.isna(comments[4])  # an empty quoted field is a missing value
    assert imported.frame["amount"].tolist() == [2.5, 3.5, 4.0, 5.0, 6.0]


def test_quoted_semicolons_and_newlines_in_a_semicolon_file(
    tmp_path: Path, import_and_load
) -> None:
    text = 'name;note;value\nA;"x; y";1,5\nB;"two\nlines; here";2,5\nC;plain;3,5\n'
    path = tmp_path / "semi.csv"
    path.write_bytes(text.encode("utf-8"))

    assert detect_format(path).delimiter == ";"
    imported = import_and_load(path)
    assert imported.frame["note"].tolist() == ["x; y", "two\nlines; here", "plain"]
    assert imported.frame["value"].tolist() == [1.5, 2.5, 3.5]


def test_a_quoted_newline_far_past_the_preview_sample(tmp_path: Path, import_and_load) -> None:
    """The full read, not only the preview's first block, handles quoted line breaks."""
    filler = "1234567890,abcdefghij,3.25\n" * 20_000  # ~540 KB, beyond the 256 KB preview block
    text = "a,b,c\n" + filler + '7,"multi\nline, with comma",1.5\n' + "8,end,2.5\n"
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")

    imported = import_and_load(path)
    assert imported.result.rows == 20_002
    assert imported.frame.iloc[20_000].tolist() == [7, "multi\nline, with comma", 1.5]
    assert imported.frame.iloc[20_001].tolist() == [8, "end", 2.5]


def test_missing_value_markers_become_missing(tmp_path: Path, import_and_load) -> None:
    text = "x,label\n1.5,a\n,b\nNA,c\nN/A,d\n2.5,\n"
    path = tmp_path / "missing.csv"
    path.write_text(text, encoding="utf-8")

    imported = import_and_load(path)
    assert imported.frame["x"].isna().tolist() == [False, True, True, True, False]
    assert imported.column("x")["missing"] == 3
    assert imported.column("label")["missing"] == 1


class TestHeaderRow:
    ROWS = "1,2.5,a\n2,3.5,b\n3,4.5,c\n"

    def test_a_file_without_a_header_is_detected_and_keeps_its_first_row(
        self, tmp_path: Path, import_and_load
    ) -> None:
        path = tmp_path / "numbers.csv"
        path.write_text(self.ROWS)

        assert detect_format(path).header is False
        imported = import_and_load(path)
        assert imported.result.rows == 3
        assert imported.frame.iloc[:, 0].tolist() == [1, 2, 3]
        assert imported.frame.iloc[:, 1].tolist() == [2.5, 3.5, 4.5]
        assert imported.frame.iloc[:, 2].tolist() == ["a", "b", "c"]
        assert len(set(imported.frame.columns)) == 3

    def test_header_detection_can_be_overridden_to_use_the_first_row(
        self, tmp_path: Path, import_and_load
    ) -> None:
        path = tmp_path / "numbers.csv"
        path.write_text(self.ROWS)

        choices = FormatChoices(header=True)
        assert datasets.preview(path, choices).format.header is True
        imported = import_and_load(path, choices=choices)
        assert list(imported.frame.columns) == ["1", "2.5", "a"]
        assert imported.result.rows == 2

    def test_a_text_first_row_can_be_declared_data(self, tmp_path: Path, import_and_load) -> None:
        """All-text files look as if they had a header; the analyst can say they do not."""
        path = tmp_path / "fruit.csv"
        path.write_text("red,apple\ngreen,pear\nyellow,banana\n")

        assert detect_format(path).header is True
        choices = FormatChoices(header=False)
        shown = datasets.preview(path, choices)
        assert shown.format.header is False
        assert shown.rows[0] == ["red", "apple"]
        imported = import_and_load(path, choices=choices)
        assert imported.result.rows == 3
        assert imported.frame.iloc[:, 1].tolist() == ["apple", "pear", "banana"]

    def test_explicit_delimiter_encoding_and_decimal_are_kept(self, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_bytes("a;b\n1,5;2\n".encode("utf-16"))
        fmt = detect_format(path, FormatChoices(delimiter=";", decimal=".", encoding="utf-16"))
        assert (fmt.delimiter, fmt.decimal, fmt.encoding) == (";", ".", "utf-16")


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["note"])
    notes.append(["read me first"])
    sales = book.create_sheet("Sales 2024")
    sales.append(["region", "amount", "day", "paid", "units"])
    sales.append(["Nord", 10.5, dt.datetime(2024, 1, 5), True, 3])
    sales.append(["Süd", 7.25, dt.datetime(2024, 2, 6, 13, 30), False, 4])
    sales.append(["Nord", None, dt.datetime(2024, 3, 7), True, 5])
    book.save(path)


class TestExcel:
    def test_first_sheet_by_default(self, tmp_path: Path, import_and_load) -> None:
        path = tmp_path / "book.xlsx"
        _workbook(path)

        fmt = detect_format(path)
        assert fmt.kind == "excel"
        assert fmt.sheets == ("Notes", "Sales 2024")
        assert fmt.sheet == "Notes"
        imported = import_and_load(path)
        assert imported.frame["note"].tolist() == ["read me first"]

    def test_chosen_sheet_with_values_and_types(self, tmp_path: Path, import_and_load) -> None:
        path = tmp_path / "book.xlsx"
        _workbook(path)

        imported = import_and_load(path, choices=FormatChoices(sheet="Sales 2024"))
        frame = imported.frame
        assert list(frame.columns) == ["region", "amount", "day", "paid", "units"]
        assert frame["region"].tolist() == ["Nord", "Süd", "Nord"]
        assert frame["amount"].tolist()[:2] == [10.5, 7.25]
        assert pd.isna(frame["amount"].iloc[2])
        assert frame["day"].tolist() == [
            pd.Timestamp(2024, 1, 5),
            pd.Timestamp(2024, 2, 6, 13, 30),
            pd.Timestamp(2024, 3, 7),
        ]
        assert frame["paid"].tolist() == [True, False, True]
        assert frame["units"].tolist() == [3, 4, 5]
        assert imported.types == {
            "region": "categorical",
            "amount": "numeric",
            "day": "datetime",
            "paid": "boolean",
            "units": "numeric",
        }
        assert imported.column("amount")["missing"] == 1

    def test_an_unknown_sheet_names_the_sheets_there_are(self, tmp_path: Path, workspace) -> None:
        path = tmp_path / "book.xlsx"
        _workbook(path)

        with pytest.raises(UserError) as caught:
            datasets.import_file(workspace, path, "x", FormatChoices(sheet="Sales 2023"))
        assert "Sales 2023" in str(caught.value)
        assert "Notes" in str(caught.value) and "Sales 2024" in str(caught.value)
        assert datasets.list_datasets(workspace) == []


class TestParquet:
    def test_values_and_types_survive(self, tmp_path: Path, import_and_load) -> None:
        table = pa.table(
            {
                "n": pa.array([1, 2, None, 4], pa.int64()),
                "x": [1.5, None, 2.5, -0.5],
                "label": ["a", "b", "a", None],
                "flag": [True, False, None, True],
                "when": pa.array(
                    [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 3, 4, 5), None, None],
                    pa.timestamp("ms"),
                ),
            }
        )
        path = tmp_path / "table.parquet"
        pq.write_table(table, path)

        assert detect_format(path).kind == "parquet"
        imported = import_and_load(path)
        assert imported.types == {
            "n": "numeric",
            "x": "numeric",
            "label": "categorical",
            "flag": "boolean",
            "when": "datetime",
        }
        frame = imported.frame
        assert frame["n"].isna().tolist() == [False, False, True, False]
        assert frame["n"].dropna().tolist() == [1, 2, 4]
        assert frame["label"].tolist()[:3] == ["a", "b", "a"]
        assert frame["when"].iloc[1] == pd.Timestamp(2024, 1, 2, 3, 4, 5)
        assert imported.column("flag")["missing"] == 1

    def test_pandas_categorical_columns_are_categorical(
        self, tmp_path: Path, import_and_load
    ) -> None:
        """A frame saved by pandas with a ``category`` column is stored as an Arrow dictionary."""
        frame = pd.DataFrame(
            {
                "colour": pd.Categorical(["red", "green", "red", "blue"] * 10),
                "size": list(range(40)),
            }
        )
        path = tmp_path / "frame.parquet"
        frame.to_parquet(path)

        imported = import_and_load(path)
        assert imported.types["colour"] == "categorical"
        assert imported.frame["colour"].tolist() == frame["colour"].astype(str).tolist()
        top = {t["value"]: t["count"] for t in imported.column("colour")["top"]}
        assert top == {"red": 20, "green": 10, "blue": 10}


def test_the_source_hash_taken_while_reading_is_the_files_sha256(tmp_path: Path) -> None:
    """The SHA-256 recorded for a text file is computed from the bytes as they are read; it must
    equal a separate hash of the whole file, also when the reader has to read the file twice."""
    path = tmp_path / "quoted.csv"
    rows = "".join(f'{i},"line {i}\nwith a break"\n' for i in range(20_000))
    path.write_text("n,text\n" + rows)
    fmt = detect_format(path)
    table, source_sha256 = read_table(path, fmt)
    assert table.num_rows == 20_000
    assert source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
