"""The signals of the quality filters, computed from one split of the text.

A document is split once (words once, lines once) and every family reads that split. The
definitions follow datatrove's filters (``datatrove.pipeline.filters``), which follow the Gopher
(Rae et al. 2021), C4 (Raffel et al. 2020) and FineWeb (Penedo et al. 2024) recipes, so the same
thresholds keep and drop the same documents. Where the words differ, see ``words``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cached_property
from itertools import accumulate

# The punctuation and terminal punctuation of datatrove (``datatrove.utils.text``, Apache-2.0),
# copied so the signals match its filters without importing it; control characters are added
# to PUNCTUATION by range below, as datatrove does.
_PUNCTUATION = (
    "!/\u2014\u201d:\uff05\uff11\u3008&(\u3001\u2501\\\u3010#%\u300c\u300d\uff0c\u3011\uff1b+^]~\u201c\u300a\u201e';\u2019{|\u2236\xb4[=-`*"
    '\uff0e\uff08\u2013\uff1f\uff01\uff1a$\uff5e\xab\u3009,><\u300b)?\uff09\u3002\u2026@_."}\u25ba\xbb'
)
TERMINAL_PUNCTUATION = frozenset(
    "!.?\u0589\u061d\u061e\u061f\u06d4\u0700\u0701\u0702\u07f9"
    "\u0837\u0839\u083d\u083e\u0964\u0965\u104a\u104b\u1362\u1367\u1368\u166e"
    "\u1735\u1736\u17d4\u17d5\u17d6\u17d9\u17da\u1803\u1809\u1944\u1945\u1aa8"
    "\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1b7d\u1b7e\u1c3b\u1c3c\u1c7e"
    "\u1c7f\u203c\u203d\u2047\u2048\u2049\u2e2e\u2e3c\u2e53\u2e54\u3002\ua4ff"
    "\ua60e\ua60f\ua6f3\ua6f7\ua876\ua877\ua8ce\ua8cf\ua92f\ua9c8\ua9c9\uaa5d"
    "\uaa5e\uaa5f\uaaf0\uaaf1\uabeb\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61"
    "\U00010a56\U00010a57\U00010f55\U00010f56\U00010f57\U00010f58\U00010f59\U00010f86\U00010f87\U00010f88\U00010f89\U00011047"
    "\U00011048\U000110be\U000110bf\U000110c0\U000110c1\U00011141\U00011142\U00011143\U000111c5\U000111c6\U000111cd\U000111de"
    "\U000111df\U00011238\U00011239\U0001123b\U0001123c\U000112a9\U0001144b\U0001144c\U000115c2\U000115c3\U000115c9\U000115ca"
    "\U000115cb\U000115cc\U000115cd\U000115ce\U000115cf\U000115d0\U000115d1\U000115d2\U000115d3\U000115d4\U000115d5\U000115d6"
    "\U000115d7\U00011641\U00011642\U0001173c\U0001173d\U0001173e\U00011944\U00011946\U00011a42\U00011a43\U00011a9b\U00011a9c"
    "\U00011c41\U00011c42\U00011ef7\U00011ef8\U00011f43\U00011f44\U00016a6e\U00016a6f\U00016af5\U00016b37\U00016b38\U00016b44"
    "\U00016e98\U0001bc9f\U0001da88"
)
PUNCTUATION = frozenset(_PUNCTUATION) | frozenset(
    chr(x) for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b)
)
PUNCTUATION_SET = PUNCTUATION | TERMINAL_PUNCTUATION
TERMINAL_TUPLE = tuple(sorted(TERMINAL_PUNCTUATION))

# Words as datatrove's English tokenizer (spaCy's rules) cuts them, without spaCy: URLs whole;
# initials and common abbreviations with their dot ("U.S.", "D.", "Inc."); contractions split
# ("do n't", "world 's"); words joined across inner dots, slashes, apostrophes and digit
# commas or colons ("3.5", "1,000", "10:30", "and/or", "O'Neil"); runs of dots or dashes; any
# other character alone. Differences left (spaCy's rarer exceptions) move a ratio by a word
# or two and a decision only at a threshold's edge (tests/test_quality_parity.py measures it).
_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Dr|Prof|Jr|Sr|St|Mt|Ft|vs|Inc|Corp|Ltd|Co|Bros|Gov|Sen|Rep|Gen|Lt|Col|Sgt|Capt|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|"
    "Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Neb|Nev|Okla|Ore|Pa|Tenn|Va|Wash|Wis|Wyo"
)
_CONTRACTION = r"(?:[sSdDmM]|re|RE|ll|LL|ve|VE)(?!\w)"
_WORD_RE = (
    r"(?:https?://|www\.)\S+?(?=[.,;:!?)\]\"'’]*(?:\s|$))"
    r"|[\w.+-]+@\w[\w-]*(?:\.[\w-]+)+|@\w+"
    r"|(?<![\w.])(?:[A-Za-z]\.)+(?![\w])"
    rf"|(?<![\w.])(?:{_ABBREVIATIONS})\.(?!\w)"
    r"|\w+(?=[nN]['’][tT](?!\w))|[nN]['’][tT](?!\w)"
    rf"|['’]{_CONTRACTION}"
    rf"|<W>+(?:[./]\w+|(?<=\d)[,:]\d+|['’](?!{_CONTRACTION}|[tT](?!\w))\w+)*"
    r"|\.{2,}|-{2,}|[^\w\s]"
)
_WORD = re.compile(_WORD_RE.replace("<W>", r"\w"))
# Languages written without spaces count characters, not words: each Han or kana character is
# one word (datatrove segments Chinese with jieba, whose words are one to a few characters).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_WORD = re.compile(f"[{_CJK}]|" + _WORD_RE.replace("<W>", f"[^\\W{_CJK}]"))
CHARACTER_LANGUAGES = frozenset({"zh", "ja"})

_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_LINE_BREAKS = re.compile("\n+")
_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY_PHRASES = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
# A sentence ends at one of these marks (spaCy's sentencizer's usual ones) when a word follows,
# past closing quotes and brackets; the word before it decides whether a dot is an abbreviation.
_SENTENCE_END = re.compile(
    r"(?:(?<![\w.])([\w.]+))?(?:[!?\u0589\u061f\u06d4\u0700-\u0702\u3002\uff01\uff0e\uff1f\uff61]+|(?<!\.)\.(?!\.))"
    r"[\"'”’)\]]*(?:\s+[\"'“‘(\[]*|(?=[A-Z]))(?=[^\W_])"
)
# Chinese and Japanese sentences end at a full-width mark, with no space after it.
_CJK_END = re.compile("[\u3002\uff01\uff1f]+(?=[^\\s\u3002\uff01\uff1f\u201d\u300d])")
_NOT_AN_END = re.compile(rf"(?:[A-Za-z]\.)*[A-Za-z]|{_ABBREVIATIONS}")


def language_base(lang: str | None) -> str:
    """``zh-cn`` -> ``zh``: the part of a language code the overrides are keyed by."""
    return (lang or "").split("-")[0].lower()


class Split:
    """One document, split once: the lines and words every family reads."""

    def __init__(self, text: str, lang: str | None = None) -> None:
        self.text = text
        self.by_characters = language_base(lang) in CHARACTER_LANGUAGES

    @cached_property
    def words(self) -> list[str]:
        return (_CJK_WORD if self.by_characters else _WORD).findall(self.text)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def gopher_quality(s: Split, stop_words: frozenset[str]) -> dict[str, float]:
    words, lines = s.words, s.lines
    n_all = len(words)
    lengths = [len(w) for w in words if not PUNCTUATION_SET.issuperset(w)]
    text = s.text
    return {
        "n_words": len(lengths),
        "avg_word_length": _ratio(sum(lengths), len(lengths)),
        "hash_ratio": _ratio(text.count("#"), n_all),
        "ellipsis_ratio": _ratio(text.count("...") + text.count("\u2026"), n_all),
        "bullet_lines_ratio": _ratio(
            sum(1 for ln in lines if ln.lstrip().startswith(("\u2022", "-"))), len(lines)
        ),
        "ellipsis_lines_ratio": _ratio(
            sum(1 for ln in lines if ln.rstrip().endswith(("...", "\u2026"))), len(lines)
        ),
        "alpha_words_ratio": _ratio(sum(1 for w in words if _has_alpha(w)), n_all),
        "stop_words": len(stop_words.intersection(words)),
    }


def _has_alpha(word: str) -> bool:
    return word.isalpha() or any(c.isalpha() for c in word)


def _duplicates(items: Iterable[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and their characters."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


def _ngram_keys(words: list[str], largest: int) -> Iterator[tuple[int, list[tuple[int, ...]]]]:
    """For n = 2 .. ``largest``, the word n-grams as tuples of word ids, made in C by ``zip``.

    datatrove joins each n-gram into a string, which is most of its repetition filter's time.
    Word sequences compare where datatrove compares their concatenations; they differ only when
    two different sequences concatenate alike ("ab c" and "a bc"), which almost never repeats."""
    table: dict[str, int] = {}
    ids = [table.setdefault(w, len(table)) for w in words]
    for n in range(2, largest + 1):
        yield n, list(zip(*(ids[j:] for j in range(n)), strict=False))


def _top_ngram_chars(keys: list[tuple[int, ...]], n: int, ends: list[int]) -> int:
    """Characters of the most frequent n-gram (joined by spaces) times its count; the first
    met wins a tie, as in ``Counter.most_common``."""
    if not keys:
        return 0
    key, count = Counter(keys).most_common(1)[0]
    i = keys.index(key)
    return (ends[i + n] - ends[i] + n - 1) * count


def _repeated_ngram_chars(keys: list[tuple[int, ...]], n: int, ends: list[int]) -> int:
    """Characters (joined without spaces) of the n-grams that repeat an earlier one; a repeat
    skips its n words, as in Gopher's reference code."""
    if len(set(keys)) == len(keys):  # no n-gram repeats: most texts, for the longer n-grams
        return 0
    seen: set[tuple[int, ...]] = set()
    chars = i = 0
    last = len(keys)
    while i < last:
        key = keys[i]
        if key in seen:
            chars += ends[i + n] - ends[i]
            i += n
        else:
            seen.add(key)
            i += 1
    return chars


TOP_NGRAMS = (2, 3, 4)
REPEATED_NGRAMS = (5, 6, 7, 8, 9, 10)


def gopher_repetition(s: Split) -> dict[str, float]:
    text = s.text
    size = len(text)
    paragraphs = _PARAGRAPH_BREAK.split(text.strip())
    n_para, para_chars = _duplicates(paragraphs)
    lines = _LINE_BREAKS.split(text)
    n_line, line_chars = _duplicates(lines)
    out: dict[str, float] = {
        "dup_para_frac": _ratio(n_para, len(paragraphs)),
        "dup_para_char_frac": _ratio(para_chars, size),
        "dup_line_frac": _ratio(n_line, len(lines)),
        "dup_line_char_frac": _ratio(line_chars, size),
    }
    words = s.words
    ends = [0, *accumulate(len(w) for w in words)]  # characters of words[:i] at ends[i]
    for n, keys in _ngram_keys(words, max(REPEATED_NGRAMS)):
        if n in TOP_NGRAMS:
            out[f"top_{n}_gram"] = _ratio(_top_ngram_chars(keys, n, ends), size)
        if n in REPEATED_NGRAMS:
            out[f"dup_{n}_gram"] = _ratio(_repeated_ngram_chars(keys, n, ends), size)
    return out


def _sentences(line: str, by_characters: bool = False) -> int:
    """Sentences in one line, as spaCy's sentencizer counts them: a new one starts at the first
    word after a sentence-ending mark, and initials and common abbreviations end none."""
    n = 1 + (len(_CJK_END.findall(line)) if by_characters else 0)
    for m in _SENTENCE_END.finditer(line):
        word = m.group(1)
        if not (word and m.group(0).startswith(word + ".") and _NOT_AN_END.fullmatch(word)):
            n += 1
    return n


def c4(
    s: Split,
    *,
    remove_citations: bool,
    filter_no_terminal_punct: bool,
    min_words_per_line: int,
    max_word_length: int,
    filter_javascript: bool,
    filter_policy: bool,
) -> dict[str, float]:
    """C4's line filters, then what decides the document: the sentences of the lines kept, and
    whether a kept line holds "lorem ipsum" or a curly bracket."""
    sentences = lorem = curly = 0
    for raw in s.lines:
        line = raw.strip()
        words = line.split()
        if max_word_length != -1 and any(len(w) > max_word_length for w in words):
            continue
        if remove_citations:
            line = _CITATION.sub("", line)
        if filter_no_terminal_punct and (
            not line.endswith(_END_PUNCTUATION) or line.endswith("...")
        ):
            continue
        if len(words) < min_words_per_line:
            continue
        lower = line.lower()
        if "lorem ipsum" in lower:
            lorem = 1
        if filter_javascript and "javascript" in lower:
            continue
        if "{" in line:
            curly = 1
        if filter_policy and any(p in lower for p in POLICY_PHRASES):
            continue
        sentences += _sentences(line, s.by_characters)
    return {"sentences": sentences, "lorem_ipsum": lorem, "curly_bracket": curly}


def fineweb(s: Split, *, stop_chars: tuple[str, ...], short_line_length: int) -> dict[str, float]:
    text = s.text
    lines = [ln for ln in text.split("\n") if ln.strip()]
    n = len(lines)
    n_words = len(s.words)
    newlines = text.count("\n")
    return {
        "line_punct_ratio": _ratio(sum(1 for ln in lines if ln.endswith(stop_chars)), n),
        "short_line_ratio": _ratio(sum(1 for ln in lines if len(ln) <= short_line_length), n),
        "char_dup_ratio": _ratio(_duplicates(lines)[1], len(text) - newlines),
        "list_ratio": newlines / n_words if n_words else float(newlines),
    }
