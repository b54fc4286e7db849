"""Learned chrome's shapes (lines that differ only in their numbers) that the miner doubts,
their lines sitting inside its estimate of the article window: with ``trust_shapes`` such a
shape runs when it repeats on a page (a list's lines, not the article's headline or dateline)
and no variant of it is inside a body run on any sampled page."""

from __future__ import annotations

import re
from typing import Any

from cleaner.stages.learn import LearnChrome
from tests.test_learn_chrome import lines_after, records

SITE = "zorblat.example"


def with_line(recs: list[dict[str, Any]], make: Any, inside: int | None = None) -> None:
    """Put ``make(i)`` between each page's headline and its first paragraph (on page
    ``inside``: between its second and third paragraphs, inside the body run)."""
    for i, r in enumerate(recs):
        lines = r["text"].split("\n\n")
        at = lines.index(f"Story {i} of the day") + (3 if i == inside else 1)
        r["text"] = "\n\n".join([*lines[:at], make(i), *lines[at:]])


def stage(trust: bool) -> LearnChrome:
    return LearnChrome(min_docs=10, share=20, sample=1000, trust_shapes=trust)


def pack(trust: bool, recs: list[dict[str, Any]]) -> str:
    return stage(trust).seal(stage(trust).scan(recs)).packs.get(SITE, "")


def live(yaml: str, pattern: str) -> bool:
    rows = [x for x in yaml.splitlines() if pattern in x]
    assert rows, f"the miner proposes {pattern!r}"
    return not any(x.lstrip().startswith("#") for x in rows)


def counter(i: int) -> str:
    return f"{i * 7 % 50 + 2} readers recommend"


def counters(i: int) -> str:
    """Two a page, as under a list of comments."""
    return f"{counter(i)}\n\n{i * 3 % 40 + 60} readers recommend"


def test_a_doubted_shape_runs_matching_its_variants_and_nothing_else() -> None:
    recs = records(20)
    others = ["No readers recommend", "12 readers recommend this"]
    with_line(recs, lambda i: "\n\n".join([counters(i), *others]) if i == 5 else counters(i))
    pattern = "'^\\d+ readers recommend$'"
    assert not live(pack(False, recs), pattern)  # off: written commented out, as before
    assert live(pack(True, recs), pattern)
    for i, kept in enumerate(lines_after(stage(True), recs)):
        assert not [x for x in kept if re.fullmatch(r"\d+ readers recommend", x)]
        if i == 5:  # the same words without a number, or with more, are other lines
            assert [x for x in kept if "readers" in x] == others


def test_a_variant_inside_a_body_run_holds_the_whole_shape_back() -> None:
    recs = records(20)
    with_line(recs, counters, inside=7)
    assert not live(pack(True, recs), "'^\\d+ readers recommend$'")
    for i, (r, kept) in enumerate(zip(recs, lines_after(stage(True), recs), strict=True)):
        assert counter(i) in kept, r["id"]


def test_a_shape_once_a_page_stays_doubted() -> None:  # a dateline, a headline
    recs = records(20)
    with_line(recs, lambda i: f"Updated {i % 12 + 1}:{i * 7 % 60:02d} PM")
    assert not live(pack(True, recs), "'^Updated \\d+:\\d+ PM$'")
    for i, kept in enumerate(lines_after(stage(True), recs)):
        assert f"Updated {i % 12 + 1}:{i * 7 % 60:02d} PM" in kept
