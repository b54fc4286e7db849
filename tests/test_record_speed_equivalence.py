"""The shortcuts that make a document's non-rule steps cheaper give exactly what the plain
versions give: the ftfy pre-check, the repair loop and its re-check, normalising, and the
record's dict."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.record import Record
from cleaner.steps.normalize import (
    _SPACE_CHARS,
    collapse_blank_lines,
    join_lines,
    normalize_lines,
    normalize_spaces,
)
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
    """The repair loop without shortcuts: the whole text in the config's normal form, then
    every flagged line goes to ftfy until it changes nothing (or MAX_PASSES)."""
    form = CONFIG.normalization
    steps: dict[str, None] = {}
    if form is not None and unicodedata.normalize(form, text) != text:
        text = unicodedata.normalize(form, text)
        steps[f"normalize:{form}"] = None
    if _PLAIN_SUSPICIOUS.search(text) is None:
        return text, list(steps)
    lines = text.split("\n")
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


_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")
_RUN_OF_SPACES = re.compile(f"[ {_SPACE_CHARS}]+")
SPACED = ["  ", " ", "\t", "\xa0", "\u3000", "\u202f", "\x0b", "\x1c", "\u200b", "\r", "\r\n"]
spaced_line = st.lists(st.sampled_from([*SPACED, "a", "bc", "é", "\n"]), max_size=12).map("".join)


def reference_normalize(text: str) -> list[str]:
    """Every line with its spaces collapsed, whether it needs it or not."""
    text = re.sub("[\u200b\u2060\ufeff\u00ad]", "", _BREAKS.sub("\n", text))
    if re.search("[\x1c-\x1f]", text):  # str.split() would take these for spaces
        return collapse_blank_lines(
            [_RUN_OF_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
        )
    return collapse_blank_lines([" ".join(ln.split()) for ln in text.split("\n")])


@settings(max_examples=500, deadline=None)
@given(st.lists(spaced_line, max_size=8).map("\n".join))
def test_normalising_only_the_lines_with_spaces_to_collapse_changes_nothing(text: str) -> None:
    assert normalize_lines(text) == reference_normalize(text)


def test_a_record_dict_has_the_fields_in_declaration_order() -> None:
    names = [f.name for f in dataclasses.fields(Record)]
    record = Record(**{n: () if n in ("repairs", "rules", "steps") else {} for n in names})
    assert list(record.to_dict()) == names
