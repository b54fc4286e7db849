"""``Doc.but``, the copy every step that changes a document makes, gives what the plain copy
(``dataclasses.replace``, through ``__init__``) gives, and keeps CPython's attribute fast path.

The copy's dict is made with ``dict()``, not ``.copy()``: a copy of an instance's shared-key
(split) dict stays split, and an object whose ``__dict__`` is set to a split dict misses the
interpreter's specialised attribute loads, so each ``doc.x`` would take the generic lookup.
"""

from __future__ import annotations

import dataclasses
import itertools
import platform
import sys
from typing import Any

import pytest

from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from cleaner.steps.base import Doc
from tests.conftest import RULES, corpora_missing
from tests.test_step_shortcuts import sample

CHANGES: list[dict[str, Any]] = [
    {"text": "two\nlines"},
    {"text": "a", "line_cache": ["a"]},
    {"fields": {"title": "T"}, "round": 3},
    {"lang": "en", "lang_score": 0.5, "settled": {"x"}},
]


def _plain_but(self: Doc, **changes: Any) -> Doc:
    """The copy through ``__init__`` and its field checks (what ``but`` stands in for)."""
    if "text" in changes and "line_cache" not in changes:
        changes["line_cache"] = None
    return dataclasses.replace(self, **changes)


def _doc() -> Doc:
    raw = RawArticle("id", "src", "one\ntwo", url="https://example.com/a")
    doc = Doc(raw, None, text="one\ntwo", chars_in=7)  # type: ignore[arg-type]
    doc.lines  # noqa: B018 - fills the line cache, which a new text must drop
    return doc


@pytest.mark.parametrize("changes", CHANGES)
def test_a_copy_holds_what_the_plain_copy_holds(changes: dict[str, Any]) -> None:
    doc = _doc()
    fast, plain = doc.but(**changes), _plain_but(doc, **dict(changes))
    for f in dataclasses.fields(Doc):
        assert getattr(fast, f.name) == getattr(plain, f.name), f.name
    assert fast.line_cache == (changes.get("line_cache") if "text" in changes else ["one", "two"])
    # A copy of a copy too (the second copy's dict is no instance's own).
    again = fast.but(round=7)
    assert again.round == 7
    assert again.text == fast.text


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="Doc has no field colour"):
        _doc().but(colour="red")


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="CPython's dict layout")
def test_a_copy_has_a_combined_dict() -> None:
    # A split dict does not count the keys it shares, so it is smaller than the same items in
    # a dict of its own: equal sizes say the copy's dict is combined (attribute fast path).
    for doc in (_doc().but(round=2), _doc().but(round=2).but(text="x")):
        assert sys.getsizeof(doc.__dict__) == sys.getsizeof(dict(doc.__dict__))


def test_records_equal_those_of_the_plain_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    if reason := corpora_missing():
        pytest.skip(reason)
    # Seeds and the first pages of each corpus, text and HTML paths.
    articles = list(itertools.islice(sample(), 80))
    cleaner = Cleaner.from_paths([RULES])
    fast = [cleaner.clean(a).result for a in articles]
    monkeypatch.setattr(Doc, "but", _plain_but)
    plain = [cleaner.clean(a).result for a in articles]
    assert fast == plain
    assert sum(1 for r in fast if isinstance(r, Record)) > 30, "records must be made"
