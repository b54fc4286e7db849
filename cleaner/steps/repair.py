"""Encoding repair with ftfy, behind a cheap pre-check so clean text pays (almost) nothing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import ftfy
import re2

from cleaner.steps.normalize import normalize_spaces

# Decided on purpose: typographic quotes are real text, so they stay (ftfy would straighten
# them), and full-width CJK punctuation stays too. Everything else is ftfy's default.
DEFAULT_FTFY: dict[str, Any] = {"uncurl_quotes": False, "fix_character_width": False}

# What ftfy could change: UTF-8 read as cp1252/Latin-1 (an accented lead byte and a
# continuation), C1 and other control characters, ligatures, HTML entities, replacement
# characters, and lone surrogates (which RE2 cannot see: UTF-8 cannot hold them, so a text
# that does not encode is suspicious by definition). Text with none of these is returned as is.
_ENTITY = "&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});"
_SUSPICIOUS_CHARS = (
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
    "\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153"
    "\u017e\u0178]"
    "|[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufb00-\ufb06\ufffd]"
)
# Searched on the UTF-8 bytes: the wrapper would encode a str on every call anyway.
_SUSPICIOUS = re2.compile((_SUSPICIOUS_CHARS + "|" + _ENTITY).encode("utf-8"))
_SUSPICIOUS_CHAR = re2.compile(_SUSPICIOUS_CHARS.encode("utf-8"))
_ENTITY_UTF8 = re2.compile(_ENTITY.encode("utf-8"))
# ASCII that never needs ftfy: printable characters, tab, line feed, form feed and return.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\x0c\r"


MAX_PASSES = 4


def make_ftfy_config(options: Mapping[str, Any] | None = None) -> ftfy.TextFixerConfig:
    merged = {**DEFAULT_FTFY, **(options or {}), "explain": True}
    return ftfy.TextFixerConfig(**merged)


def needs_repair(text: str) -> bool:
    """Whether ``_SUSPICIOUS`` finds anything (or the text holds a lone surrogate).

    Two cheap steps decide most texts without a regex scan of the whole text: an entity needs
    an '&' (a memchr), and everything else in the pattern is a non-ASCII or control character,
    which survive deleting the plain ASCII bytes (a table lookup per byte). Only when what is
    left holds a candidate does the whole text get searched, since deleting bytes can put a lead
    character next to a continuation that the text itself keeps apart.
    """
    data = _utf8(text)
    return data is None or _suspicious(data, data.translate(None, _PLAIN_ASCII))


def _utf8(text: str) -> bytes | None:
    """The text's UTF-8, or None when it holds a lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _suspicious(data: bytes, rest: bytes) -> bool:
    """``needs_repair`` of the text whose UTF-8 is ``data``; ``rest`` is ``data`` without its
    plain ASCII bytes (``_PLAIN_ASCII``)."""
    if b"&" in data and _ENTITY_UTF8.search(data) is not None:
        return True
    return (
        bool(rest)
        and _SUSPICIOUS_CHAR.search(rest) is not None
        and _SUSPICIOUS.search(data) is not None
    )


def repair(
    text: str,
    config: ftfy.TextFixerConfig,
    settled: set[str] | None = None,
    lines: list[str] | None = None,
    clean: set[str] | None = None,
    data: bytes | None = None,
) -> tuple[str, list[str]]:
    """Return the repaired text and the ftfy steps applied, e.g. ``["encode:sloppy-windows-1252"]``.

    Like ``ftfy.fix_text``, each line is fixed on its own (one mojibake line does not depend on
    the others), and only the lines the pre-check flags reach ftfy at all. One ftfy pass can
    uncover more to fix ('\xa0Â\x80' -> '\xa0Â€', and without the NBSP 'Â€' -> '€'), so a line
    is fixed until nothing changes: repairing repaired text changes nothing. Later passes see
    spaces as the normaliser leaves them, since a NBSP beside mojibake hides it from ftfy.

    ``settled``, when given, is shared by the calls on one document: a line an earlier call
    found repair leaves as it is is not looked at again, and this call adds its own. The
    re-check of a cleaned document meets most of its lines a second time. The other arguments
    only make it cheaper (``repair_checked``).
    """
    fixed, steps, _ = repair_checked(text, config, settled, lines, clean, data)
    return fixed, steps


def repair_checked(
    text: str,
    config: ftfy.TextFixerConfig,
    settled: set[str] | None = None,
    lines: list[str] | None = None,
    clean: set[str] | None = None,
    data: bytes | None = None,
) -> tuple[str, list[str], bool]:
    """``repair``, and whether ``text`` was found clean: in its normal form, nothing for ftfy,
    no NUL and no lone surrogate (so ``scrub`` has nothing to do either); a clean text comes
    back as it is, with no steps.

    Clean is a property of each line on its own (a line break composes with nothing, and no
    pattern of the pre-check spans one), so ``clean``, a set shared by the calls on one document
    like ``settled``, remembers the lines found clean: given ``lines`` (``text.split("\n")``),
    only the others are looked at, joined, and this call adds its own. ``data``, when the
    caller has it, is ``text``'s UTF-8.
    """
    if clean is not None and lines is not None and clean:
        fresh = set(lines).difference(clean)
        if not fresh or _is_clean("\n".join(fresh), config.normalization):
            clean.update(fresh)
            return text, [], True
    if data is None:
        data = _utf8(text)
    rest = None if data is None else data.translate(None, _PLAIN_ASCII)
    fixed, normalized = normalize_form(text, config.normalization, rest)
    if normalized:
        data = _utf8(fixed)
        rest = None if data is None else data.translate(None, _PLAIN_ASCII)
    if data is not None and rest is not None and not _suspicious(data, rest):
        if not normalized and clean is not None:
            clean.update(text.split("\n") if lines is None else lines)
        return fixed, normalized, not normalized
    lines = fixed.split("\n")
    steps: dict[str, None] = dict.fromkeys(normalized)
    found: set[str] = set()
    for i, line in enumerate(lines):
        if settled is None or line not in settled:
            lines[i] = _repair_line(line, config, steps, found)
    if settled is not None:
        settled |= found
    return "\n".join(lines), list(steps), False


def _is_clean(text: str, form: str | None) -> bool:
    """Whether ``repair_checked`` finds ``text`` clean."""
    data = _utf8(text)
    if data is None:
        return False
    rest = data.translate(None, _PLAIN_ASCII)
    return not normalize_form(text, form, rest)[1] and not _suspicious(data, rest)


def normalize_form(text: str, form: str | None, rest: bytes | None = None) -> tuple[str, list[str]]:
    """``text`` in the Unicode normal form the config names (ftfy's ``normalization``), and the
    step (``normalize:NFC``) when that changed it. All of the text, not only the lines ftfy is
    given: a rule's literal is normalised the same way, so an 'é' matches however it was typed.
    ``rest``, when the caller has it, is the text's UTF-8 without its plain ASCII bytes: a text
    whose few other characters are all ``inert`` is in every normal form as it is."""
    if form is None or text.isascii():
        return text, []
    if rest is not None and len(rest) * 8 <= len(text) and all_inert(form, rest):
        return text, []
    if unicodedata.is_normalized(form, text):  # type: ignore[arg-type]
        return text, []
    return unicodedata.normalize(form, text), [f"normalize:{form}"]  # type: ignore[arg-type]


# Where the characters are that combine with the character before them although their
# combining class is 0 (Indic and other Brahmic vowel signs, Hangul vowel and final jamo: the
# quick check's "maybe"), with room for those later Unicode versions add beside them
# (tests/test_text_shortcuts.py checks every such character of this Python's Unicode is here).
_COMPOSING_BLOCKS = ((0x0900, 0x1DFF), (0xA800, 0xABFF), (0xD7B0, 0xD7FF), (0x10000, 0x1EFFF))
# Characters found inert, and found not, per form: what a corpus holds is a few hundred.
_INERT: dict[str, tuple[set[str], set[str]]] = {}
_INERT_MAX = 20_000


def inert(form: str, ch: str) -> bool:
    """Whether ``ch`` is in the normal form ``form`` wherever it stands: combining class 0, its
    own normal form, and composing with nothing before it. A text of such characters passes
    the normal form's quick check, which is all ``unicodedata.is_normalized`` then does."""
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _COMPOSING_BLOCKS):
        return False
    return unicodedata.combining(ch) == 0 and unicodedata.normalize(form, ch) == ch  # type: ignore[arg-type]


def all_inert(form: str, rest: bytes) -> bool:
    """Whether every character of the UTF-8 ``rest`` is ``inert``, by a set per form."""
    chars = set(rest.decode("utf-8"))
    known = _INERT.get(form)
    if known is None or len(known[0]) + len(known[1]) > _INERT_MAX:
        known = _INERT[form] = (set(), set())
    yes, no = known
    if chars <= yes:
        return True
    if not chars.isdisjoint(no):
        return False
    for ch in chars.difference(yes):
        if not inert(form, ch):
            no.add(ch)
            return False
        yes.add(ch)
    return True


def _repair_line(
    line: str, config: ftfy.TextFixerConfig, steps: dict[str, None], settled: set[str]
) -> str:
    """One line repaired until nothing changes; adds to ``settled`` the text repair is known to
    leave as it is (ftfy returns it unchanged, or the pre-check finds nothing in it)."""
    for n in range(MAX_PASSES):
        if not needs_repair(line):
            settled.add(line)
            return line
        if n:
            line = normalize_spaces(line)
        fixed = ftfy.fix_and_explain(line, config)
        if fixed.text == line:
            settled.add(line)
            return line
        steps.update(dict.fromkeys(f"{a}:{n}" for a, n in (fixed.explanation or [])))
        if _ftfy_fixpoint(line, fixed.text):
            settled.add(fixed.text)
            return fixed.text
        line = fixed.text
    return line


def _ftfy_fixpoint(given: str, fixed: str) -> bool:
    """Whether the next pass would hand ftfy ``fixed`` as it is and get it back unchanged, so
    it need not run: ftfy fixes until its own pass changes nothing, so its output is a fixpoint
    of that pass. The next pass sees the text as given when normalising spaces leaves it alone,
    and runs the same ftfy pass when the text keeps or lacks a '<' as ``given`` did (a '<'
    turns ftfy's "auto" HTML unescaping off)."""
    return ("<" in fixed) == ("<" in given) and normalize_spaces(fixed) == fixed


# What no output may hold, whatever the repair settings: a lone surrogate cannot be written as
# UTF-8, and a NUL byte breaks many downstream tools. (Python's re: RE2 cannot see surrogates.)
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def _is_safe(text: str) -> bool:
    # Faster than searching with _UNSAFE: a NUL is a memchr, and UTF-8 encoding
    # fails exactly on a lone surrogate.
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scrub(text: str) -> tuple[str, list[str]]:
    """Drop NUL bytes and replace lone surrogates with U+FFFD; say which was done."""
    if _is_safe(text):
        return text, []
    steps = []
    if "\x00" in text:
        text = text.replace("\x00", "")
        steps.append("scrub:nul")
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub("\ufffd", text)
        steps.append("scrub:lone-surrogate")
    return text, steps
