"""The compliance report of a model version: one self-contained page with everything a reviewer
asks for, every value from the data escaped."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import compliance
from mlops_desktop.core.monitoring import checks
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.vocabulary import STATUS_WORDS, measure_text
from mlops_desktop.core.workspace import Workspace
from tests.governed import COLUMN, DATASET, MARKUP, MODEL, PREPARED


class _Page(HTMLParser):
    """What a browser would load or run: tags, their sources and links, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sources: list[str] = []
        self.links: list[str] = []
        self.handlers: list[str] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "src":
                self.sources.append(value or "")
            if name == "href":
                self.links.append(value or "")
            if name.startswith("on"):
                self.handlers.append(name)
        self._heading = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        self._heading = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading:
            self.headings.append(data)


@pytest.fixture(scope="module")
def page(governed_home: Path) -> str:
    ws = Workspace(governed_home)
    try:
        return compliance.report_html(ws, f"{MODEL}@1")
    finally:
        ws.close()


def _parsed(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


def test_the_report_holds_every_section_a_reviewer_asks_for(
    page: str, governed_workspace: Workspace
) -> None:
    parsed = _parsed(page)
    assert parsed.headings == list(compliance.SECTIONS.values())
    text = " ".join(parsed.text)
    card = model_registry.model_card(governed_workspace, f"{MODEL}@1")
    run_id = card["run_id"]
    for expected in (
        f"{DATASET}@1",  # data versions with their hashes and validation
        f"{PREPARED}@1",
        "Drop duplicate rows",
        "Validation against the dataset's rules: passed every check.",
        "Every value of 'income' is a number.",
        card["model_sha256"],  # training settings
        run_id,
        "seed",
        measure_text("accuracy", card["metrics"]["accuracy"]),  # metrics
        "Approved by the board",  # stage history with notes and users
        "replaced by version 2",
        "127.0.0.1:8765",  # serving sessions
        f"dataset {PREPARED}@2",  # monitoring history
        STATUS_WORDS[checks.results(governed_workspace, f"{MODEL}@1")[0]["status"]],
        "model.retrain",  # retraining decisions and the audit trail
        "model.stage",
        f"run:{run_id}",
        f"dataset:{DATASET}@1",
    ):
        assert expected in text, expected
    hashes = set(re.findall(r"<code>([0-9a-f]{64})</code>", page))
    for reference in (f"{DATASET}@1", f"{PREPARED}@1"):  # each version's hashes, in full
        version = datasets.get_version(governed_workspace, reference)
        assert {version.source_sha256, version.content_hash, version.artifact_sha256} <= hashes
    assert "better" in text and f"{MODEL}@2" in text  # the challenger and what it became


def test_the_report_is_self_contained_and_every_value_is_escaped(page: str) -> None:
    parsed = _parsed(page)
    assert "script" not in parsed.tags and not parsed.handlers
    assert all(source.startswith("data:image/png;base64,") for source in parsed.sources)
    assert len(parsed.sources) == 1  # the lineage graph
    assert all(link.startswith("#") for link in parsed.links)  # only its own contents
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # the note and purpose
    assert html_escaped(COLUMN) in page and html_escaped(DATASET) in page
    assert MARKUP in " ".join(parsed.text)  # shown as written


def html_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_writing_the_report_to_a_file_and_a_bad_reference(
    governed_workspace: Workspace, tmp_path: Path
) -> None:
    output = tmp_path / "report.html"
    assert compliance.export_report(governed_workspace, f"{MODEL}@2", output) == {
        "output": str(output)
    }
    assert "Compliance report: loans version 2" in output.read_text(encoding="utf-8")
    with pytest.raises(UserError, match="'loans' has no version 9"):
        compliance.export_report(governed_workspace, f"{MODEL}@9", tmp_path / "none.html")
    assert not (tmp_path / "none.html").exists()
