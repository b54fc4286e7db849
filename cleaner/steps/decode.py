"""Bytes -> text: UTF-8 first, then a detected charset, and say which one was used."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None
    problem: str | None = None  # reject code when text is None
    message: str | None = None
    source: str | None = None  # how the charset was chosen, when not simply by BOM or UTF-8


# Signatures of common binary formats: a file that starts with one is not text, even when its
# head holds few control bytes (a PDF's is mostly ASCII).
_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\x7fELF",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"\x28\xb5\x2f\xfd",
    b"\xd0\xcf\x11\xe0",
    b"SQLite format 3\x00",
)


def looks_binary(data: bytes) -> bool:
    """A binary signature, a NUL at the very start, or many NUL/control bytes in the first 8 KB.

    One stray NUL inside text is not a signal (scraped text carries them; repair drops them):
    binary data and UTF-16 without a BOM hold them by the hundred.
    """
    head = data[:8192]
    if head.startswith(_MAGIC) or head[:1] == b"\x00":
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


EMPTY = Decoded(None, None, "empty_input", "the input holds no text")


def decode(data: bytes, declared: str | None = None, *, per_line: bool = False) -> Decoded:
    """Decode by BOM, else as UTF-8, else with the ``declared`` codec, else a detected one.

    ``per_line`` (plain text): a file of UTF-8 lines and a few in another charset is decoded
    line by line (pages are not: a browser reads a page in one charset, as declared).
    """
    if not data.strip():
        return EMPTY
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), name)
            except UnicodeDecodeError:
                break
    if looks_binary(data):
        return Decoded(
            None, None, "binary_input", "the input is binary (NUL or control bytes), not text"
        )
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = decode_per_line(data) if per_line and declared is None else None
    if mixed is not None:
        return mixed
    if declared is not None:
        try:
            return Decoded(data.decode(declared), declared)
        except UnicodeDecodeError:
            pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding is None:
        return Decoded(
            None, None, "undecodable", "the bytes are not UTF-8 and no charset fits them"
        )
    # Single-byte code pages often tie on short text (cp1250 reads "très" as "trčs" just as
    # happily). On a tie, or when it reads the same, prefer windows-1252: the web's default for
    # unlabelled text (WHATWG).
    for m in matches:
        if m.encoding == "cp1252" and m.chaos <= best.chaos and m.coherence >= best.coherence:
            return Decoded(str(m), "cp1252")
    text = str(best)
    try:
        if data.decode("cp1252") == text:
            return Decoded(text, "cp1252")
    except UnicodeDecodeError:
        pass
    return Decoded(text, best.encoding)


def decode_per_line(data: bytes) -> Decoded | None:
    """A file whose lines are UTF-8 but for a few in another charset (texts pasted together):
    each line that is UTF-8 read as UTF-8, the others with the charset detected on them alone.

    Only when some line holds non-ASCII UTF-8: that is the evidence the file is UTF-8 at heart
    (a line of one legacy charset is almost never valid UTF-8 by chance). None otherwise.
    """
    lines = data.split(b"\n")
    texts: list[str | None] = []
    utf8_evidence = False
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            texts.append(None)
            continue
        utf8_evidence = utf8_evidence or not line.isascii()
        texts.append(text)
    if not utf8_evidence:
        return None
    bad = [i for i, t in enumerate(texts) if t is None]
    bad_bytes = b"\n".join(lines[i] for i in bad)
    other = decode(bad_bytes)
    if other.text is None or other.encoding is None or other.encoding.startswith("utf"):
        return None
    # A few short lines are too little for detection alone (it reads French cp1252 as
    # mac_latin2): the charset whose letters the UTF-8 lines use too wins, detection on a tie.
    seen = {c for t in texts if t is not None for c in t if not c.isascii()}
    candidates = [other.encoding, *(m.encoding for m in from_bytes(bad_bytes)), "cp1252"]
    best, best_score = None, -1
    for name in dict.fromkeys(candidates):
        try:
            decoded = [lines[i].decode(name) for i in bad]
        except (UnicodeDecodeError, LookupError):
            continue
        score = sum(1 for t in decoded for c in t if c in seen)
        if score > best_score:
            best, best_score = (name, decoded), score
    if best is None:
        return None
    name, decoded = best
    for i, t in zip(bad, decoded, strict=True):
        texts[i] = t
    how = f"per line: utf-8, {name} on {_line_list(bad)}"
    return Decoded("\n".join(t or "" for t in texts), f"utf-8+{name}", source=how)


def _line_list(indexes: list[int], most: int = 5) -> str:
    """'line 4', 'lines 4, 7, 9', or the first few and how many more (1-based)."""
    shown = ", ".join(str(i + 1) for i in indexes[:most])
    more = f" and {len(indexes) - most:,} more" if len(indexes) > most else ""
    return f"line {shown}" if len(indexes) == 1 else f"lines {shown}{more}"
