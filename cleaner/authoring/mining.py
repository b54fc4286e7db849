"""Mine the chrome that many pages of one site share: the evidence behind ``cleaner suggest``.

Pure functions over pages given as lists of non-blank, normalised lines. Everything rests on
evidence a reviewer can check by reading the pages:

- a line's *page count*: on how many pages it occurs. Chrome recurs; article text does not.
- each page's *body*: the window of lines with the most words that recur on no other page (a
  maximum-sum window over per-line scores), and its *lead*: the headline, byline and date lines
  just above the body, which recur rarely or are short. A header cut must stop before the lead;
  a footer cut must start after the body.
- each page's *title line*: a text scrape starts with the page's ``<title>``; when the headline
  occurs nowhere else on the page, a header cut keeps that line.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cleaner.authoring.daily import Daily, Days

# A line of unique text scores (words - BODY_WORDS): paragraphs raise the body window, short
# unique lines (links, captions) lower it a little; a recurring line lowers it more.
BODY_WORDS = 8
SHORT_PENALTY = 3
COMMON_PENALTY = 3
# Above the body, each recurring line counts +1 and each unique line -LEAD_PENALTY toward the
# header's end: a few unique lines (title, archive toolbar) inside a long menu stay header.
LEAD_PENALTY = 4

_KEY = re.compile(r"[\W_]+")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:by|posted by|written by|from)\s+\S", re.IGNORECASE)
_CREDIT = re.compile(r"contributed to this (?:report|story)|\bcontributed reporting\b", re.I)
# A byline that is only a wire service ("AP") recurs on every page that carries its stories.
_WIRE = re.compile(
    r"^(?:the )?(?:associated press|ap|reuters|afp|agence france-presse|bloomberg(?: news)?"
    r"|upi|united press international|dpa|press association|pa|xinhua|kyodo(?: news)?)$",
    re.I,
)


def line_key(line: str) -> str:
    """A line compared without case, punctuation or spacing."""
    return _KEY.sub(" ", line.casefold()).strip()


def is_metadata(line: str) -> bool:
    """Dates, bylines and reporting credits recur across pages yet belong to the article."""
    if _DATE.search(line) or _CREDIT.search(line) or _WIRE.match(line):
        return True
    return bool(_BYLINE.match(line)) and len(line.split()) <= 10


def min_pages(n_pages: int, share: float) -> int:
    """The page count from which a line counts as recurring: ``share`` of the pages, at least 3."""
    return max(3, math.ceil(share * n_pages))


@dataclass(frozen=True)
class Layout:
    """Where one page's article text is estimated to be (indices into its lines)."""

    body_start: int
    body_end: int  # inclusive; body_end < body_start when the page has no body
    lead_start: int  # header cuts must remove nothing from here on
    title_only: bool  # line 0 is the only copy of the headline

    @property
    def has_body(self) -> bool:
        return self.body_end >= self.body_start


class Corpus:
    """Pages of one site with their page counts and estimated layouts; ``days`` the day each
    page was fetched, when known (None), to tell the day's lines from the site's."""

    def __init__(self, pages: Sequence[list[str]], share: float, days: Days = None) -> None:
        self.pages = [list(p) for p in pages]
        self.n = len(self.pages)
        self.threshold = min_pages(self.n, share)
        self.df: Counter[str] = Counter()
        for lines in self.pages:
            self.df.update(set(lines))
        self.daily = Daily(self.pages, self.df, self.threshold, days)
        self.counts = [Counter(lines) for lines in self.pages]
        # A first line that recurs is chrome the scrape starts with, not a page's title.
        self.title_keys = {line_key(p[0]) for p in self.pages if p and not self.common(p[0])}
        # Per distinct line, asked of every page that holds it (chrome recurs on most pages).
        self.scores = {line: self._score(line) for line in self.df}
        self.keys: dict[str, str] = {}
        self.layouts = [self._layout(lines) for lines in self.pages]
        self.markers: dict[str, bool] = {}  # _marker_ok per distinct line (asked per page)

    def common(self, line: str) -> bool:
        return self.df[line] >= self.threshold

    def is_headline(self, line: str) -> bool:
        """Whether the line is (part of) some page's title line, i.e. an article's headline."""
        key = line_key(line)
        if len(key.split()) < 3:
            return False
        return any(key in title for title in self.title_keys)

    def _score(self, line: str) -> int:
        if self.common(line):
            return -COMMON_PENALTY
        return max(len(line.split()) - BODY_WORDS, -SHORT_PENALTY)

    def _layout(self, lines: list[str]) -> Layout:
        best, best_start, best_end = 0, 0, -1
        run, start = 0, 0
        scores = self.scores
        for i, line in enumerate(lines):
            if run <= 0:
                run, start = 0, i
            run += scores[line]
            if run > best:
                best, best_start, best_end = run, start, i
        title_only = bool(lines) and not self.common(lines[0]) and _title_only(lines, self.keys)
        if best_end < best_start:
            return Layout(0, -1, 0, title_only)
        # The header ends where recurring lines stop outweighing unique ones.
        total, peak, lead = 0, 0, 0
        for i in range(1 if title_only else 0, best_start):
            total += 1 if self.common(lines[i]) else -LEAD_PENALTY
            if total > peak:
                peak, lead = total, i + 1
        return Layout(best_start, best_end, lead, title_only)


def _title_only(lines: list[str], keys: dict[str, str] | None = None) -> bool:
    """True when no later line repeats the headline held by the title line (line 0);
    ``keys`` remembers each line's :func:`line_key`."""
    if keys is None:
        keys = {}
    title = line_key(lines[0])
    if not title:
        return False
    for line in lines[1:]:
        key = keys.get(line)
        if key is None:
            key = keys[line] = line_key(line)
        if len(key.split()) >= 3 and key in title and len(key) * 2 >= len(title):
            return False
    return True


@dataclass
class Cut:
    """A header cut (cut_before) or footer cut (cut_after) at one marker line."""

    marker: str
    footer: bool
    positions: dict[int, int]  # page -> index of the marker
    keep_first: bool = False  # header cuts: keep the title line
    gain: int = 0  # lines it removes that no cut chosen before it removes
    pages: int = 0  # pages where it removes something no earlier cut removes

    reach: int = 0  # furthest the marker sat from the top (or bottom) when the cut ran

    @property
    def guard(self) -> int:
        """A position guard (first_lines / last_lines) with a little room for unseen pages.

        It is measured on the text the cut sees when it runs, after the cuts before it in the
        pack, so a marker that strays into another part of an unseen page stays out of reach.
        """
        return math.ceil(self.reach * 1.25) + 3


def _marker_ok(corpus: Corpus, line: str) -> bool:
    ok = corpus.markers.get(line)
    if ok is None:
        ok = corpus.markers[line] = (
            corpus.common(line)
            and not is_metadata(line)
            and not corpus.is_headline(line)
            and not corpus.daily.only_today(line)
        )
    return ok


def _marker_positions(corpus: Corpus, footer: bool) -> dict[str, dict[int, int]]:
    """Markers that occur once on every page that has them, and cut no article text there."""
    found: dict[str, dict[int, int]] = {}
    bad: set[str] = set()
    # Each distinct line judged once (every page's lines are asked): a set lookup per line.
    ok = {line for line in corpus.df if _marker_ok(corpus, line)}
    for p, lines in enumerate(corpus.pages):
        layout = corpus.layouts[p]
        counts = corpus.counts[p]
        for i, line in enumerate(lines):
            if line not in ok or line in bad:
                continue
            safe = counts[line] == 1 and (
                not layout.has_body or (i > layout.body_end if footer else i < layout.lead_start)
            )
            if safe:
                found.setdefault(line, {})[p] = i
            else:
                bad.add(line)
                found.pop(line, None)
    return found


MIN_CUT_PAGES = 5  # a cut removes whole blocks: it needs this much evidence at least


def choose_cuts(corpus: Corpus, footer: bool) -> list[Cut]:
    """Greedily pick markers, each removing the most lines the ones before it leave. The pack
    applies them in the order chosen."""
    candidates = _marker_positions(corpus, footer)
    # Per page: the first line a footer cut removes, or the last line a header cut removes.
    edge = (
        [len(lines) for lines in corpus.pages]
        if footer
        else [0 if layout.title_only else -1 for layout in corpus.layouts]
    )
    chosen: list[Cut] = []
    while candidates:
        best: Cut | None = None
        for marker, positions in candidates.items():
            if footer:
                gains = [edge[p] - i for p, i in positions.items() if edge[p] > i]
            else:
                gains = [i - edge[p] for p, i in positions.items() if i > edge[p]]
            gain = sum(gains)
            if best is None or (gain, len(gains)) > (best.gain, best.pages):
                best = Cut(marker, footer, positions, gain=gain, pages=len(gains))
        least = max(corpus.threshold, MIN_CUT_PAGES)
        if best is None or best.pages < least or best.gain < 2 * corpus.threshold:
            break
        del candidates[best.marker]
        # Lines between the marker and the top (bottom) once the earlier cuts have run.
        best.reach = max(
            (edge[p] - i) if footer else (i - max(edge[p], 0)) + 1
            for p, i in best.positions.items()
            if (edge[p] > i if footer else i > edge[p])
        )
        best.keep_first = not footer and any(
            corpus.layouts[p].title_only and i > 0 for p, i in best.positions.items()
        )
        for p, i in best.positions.items():
            edge[p] = min(edge[p], i) if footer else max(edge[p], i)
        chosen.append(best)
    return chosen


def apply_cuts(corpus: Corpus, cuts: Sequence[Cut]) -> list[list[int]]:
    """The indices of each page's lines the cuts leave (markers are unique on their pages, so
    the order of the cuts does not matter)."""
    out: list[list[int]] = []
    for p, lines in enumerate(corpus.pages):
        start, end = 0, len(lines)
        keep_title = False
        for cut in cuts:
            i = cut.positions.get(p)
            if i is None:
                continue
            if cut.footer:
                end = min(end, i)
            else:
                start = max(start, i + 1)
                keep_title = keep_title or cut.keep_first
        kept = list(range(start, end))
        if keep_title and start > 0 and end > 0:
            kept.insert(0, 0)
        out.append(kept)
    return out


@dataclass
class LineGroup:
    """Recurring lines the cuts leave, dropped together: lines that sit next to each other on
    many pages (a menu, a share bar) form one group."""

    lines: list[str]
    pages: set[int]
    hits: int  # occurrences removed
    outside: int  # occurrences outside the estimated article text


BYLINE_REACH = 4  # bylines sit within this many lines above the body's first paragraph


def zone(layout: Layout, i: int) -> str:
    if not layout.has_body or i < layout.lead_start or i > layout.body_end:
        return "outside"
    if layout.body_start - BYLINE_REACH <= i <= layout.body_start:
        return "byline"
    return "body"


def _name_like(line: str) -> bool:
    """A short line of capitalised words ("Jane Doe", "FOXNews.com"): just above the body, a
    byline or source more often than a label ("Story highlights", "More videos ...")."""
    words = line.split()
    return len(words) <= 3 and all(w[0].isupper() or w in ("&", "-", "and", "of") for w in words)


def choose_lines(corpus: Corpus, kept: Sequence[Sequence[int]]) -> list[LineGroup]:
    """Recurring lines left after the cuts, grouped by adjacency, best supported first."""
    df: Counter[str] = Counter()
    for p, idx in enumerate(kept):
        df.update({corpus.pages[p][i] for i in idx})
    zones: dict[str, Counter[str]] = {}
    for p, idx in enumerate(kept):
        for i in idx:
            line = corpus.pages[p][i]
            if df[line] >= corpus.threshold:
                zones.setdefault(line, Counter())[zone(corpus.layouts[p], i)] += 1
    chosen = {
        line
        for line, z in zones.items()
        if not is_metadata(line)
        and not corpus.is_headline(line)
        and not corpus.daily.only_today(line)
        and not (_name_like(line) and z["byline"] * 2 >= z.total())
    }
    # Union lines that are neighbours on at least `threshold` pages.
    parent = {line: line for line in chosen}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs: Counter[tuple[str, str]] = Counter()
    for p, idx in enumerate(kept):
        seq = [corpus.pages[p][i] for i in idx]
        pairs.update({(a, b) for a, b in itertools.pairwise(seq) if a in chosen and b in chosen})
    for (a, b), n in pairs.items():
        if n >= corpus.threshold:
            parent[find(a)] = find(b)
    members: dict[str, list[str]] = {}
    for line in sorted(chosen):
        members.setdefault(find(line), []).append(line)
    # Per chosen line: the pages it is kept on, and where it is first seen (page order: the
    # order a reader meets the lines in).
    on_pages: dict[str, set[int]] = {line: set() for line in chosen}
    first_seen: dict[str, tuple[int, int]] = {}
    for p, idx in enumerate(kept):
        for i in idx:
            line = corpus.pages[p][i]
            if line in chosen:
                on_pages[line].add(p)
                first_seen.setdefault(line, (p, i))
    groups: list[LineGroup] = []
    for lines in members.values():
        pages = set().union(*(on_pages[line] for line in lines))
        hits = sum(zones[line].total() for line in lines)
        outside = sum(zones[line]["outside"] for line in lines)
        lines.sort(key=lambda line: first_seen[line])
        groups.append(LineGroup(lines, pages, hits, outside))
    return groups


# --- body runs: the part of one page no learned rule may touch --------------------------------

LONG_WORDS = 15  # a paragraph of at least this many words is article text, not chrome
RUN_GAP = 3  # at most this many shorter lines between two long paragraphs of one run


def body_runs(lines: Sequence[str]) -> set[int]:
    """Indices of the lines inside a run of long paragraphs on one page: two or more lines of
    at least LONG_WORDS words, at most RUN_GAP lines apart, and every line between them (a line
    inside a run on any page is article text somewhere, never learned chrome)."""
    long = [i for i, line in enumerate(lines) if len(line.split()) >= LONG_WORDS]
    inside: set[int] = set()
    for a, b in itertools.pairwise(long):
        if b - a <= RUN_GAP + 1:
            inside.update(range(a, b + 1))
    return inside
