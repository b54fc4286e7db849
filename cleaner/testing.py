"""The rule-example harness, shipped so users can test their own packs.

Each example runs its rule alone: ``input`` is normalised like an article, the rule is applied
(to a fixpoint, as in a real run), and the text, the fields or the reject code are compared.
An HTML rule's ``input`` is a page: its text after the rule (or the fields) is compared.

    from cleaner.testing import run_examples
    failures = [r for r in run_examples(["rules/"]) if not r.passed]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from cleaner.engine.kinds import (
    AllowedLanguages,
    ChromeKind,
    Extract,
    FilterKind,
    HtmlKind,
    StripSpan,
)
from cleaner.engine.load import Example, Pack, Rule, load_packs
from cleaner.engine.ruleset import RuleGroup, run_chrome, run_extract
from cleaner.html.extract import example_result
from cleaner.steps.language import Detector, make_detector
from cleaner.steps.normalize import join_lines, normalize_lines


@dataclass(frozen=True)
class ExampleResult:
    rule: Rule
    index: int  # 1-based, as a user counts examples
    example: Example
    passed: bool
    message: str = ""

    @property
    def location(self) -> str:
        line = self.example.line or self.rule.line
        return f"{self.rule.path}:{line}" if line else self.rule.path

    def __str__(self) -> str:
        status = "ok" if self.passed else "FAIL"
        text = f"{self.location}: rule '{self.rule.id}': example {self.index}: {status}"
        return f"{text}: {self.message}" if self.message else text


def check_example(rule: Rule, example: Example, detector: Detector | None = None) -> str | None:
    """None when the example holds, else what differs."""
    kind = rule.kind
    lines = normalize_lines(example.input)
    group = RuleGroup([rule])
    problems: list[str] = []
    if isinstance(kind, HtmlKind):
        text, got_fields = example_result(kind, example.input)
        if example.output is not None:
            got, want = normalize_lines(text), normalize_lines(example.output)
            if got != want:
                problems.append(f"expected text {join_lines(want)!r}, got {join_lines(got)!r}")
        for name, want_value in (example.fields or {}).items():
            if got_fields.get(name) != want_value:
                problems.append(f"expected {name}={want_value!r}, got {got_fields.get(name)!r}")
    if isinstance(kind, ChromeKind) and example.output is not None:
        got, _ = run_chrome([group], lines)
        want = normalize_lines(example.output)
        if got != want:
            problems.append(f"expected text {join_lines(want)!r}, got {join_lines(got)!r}")
    if isinstance(kind, Extract) and example.fields is not None:
        found = {k: v for k, (v, _) in run_extract([group], lines).items()}
        for name, want_value in example.fields.items():
            got_value = found.get(name)
            if got_value != want_value:
                problems.append(f"expected {name}={want_value!r}, got {got_value!r}")
    if isinstance(kind, FilterKind) and example.has_rejects:
        text = join_lines(lines)
        fields: dict[str, Any] = {}
        if isinstance(kind, AllowedLanguages):
            fields["lang"] = (detector or make_detector()).detect(text)[0]
        result = kind.check(text, fields)
        got_code = result.code if result else None
        if got_code != example.rejects:
            problems.append(f"expected rejects={example.rejects!r}, got {got_code!r}")
    return "; ".join(problems) or None


class Reach(NamedTuple):
    """How far a chrome rule reaches into a text."""

    whole_words: int  # the longest line it removes whole, in words
    stripped_chars: int  # the most characters it strips from a line that stays


def reach(rule: Rule, lines: list[str]) -> Reach:
    """What ``rule`` alone removes from ``lines``, run to a fixpoint as its examples are."""
    after, _ = run_chrome([RuleGroup([rule])], lines)
    whole = stripped = 0
    if isinstance(rule.kind, StripSpan):  # lines keep their order; all-span lines vanish
        j = 0
        for line in lines:
            if j < len(after) and after[j] == line:
                j += 1
            elif j < len(after) and after[j] and _shortened(after[j], line):
                stripped = max(stripped, len(line) - len(after[j]))
                j += 1
            elif line:
                whole = max(whole, len(line.split()))
    else:  # line kinds only ever remove lines
        gone = Counter(lines) - Counter(after)
        whole = max((len(line.split()) for line in gone), default=0)
    return Reach(whole, stripped)


def example_reach(rule: Rule) -> Reach:
    """The furthest reach the rule's own examples show: what it is documented to remove."""
    shown = [reach(rule, normalize_lines(e.input)) for e in rule.examples if e.output is not None]
    return Reach(max((r[0] for r in shown), default=0), max((r[1] for r in shown), default=0))


def _shortened(after: str, before: str) -> bool:
    """``after`` is ``before`` with spans taken out (spaces aside)."""
    rest = iter(before.replace(" ", ""))
    return all(ch in rest for ch in after.replace(" ", ""))


def iter_results(
    packs: Iterable[Pack], detector: Detector | None = None
) -> Iterator[ExampleResult]:
    for pack in packs:
        for rule in pack.rules:
            for i, example in enumerate(rule.examples, start=1):
                problem = check_example(rule, example, detector)
                yield ExampleResult(rule, i, example, problem is None, problem or "")


def run_examples(paths: Iterable[Path | str]) -> list[ExampleResult]:
    """Load the packs at ``paths`` and run every rule's examples."""
    return list(iter_results(load_packs(paths)))
