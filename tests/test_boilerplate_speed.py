"""The boilerplate model's shortcuts give what the plain path gives: a line's measures by bytes
and RE2 equal the regex-by-regex measures, and the fast scorer's fixpoint drops the same lines as
scoring every line with the features training sees (``chrome_scores``) until nothing more goes."""

from __future__ import annotations

import math
import re
from itertools import accumulate
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cleaner.engine import linemeasures as lm
from cleaner.engine import pagemeasures as pm
from cleaner.engine.kinds.boilerplate import Boilerplate, BoilerplateOptions, _cjk_count
from cleaner.engine.linemodel import (
    _sigmoid,
    body_distance,
    chrome_scores,
    load_model,
    main_block,
    short_runs,
)
from cleaner.engine.linescore import Scorer, _keep_below, drop_chrome
from cleaner.steps.normalize import normalize_lines
from cleaner.words import mostly_cjk
from tests.conftest import SEEDS
from tests.test_boilerplate import BODY, FOOTER, MENU

_LETTER = re.compile(r"[^\W\d_]")


# The measures as the model was first written: one regex or generator per measure.
def _plain_line(
    line: str, stops: frozenset[str], cjk_stops: frozenset[str], chrome: frozenset[str]
) -> dict[str, Any]:
    folded = line.casefold()
    tokens = folded.split()
    if lm._CJK.search(line):
        cjk = lm._CJK.findall(line)
        tokens = [t for t in tokens if not lm._CJK.search(t)]
    else:
        cjk = []
    latin = [w for w in (t.strip(lm._PUNCT) for t in tokens) if w]
    words = len(latin) + len(cjk) / 2
    stop_hits: float = sum(map(stops.__contains__, latin))
    if cjk:
        stop_hits += sum(map(cjk_stops.__contains__, cjk)) / 2
    letters = len(_LETTER.findall(line))
    bare = line.rstrip(lm._CLOSERS)
    end = bare[-1:]
    raw = line.split()
    return {
        "chars": len(line),
        "words": words,
        "stop": stop_hits / words if words else 0.0,
        "ends": end in lm._ENDS,
        "colon": end == ":",
        "no_letters": not letters,
        "upper": sum(map(str.isupper, line)) / (letters or 1),
        "titled": sum(1 for t in raw if t[:1].isupper()) / len(raw) if raw else 0.0,
        "digits": len(lm._DIGIT.findall(line)) / len(line),
        "separators": lm._SEPARATOR.search(line) is not None,
        "chrome": sum(map(chrome.__contains__, latin)) / len(latin) if latin else 0.0,
        "copyright": "©" in line or "copyright" in folded or "all rights reserved" in folded,
        "commas": line.count(",") + line.count("，") + line.count("、"),
        "cjk": len(cjk) / len(line),
        "dated": lm._DATE.search(folded) is not None,
        "byline": lm._BYLINE.match(folded) is not None,
    }


# Characters where bytes, RE2 and Python's re could part: CJK, separators, non-ASCII digits,
# letters and spaces, and words the date and byline patterns look for.
_ALPHABET = "aZ09 .,:!?|-/'\"()©•›»·«‹年月日中文的是。，、！？ßİ²½٣\xa0\u2003\x1cÉé"
_TOKENS = ["May", "5", "2024", "12:30", "1/2/24", "By", "by:", "Copyright", "Home", "the"]
LINES = (
    st.lists(
        st.one_of(st.text(_ALPHABET, max_size=8), st.sampled_from(_TOKENS)), min_size=1, max_size=12
    )
    .map(" ".join)
    .filter(bool)
)


def _plain_drop(
    lines: list[str], model: dict[str, Any], threshold: float, min_lines: int, min_body: int
) -> list[str]:
    while True:
        nonblank = [i for i, line in enumerate(lines) if line]
        if len(nonblank) < min_lines:
            return lines
        texts = [lines[i] for i in nonblank]
        lists = lm.stopwords()
        stops = lists[lm._language(texts)]
        measures = [lm._line(t, stops, lists["cjk"], lm.chrome_words()) for t in texts]
        if sum(map(lm._is_body, measures)) < min_body:
            return lines
        scores = chrome_scores(texts, model)
        drop = {i for i, score in zip(nonblank, scores, strict=True) if score >= threshold}
        if not drop:
            return lines
        lines = [line for i, line in enumerate(lines) if i not in drop]


@settings(max_examples=300, deadline=None)
@given(LINES, st.sampled_from(["en", "de", "zh"]))
def test_line_measures_equal_the_plain_measures(line: str, lang: str) -> None:
    lists = lm.stopwords()
    stops = lists.get(lang, lists["en"])
    fast = lm._line(line, stops, lists["cjk"], lm.chrome_words())
    assert fast._asdict() == _plain_line(line, stops, lists["cjk"], lm.chrome_words())


def test_real_lines_measure_as_the_plain_measures() -> None:
    lists = lm.stopwords()
    stops, cjk, chrome = lists["en"], lists["cjk"], lm.chrome_words()
    lines = {
        line
        for path in SEEDS.glob("*.txt")
        for line in normalize_lines(path.read_text("utf-8"))
        if line
    }
    assert lines
    for line in sorted(lines):
        assert lm._line(line, stops, cjk, chrome)._asdict() == _plain_line(line, stops, cjk, chrome)


MODEL = load_model("boilerplate")
SCORER = Scorer(MODEL)  # shared, as the rule shares it: what it remembers must not leak
POOL = [
    *MENU,
    *BODY,
    *FOOTER,
    "",
    "Tuesday 4 June 2024",
    "新闻 | 体育 | 财经",
    "Share this article",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(POOL), max_size=30),
    st.floats(0.05, 0.95),
    st.integers(1, 10),
    st.integers(0, 4),
)
def test_fixpoint_drops_what_the_plain_path_drops(
    lines: list[str], threshold: float, min_lines: int, min_body: int
) -> None:
    fast = drop_chrome(lines, SCORER, threshold, min_lines, min_body)
    assert fast == _plain_drop(lines, MODEL, threshold, min_lines, min_body)


def test_seed_pages_keep_what_the_plain_path_keeps() -> None:
    # The seeds as they are, and inside a menu and a footer so that lines go.
    threshold = float(MODEL["threshold"])
    dropped = 0
    for path in sorted(SEEDS.glob("*.txt")):
        seed = normalize_lines(path.read_text("utf-8"))
        for lines in (seed, [*MENU, "", *seed, "", *FOOTER]):
            fast = drop_chrome(lines, SCORER, threshold, 8, 3)
            assert fast == _plain_drop(lines, MODEL, threshold, 8, 3)
            dropped += len(lines) - len(fast)
    assert dropped > 0


# Pages as the scorer measures them at once: non-blank lines without CJK characters, all
# ASCII (with str.split's other ASCII spaces) or not (letters, digits and spaces of other
# scripts, curly quotes, the copyright sign).
ASCII_LINES = (
    st.lists(
        st.one_of(st.text(_ALPHABET[:14] + "\t\x0b\x1cABC", max_size=8), st.sampled_from(_TOKENS)),
        min_size=1,
        max_size=12,
    )
    .map(" ".join)
    .filter(bool)
)
WIDE_LINES = (
    st.lists(
        st.one_of(
            st.text([c for c in _ALPHABET if not lm._CJK.search(c)], max_size=8),
            st.sampled_from(_TOKENS),
        ),
        min_size=1,
        max_size=12,
    )
    .map(" ".join)
    .filter(bool)
)


def _same_as_each_line(lines: list[str], lang: str) -> None:
    lists = lm.stopwords()
    stops, chrome = lists[lang], lm.chrome_words()
    page = pm.measure_lines(lines, stops, chrome)
    one_by_one = [lm._line(line, stops, lists["cjk"], chrome) for line in lines]
    assert set(page) == set(lm._Line._fields)  # a new measure needs its column too
    for field in lm._Line._fields:
        assert page[field] == [getattr(f, field) for f in one_by_one], field
    columns = pm.own_columns(page)
    assert len(columns) == len(lm.OWN_FEATURES)
    assert [list(map(float, row)) for row in zip(*columns, strict=True)] == [
        list(lm._own(f)) for f in one_by_one
    ]
    assert pm.body_column(page) == list(map(lm._is_body, one_by_one))


@settings(max_examples=100, deadline=None)
@given(st.lists(ASCII_LINES, min_size=1, max_size=20), st.sampled_from(["en", "de", "fr"]))
def test_ascii_page_measures_equal_each_lines_measures(lines: list[str], lang: str) -> None:
    _same_as_each_line(lines, lang)


@settings(max_examples=100, deadline=None)
@given(st.lists(WIDE_LINES, min_size=1, max_size=20), st.sampled_from(["en", "de", "fr"]))
def test_page_measures_equal_each_lines_measures(lines: list[str], lang: str) -> None:
    _same_as_each_line(lines, lang)


def test_real_pages_measure_as_each_line() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [line for line in normalize_lines(path.read_text("utf-8")) if line]
        for part in (
            [line for line in lines if line.isascii()],
            [line for line in lines if lm._CJK.search(line) is None],
        ):
            if part:
                _same_as_each_line(part, "en")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(POOL), LINES), min_size=1, max_size=40))
def test_scores_equal_the_features_training_sees(lines: list[str]) -> None:
    # A fresh scorer measures each line once, the shared one remembers earlier examples' lines.
    lines = [line for line in lines if line]
    plain = chrome_scores(lines, MODEL)
    for scorer in (Scorer(MODEL), SCORER):
        fast = scorer.scores(lines)
        assert fast is not None
        assert fast == pytest.approx(plain, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text("a1 中文日本語é²", max_size=12), min_size=1, max_size=6))
def test_cjk_page_check_is_mostly_cjk(lines: list[str]) -> None:
    # The kind settles most pages with a CJK character without counting letters one by one.
    assert Boilerplate(BoilerplateOptions())._skipped(lines) == mostly_cjk("".join(lines))
    # The fallback's count of the lines is the count of their join.
    assert _cjk_count(lines) == len(lm._CJK.findall("".join(lines)))


# The array passes, line by line in Python floats: each logit's terms added in the order the
# fast path adds them (a term that does not hold adds 0.0), with ``Scorer``'s folded weights
# (``chrome_scores`` above checks those against the training path).
def _python_logits(scorer: Scorer, lines: list[str]) -> list[float]:
    known = scorer._known(lines, None)
    n = len(known)
    parts, words, body, short, keys, stop, chrome = (list(c) for c in zip(*known, strict=True))
    w, c, log1p = scorer.w1, scorer.w2, math.log1p
    n_body = sum(body)
    prose = [i for i in range(n) if body[i]]
    first_body, last_body = (prose[0], prose[-1]) if prose else (n, -1)
    main, first, end = main_block(body)
    distance, runs = body_distance(body), short_runs(short)
    page = 0 + w["page_body_share"] * (n_body / n)
    page += w["log_body_lines"] * log1p(n_body)
    page += w["log_lines"] * log1p(n)
    share = w["main_block_share"] * (main / n_body if n_body else 0.0)
    # Running sums from 0.0, left to right (not sum(): Python 3.12's compensates), a window's
    # sum the difference of two.
    stops, links = list(accumulate(stop, initial=0.0)), list(accumulate(chrome, initial=0.0))
    own: list[float] = []
    for i in range(n):
        near = [words[k] for k in (i - 1, i + 1) if 0 <= k < n]
        z = (
            scorer.bias1
            + parts[i]
            + w["relative_position"] * (i / n)
            + w["log_distance_to_body"] * log1p(distance[i])
            + (
                w["log_short_run"] * log1p(runs[i])
                + w["neighbour_log_words"] * (log1p(sum(near) / len(near)) if near else 0.0)
            )
        )
        z += w["before_body"] if i < first_body else 0.0
        z += w["just_above_body"] if i < first_body and first_body - i <= 3 else 0.0
        z += w["after_body"] if i > last_body else 0.0
        z += w["repeated_in_page"] if keys.count(keys[i]) > 1 else 0.0
        z += w["first_line"] if i == 0 else 0.0
        where = _where(i, first, end)
        gap = n if first < 0 else first - i if i < first else i - end if i > end else 0
        lead = page + (w[f"{where}_main_block"] if where else 0.0)
        lead += w["log_distance_to_main_block"] * log1p(gap)
        lo, hi = max(0, i - 3), min(n, i + 4)
        own.append(
            z
            + (
                lead
                + share
                + w["window_short_share"] * (sum(short[lo:hi]) / (hi - lo))
                + w["window_stopword_density"] * ((stops[hi] - stops[lo]) / (hi - lo))
                + w["window_link_word_share"] * ((links[hi] - links[lo]) / (hi - lo))
            )
        )
    out = []
    for i in range(n):
        z = scorer._context(own, i)  # as context_features reads the window
        z += c["before_body"] if i < first_body else 0.0
        z += c["after_body"] if i > last_body else 0.0
        z += c["page_body_share"] * (n_body / n)
        where = _where(i, first, end)
        z += c[f"{where}_main_block"] if where else 0.0
        out.append(z)
    return out


def _where(i: int, first: int, end: int) -> str:
    return "" if first < 0 else "before" if i < first else "after" if i > end else "in"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(POOL), LINES), min_size=1, max_size=40))
def test_array_passes_give_the_python_floats(lines: list[str]) -> None:
    lines = [line for line in lines if line]
    assume(lines)  # a page of blank lines has nothing to score
    fast = SCORER.logits(lines)
    assert fast is not None
    assert fast.tolist() == _python_logits(SCORER, lines)  # the same floats, not close ones


def test_seed_pages_give_the_python_floats() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        seed = [line for line in normalize_lines(path.read_text("utf-8")) if line]
        for lines in (seed, [*MENU, *seed, *FOOTER]):
            fast = SCORER.logits(lines)
            assert fast is not None
            assert fast.tolist() == _python_logits(SCORER, lines)


def test_neighbour_words_off_the_quarters_use_math_log1p() -> None:
    # Words are whole or half today; a measure that made them otherwise still gets math's log.
    words = [1.0, 0.3, 2.5, 7.0]
    got = SCORER._near_terms(np.array(words)).tolist()
    w = SCORER.w1["neighbour_log_words"]
    means = [0.3, (1.0 + 2.5) / 2, (0.3 + 7.0) / 2, 2.5]
    assert got == [w * math.log1p(m) for m in means]
    # Lines too long for the table: the same floats as the table's.
    words = [3.0, 5000.5, 1.0, 2.0, 9000.0]
    means = [5000.5, 2.0, 2501.25, 4500.5, 2.0]
    assert SCORER._near_terms(np.array(words)).tolist() == [w * math.log1p(m) for m in means]
    assert (
        SCORER._near_terms(np.array(words[2:4])).tolist() == SCORER._near.upto(8)[[8, 4]].tolist()
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(POOL), LINES), max_size=20))
def test_line_languages_add_up_to_the_page_counts(lines: list[str]) -> None:
    languages = SCORER.languages
    assert languages.counts(sum(languages.packed(lines))) == lm.language_counts(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=10, max_size=10), st.lists(LINES, max_size=8))
def test_the_language_picked_from_packed_counts_is_pick_language_s(
    fields: list[int], lines: list[str]
) -> None:
    # Ties included (small and equal fields); the sum of lines less some of them, as
    # drop_chrome keeps it.
    languages = SCORER.languages
    packed = sum(count << (32 * i) for i, count in enumerate(fields))
    for value in (packed, sum(f % 3 << (32 * i) for i, f in enumerate(fields)), 0):
        assert languages.pick(value) == lm.pick_language(languages.counts(value))
    rows = languages.packed(lines)
    total = sum(rows) - sum(rows[::2])
    assert languages.pick(total) == lm.pick_language(lm.language_counts(lines[1::2]))


@pytest.mark.parametrize(
    "threshold", [k / 100 for k in range(1, 101)] + [float(MODEL["threshold"]), 1e-9, 0.999999]
)
def test_lines_kept_by_their_logit_score_under_the_threshold(threshold: float) -> None:
    # drop_chrome takes the probability of the lines at or above the bound only.
    bound = _keep_below(threshold)
    below = [bound - d for d in (0.0, 1e-12, 1e-9, 1e-6, 0.001, 0.5, 3.0, 40.0, 800.0)]
    assert all(_sigmoid(z) < threshold for z in [math.nextafter(bound, -math.inf), *below])
