"""Title and date rules for a suggested pack, drafted when the pages show them the same way:
a title line "Headline - Site" / "Headline | Site" (or "Site | Headline"), and a date line
under a label the pages share ("Published:", "Last Updated:", "发布时间：").

Each rule is tried on every page with the real engine; its confidence is the share of pages it
reads a value from, and its examples are real lines with the value read from them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from cleaner.authoring.draft import Candidate, make_rule, readable_escape
from cleaner.authoring.mining import Corpus
from cleaner.engine.kinds.textdates import FORMS
from cleaner.engine.load import Rule

SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ", "_")
MIN_HEADLINE = 8  # characters left for the headline beside the site's name
TITLE_LINES = 3  # the <title> line a scrape keeps comes first
LEAD_LINES = 80  # a date line is looked for this far down (below the menus)
EXAMPLES = 2
MAX_AFFIXES = 4  # spellings of the site's name in title lines (templates change over years)
TITLE_SHARE = 0.5  # of the pages whose title line carries the site's name
DATE_SHARE = 0.2  # of the pages whose date line carries the label
_DATE = re.compile("|".join(f"(?:{src})" for _, src in FORMS), re.IGNORECASE)
_WEEKDAY = re.compile(
    r"(?:\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?|星期.|周.|[(（]?[月火水木金土日][)）]?)\s*$",
    re.IGNORECASE,
)
_TRIM = " :|-\u2013\u2014,/\u00b7\u2022([\uff1a"
_UPDATED = re.compile(r"updat|modif|revis|更新|修改|수정", re.IGNORECASE)


def candidates(corpus: Corpus) -> list[Candidate]:
    out = [title_candidate(corpus), date_candidate(corpus)]
    return [c for c in out if c is not None]


def _least(corpus: Corpus, share: float) -> int:
    return max(corpus.threshold, math.ceil(share * corpus.n))


def _affixes(line: str) -> set[tuple[str, bool]]:
    """(site part with its separator, whether it ends the line) for each way to split it."""
    out: set[tuple[str, bool]] = set()
    for sep in SEPARATORS:
        i = line.rfind(sep)
        if i > 0 and len(line[:i].strip()) >= MIN_HEADLINE:
            out.add((line[i:], True))
        j = line.find(sep)
        if j > 0 and len(line[j + len(sep) :].strip()) >= MIN_HEADLINE:
            out.add((line[: j + len(sep)], False))
    return out


def title_candidate(corpus: Corpus) -> Candidate | None:
    """An ``extract`` rule for the title when most pages' first line joins the headline and
    the site's name (in one of the few spellings its templates used)."""
    counts: Counter[tuple[str, bool]] = Counter()
    for lines in corpus.pages:
        counts.update(_affixes(lines[0]) if lines else ())
    if not counts:
        return None
    (_, suffix), _ = max(counts.items(), key=lambda kv: (kv[1], len(kv[0][0]), kv[0]))
    affixes = sorted(
        (
            a
            for (a, end), n in counts.items()
            # A number in it is the day's (a date), not the site's name.
            if end == suffix and n >= corpus.threshold and not any(ch.isdigit() for ch in a)
        ),
        key=lambda a: (-counts[(a, suffix)], a),
    )[:MAX_AFFIXES]
    if sum(counts[(a, suffix)] for a in affixes) < _least(corpus, TITLE_SHARE):
        return None
    alts = "|".join(readable_escape(a) for a in affixes)
    # "Site | Section | Headline": the headline is the last part.
    pattern = f"^(.+?)(?:{alts})$" if suffix else f"^(?:{alts})(?:.+ \\| )?(.+)$"
    options = {"field": "title", "pattern": pattern, "first_lines": TITLE_LINES}
    where = "ends" if suffix else "starts"
    names = " or ".join(f'"{a.strip()}"' for a in affixes)
    summary = f"The headline, from the title line that {where} with {names}."
    return _field_candidate("extract", options, summary, corpus, lambda lines: 0)


def _label(line: str) -> str | None:
    """The text before the line's first date, without a weekday, if it can be a label."""
    m = _DATE.search(line)
    if m is None:
        return None
    label = _WEEKDAY.sub("", line[: m.start()].rstrip(_TRIM)).rstrip(_TRIM)
    if not 2 <= len(label) <= 40 or any(ch.isdigit() for ch in label):
        return None
    return label if any(ch.isalpha() for ch in label) else None


def date_candidate(corpus: Corpus) -> Candidate | None:
    """A ``text_date`` rule for the label the pages' date lines share."""
    counts: Counter[str] = Counter()
    for lines in corpus.pages:
        counts.update({x for line in lines[:LEAD_LINES] if (x := _label(line)) is not None})
    if not counts:
        return None
    label, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if n < _least(corpus, DATE_SHARE):
        return None
    field = "date_updated" if _UPDATED.search(label) else "date_published"
    options = {"field": field, "labels": "^" + readable_escape(label), "unlabelled": False}
    summary = f'The {field.replace("_", " ")}, from the line labelled "{label}".'

    def line_of(lines: list[str]) -> int:
        return next((i for i, x in enumerate(lines[:LEAD_LINES]) if _label(x) == label), -1)

    return _field_candidate("text_date", options, summary, corpus, line_of)


def _field_candidate(
    kind: str,
    options: dict[str, object],
    summary: str,
    corpus: Corpus,
    line_of: Callable[[list[str]], int],
) -> Candidate | None:
    rule = make_rule("draft-field", kind, dict(options))
    field = str(options["field"])
    hits = [p for p, lines in enumerate(corpus.pages) if _read(rule, lines)]
    if not hits:
        return None
    examples: list[tuple[str, dict[str, str]]] = []
    for p in hits:
        lines = corpus.pages[p]
        at = line_of(lines)
        if at < 0:
            continue
        few = lines[max(0, at - 1) : at + 2]
        value = _read(rule, few)
        if value is not None and len(examples) < EXAMPLES:
            examples.append(("\n".join(few), {field: value}))
    if not examples:
        return None
    c = Candidate(
        "fields", kind, dict(options), summary, len(hits), len(hits), len(hits) / corpus.n
    )
    c.field_examples = examples
    return c


def _read(rule: Rule, lines: list[str]) -> str | None:
    return rule.kind.extract(lines)  # type: ignore[attr-defined,no-any-return]
