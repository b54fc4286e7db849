"""``cleaner suggest``: a draft site pack mined from many pages of one site.

The pages are read as the pipeline reads them (normalised lines, after the generic packs), so the
draft holds only what the generic packs leave. Candidates, in the order a pack applies them:

- header cuts (``cut_before``) at a recurring marker line that, on every page that has it, comes
  once and before the headline;
- footer cuts (``cut_after``) at a recurring marker line that comes once and after the body;
- recurring lines the cuts leave (``drop_line`` with ``lines:``), grouped by adjacency;
- recurring prefixes and suffixes glued to text (``strip_span``).

Each candidate carries its hit count, a confidence (the share of its hits outside the estimated
article text, smoothed by its support) and examples cut from the real pages. The draft is parsed
back with the loader and every example is run before it is returned: a draft that fails
``check-rules`` or ``test-rules`` is a bug here, never the user's problem.
"""

from __future__ import annotations

import bisect
import itertools
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from cleaner.authoring import fields, mining, shapes, spans
from cleaner.authoring.draft import (
    CUTS,
    SECTIONS,
    Candidate,
    Draft,
    make_rule,
    readable_escape,
    render,
)
from cleaner.engine.load import Pack, Rule, load_pack_text
from cleaner.engine.ruleset import RuleGroup, domain_of, run_chrome
from cleaner.steps.normalize import normalize_lines

DEFAULT_SHARE = 0.05
MAX_FINGERPRINTS = 4
EXAMPLE_CHARS = 100  # neighbour lines in examples are shortened to this


def normalise_domain(site: str) -> str:
    """``https://www.example.com/x`` or ``www.Example.com`` -> ``example.com``."""
    domain = domain_of(site.strip())
    if not domain or "." not in domain:
        raise ValueError(f"'{site}' is not a domain (example: example-news.com)")
    return domain


_SECOND_LEVEL = ("co", "com", "org", "net", "ac", "gov", "edu", "ne", "or")


def id_prefix(domain: str) -> str:
    """A short rule-id prefix: the name a site is known by (``news.bbc.co.uk`` -> ``bbc``)."""
    labels = domain.split(".")
    if len(labels) > 1:
        labels.pop()  # the top-level domain
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels.pop()
    return re.sub(r"[^a-z0-9]+", "-", labels[-1].lower()).strip("-") or "site"


def prepare(texts: Iterable[str], generic: Sequence[RuleGroup] = ()) -> list[list[str]]:
    """Each page as the site pack will see it: normalised, generic chrome gone, no blanks."""
    pages = []
    for text in texts:
        lines = normalize_lines(text)
        if generic:
            lines, _ = run_chrome(generic, lines)
        pages.append([line for line in lines if line])
    return pages


# --- building rules to test candidates with the real engine ------------------------------


_LAST: list[tuple[Rule, RuleGroup]] = []  # the rule run last, compiled (asked many times)


def _run(rule: Rule, lines: list[str]) -> list[str]:
    if not _LAST or _LAST[0][0] is not rule:
        _LAST[:] = [(rule, RuleGroup([rule]))]
    out, _ = run_chrome([_LAST[0][1]], normalize_lines("\n".join(lines)))
    return out


def _short(line: str) -> str:
    return line if len(line) <= EXAMPLE_CHARS else line[: EXAMPLE_CHARS - 1].rstrip() + "…"


def _example(rule: Rule, lines: list[str], context: Sequence[int] = ()) -> tuple[str, str] | None:
    """An example from real lines; lines at ``context`` only surround the hit, so they are
    shortened. None when the rule would not change these lines."""
    shown = [_short(line) if i in context else line for i, line in enumerate(lines)]
    out = _run(rule, shown)
    if out == normalize_lines("\n".join(shown)):
        return None
    return "\n".join(shown), "\n".join(out)


_FOLDED: weakref.WeakKeyDictionary[mining.Corpus, tuple[list[str], str, list[int]]] = (
    weakref.WeakKeyDictionary()
)


def _folded(corpus: mining.Corpus) -> tuple[list[str], str, list[int]]:
    """The corpus's distinct lines, shortest first; their casefolded forms joined by line
    breaks (no line holds one); and where each starts in that text. Computed once per corpus:
    every candidate looks for its near misses in them, with one ``str.find`` walk."""
    found = _FOLDED.get(corpus)
    if found is None:
        lines = sorted(corpus.df, key=lambda line: (len(line), line))
        starts, at = [], 0
        for line in lines:
            starts.append(at)
            at += len(line.casefold()) + 1
        found = _FOLDED[corpus] = (lines, "\n".join(x.casefold() for x in lines), starts)
    return found


def _containing(corpus: mining.Corpus, folded: str) -> Iterator[str]:
    """The corpus's lines whose casefolded form holds ``folded``, shortest first."""
    lines, text, starts = _folded(corpus)
    if not folded:
        yield from lines
        return
    at = text.find(folded)
    while at >= 0:
        i = bisect.bisect_right(starts, at) - 1
        yield lines[i]
        nxt = i + 1
        if nxt == len(lines):
            return
        at = text.find(folded, starts[nxt])


def _near_miss(rule: Rule, needle: str, corpus: mining.Corpus) -> tuple[str, str] | None:
    """A real line that contains the matched text yet is kept: shows the rule is exact."""
    similar = (line for line in _containing(corpus, needle.casefold()) if line != needle)
    for line in itertools.islice(similar, 20):
        if _run(rule, [line]) == [line]:
            return line, line
    return None


# --- candidates --------------------------------------------------------------------------


def _confidence(outside: int, hits: int, pages: int) -> float:
    """Share of hits outside the estimated article text, times a support factor."""
    if not hits:
        return 0.0
    return round(outside / hits * pages / (pages + 1), 3)


def _cut_candidate(cut: mining.Cut, corpus: mining.Corpus) -> Candidate | None:
    kind = "cut_after" if cut.footer else "cut_before"
    options: dict[str, Any] = {"line": cut.marker}
    if cut.footer:
        options["last_lines"] = cut.guard
    else:
        options["first_lines"] = cut.guard
        if cut.keep_first:
            options["keep_first_lines"] = 1
    rule = make_rule("draft", kind, options)
    where = "below" if cut.footer else "above"
    cand = Candidate(
        "footer" if cut.footer else "header",
        kind,
        options,
        f'Everything {where} the line "{cut.marker}".',
        cut.pages,
        cut.gain,
        _confidence(cut.pages, cut.pages, cut.pages),
    )
    # Examples: the marker with a line of context on each side, from the first pages it acts on.
    for p in sorted(cut.positions)[:8]:
        lines = corpus.pages[p]
        i = cut.positions[p]
        lo, hi = max(0, i - 1), min(len(lines), i + 2)
        window = lines[lo:hi]
        context = [j for j in range(len(window)) if j != i - lo]
        if cut.keep_first and i > 1:
            window = [lines[0], *window]
            context = [0, *(j + 1 for j in context)]
        ex = _example(rule, window, context)
        if ex is not None and ex not in cand.examples:
            cand.examples.append(ex)
        if len(cand.examples) == 2:
            break
    return cand if cand.examples else None


def _group_candidate(group: mining.LineGroup, corpus: mining.Corpus) -> Candidate | None:
    options: dict[str, Any] = {"lines": list(group.lines)}
    rule = make_rule("draft", "drop_line", options)
    members = set(group.lines)
    line_pages = {line: corpus.df[line] for line in group.lines}
    what = group.lines[0] if len(group.lines) == 1 else f"{len(group.lines)} lines"
    cand = Candidate(
        "lines",
        "drop_line",
        options,
        f'Recurring line "{what}".' if len(group.lines) == 1 else f"Recurring block of {what}.",
        len(group.pages),
        group.hits,
        _confidence(group.outside, group.hits, len(group.pages)),
        line_pages=line_pages,
    )
    # The page with the longest run of members shows the block as readers meet it.
    best: tuple[int, int, int] | None = None  # (run length, page, start)
    for p in sorted(group.pages):
        lines = corpus.pages[p]
        i = 0
        while i < len(lines):
            if lines[i] in members:
                j = i
                while j < len(lines) and lines[j] in members:
                    j += 1
                if best is None or j - i > best[0]:
                    best = (j - i, p, i)
                i = j
            else:
                i += 1
    if best is None:
        return None
    run, p, start = best
    lines = corpus.pages[p]
    shown = lines[start : start + min(run, 4)]
    after = start + run
    if after < len(lines):
        ex = _example(rule, [*shown, lines[after]], [len(shown)])
    elif start > 0:
        ex = _example(rule, [lines[start - 1], *shown], [0])
    else:
        ex = _example(rule, shown)
    if ex is None:
        return None
    cand.examples.append(ex)
    miss = _near_miss(rule, max(group.lines, key=lambda x: line_pages[x]), corpus)
    if miss is not None:
        cand.examples.append(miss)
    return cand


def _shape_candidate(shape: shapes.Shape, corpus: mining.Corpus) -> Candidate | None:
    longest = max(len(v.split()) for v in shape.variants)
    options: dict[str, Any] = {"pattern": shape.pattern, "max_words": longest}
    rule = make_rule("draft", "drop_line", options)
    common = [v for v, _ in shape.variants.most_common(3)]
    cand = Candidate(
        "lines",
        "drop_line",
        options,
        f'Lines that differ only in their numbers ("{common[0]}", "{common[-1]}").',
        len(shape.pages),
        shape.hits,
        _confidence(shape.outside, shape.hits, len(shape.pages)),
    )
    for p, i in shape.instances:
        lines = corpus.pages[p]
        shown = lines[i : i + 2]
        ex = _example(rule, shown, [1] if len(shown) == 2 else ())
        if ex is not None and ex not in cand.examples:
            cand.examples.append(ex)
        if len(cand.examples) == 2:
            break
    return cand if cand.examples else None


def _span_candidate(span: spans.Span, corpus: mining.Corpus) -> Candidate | None:
    edge = readable_escape(span.text)
    at_top = all(i == 0 for _, i in span.instances)
    options: dict[str, Any]
    if span.drop:
        kind = "drop_line"
        source = edge + "$" if span.suffix else "^" + edge
        options = {"pattern": source, "max_words": span.max_words + 2}
        what = f'Lines that {"end" if span.suffix else "start"} with "{span.text}" (labels).'
    else:
        kind = "strip_span"
        if span.section:
            sep = readable_escape(span.separator)
            options = {"pattern": f"^{edge}(?: [^{sep}]{{1,40}} {sep})?"}
            what = f'"{span.text}" and the section after it, at the start of lines.'
        elif span.suffix:
            options = {"suffix": " " + span.text if span.text[0] in spans.SEPARATORS else span.text}
            what = f'"{span.text}" at the end of lines.'
        else:
            options = {"prefix": span.text}
            what = f'"{span.text}" at the start of lines.'
    if at_top:
        options["first_lines"] = 2  # only ever seen on the page-title line
    rule = make_rule("draft", kind, options)
    cand = Candidate(
        "spans",
        kind,
        options,
        what,
        len(span.pages),
        span.hits,
        _confidence(span.outside, span.hits, len(span.pages)),
    )
    for p, i in span.instances:
        lines = corpus.pages[p]
        shown = lines[i : i + 2] if i == 0 else [lines[i - 1], lines[i]]
        context = [1] if i == 0 else [0]
        ex = _example(rule, shown, context if len(shown) == 2 else ())
        if ex is not None and ex not in cand.examples:
            cand.examples.append(ex)
        if len(cand.examples) == 2:
            break
    miss = _near_miss(rule, span.text, corpus)
    if miss is not None:
        cand.examples.append(miss)
    return cand if cand.examples else None


def fingerprints(corpus: mining.Corpus, domain: str) -> tuple[list[tuple[str, int]], int]:
    """Whole lines that name the site and together occur on most pages (greedy cover)."""
    brand = id_prefix(domain).replace("-", "")
    names = {brand, domain.split(".")[0]} - {"www", "news"}
    # Judged once per distinct line, not once per page that holds it.
    names_site = {
        line
        for line in corpus.df
        if len(line) >= 6
        and corpus.common(line)
        and any(n and n in line.casefold().replace(" ", "") for n in names)
        and not mining.is_metadata(line)
    }
    options: dict[str, set[int]] = {}
    for p, lines in enumerate(corpus.pages):
        for line in dict.fromkeys(lines):  # page order: ties below go to the first seen
            if line in names_site:
                options.setdefault(line, set()).add(p)
    chosen: list[tuple[str, int]] = []
    covered: set[int] = set()
    while options and len(chosen) < MAX_FINGERPRINTS:
        line, pages = max(options.items(), key=lambda kv: (len(kv[1] - covered), -len(kv[0])))
        if len(pages - covered) < corpus.threshold:
            break
        chosen.append(("^" + readable_escape(line) + "$", len(pages)))
        covered |= pages
        del options[line]
    return chosen, len(covered)


def mine(
    domain: str,
    pages: Sequence[list[str]],
    share: float = DEFAULT_SHARE,
    days: Sequence[str | None] | None = None,
    with_fields: bool = True,
    with_shapes: bool = False,
) -> tuple[mining.Corpus, list[Candidate]]:
    corpus = mining.Corpus(pages, share, days)
    header = mining.choose_cuts(corpus, footer=False)
    footer = mining.choose_cuts(corpus, footer=True)
    kept = mining.apply_cuts(corpus, header + footer)
    groups = mining.choose_lines(corpus, kept)
    dropped = {line for g in groups for line in g.lines}
    left = [[i for i in idx if corpus.pages[p][i] not in dropped] for p, idx in enumerate(kept)]
    found_shapes = shapes.choose_shapes(corpus, left) if with_shapes else []
    if found_shapes:
        taken = {(p, i) for shape in found_shapes for p, i in shape.instances}
        left = [[i for i in idx if (p, i) not in taken] for p, idx in enumerate(left)]
    found = spans.choose_spans(corpus, left)
    candidates = fields.candidates(corpus) if with_fields else []
    for cut in header + footer:
        c = _cut_candidate(cut, corpus)
        if c is not None:
            candidates.append(c)
    for group in groups:
        g = _group_candidate(group, corpus)
        if g is not None:
            candidates.append(g)
    for shape in found_shapes:
        sh = _shape_candidate(shape, corpus)
        if sh is not None:
            candidates.append(sh)
    for span in found:
        sp = _span_candidate(span, corpus)
        if sp is not None:
            candidates.append(sp)
    order = list(SECTIONS)
    # Cuts stay in the order chosen (their guards assume it); the rest go by confidence.
    candidates.sort(
        key=lambda c: (order.index(c.section), 0.0 if c.section in CUTS else -c.confidence)
    )
    prefix = id_prefix(domain)
    numbers: Counter[str] = Counter()
    for c in candidates:
        numbers[c.section] += 1
        c.id = f"{prefix}-{c.section}-{numbers[c.section]}"
    return corpus, candidates


# --- the YAML ------------------------------------------------------------------------------


# Generic kinds that score lines with a trained model: a draft is mined without them and
# switches them off, since its reviewed rules know the site's chrome (as rules/sites/ do).
MODEL_KINDS = frozenset({"boilerplate"})


def suggest(
    domain: str,
    texts: Iterable[str],
    *,
    generic: Sequence[RuleGroup] = (),
    others: Sequence[Pack] = (),
    share: float = DEFAULT_SHARE,
    path: str = "<draft>",
    days: Sequence[str | None] | None = None,
    with_fields: bool = True,
    with_shapes: bool = False,
    pages: Sequence[list[str]] | None = None,
    check: bool = True,
) -> Draft:
    """Mine ``texts`` (pages of ``domain``) and return a checked draft pack.

    ``generic`` are the groups the pipeline runs beside the pack (their chrome is not mined);
    ``others`` the packs the draft must not clash with (rule ids); ``days`` the day each text
    was fetched, when known (a line seen on one day's pages only is not the site's chrome);
    ``with_fields`` False drafts no title and date rules (records whose fields are set);
    ``with_shapes`` drafts rules for lines that differ only in their numbers
    (:mod:`cleaner.authoring.shapes`); ``pages`` the texts as :func:`prepare` gave them
    (without ``generic``: its empty pages left out), when the caller has them; ``check`` False
    skips loading the draft and running its examples (learned chrome loads what it renders
    itself, and the examples are the rules' own output on real lines).
    The draft owns the site's chrome: it is mined without the rules of ``MODEL_KINDS`` among
    ``generic`` and switches their packs off where it matches (``disable_generic``), as the
    reviewed site packs do; mined after the line model, a draft lost the header lines its cuts
    key on.
    """
    models = sorted({r.pack for g in generic for r in g.rules if r.kind_name in MODEL_KINDS})
    if models:
        generic = [
            RuleGroup([r for r in g.rules if r.kind_name not in MODEL_KINDS]) for g in generic
        ]
    domain = normalise_domain(domain)
    texts = list(texts)
    day_of = list(days) if days is not None else [None] * len(texts)
    if len(day_of) != len(texts):
        raise ValueError(f"suggest got {len(day_of)} days for {len(texts)} texts")
    if pages is None or generic or days is not None:
        prepared = [(p, d) for p, d in zip(prepare(texts, generic), day_of, strict=True) if p]
        pages = [p for p, _ in prepared]
    else:
        prepared = [(p, None) for p in pages]
    if len(pages) < 3:
        raise ValueError(f"suggest needs at least 3 pages with text, got {len(pages)}")
    corpus, candidates = mine(
        domain, pages, share, [d for _, d in prepared], with_fields, with_shapes
    )
    prints, covered = fingerprints(corpus, domain)
    draft = Draft(domain, corpus.n, corpus.threshold, candidates, prints, covered, tuple(models))
    _dedupe_ids(draft, others)
    draft.yaml = render(draft)
    if not check:
        return draft
    pack = load_pack_text(draft.yaml, path, others)
    # Here, not at the top: a run imports this module (learned chrome) and never needs the
    # example runner at process start.
    from cleaner.testing import check_example

    failures = [
        f"{rule.id}: {problem}"
        for rule in pack.rules
        for example in rule.examples
        if (problem := check_example(rule, example)) is not None
    ]
    if failures:  # pragma: no cover - a bug in this module, not in the user's pages
        raise AssertionError("draft examples fail: " + "; ".join(failures))
    return draft


def _dedupe_ids(draft: Draft, others: Sequence[Pack]) -> None:
    taken = {r.id for p in others for r in p.rules}
    for c in draft.candidates:
        base, n = c.id, 1
        while c.id in taken:
            n += 1
            c.id = f"{base}-{n}"
        taken.add(c.id)
