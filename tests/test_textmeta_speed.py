"""``text_date`` and ``text_title`` scan less than their definition says; these tests hold them to
the definition.

The fast path runs the date forms only over the lines that hold a year, remembers each line's
dates by its text (for the other date rule and the later fixpoint rounds) and the last scan,
picks the headline candidates whose first characters the title line holds before the loop, and
keeps the last headline found. The plain path, kept here, scans the whole region once per form
and tries every line as a headline. Both run on generated lines with dates in every form (and
near misses), and on real scrapes when the corpus is present.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.engine.kinds.textdates import _MONTHS, Found, _Memo
from cleaner.engine.kinds.textmeta import (
    _SEPARATORS,
    _SPLIT,
    TextDate,
    TextDateOptions,
    TitleOptions,
    _cjk,
    _fold,
    _Last,
    find_title,
)
from cleaner.steps.normalize import normalize_lines
from cleaner.words import word_estimate
from tests.conftest import SEEDS
from tests.ctf import site_pages

KIND = TextDate(TextDateOptions(field="date_published", labels="published", unlabelled=True))
NARROW = TextDate(
    TextDateOptions(field="date_published", labels="published", first_lines=5, max_words=4)
)
TITLE = TitleOptions()


def _nonblank(lines: list[str], limit: int) -> list[int]:
    return [i for i, line in enumerate(lines[: 2 * limit]) if line][:limit]


def plain_found(kind: TextDate, lines: list[str]) -> list[Found]:
    """Every date in the first lines: each form over the whole region's text."""
    region = _nonblank(lines, kind.options.first_lines)
    if not region:
        return []
    text = "\n".join(lines[: region[-1] + 1])
    out: list[Found] = []
    for form, regex in kind.forms:
        for m in regex.finditer(text):
            at = m.start(1)
            i = text.count("\n", 0, at)
            if word_estimate(lines[i]) <= kind.options.max_words:  # CJK: about 2 chars a word
                out.append(_plain_read(form, m, i, at - text.rfind("\n", 0, at) - 1))
    out.sort(key=lambda f: (f.line, f.start))
    return out


def _plain_read(form: str, m: Any, line: int, at: int) -> Found:
    g = m.group
    if form == "mdy":
        return Found(line, at, int(g(3)), _MONTHS[g(1).casefold()], int(g(2)), form)
    if form == "dmy":
        return Found(line, at, int(g(3)), _MONTHS[g(2).casefold()], int(g(1)), form)
    if form == "ymd":
        month, day = g(2) or g(4) or g(6), g(3) or g(5) or g(7)
        return Found(line, at, int(g(1)), int(month), int(day), form)
    if form == "num":
        if g(2) == ".":
            return Found(line, at, int(g(4)), int(g(3)), int(g(1)), "ymd")
        return Found(line, at, int(g(4)), int(g(1)), int(g(3)), form)
    return Found(line, at, int(g(1)), int(g(2)), int(g(3)), form)


def plain_title(lines: list[str], opts: TitleOptions) -> tuple[int, str] | None:
    """The headline: every line of the region tried against every title line."""
    region = _nonblank(lines, opts.first_lines)
    if not region:
        return None
    folded = [_fold(line) for line in lines[: region[-1] + 1]]
    best: tuple[bool, int, int] | None = None
    for t in region[: opts.title_lines]:
        whole = folded[t]
        for i in region:
            head = folded[i]
            if i == t or not opts.min_chars <= len(head) <= len(whole) or head[:8] not in whole:
                continue
            copy = head == whole
            if copy:
                if len(head.split()) < 3 and not _cjk(head):
                    continue
            else:
                at = whole.find(head)
                if at < 0:
                    continue
                before, after = whole[:at].rstrip(), whole[at + len(head) :].lstrip()
                if (before and before[-1] not in _SEPARATORS) or (
                    after and after[0] not in _SEPARATORS
                ):
                    continue
                if max(map(len, _SPLIT.split(before + " " + after))) >= len(head):
                    continue
            key = (copy, -len(head), i)
            if best is None or key < best:
                best = key
    return None if best is None else (best[2], " ".join(lines[best[2]].split()))


def forget() -> None:
    _Memo.lines.clear()
    _Memo.last = None
    _Last.entry = None


def assert_same(lines: list[str]) -> None:
    """Fresh, from the last scan, from the per-line memo, and after lines dropped (a later
    round): the fast answers equal the plain ones."""
    for kind in (KIND, NARROW):
        want = plain_found(kind, lines)
        forget()
        assert kind.found(lines) == want
        assert kind.found(lines) == want  # the last scan
        _Memo.last = None
        assert kind.found(list(lines)) == want  # each line's memo
    forget()
    assert find_title(lines, TITLE) == plain_title(lines, TITLE)
    assert find_title(lines, TITLE) == plain_title(lines, TITLE)
    fewer = lines[::2]
    assert KIND.found(fewer) == plain_found(KIND, fewer)
    assert find_title(fewer, TITLE) == plain_title(fewer, TITLE)


# --- generated lines ---------------------------------------------------------------------------

MONTH_NAMES = [*sorted(_MONTHS), "MAY", "Sept.", "Dec.", "ſept", "Mayo", "Marc"]
YEARS = ["2023", "1999", "2031", "1899", "20234", "٢٠٢٣", "19", "2019"]
NUMBERS = ["1", "03", "12", "13", "25", "31", "32", "0", "5th", "2nd", "1.2"]


@st.composite
def date_piece(draw: st.DrawFn) -> str:
    y, m, d = (
        draw(st.sampled_from(YEARS)),
        draw(st.sampled_from(MONTH_NAMES)),
        draw(st.sampled_from(NUMBERS)),
    )
    n = draw(st.sampled_from(NUMBERS))
    sep = draw(st.sampled_from(["-", "/", ".", " "]))
    return draw(
        st.sampled_from(
            [
                f"{m} {d}, {y}",
                f"{m} {d} {y}",
                f"{d} {m} {y}",
                f"{d} of {m}, {y}",
                f"{y}{sep}{n}{sep}{d}",
                f"{d}{sep}{n}{sep}{y}",
                f"{y}年{n}月{d}日",
                f"{y} 년 {n} 월 {d} 일",
                f"{y}",
                f"Published: {d}/{n}/{y}",
            ]
        )
    )


WORDS = ["Big", "story", "news", "By", "Jane", "Doe", "|", "-", "Site", "1.2.", "12345", "·", "é"]
piece = st.one_of(date_piece(), st.sampled_from(WORDS))
glue = st.sampled_from(["", " ", ", ", "-", "/", ".", " | "])
line = st.one_of(
    st.just(""),
    st.builds(lambda ps, g: g.join(ps), st.lists(piece, min_size=1, max_size=8), glue),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=0, max_size=30))
def test_generated_lines_give_the_plain_answers(lines: list[str]) -> None:
    assert_same(lines)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["Big story today", "Site", "Home", "Story"]), max_size=6),
    st.sampled_from([" - ", " | ", ": ", " ", " — "]),
    st.lists(line, max_size=8),
)
def test_generated_titles_give_the_plain_answers(
    words: list[str], sep: str, rest: list[str]
) -> None:
    head = " ".join(words)
    lines = [f"{head}{sep}Site News", "Menu", *rest, head, "Body text."]
    assert_same(lines)


def test_every_form_gives_the_plain_answers() -> None:
    """Every form is found by both paths on lines like the generator's."""
    rng = random.Random(7)
    forms = set()
    for _ in range(50):
        lines = [
            rng.choice(
                ["May 5, 2023", "5 May 2023", "2023-05-10", "25/04/2023", "2023年5月10日", "x"]
            )
            for _ in range(4)
        ]
        assert_same(lines)
        forms.update(f.form for f in KIND.found(lines))
    assert forms == {"mdy", "dmy", "ymd", "num", "cjk"}


# --- real pages --------------------------------------------------------------------------------


def seed_pages() -> Iterator[str]:
    for path in sorted(SEEDS.glob("*.txt")):
        yield path.read_text("utf-8")


@pytest.mark.parametrize("text", list(seed_pages()), ids=lambda t: t[:20])
def test_seed_pages_give_the_plain_answers(text: str) -> None:
    lines = normalize_lines(text)
    assert_same(lines)


@pytest.mark.parametrize("site", ["news.bbc.co.uk", "www.cnn.com", "www.foxnews.com"])
def test_real_scrapes_give_the_plain_answers(site: str) -> None:
    pages = site_pages(site)
    dated = 0
    for page in pages[:40]:
        lines = normalize_lines(page.scrape)
        assert_same(lines)
        dated += bool(plain_found(KIND, lines))
    assert dated, "no page held a date: the comparison showed nothing"


def test_a_year_in_other_digits_is_no_date() -> None:
    """The year prefilter looks for ASCII digits; RE2's [0-9] reads no others either."""
    lines = ["Published ٢٠٢٣-05-10", "Published 2023-05-10"]
    forget()
    assert [f.line for f in KIND.found(lines)] == [1]
    assert plain_found(KIND, lines) == KIND.found(lines)


def test_a_month_with_a_long_s_is_read() -> None:
    """RE2 matches "ſept" (a long s) case-insensitively as "sept"; the month table is read
    with the name case-folded, so the date is read instead of failing on the name."""
    lines = normalize_lines("Story - Site\nStory\nPublished ſept 3, 2021\nBody.")
    assert KIND.extract(lines) == "2021-09-03"
