"""Pipeline settings, read from ``config.yaml`` beside the rule packs and checked like a rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ftfy

from cleaner.engine.options import BOOL, INT, LIST, STR, Option, check_options
from cleaner.engine.regex import DEFAULT_COMPILED_PATTERNS
from cleaner.engine.yamlsafe import LocDict, load_yaml, read_rule_file
from cleaner.errors import RuleError, RuleErrors
from cleaner.limits import DEFAULT_MAX_ARTICLE_BYTES, DEFAULT_MAX_PAGE_BYTES, MAX_READ_BYTES
from cleaner.stages import DEDUP_MODES
from cleaner.steps.language import DEFAULT_DETECTOR, DEFAULT_SAMPLE_CHARS, DETECTORS
from cleaner.steps.repair import DEFAULT_FTFY

_FTFY_BOOLS = [
    f
    for f in ftfy.TextFixerConfig._fields
    if f not in ("unescape_html", "normalization", "max_decode_length", "explain")
]
REPAIR_OPTIONS = (
    Option("enabled", BOOL, "Run ftfy at all.", default=True),
    Option(
        "unescape_html",
        STR,
        "ftfy: decode HTML entities.",
        default="auto",
        choices=("auto", "true", "false"),
    ),
    Option(
        "normalization",
        STR,
        "ftfy: Unicode normalisation form.",
        default="NFC",
        choices=("NFC", "NFD", "NFKC", "NFKD", "none"),
    ),
    *(
        Option(name, BOOL, f"ftfy option `{name}`.", default=DEFAULT_FTFY.get(name, True))
        for name in _FTFY_BOOLS
    ),
)
LANGUAGE_OPTIONS = (
    Option(
        "detector",
        STR,
        "Language detector. `langdetect-rs` gives langdetect's answers bit for bit, about 50x "
        "faster; `langdetect` is the original.",
        default=DEFAULT_DETECTOR,
        choices=tuple(DETECTORS),
    ),
    Option(
        "sample_chars",
        INT,
        "Characters of clean text the detector reads.",
        default=DEFAULT_SAMPLE_CHARS,
        minimum=50,
    ),
)
FIELD_OPTIONS = (
    Option(
        "straighten_quotes",
        BOOL,
        "Straighten typographic quotes in title and author, so the "
        "same headline compares equal across sources. The text keeps its quotes.",
        default=True,
    ),
)
LIMIT_OPTIONS = (
    Option(
        "max_article_bytes",
        INT,
        "The largest text article read, in bytes (one `.txt` file or one JSONL line; HTML pages "
        "have `html.max_page_bytes`). A larger one "
        "is rejected as `too_large` without being read into memory: no news article is that "
        "big, and cleaning takes about 20 times its size in memory.",
        default=DEFAULT_MAX_ARTICLE_BYTES,
        minimum=1,
        maximum=MAX_READ_BYTES,
    ),
    Option(
        "compiled_patterns",
        INT,
        "How many compiled site-pack patterns a process keeps (a memory budget; the output "
        "does not depend on it). RE2 grows a cache per compiled pattern as it meets text, so "
        "with thousands of site packs a worker's memory would follow the number of rules it "
        "has run; beyond this many, the least recently used are dropped and compiled again "
        "when their site comes back, which costs CPU when many sites are interleaved. The "
        "generic packs always stay compiled. Raise it when memory allows (the memory and CPU "
        "trade-off is measured in bench/README.md, Scale, Memory).",
        default=DEFAULT_COMPILED_PATTERNS,
        minimum=100,
    ),
)
HTML_OPTIONS = (
    Option(
        "max_page_bytes",
        INT,
        "Pages larger than this are rejected (`page_too_large`) before they are decoded. "
        "Below it, a page over 6 MB has its scripts, styles, comments and `data:` URIs over "
        "1,000 characters blanked (JSON-LD kept) before parsing, and what is left past 3 MB "
        "is cut off (`cut:page` in the record's `repairs`, counted as `pages_cut` in "
        "summary.json): a parse tree takes many times the text it is built from, so this "
        "keeps a worker's memory bounded whatever the page's size.",
        default=DEFAULT_MAX_PAGE_BYTES,
        minimum=1000,
        maximum=MAX_READ_BYTES,
    ),
    Option(
        "favor",
        STR,
        "trafilatura's trade-off for pages without an `html_body` rule.",
        default="balanced",
        choices=("balanced", "precision", "recall"),
    ),
    Option("include_tables", BOOL, "trafilatura: keep the text of tables.", default=True),
    Option(
        "include_comments",
        BOOL,
        "trafilatura: keep readers' comments. Off because comments are not the article "
        "(and F1 was lower with them on AEB and WCXB).",
        default=False,
    ),
    Option(
        "date_search",
        BOOL,
        "When the markup (JSON-LD, meta, microdata, time), the visible date lines and the URL "
        "give no publication date, let htmldate look for one in the page, without its "
        "extensive text search (which gives a date to most undated pages).",
        default=True,
    ),
    Option(
        "fallback",
        STR,
        "When trafilatura (balanced) compares its own extraction with readability's and "
        "justext's, about a third of its time: `always`, on every page; `short`, only when "
        "its text without the comparison is under 1,000 characters or under a tenth of the "
        "page's visible text, where the comparison changes the text (trafilatura then runs "
        "again with it). `short` by default: the rule was chosen on some WCXB sites and "
        "checked on others and on AEB's news pages, where it keeps word F1 and AEB's scores "
        "for less of trafilatura's time (bench/results/html-speed.txt).",
        default="short",
        choices=("always", "short"),
    ),
    Option(
        "page_types",
        STR,
        "Page-type-aware extraction for pages without an `html_body` rule: `label` gives each "
        "page record a `page_type` (article, forum, product, collection, listing, "
        "documentation, service) from the shipped classifier; `extract` also takes the text "
        "with that type's profile (its own DOM extractor, trafilatura settings, or a vote "
        "with resiliparse, a second extractor in the `html` extra); `off` does neither. "
        "`label` by default: the label costs one pass over the parsed page and changes no "
        "text; `extract` is measured ahead of trafilatura on forums, listings, collections "
        "and services but a little behind it on news pages the classifier takes for another "
        "type (bench/results/page-types.txt), so it is asked for. `blocks` is `extract` with "
        "the block model (cleaner/data/blocks.json: each laid-out block kept or dropped from "
        "what trafilatura and resiliparse kept around it, its links, words and tag path) "
        "taking the text of collection, listing and service pages, of pages whose type is "
        "unsure and of pages trafilatura finds no text in: measured ahead of `extract` on "
        "held-out sites, a little behind it on AEB news, and a few tens of milliseconds a "
        "page dearer (bench/results/blocks.txt).",
        default="label",
        choices=("off", "label", "extract", "blocks"),
    ),
)
LEARN_OPTIONS = (
    Option(
        "learn_chrome",
        BOOL,
        "Learn each site's chrome from the corpus: `cleaner suggest`'s miner drafts a pack "
        "from a sample of the site's documents (header and footer cuts, recurring lines, "
        "lines that differ only in their numbers, and spans), and its rules run on all of "
        "them, except those that would touch a run of long paragraphs on a sampled document "
        "and those it doubts (whole lines excepted). The packs are written to "
        "`learned-rules/` in the output folder for review. `cleaner run --learn-chrome` turns "
        "it on.",
        default=False,
    ),
    Option(
        "learn_min_docs",
        INT,
        "`learn_chrome`: a site with fewer documents learns nothing.",
        default=50,
        minimum=3,
    ),
    Option(
        "learn_share",
        INT,
        "`learn_chrome`: the share of a site's sampled documents, in percent, a line must "
        "recur on to be chrome (and at least 3), as `cleaner suggest --share`.",
        default=2,
        minimum=1,
        maximum=100,
    ),
    Option(
        "learn_sample",
        INT,
        "`learn_chrome`: how many documents per site are mined (a bottom-k sample by digest, "
        "the same whatever the worker count); a run spills the samples to its work folder, "
        "so memory stays bounded whatever the number of sites.",
        default=200,
        minimum=10,
    ),
    Option(
        "learn_model_rules",
        INT,
        "`learn_chrome`: a site whose learned pack has at least this many live rules is "
        "cleaned without the generic line model (the packs with a `boilerplate` rule), as "
        "its pack's `disable_generic` says: pass 1 keeps each document's clean without it, "
        "the sample is mined from those, and pass 2 runs the learned rules on them. A site "
        "with fewer keeps the model. 0: the model stays on everywhere.",
        default=1,
        minimum=0,
    ),
)
CORPUS_OPTIONS = (
    Option(
        "dedup",
        STR,
        "Drop documents whose text repeats one met earlier in input order: `exact` compares "
        "texts with case folded, punctuation removed and whitespace collapsed; `near` drops "
        "texts whose MinHash-estimated Jaccard similarity reaches `dedup_threshold`; `none` keeps "
        "every document. The kept one carries `meta.duplicates`, the dropped ones go to "
        "`duplicates.jsonl`. `cleaner run --dedup` overrides this.",
        default="none",
        choices=DEDUP_MODES,
    ),
    Option(
        "dedup_threshold",
        INT,
        "`near`: the estimated Jaccard similarity of two texts' shingle sets (word 5-grams; "
        "character 5-grams in Chinese and Japanese), in percent, from which they are "
        "near-duplicates.",
        default=80,
        minimum=50,
        maximum=100,
    ),
    Option(
        "dedup_bands",
        INT,
        "`near`: LSH bands; 0 derives bands and rows from the threshold (14 x 8, datatrove's, "
        "at 80).",
        default=0,
        maximum=64,
    ),
    Option(
        "dedup_rows", INT, "`near`: MinHash values per band; 0: derived.", default=0, maximum=32
    ),
    Option(
        "dedup_keeper",
        STR,
        "Which document of a duplicate cluster is kept (`exact` and `near`): the first in input "
        "order, the longest text, the newest `date_published` (a record without one ranks "
        "last), or the highest quality score (`quality.score.mean_margin`, which the quality "
        "filters compute: `quality` needs `--quality`); ties go to the first in input order.",
        default="first",
        choices=("first", "longest", "newest", "quality"),
    ),
    *LEARN_OPTIONS,
)
QUALITY_OPTIONS = (
    Option(
        "filters",
        LIST,
        "Quality filters to apply: the presets `gopher`, `c4`, `fineweb`, one filter of them "
        "(`gopher_quality`, `gopher_repetition`), or a YAML file of your own (relative to the "
        "current folder; see the README). Each stores its signals on the record (`quality`) "
        "and drops a failing document as a reject named by the filter's id. "
        "`cleaner run --quality` overrides this.",
        default=[],
    ),
    Option(
        "drop",
        BOOL,
        "Drop a document that fails a filter; `false` only stores the signals, so thresholds "
        "can be chosen later (`cleaner stats`).",
        default=True,
    ),
)
SECTIONS = {
    "repair": REPAIR_OPTIONS,
    "language": LANGUAGE_OPTIONS,
    "fields": FIELD_OPTIONS,
    "limits": LIMIT_OPTIONS,
    "html": HTML_OPTIONS,
    "corpus": CORPUS_OPTIONS,
    "quality": QUALITY_OPTIONS,
}


@dataclass(frozen=True)
class Config:
    repair: dict[str, Any] = field(default_factory=dict)
    language: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)
    html: dict[str, Any] = field(default_factory=dict)
    corpus: dict[str, Any] = field(default_factory=dict)
    # Left out of repr, which the resume digest reads: a run without quality filters keeps the
    # digest it had; the cleaner adds the filters' own digest when there are some.
    quality: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def defaults(cls) -> Config:
        return cls.from_mapping({}, "<defaults>")

    @classmethod
    def from_mapping(cls, data: Any, path: str) -> Config:
        errors: list[RuleError] = []
        if not isinstance(data, dict):
            raise RuleErrors(
                [
                    RuleError(
                        "config must be a mapping",
                        path=path,
                        line=getattr(data, "line", 1),
                        valid=tuple(SECTIONS),
                    )
                ]
            )
        parts: dict[str, dict[str, Any]] = {}
        for key in data:
            if key not in SECTIONS:
                errors.append(
                    RuleError(
                        f"unknown section '{key}'",
                        path=path,
                        line=data.key_lines.get(key) if isinstance(data, LocDict) else None,
                        valid=tuple(SECTIONS),
                    )
                )
        for name, options in SECTIONS.items():
            section = data.get(name) or {}
            if not isinstance(section, dict):
                errors.append(RuleError(f"section '{name}' must be a mapping", path=path))
                continue
            values, problems = check_options(options, section)
            for p in problems:
                errors.append(
                    RuleError(f"{name}: {p.message}", path=path, line=p.line, valid=p.valid)
                )
            parts[name] = values
        if errors:
            raise RuleErrors(errors)
        return cls(**parts)

    @classmethod
    def from_rules_dir(
        cls, rules_dirs: list[Path], extra: Sequence[tuple[Any, str]] = ()
    ) -> Config:
        """The ``config.yaml`` of each rules folder, then ``extra`` (a project config), merged
        option by option: a later one wins, so a folder added with ``--rules`` overrides the
        defaults' settings it names and keeps the rest."""
        layers: list[tuple[Any, str]] = []
        for d in rules_dirs:
            file = d / "config.yaml"
            if d.is_dir() and file.exists():  # a FIFO or device is refused, not skipped
                data = load_yaml(read_rule_file(file, "config file"), str(file))
                layers.append((data or {}, str(file)))
        layers.extend(extra)
        if not layers:
            return cls.defaults()
        for data, where in layers:  # each on its own first, so an error names its own file
            cls.from_mapping(data, where)
        merged: dict[str, dict[str, Any]] = {}
        for data, _ in layers:
            for name, section in data.items():
                merged.setdefault(name, {}).update(section or {})
        return cls.from_mapping(merged, layers[-1][1])

    def ftfy_options(self) -> dict[str, Any]:
        opts = {k: v for k, v in self.repair.items() if k != "enabled"}
        opts["unescape_html"] = {"auto": "auto", "true": True, "false": False}[
            opts["unescape_html"]
        ]
        if opts["normalization"] == "none":
            opts["normalization"] = None
        return opts
