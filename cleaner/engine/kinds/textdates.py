"""The dates a plain text writes, for ``text_date``: the forms, how each is read, and the scan
that finds them in a page's first lines."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar, NamedTuple

from cleaner.words import word_estimate

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = "((?:19|20)[0-9]{2})"
_DAY = r"([0-9]{1,2})(?:st|nd|rd|th)?"
# Each form: (name, RE2 source). Groups are numbered; ``_found`` reads them by form. A digit
# must not touch a number on either side, so "12345 2023-05-10" or a version "1.2.2023.4" is
# not read as a date. A month name may be glued to the word before it ("By Jane DoeMar 5,
# 2025"), which scrapes of adjacent elements often do.
FORMS = (
    ("mdy", _MONTH + " " + _DAY + r",? " + _YEAR + r"(?:[^0-9]|$)"),
    ("dmy", r"(?:^|[^0-9])" + _DAY + r" (?:of )?" + _MONTH + ",? " + _YEAR + r"(?:[^0-9]|$)"),
    ("ymd", r"(?:^|[^0-9.])" + _YEAR + r"(?:-([01]?[0-9])-([0-3]?[0-9])|/([01]?[0-9])/([0-3]?[0-9])"
     r"|\.([01]?[0-9])\.([0-3]?[0-9]))(?:[^0-9]|$)"),
    ("num", r"(?:^|[^0-9.])([0-3]?[0-9])([/.-])([0-3]?[0-9])[/.-]" + _YEAR + r"(?:[^0-9.]|$)"),
    ("cjk", _YEAR + r"\s*[年년]\s*([01]?[0-9])\s*[月월]\s*([0-3]?[0-9])\s*[日일]?"),
)  # fmt: skip
URL_DATE = r"/" + _YEAR + r"([/-])([01][0-9])[/-]([0-3][0-9])(?:[/-]|$)"

# Chinese and Japanese write digits full-width (２０２３年５月１０日, ２０２３－０５－１０) or
# as numerals (二〇二三年五月十日): the forms read them once folded to ASCII digits. A
# numeral date needs its year, month and day ("五月十日" has no year; 今天 and 昨天 are no
# date at all).
_WIDE = str.maketrans("０１２３４５６７８９－／．：", "0123456789-/.:")
_NUMERALS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
_ZERO_TO_NINE = "〇○零一二三四五六七八九"
_NUMERAL_DATE = re.compile(
    "([" + _ZERO_TO_NINE + r"]{4}|[0-9]{4})(\s*年\s*)([一二三四五六七八九十]{1,2})(\s*月\s*)"
    r"([一二三四五六七八九十]{1,3})(?=\s*[日号號])"
)


def _numeral(text: str) -> int | None:
    """The number 1-39 that Chinese numerals write (十 = 10, 十二 = 12, 三十一 = 31)."""
    if "十" not in text:
        return _NUMERALS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    high = _NUMERALS.get(tens, -1) if tens else 1
    low = _NUMERALS.get(ones, -1) if ones else 0
    return None if high < 1 or low < 0 else high * 10 + low


def fold_digits(line: str) -> tuple[str, list[tuple[int, int]]]:
    """The line with full-width digits and numeral dates in ASCII digits, and for each numeral
    date, (where it ends in the folded line, how many characters longer it grew), which move the
    offsets after it back to the line's own."""
    folded = line.translate(_WIDE)
    if "年" not in folded or "月" not in folded:
        return folded, []
    moves: list[tuple[int, int]] = []
    parts: list[str] = []
    done = grown = 0
    for m in _NUMERAL_DATE.finditer(folded):
        year = m.group(1)
        if not year.isascii():
            year = "".join(str(_NUMERALS[c]) for c in year)
        month, day = _numeral(m.group(3)), _numeral(m.group(5))
        if month is None or day is None:
            continue
        piece = f"{year}{m.group(2)}{month}{m.group(4)}{day}"
        parts += [folded[done : m.start()], piece]
        done = m.end()
        start = m.start() + grown  # where the piece starts in the folded line
        grown += len(piece) - (m.end() - m.start())
        moves.append((start + len(piece), grown))
    if not parts:
        return folded, []
    parts.append(folded[done:])
    return "".join(parts), moves


def _unfold(at: int, moves: list[tuple[int, int]]) -> int:
    """The offset in the line of ``at`` in its folded line (``fold_digits``'s moves)."""
    back = 0
    for end, grown in moves:
        if end > at:
            break
        back = grown
    return at - back


class Found(NamedTuple):
    """A date written in the text: where, its parts, and how it was written."""

    line: int  # index into the lines
    start: int  # offset of the date in its line
    year: int
    first: int  # the month, or for a numeric date (form ``num``) the first number
    second: int  # the day, or the second number
    form: str  # how it was written; only ``num`` leaves the order open


def year_lines(lines: list[str], end: int, max_words: int) -> list[int]:
    """The indexes, below ``end``, of the lines that may hold a date: a year in a line of at
    most ``max_words`` words (a longer one is a sentence, whose dates are events; Chinese and
    Japanese count about two characters a word)."""
    text = "\n".join(lines[:end])
    find = text.find
    starts: set[int] = set()  # where each line with a year starts
    # Every form holds a year "19xx" or "20xx" in ASCII digits, which have no case to fold:
    # str.find looks for them in C, with none of RE2's encoding of the whole text.
    for century in ("19", "20"):
        at = find(century)
        while at >= 0:
            digits = text[at + 2 : at + 4]
            if len(digits) == 2 and digits.isascii() and digits.isdigit():
                starts.add(text.rfind("\n", 0, at) + 1)
                at = find("\n", at)  # one year is enough: on to the next line
                if at < 0:
                    break
            at = find(century, at + 1)
    if not text.isascii():
        # A year folded to ASCII by fold_digits: full-width digits, or numerals before 年.
        for mark in ("１９", "２０", "年"):
            at = find(mark)
            while at >= 0:
                if mark != "年" or text[at - 1 : at] in _ZERO_TO_NINE:
                    starts.add(text.rfind("\n", 0, at) + 1)
                at = find(mark, at + 1)
    out: list[int] = []
    i = previous = 0
    for start in sorted(starts):
        i += text.count("\n", previous, start)
        previous = start
        if word_estimate(lines[i]) <= max_words:
            out.append(i)
    return out


# A date in a line, with no line number: (start, year, first, second, form).
_Date = tuple[int, int, int, int, str]


class _Memo:
    """What earlier scans found. ``lines``: each line's dates (the forms are constants, so a
    line's dates are the same whichever rule or round asks; later fixpoint rounds ask again of
    the same lines). ``last``: the last scan's answer, with what it was asked, for the next
    date rule asking of the same lines in the same round."""

    lines: ClassVar[dict[str, tuple[_Date, ...]]] = {}
    last: ClassVar[tuple[list[str], int, int, list[Found]] | None] = None


_MEMO_LINES = 8192  # lines remembered before the memo starts afresh


def scan(
    forms: tuple[tuple[str, Any], ...], lines: list[str], end: int, max_words: int
) -> list[Found]:
    """Every date in the lines below ``end`` of at most ``max_words`` words, in text order."""
    last = _Memo.last
    # A list compare runs in C, and the rules of a round share the lines' strings.
    if last is not None and last[1:3] == (end, max_words) and last[0] == lines:
        return last[3].copy()
    found = _scan(forms, lines, end, max_words)
    _Memo.last = (lines.copy(), end, max_words, found.copy())
    return found


def _scan(
    forms: tuple[tuple[str, Any], ...], lines: list[str], end: int, max_words: int
) -> list[Found]:
    """The forms are compiled with no match crossing a line break (``never_nl``), so a line's
    dates depend on that line alone: they run over the lines that hold a year and are not
    remembered, one scan of them per form (a scan per line costs more in calls than in text).
    """
    where = year_lines(lines, end, max_words)
    memo = _Memo.lines
    # Read from the memo once: another thread's scan may start it afresh meanwhile.
    known = {lines[i]: memo.get(lines[i]) for i in where}
    new = [i for i in where if known[lines[i]] is None]
    if new:
        if len(memo) + len(new) > _MEMO_LINES:
            memo.clear()
        per_line: list[list[_Date]] = [[] for _ in new]
        src = [lines[i] for i in new]
        moves: dict[int, list[tuple[int, int]]] = {}
        for k, line in enumerate(src):
            if not line.isascii():
                src[k], moved = fold_digits(line)
                if moved:
                    moves[k] = moved
        text = "\n".join(src)
        for form, regex in forms:
            if form == "cjk" and "年" not in text and "년" not in text:
                continue  # the form needs one of them, matched as written
            for m in regex.finditer(text):
                at = m.start(1)
                k = text.count("\n", 0, at)
                start = at - text.rfind("\n", 0, at) - 1
                per_line[k].append(
                    _found(form, m, _unfold(start, moves[k]) if k in moves else start)
                )
        for i, dates in zip(new, per_line, strict=True):
            known[lines[i]] = memo[lines[i]] = tuple(dates)
    out = [Found(i, *d) for i in where for d in known[lines[i]] or ()]
    # In text order; a date that two forms read keeps the forms' order (the sort is stable).
    out.sort(key=lambda f: (f.line, f.start))
    return out


def settled(found: Found, order: str) -> date | None:
    """The date, when its form or ``order`` settles which number is the month."""
    y, a, b = found.year, found.first, found.second
    if found.form != "num":
        month, day = a, b
    elif a > 12 or order == "dmy":
        month, day = b, a
    elif b > 12 or a == b or order == "mdy":
        month, day = a, b
    else:
        return None
    try:
        return date(y, month, day)
    except ValueError:
        return None


def page_order(found: list[Found]) -> str:
    """The numeric order the page's own unambiguous numeric dates show (``auto`` if none or
    both: then an ambiguous one stays unread)."""
    orders = set()
    for f in found:
        if f.form == "num":
            if f.first > 12 >= f.second:
                orders.add("dmy")
            elif f.second > 12 >= f.first:
                orders.add("mdy")
    return orders.pop() if len(orders) == 1 else "auto"


def _found(form: str, m: Any, at: int) -> _Date:
    """The date a form's match reads, ``at`` its offset in its line."""
    g = m.group
    # casefold, not lower: RE2's case-insensitive match reads "ſept" (a long s) as "sept".
    if form == "mdy":
        return (at, int(g(3)), _MONTHS[g(1).casefold()], int(g(2)), form)
    if form == "dmy":
        return (at, int(g(3)), _MONTHS[g(2).casefold()], int(g(1)), form)
    if form == "ymd":
        month = g(2) or g(4) or g(6)
        day = g(3) or g(5) or g(7)
        return (at, int(g(1)), int(month), int(day), form)
    if form == "num":
        # A dotted date (10.05.2023) is day first wherever it is written.
        order = "dmy" if g(2) == "." else form
        first, second = int(g(1)), int(g(3))
        if order == "dmy":
            return (at, int(g(4)), second, first, "ymd")
        return (at, int(g(4)), first, second, form)
    return (at, int(g(1)), int(g(2)), int(g(3)), form)
