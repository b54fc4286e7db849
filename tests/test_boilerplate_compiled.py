"""The boilerplate model's C side (``cleaner/engine/_fastlines.c``) gives what the Python path
gives: each line's measures field by field, each memo row, each pass's logits float for float;
and ``CLEANER_PURE=1`` or a missing build falls back to the Python path."""

from __future__ import annotations

import shutil
import sysconfig
from operator import is_
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.engine import linefast
from cleaner.engine import linemeasures as lm
from cleaner.engine.linemodel import load_model
from cleaner.engine.linescore import Scorer, _keep_below, _passes, drop_chrome
from cleaner.steps.normalize import normalize_lines
from tests.conftest import SEEDS
from tests.test_boilerplate import FOOTER, MENU
from tests.test_boilerplate_speed import ASCII_LINES, POOL, WIDE_LINES

FAST = linefast.compiled()
needs_build = pytest.mark.skipif(FAST is None, reason="the C extension is not built here")
MODEL = load_model("boilerplate")
# Characters where Python's classes and a C reading of them could part: other scripts' letters
# and digits, case changes that change length, spaces str.split knows, closers, ends, quotes.
_ODD = "İßǅ²½٣\xa0\u2003\u2028\x85\x1c\x1f…）」』”’»«“‘：©•›·‹，、Ωσς"
ODD_LINES = (
    st.lists(
        st.one_of(st.text("aZ09 .,:|!?\"'()[]" + _ODD, max_size=8), st.sampled_from(POOL)),
        min_size=1,
        max_size=10,
    )
    .map(" ".join)
    .filter(lambda line: bool(line) and "\n" not in line and lm._CJK.search(line) is None)
)


def _fields(lines: list[str], lang: str) -> None:
    assert FAST is not None
    lists = lm.stopwords()
    stops, chrome = lists[lang], lm.chrome_words()
    coded = linefast.codes(stops, chrome)
    want = [tuple(lm._line(line, stops, lists["cjk"], chrome)) for line in lines]
    folded = [line.casefold() for line in lines]
    assert FAST.line_fields(lines, folded, coded, lm._dated) == want
    # Dated in C, with Python re's word characters and digits: as _dated dates them.
    assert FAST.line_fields(lines, folded, coded, None) == want
    if all(map(str.isascii, lines)):
        # ASCII lines as the scorer measures them: lower-cased and dated in C.
        assert FAST.line_fields(lines, None, coded, None) == want


@needs_build
@settings(max_examples=150, deadline=None)
@given(st.lists(ASCII_LINES, min_size=1, max_size=15), st.sampled_from(["en", "de", "fr"]))
def test_ascii_lines_measure_as_line(lines: list[str], lang: str) -> None:
    _fields(lines, lang)


@needs_build
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(WIDE_LINES, ODD_LINES), min_size=1, max_size=15),
    st.sampled_from(["en", "de", "fr"]),
)
def test_other_lines_measure_as_line(lines: list[str], lang: str) -> None:
    _fields(lines, lang)


def _date_lines(chars: str, words: list[str]) -> st.SearchStrategy[str]:
    """Non-blank lines pieced together from ``chars`` and ``words``."""
    return (
        st.lists(
            st.one_of(st.text(chars, max_size=10), st.sampled_from(words)),
            min_size=1,
            max_size=8,
        )
        .map("".join)
        .filter(lambda line: bool(line.strip()))
    )


# Dates: each pattern's edges (word boundaries, digit runs, separators, month words).
DATE_LINES = _date_lines(
    "0123456789:./- _aAxn",
    ["jan", "May", "sept.", "Dec", "decx", "1899", "2024", "20155", "_19"],
)


@needs_build
@settings(max_examples=400, deadline=None)
@given(st.lists(DATE_LINES, min_size=1, max_size=5))
def test_ascii_dates_are_re2s(lines: list[str]) -> None:
    assert FAST is not None
    coded = linefast.codes(frozenset(), frozenset())
    got = [row[14] for row in FAST.line_fields(lines, None, coded, None)]
    digit = [any(c.isdigit() for c in line) for line in lines]
    want = [
        d and lm._DATE_ASCII.search(line.lower().encode()) is not None
        for line, d in zip(lines, digit, strict=True)
    ]
    assert got == want


# The same with characters beyond ASCII: other scripts' digits (\d) and letters (\w), a digit
# re's \d leaves out (²), spaces and dashes.
WIDE_DATE_LINES = _date_lines(
    "0123456789:./- _aAxn٣٤۱é²ß\xa0–",
    ["jan", "Mär", "sept.", "Déc", "décx", "1899", "٢٠٢٤", "20155", "_19"],
)


@needs_build
@settings(max_examples=400, deadline=None)
@given(st.lists(WIDE_DATE_LINES, min_size=1, max_size=5))
def test_other_dates_are_pythons(lines: list[str]) -> None:
    assert FAST is not None
    coded = linefast.codes(frozenset(), frozenset())
    folded = [line.casefold() for line in lines]
    got = [row[14] for row in FAST.line_fields(lines, folded, coded, None)]
    want = [
        any(map(str.isdecimal, line)) and lm._dated(f)
        for line, f in zip(lines, folded, strict=True)
    ]
    assert got == want


@needs_build
def test_cjk_counts_are_the_patterns() -> None:
    assert FAST is not None
    for text in (
        "",
        "plain ASCII",
        "naïve – “quoted”",
        "中文 and かな, ｶﾅ 한국어 豈",
        "\U0001f600年",
    ):
        assert FAST.cjk_count(text) == len(lm._CJK.findall(text))
        assert FAST.cjk_count([text, text[:3], ""]) == len(lm._CJK.findall(text + text[:3]))
    with pytest.raises(TypeError, match="list of str"):
        FAST.cjk_count(["ok", 3])


def _pure(scorer: Scorer) -> Scorer:
    scorer.compiled = None
    return scorer


def _same_pass(pages: list[list[str]]) -> int:
    """Each page's memo rows and logits, compiled and pure, compared; the passes compared."""
    fast, pure = Scorer(MODEL), _pure(Scorer(MODEL))
    passes = 0
    for lines in pages:
        text = [line for line in lines if line]
        if not text:
            continue
        assert fast._known(text, None) == pure._known(text, None)
        for min_body in (0, 3):
            got, want = fast.logits(text, min_body), pure.logits(text, min_body)
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert got.tolist() == want.tolist()  # the same floats, not close ones
                bound = float(np.median(want)) if len(want) else 0.0
                assert fast.near(text, min_body, None, bound) == pure.near(
                    text, min_body, None, bound
                )
                passes += 1
    return passes


@needs_build
@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.sampled_from(POOL), ODD_LINES, ASCII_LINES), min_size=1, max_size=40),
        min_size=1,
        max_size=3,
    )
)
def test_passes_give_the_numpy_floats(pages: list[list[str]]) -> None:
    _same_pass(pages)


@needs_build
def test_seed_pages_give_the_numpy_floats() -> None:
    pages = []
    for path in sorted(SEEDS.glob("*.txt")):
        seed = normalize_lines(path.read_text("utf-8"))
        pages += [seed, [*MENU, *seed, *FOOTER]]
    assert _same_pass(pages) >= len(pages)


@needs_build
def test_the_fixpoint_drops_the_same_lines() -> None:
    fast, pure = Scorer(MODEL), _pure(Scorer(MODEL))
    threshold = float(MODEL["threshold"])
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [*MENU, "", *normalize_lines(path.read_text("utf-8")), "", *FOOTER]
        assert drop_chrome(lines, fast, threshold, 8, 3) == drop_chrome(
            lines, pure, threshold, 8, 3
        )


def _three_ways(lines: list[str], threshold: float) -> int:
    """drop_chrome's result with its passes in C, with each pass from Python over the C scorer,
    and on the numpy path: the same. How many passes the Python ones took."""
    fast, stepped, pure = Scorer(MODEL), Scorer(MODEL), _pure(Scorer(MODEL))
    stepped.passes_in_c = False
    passes = 0
    near = stepped.near

    def counted(*args: Any) -> Any:
        nonlocal passes
        passes += 1
        return near(*args)

    stepped.near = counted  # type: ignore[method-assign,assignment]
    got = drop_chrome(lines, fast, threshold, 8, 3)
    assert got == drop_chrome(lines, stepped, threshold, 8, 3)
    assert got == drop_chrome(lines, pure, threshold, 8, 3)
    return passes


@needs_build
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(POOL), ODD_LINES, ASCII_LINES), min_size=1, max_size=40),
    st.sampled_from([0.05, 0.3, 0.6, float(MODEL["threshold"])]),
)
def test_passes_in_c_drop_what_the_python_passes_drop(lines: list[str], threshold: float) -> None:
    _three_ways([*MENU, "", *lines, "", *FOOTER], threshold)


@needs_build
def test_passes_in_c_on_seed_pages_drop_over_several_passes() -> None:
    passes = []
    for path in sorted(SEEDS.glob("*.txt")):
        seed = normalize_lines(path.read_text("utf-8"))
        # A low threshold drops more lines.
        passes += [_three_ways([*MENU, "", *seed, "", *FOOTER], t) for t in (0.05, 0.5)]
    assert max(passes) >= 2  # a pass that drops lines, then one that drops none


@needs_build
def test_passes_in_c_ask_again_when_the_language_changes() -> None:
    # The menu's lines weigh as German, the rest as English: once the menu goes, the page is
    # English and its rows are asked for again, as the Python passes pick it.
    assert FAST is not None
    scorer = Scorer(MODEL)
    seed = normalize_lines(sorted(SEEDS.glob("*.txt"))[0].read_text("utf-8"))
    text = [*MENU, *[line for line in seed if line]]
    names = scorer.languages.names
    de, en = 1 << (32 * names.index("de")), 1 << (32 * names.index("en"))
    packed = [100 * de] * len(MENU) + [en] * (len(text) - len(MENU))
    asked: list[str] = []

    def rows_of(lines: list[str], lang: str, records: list[Any]) -> list[tuple[float, ...]]:
        asked.append(lang)
        return scorer._known(lines, lang, records)  # type: ignore[return-value]

    bound, threshold = _keep_below(0.5), 0.5
    words = scorer.languages.words(text)
    entries = [[p, e[1], -1, None] for p, e in zip(packed, words, strict=True)]
    # min_body 0: the German rows have no prose line.
    got = FAST.drop(text, entries, rows_of, names, scorer._pass, 8, 0, bound, threshold)
    assert asked[:2] == ["de", "en"]
    spoken: list[str] = []
    pick = scorer.languages.pick

    def picked(total: int) -> str:
        spoken.append(pick(total))
        return spoken[-1]

    scorer.languages.pick = picked  # type: ignore[method-assign,assignment]
    want = _passes(text, packed, list(range(len(text))), scorer, threshold, bound, 8, 0)
    assert got == want
    assert [lang for i, lang in enumerate(spoken) if not i or lang != spoken[i - 1]] == asked


@needs_build
def test_passes_in_c_check_what_rows_of_gives() -> None:
    assert FAST is not None
    scorer = Scorer(MODEL)
    text = [*MENU, *FOOTER]
    entries = scorer.languages.words(text)
    args = (scorer.languages.names, scorer._pass, 8, 0, -750.0, 0.5)
    with pytest.raises(ValueError, match="one row per line"):
        FAST.drop(text, entries, lambda lines, lang, records: [], *args)
    with pytest.raises(KeyError):
        FAST.drop(text, entries, lambda lines, lang, records: {}[lang], *args)
    with pytest.raises(ValueError, match="one per line"):
        FAST.drop(text, entries[1:], scorer._known, *args)
    with pytest.raises(ValueError, match="an entry is line_words'"):
        FAST.drop(text, [[0]] * len(text), scorer._known, *args)
    with pytest.raises(ValueError, match="a record is line_words'"):
        scorer._known(text, "en", [b"x"] * len(text))


@needs_build
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(POOL), ODD_LINES, ASCII_LINES).filter(bool),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["en", "de", "fr", "pl"]),
)
def test_one_read_of_the_tokens_gives_both(lines: list[str], lang: str) -> None:
    # line_words reads each line's tokens once for its language counts (packed_lines') and
    # its words; memo rows from those words are the rows from the tokens read again.
    languages = Scorer(MODEL).languages
    entries = languages.words(lines)
    assert [e[0] for e in entries] == languages.packed(lines)
    assert all(map(is_, languages.words(lines), entries))  # remembered
    records = [e[1] for e in entries]
    with_words, again = Scorer(MODEL), Scorer(MODEL)
    assert with_words._known(lines, lang, records) == again._known(lines, lang)


@needs_build
def test_passes_in_c_keep_each_line_s_row_in_its_entry() -> None:
    # A line's row in the page's language is kept in its entry: the next page with the line
    # asks rows_of for the other lines only.
    assert FAST is not None
    scorer = Scorer(MODEL)
    seed = [line for line in normalize_lines(sorted(SEEDS.glob("*.txt"))[0].read_text()) if line]
    asked: list[list[str]] = []

    def rows_of(lines: list[str], lang: str, records: list[Any]) -> list[tuple[float, ...]]:
        asked.append(lines)
        return scorer._known(lines, lang, records)  # type: ignore[return-value]

    args = (scorer.languages.names, scorer._pass, 8, 3, 30.0, 1.0)  # nothing goes
    for text in ([*MENU, *seed], [*MENU, *seed[:3], "A new line", *seed[3:]]):
        assert FAST.drop(text, scorer.languages.words(text), rows_of, *args) is None
    assert asked == [[*MENU, *seed], ["A new line"]]
    entry = scorer.languages.words(["A new line"])[0]
    assert entry[2:] == [scorer.languages.names.index("en"), scorer._known(["A new line"], "en")[0]]


def test_cleaner_pure_forces_the_python_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEANER_PURE", "1")
    assert linefast.compiled() is None
    assert Scorer(MODEL).compiled is None
    monkeypatch.setenv("CLEANER_PURE", "0")
    assert linefast.compiled() is FAST


def test_the_extension_is_built_where_a_compiler_is() -> None:
    # An install with a C compiler builds it (setup.py, optional=True: without one the
    # install goes on with the Python path).
    source = Path(linefast.__file__).with_name("_fastlines.c")
    if shutil.which(sysconfig.get_config_var("CC").split()[0] or "cc") is None:
        pytest.skip("no C compiler on this machine")
    assert source.exists()
    assert FAST is not None


@needs_build
def test_word_tables_beyond_the_kept_ones_serve_their_call() -> None:
    # The C module keeps a table per word dict up to a limit; later dicts get one per call.
    assert FAST is not None
    for k in range(40):
        coded = {f"w{k}": 1, "the": 3}
        (row,) = FAST.line_fields([f"The w{k} x"], None, coded, None)
        assert row[1:3] == (3.0, 2 / 3)  # words, stop share
        assert row[10] == 1 / 3  # chrome share
        assert FAST.packed_lines([f"the w{k} x"], {}, coded) == [4]
