"""The fixpoint's shortcuts give what the plain steps give, on real pages (text and HTML paths):

- the normalise step skips a text the chrome step marks normal (a round that only dropped whole
  lines of a normalised text, or rewrote some into single spaces: ``keeps_normal``): each such
  text is checked to be normalised;
- repair skips a line it found it leaves alone (``settled``): the records equal those of a run
  that looks at every line again;
- a later round's fields step skips a group whose fields are all filled: the records equal
  those of a run where no group is ever skipped;
- repair skips a text the repair step left alone, or the chrome step made from one by dropping
  whole lines (``repaired``): each such text is checked to be one repair leaves alone, and the
  records equal those of a run that repairs every round;
- the record's CJK test runs on the UTF-8 bytes: it answers what the test on the text does;
- the fields, chrome and record steps share one UTF-8 encoding of the text (``Doc.utf8``): the
  records equal those of a run where each encodes (or scans the str) on its own;
- the fields step scans the groups' pattern sets through the chrome rules' memo (which the
  chrome step then finds filled): the records equal those of a run where fields scans the
  text itself, every round.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.golden import _articles
from cleaner.engine.kinds.spans import StripSpan
from cleaner.engine.rounds import Rounds
from cleaner.engine.ruleset import RuleGroup
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from cleaner.steps import document
from cleaner.steps.base import Doc, Reject
from cleaner.steps.document import Normalise, Repair
from cleaner.steps.normalize import join_lines, normalize_lines
from cleaner.steps.repair import scrub
from cleaner.words import count_cjk_words, count_words, has_cjk, has_cjk_utf8
from tests.conftest import RULES, corpora_missing

PAGES_PER_CORPUS = 40


def sample() -> Iterator[RawArticle]:
    """Seeds and the first pages of each corpus, text and HTML paths."""
    taken: dict[str, int] = {}
    # The limit stops the reader after each source's first pages (the same sample), instead of
    # scraping every corpus page only to skip it.
    for corpus, article in _articles(PAGES_PER_CORPUS):
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
    plain_repair = Cleaner.repair_checked
    found_clean = 0

    def every_line(self: Cleaner, text: str, *memo: Any) -> Any:
        # No settled lines, no lines found clean, no UTF-8 given: the whole text every time.
        nonlocal found_clean
        fixed, steps, clean = plain_repair(self, text)
        found_clean += clean
        return fixed, steps, clean

    monkeypatch.setattr(Cleaner, "repair_checked", every_line)
    plain = [cleaner.clean(a).result.to_dict() for a in sample]
    assert fast == plain
    assert found_clean > 100, "the sample must hold clean texts too"
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


def test_a_text_marked_repaired_is_left_alone_by_repair(
    articles: list[RawArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = [*articles[:150], *(_mojibake(a) for a in articles if not a.html)][:300]
    plain = Repair.__call__
    skipped = 0

    def checked(self: Repair, doc: Doc) -> Doc | Reject:
        nonlocal skipped
        if doc.text is not None and doc.text is doc.repaired:
            skipped += 1
            # What the step would do without the mark: nothing (no text change, no repairs).
            text, steps, _ = doc.ctx.repair_checked(doc.text, set(doc.settled))
            assert scrub(text) == (doc.text, [])
            assert steps == []
        return plain(self, doc)

    monkeypatch.setattr(Repair, "__call__", checked)
    cleaner = Cleaner.from_paths([RULES])
    fast = [cleaner.clean(a).result.to_dict() for a in sample]
    assert skipped > 50, "the sample must exercise the shortcut"

    def unmarked(self: Repair, doc: Doc) -> Doc | Reject:
        out = plain(self, doc.but(repaired=None))  # never skips, and marks no text
        return out if isinstance(out, Reject) else out.but(repaired=None)

    monkeypatch.setattr(Repair, "__call__", unmarked)
    slow = [cleaner.clean(a).result.to_dict() for a in sample]
    assert fast == slow
    repaired = sum(1 for r in fast if any(s.startswith("encode") for s in r.get("repairs", ())))
    assert repaired > 20, "the sample must need repairs"


_CJK_EDGES = "".join(
    chr(c)
    for lo, hi in (
        (0x3005, 0x3007),
        (0x3040, 0x30FF),
        (0x31F0, 0x31FF),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF),
        (0xFF66, 0xFF9F),
        (0x20000, 0x3134F),
    )
    for c in (lo - 1, lo, lo + 1, hi - 1, hi, hi + 1)
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CJK_EDGES + "a é\n’\u3004\u3006") | st.characters()))
def test_the_cjk_test_on_bytes_answers_as_on_text(text: str) -> None:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the record's text never holds one (scrub)
        return
    assert has_cjk_utf8(data) is has_cjk(text)
    if has_cjk(text):
        assert count_cjk_words(text) == count_words(text)


def test_sharing_the_utf8_changes_no_record(
    articles: list[RawArticle], records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Doc, "utf8", property(lambda self: None))
    cleaner = Cleaner.from_paths([RULES])
    plain = [cleaner.clean(a).result.to_dict() for a in articles]
    assert plain == records
    assert sum(1 for r in records if r.get("rules")) > 50, "chrome rules must fire"


def test_fields_through_the_chrome_memo_changes_no_record(
    articles: list[RawArticle], records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_extract = document.run_extract
    used = 0

    def own_scan(*args: Any, matches: Any = None, **kwargs: Any) -> Any:
        nonlocal used
        used += matches is not None
        return plain_extract(*args, **kwargs)

    monkeypatch.setattr(document, "run_extract", own_scan)
    cleaner = Cleaner.from_paths([RULES])
    plain = [cleaner.clean(a).result.to_dict() for a in articles]
    assert plain == records
    assert used > 100, "the memo must be offered"
    assert sum(1 for r in records if r.get("title")) > 50, "fields must be found"
