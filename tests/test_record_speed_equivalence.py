"""The shortcuts that make a document's non-rule steps cheaper give exactly what the plain
versions give: the ftfy pre-check, the repair loop and its re-check."""

from __future__ import annotations

import re

import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.steps.normalize import join_lines, normalize_lines, normalize_spaces
from cleaner.steps.repair import (
    _ENTITY,
    _SUSPICIOUS_CHARS,
    MAX_PASSES,
    make_ftfy_config,
    needs_repair,
    repair,
)

CONFIG = make_ftfy_config()
# The pre-check as one search on the str (Python's re sees lone surrogates, RE2 cannot).
_PLAIN_SUSPICIOUS = re.compile(_SUSPICIOUS_CHARS + "|" + _ENTITY + "|[\ud800-\udfff]")

# Pieces of what repair meets: mojibake, C0/C1 controls, entities, NBSPs, a '<' (which turns
# ftfy's HTML unescaping off), ligatures, replacement characters, lone surrogates, plain words.
PIECES = [
    "Ã©",
    "â€™",
    "â€",
    "Â\x80",
    "Ã\xa0",
    "Â",
    "Ã",
    "\xa0",
    "\x80",
    "\x92",
    "\x00",
    "\x0b",
    "\x1b[1m",
    "\x7f",
    "&amp;",
    "&amp;lt;",
    "&lt;",
    "&#39;",
    "&#x2019;",
    "<",
    "<b>",
    "\ufb01",
    "\ufffd",
    "\ud800",
    "\u200b",
    "  ",
    " ",
    "\t",
    "é",
    "’",
    "中文",
    "word",
]
line = st.lists(st.sampled_from(PIECES), max_size=14).map("".join) | st.text(max_size=30)
document = st.lists(line, max_size=8).map("\n".join)


def reference_repair(text: str) -> tuple[str, list[str]]:
    """The repair loop without shortcuts: every flagged line goes to ftfy until it changes
    nothing (or MAX_PASSES)."""
    if _PLAIN_SUSPICIOUS.search(text) is None:
        return text, []
    lines = text.split("\n")
    steps: dict[str, None] = {}
    for i, one in enumerate(lines):
        for n in range(MAX_PASSES):
            if _PLAIN_SUSPICIOUS.search(one) is None:
                break
            if n:
                one = normalize_spaces(one)
            fixed = ftfy.fix_and_explain(one, CONFIG)
            if fixed.text == one:
                break
            steps.update(dict.fromkeys(f"{a}:{b}" for a, b in (fixed.explanation or [])))
            one = fixed.text
        lines[i] = one
    return "\n".join(lines), list(steps)


@settings(max_examples=500, deadline=None)
@given(document)
def test_the_precheck_flags_what_one_search_of_the_pattern_finds(text: str) -> None:
    assert needs_repair(text) == (_PLAIN_SUSPICIOUS.search(text) is not None)
    for one in text.split("\n"):
        assert needs_repair(one) == (_PLAIN_SUSPICIOUS.search(one) is not None)


@settings(max_examples=300, deadline=None)
@given(document)
def test_repair_and_its_recheck_give_what_the_plain_loop_gives(text: str) -> None:
    settled: set[str] = set()
    assert repair(text, CONFIG, settled) == reference_repair(text)
    # The re-check of a cleaned document: its lines normalised, the set of the first call kept.
    cleaned = join_lines(normalize_lines(repair(text, CONFIG)[0]))
    assert repair(cleaned, CONFIG, settled) == reference_repair(cleaned)
