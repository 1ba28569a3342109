"""Encoding detection: how often each rule reads a legacy CSV with the right text, per language.

    python bench/bench_encodings.py [--files 200] [--seed 1]

Files: for each language and the code page its Windows programs write (tests/encoding_corpus.py),
``--files`` short CSVs (a header and 1 to 5 rows drawn at random from the language's phrases,
as small as the files that fooled charset-normalizer) and ``--files // 10`` long ones (200 rows),
plus UTF-8 with and without BOM and UTF-16, and four languages held out (the rule was not tuned
on them: Italian, Slovak, Ukrainian, Turkish). A reading is right when the decoded text equals the text
written (German in Windows-1250 is the same text as in Windows-1252, and counts as right).

Rules compared:
- ours: ``core.encodings.detect`` (exact BOM/UTF-8 first; charset-normalizer picks East Asian
  encodings; a letter-plausibility score with a Windows-1252 prior picks among code pages);
- charset-normalizer's plain best guess (``from_bytes(data).best()``, no candidate restriction);
- the hand-written rule before issue 14 (BOM, else UTF-8 if it decodes, else Windows-1252).
Also the time ours takes on a full 64 KB sample of a Windows-1250 file (the slowest path) and of a
UTF-8 one. Goal: ours at least as often right as either other rule, for every language. Files
whose only non-ASCII letter is one a Windows-1252 language also has (a Polish "Gdańsk" alone
reads as "Gdañsk") cannot be told apart; they keep Windows-1252 and show as the misses.
"""

from __future__ import annotations

import argparse
import codecs
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: F401  (puts the repository on sys.path)
from charset_normalizer import from_bytes

from mlops_desktop.core.data import encodings
from tests.encoding_corpus import HELD_OUT, LEGACY, LONG_ROWS, TEXTS, UNICODE, Case, texts_of

MAX_SHORT_ROWS = 5


def old_rule(data: bytes) -> str:
    """The hand-written choice reading.py made before issue 14."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def plain_best(data: bytes) -> str:
    best = from_bytes(data).best()
    return best.encoding if best is not None else "cp1252"


def ours(data: bytes) -> str:
    return encodings.detect(data[: encodings.SAMPLE_BYTES], "bench.csv", False)


RULES: dict[str, Callable[[bytes], str]] = {
    "ours": ours,
    "charset-normalizer best": plain_best,
    "old rule": old_rule,
}


def random_case(rng: random.Random, language: str, encoding: str, size: str) -> Case:
    header, phrases = texts_of(language)
    count = rng.randint(1, MAX_SHORT_ROWS) if size == "short" else LONG_ROWS
    rows = [
        (str(n + 1), rng.choice(phrases), f"{rng.randint(0, 999)}.{rng.randint(0, 99):02d}")
        for n in range(count)
    ]
    return Case(language, encoding, size, header, rows)


def right(case: Case, data: bytes, encoding: str) -> bool:
    try:
        return data.decode(encoding) == data.decode(case.encoding)
    except (UnicodeDecodeError, LookupError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="short files per language")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    wins: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    mistakes: dict[str, list[str]] = defaultdict(list)
    for language, encoding in LEGACY + UNICODE + HELD_OUT:
        key = f"{language} ({encoding}){' held out' if (language, encoding) in HELD_OUT else ''}"
        for size, count in (("short", args.files), ("long", max(1, args.files // 10))):
            for _ in range(count):
                case = random_case(rng, language, encoding, size)
                data = case.data()
                totals[key] += 1
                for name, rule in RULES.items():
                    chosen = rule(data)
                    if right(case, data, chosen):
                        wins[key][name] += 1
                    elif name == "ours" and len(mistakes[key]) < 3:
                        mistakes[key].append(f"{chosen}: {case.descriptions[:3]}")
    width = max(len(key) for key in totals)
    print(f"{'language (encoding)':{width}}  files  " + "  ".join(f"{n:>24}" for n in RULES))
    for key, total in totals.items():
        cells = "  ".join(f"{wins[key][n] / total:>23.1%} " for n in RULES)
        print(f"{key:{width}}  {total:5d}  {cells}")
    all_files = sum(totals.values())
    print(
        f"{'all':{width}}  {all_files:5d}  "
        + "  ".join(f"{sum(w[n] for w in wins.values()) / all_files:>23.1%} " for n in RULES)
    )
    for key, examples in mistakes.items():
        print(f"ours wrong on {key}: " + "; ".join(examples))

    czech = TEXTS["Czech"][1]
    sample = "\n".join(czech[i % len(czech)] + f",{i}" for i in range(20_000)).encode("cp1250")
    sample = sample[: encodings.SAMPLE_BYTES]
    times = []
    for _ in range(20):
        started = time.perf_counter()
        encodings.detect(sample, "bench.csv", True)
        times.append(time.perf_counter() - started)
    utf8 = sample.decode("cp1250").encode("utf-8")[: encodings.SAMPLE_BYTES]
    utf8_times = []
    for _ in range(20):
        started = time.perf_counter()
        encodings.detect(utf8, "bench.csv", True)
        utf8_times.append(time.perf_counter() - started)
    print(
        f"detection of a 64 KB sample: Windows-1250 median {statistics.median(times) * 1000:.1f} ms, "
        f"UTF-8 median {statistics.median(utf8_times) * 1000:.2f} ms"
    )
    ok = all(wins[key]["ours"] >= max(wins[key][name] for name in RULES) for key in totals)
    print(
        "ours at least as right as either other rule for every language: "
        + ("PASS" if ok else "FAIL")
    )


if __name__ == "__main__":
    main()
