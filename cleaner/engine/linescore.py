"""The boilerplate model's fast path: ``Scorer`` scores a page's lines with the model's weights
folded and each line's own measures remembered, equal to the training path
(``linemodel.chrome_scores``); ``drop_chrome`` drops what it scores as chrome until nothing more
goes.

Each pass is a few numpy expressions over the page's columns rather than a loop per line. The
floats stay the training path's: every logit is summed term by term in the order of its dot
products (elementwise ``+`` and ``*`` are single IEEE operations, so an array of sums is the
list of sums), running sums are ``np.cumsum`` (sequential, unlike ``np.sum``'s pairwise sums),
and every logarithm and exponential is ``math``'s, looked up from tables or taken per line:
numpy's own may differ from them in the last bit."""

from __future__ import annotations

import math
from collections import Counter
from itertools import compress, repeat
from operator import is_, not_
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.engine.linefast import codes, compiled, pass_weights
from cleaner.engine.linelangs import LineLanguages
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
    ordered_sum,
)
from cleaner.engine.pagemeasures import (
    Weighed,
    body_column,
    body_distances,
    measure_lines,
    own_columns,
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
_NEAR_TABLE = 4096  # neighbour means looked up to 1,024 words


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


class Scorer:
    """A model ready to score pages fast: standardisation folded into the weights, and each
    line's own measures remembered (menus repeat from page to page of a site). The result
    equals ``line_features`` -> ``_logit`` -> ``context_features`` -> ``_logit``."""

    MEMO = 50_000  # lines remembered; forgotten all at once beyond this

    def __init__(self, model: dict[str, Any]) -> None:
        self.bias1, w1 = _folded(model["line"], LINE_FEATURES)
        self.own_weights = self.own = tuple(w1[name] for name in OWN_FEATURES)
        self.w1 = w1
        self.block_weights = tuple(w1[name] for name in BLOCK_FEATURES)
        self.bias2, w2 = _folded(model["context"], CONTEXT_FEATURES)
        self.w2 = w2
        self.memo: dict[str, dict[str, _Known]] = {}  # per language
        self._distance = Weighed(w1["log_distance_to_body"])
        self._run = Weighed(w1["log_short_run"])
        self._gap = Weighed(w1["log_distance_to_main_block"])
        # Words are whole or half (CJK characters count half), two neighbours' mean a quarter.
        self._near = Weighed(w1["neighbour_log_words"], 0.25)
        self._spans: dict[int, tuple[Floats, Ints, Ints, Ints]] = {}
        self.languages = LineLanguages()
        # The C measures and passes where built (same floats), else the numpy path.
        self.compiled = compiled()
        self._pass = pass_weights(self.bias1, w1, self.bias2, w2)
        # drop_chrome's passes in C where built; False: each pass from Python, through ``near``.
        self.passes_in_c = True

    def _known(
        self, lines: list[str], lang: str | None, records: list[Any] | None = None
    ) -> list[_Known]:
        lists = stopwords()
        if lang is None:
            lang = pick_language(language_counts(lines))
        if sum(map(len, self.memo.values())) > self.MEMO:
            self.memo.clear()
        # With records (_fastlines.drop's lines without a row), the rows are kept in the lines'
        # entries (LineLanguages.words) instead.
        memo = self.memo.setdefault(lang, {}) if records is None else {}
        stops, cjk_stops, chrome = lists[lang], lists["cjk"], chrome_words()
        known: list[_Known | None]
        if self.compiled is not None:
            # Lines without CJK characters measured, dated and remembered in C, from records
            # (LineLanguages.words': their words counted, casefolds) if given; None for the rest.
            coded, at = codes(stops, chrome), self.languages.names.index(lang)
            known = self.compiled.known_rows(lines, memo, coded, self.own, records, at)
            if None not in known:
                return known  # type: ignore[return-value]
            new = list(compress(lines, map(is_, known, repeat(None))))
        else:
            known = list(map(memo.get, lines))
            if None not in known:
                return known  # type: ignore[return-value]
            new = list(dict.fromkeys(compress(lines, map(is_, known, repeat(None)))))
            # ASCII lines (most lines) measured as a page, other lines without CJK characters
            # as another, lines with CJK characters one by one.
            plain = [line for line in new if line.isascii() and "\n" not in line]
            wide = [line for line in new if not line.isascii() and "\n" not in line]
            wide = [line for line in wide if _CJK.search(line) is None]
            for batch in (plain, wide):
                if batch:
                    memo.update(zip(batch, self._rows(batch, stops, chrome), strict=True))
        for line in new:
            if line in memo:
                continue
            f = _line(line, stops, cjk_stops, chrome)
            part = ordered_sum(map(float.__mul__, self.own_weights, _own(f)))
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

    def _rows(self, lines: list[str], stops: frozenset[str], chrome: frozenset[str]) -> zip[Any]:
        """What the memo keeps of each of ``lines`` (measured as a page)."""
        m = measure_lines(lines, stops, chrome)
        # Each line's dot product, a feature at a time in the one-by-one path's order (its sum
        # starts from 0 and adds left to right).
        parts = np.zeros(len(lines))
        for weight, column in zip(self.own_weights, own_columns(m), strict=True):
            parts += weight * np.array(column, dtype=np.float64)
        words = m["words"]
        return zip(
            parts.tolist(),
            words,
            body_column(m),
            [w <= _SHORT_WORDS and not e for w, e in zip(words, m["ends"], strict=True)],
            map(str.casefold, lines),
            m["stop"],
            m["chrome"],
            strict=True,
        )

    def _page_spans(self, n: int) -> tuple[Floats, Ints, Ints, Ints]:
        """What depends on the page's length alone: each line's position term and its block
        window (first line, end, size)."""
        spans = self._spans.get(n)
        if spans is None:
            if len(self._spans) > 512:
                self._spans.clear()
            at = np.arange(n)
            pos = self.w1["relative_position"] * (at / n)
            los = np.maximum(at - WINDOW, 0)
            his = np.minimum(at + WINDOW + 1, n)
            spans = self._spans[n] = (pos, los, his, his - los)
        return spans

    def scores(
        self, lines: list[str], min_body: int = 0, lang: str | None = None
    ) -> list[float] | None:
        """Each non-blank line's chrome probability, or None with fewer than ``min_body``
        lines of prose; ``lang``: the page's language when the caller knows it."""
        logits = self.logits(lines, min_body, lang)
        return None if logits is None else list(map(_sigmoid, logits.tolist()))

    def logits(self, lines: list[str], min_body: int = 0, lang: str | None = None) -> Floats | None:
        """Each non-blank line's chrome logit (its probability is ``_sigmoid`` of it), or None
        with fewer than ``min_body`` lines of prose."""
        if self.compiled is not None:
            got = self.compiled.logits(self._known(lines, lang), min_body, self._pass)
            return None if got is None else np.array(got, dtype=np.float64)
        known = self._known(lines, lang)
        n = len(known)
        if not n:
            return np.zeros(0) if min_body <= 0 else None
        parts, words, body, short, keys, stop, chrome = zip(*known, strict=True)
        n_body = body.count(True)
        if n_body < min_body:
            return None
        first_body = body.index(True) if n_body else n
        last_body = n - 1 - body[::-1].index(True) if n_body else -1
        main, first, end = main_block(body)  # type: ignore[arg-type]
        is_body = np.array(body, dtype=bool)
        is_short = np.array(short, dtype=bool)
        own = self._first_pass(n, parts, words, is_body, is_short, keys, first_body, last_body)
        own = self._plus_blocks(own, n_body, main, first, end, is_short, stop, chrome)
        return self._second_pass(own, n_body, first_body, last_body, first, end)

    def near(
        self, lines: list[str], min_body: int, lang: str | None, bound: float
    ) -> list[tuple[int, float]] | None:
        """Each line whose logit is at least ``bound``, with it; None as ``logits``."""
        if self.compiled is not None:
            known = self._known(lines, lang)
            out: list[tuple[int, float]] | None
            out = self.compiled.logits(known, min_body, self._pass, bound)
            return out
        logits = self.logits(lines, min_body, lang)
        if logits is None:
            return None
        return [(i, float(logits[i])) for i in np.flatnonzero(logits >= bound).tolist()]

    def _first_pass(
        self,
        n: int,
        parts: tuple[float, ...],
        words: tuple[float, ...],
        body: npt.NDArray[np.bool_],
        short: npt.NDArray[np.bool_],
        keys: tuple[str, ...],
        first_body: int,
        last_body: int,
    ) -> Floats:
        """Each line's first-pass logit but for the block features' share."""
        w = self.w1
        near = self._near_terms(np.array(words, dtype=np.float64))
        distance = self._distance.upto(n)[body_distances(body, n)]
        z = (
            self.bias1
            + np.array(parts, dtype=np.float64)
            + self._page_spans(n)[0]
            + distance
            + (self._run_terms(short, n) + near)
        )
        # The features that hold for a few lines only, each added where it holds.
        if first_body:
            z[:first_body] += w["before_body"]
            above = max(0, first_body - 3)
            z[above:first_body] += w["just_above_body"]
        if last_body < n - 1:
            z[last_body + 1 :] += w["after_body"]
        seen = Counter(keys)
        if len(seen) < n:
            repeated = np.array([seen[k] > 1 for k in keys], dtype=bool)
            z[repeated] += w["repeated_in_page"]
        z[0] += w["first_line"]
        return z

    def _near_terms(self, words: Floats) -> Floats:
        """Each line's ``neighbour_log_words`` term: log1p of its neighbours' mean words."""
        n = len(words)
        if n < 2:
            return self._near.upto(0)[:1].copy()
        # Four times each mean, a whole number: the table's index.
        quarters = np.concatenate(
            (words[1:2] * 4, (words[:-2] + words[2:]) * 2, words[n - 2 : n - 1] * 4)
        )
        index = quarters.astype(np.intp)
        top = int(index.max())
        # Off the quarters (never with today's measures) or past a long line (the table would
        # grow with the longest line seen): math.log1p of each mean.
        if top > _NEAR_TABLE or not np.array_equal(index, quarters):
            means = (quarters / 4).tolist()
            out: Floats = self._near.weight * np.array(list(map(math.log1p, means)))
            return out
        return self._near.upto(top)[index]

    def _run_terms(self, short: npt.NDArray[np.bool_], n: int) -> Floats:
        """Each line's ``log_short_run`` term: its run of short lines (0 for a long line)."""
        starts = np.flatnonzero(np.diff(short)) + 1
        sizes = np.diff(np.concatenate(([0], starts, [n])))
        runs = np.where(short, np.repeat(sizes, sizes), 0)
        return self._run.upto(n)[runs]

    def _plus_blocks(
        self,
        own: Floats,
        n_body: int,
        main: int,
        first: int,
        end: int,
        short: npt.NDArray[np.bool_],
        stop: tuple[float, ...],
        chrome: tuple[float, ...],
    ) -> Floats:
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
            lead = np.full(n, page + gap[n])
        else:
            lead = np.concatenate(
                (
                    (page + w_before) + gap[first:0:-1],
                    np.full(end - first + 1, page + w_in + gap[0]),
                    (page + w_after) + gap[1 : n - end],
                )
            )
        _, los, his, sizes = self._page_spans(n)
        # Running sums from 0 as the training path's, one element after another.
        ss = np.concatenate(([0], np.cumsum(short)))
        st = np.cumsum(np.concatenate(([0.0], stop)))
        cs = np.cumsum(np.concatenate(([0.0], chrome)))
        out: Floats = own + (
            lead
            + share
            + w_short * ((ss[his] - ss[los]) / sizes)
            + w_stop * ((st[his] - st[los]) / sizes)
            + w_link * ((cs[his] - cs[los]) / sizes)
        )
        return out

    def _context(self, own: list[float], i: int) -> float:
        """Line ``i``'s second-pass logit but for its place, as ``context_features`` reads it."""
        c = self.w2
        n = len(own)
        window = own[max(0, i - 2) : i + 3]
        prev = own[i - 1] if i > 0 else own[i]
        nxt = own[i + 1] if i + 1 < n else own[i]
        z = self.bias2 + c["own"] * own[i] + c["previous"] * prev + c["next"] * nxt
        z += c["window_mean"] * (ordered_sum(window) / len(window))
        z += c["window_max"] * max(window) + c["window_min"] * min(window)
        return z

    def _second_pass(
        self, own: Floats, n_body: int, first_body: int, last_body: int, first: int, end: int
    ) -> Floats:
        """Each line's second-pass logit from its own, its neighbours' and its window's
        first-pass logits and its place."""
        n = len(own)
        c = self.w2
        before = np.zeros(n)
        before[:first_body] = c["before_body"]
        after = np.zeros(n)
        after[last_body + 1 :] = c["after_body"]
        place = np.zeros(n)
        if first >= 0:
            place[:first] = c["before_main_block"]
            place[first : end + 1] = c["in_main_block"]
            place[end + 1 :] = c["after_main_block"]
        share = c["page_body_share"] * (n_body / n)
        z = np.empty(n)
        # The lines with two neighbours each side: their windows are the shifted arrays.
        if n > 4:
            a, b, m, d, e = own[:-4], own[1:-3], own[2:-2], own[3:-1], own[4:]
            z[2:-2] = (
                self.bias2
                + c["own"] * m
                + c["previous"] * b
                + c["next"] * d
                + c["window_mean"] * ((a + b + m + d + e) / 5)
                + (
                    c["window_max"] * np.maximum(np.maximum(np.maximum(a, b), np.maximum(d, e)), m)
                    + c["window_min"]
                    * np.minimum(np.minimum(np.minimum(a, b), np.minimum(d, e)), m)
                )
                + before[2:-2]
                + after[2:-2]
                + share
                + place[2:-2]
            )
        edges = [*range(min(2, n)), *range(max(2, n - 2), n)]
        listed = own.tolist()
        for i in edges:
            z[i] = self._context(listed, i) + before[i] + after[i] + share + place[i]
        return z


def _keep_below(threshold: float) -> float:
    """A logit below which every line scores under ``threshold``, with room for rounding: only
    the lines at or above it have their probability taken (``_sigmoid``, ``math.exp``)."""
    if threshold >= 1.0:
        bound = 30.0
    elif threshold <= 0.0:
        bound = -750.0
    else:
        bound = math.log(threshold / (1.0 - threshold)) - 1e-6
    while bound > -750.0 and _sigmoid(bound) >= threshold:
        bound -= 1.0
    return bound


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
    counts are each line's, remembered, summed over the lines left (counts add up line by
    line). Only the lines whose logit comes near the threshold's have their probability taken.
    """
    index = list(compress(range(len(lines)), lines))
    text = list(filter(None, lines))
    if len(text) < min_lines:
        return lines
    languages = scorer.languages
    bound = _keep_below(threshold)
    if scorer.compiled is not None and scorer.passes_in_c:
        # The same passes in C, each line's memo row read once per language, each new line's
        # tokens read once for its language counts and its words.
        left = scorer.compiled.drop(
            text, languages.words(text), scorer._known, languages.names, scorer._pass,
            min_lines, min_body, bound, threshold,
        )  # fmt: skip
        kept_at = None if left is None else [index[i] for i in left]
    else:
        packed = languages.packed(text)
        kept_at = _passes(text, packed, index, scorer, threshold, bound, min_lines, min_body)
    if kept_at is None:
        return lines
    kept = list(map(not_, lines))  # blank lines stay
    for i in kept_at:
        kept[i] = True
    return list(compress(lines, kept))


def _passes(
    text: list[str],
    packed: list[int],
    index: list[int],
    scorer: Scorer,
    threshold: float,
    bound: float,
    min_lines: int,
    min_body: int,
) -> list[int] | None:
    """``drop_chrome``'s passes in Python: the indices of the lines kept, None if none goes."""
    languages = scorer.languages
    # The lines' summed counts, less each dropped line's (whole numbers: the same sum).
    total = sum(packed)
    dropped = False
    while len(text) >= min_lines:
        near = scorer.near(text, min_body, languages.pick(total), bound)
        if not near:
            break
        keep = [True] * len(text)
        for i, z in near:
            if _sigmoid(z) >= threshold:
                keep[i] = False
                total -= packed[i]
        if all(keep):
            break
        packed = list(compress(packed, keep))
        index = list(compress(index, keep))
        text = list(compress(text, keep))
        dropped = True
    return index if dropped else None
