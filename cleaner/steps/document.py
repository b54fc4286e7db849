"""The document pipeline, declared once: ``STEPS`` is what runs, in this order, for every article.

``cleaner steps`` and docs/pipeline.md list it from here. A page (HTML) and plain text take the
same steps; ``html`` passes plain text through, and packs chosen on a page are kept by ``select``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from cleaner.engine.kinds import FIELDS
from cleaner.engine.ruleset import (
    MAX_ROUNDS,
    ChromePhase,
    Edit,
    chrome_round,
    run_extract,
    run_filters,
)
from cleaner.record import Reason, Record, Reject
from cleaner.steps.base import Doc, Fixpoint, Step, flatten, reject
from cleaner.steps.intake import Decode, Html
from cleaner.steps.normalize import count_spaced_words, is_normal, join_lines, normalize_lines
from cleaner.steps.quality import Quality
from cleaner.steps.repair import scrub
from cleaner.words import count_cjk_words, has_cjk_utf8

MAX_MESSAGE = 300
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


class Repair:
    """ftfy on the lines a pre-check flags; NUL bytes dropped, lone surrogates replaced.

    The pre-check looks for mojibake, entities and control characters; each fix is named in the
    record's ``repairs``.
    """

    name = "repair"

    def __call__(self, doc: Doc) -> Doc | Reject:
        assert doc.text is not None
        if doc.text is doc.repaired:
            return doc
        lines = doc.line_cache
        # A text looked at whole is encoded whole: the steps after it share that UTF-8.
        data = doc.utf8 if lines is None or not doc.clean else None
        text, steps, clean = doc.ctx.repair_checked(doc.text, doc.settled, lines, doc.clean, data)
        if clean:
            return doc.but(repaired=doc.text)
        text, scrubbed = scrub(text)
        if not steps and not scrubbed and text == doc.text:
            return doc.but(repaired=doc.text)
        return doc.but(text=text, repairs=(*doc.repairs, *steps, *scrubbed))


class Normalise:
    """Spaces collapsed, lines trimmed, at most one blank line in a row: what rules see."""

    name = "normalise"

    def __call__(self, doc: Doc) -> Doc | Reject:
        assert doc.text is not None
        if doc.text is doc.normal:
            return doc
        data = doc.utf8  # shared with the steps after: most texts come out as they are
        if data is not None and is_normal(data):
            lines = doc.text.split("\n") if doc.text else []
            return doc.but(line_cache=lines, normal=doc.text)
        lines = normalize_lines(doc.text)
        text = join_lines(lines)
        if text == doc.text:
            return doc.but(line_cache=lines, normal=doc.text)
        return doc.but(text=text, line_cache=lines, normal=text)


class Select:
    """Packs for the text: site packs by URL domain, else by fingerprints; generic always.

    A page keeps the packs chosen on the page.
    """

    name = "select"

    def __call__(self, doc: Doc) -> Doc | Reject:
        if doc.selection is not None:
            return doc
        assert doc.text is not None
        raw = doc.raw
        text = doc.text if (data := doc.utf8) is None else data
        selection = doc.ctx.rules.select(text, url=raw.url, site=raw.site)
        # The memo of the chosen packs' patterns, which the fields and chrome steps share.
        return doc.but(selection=selection, chrome=ChromePhase(doc.lines, data))


class Fields:
    """Extract rules fill title, author and dates; site packs first, the first rule wins.

    Quotes in title and author are straightened when configured.
    """

    name = "fields"

    def __call__(self, doc: Doc) -> Doc | Reject:
        assert doc.selection is not None
        # A later round fills only what earlier ones left empty: the tracer hears those.
        later, tracer = doc.round > 1, doc.tracer
        # The chrome rules' memo starts here: the groups' pattern sets, scanned for the
        # extract rules, answer for the chrome rules after them too.
        lines, phase = doc.lines, doc.chrome
        if phase is None:
            phase = ChromePhase(lines, doc.utf8)
        else:
            phase.sync(lines)
        found = run_extract(
            doc.selection.groups,
            lines,
            None if later else tracer,
            _context(doc),
            filled=doc.fields if later else (),
            text=doc.text if (data := doc.utf8) is None else data,
            matches=phase.matches,
        )
        if later:
            found = {k: v for k, v in found.items() if k not in doc.fields}
            if tracer is not None:
                for value, rule_id in found.values():
                    tracer.extract(doc.ctx.rules.rules[rule_id], value, True)
        if not found:
            return doc if phase is doc.chrome else doc.but(chrome=phase)
        fields = {k: tidy_field(doc, k, v) for k, (v, _) in found.items()}
        # What an earlier round found wins: it saw the text before the later rounds' rules.
        return doc.but(
            fields={**fields, **doc.fields},
            fields_from={**{k: r for k, (_, r) in found.items()}, **doc.fields_from},
            chrome=phase,
        )


# Meta keys that say when a page was fetched (a WARC record's date, or a JSONL field a user
# names so): a date after it is never a publication date.
CRAWL_DATE_KEYS = ("warc_date", "crawl_date")


def _context(doc: Doc) -> dict[str, str]:
    """What extract rules may know beside the text: the URL and the crawl date."""
    context: dict[str, str] = {}
    url = doc.url or doc.canonical_url or doc.raw.url
    if url:
        context["url"] = url
    for key in CRAWL_DATE_KEYS:
        value = doc.raw.meta.get(key)
        if isinstance(value, str) and value:
            context["crawl_date"] = value
            break
    # An archived capture's day bounds the page's dates even when the archive was fetched later.
    captured = doc.page.crawl_date if doc.page is not None else None
    known = context.get("crawl_date")
    if captured is not None and (known is None or captured < known[:10]):
        context["crawl_date"] = captured
    return context


class Chrome:
    """Chrome rules strip menus, share bars, footers...: each rule once a round, in order."""

    name = "chrome"

    def __call__(self, doc: Doc) -> Doc | Reject:
        assert doc.selection is not None
        groups, lines, phase = doc.selection.groups, doc.lines, doc.chrome
        first = phase is None
        if phase is None:  # the first round: the memo lives as long as the document
            phase = ChromePhase(lines, doc.utf8)
        lines, edits = chrome_round(groups, lines, phase, doc.tracer, doc.round)
        if not edits:
            return doc.but(chrome=phase) if first else doc
        text = join_lines(lines)
        # Dropping whole lines of a normalised text, or rewriting a line of it into single
        # spaces, blank runs collapsed, leaves it normalised (``keeps_normal``;
        # tests/test_step_shortcuts.py checks each such text).
        normal = text if doc.text is doc.normal and not phase.unnormal else None
        # Repair works line by line, and a line it left alone (or a settled one) stays so:
        # a text made only by dropping whole lines of a repaired text is repaired too.
        repaired = text if doc.text is doc.repaired and not phase.rewrote else None
        return doc.but(
            text=text,
            line_cache=lines,
            normal=normal,
            repaired=repaired,
            edits=_sum_edits(doc.edits, edits),
            chrome=phase,
        )


class Metadata:
    """A page's fields merged by precedence; a page without a URL takes its canonical one.

    A site pack's html_field rules beat its text rules, which beat the page's markup, which
    beats generic rules.
    """

    name = "metadata"

    def __call__(self, doc: Doc) -> Doc | Reject:
        html = doc.page
        if html is None:
            return doc
        fields: dict[str, str] = {}
        sources: dict[str, str] = {}
        rules = doc.ctx.rules
        for name in FIELDS:
            rule_id = doc.fields_from.get(name)
            by_site = rule_id is not None and rules.rules[rule_id].pack in doc.ctx.site_packs
            if name in html.fields and (name in html.ruled or not by_site):
                fields[name] = tidy_field(doc, name, html.fields[name])
                sources[name] = html.fields_from[name]
            elif rule_id is not None:
                fields[name], sources[name] = doc.fields[name], rule_id
        url = doc.url
        if url is None and html.canonical_url is not None:
            url, sources["url"] = html.canonical_url, "canonical"
        if doc.encoding_from is not None:
            sources["encoding"] = doc.encoding_from
        return doc.but(
            fields=fields,
            fields_from=sources,
            edits=html.edits + doc.edits,
            url=url,
            canonical_url=html.canonical_url,
            extractor=html.extractor,
        )


class NonEmpty:
    """No text left after cleaning is a reject (empty_text) naming the rules that fired."""

    name = "nonempty"

    def __call__(self, doc: Doc) -> Doc | Reject:
        if doc.text:
            return doc
        rules = ", ".join(e.rule for e in doc.edits) or "none"
        return reject(
            doc, Reason("empty_text", f"no text left after cleaning (rules that fired: {rules})")
        )


class Language:
    """The language of the text's first characters; seeded: same text, same answer."""

    name = "language"

    def __call__(self, doc: Doc) -> Doc | Reject:
        assert doc.text is not None
        lang, score = doc.ctx.detector.detect(doc.text)
        return doc.but(lang=lang, lang_score=score)


class Build:
    """The record: counts, sha256, repairs, the rules and steps that changed the text."""

    name = "record"

    def __call__(self, doc: Doc) -> Doc | Reject:
        raw, text = doc.raw, doc.text
        assert text is not None
        assert doc.selection is not None
        data = doc.utf8 or text.encode("utf-8")  # serves the CJK test and the sha256
        return doc.but(
            record=Record(
                id=raw.id,
                source=raw.source,
                url=doc.url,
                canonical_url=doc.canonical_url,
                site=doc.selection.site,
                title=doc.fields.get("title"),
                author=doc.fields.get("author"),
                date_published=doc.fields.get("date_published"),
                date_updated=doc.fields.get("date_updated"),
                lang=doc.lang,
                lang_score=doc.lang_score,
                encoding=doc.encoding,
                extractor=doc.extractor,
                page_type=doc.page.page_type if doc.page is not None else None,
                n_chars=len(text),
                n_words=count_cjk_words(text)
                if has_cjk_utf8(data)
                else count_spaced_words(text, text is doc.normal, doc.line_cache),
                sha256=hashlib.sha256(data).hexdigest(),
                repairs=doc.repairs,
                rules=tuple(
                    {
                        "rule": e.rule,
                        "pack": e.pack,
                        "removed_chars": e.removed_chars,
                        "edits": e.edits,
                    }
                    for e in doc.edits
                ),
                steps=step_account(doc.changed),
                fields_from=_with_encoding(doc),
                meta=dict(raw.meta),
                quality=None,
                text=text,
            )
        )


def _with_encoding(doc: Doc) -> dict[str, str]:
    """A text's fields_from, with how its charset was chosen when that took more than UTF-8
    (a page's Metadata step has recorded its own already)."""
    if doc.encoding_from is None or "encoding" in doc.fields_from:
        return doc.fields_from
    return {**doc.fields_from, "encoding": doc.encoding_from}


class Validate:
    """Document filters and the JSON Schema; each failure is a reason of one reject.

    The reject keeps the record, so a reader sees what failed.
    """

    name = "validate"

    def __call__(self, doc: Doc) -> Doc | Reject:
        record = doc.record
        assert record is not None
        assert doc.selection is not None
        assert doc.text is not None
        as_dict = record.to_dict()
        facts: dict[str, object] = {**doc.fields, "lang": record.lang, "n_words": record.n_words}
        reasons = [
            Reason(res.code, res.message, field=res.field, rule=rule.id)
            for rule, res in run_filters(doc.selection.groups, doc.text, facts)
        ]
        reasons.extend(_short(r) for r in doc.ctx.validator.problems(as_dict))
        return reject(doc, *reasons, record=as_dict) if reasons else doc


DECODE, HTML, REPAIR = Decode(), Html(), Repair()
TEXT_RULES: tuple[Step, ...] = (Normalise(), Select(), Fields(), Chrome())
# The text rules alone, to their fixpoint: text given as already repaired (``clean_text``).
TEXT_FIXPOINT = Fixpoint("text", TEXT_RULES, rounds=MAX_ROUNDS)

STEPS: tuple[Step, ...] = (
    DECODE,
    HTML,
    # Peeling chrome can uncover more chrome, and what the text rules remove can leave more to
    # repair (a tag that made ftfy take the text for HTML and leave its entities alone):
    # cleaning clean output must change nothing, so they run until nothing changes.
    Fixpoint("fixpoint", (REPAIR, *TEXT_RULES), rounds=MAX_ROUNDS),
    Metadata(),
    NonEmpty(),
    Language(),
    Build(),
    Quality(),
    Validate(),
)
_ORDER = {step.name: i for i, step in enumerate(flatten(STEPS))}


def step_account(changed: Iterable[tuple[str, int]]) -> tuple[dict[str, object], ...]:
    """The record's ``steps``: each step that changed the text, in pipeline order, with the
    characters it removed over all rounds (negative: it added some)."""
    return tuple(
        {"step": name, "removed_chars": n}
        for name, n in sorted(changed, key=lambda c: _ORDER.get(c[0], len(_ORDER)))
    )


def tidy_field(doc: Doc, name: str, value: str) -> str:
    if name in ("title", "author") and doc.ctx.config.fields["straighten_quotes"]:
        return value.translate(_QUOTES)
    return value


def _sum_edits(before: tuple[Edit, ...], new: Iterable[Edit]) -> tuple[Edit, ...]:
    """Edits of a later round added to those of earlier ones, per rule, in first-fired order."""
    if not before:
        return tuple(new)
    edits = {e.rule: e for e in before}
    for e in new:
        old = edits.get(e.rule)
        edits[e.rule] = (
            e
            if old is None
            else Edit(e.rule, e.pack, old.removed_chars + e.removed_chars, old.edits + e.edits)
        )
    return tuple(edits.values())


def _short(reason: Reason) -> Reason:
    # jsonschema quotes the offending value, which may be a whole article.
    if len(reason.message) <= MAX_MESSAGE:
        return reason
    return Reason(reason.code, reason.message[: MAX_MESSAGE - 1] + "…", reason.field, reason.rule)
