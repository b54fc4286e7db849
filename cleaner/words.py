"""Word counts that work for Chinese and Japanese, which are written without spaces.

A character count is the unit: a Han character or kana is one word (a segmenter such as jieba
would find about one word per 1.5-2 characters, but needs a dictionary and is far slower; the
per-language thresholds of ``min_words`` absorb the ratio). Korean writes spaces between words,
so Hangul counts at spaces like every other script.
"""

from __future__ import annotations

import re

import re2

# Han (CJK unified ideographs, extension A, compatibility, and the supplementary planes),
# the iteration/zero marks 々 and 〇, hiragana, katakana (with its phonetic extensions) and
# halfwidth katakana.
CJK_CHARS = (
    "\u3005\u3007\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_CJK = re.compile(f"[{CJK_CHARS}]")
# The same class on UTF-8 bytes: RE2 scans bytes faster than ``re`` scans a str, and the record
# encodes its text for the sha256 anyway.
_CJK_UTF8 = re2.compile(f"[{CJK_CHARS}]".encode())
# In a space-separated token that holds CJK characters: each of them, and each run of other
# letters or digits ("iPhone", "20"); CJK punctuation (，。「」) is not a word.
_UNIT = re.compile(f"[{CJK_CHARS}]|[^\\W_{CJK_CHARS}]+")


def count_words(text: str) -> int:
    """Words in ``text``: tokens between spaces, except that a token holding CJK characters
    counts each of them and each run of other letters or digits in it.

    Text without CJK characters counts exactly as ``len(text.split())``.
    """
    if _CJK.search(text) is None:
        return len(text.split())
    return count_cjk_words(text)


def count_cjk_words(text: str) -> int:
    """``count_words`` for a text known to hold CJK characters (no search for them first)."""
    n = 0
    for token in text.split():
        n += len(_UNIT.findall(token)) if _CJK.search(token) else 1
    return n


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Han character or kana."""
    return _CJK.search(text) is not None


def _leads(chars: str) -> tuple[bytes, ...]:
    """The first bytes of the UTF-8 of the characters of a class (``chars``: characters and
    ranges ``a-b``), or more: a range's first bytes run from its first's to its last's."""
    leads: set[int] = set()
    i = 0
    while i < len(chars):
        lo = hi = chars[i]
        if chars[i + 1 : i + 2] == "-" and i + 2 < len(chars):
            hi, i = chars[i + 2], i + 3
        else:
            i += 1
        leads.update(range(lo.encode()[0], hi.encode()[0] + 1))
    return tuple(bytes([b]) for b in sorted(leads))


# A text whose UTF-8 holds none of these bytes has no CJK character: a memchr for each tells
# it faster than a scan of the pattern does (a curly quote or a dash starts with another).
_CJK_LEADS = _leads(CJK_CHARS)


def has_cjk_utf8(data: bytes) -> bool:
    """``has_cjk`` of the text whose UTF-8 encoding is ``data``."""
    if data.isascii() or not any(lead in data for lead in _CJK_LEADS):
        return False
    return _CJK_UTF8.search(data) is not None


def word_estimate(text: str) -> int:
    """About how many words a segmenter would find: ``count_words`` with a CJK character
    counted as half a word. For the line-length guards that tell a sentence from a short
    date or byline line; text without CJK characters counts as ``len(text.split())``."""
    if _CJK.search(text) is None:
        return len(text.split())
    n = cjk = 0
    for token in text.split():
        if _CJK.search(token) is None:
            n += 1
            continue
        units = _UNIT.findall(token)
        k = sum(1 for u in units if _CJK.match(u))
        cjk += k
        n += len(units) - k
    return n + cjk // 2


def mostly_cjk(text: str) -> bool:
    """Whether at least half the text's letters and digits are Chinese or Japanese characters."""
    # Most texts have no CJK character: one search settles them without the count per character.
    if _CJK.search(text) is None:
        return False
    cjk = len(_CJK.findall(text))
    return 2 * cjk >= sum(1 for c in text if c.isalnum())
