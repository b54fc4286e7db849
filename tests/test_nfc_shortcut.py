"""Repair's NFC shortcut: a text made only of ``NFC_SAFE`` characters is taken as NFC without
``unicodedata.is_normalized``; this checks each of those characters on the running Python's
Unicode data, and that the shortcut answers what the plain check answers."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.steps.repair import NFC_SAFE, normalize_form

SAFE = [chr(c) for c in range(0x10000) if re.fullmatch(f"[{NFC_SAFE}]", chr(c))]
SAFE_SET = frozenset(SAFE)


def _seconds() -> set[str]:
    """Characters that compose with one before them: second halves of canonical pairs, and
    the Hangul vowel and trailing jamo (composed by rule, not by the decomposition data)."""
    out = {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}
    for c in range(0x110000):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            out.add(chr(int(parts[1], 16)))
    return out


def test_every_safe_character_keeps_a_text_nfc() -> None:
    assert len(SAFE) > 20000
    seconds = _seconds()
    for ch in SAFE:
        first = unicodedata.normalize("NFD", ch)[0]
        assert unicodedata.category(ch) != "Cn", hex(ord(ch))
        assert unicodedata.combining(ch) == 0, hex(ord(ch))
        assert unicodedata.normalize("NFC", ch) == ch, hex(ord(ch))
        assert ch not in seconds, hex(ord(ch))
        assert first not in seconds, hex(ord(ch))
        assert unicodedata.combining(first) == 0, hex(ord(ch))


# Safe characters, and the ones next to them that are not (combining marks, singletons,
# Hangul jamo, a Greek tonos, kana voicing marks).
_NEAR = "\u0300\u0301\u0327\u0483\u2000\u2001\u212b\u1100\u1161\u11a8\u0386\u0390\u3099\u309a"
_CHARS = st.sampled_from(SAFE) | st.sampled_from(_NEAR) | st.characters(exclude_categories=["Cs"])


@settings(max_examples=400, deadline=None)
@given(st.text(_CHARS, max_size=30), st.sampled_from(["NFC", "NFKC", "NFD"]))
def test_the_shortcut_answers_as_is_normalized(text: str, form: str) -> None:
    plain = normalize_form(text, form)
    assert normalize_form(text, form, text.encode("utf-8")) == plain
    if text and all(ch in SAFE_SET for ch in text):
        assert unicodedata.is_normalized("NFC", text)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(SAFE), min_size=1, max_size=40))
def test_a_text_of_safe_characters_is_nfc(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
    assert normalize_form(text, "NFC", text.encode("utf-8")) == (text, [])
