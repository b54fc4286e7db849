"""The rule-example harness, shipped so users can test their own packs.

Each example runs its rule alone: ``input`` is normalised like an article, the rule is applied
(to a fixpoint, as in a real run), and the text, the fields or the reject code are compared.
An HTML rule's ``input`` is a page: its text after the rule (or the fields) is compared.

    from cleaner.testing import run_examples
    failures = [r for r in run_examples(["rules/"]) if not r.passed]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

from cleaner.engine.examples import Example
from cleaner.engine.kinds import (
    CHROME,
    EXTRACT,
    FILTER,
    HTML_BODY,
    HTML_FIELD,
    HTML_REMOVE,
    FilterKind,
    HtmlBody,
    HtmlField,
    HtmlRemove,
)
from cleaner.engine.load import Pack, Rule, load_packs
from cleaner.engine.ruleset import RuleGroup, run_chrome, run_extract
from cleaner.html.dom import drop_invisible, render, rules_tree
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


def _texts_differ(got_text: str | list[str], want_text: str) -> list[str]:
    got = normalize_lines(got_text) if isinstance(got_text, str) else got_text
    want = normalize_lines(want_text)
    if got == want:
        return []
    return [f"expected text {join_lines(want)!r}, got {join_lines(got)!r}"]


def _fields_differ(got: dict[str, str], want: dict[str, Any] | None) -> list[str]:
    return [
        f"expected {name}={value!r}, got {got.get(name)!r}"
        for name, value in (want or {}).items()
        if got.get(name) != value
    ]


def _html_field(rule: Rule, example: Example, detector: Detector | None) -> list[str]:
    # A field rule reads the page as it comes: before anything is removed.
    kind = cast(HtmlField, rule.kind)  # the phase says the class
    value = kind.extract(rules_tree(example.input))
    got = {} if value is None else {kind.field: value}
    problems = _fields_differ(got, dict(example.fields) if example.fields else None)
    if example.output is not None:
        problems += _texts_differ("", example.output)
    return problems


def _visible_tree(example: Example) -> Any:
    root = rules_tree(example.input)
    drop_invisible(root)
    return root


def _html_remove(rule: Rule, example: Example, detector: Detector | None) -> list[str]:
    root = _visible_tree(example)
    cast(HtmlRemove, rule.kind).apply(root)
    problems = _fields_differ({}, dict(example.fields) if example.fields else None)
    if example.output is not None:
        problems += _texts_differ(render(root), example.output)
    return problems


def _html_body(rule: Rule, example: Example, detector: Detector | None) -> list[str]:
    text = cast(HtmlBody, rule.kind).text(_visible_tree(example)) or ""
    problems = _fields_differ({}, dict(example.fields) if example.fields else None)
    if example.output is not None:
        problems += _texts_differ(text, example.output)
    return problems


def _chrome(rule: Rule, example: Example, detector: Detector | None) -> list[str]:
    if example.output is None:
        return []
    got, _ = run_chrome([RuleGroup([rule])], normalize_lines(example.input))
    return _texts_differ(got, example.output)


def _extract(rule: Rule, example: Example, detector: Detector | None) -> list[str]:
    if example.fields is None:
        return []
    lines = normalize_lines(example.input)
    found = {k: v for k, (v, _) in run_extract([RuleGroup([rule])], lines).items()}
    return _fields_differ(found, dict(example.fields))


def _filter(rule: Rule, example: Example, detector: Detector | None) -> list[str]:
    if not example.has_rejects:
        return []
    kind = cast(FilterKind, rule.kind)
    text = join_lines(normalize_lines(example.input))
    # An example's ``fields`` are the record's fields the filter sees (what required_fields
    # checks); the language is detected unless the example gives it.
    fields: dict[str, Any] = dict(example.fields or {})
    if "lang" in kind.reads and "lang" not in fields:
        fields["lang"] = (detector or make_detector()).detect(text)[0]
    result = kind.check(text, fields)
    got_code = result.code if result else None
    if got_code != example.rejects:
        return [f"expected rejects={example.rejects!r}, got {got_code!r}"]
    return []


# How an example is checked, by the phase its rule's kind declares.
CHECKS: dict[str, Callable[[Rule, Example, Detector | None], list[str]]] = {
    HTML_FIELD: _html_field,
    HTML_REMOVE: _html_remove,
    HTML_BODY: _html_body,
    EXTRACT: _extract,
    CHROME: _chrome,
    FILTER: _filter,
}


def check_example(rule: Rule, example: Example, detector: Detector | None = None) -> str | None:
    """None when the example holds, else what differs."""
    return "; ".join(CHECKS[rule.kind.phase](rule, example, detector)) or None


class Reach(NamedTuple):
    """How far a chrome rule reaches into a text."""

    whole_words: int  # the longest line it removes whole, in words
    stripped_chars: int  # the most characters it strips from a line that stays


def reach(rule: Rule, lines: list[str]) -> Reach:
    """What ``rule`` alone removes from ``lines``, run to a fixpoint as its examples are."""
    after, _ = run_chrome([RuleGroup([rule])], lines)
    whole = stripped = 0
    if not rule.kind.only_drops:  # spans: lines keep their order; all-span lines vanish
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
