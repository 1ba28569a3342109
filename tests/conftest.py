"""Shared fixtures. Every test gets its own workspace and settings folder; nothing touches the
user's real workspace or configuration, and nothing touches the network."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from mlops_desktop.config import STORE_ENV
from mlops_desktop.core import filesystems
from tests import stores

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace

# One thread per native thread pool (OpenMP, BLAS), here and in every process a test starts; set
# before numpy or scikit-learn load (nothing imported above loads them). The suite runs in two
# pytest workers on two cores, often on a busy machine, where a pool of threads per tiny fit spins
# for cores it does not get: one gradient boosting run on the 178-row wine sample took 23 s with
# them and 3 s without. What the tests compute does not change.
for _pool in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_pool, "1")

# In CI (CI=true) the property tests draw the same examples every run, so a red run can be replayed
# here with CI=true; on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
# Offscreen Qt with a desktop-sized screen (its default is 800×600, smaller than the main window).
os.environ.setdefault(
    "QT_QPA_PLATFORM", f"offscreen:configfile={REPO / 'tests' / 'offscreen-screen.json'}"
)
SAMPLES = REPO / "resources" / "samples"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("MLOPS_DESKTOP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv(STORE_ENV, raising=False)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[stores.Databases]:
    databases = stores.Databases(stores.server_address())
    yield databases
    databases.close()


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store the test runs on: SQLite unless it runs on both (``stores.both_stores``)."""
    return str(getattr(request, "param", stores.SQLITE))


@pytest.fixture
def store_url(
    store_kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """The test's team store: None (the workspace's store.db) on SQLite; on PostgreSQL the address
    of a new database, also in ``MLOPS_DESKTOP_STORE`` so that the processes the test starts (and
    the command line) open the same one."""
    if store_kind == stores.SQLITE:
        yield None
        return
    databases: stores.Databases = request.getfixturevalue("postgres_databases")
    url = databases.new()
    monkeypatch.setenv(STORE_ENV, url)
    yield url
    databases.drop(url)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def on_nfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose file system reads as NFS (every other path as what it is), for the refusal
    of workspaces on network drives."""
    share = tmp_path / "share"
    real_type = filesystems.filesystem_type

    def filesystem_type(path: Path) -> str | None:
        inside = path.resolve() == share or share in path.resolve().parents
        return "nfs4" if inside else real_type(path)

    monkeypatch.setattr(filesystems, "filesystem_type", filesystem_type)
    return share


@pytest.fixture(scope="session")
def governed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace of ``tests.governed`` (a governed model's whole life), built once; tests
    that change it work on a copy."""
    from tests import governed

    home = tmp_path_factory.mktemp("governed") / "workspace"
    governed.build(home)
    return home


@pytest.fixture
def governed_workspace(governed_home: Path) -> "Iterator[Workspace]":
    from mlops_desktop.core.workspace import Workspace

    ws = Workspace(governed_home)
    yield ws
    ws.close()
