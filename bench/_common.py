"""Shared helpers for the benchmarks: the generated 1,000,000 × 25 CSV, temp folders, child processes.

The CSV is generated deterministically (seeded) into a temporary folder that is removed at exit, or
into ``$MLOPS_BENCH_DATA`` when that is set, where it is kept and reused by later runs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DATA_ENV = "MLOPS_BENCH_DATA"
GENERATOR_VERSION = 1  # bump when the generated content changes, so cached files are regenerated
DEFAULT_ROWS = 1_000_000
CHUNK_ROWS = 100_000

_temp_dirs: list[Path] = []


def temp_dir(prefix: str) -> Path:
    """A temporary folder removed when the benchmark exits."""
    path = Path(tempfile.mkdtemp(prefix=f"mlops-bench-{prefix}-"))
    _temp_dirs.append(path)
    return path


@atexit.register
def _cleanup() -> None:
    for path in _temp_dirs:
        shutil.rmtree(path, ignore_errors=True)


def child_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: the repository on the path, Qt offscreen, no user config."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


def data_dir() -> Path:
    configured = os.environ.get(DATA_ENV)
    if configured:
        path = Path(configured).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return temp_dir("data")


def _chunk(rng: object, start: int, n: int) -> object:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(rng, np.random.Generator)

    def with_missing(array: pa.Array, share: float) -> pa.Array:
        mask = pa.array(rng.random(n) < share)
        return pc.if_else(mask, pa.scalar(None, array.type), array)

    def pick(values: Sequence[str], p: Sequence[float] | None = None) -> pa.Array:
        return pa.array(
            np.asarray(values, dtype=object)[rng.choice(len(values), n, p=p)], pa.string()
        )

    def fixed(values: np.ndarray, decimals: int) -> pa.Array:
        # Written as text with a fixed number of decimals, as exported spreadsheets usually are.
        return pa.array(np.char.mod(f"%.{decimals}f", values).astype(object), pa.string())

    ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
    words = [
        "the",
        "a",
        "customer",
        "order",
        "delivery",
        "late",
        "early",
        "quality",
        "great",
        "poor",
        "price",
        "service",
        "support",
        "product",
        "item",
        "box",
        "damaged",
        "happy",
        "unhappy",
        "return",
        "refund",
        "fast",
        "slow",
        "friendly",
        "rude",
        "again",
        "would",
        "recommend",
        "never",
        "always",
        "store",
        "online",
        "app",
        "website",
        "size",
        "colour",
        "fit",
        "perfect",
        "small",
        "large",
        "broken",
        "missing",
        "thanks",
        "please",
        "call",
        "email",
        "packaging",
        "nice",
        "excellent",
        "terrible",
        "okay",
    ]
    pool_size = 20_000
    lengths = rng.integers(12, 38, pool_size)
    sentence_pool = pa.array([" ".join(rng.choice(words, k)) for k in lengths], pa.string())
    comment = pc.binary_join_element_wise(
        sentence_pool.take(pa.array(rng.integers(0, pool_size, n))),
        pa.array("(ref " + (ids * 7919 % 1_000_003).astype(str).astype(object) + ")"),
        " ",
    )
    streets = [
        "Main Street",
        "High Road",
        "Station Lane",
        "Park Avenue",
        "Church Street",
        "Mill Road",
        "Victoria Road",
        "Green Lane",
        "Kings Road",
        "Queens Avenue",
    ]
    cities = [
        "Springfield",
        "Riverton",
        "Lakeside",
        "Hillview",
        "Fairfield",
        "Georgetown",
        "Madison",
        "Clinton",
        "Franklin",
        "Greenville",
        "Salem",
        "Bristol",
    ]
    address = pc.binary_join_element_wise(
        pa.array(rng.integers(1, 999, n).astype(str).astype(object)),
        pick(streets),
        pick(cities),
        " ",
    )
    email = pc.binary_join_element_wise(
        pa.array("user" + ids.astype(str).astype(object)),
        pick(["example.com", "mail.test", "corp.example", "shop.test"]),
        "@",
    )
    epoch_2015 = np.datetime64("2015-01-01")
    signup = epoch_2015 + rng.integers(0, 3650, n).astype("timedelta64[D]")
    login = np.datetime64("2020-01-01T00:00:00") + rng.integers(0, 5 * 365 * 86400, n).astype(
        "timedelta64[s]"
    )
    countries = [
        "United States",
        "Germany",
        "France",
        "United Kingdom",
        "Spain",
        "Italy",
        "Netherlands",
        "Poland",
        "Sweden",
        "Norway",
        "Denmark",
        "Finland",
        "Ireland",
        "Portugal",
        "Austria",
        "Switzerland",
        "Belgium",
        "Czechia",
        "Greece",
        "Hungary",
        "Canada",
        "Mexico",
        "Brazil",
        "Argentina",
        "Japan",
        "South Korea",
        "India",
        "Australia",
        "New Zealand",
        "South Africa",
    ]
    columns = {
        "id": pa.array(ids),
        "customer_id": pa.array(rng.integers(1, 200_000, n)),
        "age": with_missing(pa.array(rng.integers(18, 90, n)), 0.02),
        "quantity": pa.array(rng.integers(1, 50, n)),
        "year": pa.array(rng.integers(2000, 2025, n)),
        "price": fixed(rng.gamma(2.0, 40.0, n), 2),
        "discount": with_missing(fixed(rng.random(n) * 0.5, 3), 0.10),
        "weight_kg": fixed(rng.lognormal(0.5, 0.8, n), 4),
        "score": pa.array(rng.normal(0.0, 1.0, n)),
        "latitude": fixed(rng.uniform(-60, 70, n), 6),
        "longitude": fixed(rng.uniform(-180, 180, n), 6),
        "country": with_missing(pick(countries), 0.01),
        "product_category": pick(
            [
                "Electronics",
                "Books",
                "Clothing",
                "Garden",
                "Toys",
                "Sports",
                "Beauty",
                "Grocery",
                "Automotive",
                "Music",
                "Office",
                "Pets",
            ]
        ),
        "color": pick(["red", "green", "blue", "black", "white", "yellow", "purple", "grey"]),
        "segment": pick(["consumer", "corporate", "home office", "small business"]),
        "status": pick(["active", "churned", "paused"], [0.7, 0.2, 0.1]),
        "payment_method": pick(["credit card", "debit card", "paypal", "bank transfer", "cash"]),
        "comment": with_missing(comment, 0.05),
        "email": email,
        "address": address,
        "signup_date": pa.array(
            np.datetime_as_string(signup, unit="D").astype(object), pa.string()
        ),
        "last_login": with_missing(
            pa.array(
                np.char.replace(np.datetime_as_string(login, unit="s"), "T", " ").astype(object),
                pa.string(),
            ),
            0.03,
        ),
        "is_active": pa.array(rng.random(n) < 0.8),
        "newsletter": with_missing(pa.array(rng.random(n) < 0.3), 0.05),
        "sku": pa.array(
            ("SKU-" + np.char.zfill(rng.integers(0, 20_000, n).astype(str), 6)).astype(object),
            pa.string(),
        ),
    }
    return pa.table(columns)


def generated_csv(rows: int = DEFAULT_ROWS, verbose: bool = True) -> Path:
    """The seeded rows × 25 mixed-type CSV (ints, floats, categories, free text, dates, booleans,
    missing values), generated once and cached in ``$MLOPS_BENCH_DATA`` when set."""
    path = data_dir() / f"bench_{rows}x25_v{GENERATOR_VERSION}.csv"
    if path.exists():
        return path
    import numpy as np
    import pyarrow.csv as pacsv

    started = time.perf_counter()
    rng = np.random.default_rng(20240501)
    partial = path.with_suffix(".partial")
    writer = None
    try:
        for start in range(0, rows, CHUNK_ROWS):
            table = _chunk(rng, start, min(CHUNK_ROWS, rows - start))
            if writer is None:
                writer = pacsv.CSVWriter(
                    partial, table.schema, write_options=pacsv.WriteOptions(quoting_style="none")
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    partial.replace(path)
    if verbose:
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.0f} MB, {rows:,} rows) "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return path


def warm_page_cache(path: Path) -> None:
    """Read the file once so every timed run starts with it in the OS page cache."""
    with path.open("rb") as handle:
        while handle.read(16 << 20):
            pass


def run_child(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run ``python ARGS`` in a fresh interpreter; return its stdout (raises on failure)."""
    done = subprocess.run(
        [sys.executable, *args],
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"child {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


_event_loop: object = None


def process_events() -> None:
    """Process pending Qt events once.

    Through a ``QEventLoop`` instance, whose ``processEvents`` returns a bool: with PySide6 6.12.0 on
    Python 3.11 every call of a *void* Qt method from Python (``QApplication.processEvents()``,
    ``update()``, ``setText()``, ...) drops one reference to ``None`` and the interpreter aborts
    ("none_dealloc") once ``None``'s count runs out, which a polling loop reaches quickly.
    """
    global _event_loop
    from PySide6.QtCore import QEventLoop

    if _event_loop is None:
        _event_loop = QEventLoop()
    _event_loop.processEvents()  # type: ignore[attr-defined]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.2f} s"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
