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


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first 8 KB: no text file has them."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


EMPTY = Decoded(None, None, "empty_input", "the input holds no text")


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """Decode by BOM, else as UTF-8, else with the ``declared`` codec, else a detected one."""
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
