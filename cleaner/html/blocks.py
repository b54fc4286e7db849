"""A learned keep/drop decision per text block, stacked on the extractors.

The page is cut into text blocks (the lines a browser would lay out: the text between two block
element boundaries, in document order), each described by what it is (length, link share,
punctuation and stop words, tag, depth, class/id words of its ancestors, how many blocks share its
tag path), where it is (position, neighbours) and what the extractors made of it (the share of its
words trafilatura's and resiliparse's texts hold), with the page type. A small gradient-boosted
tree ensemble, trained by ``bench/blocks.py`` on the WCXB development pages and shipped as
``cleaner/data/blocks.json``, gives each block a probability of being main content; the kept
blocks are the text. Inference is numpy only. Not an ``html.page_types`` value yet: it won on raw
text held out but not through the whole pipeline (bench/results/blocks.txt); ``bench.blocks
pipeline`` puts it in trafilatura's place. Pure: no I/O beyond reading the shipped model once.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import lxml.html
import numpy as np

from cleaner.html.dom import INVISIBLE
from cleaner.html.pagetype import PAGE_TYPES, PageType
from cleaner.html.second import resiliparse_text

_BLOCK_TAGS = frozenset(
    (
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
        "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    )
)  # fmt: skip
_SKIP = frozenset((*INVISIBLE, "head", "title", "meta", "link", "select", "button", "input",
                   "noembed", "noframes", "textarea", "option"))  # fmt: skip
# The owner element's tag, one feature each ("other" for the rest).
_OWN_TAGS = ("p", "li", "td", "th", "h1", "h2", "h3", "h4", "div", "dd", "dt", "pre",
             "blockquote", "figcaption", "span", "section", "article", "a")  # fmt: skip
# Ancestors that say where a block sits.
_CONTEXT_TAGS = ("nav", "footer", "header", "aside", "main", "article", "form", "table",
                 "li", "blockquote", "figure", "pre")  # fmt: skip
# Words in class/id attributes: on any ancestor (context) and on the owner or its parent (near).
ATTR_WORDS = (
    "content", "article", "post", "body", "text", "entry", "main", "story", "comment", "reply",
    "message", "thread", "footer", "nav", "menu", "sidebar", "side", "related", "share",
    "social", "header", "breadcrumb", "widget", "ad", "ads", "promo", "banner", "cookie",
    "subscribe", "newsletter", "copyright", "tag", "tags", "meta", "author", "date", "item",
    "product", "card", "list", "title", "price", "review", "pagination", "caption", "footnote",
    "description", "desc", "detail", "hidden", "modal", "popup", "login", "search", "toc",
)  # fmt: skip
_ATTR_INDEX = {w: i for i, w in enumerate(ATTR_WORDS)}
_ATTR_SPLIT = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"\w+")
_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")
_STOP = frozenset(
    (
        "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "is", "are",
        "was", "were", "be", "by", "at", "as", "it", "this", "that", "from", "but", "not",
        "have", "has", "had", "we", "you", "they", "he", "she", "i", "our", "your", "their",
        "its", "which", "who", "will", "can", "de", "la", "le", "les", "et", "des", "du", "en",
        "un", "une", "el", "los", "las", "y", "que", "der", "die", "das", "und",
    )
)  # fmt: skip
_GRAM = 3


@dataclass(frozen=True)
class Block:
    """One text block: its text and what the walk saw of it."""

    text: str
    tag: str  # the nearest block ancestor's tag (the owner)
    depth: int
    link_chars: int
    path: str  # tag.class path from the root: repeated items share one
    context: frozenset[str]  # ancestor tags among _CONTEXT_TAGS
    context_words: frozenset[int]  # ATTR_WORDS indexes on any ancestor
    near_words: frozenset[int]  # ATTR_WORDS indexes on the owner or its parent


def _attr_words(el: lxml.html.HtmlElement) -> frozenset[int]:
    raw = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return frozenset(_ATTR_INDEX[w] for w in _ATTR_SPLIT.findall(raw) if w in _ATTR_INDEX)


def _hidden(el: lxml.html.HtmlElement) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None or "display:none" in style or el.get("aria-hidden") == "true"
    )


@dataclass
class _Frame:
    el: lxml.html.HtmlElement
    tag: str
    depth: int
    path: str
    context: frozenset[str]
    context_words: frozenset[int]
    near_words: frozenset[int]


def segment(tree: lxml.html.HtmlElement | None) -> list[Block]:
    """The page's text blocks in document order (a line break inside ``pre`` or at ``br`` ends a
    block too)."""
    if tree is None:
        return []
    body = tree.find(".//body")
    root = body if body is not None else tree
    blocks: list[Block] = []
    parts: list[tuple[str, bool]] = []  # text pieces of the open block, and whether in a link

    def flush(frame: _Frame) -> None:
        if not parts:
            return
        joined = "".join(p for p, _ in parts)
        ratio = sum(len(p) for p, in_link in parts if in_link) / max(len(joined), 1)
        parts.clear()
        for line in joined.split("\n"):
            text = _WS.sub(" ", line).strip()
            if text:
                blocks.append(
                    Block(text, frame.tag, frame.depth, round(ratio * len(text)), frame.path,
                          frame.context, frame.context_words, frame.near_words)
                )  # fmt: skip

    def walk(el: lxml.html.HtmlElement, frame: _Frame, in_link: bool, own: frozenset[int]) -> None:
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and tag not in _SKIP and not _hidden(child):
                words = _attr_words(child)
                link = in_link or tag == "a"
                if tag in _BLOCK_TAGS:
                    flush(frame)
                    cls = (child.get("class") or "").split()
                    inner = _Frame(
                        child,
                        tag,
                        frame.depth + 1,
                        f"{frame.path}/{tag}.{cls[0] if cls else ''}",
                        frame.context | ({tag} if tag in _CONTEXT_TAGS else set()),
                        frame.context_words | words,
                        words | own,
                    )
                    if child.text:
                        parts.append((child.text, link))
                    walk(child, inner, link, words)
                    flush(inner)
                elif tag == "br":
                    parts.append(("\n", False))
                else:
                    if child.text:
                        parts.append((child.text, link))
                    walk(child, frame, link, own)
            if child.tail:
                parts.append((child.tail, in_link))

    top = _Frame(root, "body", 0, "body", frozenset(), _attr_words(root), _attr_words(root))
    if root.text:
        parts.append((root.text, False))
    walk(root, top, False, top.near_words)
    flush(top)
    return blocks


# --------------------------------------------------------------------------- features


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


@dataclass(frozen=True)
class Reference:
    """Another text the blocks are looked up in (an extractor's output, or the gold)."""

    grams: frozenset[tuple[str, ...]]
    joined: str
    words: int

    @classmethod
    def of(cls, text: str | None) -> Reference:
        tokens = _tokens(text or "")
        grams = frozenset(tuple(tokens[i : i + _GRAM]) for i in range(len(tokens) - _GRAM + 1))
        return cls(grams, f" {' '.join(tokens)} ", len(tokens))

    def share(self, tokens: list[str]) -> float:
        """The share of the block found in this text: of its word trigrams, or for a block of
        fewer than three words, 1.0 when its words appear together in it."""
        if not tokens or not self.words:
            return 0.0
        if len(tokens) < _GRAM:
            return 1.0 if f" {' '.join(tokens)} " in self.joined else 0.0
        grams = [tuple(tokens[i : i + _GRAM]) for i in range(len(tokens) - _GRAM + 1)]
        return sum(1 for g in grams if g in self.grams) / len(grams)


def feature_names() -> list[str]:
    names = ["log_words", "log_chars", "link_share", "punct_share", "stop_share", "digit_share",
             "ends_sentence", "depth", "position", "words_before", "log_same_path",
             "same_path_share", "first", "second", "first_window", "second_window"]  # fmt: skip
    for side in ("prev", "next"):
        names += [f"{side}_first", f"{side}_second", f"{side}_link", f"{side}_log_words"]
    names += [f"own:{t}" for t in _OWN_TAGS] + [f"in:{t}" for t in _CONTEXT_TAGS]
    names += [f"ctx:{w}" for w in ATTR_WORDS] + [f"near:{w}" for w in ATTR_WORDS]
    names += ["page_first_share", "page_second_share", "page_log_blocks", "page_log_words"]
    names += [f"type:{t}" for t in PAGE_TYPES]
    return names


FEATURES = feature_names()
_OWN_INDEX = {t: i for i, t in enumerate(_OWN_TAGS)}
_CONTEXT_INDEX = {t: i for i, t in enumerate(_CONTEXT_TAGS)}
_WINDOW = 3


def features(
    blocks: list[Block], first: str | None, second: str | None, kind: PageType | None
) -> np.ndarray:
    """One row per block (columns: ``FEATURES``). ``first``: trafilatura's text of the page,
    ``second``: resiliparse's (None when either found nothing)."""
    n = len(blocks)
    x = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if not n:
        return x
    refs = (Reference.of(first), Reference.of(second))
    tokens = [_tokens(b.text) for b in blocks]
    words = np.array([len(t) for t in tokens], dtype=np.float64)
    total = float(words.sum()) or 1.0
    paths: dict[str, int] = {}
    for b in blocks:
        paths[b.path] = paths.get(b.path, 0) + 1
    seen = np.array([[r.share(t) for r in refs] for t in tokens], dtype=np.float64)
    chars = np.array([len(b.text) for b in blocks], dtype=np.float64)
    links = np.array([min(b.link_chars, len(b.text)) for b in blocks], dtype=np.float64) / chars
    x[:, 0] = np.log1p(words)
    x[:, 1] = np.log1p(chars)
    x[:, 2] = links
    x[:, 3] = [len(_PUNCT.findall(b.text)) / len(b.text) for b in blocks]
    x[:, 4] = [sum(1 for w in t if w in _STOP) / len(t) if t else 0.0 for t in tokens]
    x[:, 5] = [sum(1 for c in b.text if c.isdigit()) / len(b.text) for b in blocks]
    x[:, 6] = [1.0 if b.text[-1] in ".!?:;\u3002" else 0.0 for b in blocks]
    x[:, 7] = [min(b.depth, 60) / 60 for b in blocks]
    x[:, 8] = np.arange(n) / n
    x[:, 9] = (np.cumsum(words) - words) / total
    same = np.array([paths[b.path] for b in blocks], dtype=np.float64)
    x[:, 10] = np.log1p(same)
    x[:, 11] = same / n
    x[:, 12:14] = seen
    # the extractors' verdict around the block, weighted by words (a short line inside kept text)
    weighted = seen * words[:, None]
    cum = np.vstack([np.zeros((1, 2)), np.cumsum(weighted, axis=0)])
    cum_w = np.concatenate([[0.0], np.cumsum(words)])
    lo = np.clip(np.arange(n) - _WINDOW, 0, n)
    hi = np.clip(np.arange(n) + _WINDOW + 1, 0, n)
    x[:, 14:16] = (cum[hi] - cum[lo]) / np.maximum(cum_w[hi] - cum_w[lo], 1.0)[:, None]
    col = 16
    for shift in (1, -1):  # previous block, then next block
        idx = np.arange(n) - shift
        ok = (idx >= 0) & (idx < n)
        safe = np.clip(idx, 0, n - 1)
        x[:, col] = np.where(ok, seen[safe, 0], 0.0)
        x[:, col + 1] = np.where(ok, seen[safe, 1], 0.0)
        x[:, col + 2] = np.where(ok, links[safe], 0.0)
        x[:, col + 3] = np.where(ok, np.log1p(words[safe]), 0.0)
        col += 4
    for i, b in enumerate(blocks):
        own = _OWN_INDEX.get(b.tag)
        if own is not None:
            x[i, col + own] = 1.0
        for t in b.context:
            x[i, col + len(_OWN_TAGS) + _CONTEXT_INDEX[t]] = 1.0
        base = col + len(_OWN_TAGS) + len(_CONTEXT_TAGS)
        for w in b.context_words:
            x[i, base + w] = 1.0
        for w in b.near_words:
            x[i, base + len(ATTR_WORDS) + w] = 1.0
    col += len(_OWN_TAGS) + len(_CONTEXT_TAGS) + 2 * len(ATTR_WORDS)
    x[:, col] = min(refs[0].words / total, 2.0)
    x[:, col + 1] = min(refs[1].words / total, 2.0)
    x[:, col + 2] = math.log1p(n)
    x[:, col + 3] = math.log1p(total)
    col += 4
    if kind is not None and kind.name in PAGE_TYPES:
        x[:, col + PAGE_TYPES.index(kind.name)] = kind.score
    return x


# --------------------------------------------------------------------------- the model


@lru_cache(maxsize=1)
def _model() -> dict[str, Any]:
    data = resources.files("cleaner").joinpath("data/blocks.json").read_text(encoding="utf-8")
    model: dict[str, Any] = json.loads(data)
    return model


def probabilities(x: np.ndarray, model: dict[str, Any] | None = None) -> np.ndarray:
    """Each row's probability of being main content: the trees' sum through a logistic. A tree is
    arrays (feature, threshold, left, right, value; a leaf has feature -1); a row goes left when
    its value is <= the threshold, as scikit-learn's gradient boosting predicts."""
    model = model or _model()
    if model["features"] != FEATURES:
        raise ValueError("cleaner/data/blocks.json was trained on other features: retrain it")
    raw = np.full(len(x), float(model["baseline"]), dtype=np.float64)
    rows = np.arange(len(x))
    for tree in model["trees"]:
        feature = np.asarray(tree["feature"], dtype=np.int64)
        threshold = np.asarray(tree["threshold"], dtype=np.float64)
        left = np.asarray(tree["left"], dtype=np.int64)
        right = np.asarray(tree["right"], dtype=np.int64)
        value = np.asarray(tree["value"], dtype=np.float64)
        node = np.zeros(len(x), dtype=np.int64)
        for _ in range(int(tree["depth"])):
            f = feature[node]
            inner = f >= 0
            go_left = x[rows, np.where(inner, f, 0)] <= threshold[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        raw += value[node]
    out: np.ndarray = 1.0 / (1.0 + np.exp(-raw))
    return out


def kept_text(
    found: list[Block],
    first: str | None,
    second: str | None,
    kind: PageType | None,
    model: dict[str, Any] | None = None,
) -> str | None:
    """The blocks the model keeps, one a line (None when it keeps none)."""
    model = model or _model()
    if not found:
        return None
    p = probabilities(features(found, first, second, kind), model)
    kept = [b.text for b, q in zip(found, p, strict=True) if q >= model["threshold"]]
    return "\n".join(kept) if kept else None


def by_blocks(
    found: list[Block], generic: str | None, html: str, kind: PageType | None
) -> str | None:
    """The page's text as the block model keeps it, given trafilatura's text ``generic`` (the
    blocks are ``segment``'s, taken before trafilatura edited the tree); None when it keeps
    nothing and trafilatura's text stands."""
    return kept_text(found, generic, resiliparse_text(html), kind)
