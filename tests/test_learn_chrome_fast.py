"""Learned chrome's and the miner's shortcuts give the plain path's answers: the body-run check
that runs only the pages a rule's regex can touch, the near-miss search over one joined text,
and the page layouts from each distinct line's score and key."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from cleaner.authoring import mining, spans
from cleaner.authoring.draft import make_rule, render
from cleaner.authoring.suggest import _containing, _folded, prepare, suggest
from cleaner.authoring.suggest import _run as suggest_run
from cleaner.engine.load import Rule
from cleaner.engine.ruleset import RuleGroup, run_chrome
from cleaner.stages.learn import _may_change, _touches_body

WORDS = ["Budget", "river", "Read more", "Share:", "ß", "STRASSE", "İstanbul", "2024", "x"]


def _line(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))


def _pages(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    common = [_line(rng) for _ in range(6)]
    return [
        [
            rng.choice(common) if rng.random() < 0.4 else _line(rng)
            for _ in range(rng.randint(1, 12))
        ]
        for _ in range(12)
    ]


RULES: list[tuple[str, dict[str, Any]]] = [
    ("drop_line", {"pattern": "^Read more", "max_words": 3}),
    ("drop_line", {"pattern": r"\d+$"}),
    ("drop_line", {"pattern": "river", "first_lines": 2}),
    ("drop_line", {"pattern": "^Share:", "followed_by": "^x"}),  # drops the next line too
    ("drop_line", {"lines": ["x", "river"]}),
    ("strip_span", {"prefix": "Share: "}),
    ("strip_span", {"suffix": " x"}),
    ("strip_span", {"pattern": "(?i)strasse", "first_lines": 2}),
    ("drop_duplicate_line", {"first_lines": 3}),  # not a line rule: every page is run
]


def _plain(rule: Rule, pages: list[list[str]], bodies: list[Counter[str]]) -> bool:
    group = [RuleGroup([rule])]
    for lines, body in zip(pages, bodies, strict=True):
        if not body:
            continue
        out, _ = run_chrome(group, lines)
        left = Counter(out)
        if any(left[line] < n for line, n in body.items()):
            return True
    return False


@pytest.mark.parametrize("seed", range(6))
def test_the_body_check_answers_as_running_every_page(seed: int) -> None:
    pages = _pages(seed)
    rng = random.Random(seed)
    bodies = [Counter(line for line in p if rng.random() < 0.3) for p in pages]
    body_lines = sorted({line for body in bodies for line in body})
    answers = []
    for n, (kind, options) in enumerate(RULES):
        rule = make_rule(f"r{n}", kind, options)
        answers.append(_touches_body(rule, pages, bodies, body_lines))
        assert answers[-1] == _plain(rule, pages, bodies), (kind, options)
    assert any(answers)
    assert not all(answers)


def test_only_line_rules_with_a_line_local_regex_narrow_the_pages() -> None:
    lines = ["Read more here", "river x", "Share: it"]
    assert _may_change(make_rule("a", "drop_line", {"pattern": "^Read"}), lines) == {
        "Read more here"
    }
    assert _may_change(make_rule("b", "strip_span", {"suffix": " x"}), lines) == {"river x"}
    followed = make_rule("c", "drop_line", {"pattern": "^Share", "followed_by": "^x"})
    assert _may_change(followed, lines) is None
    assert _may_change(make_rule("d", "drop_duplicate_line", {"first_lines": 3}), lines) is None


@pytest.mark.parametrize("needle", ["", "ss", "strasse", "İ", "i̇", "read more", "x", "zzz", "e r"])
def test_near_misses_are_found_as_a_scan_of_every_line_finds_them(needle: str) -> None:
    corpus = mining.Corpus([*_pages(1), ["Straße x", "İstanbul river", "Read More now"]], 0.02)
    lines = sorted(corpus.df, key=lambda line: (len(line), line))
    plain = [line for line in lines if needle.casefold() in line.casefold()]
    assert list(_containing(corpus, needle.casefold())) == plain
    assert _folded(corpus) is _folded(corpus)  # built once per corpus


@pytest.mark.parametrize("seed", range(4))
def test_layouts_from_remembered_scores_and_keys_are_the_plain_ones(seed: int) -> None:
    pages = _pages(seed)
    pages[0] = ["Budget river Read more", "x", "budget RIVER read-more"]  # the title repeated
    corpus = mining.Corpus(pages, 0.2)

    def plain(lines: list[str]) -> mining.Layout:
        corpus.scores = {line: corpus._score(line) for line in lines}  # scored afresh
        title_only = bool(lines) and not corpus.common(lines[0]) and mining._title_only(lines)
        layout = corpus._layout(lines)
        assert layout.title_only == title_only
        return layout

    assert corpus.layouts == [plain(lines) for lines in pages]
    assert corpus.layouts[0].title_only is False


def test_suggest_from_prepared_pages_unchecked_writes_the_same_draft() -> None:
    rng = random.Random(7)
    texts = [
        "\n".join(["Site News | Home", f"Headline {n} {_line(rng)}", _line(rng), "Share: this"])
        for n in range(8)
    ]
    pages = [p for p in prepare(texts) if p]
    plain = suggest("example.com", texts, with_fields=False, with_shapes=True)
    fast = suggest(
        "example.com", texts, with_fields=False, with_shapes=True, pages=pages, check=False
    )
    assert fast.candidates
    assert render(fast) == render(plain)


@pytest.mark.parametrize("seed", range(4))
def test_spans_from_the_lines_whose_edge_recurs_are_the_spans_from_all_lines(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    pages = [
        [f"Site News | {_line(rng)}", f"{_line(rng)} - Site", _line(rng), f"Read: {_line(rng)}"]
        for _ in range(10)
    ]
    corpus = mining.Corpus(pages, 0.2)
    kept = [list(range(len(p))) for p in pages]
    fast = spans.choose_spans(corpus, kept)
    monkeypatch.setattr(spans, "_edge", lambda line, suffix: "")  # one edge: every line searched
    plain = spans.choose_spans(corpus, kept)
    assert fast
    assert fast == plain


def test_a_rule_run_again_gives_what_a_fresh_compile_gives() -> None:
    rule = make_rule("r", "strip_span", {"prefix": "Share: "})
    other = make_rule("o", "drop_line", {"pattern": "^x$"})
    lines = ["Share: Share: it", "x"]
    fresh = run_chrome([RuleGroup([rule])], lines)[0]
    assert suggest_run(rule, lines) == fresh == ["it", "x"]
    assert suggest_run(other, lines) == ["Share: Share: it"]
    assert suggest_run(rule, lines) == fresh
