"""Encoding repair with ftfy, behind a cheap pre-check so clean text pays (almost) nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import ftfy

from cleaner.steps.normalize import normalize_spaces

# Decided on purpose: typographic quotes are real text, so they stay (ftfy would straighten
# them), and full-width CJK punctuation stays too. Everything else is ftfy's default.
DEFAULT_FTFY: dict[str, Any] = {"uncurl_quotes": False, "fix_character_width": False}

# What ftfy could change: UTF-8 read as cp1252/Latin-1 (an accented lead byte and a
# continuation), C1 and other control characters, ligatures, lone surrogates, HTML entities,
# replacement characters. Text with none of these is returned as it is.
_SUSPICIOUS = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
    "\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153"
    "\u017e\u0178]"
    "|[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufb00-\ufb06\ud800-\udfff\ufffd]"
    "|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});"
)


MAX_PASSES = 4


def make_ftfy_config(options: Mapping[str, Any] | None = None) -> ftfy.TextFixerConfig:
    merged = {**DEFAULT_FTFY, **(options or {}), "explain": True}
    return ftfy.TextFixerConfig(**merged)


def needs_repair(text: str) -> bool:
    return _SUSPICIOUS.search(text) is not None


def repair(text: str, config: ftfy.TextFixerConfig) -> tuple[str, list[str]]:
    """Return the repaired text and the ftfy steps applied, e.g. ``["encode:sloppy-windows-1252"]``."""
    steps: list[str] = []
    # One ftfy pass can uncover more to fix ('\xa0Â\x80' -> '\xa0Â€', and without the NBSP
    # 'Â€' -> '€'); repeat until nothing changes, so that repairing repaired text changes
    # nothing. Later passes see spaces as the next step leaves them: a NBSP next to mojibake
    # hides it from ftfy, and the normaliser turns it into a space anyway.
    for i in range(MAX_PASSES):
        if not needs_repair(text):
            break
        if i:
            text = normalize_spaces(text)
        fixed = ftfy.fix_and_explain(text, config)
        if fixed.text == text:
            break
        steps += [f"{action}:{name}" for action, name in (fixed.explanation or [])]
        text = fixed.text
    return text, steps


# What no output may hold, whatever the repair settings: a lone surrogate cannot be written as
# UTF-8, and a NUL byte breaks many downstream tools.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def scrub(text: str) -> tuple[str, list[str]]:
    """Drop NUL bytes and replace lone surrogates with U+FFFD; say which was done."""
    if _UNSAFE.search(text) is None:
        return text, []
    steps = []
    if "\x00" in text:
        text = text.replace("\x00", "")
        steps.append("scrub:nul")
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub("\ufffd", text)
        steps.append("scrub:lone-surrogate")
    return text, steps
