"""Line breaks and whitespace: the one text shape every rule sees."""

from __future__ import annotations

import re

# Unicode spaces (NBSP, thin, ideographic ...) and tabs become one ASCII space; zero-width
# space, word joiner and BOM vanish. ZWJ/ZWNJ stay: emoji sequences and Persian need them.
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\f\v]+")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def normalize_lines(text: str) -> list[str]:
    """Split into trimmed lines with single spaces and at most one blank line between blocks."""
    text = _BREAKS.sub("\n", text)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    return collapse_blank_lines([_SPACES.sub(" ", line).strip() for line in text.split("\n")])


def normalize_spaces(text: str) -> str:
    """Spaces as ``normalize_lines`` leaves them (one ASCII space, invisible ones gone), with
    the line breaks as they are."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text))


def collapse_blank_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def join_lines(lines: list[str]) -> str:
    return "\n".join(lines)
