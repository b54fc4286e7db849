"""``cleaner rules-report``: how each rule behaves on a corpus, and which rules need a look.

For every article the pipeline runs as in ``cleaner run`` (a tracer counts what each rule
removes), and each chrome rule of the selected packs is also tried alone on the article as it
came in, to see which lines it would take by itself. From that:

- hit counts: articles, edits, characters and words removed per rule;
- dead rules: in a pack that matched some articles, yet never acted;
- over-broad rules: took more than ``max_share`` of an article's words, or changed a text
  known to be clean (``clean`` inputs, e.g. ground-truth article texts);
- overlaps: two rules that, alone, always take the same lines (or one takes a subset of the
  other's lines wherever it acts), so one of them is redundant.

Memory grows with the number of rules and the articles they act on, not with article size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from cleaner.engine.load import Rule
from cleaner.engine.ruleset import RuleGroup, run_chrome
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import RawArticle, Record
from cleaner.steps.normalize import normalize_lines
from cleaner.words import count_words

DEFAULT_MAX_SHARE = 0.5


@dataclass
class RuleStats:
    rule: Rule
    articles: int = 0
    edits: int = 0
    chars: int = 0
    words: int = 0
    broad: list[tuple[str, float]] = field(default_factory=list)  # (article id, share)
    on_clean: list[tuple[str, str]] = field(default_factory=list)  # (article id, a line taken)


@dataclass
class _Counter:
    """Tracer for one article: words and chars each rule removed."""

    words: Counter[str] = field(default_factory=Counter)
    chars: Counter[str] = field(default_factory=Counter)
    edits: Counter[str] = field(default_factory=Counter)
    first_taken: dict[str, str] = field(default_factory=dict)

    def chrome(self, rule: Rule, round_no: int, before: list[str], after: list[str]) -> None:
        self.edits[rule.id] += 1
        self.chars[rule.id] += sum(map(len, before)) - sum(map(len, after))
        self.words[rule.id] += _words(before) - _words(after)
        if rule.id not in self.first_taken:
            gone = Counter(before) - Counter(after)
            taken = next((line for line in before if gone[line] and line), "")
            self.first_taken[rule.id] = taken

    def extract(self, rule: Rule, value: str, used: bool) -> None:
        return None


def _words(lines: list[str]) -> int:
    return sum(count_words(line) for line in lines)


def _alone(rule: Rule, lines: list[str]) -> frozenset[int]:
    """Indices of the lines the rule removes or changes when it runs by itself."""
    after, _ = run_chrome([RuleGroup([rule])], lines)
    remaining = Counter(after)
    touched = set()
    for i, line in enumerate(lines):
        if not line:
            continue
        if remaining[line] > 0:
            remaining[line] -= 1
        else:
            touched.add(i)
    return frozenset(touched)


@dataclass
class Report:
    rules: dict[str, RuleStats]
    articles: int = 0
    clean_articles: int = 0
    pack_articles: Counter[str] = field(default_factory=Counter)
    max_share: float = DEFAULT_MAX_SHARE
    # rule id -> {article index -> lines it takes alone}
    alone: dict[str, dict[int, frozenset[int]]] = field(default_factory=dict)

    def dead(self) -> list[RuleStats]:
        return [
            s for s in self.rules.values() if not s.articles and self.pack_articles[s.rule.pack]
        ]

    def unexercised(self) -> list[str]:
        packs = {s.rule.pack for s in self.rules.values()}
        return sorted(p for p in packs if not self.pack_articles[p])

    def broad(self) -> list[RuleStats]:
        return [s for s in self.rules.values() if s.broad or s.on_clean]

    def overlaps(self) -> list[tuple[str, str, str]]:
        """(a, b, how): "same" when a and b alone always take the same lines, "within" when a
        only ever takes lines that b takes too (a is redundant beside b)."""
        found: list[tuple[str, str, str]] = []
        for a, hits_a in sorted(self.alone.items()):
            for b, hits_b in sorted(self.alone.items()):
                if a == b or not all(i in hits_b and hits_a[i] <= hits_b[i] for i in hits_a):
                    continue
                same = hits_a == hits_b
                if not (same and a > b):  # a "same" pair is listed once
                    found.append((a, b, "same" if same else "within"))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "clean_articles": self.clean_articles,
            "max_share": self.max_share,
            "packs": dict(sorted(self.pack_articles.items())),
            "rules": {
                rid: {
                    "pack": s.rule.pack,
                    "kind": s.rule.kind_name,
                    "articles": s.articles,
                    "edits": s.edits,
                    "removed_chars": s.chars,
                    "removed_words": s.words,
                }
                for rid, s in sorted(self.rules.items())
            },
            "dead": [s.rule.id for s in self.dead()],
            "packs_not_matched": self.unexercised(),
            "over_broad": [
                {
                    "rule": s.rule.id,
                    "articles_over_share": [{"id": i, "share": round(v, 3)} for i, v in s.broad],
                    "changed_clean_text": [{"id": i, "line": t} for i, t in s.on_clean],
                }
                for s in self.broad()
            ],
            "overlaps": [{"rule": a, "other": b, "how": how} for a, b, how in self.overlaps()],
        }


def build_report(
    cleaner: Cleaner,
    articles: Iterable[RawArticle],
    clean: Iterable[RawArticle] = (),
    *,
    max_share: float = DEFAULT_MAX_SHARE,
    packs: Collection[str] | None = None,
) -> Report:
    """Every rule's record on ``articles``; with ``packs``, only those packs' rules are listed
    (all packs still run, as in a real run)."""
    rules = {
        rid: RuleStats(r)
        for rid, r in cleaner.rules.rules.items()
        if packs is None or r.pack in packs
    }
    report = Report(rules, max_share=max_share)
    for article in articles:
        n = report.articles
        report.articles += 1
        counter = _Counter()
        outcome = cleaner.clean(article, tracer=counter)
        if outcome.selection is None:
            continue
        report.pack_articles.update(outcome.selection.packs)
        total = _article_words(counter, outcome)
        for rid, edits in counter.edits.items():
            if rid not in rules:
                continue
            s = rules[rid]
            s.articles += 1
            s.edits += edits
            s.chars += counter.chars[rid]
            s.words += counter.words[rid]
            if total and counter.words[rid] / total > max_share:
                s.broad.append((article.id, counter.words[rid] / total))
        _record_alone(report, cleaner, article, n, rules)
    for article in clean:
        report.clean_articles += 1
        counter = _Counter()
        cleaner.clean(article, tracer=counter)
        for rid in counter.edits:
            if rid in rules:
                rules[rid].on_clean.append((article.id, counter.first_taken.get(rid, "")))
    return report


def _article_words(counter: _Counter, outcome: Outcome) -> int:
    """Words the article had when the rules met it: what is left plus what they took."""
    result = outcome.result
    kept = result.n_words if isinstance(result, Record) else 0
    return kept + sum(counter.words.values())


def _record_alone(
    report: Report, cleaner: Cleaner, article: RawArticle, n: int, listed: Collection[str]
) -> None:
    text = cleaner.article_text(article)
    if text is None:
        return
    lines = normalize_lines(text)
    selection = cleaner.rules.select("\n".join(lines), url=article.url, site=article.site)
    joined = "\n".join(lines)
    for group in selection.groups:
        hits = group.set.hits(joined)
        for rule in group.chrome_rules:
            if rule.id not in listed or not group.may_fire(rule, hits):
                continue
            taken = _alone(rule, lines)
            if taken:
                report.alone.setdefault(rule.id, {})[n] = taken


def render_report(report: Report) -> str:
    """The report for people: a table of rules, then what needs a look."""
    out = [
        f"rules-report: {report.articles} articles"
        + (f", {report.clean_articles} known-clean texts" if report.clean_articles else "")
    ]
    width = max((len(rid) for rid in report.rules), default=4)
    out.append(
        f"{'rule':<{width}}  {'pack':<20} {'kind':<19} {'articles':>8} {'edits':>6} "
        f"{'words':>8} {'chars':>9}"
    )
    for rid, s in sorted(report.rules.items(), key=lambda kv: (kv[1].rule.pack, kv[0])):
        out.append(
            f"{rid:<{width}}  {s.rule.pack[:20]:<20} {s.rule.kind_name:<19} {s.articles:>8} "
            f"{s.edits:>6} {s.words:>8} {s.chars:>9}"
        )
    dead = report.dead()
    out += ["", f"dead rules (their pack matched articles, they never acted): {len(dead)}"]
    out += [f"  {s.rule.id}  ({s.rule.path}:{s.rule.line})" for s in dead]
    unmatched = report.unexercised()
    if unmatched:
        out += [f"packs that matched no article (not tested here): {', '.join(unmatched)}"]
    broad = report.broad()
    out += ["", f"over-broad rules: {len(broad)}"]
    for s in broad:
        if s.broad:
            worst_id, worst = max(s.broad, key=lambda x: x[1])
            out.append(
                f"  {s.rule.id}: took over {report.max_share:.0%} of the words of "
                f"{len(s.broad)} articles (most: {worst:.0%} of {worst_id})"
            )
        if s.on_clean:
            some_id, line = s.on_clean[0]
            out.append(
                f"  {s.rule.id}: changed {len(s.on_clean)} known-clean texts "
                f"(e.g. {some_id}: {line[:80]!r})"
            )
    overlaps = report.overlaps()
    out += ["", f"overlapping rules: {len(overlaps)}"]
    for a, b, how in overlaps:
        if how == "same":
            out.append(f"  {a} and {b} always take the same lines")
        else:
            out.append(f"  {a} only takes lines {b} takes too")
    return "\n".join(out) + "\n"
