"""JSONL in UTF-16 or UTF-32, read as the UTF-8 lines every other JSONL file gives."""

from __future__ import annotations

import codecs
from typing import IO

import re2

# JSON text in UTF-16 or UTF-32 (RFC 8259 asks for UTF-8, but Windows tools write UTF-16):
# split into lines as bytes, a "\n" would be cut from its NUL and every article miscounted.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Without a BOM: a JSON line starts with a character JSON may start with ("{", "[", a quote
# or a space), and its NULs tell the width; UTF-16 shows two such ASCII characters. Anything
# else is read as UTF-8 (a binary head is then a bad line, not a wrongly guessed codec).
_JSON_START = rb"[\t\n\r \x22\x5b\x7b]"
_WIDE_HEADS = (
    (re2.compile(rb"^" + _JSON_START + rb"\x00\x00\x00"), "utf-32-le"),
    (re2.compile(rb"^\x00\x00\x00" + _JSON_START), "utf-32-be"),
    (re2.compile(rb"^" + _JSON_START + rb"\x00[\x01-\x7f]\x00"), "utf-16-le"),
    (re2.compile(rb"^\x00" + _JSON_START + rb"\x00[\x01-\x7f]"), "utf-16-be"),
)


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16/32 codec JSONL starting with ``head`` is in, or None (UTF-8)."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    for pattern, name in _WIDE_HEADS:
        if pattern.search(head) is not None:
            return name
    return None


class _Utf8Lines:
    """A UTF-16/32 stream read as UTF-8 lines (``readline`` only, what the line reader uses).

    A size limit counts characters here, not bytes: close enough for a bound on memory, and the
    decode step checks each article's size again. The stream stays its owner's to close.
    """

    def __init__(self, fh: IO[bytes], encoding: str) -> None:
        self._fh = fh
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._buffer = ""
        self._eof = False

    def readline(self, size: int = -1) -> bytes:
        while not self._eof and "\n" not in self._buffer and not 0 <= size <= len(self._buffer):
            chunk = self._fh.read(1 << 16)
            self._eof = not chunk
            self._buffer += self._decoder.decode(chunk, final=self._eof)
        end = self._buffer.find("\n") + 1 or len(self._buffer)
        if size >= 0:
            end = min(end, size)
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line.encode("utf-8")


def as_utf8(fh: IO[bytes]) -> IO[bytes]:
    """``fh`` itself, or for UTF-16/32 JSONL a reader of the same lines in UTF-8."""
    peek = getattr(fh, "peek", None)
    head = peek(4)[:4] if peek is not None else b""
    encoding = wide_encoding(head) if head else None
    return fh if encoding is None else _Utf8Lines(fh, encoding)  # type: ignore[return-value]
