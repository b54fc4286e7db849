"""The shortcuts that make a document's non-rule steps cheaper give exactly what the plain
versions give."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.steps.repair import (
    _ENTITY,
    _SUSPICIOUS_CHARS,
    needs_repair,
)

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


@settings(max_examples=500, deadline=None)
@given(document)
def test_the_precheck_flags_what_one_search_of_the_pattern_finds(text: str) -> None:
    assert needs_repair(text) == (_PLAIN_SUSPICIOUS.search(text) is not None)
    for one in text.split("\n"):
        assert needs_repair(one) == (_PLAIN_SUSPICIOUS.search(one) is not None)
