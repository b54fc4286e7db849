"""A rule's examples as its YAML states them, checked while the pack loads (the test suite runs
them), and the collector that gathers every load error with its file and line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cleaner.engine.kinds import CHROME, RuleKind
from cleaner.engine.yamlsafe import key_line
from cleaner.errors import RuleError

EXAMPLE_KEYS = ("input", "output", "fields", "rejects", "note")


@dataclass(frozen=True)
class Example:
    input: str
    output: str | None
    fields: Mapping[str, Any] | None
    rejects: str | None
    has_rejects: bool
    line: int | None


@dataclass
class Collector:
    errors: list[RuleError] = field(default_factory=list)

    def add(
        self,
        message: str,
        path: str,
        line: int | None,
        rule_id: str | None = None,
        valid: Iterable[str] | None = None,
    ) -> None:
        self.errors.append(RuleError(message, path=path, line=line, rule_id=rule_id, valid=valid))


def parse_examples(
    raw: dict[str, Any],
    kind: RuleKind,
    scope: str,
    path: str,
    line: int | None,
    rule_id: str,
    errors: Collector,
) -> tuple[Example, ...] | None:
    raw_examples = raw.get("examples")
    if not isinstance(raw_examples, list) or not raw_examples:
        errors.add(
            "needs 'examples': a list of {input, output | fields | rejects}",
            path,
            key_line(raw, "examples") if "examples" in raw else line,
            rule_id,
        )
        return None
    examples: list[Example] = []
    ok = True
    for i, ex in enumerate(raw_examples):
        ex_line = raw_examples.item_lines[i] if hasattr(raw_examples, "item_lines") else line
        if not isinstance(ex, dict):
            errors.add(f"example {i + 1} must be a mapping", path, ex_line, rule_id, EXAMPLE_KEYS)
            ok = False
            continue
        unknown = [k for k in ex if k not in EXAMPLE_KEYS]
        for k in unknown:
            errors.add(
                f"example {i + 1} has unknown key '{k}'",
                path,
                key_line(ex, k),
                rule_id,
                EXAMPLE_KEYS,
            )
        if not isinstance(ex.get("input"), str):
            errors.add(f"example {i + 1} needs 'input' text", path, ex_line, rule_id)
            ok = False
            continue
        if "output" in ex and not isinstance(ex["output"], str):
            errors.add(
                f"example {i + 1}: 'output' must be text", path, key_line(ex, "output"), rule_id
            )
            ok = False
        if "fields" in ex and not isinstance(ex["fields"], dict):
            errors.add(
                f"example {i + 1}: 'fields' must be a mapping",
                path,
                key_line(ex, "fields"),
                rule_id,
            )
            ok = False
        for problem in kind.example_problems(ex):
            errors.add(f"example {i + 1} {problem}", path, ex_line, rule_id)
            ok = False
        if unknown:
            ok = False
        examples.append(
            Example(
                ex["input"],
                ex.get("output"),
                ex.get("fields"),
                ex.get("rejects"),
                "rejects" in ex,
                ex_line,
            )
        )
    if (
        ok
        and scope == "generic"
        and kind.phase == CHROME
        and not any(e.output is not None and _same(e.input, e.output) for e in examples)
    ):
        # Generic rules see every article: each must show a near miss it leaves alone.
        errors.add(
            "a generic rule needs at least one example it keeps unchanged (output equal to input)",
            path,
            key_line(raw, "examples"),
            rule_id,
        )
        ok = False
    return tuple(examples) if ok else None


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()
