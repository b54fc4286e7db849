"""One article in, one record or one reject out. Pure: no step here reads or writes files.

decode -> repair -> normalise -> select packs -> extract fields -> strip chrome -> language
-> build record -> document filters -> validate.
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
from cleaner.engine.ruleset import Edit, RuleSet, Selection, run_chrome, run_extract, run_filters
from cleaner.limits import too_large_message
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
        self.ftfy_config = make_ftfy_config(self.config.ftfy_options())
        self.detector = detector or make_detector(
            self.config.language["detector"], self.config.language["sample_chars"]
        )
        self.validator = Validator(schema or load_schema(None))

    @classmethod
    def from_paths(
        cls, rule_paths: Iterable[Path | str], schema_path: str | Path | None = None
    ) -> Cleaner:
        paths = [Path(p) for p in rule_paths]
        return cls(
            RuleSet.from_paths(paths), Config.from_rules_dir(paths), load_schema(schema_path)
        )

    # -- the text part, shared by run, explain and the example harness --------------------

    def repair_text(self, text: str) -> tuple[str, list[str]]:
        if not self.config.repair["enabled"]:
            return text, []
        return repair(text, self.ftfy_config)

    def clean_text(self, text: str, url: str | None = None, site: str | None = None) -> TextResult:
        """Normalise, select packs, extract fields and strip chrome (no repair, no language)."""
        lines = normalize_lines(text)
        selection = self.rules.select(join_lines(lines), url=url, site=site)
        found = run_extract(selection.groups, lines)
        lines, edits = run_chrome(selection.groups, lines)
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

    # -- one article -----------------------------------------------------------------------

    def clean(self, raw: RawArticle) -> Outcome:
        raw = _writable(raw)
        field = _not_unicode(raw)
        if field is not None:
            reason = Reason(
                "invalid_unicode",
                f"'{field}' holds a lone surrogate (U+D800-U+DFFF), which is not text",
                field=field,
            )
            return Outcome(Reject(raw.id, raw.source, (reason,)), None, (), len(raw.data))
        limit = self.config.limits["max_article_bytes"]
        if len(raw.data) > limit:  # readers check before reading; this covers every other caller
            unit = "characters" if isinstance(raw.data, str) else "bytes"
            reason = Reason("too_large", too_large_message(len(raw.data), limit, unit))
            return Outcome(Reject(raw.id, raw.source, (reason,)), None, (), len(raw.data))
        if isinstance(raw.data, str) and raw.data.strip():
            text, encoding = raw.data, "utf-8"
        else:
            decoded = decode(raw.data) if isinstance(raw.data, bytes) else EMPTY
            if decoded.text is None:
                reason = Reason(
                    decoded.problem or "undecodable", decoded.message or "cannot decode"
                )
                return Outcome(Reject(raw.id, raw.source, (reason,)), None, (), len(raw.data))
            text, encoding = decoded.text, decoded.encoding or "utf-8"
        chars_in = len(text)
        text, repairs = self.repair_text(text)
        text, scrubbed = scrub(text)
        repairs += scrubbed
        cleaned = self.clean_text(text, url=raw.url, site=raw.site)
        if not cleaned.text:
            rules = ", ".join(e.rule for e in cleaned.edits) or "none"
            reason = Reason(
                "empty_text", f"no text left after cleaning (rules that fired: {rules})"
            )
            return Outcome(
                Reject(raw.id, raw.source, (reason,)), cleaned.selection, cleaned.edits, chars_in
            )
        lang, score = self.detector.detect(cleaned.text)
        record = Record(
            id=raw.id,
            source=raw.source,
            url=raw.url,
            site=cleaned.selection.site,
            title=cleaned.fields.get("title"),
            author=cleaned.fields.get("author"),
            date_published=cleaned.fields.get("date_published"),
            date_updated=cleaned.fields.get("date_updated"),
            lang=lang,
            lang_score=score,
            encoding=encoding,
            n_chars=len(cleaned.text),
            n_words=len(cleaned.text.split()),
            sha256=hashlib.sha256(cleaned.text.encode("utf-8")).hexdigest(),
            repairs=tuple(repairs),
            rules=tuple(
                {"rule": e.rule, "pack": e.pack, "removed_chars": e.removed_chars, "edits": e.edits}
                for e in cleaned.edits
            ),
            fields_from=cleaned.fields_from,
            meta=dict(raw.meta),
            text=cleaned.text,
        )
        as_dict = record.to_dict()
        reasons = [
            Reason(res.code, res.message, field=res.field, rule=rule.id)
            for rule, res in run_filters(
                cleaned.selection.groups, cleaned.text, {**cleaned.fields, "lang": lang}
            )
        ]
        reasons.extend(_short(r) for r in self.validator.problems(as_dict))
        if reasons:
            return Outcome(
                Reject(raw.id, raw.source, tuple(reasons), as_dict),
                cleaned.selection,
                cleaned.edits,
                chars_in,
            )
        return Outcome(record, cleaned.selection, cleaned.edits, chars_in)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _writable(raw: RawArticle) -> RawArticle:
    """Id and source name the article in a record or a reject, so they must be writable."""
    rid, source = printable(raw.id), printable(raw.source)
    if rid is raw.id and source is raw.source:
        return raw
    return dataclasses.replace(raw, id=rid, source=source)


def _not_unicode(raw: RawArticle) -> str | None:
    """The field that holds a lone surrogate (no UTF-8 output can hold one), if any; the text
    itself is repaired instead."""
    for name in ("url", "site"):
        value = getattr(raw, name)
        if value is not None and _SURROGATE.search(value):
            return name
    if raw.meta and _SURROGATE.search(json.dumps(raw.meta, ensure_ascii=False)):
        return "meta"
    return None


def _short(reason: Reason) -> Reason:
    # jsonschema quotes the offending value, which may be a whole article.
    if len(reason.message) <= MAX_MESSAGE:
        return reason
    return Reason(reason.code, reason.message[: MAX_MESSAGE - 1] + "…", reason.field, reason.rule)
