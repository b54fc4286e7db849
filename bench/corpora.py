"""Loaders and scoring for the ground-truth corpora in ``shared/corpora``.

Three corpora (see ``shared/corpora/README.md``):

* ``ctf``  -- crawl-to-the-future: five news sites, archived HTML plus a hand-checked ``.txt``.
* ``aeb``  -- Scrapinghub Article Extraction Benchmark: 181 pages, ``articleBody`` gold.
* ``wcxb`` -- WCXB dev split, article pages: 793 pages, ``main_content`` gold and snippets.

The corpora directory is ``$CLEANER_CORPORA`` or, by default, ``shared/corpora`` beside the
repository. Everything here is stdlib + lxml so benchmarks stay cheap to run.

Run ``python bench/corpora.py`` for corpus sizes and the whole-page baseline scores.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import heapq
import json
import os
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypedDict

import lxml.etree
import lxml.html

__all__ = [
    "CTF_INCONSISTENT_TRUTH",
    "AebPage",
    "CtfPage",
    "LineMetrics",
    "Prf",
    "WcxbPage",
    "aeb_aggregate",
    "aeb_f1",
    "bow_f1",
    "classify_lines",
    "corpora_dir",
    "ctf_id",
    "ctf_sites",
    "iter_aeb",
    "iter_ctf",
    "iter_gold_documents",
    "iter_wcxb",
    "kept_chrome_lines",
    "line_metrics",
    "lost_lines",
    "read_html_bytes",
    "scrape_text",
    "shingle_prf",
    "sum_line_metrics",
]

# --------------------------------------------------------------------------- location


def corpora_dir() -> Path:
    """The corpora root: ``$CLEANER_CORPORA``, else ``<repo>/../shared/corpora``.

    Read at call time so tests and scripts can point it elsewhere.
    """
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
    return Path(os.environ.get("CLEANER_CORPORA", default))


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class CtfPage:
    """One crawl-to-the-future page: ``ctf/<site>/<year>/<name>.html`` and its ``.txt``."""

    site: str
    year: int
    name: str  # file name without ``.html``
    html_path: Path
    gold_text: str  # the hand-checked .txt, newlines normalised to "\n"


@dataclass(frozen=True, slots=True)
class AebPage:
    """One Article Extraction Benchmark page; ``html_path`` is gzipped."""

    id: str
    url: str
    html_path: Path
    gold_text: str  # ``articleBody``


@dataclass(frozen=True, slots=True)
class WcxbPage:
    """One WCXB article page; ``html_path`` is gzipped.

    ``url`` is "" for the one page whose record lacks it; ``author`` and ``publish_date`` are
    None when the gold has none (``publish_date`` is ISO, a few only ``YYYY-MM``).
    ``gold_text`` is ``main_content`` and is "" on two pages.
    """

    id: str
    url: str
    html_path: Path
    title: str
    author: str | None
    publish_date: str | None
    gold_text: str
    with_snippets: tuple[str, ...]  # text the clean result must contain
    without_snippets: tuple[str, ...]  # boilerplate it must not contain


# --------------------------------------------------------------------------- loaders


def _decode_gold(data: bytes) -> str:
    # 133 ctf .txt files are cp1252 (curly quotes, dashes, pound signs), the rest UTF-8;
    # many have CRLF endings.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def ctf_sites() -> list[str]:
    """The ctf site names (directory names under ``ctf/``), sorted."""
    root = corpora_dir() / "ctf"
    return sorted(p.name for p in root.iterdir() if p.is_dir())


# ctf pages whose hand-checked text disagrees with the rest of its site's truth (or is not this
# page's text at all). Benchmarks report figures with and without them; keyed by ``ctf_id``.
CTF_INCONSISTENT_TRUTH: dict[str, str] = {
    "news.yahoo.com/2000/20000815053113_dailynews_yahoo_com_h_nm_20000814_bs_media_chriscraft_dc_10_html": (
        "keeps the related-coverage links that every other yahoo page's truth leaves out"
    ),
    "www.cnn.com/2000/20001204202200_www10_cnn_com_interactive_legal_html": (
        "a legal notice; keeps the site's footer lines (copyright, terms and privacy links)"
    ),
    "www.forbes.com/2000/20000301094642_www_forbes_com_tool_html_legal_disclaimer_htm": (
        "a legal notice; keeps the site's copyright line as article text"
    ),
    "www.forbes.com/2000/20000301094642_www_forbes_com_tool_html_privacy_state_htm": (
        "a privacy policy; keeps the site's copyright lines as article text"
    ),
    "www.forbes.com/2000/20000707001254_www_forbes_com_tool_html_privacy_state_htm": (
        "a privacy policy; keeps the site's copyright lines as article text"
    ),
    "www.forbes.com/2015/How Can Data Scientists Build Trust In Advanced Analytics p2": (
        'the truth is another article ("What Should Data Scientists Know?")'
    ),
    "www.foxnews.com/2000/F I R E S": (
        "a frameset with no text of its own; the truth is the framed article's text"
    ),
}


def ctf_id(page: CtfPage) -> str:
    """A ctf page's id, ``site/year/name`` (as in :func:`iter_gold_documents`)."""
    return f"{page.site}/{page.year}/{page.name}"


def iter_ctf(site: str | None = None) -> Iterator[CtfPage]:
    """Yield ctf pages of one site (or all sites) in sorted site/year/name order.

    Raises ValueError (on first iteration) for an unknown site, so a typo does not look
    like an empty site.
    """
    sites = ctf_sites()
    if site is not None:
        if site not in sites:
            raise ValueError(f"unknown ctf site {site!r}; known: {', '.join(sites)}")
        sites = [site]
    root = corpora_dir() / "ctf"
    for site_name in sites:
        years = sorted(p for p in (root / site_name).iterdir() if p.is_dir())
        for year_dir in years:
            for html_path in sorted(year_dir.glob("*.html")):
                yield CtfPage(
                    site=site_name,
                    year=int(year_dir.name),
                    name=html_path.stem,
                    html_path=html_path,
                    gold_text=_decode_gold(html_path.with_suffix(".txt").read_bytes()),
                )


def iter_aeb() -> Iterator[AebPage]:
    """Yield the AEB pages sorted by id."""
    root = corpora_dir() / "aeb"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        record = truth[page_id]
        yield AebPage(
            id=page_id,
            url=str(record.get("url") or ""),
            html_path=root / "html" / f"{page_id}.html.gz",
            gold_text=str(record.get("articleBody") or ""),
        )


def _opt_str(value: object) -> str | None:
    # The gold uses both null and "" for "no value".
    return value if isinstance(value, str) and value else None


def iter_wcxb() -> Iterator[WcxbPage]:
    """Yield the WCXB article pages sorted by id (the file stem, e.g. ``"0001"``)."""
    root = corpora_dir() / "wcxb-dev"
    for truth_path in sorted((root / "ground-truth").glob("*.json")):
        record = json.loads(truth_path.read_text(encoding="utf-8"))
        gold = record["ground_truth"]
        yield WcxbPage(
            id=truth_path.stem,  # file_id is missing from one record; the stem never is
            url=str(record.get("url") or ""),
            html_path=root / "html" / f"{truth_path.stem}.html.gz",
            title=str(gold.get("title") or ""),
            author=_opt_str(gold.get("author")),
            publish_date=_opt_str(gold.get("publish_date")),
            gold_text=str(gold.get("main_content") or ""),
            with_snippets=tuple(str(s) for s in gold.get("with") or ()),
            without_snippets=tuple(str(s) for s in gold.get("without") or ()),
        )


def iter_gold_documents() -> Iterator[tuple[str, str, str]]:
    """Yield ``(corpus, doc_id, gold_text)`` for every non-empty gold text.

    Corpus names are ``"ctf"``, ``"aeb"`` and ``"wcxb"``; ctf ids are ``site/year/name``.
    Empty golds (two wcxb pages) are skipped: they hold no text a rule could delete.
    """
    for ctf in iter_ctf():
        if ctf.gold_text.strip():
            yield "ctf", ctf_id(ctf), ctf.gold_text
    for aeb in iter_aeb():
        if aeb.gold_text.strip():
            yield "aeb", aeb.id, aeb.gold_text
    for wcxb in iter_wcxb():
        if wcxb.gold_text.strip():
            yield "wcxb", wcxb.id, wcxb.gold_text


def read_html_bytes(path: str | os.PathLike[str]) -> bytes:
    """The raw bytes of an HTML file, gunzipped when it is gzip data (``.html.gz``)."""
    data = Path(path).read_bytes()
    # Sniff the magic number rather than trust the suffix.
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


# --------------------------------------------------------------------------- scraping

# Not rendered by a browser, so never part of a scrape. The HTML parser also reads the
# content of iframe, noembed and noframes as raw text, i.e. as markup junk.
_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "noembed", "noframes"})
# Elements a browser lays out as blocks (plus table cells, option and title): each
# starts and ends a line.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
        "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "nav",
        "ol", "optgroup", "option", "plaintext", "pre", "search", "section", "select",
        "summary", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "title", "tr",
        "ul", "xmp",
    }
)  # fmt: skip
# Line breaks a block needs around it; <p> also wants a blank line, as in ``innerText``.
_BREAKS = dict.fromkeys(_BLOCK_TAGS, 1) | {"p": 2}
_WS = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG decodes these labels as windows-1252, and so do browsers.
_AS_CP1252 = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252"})


def _decode_html(data: bytes) -> str:
    """Decode page bytes as a browser would, but trusting valid UTF-8 over the markup.

    Valid UTF-8 wins over a declared charset: 31 ctf pages declare iso-8859-1 yet are
    stored as UTF-8, and non-ASCII text that is valid UTF-8 is almost never anything else.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = "cp1252"
    match = _META_CHARSET.search(data[:4096])
    if match:
        with contextlib.suppress(LookupError):  # an unknown label: keep the default
            codec = codecs.lookup(match.group(1).decode("ascii")).name
    if codec in _AS_CP1252 or codec.startswith(("utf-16", "utf-32")):
        codec = "cp1252"  # a UTF-16 label on 8-bit bytes is a lie browsers ignore too
    return data.decode(codec, errors="replace")


class _TextSink:
    """Collects rendered text the way ``innerText`` does.

    Breaks around blocks are *required* breaks: adjacent ones merge (the largest wins)
    instead of adding up, so ``</li><li>`` gives one line break, not a blank line. A
    ``<br>`` is a literal newline and does add up.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0  # required newlines not yet written

    def block(self, newlines: int) -> None:
        self.pending = max(self.pending, newlines)

    def line_break(self) -> None:
        self.parts.append("\n" * (self.pending + 1))
        self.pending = 0

    def text(self, text: str | None, in_pre: bool) -> None:
        if not text:
            return
        if not in_pre:
            text = _WS.sub(" ", text)  # source newlines are only layout outside <pre>
        if self.pending:
            if text.isspace():
                return  # indentation between blocks; it would only start a line
            self.parts.append("\n" * self.pending)
            self.pending = 0
        self.parts.append(text)


def _render(root: lxml.html.HtmlElement) -> str:
    """Flatten a parsed page to text with line breaks at block boundaries (unnormalised)."""
    sink = _TextSink()
    pre_depth = 0
    # An explicit stack, because junk pages nest deeper than Python's recursion limit.
    # Each element is visited twice: opening (False), then closing (True).
    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = str(element.tag)  # always str when parsed from HTML; stubs allow QName too
        if closing:
            if tag == "pre":
                pre_depth -= 1
            sink.block(_BREAKS.get(tag, 0))
        elif tag == "br":
            sink.line_break()
        elif tag not in _DROP_TAGS:
            if tag == "pre":
                pre_depth += 1
            sink.block(_BREAKS.get(tag, 0))
            sink.text(element.text, pre_depth > 0)
            stack.append((element, True))
            stack.extend((child, False) for child in reversed(element))
            continue
        # The element is done (or skipped whole): the text after it flows in its parent.
        sink.text(element.tail, pre_depth > 0)
    return "".join(sink.parts)


def _tidy(text: str) -> str:
    """Collapse whitespace within lines and runs of blank lines; trim blank ends."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def scrape_text(html: bytes | str) -> str:
    """The plain-text scrape of a page: what a scraper saves and our text pipeline cleans.

    All text of the document (``<title>`` included) except what a browser does not render:
    ``script``, ``style``, ``noscript``, ``template``, ``iframe``, ``noembed`` and
    ``noframes``. Block-level elements (div, li, h1-h6, tr, td/th, title,
    option, ...) and ``<br>`` end lines, ``<p>`` also leaves a blank line as a browser's
    ``innerText`` does; whitespace is collapsed within lines (``<pre>`` keeps its line
    breaks), runs of blank lines become one, and the result has no leading or trailing
    blank lines. Attribute text (alt, title) is not included.

    Bytes are decoded by BOM, then as UTF-8 if valid, then by the ``<meta>`` charset, then
    as windows-1252; never raises on junk, returns "" for input with no parseable document.
    """
    text = _decode_html(html) if isinstance(html, bytes) else html
    # libxml2 turns NUL into U+FFFD junk; a lone surrogate cannot be encoded.
    data = text.replace("\x00", "").encode("utf-8", errors="replace")
    parser = lxml.html.HTMLParser(
        encoding="utf-8",  # the bytes were decoded above; ignore any <meta> charset
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,  # lifts libxml2's nesting limit from 256 to 2048
    )
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.LxmlError, ValueError):
        return ""
    return _tidy(_render(root))


# --------------------------------------------------------------------------- scoring

_TOKEN = re.compile(r"\w+")  # Unicode-aware in Python 3: letters, digits, underscore


class Prf(NamedTuple):
    """Precision, recall and F1 of a corpus."""

    precision: float
    recall: float
    f1: float


def _ngrams(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    return (tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _shingles(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    if len(tokens) < n:
        # Too short for one n-gram: the whole sequence is the single shingle, as in the
        # AEB reference evaluate.py; no tokens, no shingles.
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(_ngrams(tokens, n))


def shingle_prf(pred: str, gold: str, n: int = 4) -> tuple[int, int, int]:
    """AEB's per-page counts: ``(tp, fp, fn)`` over multisets of word n-gram shingles.

    Tokens are ``\\w+`` matches (Python ``re``, Unicode, case kept). Each text becomes the
    multiset of its n-token shingles; ``tp`` is the size of the multiset intersection,
    ``fp`` the predicted shingles left over, ``fn`` the gold shingles left over. A text
    with fewer than ``n`` tokens (but at least one) is a single shingle of all its tokens.
    The reference implementation divides the three by their sum, which changes neither
    precision nor recall, so raw counts are returned.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    pred_shingles = _shingles(_TOKEN.findall(pred), n)
    gold_shingles = _shingles(_TOKEN.findall(gold), n)
    tp = (pred_shingles & gold_shingles).total()
    return tp, pred_shingles.total() - tp, gold_shingles.total() - tp


def aeb_aggregate(counts: Iterable[tuple[int, int, int]]) -> Prf:
    """Combine per-page ``(tp, fp, fn)`` the AEB way.

    Precision ``tp / (tp + fp)`` is averaged over the pages with output (``tp + fp > 0``),
    recall ``tp / (tp + fn)`` over the pages with gold (``tp + fn > 0``), and F1 is the
    harmonic mean of the two averages (not an average of per-page F1). An empty average
    is 0.0, as is F1 when both averages are 0 (the reference would raise there).
    """
    rows = list(counts)
    precisions = [tp / (tp + fp) for tp, fp, _ in rows if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in rows if tp + fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    total = precision + recall
    return Prf(precision, recall, 2 * precision * recall / total if total else 0.0)


def aeb_f1(pairs: Iterable[tuple[str, str]], n: int = 4) -> Prf:
    """AEB score of ``(pred, gold)`` text pairs: :func:`shingle_prf` per page, then
    :func:`aeb_aggregate`."""
    return aeb_aggregate(shingle_prf(pred, gold, n) for pred, gold in pairs)


def bow_f1(pred: str, gold: str) -> float:
    """WCXB's per-page bag-of-words F1 (callers average it over pages).

    Tokens are ``\\w+`` matches lowercased with ``str.lower``; both texts become multisets
    of tokens; precision = overlap / predicted tokens, recall = overlap / gold tokens, and
    the result is their harmonic mean. Two texts without tokens score 1.0; one empty
    side scores 0.0.
    """
    pred_bag = Counter(token.lower() for token in _TOKEN.findall(pred))
    gold_bag = Counter(token.lower() for token in _TOKEN.findall(gold))
    if not pred_bag and not gold_bag:
        return 1.0
    overlap = (pred_bag & gold_bag).total()
    if not overlap:
        return 0.0
    precision = overlap / pred_bag.total()
    recall = overlap / gold_bag.total()
    return 2 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------- line scoring

_LINE_NGRAM = 4
_CONTENT_SHARE = 0.5


class LineMetrics(TypedDict):
    """Counts (lines, or characters with ``by_chars``) and the two rates of a cleaning."""

    content: int
    chrome: int
    content_removed: int
    chrome_removed: int
    chrome_removal: float  # chrome_removed / chrome; 1.0 when there is no chrome
    content_loss: float  # content_removed / content; 0.0 when there is no content


# Invisible characters a cleaner may delete (soft hyphen, zero-width space, word joiner, BOM):
# a line that lost only these is the same line.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def _norm_line(line: str) -> str:
    return " ".join(line.translate(_INVISIBLE).split())


def _as_lines(text_or_lines: str | Iterable[str]) -> list[str]:
    if isinstance(text_or_lines, str):
        return text_or_lines.splitlines()
    return list(text_or_lines)


class _GoldTokens:
    """The gold as one token stream whose tokens each back at most one scrape line."""

    def __init__(self, gold_lines: list[str]) -> None:
        self.tokens: list[str] = []
        # whole-line key -> token spans of the unclaimed gold lines with that key
        self.lines: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        for line in gold_lines:
            if not line:
                continue
            line_tokens = _TOKEN.findall(line.casefold())
            span = (len(self.tokens), len(self.tokens) + len(line_tokens))
            self.lines.setdefault(tuple(line_tokens) or (line,), []).append(span)
            self.tokens += line_tokens
        self.grams: dict[tuple[str, ...], list[int]] = {}
        for start, gram in enumerate(_ngrams(self.tokens, _LINE_NGRAM)):
            self.grams.setdefault(gram, []).append(start)
        self.claimed = [False] * len(self.tokens)

    def coverage(self, tokens: list[str]) -> tuple[float, set[int]]:
        """Share of ``tokens`` inside 4-token runs of unclaimed gold tokens, and those gold
        token positions (a run continuing the previous one is preferred, so a line follows
        its own passage of the gold)."""
        covered = [False] * len(tokens)
        positions: set[int] = set()
        starts: set[int] = set()  # each gold run backs one run of this line too
        previous = -2
        for i, gram in enumerate(_ngrams(tokens, _LINE_NGRAM)):
            free = [
                start
                for start in self.grams.get(gram, ())
                if start not in starts and not any(self.claimed[start : start + _LINE_NGRAM])
            ]
            if not free:
                continue
            start = previous + 1 if previous + 1 in free else free[0]
            previous = start
            starts.add(start)
            positions.update(range(start, start + _LINE_NGRAM))
            covered[i : i + _LINE_NGRAM] = [True] * _LINE_NGRAM
        return sum(covered) / len(tokens), positions

    def claim(self, positions: Iterable[int]) -> None:
        for position in positions:
            self.claimed[position] = True

    def claim_line(self, key: tuple[str, ...]) -> bool:
        """Claim a whole gold line with this key whose tokens are all unclaimed."""
        spans = self.lines.get(key, [])
        for n, (start, end) in enumerate(spans):
            if not any(self.claimed[start:end]):
                del spans[n]
                self.claim(range(start, end))
                return True
        return False


def classify_lines(
    lines: str | Iterable[str], gold_text: str, kept: Sequence[bool] | None = None
) -> list[bool]:
    """Mark each line True if it is content of ``gold_text``, False if it is chrome.

    Matching is on casefolded ``\\w+`` tokens, so whitespace, punctuation, quote style and
    case differences between the scrape and the hand-made gold do not matter. Gold text
    counts once: each gold token backs at most one line.

    * a line of 1-3 tokens is too short for run evidence ("Home", "More" occur in most
      articles): it is content when its tokens equal those of a whole gold line (a
      subheading, a byline, a date line) that no other line has claimed, so a menu entry
      "Health" is chrome once the subheading "Health" counts. These claim first;
    * a line of 4 or more tokens is content when at least half of its tokens lie inside
      4-token runs of unclaimed gold tokens, the gold read as one token stream across its
      lines. This accepts a gold paragraph the scrape split over several lines (every
      fragment lies in it), several gold lines the scrape merged into one (the runs cross
      gold line breaks) and a gold line glued to a little chrome. The best-covered lines
      claim first, and among equals a copy of a whole gold line first, so the ``<title>``
      line, a caption quoting a paragraph or a "most read" link repeating the headline is
      chrome once the headline or paragraph itself has claimed its tokens;
    * a line without tokens ("|", "* * *") is content when it equals an unclaimed gold
      line after whitespace normalisation. Blank lines are never content.

    Among lines that are otherwise equal, ``kept`` -- which lines a cleaning kept, when
    scoring one -- lets the kept copies claim first: the gold text is in the output, so the
    copy removed is the duplicate, not lost content. Then ties go in line order.
    """
    gold = _GoldTokens([_norm_line(line) for line in gold_text.splitlines()])
    normed = [_norm_line(line) for line in _as_lines(lines)]
    tokens = [_TOKEN.findall(line.casefold()) for line in normed]
    first = [False] * len(normed) if kept is None else [bool(k) for k in kept]
    if len(first) != len(normed):
        raise ValueError(f"kept has {len(first)} entries for {len(normed)} lines")
    verdicts = [False] * len(normed)
    long_lines: list[tuple[float, bool, bool, int]] = []
    short_lines: list[tuple[bool, int]] = []
    for i, (line, line_tokens) in enumerate(zip(normed, tokens, strict=True)):
        if len(line_tokens) >= _LINE_NGRAM:
            share = gold.coverage(line_tokens)[0]
            if share >= _CONTENT_SHARE:
                whole = tuple(line_tokens) in gold.lines
                long_lines.append((-share, not whole, not first[i], i))
        elif line:
            short_lines.append((not first[i], i))
    # Whole gold lines first (a subheading, a byline, a date line), then the best-covered
    # long lines: a page title gluing the headline to the date line finds both taken.
    for _, i in sorted(short_lines):
        verdicts[i] = gold.claim_line(tuple(tokens[i]) or (normed[i],))
    # Greedy by current coverage: a line whose gold text another line took meanwhile goes
    # back in the queue with what is left for it.
    heapq.heapify(long_lines)
    while long_lines:
        was, partial, removed, i = heapq.heappop(long_lines)
        share, positions = gold.coverage(tokens[i])
        if share < _CONTENT_SHARE:
            continue
        if -share > was:
            heapq.heappush(long_lines, (-share, partial, removed, i))
            continue
        verdicts[i] = True
        gold.claim(positions)
    return verdicts


def _kept_mask(scrape: list[str], kept_lines: list[str]) -> list[bool]:
    """Which scrape lines survive in ``kept_lines`` (both whitespace-normalised, no blanks).

    Identical lines are paired first, as multisets. A kept line left over was rewritten by
    the cleaner (part of it trimmed): it keeps the first unpaired scrape line containing it.
    """
    remaining = Counter(kept_lines)
    mask: list[bool] = []
    for line in scrape:
        mask.append(remaining[line] > 0)
        if mask[-1]:
            remaining[line] -= 1
    for kept, count in remaining.items():
        for _ in range(count):
            for i, line in enumerate(scrape):
                if not mask[i] and kept in line:
                    mask[i] = True
                    break
    return mask


def _scored_lines(
    scrape_lines: str | Iterable[str], kept_lines: str | Iterable[str], gold_text: str
) -> Iterator[tuple[str, bool, bool]]:
    """Each non-blank normalised scrape line with its verdicts: (line, is content, is kept)."""
    scrape = [line for line in map(_norm_line, _as_lines(scrape_lines)) if line]
    kept = _kept_mask(scrape, [line for line in map(_norm_line, _as_lines(kept_lines)) if line])
    yield from zip(scrape, classify_lines(scrape, gold_text, kept), kept, strict=True)


def lost_lines(
    scrape_lines: str | Iterable[str], kept_lines: str | Iterable[str], gold_text: str
) -> list[str]:
    """The scrape lines :func:`line_metrics` counts as removed content (normalised), in order."""
    return [
        line
        for line, is_content, is_kept in _scored_lines(scrape_lines, kept_lines, gold_text)
        if is_content and not is_kept
    ]


def kept_chrome_lines(
    scrape_lines: str | Iterable[str], kept_lines: str | Iterable[str], gold_text: str
) -> list[str]:
    """The scrape lines :func:`line_metrics` counts as kept chrome (normalised), in order."""
    return [
        line
        for line, is_content, is_kept in _scored_lines(scrape_lines, kept_lines, gold_text)
        if is_kept and not is_content
    ]


def line_metrics(
    scrape_lines: str | Iterable[str],
    kept_lines: str | Iterable[str],
    gold_text: str,
    *,
    by_chars: bool = False,
) -> LineMetrics:
    """Score a line-level cleaning of a scrape against the gold text (site-pack scoring).

    ``scrape_lines`` is the cleaner's input, ``kept_lines`` its output (lists of lines or
    whole texts). Lines are compared after whitespace normalisation (invisible characters
    such as soft hyphens dropped) and blank lines are ignored. Each scrape line is kept or
    removed by multiset pairing with the kept lines (a kept line the cleaner shortened still
    keeps its scrape line), and content or chrome by :func:`classify_lines`, where kept copies
    claim gold text first: a hand-checked line counts as removed only when no copy of it was
    kept. Counts are lines, or characters of the normalised lines with ``by_chars``.
    ``chrome_removal`` = removed chrome / chrome and ``content_loss`` = removed content /
    content; to score many pages, add their counts with :func:`sum_line_metrics` rather than
    averaging the rates.
    """
    totals = Counter[str]()
    for line, is_content, is_kept in _scored_lines(scrape_lines, kept_lines, gold_text):
        kind = "content" if is_content else "chrome"
        weight = len(line) if by_chars else 1
        totals[kind] += weight
        if not is_kept:
            totals[f"{kind}_removed"] += weight
    return _with_rates(
        totals["content"], totals["chrome"], totals["content_removed"], totals["chrome_removed"]
    )


def _with_rates(
    content: int, chrome: int, content_removed: int, chrome_removed: int
) -> LineMetrics:
    return LineMetrics(
        content=content,
        chrome=chrome,
        content_removed=content_removed,
        chrome_removed=chrome_removed,
        chrome_removal=chrome_removed / chrome if chrome else 1.0,
        content_loss=content_removed / content if content else 0.0,
    )


def sum_line_metrics(items: Iterable[LineMetrics]) -> LineMetrics:
    """Add the counts of several :func:`line_metrics` results and recompute the rates."""
    rows = list(items)
    return _with_rates(
        sum(row["content"] for row in rows),
        sum(row["chrome"] for row in rows),
        sum(row["content_removed"] for row in rows),
        sum(row["chrome_removed"] for row in rows),
    )


# --------------------------------------------------------------------------- report


def _page_text(path: Path) -> str:
    return scrape_text(read_html_bytes(path))


def main() -> int:
    """Print corpus sizes and the whole-page (unclean scrape) baseline scores."""
    root = corpora_dir()
    if not root.is_dir():
        print(f"corpora not found: {root} (set CLEANER_CORPORA)", file=sys.stderr)
        return 1
    print(f"corpora: {root}")

    print("\n== ctf: pages; whole-scrape shingle F1; content lines; F1 keeping only those")
    for site in ctf_sites():
        pages = list(iter_ctf(site))
        years = Counter(page.year for page in pages)
        whole: list[tuple[str, str]] = []
        oracle: list[tuple[str, str]] = []
        content = total = 0
        for page in pages:
            lines = [line for line in _page_text(page.html_path).splitlines() if line]
            mask = classify_lines(lines, page.gold_text)
            content += sum(mask)
            total += len(lines)
            whole.append(("\n".join(lines), page.gold_text))
            kept = (line for line, is_content in zip(lines, mask, strict=True) if is_content)
            oracle.append(("\n".join(kept), page.gold_text))
        whole_score = aeb_f1(whole)
        by_year = " ".join(f"{year}:{count}" for year, count in sorted(years.items()))
        print(
            f"{site:<16} {len(pages):>3} ({by_year})  whole P {whole_score.precision:.3f} "
            f"R {whole_score.recall:.3f} F1 {whole_score.f1:.3f}  "
            f"content {content / max(1, total):.1%} of {total} lines  "
            f"content-only F1 {aeb_f1(oracle).f1:.3f}"
        )

    aeb = list(iter_aeb())
    aeb_score = aeb_f1((_page_text(page.html_path), page.gold_text) for page in aeb)
    print(f"\n== aeb: {len(aeb)} pages, {sum(not p.gold_text.strip() for p in aeb)} empty gold")
    print(
        f"whole-page scrape_text: shingle P {aeb_score.precision:.3f}  "
        f"R {aeb_score.recall:.3f}  F1 {aeb_score.f1:.3f}  (README: inscriptis ~0.68)"
    )

    wcxb = list(iter_wcxb())
    scored = [page for page in wcxb if page.gold_text.strip()]
    f1s = [bow_f1(_page_text(page.html_path), page.gold_text) for page in scored]
    print(f"\n== wcxb: {len(wcxb)} pages, {len(wcxb) - len(scored)} empty gold (skipped)")
    print(f"whole-page scrape_text: mean bag-of-words F1 {statistics.fmean(f1s):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
