"""Which encoding a text file is written in, from a bounded sample of its bytes.

Exact evidence first: a byte-order mark (UTF-8, UTF-16); bytes that are valid UTF-8 are UTF-8
(a legacy file almost never is by accident). Only other bytes are a guess. charset-normalizer
alone guesses badly on the short files people import (on ``bench/bench_encodings.py``'s corpus
its best guess gave the right text for 22 % of French, 1 % of Portuguese and 73 % of Polish files:
French and Portuguese became Windows-1250), so it only breaks ties; the guess is a plausibility
score:

- every candidate code page (``ALPHABETS``) that decodes the sample is scored by how many of its
  non-ASCII characters are improbable in the one language of those it is written for that fits
  best: a letter outside that language's alphabet (East Asian encodings: outside their scripts'
  Unicode blocks; GB18030 outside GB2312's characters), a control character, a capital straight
  after a small letter, a Cyrillic, Greek, Arabic or Hebrew letter touching a Latin one. Czech "město" in Windows-1252 is "mìsto", and no language written in
  Windows-1252 has ì, ø and è together, while Windows-1250 reads every letter as Czech.
- The fewest improbable characters win. On a tie the family whose reading is mostly small
  letters wins (the wrong Cyrillic or Greek code page turns small letters into capitals), then
  the more common family, Windows-1252 first (the old default; a file whose only accent is one ñ
  stays Spanish, though it may be a Polish ń); within a family (Cyrillic, East Asian)
  charset-normalizer's ranking, which weighs letter frequencies, decides.

The score is taken on GUESS_BYTES from the first line holding a non-ASCII byte, so it costs about
20 ms however long the file (``bench/bench_encodings.py``). The import preview shows the encoding
found and lets the user choose another, as ``--encoding`` does on the command line.
"""

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable
from pathlib import Path

from charset_normalizer import from_bytes

from mlops_desktop.core.errors import UserError

# The names shown in the import dialog and in messages; every key is a candidate the import
# detects or the user may choose there (the command line takes any text encoding Python knows).
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 / Latin-1",
    "cp1250": "Windows-1250 / Central European",
    "cp1251": "Windows-1251 / Cyrillic",
    "koi8_r": "KOI8-R / Russian",
    "koi8_u": "KOI8-U / Ukrainian",
    "cp1253": "Windows-1253 / Greek",
    "cp1254": "Windows-1254 / Turkish",
    "cp1257": "Windows-1257 / Baltic",
    "cp1255": "Windows-1255 / Hebrew",
    "cp1256": "Windows-1256 / Arabic",
    "shift_jis": "Shift JIS / Japanese",
    "euc_jp": "EUC-JP / Japanese",
    "gb18030": "GB18030 / Chinese (simplified)",
    "big5": "Big5 / Chinese (traditional)",
    "euc_kr": "EUC-KR / Korean",
}
UNICODE = ("utf-8", "utf-8-sig", "utf-16")

_RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
# Each single-byte candidate (in order of preference on a tie) and the languages written in it,
# by the non-ASCII letters of their alphabets (lowercase; uppercase counts the same). The
# multi-byte East Asian ones follow, by the Unicode blocks of their scripts.
LANGUAGES: dict[str, dict[str, Container[str]]] = {
    "cp1252": {
        "French": "àâæçéèêëîïôœùûüÿ",
        "German": "äöüß",
        "Spanish": "áéíñóúü¿¡ºª",
        "Portuguese": "áâãàçéêíóôõúü",
        "Italian": "àèéìòóù",
        "Dutch": "áéëïóöüĳ",
        "Danish and Norwegian": "æøåéó",
        "Swedish and Finnish": "åäöéšž",
        "Icelandic": "áðéíóúýþæö",
        "Catalan": "àçèéíïòóúü·",
    },
    "cp1250": {
        "Czech": "áčďéěíňóřšťúůýž",
        "Slovak": "áäčďéíĺľňóôŕšťúýž",
        "Polish": "ąćęłńóśźż",
        "Hungarian": "áéíóöőúüű",
        "Slovenian and Croatian": "čćđšž",
        "Romanian": "ăâîşţ",
        "Albanian": "çë",
    },
    "cp1251": {
        "Russian": _RUSSIAN,
        "Ukrainian": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
        "Belarusian": "абвгдеёжзійклмнопрстуўфхцчшыьэюя'",
        "Bulgarian": "абвгдежзийклмнопрстуфхцчшщъьюя",
        "Serbian and Macedonian": "абвгдђѓежзѕијклљмнњопрстћќуфхцчџш",
    },
    "koi8_r": {"Russian": _RUSSIAN},
    "koi8_u": {"Ukrainian": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'"},
    "cp1253": {"Greek": "αβγδεζηθικλμνξοπρστυφχψωςάέήίόύώϊϋΐΰ΄"},
    "cp1254": {"Turkish": "çğıöşüâîû"},
    "cp1257": {
        "Lithuanian": "ąčęėįšųūž",
        "Latvian": "āčēģīķļņšūž",
        "Estonian": "äöõüšž",
    },
    "cp1255": {
        "Hebrew": "".join(map(chr, range(0x5D0, 0x5EB))) + "".join(map(chr, range(0x5B0, 0x5C5)))
    },
    "cp1256": {"Arabic": "".join(map(chr, range(0x621, 0x653))) + "،؛؟پچژکگی"},
}


class _Script:
    """The characters of some Unicode blocks (``ranges``), optionally only those ``codec`` can
    write: Chinese text is written in GB2312's characters, so a Japanese file read as GB18030,
    which turns into characters outside it, is told apart."""

    def __init__(self, ranges: tuple[tuple[int, int], ...], codec: str | None = None) -> None:
        self.ranges = ranges
        self.codec = codec

    def __contains__(self, character: object) -> bool:
        if not isinstance(character, str):
            return False
        point = ord(character)
        if not any(low <= point <= high for low, high in self.ranges):
            return False
        if self.codec is None:
            return True
        try:
            character.encode(self.codec)
        except UnicodeEncodeError:
            return False
        return True


_SYMBOLS = ((0x2000, 0x27BF), (0x3000, 0x303F), (0xFF00, 0xFFEF))  # punctuation, full width…
_IDEOGRAPHS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_KANA = ((0x3040, 0x30FF),)
_HANGUL = ((0x3130, 0x318F), (0xAC00, 0xD7A3))
SCRIPTS: dict[str, dict[str, Container[str]]] = {
    "shift_jis": {"Japanese": _Script(_SYMBOLS + _KANA + _IDEOGRAPHS)},
    "euc_jp": {"Japanese": _Script(_SYMBOLS + _KANA + _IDEOGRAPHS)},
    "gb18030": {"Chinese": _Script(_SYMBOLS + _IDEOGRAPHS, codec="gb2312")},
    "big5": {"Chinese": _Script(_SYMBOLS + _IDEOGRAPHS + ((0x3100, 0x312F),))},
    "euc_kr": {"Korean": _Script(_SYMBOLS + _HANGUL)},  # Chinese characters are rare in Korean
}
ALPHABETS: dict[str, dict[str, Container[str]]] = {**LANGUAGES, **SCRIPTS}
CANDIDATES = tuple(ALPHABETS)
# Families of candidates, the more common first.
FAMILIES = (
    ("cp1252",),
    ("cp1250",),
    ("cp1251", "koi8_r", "koi8_u"),
    ("cp1253",),
    ("cp1254",),
    ("cp1257",),
    tuple(SCRIPTS),
    ("cp1255",),
    ("cp1256",),
)
# Non-ASCII characters at home in text of any language.
COMMON = set("\u00a0«»‹›–—‘’‚“”„•…€£°§©®™±×÷‰†‡¢¥²µ½¼¾")
SAMPLE_BYTES = 64 * 1024
CAPITALS_EVIDENCE = 3
CJK_START = 0x2E80
_ASCII = re.compile(r"[\x00-\x7f]+")
_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")
GUESS_BYTES = 16 * 1024  # of non-ASCII text: plenty to judge by, and quick to score
CHUNK_BYTES = 1 << 20
LINE_BYTES = 1024  # how far before the first byte that is not UTF-8 its sample begins


def detect(head: bytes, name: str, truncated: bool) -> str:
    """The encoding of a text file whose first bytes are ``head`` (``truncated``: the file goes
    on); refuses a file that is not text at all."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise UserError(f"{name} does not look like a text table; it may be a binary file.")
    if _decoded(head, "utf-8", truncated) is not None:
        return "utf-8"
    return guess_legacy(head, truncated)


def guess_legacy(sample: bytes, truncated: bool = False) -> str:
    """The most plausible non-Unicode encoding of ``sample`` (bytes that are not UTF-8), judged
    on GUESS_BYTES from the line where its first non-ASCII byte is."""
    first = _NON_ASCII_BYTE.search(sample)
    start = sample.rfind(b"\n", 0, first.start() if first else 0) + 1
    truncated = truncated or start + GUESS_BYTES < len(sample)
    sample = sample[start : start + GUESS_BYTES]
    decoded = {encoding: _decoded(sample, encoding, truncated) for encoding in ALPHABETS}
    texts = {encoding: text for encoding, text in decoded.items() if text is not None}
    if not texts:
        return "cp1252"  # no candidate reads it: reading says so, naming the encoding
    scores = {e: improbable(text, ALPHABETS[e].values()) for e, text in texts.items()}
    fewest = min(scores.values())
    tied = [encoding for encoding, score in scores.items() if score == fewest]
    # On a tie between families the one whose reading is mostly lowercase, as text is, wins,
    # then the more common (Windows-1252 first); within a family (Cyrillic, East Asian)
    # charset-normalizer's ranking, which weighs letter frequencies.
    family = min(
        (f for f in FAMILIES if set(f) & set(tied)),
        key=lambda f: (min(_capitals(texts[e]) for e in f if e in tied), FAMILIES.index(f)),
    )
    tied = [encoding for encoding in family if encoding in tied]
    if len(tied) == 1:
        return tied[0]
    ranked = [match.encoding for match in from_bytes(sample, cp_isolation=tied)]
    return next((encoding for encoding in ranked if encoding in tied), tied[0])


def _capitals(text: str) -> int:
    """How many more non-ASCII capitals than small letters ``text`` has, when that is at least
    CAPITALS_EVIDENCE (a few are names and abbreviations), else 0: a text read in the wrong
    Cyrillic or Greek code page often turns its small letters into capitals."""
    letters = Counter(_ASCII.sub("", text))
    excess = sum(n for c, n in letters.items() if c.isupper()) - sum(
        n for c, n in letters.items() if c.islower()
    )
    return excess if excess >= CAPITALS_EVIDENCE else 0


def improbable(text: str, alphabets: Iterable[Container[str]]) -> int:
    """How many non-ASCII characters of ``text`` are improbable in the best fitting of the
    languages whose ``alphabets`` are given (see the module's docstring)."""
    counts = Counter(_ASCII.sub("", text))
    if not counts:
        return 0
    return (
        _case_breaks(text, counts)
        + _mixed_scripts(text, counts)
        + min(
            sum(
                count
                for character, count in counts.items()
                if character not in COMMON and character.lower() not in alphabet
            )
            for alphabet in alphabets
        )
    )


def _mixed_scripts(text: str, non_ascii: Counter[str]) -> int:
    """Letters of another alphabet (Cyrillic, Greek, Arabic, Hebrew…) touching an ASCII letter:
    "Krakуw" is Polish read as Cyrillic. (Chinese and Japanese do write Latin words next to
    their own, and are left out.)"""
    foreign = "".join(
        c
        for c in non_ascii
        if c.isalpha() and ord(c) < CJK_START and not unicodedata.name(c, "").startswith("LATIN")
    )
    if not foreign:
        return 0
    letters = f"[{re.escape(foreign)}]"
    return len(re.findall(f"(?<=[A-Za-z]){letters}|{letters}(?=[A-Za-z])", text))


def _case_breaks(text: str, non_ascii: Counter[str]) -> int:
    """Non-ASCII uppercase letters straight after a lowercase letter (McDonald and iPhone are
    ASCII): what a Cyrillic text read in the wrong Cyrillic code page is full of."""
    uppers = "".join(c for c in non_ascii if c.isupper())
    if not uppers:
        return 0
    lowers = "a-z" + re.escape("".join(c for c in non_ascii if c.islower()))
    return len(re.findall(f"[{lowers}][{re.escape(uppers)}]", text))


def detect_past_sample(path: Path) -> str:
    """The encoding of a file whose sample read as UTF-8 but whose later bytes are not UTF-8:
    guessed from the lines where UTF-8 first fails (one more pass over the file, taken only
    when reading it as UTF-8 has failed)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                failed_at = offset + error.start
                break
            offset += len(chunk)
        else:
            return "utf-8"
        start = max(0, failed_at - LINE_BYTES)
        handle.seek(start)
        window = handle.read(SAMPLE_BYTES)
        truncated = bool(handle.read(1))
    if start:  # begin at a line's start: a character cut in two would count against its code page
        window = window[window.find(b"\n") + 1 :]
    return guess_legacy(window, truncated)


def _decoded(data: bytes, encoding: str, truncated: bool) -> str | None:
    """``data`` decoded (a character cut off by the end of a sample left out); None if it is
    not in ``encoding``."""
    try:
        return str(codecs.getincrementaldecoder(encoding)().decode(data, final=not truncated))
    except UnicodeDecodeError:
        return None
