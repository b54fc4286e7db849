"""How often the generic packs delete real article text, measured on human ground truth.

Every gold text in shared/corpora (ctf hand-checked texts, AEB articleBody, WCXB main_content)
is real article text, so any line a generic pack removes or edits there is a false removal.
WCXB's gold was annotated by an LLM and holds some real chrome, so its rate is pessimistic.

    python -m bench.false_removal [--show N]
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpora import iter_gold_documents
from cleaner.engine.load import Pack, load_packs
from cleaner.engine.ruleset import RuleGroup, run_chrome
from cleaner.steps.normalize import normalize_lines

RULES = Path(__file__).resolve().parent.parent / "rules"


@dataclass
class PackCount:
    lines: Counter[str] = field(default_factory=Counter)  # gold lines per corpus
    removed: Counter[str] = field(default_factory=Counter)  # removed or edited gold lines
    by_rule: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def lost_lines(before: list[str], after: list[str]) -> list[str]:
    """Gold lines that are gone or changed (a multiset difference; blank lines ignored)."""
    gone = Counter(x for x in before if x) - Counter(x for x in after if x)
    return sorted(gone.elements())


def measure(
    packs: Iterable[Pack], docs: Iterable[tuple[str, str, str]], samples: int = 3
) -> dict[str, PackCount]:
    """Per pack (and ``all`` for every pack together): gold lines and the lines it removed."""
    packs = list(packs)
    groups = {p.name: RuleGroup(p.rules) for p in packs}
    groups["all"] = RuleGroup([r for p in packs for r in p.rules])
    counts = {name: PackCount() for name in groups}
    for corpus, doc_id, gold in docs:
        lines = normalize_lines(gold)
        n = sum(1 for x in lines if x)
        for name, group in groups.items():
            c = counts[name]
            c.lines[corpus] += n
            after, edits = run_chrome([group], lines)
            if not edits:
                continue
            lost = lost_lines(lines, after)
            c.removed[corpus] += len(lost)
            for e in edits:
                c.by_rule[e.rule] += e.edits
            if len(c.samples[corpus]) < samples:
                c.samples[corpus].extend(f"{doc_id}: {x[:100]!r}" for x in lost[:1])
    return counts


def rate(c: PackCount, corpora: Iterable[str]) -> float:
    lines = sum(c.lines[k] for k in corpora)
    return sum(c.removed[k] for k in corpora) / lines if lines else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=3, help="sample removed lines per corpus")
    args = parser.parse_args()
    packs = [p for p in load_packs([RULES]) if p.scope == "generic"]
    counts = measure(packs, iter_gold_documents(), args.show)
    corpora = ["ctf", "aeb", "wcxb"]
    total = counts["all"].lines
    print("gold lines: " + ", ".join(f"{k} {total[k]:,}" for k in corpora))
    print(f"{'pack':<12}" + "".join(f"{k:>16}" for k in corpora) + f"{'ctf+aeb':>12}")
    for name, c in counts.items():
        cells = "".join(f"{c.removed[k]:>6} {rate(c, [k]):>8.4%}" for k in corpora)
        print(f"{name:<12}{cells}{rate(c, ['ctf', 'aeb']):>12.4%}")
    for name, c in counts.items():
        if name == "all" or not c.by_rule:
            continue
        print(f"\n{name}: firings on gold by rule: {dict(c.by_rule.most_common())}")
        for corpus in corpora:
            for s in c.samples.get(corpus, [])[: args.show]:
                print(f"  [{corpus}] {s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
