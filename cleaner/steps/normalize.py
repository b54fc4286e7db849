"""Line breaks and whitespace: the one text shape every rule sees."""

from __future__ import annotations

from collections.abc import Iterable

import re2

# Unicode spaces (NBSP, thin, ideographic ...) and tabs become one ASCII space; zero-width
# space, word joiner and BOM vanish. ZWJ/ZWNJ stay: emoji sequences and Persian need them.
_SPACE_CHARS = (
    "\t\f\v\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
)
_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
_BREAK_CHARS = "\r\u2028\u2029\x85"

# Only runs that change: two or more spaces, or any other space character (a single ASCII space,
# by far the most common, is left alone). RE2 scans faster than `re` here.
_SPACES = re2.compile(f"[ {_SPACE_CHARS}]{{2,}}|[{_SPACE_CHARS}]")
_INVISIBLE = re2.compile(f"[{_INVISIBLE_CHARS}]")
_BREAKS = re2.compile("\r\n?|[\u2028\u2029\x85]")
# Substring tests run at memchr speed: most texts need none of the substitutions.
_ASCII_SPACE_HINTS = ("  ", "\t", "\f", "\v")
_SPACE_HINTS = _ASCII_SPACE_HINTS + tuple(_SPACE_CHARS[3:])
# Characters str.split() takes for spaces that are not ours to collapse (ASCII separators).
_SPLIT_ONLY = "\x1c\x1d\x1e\x1f"


# What a text ``normalize_lines`` leaves as it is never holds: a line break other than \n, an
# invisible or non-ASCII space character, a tab (or \f, \v, \x1c-\x1f), two spaces in a row, a
# space at either end of a line, two blank lines in a row, or one at either end. (Every
# character str.strip() takes for a space is among them; tests/test_text_shortcuts.py checks.)
_UNNORMAL = re2.compile(
    f"(?m)[{_BREAK_CHARS}{_INVISIBLE_CHARS}{_SPACE_CHARS}{_SPLIT_ONLY}]|  |^ | $|\n\n\n|\\A\n|\n\\z"
)


def is_normal(data: bytes) -> bool:
    """Whether the text whose UTF-8 is ``data`` is what ``normalize_lines`` makes of it: its
    lines as they are (none when empty), joined. One scan, where normalising a text splits it,
    looks for each kind of space and compares line by line."""
    return _UNNORMAL.search(data) is None


def _has_any(text: str, needles: Iterable[str]) -> bool:
    return any(n in text for n in needles)


def normalize_lines(text: str) -> list[str]:
    """Split into trimmed lines with single spaces and at most one blank line between blocks."""
    ascii_only = text.isascii()
    if _has_any(text, "\r" if ascii_only else _BREAK_CHARS):
        text = _BREAKS.sub("\n", text)
    if not ascii_only and _has_any(text, _INVISIBLE_CHARS):
        text = _INVISIBLE.sub("", text)
    lines = text.split("\n")
    hints = [h for h in (_ASCII_SPACE_HINTS if ascii_only else _SPACE_HINTS) if h in text]
    if not hints:
        lines = [line.strip() for line in lines]
    elif _has_any(text, _SPLIT_ONLY):
        lines = [_SPACES.sub(" ", line).strip() for line in lines]
    else:  # str.split() knows exactly these spaces (and line breaks, gone by now); a line
        # with none of them but single ASCII spaces only needs trimming
        lines = [" ".join(ln.split()) if _has_any(ln, hints) else ln.strip() for ln in lines]
    return collapse_blank_lines(lines)


def normalize_spaces(line: str) -> str:
    """One line's spaces as ``normalize_lines`` leaves them: single ASCII spaces, trimmed, the
    invisible ones gone. Plain string methods, so a lone surrogate (before repair) is fine."""
    for ch in _INVISIBLE_CHARS:
        if ch in line:
            line = line.replace(ch, "")
    return " ".join(line.split())


def collapse_blank_lines(lines: list[str]) -> list[str]:
    """Runs of blank lines collapsed to one, blank ends dropped. A line stays when it or the
    line before it has text: one comprehension over the pairs costs less than a loop
    with appends (the chrome phase calls it after every edit)."""
    out = [line for above, line in zip(["", *lines], lines, strict=False) if line or above]
    while out and not out[-1]:
        out.pop()
    return out


def join_lines(lines: list[str]) -> str:
    return "\n".join(lines)


def count_spaced_words(text: str, normalised: bool = False, lines: list[str] | None = None) -> int:
    """``len(text.split())``. A ``normalised`` text (``normalize_lines`` joined) holds no space
    but single ASCII spaces between words and line breaks, at most one blank line in a row and
    none at either end, so counting those gives the same number without splitting the text,
    unless it keeps an ASCII separator str.split() takes for a space. ``lines``, when the caller
    has them, are ``text.split("\n")``: their count and their blanks stand for two counts of
    the text's characters."""
    if normalised and text and not _has_any(text, _SPLIT_ONLY):
        if lines is not None:
            return text.count(" ") + len(lines) - lines.count("")
        return text.count(" ") + text.count("\n") + 1 - text.count("\n\n")
    return len(text.split())
