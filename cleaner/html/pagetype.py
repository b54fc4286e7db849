"""What kind of page this is (article, forum, product, ...), from cheap DOM, URL and text features.

The model is a multinomial logistic regression trained by ``bench/train_page_type.py`` on the
labelled WCXB development pages and shipped as ``cleaner/data/page_type.json`` (feature names,
their scaling, and a weight per class and feature). Inference is plain Python: no numpy at run
time. Features are named so the JSON stays readable and a feature added here without retraining
simply has no weight. Pure: no I/O beyond reading the shipped model once.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from cleaner.html.dates import shown_text

PAGE_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")

# Elements counted as they are (log of the count).
_TAGS = (
    "article", "form", "table", "pre", "code", "h1", "h2", "h3", "li", "input", "button",
    "select", "img", "a", "p", "blockquote", "nav", "aside", "dl", "time", "section", "footer",
)  # fmt: skip
# Words in class and id attributes (each attribute split into lowercase word pieces).
_ATTR_WORDS = (
    "post", "comment", "reply", "thread", "message", "topic", "forum", "author", "user",
    "avatar", "product", "price", "cart", "sku", "spec", "variant", "review", "rating",
    "card", "item", "grid", "tile", "list", "listing", "result", "pagination", "filter",
    "docs", "doc", "toc", "highlight", "sidebar", "breadcrumb", "api", "code", "article",
    "entry", "content", "hero", "service", "cta", "testimonial", "feature", "team",
    "collection", "category", "gallery", "teaser", "excerpt", "summary", "meta", "date",
)  # fmt: skip
# Phrases in the visible text (lowercased), counted as present or not.
_TEXT_WORDS = (
    "add to cart", "add to bag", "in stock", "out of stock", "sku", "specifications",
    "free shipping", "quantity", "reviews", "reply", "replies", "posted by", "joined",
    "members", "views", "quote", "thread", "last post", "likes", "read more", "continue reading",
    "next page", "load more", "sort by", "filter", "results", "showing", "returns", "parameters",
    "example", "install", "usage", "function", "syntax", "contact us", "get a quote",
    "our services", "book now", "free consultation", "schedule", "call us", "pricing",
    "testimonials", "why choose", "published", "min read", "share this", "by ",
    "comments", "subscribe", "shop now", "collection", "products", "category",
)  # fmt: skip
_URL_WORDS = (
    "product", "products", "p", "shop", "store", "item", "dp", "forum", "forums", "thread",
    "threads", "t", "topic", "topics", "community", "discussion", "questions", "question",
    "docs", "doc", "documentation", "api", "reference", "guide", "guides", "manual", "learn",
    "category", "categories", "tag", "tags", "collections", "collection", "c", "blog", "news",
    "article", "articles", "post", "posts", "services", "service", "solutions", "about",
    "search", "list", "archive", "page", "wiki", "help", "support", "recipes", "reviews",
)  # fmt: skip
_LD_TYPES = (
    "product", "offer", "aggregaterating", "article", "newsarticle", "blogposting",
    "discussionforumposting", "qapage", "question", "comment", "collectionpage", "itemlist",
    "searchresultspage", "service", "localbusiness", "organization", "techarticle",
    "webpage", "breadcrumblist", "faqpage", "howto", "recipe", "event", "softwareapplication",
    "professionalservice", "person", "website", "videoobject",
)  # fmt: skip
_OG_TYPES = ("article", "product", "website", "profile", "video", "book")

_WORD = re.compile(r"[a-z]+")
_LD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"([A-Za-z]+)"')
_PRICE = re.compile(r"[$€£¥]\s?\d|\d[.,]\d\d\s?(?:€|eur|usd|gbp)\b")
_YEAR_PATH = re.compile(r"/(?:19|20)\d\d/")
_DIGITS = re.compile(r"\d{4,}")
_TEXT_SAMPLE = 20_000  # characters of visible text the phrase features read: enough, bounded
# Class and id values whose words count (a script's are code, not layout), as plain strings.
# (every element's, less the scripts': a filter on every element costs more than the few scripts)
_CLASSES = lxml.etree.XPath("descendant-or-self::*/@class", smart_strings=False)
_IDS = lxml.etree.XPath("descendant-or-self::*/@id", smart_strings=False)
_SCRIPT_CLASSES = lxml.etree.XPath("descendant-or-self::script/@class", smart_strings=False)
_SCRIPT_IDS = lxml.etree.XPath("descendant-or-self::script/@id", smart_strings=False)
_CLASS_AND_ID = lxml.etree.XPath("descendant-or-self::*[@class and @id and not(self::script)]")
# Blocks whose runs of same-class siblings make a list of posts, items or cards.
_REPEATED = ("div", "li", "article", "section", "tr")


@dataclass(frozen=True)
class PageType:
    """The predicted type and its probability."""

    name: str
    score: float


def _log(n: float) -> float:
    return math.log1p(n)


def features(
    tree: lxml.html.HtmlElement | None, url: str | None, text: str | None = None
) -> dict[str, float]:
    """The named features of one page (absent features are 0); ``text`` is the tree's
    ``shown_text`` when the caller has it already (``cleaner.html.dates.render_text``)."""
    f: dict[str, float] = {}
    if tree is not None:
        _dom_features(tree, f, text)
    _url_features(url, f)
    return f


def _dom_features(tree: lxml.html.HtmlElement, f: dict[str, float], text: str | None) -> None:
    # Order-free counts, each gathered by a filtered walk (lxml filters by tag or XPath in C, so
    # only the elements a count reads become Python objects) instead of one Python step per
    # element; tests/test_html_speed.py checks them against that plain walk.
    tags = Counter(el.tag for el in tree.iter(*_TAGS))
    ld_types: set[str] = set()
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() == "application/ld+json" and el.text:
            ld_types.update(t.lower() for t in _LD_TYPE.findall(el.text))
    og_type = ""
    for el in tree.iter("meta"):  # the last one wins
        if (el.get("property") or "").lower() == "og:type":
            og_type = (el.get("content") or "").strip().lower()
    # An element's class and id words count once each; class and id strings repeat across a
    # page, so each distinct string is split once, and words in both an element's class and
    # its id are taken off once more.
    attr_words: Counter[str] = Counter()
    for values, scripts in ((_CLASSES, _SCRIPT_CLASSES), (_IDS, _SCRIPT_IDS)):
        distinct: Counter[str] = Counter(values(tree))
        distinct.subtract(scripts(tree))
        for value, n in distinct.items():
            for word in set(_WORD.findall(value.lower())):
                attr_words[word] += n
    for el in _CLASS_AND_ID(tree):
        both = set(_WORD.findall(el.get("class").lower()))
        for word in both.intersection(_WORD.findall(el.get("id").lower())):
            attr_words[word] -= 1
    # Keyed by the parent element itself: an lxml proxy's id() is reused once the proxy is
    # collected, which merged unrelated parents' counts from run to run.
    siblings = Counter(
        (el.getparent(), el.tag, el.get("class") or "") for el in tree.iter(*_REPEATED)
    )
    runs = [n for key, n in siblings.items() if key[0] is not None]
    link_chars = sum(len(el.text.strip()) for el in tree.iter("a") if el.text)
    for tag in _TAGS:
        f["tag:" + tag] = _log(tags[tag])
    for word in _ATTR_WORDS:
        f["attr:" + word] = _log(attr_words[word])
    for t in _LD_TYPES:
        if t in ld_types:
            f["ld:" + t] = 1.0
    if og_type in _OG_TYPES:
        f["og:" + og_type] = 1.0
    f["repeat:max"] = _log(max(runs, default=0))
    f["repeat:blocks5"] = _log(sum(1 for n in runs if n >= 5))
    if text is None:
        text = shown_text(tree)
    words = len(text.split())
    f["text:words"] = _log(words)
    f["text:link_share"] = link_chars / max(len(text), 1)
    f["text:words_per_p"] = _log(words / max(tags["p"], 1))
    f["text:prices"] = _log(len(_PRICE.findall(text[:_TEXT_SAMPLE])))
    sample = text[:_TEXT_SAMPLE].lower()
    for phrase in _TEXT_WORDS:
        if phrase in sample:
            f["word:" + phrase.strip()] = 1.0


def _url_features(url: str | None, f: dict[str, float]) -> None:
    if not url:
        f["url:none"] = 1.0
        return
    try:
        parts = urlsplit(url)
    except ValueError:
        f["url:none"] = 1.0
        return
    path = parts.path.lower()
    pieces = [p for p in re.split(r"[/\-_.]+", path) if p]
    words = set(pieces)
    for word in _URL_WORDS:
        if word in words:
            f["url:" + word] = 1.0
    f["url:depth"] = float(len([p for p in path.split("/") if p]))
    f["url:root"] = 1.0 if path in ("", "/") else 0.0
    f["url:year"] = 1.0 if _YEAR_PATH.search(path) else 0.0
    f["url:number"] = 1.0 if _DIGITS.search(path) else 0.0
    f["url:query"] = 1.0 if parts.query else 0.0
    f["url:html"] = 1.0 if path.endswith((".html", ".htm", ".php", ".aspx")) else 0.0
    f["url:slug_words"] = _log(max((p.count("-") for p in path.split("/")), default=0))


@lru_cache(maxsize=1)
def _model() -> dict[str, Any]:
    data = resources.files("cleaner").joinpath("data/page_type.json").read_text(encoding="utf-8")
    model: dict[str, Any] = json.loads(data)
    return model


def classify(feats: dict[str, float], model: dict[str, Any] | None = None) -> PageType:
    """The most probable page type (ties go to the earlier class in the model's order)."""
    model = model or _model()
    names: list[str] = model["features"]
    mean: list[float] = model["mean"]
    scale: list[float] = model["scale"]
    x = [(feats.get(n, 0.0) - m) / s for n, m, s in zip(names, mean, scale, strict=True)]
    scores: list[float] = []
    for weights, bias in zip(model["weights"], model["bias"], strict=True):
        scores.append(bias + math.fsum(w * v for w, v in zip(weights, x, strict=True)))
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    best = scores.index(top)
    return PageType(model["classes"][best], exp[best] / math.fsum(exp))


def page_type(
    tree: lxml.html.HtmlElement | None, url: str | None, text: str | None = None
) -> PageType:
    return classify(features(tree, url, text))
