"""The boilerplate model's fast path: ``Scorer`` scores a page's lines with the model's weights
folded and each line's own measures remembered, equal to the training path
(``linemodel.chrome_scores``); ``drop_chrome`` drops what it scores as chrome until nothing more
goes.

Each pass is a few list comprehensions over the page's columns rather than a loop per line, and
every logit is summed in the order of the training path's dot products (a feature worth 0.0 adds
nothing), so the scores are the same floats whichever path computes them."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate, compress, groupby, repeat
from operator import add, is_, mul, not_, sub, truediv
from typing import Any

from cleaner.engine.linemeasures import (
    _CJK,
    _SHORT_WORDS,
    OWN_FEATURES,
    _is_body,
    _line,
    _own,
    chrome_words,
    language_counts,
    pick_language,
    stopwords,
)
from cleaner.engine.linemodel import (
    BLOCK_FEATURES,
    CONTEXT_FEATURES,
    LINE_FEATURES,
    WINDOW,
    _sigmoid,
    main_block,
)
from cleaner.engine.pagemeasures import body_column, measure_lines, own_columns


def _folded(layer: dict[str, Any], names: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """A layer's weights with the standardisation folded in: z = bias + sum(w[name] * value)."""
    bias = float(layer["bias"])
    weights: dict[str, float] = {}
    for name, m, s, w in zip(names, layer["mean"], layer["scale"], layer["weights"], strict=True):
        weights[name] = w / s
        bias -= w * m / s
    return bias, weights


# What scoring needs of one line, kept between passes and documents: the line-only features'
# share of the first-pass logit, words, prose, short, casefolded, stop-word and chrome-word
# shares. A plain tuple: one is built for every new line, and the pass takes columns of them.
_Known = tuple[float, float, bool, bool, str, float, float]


class _Weighed:
    """``weight * log1p(k)`` for k = 0, 1, 2, ...: the integer features' terms, looked up."""

    def __init__(self, weight: float) -> None:
        self.weight = weight
        self.terms: list[float] = []

    def upto(self, n: int) -> list[float]:
        terms = self.terms
        if len(terms) <= n:
            # A longer list in place of the old one, never the old one grown: a thread reading
            # it meanwhile keeps a whole list.
            w, log1p = self.weight, math.log1p
            terms = self.terms = terms + [w * log1p(k) for k in range(len(terms), 2 * n + 1)]
        return terms


class Scorer:
    """A model ready to score pages fast: standardisation folded into the weights, and each
    line's own measures remembered (menus repeat from page to page of a site). The result
    equals ``line_features`` -> ``_logit`` -> ``context_features`` -> ``_logit``."""

    MEMO = 50_000  # lines remembered; forgotten all at once beyond this

    def __init__(self, model: dict[str, Any]) -> None:
        self.bias1, w1 = _folded(model["line"], LINE_FEATURES)
        self.own_weights = tuple(w1[name] for name in OWN_FEATURES)
        self.w1 = w1
        self.block_weights = tuple(w1[name] for name in BLOCK_FEATURES)
        self.bias2, w2 = _folded(model["context"], CONTEXT_FEATURES)
        self.w2 = w2
        self.memo: dict[str, dict[str, _Known]] = {}  # per language
        self._distance = _Weighed(w1["log_distance_to_body"])
        self._run = _Weighed(w1["log_short_run"])
        self._gap = _Weighed(w1["log_distance_to_main_block"])
        self._spans: dict[int, tuple[list[float], list[int], list[int], list[int]]] = {}

    def _known(self, lines: list[str], lang: str | None) -> list[_Known]:
        lists = stopwords()
        if lang is None:
            lang = pick_language(language_counts(lines))
        if sum(map(len, self.memo.values())) > self.MEMO:
            self.memo.clear()
        memo = self.memo.setdefault(lang, {})
        known = list(map(memo.get, lines))
        if None not in known:
            return known  # type: ignore[return-value]
        stops, cjk_stops, chrome = lists[lang], lists["cjk"], chrome_words()
        new = list(dict.fromkeys(compress(lines, map(is_, known, repeat(None)))))
        # ASCII lines (most lines) measured as a page, other lines without CJK characters as
        # another, lines with CJK characters one by one.
        plain = [line for line in new if line.isascii() and "\n" not in line]
        if len(plain) < len(new):
            wide = [line for line in new if not line.isascii() and "\n" not in line]
            wide = [line for line in wide if _CJK.search(line) is None]
        else:
            wide = []
        for batch in (plain, wide):
            if batch:
                memo.update(zip(batch, self._rows(batch, stops, chrome), strict=True))
        for line in new if len(plain) + len(wide) < len(new) else ():
            if line in memo:
                continue
            f = _line(line, stops, cjk_stops, chrome)
            part = sum(map(float.__mul__, self.own_weights, _own(f)))
            memo[line] = (
                part,
                f.words,
                _is_body(f),
                f.words <= _SHORT_WORDS and not f.ends,
                line.casefold(),
                f.stop,
                f.chrome,
            )
        return list(map(memo.__getitem__, lines))

    def _rows(
        self, lines: list[str], stops: frozenset[str], chrome: frozenset[str]
    ) -> Iterator[_Known]:
        """What the memo keeps of each of ``lines`` (measured as a page)."""
        m = measure_lines(lines, stops, chrome)
        rows = zip(*own_columns(m), strict=True)
        words = m["words"]
        return zip(
            # Each line's dot product, as the one-by-one path sums it.
            map(sum, map(map, repeat(mul), repeat(self.own_weights), rows)),
            words,
            body_column(m),
            [w <= _SHORT_WORDS and not e for w, e in zip(words, m["ends"], strict=True)],
            map(str.casefold, lines),
            m["stop"],
            m["chrome"],
            strict=True,
        )

    def _page_spans(self, n: int) -> tuple[list[float], list[int], list[int], list[int]]:
        """What depends on the page's length alone: each line's position term and its block
        window (first line, end, size)."""
        spans = self._spans.get(n)
        if spans is None:
            if len(self._spans) > 512:
                self._spans.clear()
            w_pos = self.w1["relative_position"]
            pos = list(map(mul, repeat(w_pos), map(truediv, range(n), repeat(n))))
            los = [0] * min(n, WINDOW + 1) + list(range(1, n - WINDOW))
            his = list(range(WINDOW + 1, n)) + [n] * (n - max(0, n - WINDOW - 1))
            spans = self._spans[n] = (pos, los, his, list(map(sub, his, los)))
        return spans

    def scores(
        self, lines: list[str], min_body: int = 0, lang: str | None = None
    ) -> list[float] | None:
        """Each non-blank line's chrome probability, or None with fewer than ``min_body``
        lines of prose; ``lang``: the page's language when the caller knows it."""
        known = self._known(lines, lang)
        n = len(known)
        if not n:
            return [] if min_body <= 0 else None
        parts, words, body, short, keys, stop, chrome = zip(*known, strict=True)
        n_body = body.count(True)
        if n_body < min_body:
            return None
        first_body = body.index(True) if n_body else n
        last_body = n - 1 - body[::-1].index(True) if n_body else -1
        main, first, end = main_block(body)  # type: ignore[arg-type]
        own = self._first_pass(n, parts, words, body, short, keys, first_body, last_body)
        own = self._plus_blocks(own, n_body, main, first, end, short, stop, chrome)
        return self._second_pass(own, n_body, first_body, last_body, first, end)

    def _first_pass(
        self,
        n: int,
        parts: tuple[float, ...],
        words: tuple[float, ...],
        body: tuple[bool, ...],
        short: tuple[bool, ...],
        keys: tuple[str, ...],
        first_body: int,
        last_body: int,
    ) -> list[float]:
        """Each line's first-pass logit but for the block features' share."""
        w = self.w1
        log1p = math.log1p
        if n > 1:
            means = map(truediv, map(add, words, words[2:]), repeat(2))
            near = [log1p(words[1]), *map(log1p, means), log1p(words[n - 2])]
        else:
            near = [0.0]
        distance = map(self._distance.upto(n).__getitem__, _distances(body, n))
        w_near, bias1 = w["neighbour_log_words"], self.bias1
        z = [
            bias1 + p + q + d + (r + w_near * e)
            for p, q, d, r, e in zip(
                parts,
                self._page_spans(n)[0],
                distance,
                self._run_terms(short, n),
                near,
                strict=True,
            )
        ]
        # The features that hold for a few lines only, each added where it holds.
        if first_body:
            w_before, w_above = w["before_body"], w["just_above_body"]
            z[:first_body] = [x + w_before for x in z[:first_body]]
            above = max(0, first_body - 3)
            z[above:first_body] = [x + w_above for x in z[above:first_body]]
        if last_body < n - 1:
            w_after = w["after_body"]
            z[last_body + 1 :] = [x + w_after for x in z[last_body + 1 :]]
        seen = Counter(keys)
        if len(seen) < n:
            w_rep = w["repeated_in_page"]
            z = [x + w_rep if seen[k] > 1 else x for x, k in zip(z, keys, strict=True)]
        z[0] += w["first_line"]
        return z

    def _run_terms(self, short: tuple[bool, ...], n: int) -> list[float]:
        """Each line's ``log_short_run`` term: its run of short lines (0 for a long line)."""
        terms = self._run.upto(n)
        out: list[float] = []
        for is_short, run in groupby(short):
            count = len(list(run))
            out += repeat(terms[count] if is_short else terms[0], count)
        return out

    def _plus_blocks(
        self,
        own: list[float],
        n_body: int,
        main: int,
        first: int,
        end: int,
        short: tuple[bool, ...],
        stop: tuple[float, ...],
        chrome: tuple[float, ...],
    ) -> list[float]:
        """``own`` plus each line's block features weighed (``block_features`` without building
        them)."""
        n = len(own)
        log1p = math.log1p
        w_body, w_count, w_lines, w_in, w_before, w_after, _, w_share, *w_window = (
            self.block_weights
        )
        w_short, w_stop, w_link = w_window
        page = 0 + w_body * (n_body / n)
        page += w_count * log1p(n_body)
        page += w_lines * log1p(n)
        share = w_share * (main / n_body if n_body else 0.0)
        gap = self._gap.upto(n)
        if first < 0:
            lead = [page + gap[n]] * n
        else:
            lead = [
                *map(add, repeat(page + w_before), map(gap.__getitem__, range(first, 0, -1))),
                *repeat(page + w_in + gap[0], end - first + 1),
                *map(add, repeat(page + w_after), map(gap.__getitem__, range(1, n - end))),
            ]
        _, los, his, sizes = self._page_spans(n)
        ss = list(accumulate(short, initial=0))
        st = list(accumulate(stop, initial=0.0))
        cs = list(accumulate(chrome, initial=0.0))
        return [
            z
            + (
                t
                + share
                + w_short * ((ss[h] - ss[lo]) / s)
                + w_stop * ((st[h] - st[lo]) / s)
                + w_link * ((cs[h] - cs[lo]) / s)
            )
            for z, t, lo, h, s in zip(own, lead, los, his, sizes, strict=True)
        ]

    def _context(self, own: list[float], i: int) -> float:
        """Line ``i``'s second-pass logit but for its place, as ``context_features`` reads it."""
        c = self.w2
        n = len(own)
        window = own[max(0, i - 2) : i + 3]
        prev = own[i - 1] if i > 0 else own[i]
        nxt = own[i + 1] if i + 1 < n else own[i]
        z = self.bias2 + c["own"] * own[i] + c["previous"] * prev + c["next"] * nxt
        z += c["window_mean"] * (sum(window) / len(window))
        z += c["window_max"] * max(window) + c["window_min"] * min(window)
        return z

    def _second_pass(
        self, own: list[float], n_body: int, first_body: int, last_body: int, first: int, end: int
    ) -> list[float]:
        """Each line's chrome probability from its own, its neighbours' and its window's
        first-pass logits and its place."""
        n = len(own)
        c = self.w2
        c_own, c_prev, c_next = c["own"], c["previous"], c["next"]
        c_mean, c_max, c_min, bias2 = c["window_mean"], c["window_max"], c["window_min"], self.bias2
        before = [c["before_body"]] * first_body + [0.0] * (n - first_body)
        after = [0.0] * (last_body + 1) + [c["after_body"]] * (n - last_body - 1)
        if first < 0:
            place = [0.0] * n
        else:
            place = (
                [c["before_main_block"]] * first
                + [c["in_main_block"]] * (end - first + 1)
                + [c["after_main_block"]] * (n - end - 1)
            )
        share = c["page_body_share"] * (n_body / n)
        exp = math.exp
        edges = [*range(min(2, n)), *range(max(2, n - 2), n)]
        z = {i: self._context(own, i) + before[i] + after[i] + share + place[i] for i in edges}
        # The lines with two neighbours each side: their windows are the shifted lists, and
        # their window's max and min are found by comparisons (quicker than calls).
        middle = [
            1.0 / (1.0 + exp(-s))  # _sigmoid
            if (
                s := bias2
                + c_own * m
                + c_prev * b
                + c_next * d
                + c_mean * ((a + b + m + d + e) / 5)
                + (
                    c_max
                    * (
                        hi
                        if (
                            hi := ab
                            if (ab := a if a > b else b) > (de := d if d > e else e)
                            else de
                        )
                        > m
                        else m
                    )
                    + c_min
                    * (
                        lo
                        if (
                            lo := ab
                            if (ab := a if a < b else b) < (de := d if d < e else e)
                            else de
                        )
                        < m
                        else m
                    )
                )
                + bf
                + af
                + share
                + pl
            )
            > -700
            else 0.0
            for a, b, m, d, e, bf, af, pl in zip(
                own,
                own[1:],
                own[2:],
                own[3:],
                own[4:],
                before[2:],
                after[2:],
                place[2:],
                strict=False,
            )
        ]
        head = [_sigmoid(z[i]) for i in range(min(2, n))]
        return [*head, *middle, *(_sigmoid(z[i]) for i in range(max(2, n - 2), n))]


def _distances(body: tuple[bool, ...], n: int) -> list[int]:
    """``body_distance``, built a gap between two prose lines at a time."""
    prose = list(compress(range(n), body))
    if not prose:
        return [n] * n
    out = list(range(prose[0], 0, -1))
    last = prose[0]
    for i in prose[1:]:
        out.append(0)
        gap = i - last - 1
        if gap:
            half = (gap + 1) // 2
            out += range(1, half + 1)
            out += range(gap - half, 0, -1)
        last = i
    out.append(0)
    out += range(1, n - last)
    return out


def page_scores(
    lines: list[str],
    scorer: Scorer,
    min_lines: int,
    min_body: int,
    counts: dict[str, int] | None = None,
) -> list[float | None]:
    """Each line's chrome score, None for blank lines (and all None for texts too short or
    with too little prose to score); ``counts``: the lines' ``language_counts`` if known."""
    nonblank = [i for i, line in enumerate(lines) if line]
    out: list[float | None] = [None] * len(lines)
    if len(nonblank) < min_lines:
        return out
    text = [lines[i] for i in nonblank]
    scores = scorer.scores(text, min_body, pick_language(counts or language_counts(text)))
    if scores is None:
        return out
    for i, score in zip(nonblank, scores, strict=True):
        out[i] = score
    return out


def drop_chrome(
    lines: list[str], scorer: Scorer, threshold: float, min_lines: int, min_body: int
) -> list[str]:
    """``lines`` without the lines scored at least ``threshold``, scored again until none is.

    Dropping chrome changes the neighbours of what is left, so the result is scored again until
    nothing more goes: it is a fixpoint, and cleaning it again changes nothing. The language
    counts are counted once and the dropped lines' taken off (counts add up line by line).
    """
    index = [i for i, line in enumerate(lines) if line]
    text = [lines[i] for i in index]
    counts = language_counts(text)
    dropped = False
    while len(text) >= min_lines:
        scores = scorer.scores(text, min_body, pick_language(counts))
        if scores is None:
            break
        keep = list(map(float(threshold).__gt__, scores))  # score < threshold
        if all(keep):
            break
        gone = language_counts(list(compress(text, map(not_, keep))))
        counts = {lang: count - gone[lang] for lang, count in counts.items()}
        index = list(compress(index, keep))
        text = list(compress(text, keep))
        dropped = True
    if not dropped:
        return lines
    kept = set(index)
    return [line for i, line in enumerate(lines) if not line or i in kept]
