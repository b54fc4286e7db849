"""The fixpoint's shortcuts give what the plain steps give, on real pages (text and HTML paths):

- the normalise step skips a text the chrome step marks normal (a round that only dropped whole
  lines of a normalised text, or rewrote some into single spaces: ``keeps_normal``): each such
  text is checked to be normalised;
- repair skips a line it found it leaves alone (``settled``): the records equal those of a run
  that looks at every line again;
- a later round's fields step skips a group whose fields are all filled: the records equal
  those of a run where no group is ever skipped.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from bench.golden import _articles
from cleaner.engine.kinds.spans import StripSpan
from cleaner.engine.rounds import Rounds
from cleaner.engine.ruleset import RuleGroup
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from cleaner.steps.base import Doc, Reject
from cleaner.steps.document import Normalise
from cleaner.steps.normalize import join_lines, normalize_lines
from cleaner.words import count_words, has_cjk
from tests.conftest import RULES, corpora_missing

PAGES_PER_CORPUS = 40


def sample() -> Iterator[RawArticle]:
    """Seeds and the first pages of each corpus, text and HTML paths."""
    taken: dict[str, int] = {}
    for corpus, article in _articles(None):
        taken[corpus] = taken.get(corpus, 0) + 1
        if taken[corpus] <= PAGES_PER_CORPUS:
            yield article
        if len(taken) > 6 and all(n >= PAGES_PER_CORPUS for n in taken.values()):
            return


@pytest.fixture(scope="module")
def articles() -> list[RawArticle]:
    if reason := corpora_missing():
        pytest.skip(reason)
    return list(itertools.islice(sample(), 400))


def test_a_text_marked_normal_is_normalised(
    articles: list[RawArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = Normalise.__call__
    skipped = 0

    def checked(self: Normalise, doc: Doc) -> Doc | Reject:
        nonlocal skipped
        if doc.text is not None and doc.text is doc.normal:
            skipped += 1
            assert join_lines(normalize_lines(doc.text)) == doc.text
        return plain(self, doc)

    plain_strip = StripSpan.apply
    stripped = 0

    def counted(self: StripSpan, lines: list[str], matches: object = None) -> list[str] | None:
        nonlocal stripped
        out = plain_strip(self, lines, matches)  # type: ignore[arg-type]
        stripped += out is not None
        return out

    monkeypatch.setattr(Normalise, "__call__", checked)
    monkeypatch.setattr(StripSpan, "apply", counted)
    cleaner = Cleaner.from_paths([RULES])
    for article in articles:
        cleaner.clean(article)
    assert skipped > 50, "the sample must exercise the shortcut"
    assert stripped > 2, "the sample must rewrite lines too (tests/test_chrome_normal.py: more)"


@pytest.fixture(scope="module")
def records(articles: list[RawArticle]) -> list[dict[str, Any]]:
    """The sample cleaned with every shortcut on."""
    cleaner = Cleaner.from_paths([RULES])
    return [cleaner.clean(a).result.to_dict() for a in articles]


def test_skipping_filled_groups_changes_no_record(
    articles: list[RawArticle], records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cleaner = Cleaner.from_paths([RULES])
    fast = records
    # A field name no rule fills: no group ever has all its fields filled.
    groups: list[RuleGroup] = [cleaner.rules.generic, *cleaner.rules.site_groups.values()]
    for group in groups:
        monkeypatch.setattr(group, "extract_fields", frozenset({"(never filled)"}))
    plain = [cleaner.clean(a).result.to_dict() for a in articles]
    assert fast == plain
    assert sum(1 for r in fast if r.get("date_published")) > 20, "fields must be found"


@pytest.mark.parametrize(("limit", "settled", "runs"), [(10, True, 7), (2, False, 6)])
def test_rounds_stop_once_every_step_in_a_row_left_the_value_alone(
    limit: int, settled: bool, runs: int
) -> None:
    # Three steps; only the first changes the value, until it reaches 2. Round 1: it changes
    # (0 -> 1), round 2: it changes (1 -> 2) and the two after it run quiet; in round 3 it is
    # quiet too: three quiet runs in a row end the loop after 7 runs. A limit of 2 rounds
    # ends after 6, unsettled.
    value, ran = 0, 0
    schedule = Rounds(3, limit)
    for i, _ in schedule:
        ran += 1
        if i == 0 and value < 2:
            value += 1
            schedule.changed()
    assert schedule.settled is settled
    assert ran == runs


def _mojibake(article: RawArticle) -> RawArticle:
    """The article's text as UTF-8 read as cp1252, every other line: what repair is for."""
    data = (
        article.data if isinstance(article.data, str) else article.data.decode("utf-8", "replace")
    )
    lines = data.split("\n")
    for i in range(0, len(lines), 2):
        lines[i] = lines[i].encode("utf-8").decode("cp1252", "replace")
    return dataclasses.replace(article, data="\n".join(lines))


def test_skipping_settled_lines_changes_no_record(
    articles: list[RawArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = [*articles[:100], *(_mojibake(a) for a in articles if not a.html)][:300]
    cleaner = Cleaner.from_paths([RULES])
    fast = [cleaner.clean(a).result.to_dict() for a in sample]
    plain_repair = Cleaner.repair_text

    def every_line(self: Cleaner, text: str, settled: set[str] | None = None) -> Any:
        return plain_repair(self, text, None)

    monkeypatch.setattr(Cleaner, "repair_text", every_line)
    plain = [cleaner.clean(a).result.to_dict() for a in sample]
    assert fast == plain
    repaired = sum(1 for r in fast if any(s.startswith("encode") for s in r.get("repairs", ())))
    assert repaired > 20, "the sample must need repairs"


def test_counting_words_without_splitting_gives_what_split_gives(
    records: list[dict[str, Any]],
) -> None:
    # The plain path is cleaner.words.count_words (len(text.split()) for text without CJK
    # characters); a reject keeps its record under "record".
    made = [r.get("record", r) for r in records]
    made = [r for r in made if "n_words" in r]
    assert len(made) > 100, "records must be made"
    assert [r["n_words"] for r in made] == [count_words(r["text"]) for r in made]
    assert any(has_cjk(r["text"]) for r in made), "the sample must hold CJK text too"
