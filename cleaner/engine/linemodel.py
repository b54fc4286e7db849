"""The boilerplate model: a small model that scores each line of a plain-text scrape as chrome or
content from shallow features and its neighbours, for the sites nobody wrote a pack for.

The idea is jusText's and boilerpipe's shallow text features, without markup: length, stop-word
density, end punctuation, case, link-like words, runs of short lines, where the line sits against
the body, then a second pass that reads the neighbours' scores. The weights are data
(``cleaner/data/boilerplate.json``, written by ``bench/train_boilerplate.py``); this is the
training path, line by line in plain Python (``linescore`` scores a page as arrays). Chinese and
Japanese lines are measured in characters and CJK punctuation, not spaces.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from functools import cache, reduce
from itertools import compress
from operator import add
from typing import Any

from cleaner.engine.linemeasures import (
    _SHORT_WORDS,
    DATA,
    OWN_FEATURES,
    _is_body,
    _language,
    _line,
    _own,
    chrome_words,
    stopwords,
)


def ordered_sum(values: Iterable[float]) -> float:
    """Floats added left to right, one rounding each: Python 3.12's ``sum`` compensates float
    sums, so scores near the threshold (and the lines kept) would depend on the Python version."""
    return reduce(add, values, 0.0)


@cache
def load_model(name: str) -> dict[str, Any]:
    """A trained model from ``cleaner/data/<name>.json``."""
    path = DATA / f"{name}.json"
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return model


# Where a line sits against the page's prose: the page's share of prose lines (an article is
# mostly prose, a listing or a forum is not), the main block (the longest chain of prose lines
# at most MAIN_GAP apart), and the mix of short lines, stop words and link words around it.
BLOCK_FEATURES = (
    "page_body_share",
    "log_body_lines",
    "log_lines",
    "in_main_block",
    "before_main_block",
    "after_main_block",
    "log_distance_to_main_block",
    "main_block_share",
    "window_short_share",
    "window_stopword_density",
    "window_link_word_share",
)
MAIN_GAP = 4
WINDOW = 3  # lines each side


def main_block(body: list[bool]) -> tuple[int, int, int]:
    """The longest chain of prose lines at most ``MAIN_GAP`` apart: its count of prose lines,
    its first and its last line (0, -1, -1 without prose)."""
    best = (0, -1, -1)
    count, start, last = 0, -1, -MAIN_GAP - 1
    for i in compress(range(len(body)), body):
        if i - last <= MAIN_GAP:
            count += 1
        else:
            count, start = 1, i
        last = i
        if count > best[0]:
            best = (count, start, i)
    return best


def block_features(
    body: list[bool], short: list[bool], stop: list[float], chrome: list[float]
) -> list[tuple[float, ...]]:
    """Each line's ``BLOCK_FEATURES``, from its page's per-line measures."""
    n = len(body)
    n_body = sum(body)
    main, first, end = main_block(body)
    page = (n_body / n, math.log1p(n_body), math.log1p(n))
    share = main / n_body if n_body else 0.0
    # Running sums, so each window costs the same whatever its size.
    sums = [(0, 0.0, 0.0)]
    for sh, st, ch in zip(short, stop, chrome, strict=True):
        a, b2, c = sums[-1]
        sums.append((a + sh, b2 + st, c + ch))
    out: list[tuple[float, ...]] = []
    for i in range(n):
        lo, hi = max(0, i - WINDOW), min(n, i + WINDOW + 1)
        size = hi - lo
        a0, b0, c0 = sums[lo]
        a1, b1, c1 = sums[hi]
        if first < 0:
            place = (0.0, 0.0, 0.0, math.log1p(n))
        else:
            gap = first - i if i < first else (i - end if i > end else 0)
            place = (float(first <= i <= end), float(i < first), float(i > end), math.log1p(gap))
        out.append((*page, *place, share, (a1 - a0) / size, (b1 - b0) / size, (c1 - c0) / size))
    return out


def short_runs(short: list[bool]) -> list[int]:
    """Each line's run of short lines (0 for a line that is not short)."""
    n = len(short)
    runs = [0] * n
    start = 0
    for i in range(n + 1):
        if i == n or not short[i]:
            for k in range(start, i):
                runs[k] = i - start
            start = i + 1
    return runs


def body_distance(body: list[bool]) -> list[int]:
    """Lines from the nearest prose line (n when the page has none)."""
    n = len(body)
    distance = [n] * n
    last = -1
    for i in range(n):
        if body[i]:
            last = i
        if last >= 0:
            distance[i] = i - last
    last = -1
    for i in range(n - 1, -1, -1):
        if body[i]:
            last = i
        if last >= 0 and last - i < distance[i]:
            distance[i] = last - i
    return distance


LINE_FEATURES = (
    "log_chars",
    "log_words",
    "stopword_density",
    "end_punctuation",
    "ends_with_colon",
    "no_letters",
    "upper_share",
    "titlecase_share",
    "digit_share",
    "separators",
    "chrome_word_share",
    "copyright",
    "log_commas",
    "cjk_share",
    "relative_position",
    "before_body",
    "after_body",
    "log_distance_to_body",
    "log_short_run",
    "neighbour_log_words",
    "repeated_in_page",
    "first_line",
    "date_or_time",
    "byline",
    "up_to_2_words",
    "3_to_5_words",
    "6_to_10_words",
    "just_above_body",
    "short_without_end",
    *BLOCK_FEATURES,
)
CONTEXT_FEATURES = (
    "own",
    "previous",
    "next",
    "window_mean",
    "window_max",
    "window_min",
    "before_body",
    "after_body",
    "page_body_share",
    "in_main_block",
    "before_main_block",
    "after_main_block",
)


def line_features(lines: list[str]) -> list[list[float]]:
    """The first pass's features of each line (non-blank lines only, in order), as training
    sees them."""
    if not lines:
        return []
    lists = stopwords()
    lang = _language(lines)
    stops, cjk_stops, chrome = lists[lang], lists["cjk"], chrome_words()
    feats = [_line(line, stops, cjk_stops, chrome) for line in lines]
    n = len(lines)
    is_body = [_is_body(f) for f in feats]
    body = [i for i, b in enumerate(is_body) if b]
    first_body, last_body = (body[0], body[-1]) if body else (n, -1)
    short = [f.words <= _SHORT_WORDS and not f.ends for f in feats]
    runs = short_runs(short)
    seen = Counter(line.casefold() for line in lines)
    blocks = block_features(is_body, short, [f.stop for f in feats], [f.chrome for f in feats])
    distance = body_distance(is_body)
    out: list[list[float]] = []
    for i, f in enumerate(feats):
        near = [feats[k].words for k in (i - 1, i + 1) if 0 <= k < n]
        values = dict(zip(OWN_FEATURES, _own(f), strict=True))
        values |= _placed(
            i,
            n,
            first_body,
            last_body,
            distance[i],
            runs[i],
            math.log1p(sum(near) / len(near)) if near else 0.0,
            seen[lines[i].casefold()] > 1,
        )
        values |= dict(zip(BLOCK_FEATURES, blocks[i], strict=True))
        out.append([values[name] for name in LINE_FEATURES])
    return out


PLACED_FEATURES = tuple(name for name in LINE_FEATURES if name not in OWN_FEATURES)


def _placed(
    i: int,
    n: int,
    first_body: int,
    last_body: int,
    distance: int,
    run: int,
    neighbour_words: float,
    repeated: bool,
) -> dict[str, float]:
    return {
        "relative_position": i / n,
        "before_body": float(i < first_body),
        "after_body": float(i > last_body),
        "log_distance_to_body": math.log1p(min(distance, n)),
        "log_short_run": math.log1p(run),
        "neighbour_log_words": neighbour_words,
        "repeated_in_page": float(repeated),
        "first_line": float(i == 0),
        "just_above_body": float(i < first_body and first_body - i <= 3),
    }


def _logit(x: list[float], layer: dict[str, Any]) -> float:
    z = float(layer["bias"])
    for v, m, s, w in zip(x, layer["mean"], layer["scale"], layer["weights"], strict=True):
        z += w * (v - m) / s
    return z


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def context_features(own: list[float], first: list[list[float]]) -> list[list[float]]:
    """The second pass's features: a line's first-pass logit and its neighbours' (two each
    side), so a short heading between paragraphs stays and a link inside a menu goes."""
    n = len(own)
    out: list[list[float]] = []
    for i in range(n):
        prev = own[i - 1] if i > 0 else own[i]
        nxt = own[i + 1] if i + 1 < n else own[i]
        window = own[max(0, i - 2) : i + 3]
        out.append(
            [
                own[i],
                prev,
                nxt,
                ordered_sum(window) / len(window),
                max(window),
                min(window),
                *(first[i][LINE_FEATURES.index(name)] for name in CONTEXT_FEATURES[6:]),
            ]
        )
    return out


def chrome_scores(lines: list[str], model: dict[str, Any]) -> list[float]:
    """Each line's chrome probability (0..1) under ``model`` from the features as training
    sees them (``linescore.Scorer`` gives the same, fast); ``lines`` are non-blank."""
    first = line_features(lines)
    own = [_logit(x, model["line"]) for x in first]
    return [_sigmoid(_logit(x, model["context"])) for x in context_features(own, first)]
