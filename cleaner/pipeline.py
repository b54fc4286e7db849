"""One article in, one record or one reject out. Pure: no step here reads or writes files.

decode -> repair -> normalise -> select packs -> extract fields -> strip chrome -> language
-> build record -> document filters -> validate.

A page (HTML) first goes through cleaner/html: decode by its charset, read its metadata, select
the packs, apply their HTML rules and take the article text (a site pack's body selector, else
trafilatura); that text then takes the same road as a plain-text article.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.config import Config
from cleaner.engine.kinds import FIELDS
from cleaner.engine.ruleset import (
    Edit,
    RuleSet,
    Selection,
    Tracer,
    run_chrome,
    run_extract,
    run_filters,
)
from cleaner.html.charset import decode_page
from cleaner.html.extract import HtmlOptions, HtmlText, html_to_text, read_page
from cleaner.limits import page_too_large_message, too_large_message
from cleaner.record import RawArticle, Reason, Record, Reject, printable
from cleaner.steps.decode import EMPTY, decode
from cleaner.steps.language import Detector, make_detector
from cleaner.steps.normalize import join_lines, normalize_lines
from cleaner.steps.repair import make_ftfy_config, repair, scrub
from cleaner.steps.validate import Validator, load_schema

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)
MAX_MESSAGE = 300
MAX_REPAIR_ROUNDS = 2


@dataclass(frozen=True)
class Outcome:
    """What cleaning one article produced, with the working detail explain and summary use."""

    result: Record | Reject
    selection: Selection | None
    edits: tuple[Edit, ...]
    chars_in: int


@dataclass(frozen=True)
class TextResult:
    text: str
    fields: dict[str, str]
    fields_from: dict[str, str]
    edits: tuple[Edit, ...]
    selection: Selection


@dataclass(frozen=True)
class PageResult:
    """A page's article text before the text rules, with its selection (see html_text)."""

    html: HtmlText
    selection: Selection


@dataclass(frozen=True)
class _Source:
    """What the text rules start from, and what the record says about where it came from."""

    text: str
    encoding: str
    chars_in: int
    page: PageResult | None = None
    encoding_from: str | None = None
    scrubbed: tuple[str, ...] = ()  # what scrub() did to the page before parsing


class Cleaner:
    """Holds the compiled rules, detector and validator; cleans articles one at a time."""

    def __init__(
        self,
        rules: RuleSet,
        config: Config | None = None,
        schema: dict[str, Any] | None = None,
        detector: Detector | None = None,
    ) -> None:
        self.rules = rules
        self.config = config or Config.defaults()
        rules.pool.resize(self.config.limits["compiled_patterns"])
        self.ftfy_config = make_ftfy_config(self.config.ftfy_options())
        self.detector = detector or make_detector(
            self.config.language["detector"], self.config.language["sample_chars"]
        )
        self.validator = Validator(schema or load_schema(None))
        self.html_options = HtmlOptions.from_config(self.config.html)
        self._site_packs = frozenset(p.name for p in rules.sites)
        # How to build this cleaner again in a spawned worker (set by from_paths).
        self.sources: tuple[list[str], str | None] | None = None

    @property
    def rules_digest(self) -> str:
        """A fingerprint of everything that decides the output: packs, settings and schema."""
        h = hashlib.sha256()
        # Resolved, so `--rules rules` and the same folder's absolute path resume each other.
        for path in sorted({Path(p.path).resolve() for p in self.rules.packs}):
            h.update(str(path).encode() + b"\0" + path.read_bytes())
        # The pool size is a memory budget, not an output setting: changing it may resume.
        limits = {k: v for k, v in self.config.limits.items() if k != "compiled_patterns"}
        h.update(repr(dataclasses.replace(self.config, limits=limits)).encode())
        h.update(json.dumps(self.validator.schema, sort_keys=True).encode())
        return h.hexdigest()[:16]

    @classmethod
    def from_paths(
        cls, rule_paths: Iterable[Path | str], schema_path: str | Path | None = None
    ) -> Cleaner:
        paths = [Path(p) for p in rule_paths]
        cleaner = cls(
            RuleSet.from_paths(paths), Config.from_rules_dir(paths), load_schema(schema_path)
        )
        cleaner.sources = ([str(p) for p in paths], str(schema_path) if schema_path else None)
        return cleaner

    # -- the text part, shared by run, explain and the example harness --------------------

    def repair_text(self, text: str, settled: set[str] | None = None) -> tuple[str, list[str]]:
        """Repaired text and the ftfy steps; ``settled`` as in ``repair``, one per document."""
        if not self.config.repair["enabled"]:
            return text, []
        return repair(text, self.ftfy_config, settled)

    def clean_text(
        self,
        text: str,
        url: str | None = None,
        site: str | None = None,
        selection: Selection | None = None,
        tracer: Tracer | None = None,
    ) -> TextResult:
        """Normalise, select packs, extract fields and strip chrome (no repair, no language).

        A page's text comes with the selection made on the page; plain text is selected here.
        """
        lines = normalize_lines(text)
        if selection is None:
            selection = self.rules.select(join_lines(lines), url=url, site=site)
        found = run_extract(selection.groups, lines, tracer)
        lines, edits = run_chrome(selection.groups, lines, tracer)
        fields = {k: self._tidy_field(k, v) for k, (v, _) in found.items()}
        return TextResult(
            join_lines(lines),
            fields,
            {k: r for k, (_, r) in found.items()},
            tuple(edits),
            selection,
        )

    def _tidy_field(self, name: str, value: str) -> str:
        if name in ("title", "author") and self.config.fields["straighten_quotes"]:
            return value.translate(_QUOTES)
        return value

    # -- the page part, shared by run, explain and suggest ----------------------------------

    def html_text(self, html: str, url: str | None = None, site: str | None = None) -> PageResult:
        """A page's article text, fields and extractor, before the text rules run on it.

        Packs are selected by ``site``, else the URL's domain, else the page's canonical URL,
        else fingerprints searched in the page source.
        """
        page = read_page(html, url)
        selection = self.rules.select(html, url=url or page.meta.canonical_url, site=site)
        return PageResult(html_to_text(page, selection.groups, self.html_options), selection)

    def _merge_fields(
        self, html: HtmlText, cleaned: TextResult
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Per field: html_field rules, then site text rules, then the markup, then generic."""
        fields: dict[str, str] = {}
        sources: dict[str, str] = {}
        for name in FIELDS:
            rule_id = cleaned.fields_from.get(name)
            by_site = rule_id is not None and self.rules.rules[rule_id].pack in self._site_packs
            if name in html.fields and (name in html.ruled or not by_site):
                fields[name] = self._tidy_field(name, html.fields[name])
                sources[name] = html.fields_from[name]
            elif rule_id is not None:
                fields[name], sources[name] = cleaned.fields[name], rule_id
        return fields, sources

    # -- one article -----------------------------------------------------------------------

    def _read(self, raw: RawArticle) -> _Source | Reason:
        """Decode the input; for a page, also take its article text."""
        if not raw.html:
            limit = self.config.limits["max_article_bytes"]
            if len(raw.data) > limit:  # readers check before reading; this covers other callers
                unit = "characters" if isinstance(raw.data, str) else "bytes"
                return Reason("too_large", too_large_message(len(raw.data), limit, unit))
            if isinstance(raw.data, str) and raw.data.strip():
                return _Source(raw.data, "utf-8", len(raw.data))
            decoded = decode(raw.data) if isinstance(raw.data, bytes) else EMPTY
            if decoded.text is None:
                return Reason(decoded.problem or "undecodable", decoded.message or "cannot decode")
            return _Source(decoded.text, decoded.encoding or "utf-8", len(decoded.text))
        limit = self.config.html["max_page_bytes"]
        if len(raw.data) > limit:
            return Reason("page_too_large", page_too_large_message(f"{len(raw.data):,}", limit))
        if isinstance(raw.data, str):
            html, encoding, how = raw.data, "utf-8", None
        else:
            decoded_page = decode_page(raw.data)
            if decoded_page.text is None:
                return Reason(
                    decoded_page.problem or "undecodable", decoded_page.message or "cannot decode"
                )
            html, encoding = decoded_page.text, decoded_page.encoding or "utf-8"
            how = decoded_page.source
        html, scrubbed = scrub(html)  # a lone surrogate or NUL would break the parser
        page = self.html_text(html, url=raw.url, site=raw.site)
        if page.html.problem is not None:
            return page.html.problem
        return _Source(page.html.text, encoding, len(html), page, how, tuple(scrubbed))

    def article_text(self, raw: RawArticle) -> str | None:
        """The text the text rules see (read, for a page extracted, and repaired), or None when
        the input cannot be read."""
        source = self._read(raw)
        if isinstance(source, Reason):
            return None
        return scrub(self.repair_text(source.text)[0])[0]

    def clean(self, raw: RawArticle, tracer: Tracer | None = None) -> Outcome:
        raw = _writable(raw)
        source = _unicode_problem(raw) or self._read(raw)
        if isinstance(source, Reason):
            return Outcome(Reject(raw.id, raw.source, (source,)), None, (), len(raw.data))
        chars_in = source.chars_in
        settled: set[str] = set()  # lines ftfy leaves as they are: the re-check skips them
        text, repairs = self.repair_text(source.text, settled)
        text, scrubbed = scrub(text)
        repairs = [*source.scrubbed, *repairs, *scrubbed]
        page = source.page
        cleaned = self.clean_text(
            text,
            url=raw.url,
            site=raw.site,
            selection=page.selection if page is not None else None,
            tracer=tracer,
        )
        # Repair ran before the rules, and what they removed can leave more to repair (a tag
        # that made ftfy take the text for HTML and leave its entities alone). Repair and clean
        # again until neither changes the text: cleaning clean output must change nothing.
        for _ in range(MAX_REPAIR_ROUNDS):
            again, more = self.repair_text(cleaned.text, settled)
            if again == cleaned.text:
                break
            repairs += more
            cleaned = _then(cleaned, self.clean_text(again, selection=cleaned.selection))
        edits = cleaned.edits
        fields, fields_from = cleaned.fields, cleaned.fields_from
        url, canonical, extractor = raw.url, None, None
        if page is not None:
            edits = page.html.edits + edits
            fields, fields_from = self._merge_fields(page.html, cleaned)
            canonical, extractor = page.html.canonical_url, page.html.extractor
            if url is None and canonical is not None:
                url, fields_from["url"] = canonical, "canonical"
            if source.encoding_from is not None:
                fields_from["encoding"] = source.encoding_from
        if not cleaned.text:
            rules = ", ".join(e.rule for e in edits) or "none"
            reason = Reason(
                "empty_text", f"no text left after cleaning (rules that fired: {rules})"
            )
            return Outcome(
                Reject(raw.id, raw.source, (reason,)), cleaned.selection, edits, chars_in
            )
        lang, score = self.detector.detect(cleaned.text)
        n_words = len(cleaned.text.split())
        record = Record(
            id=raw.id,
            source=raw.source,
            url=url,
            canonical_url=canonical,
            site=cleaned.selection.site,
            title=fields.get("title"),
            author=fields.get("author"),
            date_published=fields.get("date_published"),
            date_updated=fields.get("date_updated"),
            lang=lang,
            lang_score=score,
            encoding=source.encoding,
            extractor=extractor,
            n_chars=len(cleaned.text),
            n_words=n_words,
            sha256=hashlib.sha256(cleaned.text.encode("utf-8")).hexdigest(),
            repairs=tuple(repairs),
            rules=tuple(
                {"rule": e.rule, "pack": e.pack, "removed_chars": e.removed_chars, "edits": e.edits}
                for e in edits
            ),
            fields_from=fields_from,
            meta=dict(raw.meta),
            text=cleaned.text,
        )
        as_dict = record.to_dict()
        reasons = [
            Reason(res.code, res.message, field=res.field, rule=rule.id)
            for rule, res in run_filters(
                cleaned.selection.groups, cleaned.text, {**fields, "lang": lang, "n_words": n_words}
            )
        ]
        reasons.extend(_short(r) for r in self.validator.problems(as_dict))
        if reasons:
            return Outcome(
                Reject(raw.id, raw.source, tuple(reasons), as_dict),
                cleaned.selection,
                edits,
                chars_in,
            )
        return Outcome(record, cleaned.selection, edits, chars_in)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _then(first: TextResult, second: TextResult) -> TextResult:
    """``second`` cleaned ``first``'s text again: its text, the fields either found (``first``
    wins, it saw the whole text), and the edits of both, summed per rule."""
    edits = {e.rule: e for e in first.edits}
    for e in second.edits:
        before = edits.get(e.rule)
        edits[e.rule] = (
            e
            if before is None
            else Edit(
                e.rule, e.pack, before.removed_chars + e.removed_chars, before.edits + e.edits
            )
        )
    return TextResult(
        second.text,
        {**second.fields, **first.fields},
        {**second.fields_from, **first.fields_from},
        tuple(edits.values()),
        first.selection,
    )


def _writable(raw: RawArticle) -> RawArticle:
    """Id and source name the article in a record or a reject, so they must be writable."""
    rid, source = printable(raw.id), printable(raw.source)
    if rid is raw.id and source is raw.source:
        return raw
    return dataclasses.replace(raw, id=rid, source=source)


def _unicode_problem(raw: RawArticle) -> Reason | None:
    """Why the article cannot be written when a field holds a lone surrogate (no UTF-8 output
    can hold one); the text itself is repaired instead."""
    for name in ("url", "site", "meta"):
        value = getattr(raw, name)
        if name == "meta" and value:
            value = json.dumps(value, ensure_ascii=False)
        if value and _SURROGATE.search(value):
            return Reason(
                "invalid_unicode",
                f"'{name}' holds a lone surrogate (U+D800-U+DFFF), which is not text",
                field=name,
            )
    return None


def _short(reason: Reason) -> Reason:
    # jsonschema quotes the offending value, which may be a whole article.
    if len(reason.message) <= MAX_MESSAGE:
        return reason
    return Reason(reason.code, reason.message[: MAX_MESSAGE - 1] + "…", reason.field, reason.rule)
