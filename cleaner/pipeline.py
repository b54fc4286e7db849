"""One article in, one record or one reject out. Pure: no step here reads or writes files.

The steps, in order, are declared once, in ``cleaner.steps.document.STEPS`` (``cleaner steps``
lists them). ``Cleaner`` holds what they use: the compiled rules, the settings, the language
detector and the schema validator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.config import Config
from cleaner.engine.ruleset import Edit, RuleSet, Selection, Tracer
from cleaner.html.extract import HtmlOptions, html_to_text, read_page
from cleaner.quality.filters import QualityFilters, load_quality
from cleaner.record import RawArticle, Record, Reject
from cleaner.steps.base import Doc, PageResult, Step, names, resume, run
from cleaner.steps.document import DECODE, HTML, REPAIR, STEPS, TEXT_FIXPOINT
from cleaner.steps.intake import writable
from cleaner.steps.language import Detector, make_detector
from cleaner.steps.repair import make_ftfy_config, repair, repair_checked
from cleaner.steps.validate import Validator, load_schema

# The rule paths, the schema path and the extra settings a cleaner was built from.
Sources = tuple[list[str], str | None, tuple[tuple[Any, str], ...]]


@dataclass(frozen=True)
class Outcome:
    """What cleaning one article produced, with the working detail explain and summary use."""

    result: Record | Reject
    selection: Selection | None
    edits: tuple[Edit, ...]
    chars_in: int
    # With ``clean(..., keep=step)``: the document as it stood before that step (None when it
    # was rejected before), which ``resume`` takes up again.
    kept: Doc | None = None


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
        rules.pool.resize(self.config.limits["compiled_patterns"])
        self.ftfy_config = make_ftfy_config(self.config.ftfy_options())
        self.detector = detector or make_detector(
            self.config.language["detector"], self.config.language["sample_chars"]
        )
        self.validator = Validator(schema or load_schema(None))
        self.html_options = HtmlOptions.from_config(self.config.html)
        self.site_packs = frozenset(p.name for p in rules.sites)
        self.quality: QualityFilters | None
        q = self.config.quality
        self.quality = load_quality(q["filters"], q["drop"]) if q.get("filters") else None
        self.steps: Sequence[Step] = STEPS
        # How to build this cleaner again in a spawned worker (set by from_paths).
        self.sources: Sources | None = None

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
        if self.quality is not None:
            h.update(self.quality.digest.encode())
        return h.hexdigest()[:16]

    @classmethod
    def from_paths(
        cls,
        rule_paths: Iterable[Path | str],
        schema_path: str | Path | None = None,
        settings: Sequence[tuple[Any, str]] = (),
    ) -> Cleaner:
        """Packs and their folders' ``config.yaml`` from ``rule_paths``; ``settings`` are
        further config mappings (with the file they came from) that override them."""
        paths = [Path(p) for p in rule_paths]
        config = Config.from_rules_dir(paths, settings)
        form = config.repair["normalization"] if config.repair["enabled"] else "none"
        rules = RuleSet.from_paths(paths, None if form == "none" else form)
        cleaner = cls(rules, config, load_schema(schema_path))
        schema = str(schema_path) if schema_path else None
        cleaner.sources = ([str(p) for p in paths], schema, tuple(settings))
        return cleaner

    # -- the text part, shared by run, explain and the example harness --------------------

    def repair_text(self, text: str, settled: set[str] | None = None) -> tuple[str, list[str]]:
        """Repaired text and the ftfy steps; ``settled`` as in ``repair``, one per document."""
        if not self.config.repair["enabled"]:
            return text, []
        return repair(text, self.ftfy_config, settled)

    def repair_checked(
        self,
        text: str,
        settled: set[str] | None = None,
        lines: list[str] | None = None,
        clean: set[str] | None = None,
        data: bytes | None = None,
    ) -> tuple[str, list[str], bool]:
        """``repair_text``, and whether the text was found clean (``repair_checked``); with
        repair off, nothing is looked at, so nothing is found clean."""
        if not self.config.repair["enabled"]:
            return text, [], False
        return repair_checked(text, self.ftfy_config, settled, lines, clean, data)

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
        raw = RawArticle("", "", text, url=url, site=site)
        doc = Doc(raw, self, text=text, selection=selection, tracer=tracer)
        doc, rejected = run((TEXT_FIXPOINT,), doc)
        if rejected is not None:
            raise ValueError(rejected.reasons[0].message)
        assert doc.text is not None
        assert doc.selection is not None
        return TextResult(doc.text, doc.fields, doc.fields_from, doc.edits, doc.selection)

    # -- the page part, shared by run, explain and suggest ----------------------------------

    def html_text(self, html: str, url: str | None = None, site: str | None = None) -> PageResult:
        """A page's article text, fields and extractor, before the text rules run on it.

        Packs are selected by ``site``, else the URL's domain, else the page's canonical URL,
        else fingerprints searched in the page source.
        """
        page = read_page(html, url)
        selection = self.rules.select(html, url=url or page.meta.canonical_url, site=site)
        return PageResult(html_to_text(page, selection.groups, self.html_options), selection)

    # -- one article -----------------------------------------------------------------------

    def article_text(self, raw: RawArticle) -> str | None:
        """The text the text rules see (read, for a page extracted, and repaired), or None when
        the input cannot be read."""
        doc, rejected = run((_Read(), HTML, REPAIR), Doc(raw, self, chars_in=len(raw.data)))
        return None if rejected is not None else doc.text

    def clean(
        self, raw: RawArticle, tracer: Tracer | None = None, keep: str | None = None
    ) -> Outcome:
        """``raw`` through the steps; with ``keep`` (a step's name, a fixpoint's own ones
        too), the outcome also holds the document as it stood before that step first ran."""
        if keep is not None and keep not in names(self.steps):
            valid = ", ".join(names(self.steps))
            raise ValueError(f"no step '{keep}' to keep the document at (valid: {valid})")
        raw = writable(raw)
        doc = Doc(raw, self, chars_in=len(raw.data), url=raw.url, tracer=tracer, keep=keep)
        doc, rejected = run(self.steps, doc)
        return self._outcome(doc, rejected)

    def resume(self, kept: Doc) -> Outcome:
        """The rest of the clean that kept ``kept`` (``Outcome.kept``): the steps from where it
        stands on, with this cleaner's rules and settings (learned chrome's clean without the
        line model: a view of the same rules). The caller makes ``kept.selection`` what this
        cleaner's rules would have chosen; the chrome rules' memo, tied to the rules, starts
        anew, and the working sets are this clean's own."""
        doc = kept.but(ctx=self, chrome=None, settled=set(kept.settled), clean=set(kept.clean))
        doc, rejected = resume(self.steps, doc)
        return self._outcome(doc, rejected)

    @staticmethod
    def _outcome(doc: Doc, rejected: Reject | None) -> Outcome:
        result: Record | Reject | None = rejected or doc.record
        assert result is not None, "the steps made no record"
        return Outcome(result, doc.selection, doc.edits, doc.chars_in, doc.kept)


class _Read:
    """Decode without the checks of the fields that name the article (``article_text``)."""

    name = DECODE.name

    def __call__(self, doc: Doc) -> Doc | Reject:
        return DECODE.read(doc)
