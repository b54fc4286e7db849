"""The shortcuts of repair's checks, the word count and the chrome memo's scan give what the
plain versions give:

- the normal-form check skips ``unicodedata.is_normalized`` for a text whose non-ASCII
  characters are all ``inert``: no such character composes with the one before it (checked
  against every character of this Python's Unicode), and the answer is the plain check's;
- repair looks only at the lines it has not found clean yet: same text, steps and verdict as a
  look at the whole text, and a text found clean is one ``scrub`` leaves alone too;
- a normalised text's words are counted from its lines: what ``str.split()`` gives;
- the normalise step takes a text one scan finds nothing to normalise in as it is: such a
  text is what normalising gives;
- the lines a pattern matches are taken from the bytes around each match: what counting line
  breaks from the start gives.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.engine.regex import _scan, compile_pattern, matched_lines
from cleaner.steps.normalize import count_spaced_words, is_normal, join_lines, normalize_lines
from cleaner.steps.repair import (
    _COMPOSING_BLOCKS,
    _PLAIN_ASCII,
    inert,
    make_ftfy_config,
    normalize_form,
    repair,
    repair_checked,
    scrub,
)

FORMS = ("NFC", "NFKC", "NFD", "NFKD")
CONFIG = make_ftfy_config()

# What a normal form's quick check can stumble on: combining marks (in and out of order),
# characters that compose with the one before them although their class is 0 (Indic vowel
# signs, Hangul jamo after a syllable), singletons and compatibility characters, precomposed
# and decomposed letters, beside what news text holds (quotes, dashes, CJK, emoji) and repair's
# own business (mojibake, entities, controls, NUL, a lone surrogate).
PIECES = [
    "e",
    "\u0301",
    "\u0316",
    "\u0327\u0301",
    "\u0301\u0327",
    "é",
    "e\u0301",
    "\u0915\u093e",
    "\u09c7",
    "\u09be",
    "\u0b47\u0b3e",
    "\uac00",
    "\u11a8",
    "\u1100\u1161",
    "\u2126",
    "\u212b",
    "\u0344",
    "\u037e",
    "\ufb01",
    "\u00bd",
    "\u2019",
    "\u2014",
    "中文",
    "\U0001f600",
    "Ã©",
    "â€™",
    "&amp;",
    "\x00",
    "\x1b",
    "\ud800",
    "\u200b",
    " ",
    "\n",
    "word",
]
text = st.lists(st.sampled_from(PIECES), max_size=16).map("".join) | st.text(max_size=40)


def _maybe_composing() -> set[str]:
    """Every character that can compose with the one before it: the second character of a
    canonical two-character decomposition, and the Hangul vowel and final jamo."""
    found = {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}
    for code in range(0x110000):
        mapping = unicodedata.decomposition(chr(code))
        if mapping and not mapping.startswith("<"):
            parts = mapping.split()
            if len(parts) == 2:
                found.add(chr(int(parts[1], 16)))
    return found


def test_no_character_that_composes_with_the_one_before_is_inert() -> None:
    composing = _maybe_composing()
    assert len(composing) > 100
    for ch in composing:
        for form in FORMS:
            assert not inert(form, ch), (form, hex(ord(ch)))
    # Those of class 0 are where the blocks say (the others fail on their class).
    zero = [ch for ch in composing if unicodedata.combining(ch) == 0]
    assert zero, "Hangul jamo at least"
    for ch in zero:
        assert any(lo <= ord(ch) <= hi for lo, hi in _COMPOSING_BLOCKS), hex(ord(ch))


def test_what_news_text_holds_is_inert() -> None:
    # The shortcut must serve: quotes, dashes, accented letters, CJK, emoji.
    for ch in "\u2019\u201c\u2014\u00e9\u00fc\u00a0\u4e2d\u3002\u00a9\U0001f600":
        assert inert("NFC", ch), hex(ord(ch))


@settings(max_examples=500, deadline=None)
@given(text)
def test_the_normal_form_check_with_the_non_ascii_bytes_answers_as_without(one: str) -> None:
    try:
        data = one.encode("utf-8")
    except UnicodeEncodeError:
        return  # no UTF-8: repair never gives one
    rest = data.translate(None, _PLAIN_ASCII)
    for form in FORMS:
        assert normalize_form(one, form, rest) == normalize_form(one, form)
        # A text of inert characters is in the form (not only by the shortcut's length test).
        if all(inert(form, ch) for ch in one):
            assert unicodedata.is_normalized(form, one)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.lists(text, max_size=5), st.lists(text, max_size=5))
def test_looking_only_at_lines_not_found_clean_gives_what_the_whole_text_gives(
    first: list[str], later: list[str]
) -> None:
    clean: set[str] = set()
    settled: set[str] = set()
    one = "\n".join(first)
    assert repair_checked(one, CONFIG, settled, None, clean)[:2] == repair(one, CONFIG)
    # A later round: some lines of the first kept, others new.
    two = "\n".join(first[::2] + later)
    lines = two.split("\n")
    fixed, steps, found = repair_checked(two, CONFIG, set(settled), lines, clean)
    assert (fixed, steps) == repair(two, CONFIG, set(settled))
    plain = repair_checked(two, CONFIG)
    assert found == plain[2]
    if found:
        assert fixed is two
        assert steps == []
        assert scrub(two) == (two, [])
    for line in clean:
        assert repair_checked(line, CONFIG) == (line, [], True)


@settings(max_examples=300, deadline=None)
@given(text)
def test_a_normalised_text_counts_its_words_from_its_lines(one: str) -> None:
    one = scrub(one)[0]  # what normalise is given
    lines = normalize_lines(one)
    normal = join_lines(lines)
    assert count_spaced_words(normal, True, lines) == len(normal.split())


PATTERNS = ["^a", "b$", "é", "^$", "x*", "(?i)WORD", "\\d+", "^(?:a|中)\\b"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(PATTERNS),
    st.lists(st.sampled_from(["a", "b", "é", "中", "word 1", "", " ", "ab", "x"]), max_size=8),
)
def test_the_lines_a_pattern_matches_are_those_counting_breaks_finds(
    source: str, lines: list[str]
) -> None:
    regex = compile_pattern(source)
    expected = {lines[i] for i in _scan(regex, lines)} - {""}
    assert matched_lines(regex, lines) == expected
    data = "\n".join(lines).encode("utf-8")
    assert matched_lines(regex, lines, data) == expected


SPACY = [" ", "  ", "\n", "\n\n", "\n\n\n", "\t", "\r", "\r\n", "\xa0", "\u200b", "\x1c", "\x85"]
spacy_text = st.lists(st.sampled_from([*SPACY, "a", "bc", "é", "中"]), max_size=14).map("".join)


@settings(max_examples=500, deadline=None)
@given(spacy_text | text)
def test_a_text_the_scan_finds_normal_is_what_normalising_gives(one: str) -> None:
    one = scrub(one)[0]
    if is_normal(one.encode("utf-8")):
        assert normalize_lines(one) == (one.split("\n") if one else [])


def test_every_character_str_strip_takes_for_a_space_is_not_normal() -> None:
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) > 20
    for ch in spaces:
        if ch not in " \n":  # a single space inside a line, or a line break, is normal
            assert not is_normal(f"a{ch}b".encode("utf-8", "surrogatepass")), hex(ord(ch))
    assert is_normal(b"a b\n\nc")
