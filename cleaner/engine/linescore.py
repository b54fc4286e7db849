"""The boilerplate model's fast path: ``Scorer`` scores a page's lines with the model's weights
folded and each line's own measures remembered, equal to the training path
(``linemodel.chrome_scores``); ``drop_chrome`` drops what it scores as chrome until nothing more
goes."""

from __future__ import annotations

import math
from collections import Counter
from itertools import accumulate
from typing import Any, NamedTuple

from cleaner.engine.linemeasures import (
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
    body_distance,
    main_block,
    short_runs,
)


def _folded(layer: dict[str, Any], names: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """A layer's weights with the standardisation folded in: z = bias + sum(w[name] * value)."""
    bias = float(layer["bias"])
    weights: dict[str, float] = {}
    for name, m, s, w in zip(names, layer["mean"], layer["scale"], layer["weights"], strict=True):
        weights[name] = w / s
        bias -= w * m / s
    return bias, weights


class _Known(NamedTuple):
    """What scoring needs of one line, kept between passes and documents (a named tuple:
    one is built for every new line)."""

    part: float  # the line-only features' share of the first-pass logit
    words: float
    body: bool
    short: bool
    key: str
    stop: float
    chrome: float


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
        self.memo: dict[tuple[str, str], _Known] = {}

    def _known(self, lines: list[str], lang: str | None) -> list[_Known]:
        lists = stopwords()
        if lang is None:
            lang = pick_language(language_counts(lines))
        stops, cjk_stops, chrome = lists[lang], lists["cjk"], chrome_words()
        memo = self.memo
        if len(memo) > self.MEMO:
            memo.clear()
        out = []
        for line in lines:
            k = memo.get((lang, line))
            if k is None:
                f = _line(line, stops, cjk_stops, chrome)
                part = sum(map(float.__mul__, self.own_weights, _own(f)))
                k = memo[lang, line] = _Known(
                    part,
                    f.words,
                    _is_body(f),
                    f.words <= _SHORT_WORDS and not f.ends,
                    line.casefold(),
                    f.stop,
                    f.chrome,
                )
            out.append(k)
        return out

    def scores(
        self, lines: list[str], min_body: int = 0, lang: str | None = None
    ) -> list[float] | None:
        """Each non-blank line's chrome probability, or None with fewer than ``min_body``
        lines of prose; ``lang``: the page's language when the caller knows it."""
        known = self._known(lines, lang)
        n = len(known)
        body = [k.body for k in known]
        n_body = body.count(True)
        if n_body < min_body:
            return None
        first_body = body.index(True) if n_body else n
        last_body = n - 1 - body[::-1].index(True) if n_body else -1
        short = [k.short for k in known]
        words = [k.words for k in known]
        runs = short_runs(short)
        distance = body_distance(body)
        seen = Counter(k.key for k in known)
        blocks, places, page_share = self._blocks(
            body, short, [k.stop for k in known], [k.chrome for k in known]
        )
        w = self.w1
        w_pos, w_before, w_after = w["relative_position"], w["before_body"], w["after_body"]
        w_dist, w_run, w_near = (
            w["log_distance_to_body"],
            w["log_short_run"],
            w["neighbour_log_words"],
        )
        w_rep, w_first, w_above = w["repeated_in_page"], w["first_line"], w["just_above_body"]
        bias1 = self.bias1
        log1p = math.log1p
        own: list[float] = []
        for i, k in enumerate(known):
            if 0 < i < n - 1:
                near = log1p((words[i - 1] + words[i + 1]) / 2)
            elif n > 1:
                near = log1p(words[1] if i == 0 else words[n - 2])
            else:
                near = 0.0
            # A distance is at most n: the features' min(distance, n) is the distance.
            z = bias1 + k.part + w_pos * (i / n) + w_dist * log1p(distance[i])
            z += w_run * log1p(runs[i]) + w_near * near
            if i < first_body:
                z += w_before
                if first_body - i <= 3:
                    z += w_above
            if i > last_body:
                z += w_after
            if seen[k.key] > 1:
                z += w_rep
            if i == 0:
                z += w_first
            z += blocks[i]
            own.append(z)
        c = self.w2
        c_own, c_prev, c_next = c["own"], c["previous"], c["next"]
        c_mean, c_max, c_min = c["window_mean"], c["window_max"], c["window_min"]
        c_before, c_after, bias2 = c["before_body"], c["after_body"], self.bias2
        exp = math.exp
        out = []
        for i, (o, prev, nxt, (mean, high, low), place) in enumerate(
            zip(own, [own[0], *own[:-1]], [*own[1:], own[-1]], _windows(own), places, strict=True)
        ):
            z = bias2 + c_own * o + c_prev * prev + c_next * nxt
            z += c_mean * mean
            z += c_max * high + c_min * low
            if i < first_body:
                z += c_before
            if i > last_body:
                z += c_after
            z += page_share
            z += place
            out.append(1.0 / (1.0 + exp(-z)) if z > -700 else 0.0)  # _sigmoid, inline
        return out

    def _blocks(
        self, body: list[bool], short: list[bool], stop: list[float], chrome: list[float]
    ) -> tuple[list[float], list[float], float]:
        """``block_features`` already weighed: each line's share of the first-pass logit, its
        place against the main block's share of the second's, and the page's prose share's
        share of the second's. Summed in the order of the features' dot products, less the
        0.0 features (adding 0.0 changes nothing and a 1.0 feature adds its weight), so the
        logits are the same floats."""
        n = len(body)
        n_body = body.count(True)
        main, first, end = main_block(body)
        log1p = math.log1p
        w_body, w_count, w_lines, w_in, w_before, w_after, w_gap, w_share, *w_window = (
            self.block_weights
        )
        page = 0 + w_body * (n_body / n)
        page += w_count * log1p(n_body)
        page += w_lines * log1p(n)
        share = w_share * (main / n_body if n_body else 0.0)
        w_short, w_stop, w_link = w_window
        short_sum = list(accumulate(short, initial=0))
        stop_sum = list(accumulate(stop, initial=0.0))
        chrome_sum = list(accumulate(chrome, initial=0.0))
        c = self.w2
        c_in, c_before, c_after = c["in_main_block"], c["before_main_block"], c["after_main_block"]
        terms: list[float] = []
        places: list[float] = []
        for i in range(n):
            if first < 0:
                t, p = page, 0.0
                t += w_gap * log1p(n)
            elif i < first:
                t, p = page + w_before, c_before
                t += w_gap * log1p(first - i)
            elif i > end:
                t, p = page + w_after, c_after
                t += w_gap * log1p(i - end)
            else:
                t, p = page + w_in, c_in
                t += w_gap * log1p(0)
            lo = i - WINDOW if i > WINDOW else 0  # max and min, without the calls
            hi = i + WINDOW + 1 if i + WINDOW + 1 < n else n
            size = hi - lo
            t += share
            t += w_short * ((short_sum[hi] - short_sum[lo]) / size)
            t += w_stop * ((stop_sum[hi] - stop_sum[lo]) / size)
            t += w_link * ((chrome_sum[hi] - chrome_sum[lo]) / size)
            terms.append(t)
            places.append(p)
        return terms, places, c["page_body_share"] * (n_body / n)


def _windows(own: list[float]) -> list[tuple[float, float, float]]:
    """The mean, max and min of each line's window of logits (two lines each side), as
    ``context_features`` takes them from its slices: the same sums in the same order."""
    n = len(own)
    out = [own[max(0, i - 2) : i + 3] for i in range(min(2, n))]
    # The whole windows, the shifted lists ending together (n - 4 of them).
    whole = zip(own, own[1:], own[2:], own[3:], own[4:], strict=False)
    spans: list[tuple[float, ...] | list[float]] = [*out, *whole]
    spans += [own[max(0, i - 2) : i + 3] for i in range(max(2, n - 2), n)]
    return [(sum(w) / len(w), max(w), min(w)) for w in spans]


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
    counts = language_counts([line for line in lines if line])
    while True:
        drop = {
            i
            for i, score in enumerate(page_scores(lines, scorer, min_lines, min_body, counts))
            if score is not None and score >= threshold
        }
        if not drop:
            return lines
        gone = language_counts([lines[i] for i in drop])
        counts = {lang: count - gone[lang] for lang, count in counts.items()}
        lines = [line for i, line in enumerate(lines) if i not in drop]
