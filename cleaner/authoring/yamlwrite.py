"""Write rule-pack YAML by hand, so drafts keep comments, key order and readable scalars.

Only what packs need: scalars (quoted so that no text can change its type), flow lists, and
literal blocks for multi-line examples. The result is always read back by the loader.
"""

from __future__ import annotations

import re

# Characters YAML reads back as themselves unquoted; anything else is escaped: controls, the
# line breaks NEL, LS and PS, and the byte-order mark.
_UNPRINTABLE = re.compile(
    "[^\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n"}


def _escape_char(m: re.Match[str]) -> str:
    c = m.group()
    return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"


def double_quoted(text: str) -> str:
    body = "".join(_ESCAPES.get(c, c) for c in text)
    return '"' + _UNPRINTABLE.sub(_escape_char, body) + '"'


def scalar(text: str) -> str:
    """A YAML string scalar: single quotes (backslashes stay literal, good for regexes) unless
    the text needs escapes."""
    if "\n" in text or _UNPRINTABLE.search(text):
        return double_quoted(text)
    return "'" + text.replace("'", "''") + "'"


def text_block(key: str, text: str, indent: int) -> list[str]:
    """``key: |-`` and the text as a literal block, or a quoted scalar when a block cannot hold
    it exactly (unprintable characters, leading spaces, blank lines at the ends)."""
    pad = " " * indent
    lines = text.split("\n")
    blockable = (
        "\n" in text
        and not _UNPRINTABLE.search(text.replace("\n", ""))
        and lines[0].strip() != ""
        and not lines[0].startswith(" ")
        and lines[-1].strip() != ""
        and all(line == line.rstrip() for line in lines)
    )
    if not blockable:
        return [f"{pad}{key}: {scalar(text)}"]
    inner = pad + "  "
    return [f"{pad}{key}: |-"] + [inner + line if line else "" for line in lines]


def flow_list(items: list[str]) -> str:
    return "[" + ", ".join(scalar(i) for i in items) + "]"
