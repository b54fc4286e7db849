"""A suggested pack: its candidate rules with their evidence, and the YAML written for review.

A rule whose evidence is doubtful is written commented out, so the draft never runs it until a
person has looked at it and taken the comment marks away.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cleaner.authoring.yamlwrite import flow_list, scalar, text_block
from cleaner.engine.kinds import KINDS
from cleaner.engine.load import Rule
from cleaner.engine.options import check_options

CUTS = ("header", "footer")
DOUBT = 0.5  # a candidate less confident than this is written commented out
SECTIONS = {
    "fields": "Title and date, read from the lines the pages show them in.",
    "header": "Header cuts: everything above a marker line that comes before the headline.",
    "footer": "Footer cuts: everything below a marker line that comes after the article.",
    "lines": "Recurring lines left between header and footer (menus, share bars, widgets).",
    "spans": "Recurring text glued to the start or end of real lines.",
}


@dataclass
class Candidate:
    """One proposed rule, with the evidence for it."""

    section: str
    kind: str
    options: dict[str, Any]
    summary: str
    pages: int  # pages it acts on
    hits: int  # lines it removes or shortens there
    confidence: float
    examples: list[tuple[str, str]] = field(default_factory=list)
    line_pages: dict[str, int] = field(default_factory=dict)  # for `lines:`, pages per line
    # For field rules: (input, the fields the rule reads from it) instead of ``examples``.
    field_examples: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    id: str = ""
    trusted: str = ""  # why it runs though its confidence is low (other evidence)

    @property
    def doubted(self) -> bool:
        """Most of its hits are inside the estimated article text: it would delete sentence
        pieces ("The", "and"), so the draft holds it commented out, never live."""
        return self.confidence < DOUBT and not self.trusted


@dataclass
class Draft:
    """A draft pack and how it was found."""

    domain: str
    n_pages: int
    threshold: int
    candidates: list[Candidate]
    fingerprints: list[tuple[str, int]]  # (RE2 source, pages it occurs on)
    fingerprint_pages: int  # pages at least one fingerprint occurs on
    disable_generic: tuple[str, ...] = ()  # generic packs the draft's rules replace here
    yaml: str = ""

    def counts(self) -> Counter[str]:
        """Live rules per section (doubted ones are written commented out)."""
        return Counter(c.section for c in self.candidates if not c.doubted)

    @property
    def doubted(self) -> int:
        return sum(1 for c in self.candidates if c.doubted)


def _option_lines(c: Candidate) -> list[str]:
    out: list[str] = []
    for key, value in c.options.items():
        if key == "lines":
            out.append("    lines:")
            for line in value:
                out.append(f"      - {scalar(line)}  # {c.line_pages[line]} pages")
        elif isinstance(value, bool):
            out.append(f"    {key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            out.append(f"    {key}: {value}")
        elif isinstance(value, list):
            out.append(f"    {key}: {flow_list(value)}")
        else:
            out.append(f"    {key}: {scalar(str(value))}")
    return out


def render(draft: Draft) -> str:
    d = draft
    out = [
        f"# Draft site pack for {d.domain}, written by `cleaner suggest` from {d.n_pages} pages.",
        f"# A line counted as recurring when it occurred on at least {d.threshold} pages.",
        "# Review before use: each rule says on how many pages it acted, how many lines it",
        "# removed there and how sure the evidence is (share of its hits outside the estimated",
        "# article text). Cuts are listed in the order they must run, the one removing most",
        "# first; the other sections are ranked by confidence. Examples are real lines from the",
        "# pages. Delete what is wrong; `cleaner explain` shows each rule at work on one page,",
        "# `cleaner test-rules` runs the examples.",
        f"pack: {scalar(d.domain)}",
        f"description: {scalar(f'Chrome of {d.domain}, mined from {d.n_pages} pages (draft).')}",
        "scope: site",
        "match:",
        f"  domains: {flow_list([d.domain])}",
    ]
    if d.fingerprints:
        out.append(
            f"  fingerprints:  # for inputs without a URL: together on {d.fingerprint_pages} "
            f"of {d.n_pages} pages"
        )
        out += [f"    - pattern: {scalar(src)}  # {n} pages" for src, n in d.fingerprints]
    else:
        out.append("  # No line naming the site recurred: inputs without a URL will not match.")
    if d.disable_generic:
        out.append(
            f"disable_generic: {flow_list(list(d.disable_generic))}  # mined without the "
            "generic line model: these rules replace it here"
        )
    out.append("rules: []" if all(c.doubted for c in d.candidates) else "rules:")
    section = None
    for c in d.candidates:
        if c.section != section:
            section = c.section
            out += ["", f"  # --- {SECTIONS[section]}"]
        flag = (
            "  CHECK: mostly inside article text, so commented out; uncomment only if it is chrome"
            if c.doubted
            else ""
        )
        if c.trusted and c.confidence < DOUBT:
            flag = f"  live: {c.trusted}"
        out.append(f"  # {c.pages} pages, {c.hits} lines, confidence {c.confidence:.2f}{flag}")
        out += _commented(_rule_lines(c, d.n_pages)) if c.doubted else _rule_lines(c, d.n_pages)
    return "\n".join(out) + "\n"


def _commented(lines: list[str]) -> list[str]:
    """A rule kept in the draft for review but not loaded: YAML comments, same indentation."""
    return ["  # " + line[2:] for line in lines]


def _rule_lines(c: Candidate, n_pages: int) -> list[str]:
    out = [
        f"  - id: {c.id}",
        f"    kind: {c.kind}",
        f"    description: {scalar(f'{c.summary} Seen on {c.pages} of {n_pages} pages.')}",
        *_option_lines(c),
        "    examples:",
    ]
    for text_in, text_out in c.examples:
        first = text_block("input", text_in, 8)
        first[0] = "      - " + first[0].lstrip()
        out += first
        out += text_block("output", text_out, 8)
    for text_in, found in c.field_examples:
        first = text_block("input", text_in, 8)
        first[0] = "      - " + first[0].lstrip()
        out += first
        pairs = ", ".join(f"{k}: {scalar(v)}" for k, v in found.items())
        out.append(f"        fields: {{{pairs}}}")
    return out


_META = re.compile(r"([\\.^$|?*+()\[\]{}])")


def readable_escape(text: str) -> str:
    """Escape only what RE2 treats as syntax, so a pattern still reads like the line."""
    return _META.sub(r"\\\1", text)


def make_rule(rule_id: str, kind: str, options: dict[str, Any]) -> Rule:
    kind_cls = KINDS[kind]
    values, problems = check_options(kind_cls.declared(), options, one_of=kind_cls.one_of)
    if problems:  # pragma: no cover - a bug in this module
        raise AssertionError(f"{rule_id}: {[p.message for p in problems]}")
    return Rule(rule_id, "draft", kind_cls.from_values(values), "draft", (), "<draft>", None)
