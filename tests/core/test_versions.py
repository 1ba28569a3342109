"""Dataset versions: a changed file makes a new version, identical content does not (and says so),
what changed between versions is recorded, and references NAME / NAME@N resolve or fail in plain words."""

from pathlib import Path

import pytest

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.profiling import describe_changes
from mlops_desktop.core.errors import UserError
from tests.stores import both_stores

V1 = "id,name,code,old\n1,ann,10,x\n2,bob,20,y\n3,cid,30,z\n4,dee,40,w\n5,eve,50,v\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_first_import_is_version_1(tmp_path: Path, workspace) -> None:
    result = datasets.import_file(workspace, write(tmp_path / "people.csv", V1), "people")
    assert (result.name, result.version, result.created) == ("people", 1, True)
    assert (result.rows, result.columns) == (5, 4)
    assert "version 1" in result.message()
    assert datasets.show(workspace, "people")["changes"] is None


@both_stores
def test_a_changed_file_under_the_same_name_makes_version_2(tmp_path: Path, workspace) -> None:
    path = write(tmp_path / "people.csv", V1)
    first = datasets.import_file(workspace, path, "people")
    write(path, V1 + "6,fay,60,u\n")
    second = datasets.import_file(workspace, path, "people")

    assert (second.version, second.created, second.rows) == (2, True, 6)
    assert second.content_hash != first.content_hash
    assert datasets.list_datasets(workspace)[0]["versions"] == 2
    assert datasets.list_datasets(workspace)[0]["latest"] == 2
    # the old version is untouched and still readable
    old = datasets.get_version(workspace, "people@1")
    assert len(datasets.load_frame(workspace, old)) == 5
    assert datasets.show(workspace, "people@1")["content_hash"] == first.content_hash


@both_stores
def test_identical_content_makes_no_new_version_and_says_so(tmp_path: Path, workspace) -> None:
    path = write(tmp_path / "people.csv", V1)
    first = datasets.import_file(workspace, path, "people")
    again = datasets.import_file(workspace, path, "people")

    assert again.created is False
    assert again.version == 1
    assert again.content_hash == first.content_hash
    assert "no new version" in again.message()
    assert datasets.list_datasets(workspace)[0]["versions"] == 1


def test_identical_content_in_a_differently_written_file_is_recognised(
    tmp_path: Path, workspace
) -> None:
    """Same rows saved as UTF-16, tab-separated, CRLF: still the same content, no new version."""
    datasets.import_file(workspace, write(tmp_path / "people.csv", V1), "people")
    other = tmp_path / "people.tsv"
    other.write_bytes(V1.replace(",", "\t").replace("\n", "\r\n").encode("utf-16"))
    again = datasets.import_file(workspace, other, "people")
    assert again.created is False
    assert again.version == 1


def test_reimporting_an_older_versions_content_points_at_that_version(
    tmp_path: Path, workspace
) -> None:
    path = write(tmp_path / "people.csv", V1)
    datasets.import_file(workspace, path, "people")
    write(path, V1 + "6,fay,60,u\n")
    datasets.import_file(workspace, path, "people")
    write(path, V1)
    back = datasets.import_file(workspace, path, "people")
    assert (back.created, back.version) == (False, 1)
    assert datasets.list_datasets(workspace)[0]["versions"] == 2


def test_same_content_under_another_name_is_its_own_dataset(tmp_path: Path, workspace) -> None:
    path = write(tmp_path / "people.csv", V1)
    datasets.import_file(workspace, path, "people")
    other = datasets.import_file(workspace, path, "staff")
    assert (other.name, other.version, other.created) == ("staff", 1, True)
    assert [d["name"] for d in datasets.list_datasets(workspace)] == ["people", "staff"]


def test_changes_between_versions(tmp_path: Path, workspace) -> None:
    """Rows added/removed and columns added/removed/retyped, as an analyst would count them."""
    path = write(tmp_path / "people.csv", V1)
    datasets.import_file(workspace, path, "people")
    # row 2 (bob) removed, rows 6 and 7 added; column 'old' removed, 'extra' added;
    # 'code' now holds letters, so it is no longer numeric
    v2 = (
        "id,name,code,extra\n"
        "1,ann,A10,1.5\n3,cid,A30,2.5\n4,dee,A40,3.5\n5,eve,A50,4.5\n6,fay,A60,5.5\n7,gus,A70,6.5\n"
    )
    write(path, v2)
    datasets.import_file(workspace, path, "people")

    changes = datasets.show(workspace, "people@2")["changes"]
    assert changes["columns_added"] == ["extra"]
    assert changes["columns_removed"] == ["old"]
    assert len(changes["columns_retyped"]) == 1
    retyped = changes["columns_retyped"][0]
    assert (retyped["name"], retyped["from"]) == ("code", "numeric")
    assert retyped["to"] in {"categorical", "text"}
    # rows compare on the shared columns (id, name, code); every code changed, so every old row is
    # gone and every new row is new
    assert (changes["rows_added"], changes["rows_removed"]) == (6, 5)
    line = describe_changes(changes)
    assert "6 rows added, 5 removed" in line and "extra" in line and "old" in line


def test_changes_count_only_the_rows_that_changed(tmp_path: Path, workspace) -> None:
    path = write(tmp_path / "people.csv", V1)
    datasets.import_file(workspace, path, "people")
    write(path, V1.replace("2,bob,20,y\n", "") + "6,fay,60,u\n7,gus,70,t\n")
    datasets.import_file(workspace, path, "people")

    changes = datasets.show(workspace, "people")["changes"]
    assert changes == {
        "rows_added": 2,
        "rows_removed": 1,
        "columns_added": [],
        "columns_removed": [],
        "columns_retyped": [],
    }


def test_reordered_rows_are_a_new_version_with_no_row_changes(tmp_path: Path, workspace) -> None:
    path = write(tmp_path / "people.csv", V1)
    datasets.import_file(workspace, path, "people")
    header, *rows = V1.strip().split("\n")
    write(path, "\n".join([header, *reversed(rows)]) + "\n")
    result = datasets.import_file(workspace, path, "people")

    assert (result.created, result.version) == (True, 2)
    changes = datasets.show(workspace, "people")["changes"]
    assert (changes["rows_added"], changes["rows_removed"]) == (0, 0)
    assert describe_changes(changes) == "same rows in a different order"


def test_whole_numbers_written_without_decimals_are_the_same_content(
    tmp_path: Path, workspace
) -> None:
    """One tool writes 59.0, another 59: the same numbers, so no new version."""
    first = datasets.import_file(workspace, write(tmp_path / "a.csv", "x,y\n59.0,a\n60.0,b\n"), "d")
    again = datasets.import_file(workspace, write(tmp_path / "b.csv", "x,y\n59,a\n60,b\n"), "d")
    assert (again.created, again.version) == (False, 1)
    assert again.content_hash == first.content_hash
    changed = datasets.import_file(workspace, write(tmp_path / "c.csv", "x,y\n59.5,a\n60,b\n"), "d")
    assert (changed.created, changed.version) == (True, 2)


def test_changes_when_a_value_goes_missing_in_a_number_or_yes_no_column(
    tmp_path: Path, workspace
) -> None:
    """Arrow hands integers with a gap back as floats and booleans with a gap as objects; the
    unchanged rows must still count as unchanged."""
    v1 = "id,flag\n1,true\n2,false\n3,true\n"
    datasets.import_file(workspace, write(tmp_path / "a.csv", v1), "d")
    datasets.import_file(workspace, write(tmp_path / "a.csv", v1 + "4,\n,true\n"), "d")
    changes = datasets.show(workspace, "d@2")["changes"]
    assert (changes["rows_added"], changes["rows_removed"]) == (2, 0)
    assert changes["columns_retyped"] == []


def test_changes_when_decimals_are_dropped_from_whole_numbers(tmp_path: Path, workspace) -> None:
    datasets.import_file(workspace, write(tmp_path / "a.csv", "x\n1.0\n2.0\n"), "d")
    datasets.import_file(workspace, write(tmp_path / "a.csv", "x\n1\n2\n3\n"), "d")
    changes = datasets.show(workspace, "d@2")["changes"]
    assert (changes["rows_added"], changes["rows_removed"]) == (1, 0)


def test_duplicate_rows_count_as_added(tmp_path: Path, workspace) -> None:
    path = write(tmp_path / "people.csv", V1)
    datasets.import_file(workspace, path, "people")
    write(path, V1 + "1,ann,10,x\n")
    datasets.import_file(workspace, path, "people")
    changes = datasets.show(workspace, "people")["changes"]
    assert (changes["rows_added"], changes["rows_removed"]) == (1, 0)


class TestReferences:
    @pytest.fixture
    def two_versions(self, tmp_path: Path, workspace):
        path = write(tmp_path / "people.csv", V1)
        first = datasets.import_file(workspace, path, "people")
        write(path, V1 + "6,fay,60,u\n")
        second = datasets.import_file(workspace, path, "people")
        return first, second

    def test_name_is_the_latest_and_name_at_n_is_that_version(
        self, workspace, two_versions
    ) -> None:
        _first, second = two_versions
        assert datasets.show(workspace, "people")["version"] == 2
        assert datasets.show(workspace, "people")["content_hash"] == second.content_hash
        assert datasets.show(workspace, "people@1")["version"] == 1
        assert datasets.show(workspace, "people@1")["rows"] == 5
        assert datasets.show(workspace, "people@2")["rows"] == 6

    def test_unknown_version_names_the_latest(self, workspace, two_versions) -> None:
        with pytest.raises(UserError) as caught:
            datasets.show(workspace, "people@3")
        message = str(caught.value)
        assert "no version 3" in message and "version 2" in message

    def test_unknown_name(self, workspace, two_versions) -> None:
        with pytest.raises(UserError, match="no dataset named 'nobody'"):
            datasets.show(workspace, "nobody")
        with pytest.raises(UserError, match="no dataset named 'nobody'"):
            datasets.show(workspace, "nobody@1")

    @pytest.mark.parametrize("ref", ["people@two", "people@-1", "people@1.5", "people@latest"])
    def test_malformed_references(self, workspace, two_versions, ref) -> None:
        with pytest.raises(UserError, match="NAME@VERSION"):
            datasets.show(workspace, ref)

    @both_stores
    def test_versions_lists_newest_first(self, workspace, two_versions) -> None:
        assert [v["version"] for v in datasets.versions(workspace, "people")] == [2, 1]
        with pytest.raises(UserError):
            datasets.versions(workspace, "nobody")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("", "needs a name"), ("   ", "needs a name"), ("a@b", "'@'"), ("x" * 201, "at most 200")],
)
def test_bad_dataset_names_are_refused(tmp_path: Path, workspace, name, fragment) -> None:
    with pytest.raises(UserError, match=fragment):
        datasets.import_file(workspace, write(tmp_path / "people.csv", V1), name)
    assert datasets.list_datasets(workspace) == []


def test_default_name_comes_from_the_file_name(tmp_path: Path, workspace) -> None:
    result = datasets.import_file(workspace, write(tmp_path / "sales_2024  q1.csv", V1))
    assert result.name == "sales 2024 q1"


def test_records_have_the_documented_keys(tmp_path: Path, workspace) -> None:
    result = datasets.import_file(workspace, write(tmp_path / "people.csv", V1), "people")
    assert {"name", "version", "rows", "columns", "content_hash", "created"} <= set(
        result.to_json()
    )

    (listed,) = datasets.list_datasets(workspace)
    assert {"name", "versions", "latest", "rows", "columns"} <= set(listed)
    assert (listed["name"], listed["versions"], listed["latest"]) == ("people", 1, 1)
    assert (listed["rows"], listed["columns"]) == (5, 4)

    shown = datasets.show(workspace, "people")
    assert {"name", "version", "rows", "content_hash", "source", "columns"} <= set(shown)
    assert shown["source"] == "people.csv"
    assert [c["name"] for c in shown["columns"]] == ["id", "name", "code", "old"]
    for column in shown["columns"]:
        assert {"name", "type", "missing", "unique"} <= set(column)
    assert {c["name"]: c["unique"] for c in shown["columns"]} == {
        "id": 5,
        "name": 5,
        "code": 5,
        "old": 5,
    }


def test_the_changes_line_counts_rows_in_words() -> None:
    base = {"columns_added": [], "columns_removed": [], "columns_retyped": []}
    lines = [
        describe_changes({**base, "rows_added": added, "rows_removed": removed})
        for added, removed in ((1, 0), (0, 800), (600, 800), (1200, 1))
    ]
    assert lines == [
        "1 row added",
        "800 rows removed",
        "600 rows added, 800 removed",
        "1,200 rows added, 1 removed",
    ]
