"""Mine text a site glues to the start or end of lines (``strip_span`` candidates): page-title
prefixes ("Site | Section | ..."), link-label suffixes, on lines whose other part varies.

Part of the miner behind ``cleaner suggest`` (:mod:`cleaner.authoring.mining`); pure functions
over a :class:`~cleaner.authoring.mining.Corpus` and the lines its cuts and groups leave.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cleaner.authoring.mining import Corpus, is_metadata, zone

SEPARATORS = "|-\u2013\u2014:\u00bb\u00b7/\u2022"  # | - en and em dash : » · / •
SPAN_CHARS = 60  # a site's prefix or suffix is at most this long
LABEL_WORDS = 2  # a line whose varying part is this short is a label: drop it whole


@dataclass
class Span:
    """A recurring prefix or suffix on lines whose other part varies."""

    text: str
    suffix: bool
    pages: set[int]
    hits: int
    outside: int
    drop: bool  # the varying part is a short label too: drop the whole line
    max_words: int  # longest line seen with it (a guard for `drop`)
    instances: list[tuple[int, int]]  # (page, line index)
    section: bool = False  # a prefix followed by "<section> <same separator>", taken too

    @property
    def separator(self) -> str:
        edge = self.text.strip()
        return edge[-1] if edge and edge[-1] in SEPARATORS and not self.suffix else ""


# On ASCII (``isupper`` is A-Z, ``islower`` a-z) the cut points that yield a span are found
# at once: words glued together, and the spaces after (a suffix: before) a separator.
_GLUED = re.compile(r"(?<=[a-z.!?])[A-Z]")
_SEPARATOR = re.compile("[" + re.escape(SEPARATORS) + "]")


def _boundaries(line: str, suffix: bool) -> list[str]:
    """Prefixes (or suffixes) of ``line`` that end at a separator or at glued words."""
    if line.isascii():
        return _ascii_boundaries(line, suffix)
    # Only a space or a capital can start a cut, so the rest are passed over at once; the
    # letters (a span holds three) are counted as the walk from the line's edge goes.
    found: list[str] = []
    n = len(line)
    last = min(n, SPAN_CHARS + 1)
    alpha, counted = 0, n
    if suffix:
        for i in range(n - 1, max(n - last, 0), -1):  # the cut point: suffix line[i:]
            left, right = line[i - 1], line[i]
            if left != " " and not right.isupper():
                continue
            alpha += sum(map(str.isalpha, line[i:counted]))
            counted = i
            if alpha < 3:
                continue
            glued = right.isupper() and (left.islower() or left in ".!?")
            sep = False
            if left == " ":
                edge = line[i:].lstrip()
                sep = bool(edge) and edge[0] in SEPARATORS
            if glued or sep:
                part = line[i:]
                found.append(part.strip() if sep else part)
        return found
    counted = 0
    for i in range(1, last):  # the cut point: prefix line[:i]
        right = line[i]
        if right != " " and not right.isupper():
            continue
        alpha += sum(map(str.isalpha, line[counted:i]))
        counted = i
        if alpha < 3:
            continue
        left = line[i - 1]
        glued = right.isupper() and (left.islower() or left in ".!?")
        sep = False
        if right == " ":
            edge = line[:i].rstrip()
            sep = bool(edge) and edge[-1] in SEPARATORS
        if glued or sep:
            part = line[:i]
            found.append(part.strip() if sep else part)
    return found


def _ascii_boundaries(line: str, suffix: bool) -> list[str]:
    """``_boundaries`` of an ASCII line, the same list in the same order, from the cut points
    that yield a span (a walk over every character costs more than the rest of the miner)."""
    n = len(line)
    last = min(n, SPAN_CHARS + 1)
    if suffix:
        low = max(n - last, 0)  # cut points i in (low, n - 1]
        glued = {m.start() for m in _GLUED.finditer(line, low + 1)}
        sep: set[int] = set()
        for m in _SEPARATOR.finditer(line, low + 1):
            k = j = m.start()
            while j > 0 and line[j - 1].isspace():
                j -= 1
            # line[i:] starts, after blanks, with the separator, and line[i - 1] is a space.
            sep.update(i for i in range(max(j + 1, low + 1), k + 1) if line[i - 1] == " ")
        found = []
        for i in sorted(glued | sep, reverse=True):
            if i > n - 1 or sum(map(str.isalpha, line[i:])) < 3:
                continue
            part = line[i:]
            found.append(part.strip() if i in sep else part)
        return found
    glued = {m.start() for m in _GLUED.finditer(line, 1, last)}
    sep = set()
    for m in _SEPARATOR.finditer(line, 0, last):
        k = m.end()
        while k < last and line[k].isspace():
            if line[k] == " " and k >= 1:
                sep.add(k)  # line[:k] ends, after blanks, with the separator
            k += 1
    found = []
    for i in sorted(glued | sep):
        if sum(map(str.isalpha, line[:i])) < 3:
            continue
        part = line[:i]
        found.append(part.strip() if i in sep else part)
    return found


def _edge(line: str, suffix: bool) -> str | None:
    """The start of ``line`` (without blanks) up to its third letter, or (``suffix``) its end
    from its third letter from the end: what each of its prefixes (suffixes) from
    :func:`_boundaries` starts (ends) with, as they hold three letters. None: fewer letters."""
    text = line.rstrip() if suffix else line.lstrip()
    seen = 0
    for j in range(len(text) - 1, -1, -1) if suffix else range(len(text)):
        if text[j].isalpha():
            seen += 1
            if seen == 3:
                return text[j:] if suffix else text[: j + 1]
    return None


def choose_spans(corpus: Corpus, kept: Sequence[Sequence[int]]) -> list[Span]:
    """Prefixes and suffixes that recur on many pages before (after) text that varies."""
    found: dict[tuple[str, bool], Span] = {}
    rests: dict[tuple[str, bool], set[str]] = {}
    # Every line that yields a prefix (suffix) starts (ends) with its edge (:func:`_edge`); an
    # edge on fewer than `threshold` pages yields no span that qualifies, so is not searched.
    edge_pages: dict[tuple[str, bool], set[int]] = {}
    todo: list[tuple[int, int, str, tuple[str | None, str | None]]] = []
    for p, idx in enumerate(kept):
        for i in idx:
            line = corpus.pages[p][i]
            if not corpus.common(line):
                edges = (_edge(line, False), _edge(line, True))
                todo.append((p, i, line, edges))
                for suffix, edge in enumerate(edges):
                    if edge is not None:
                        edge_pages.setdefault((edge, bool(suffix)), set()).add(p)
    for p, i, line, edges in todo:
        layout = corpus.layouts[p]
        for suffix in (False, True):
            edge = edges[suffix]
            if edge is None or len(edge_pages[edge, suffix]) < corpus.threshold:
                continue
            for part in dict.fromkeys(_boundaries(line, suffix)):
                key = (part, suffix)
                span = found.get(key)
                if span is None:
                    span = found[key] = Span(part, suffix, set(), 0, 0, False, 0, [])
                    rests[key] = set()
                span.pages.add(p)
                span.hits += 1
                span.outside += zone(layout, i) == "outside"
                span.max_words = max(span.max_words, len(line.split()))
                span.instances.append((p, i))
                rest = line[: -len(part)] if suffix else line[len(part) :]
                rests[key].add(rest.strip(" " + SEPARATORS))
    good = [
        s
        for key, s in found.items()
        if len(s.pages) >= corpus.threshold
        and len(rests[key]) >= corpus.threshold
        # A span on lines inside the article is a dateline ("WASHINGTON -") or a label the
        # article keeps: only spans mostly outside it (page titles, link labels) qualify.
        and s.outside * 2 >= s.hits
        and not is_metadata(s.text)
    ]
    # Of nested prefixes (suffixes) keep the longest that holds nearly all of the shorter one's
    # pages, and nothing that extends a span already kept.
    good.sort(key=lambda s: (-len(s.pages), -len(s.text)))
    chosen: list[Span] = []
    for s in good:
        if any(_nested(s, c) for c in chosen):
            continue
        longer = [
            o for o in good if o is not s and o.suffix == s.suffix and _extends(o.text, s.text, s)
        ]
        if any(len(o.pages) * 10 >= len(s.pages) * 9 for o in longer):
            continue
        chosen.append(s)
    for s in chosen:
        rest_words = [
            len(
                (
                    corpus.pages[p][i][: -len(s.text)]
                    if s.suffix
                    else corpus.pages[p][i][len(s.text) :]
                ).split()
            )
            for p, i in s.instances
        ]
        s.drop = max(rest_words) <= LABEL_WORDS
        sep = s.separator
        if sep and not s.drop:
            # "Site | Section | Headline": when most lines go on with a short section and the
            # same separator, the section goes too.
            then = re.compile(rf"^ ?[^{re.escape(sep)}]{{1,40}} {re.escape(sep)} ")
            rests_after = [corpus.pages[p][i][len(s.text) :] for p, i in s.instances]
            s.section = sum(bool(then.match(r)) for r in rests_after) * 5 >= len(rests_after) * 4
    return chosen


def _extends(longer: str, shorter: str, span: Span) -> bool:
    if len(longer) <= len(shorter):
        return False
    return longer.endswith(shorter) if span.suffix else longer.startswith(shorter)


def _nested(s: Span, kept: Span) -> bool:
    return s.suffix == kept.suffix and (
        _extends(s.text, kept.text, s) or _extends(kept.text, s.text, s)
    )
