"""Old spellings of options: they still load, with a warning naming ``file:line`` and today's
spelling, and ``cleaner check-rules --fix`` rewrites a pack to today's spelling.

The rewrite edits the YAML text line by line, at the lines the loader kept for each key, so a
pack keeps its comments, quoting and layout; only the old key names change.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.engine.files import rule_files
from cleaner.engine.kinds import KINDS, RuleKind
from cleaner.engine.yamlsafe import LocDict, key_line, load_yaml


class RuleSpellingWarning(FutureWarning):
    """A pack spells an option the old way; it loads the same, and ``--fix`` rewrites it."""


def _message(path: str, line: int | None, rule_id: str, old: str, new: str) -> str:
    where = f"{path}:{line}" if line else path
    return (
        f"{where}: rule '{rule_id}': option '{old}' is now spelled '{new}' "
        "(cleaner check-rules --fix rewrites it)"
    )


def respelled(
    kind: type[RuleKind], raw: Mapping[str, Any], path: str, rule_id: str
) -> tuple[Mapping[str, Any], list[tuple[str, int | None]]]:
    """``raw`` with old option names given today's, warning once for each; and the clashes
    (an option given under both names), as (message, line)."""
    old = [k for k in raw if k in kind.renamed]
    if not old:
        return raw, []
    clashes: list[tuple[str, int | None]] = []
    given = LocDict()
    given.line = getattr(raw, "line", None)  # type: ignore[assignment]
    given.key_lines = {}
    for key, value in raw.items():
        new = kind.renamed.get(key, key)
        line = key_line(raw, key)
        if new != key:
            if new in raw:
                clashes.append(
                    (f"option '{key}' is the old spelling of '{new}'; give only '{new}'", line)
                )
                continue
            warnings.warn_explicit(
                _message(path, line, rule_id, key, new),
                RuleSpellingWarning,
                filename=path,
                lineno=line or 0,
            )
        given[new] = value
        if line is not None:
            given.key_lines[new] = line
    return given, clashes


@dataclass(frozen=True)
class Respelling:
    """One old key rewritten: where, and from what to what."""

    path: str
    line: int
    rule_id: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: rule '{self.rule_id}': {self.old} -> {self.new}"


def _old_keys(data: Any) -> Iterable[tuple[int, str, str, str]]:
    """(line, rule id, old key, new key) for every old spelling in a parsed pack."""
    rules = data.get("rules") if isinstance(data, dict) else None
    for rule in rules if isinstance(rules, list) else ():
        if not isinstance(rule, dict) or rule.get("kind") not in KINDS:
            continue
        renamed = KINDS[rule["kind"]].renamed
        for key in rule:
            line = key_line(rule, key)
            if key in renamed and renamed[key] not in rule and line is not None:
                yield line, str(rule.get("id")), key, renamed[key]


# Line breaks as YAML counts them (the loader's line numbers), kept with their lines.
_LINE_END = re.compile("(?<=\r\n)|(?<=[\n\x85\u2028\u2029])|(?<=\r)(?!\n)")


def respell_text(text: str, path: str) -> tuple[str, list[Respelling]]:
    """``text`` (one pack) with old option names rewritten, and what was rewritten. Everything
    else, comments included, stays byte for byte."""
    lines = _LINE_END.split(text)
    done: list[Respelling] = []
    for line, rule_id, old, new in _old_keys(load_yaml(text, path)):
        key = re.compile(rf"(?<![\w-])([\"']?){re.escape(old)}\1(?=\s*:)")
        fixed, n = key.subn(rf"\g<1>{new}\g<1>", lines[line - 1], count=1)
        if n:
            lines[line - 1] = fixed
            done.append(Respelling(path, line, rule_id, old, new))
    return "".join(lines), done


def respell_files(paths: Iterable[Path]) -> list[Respelling]:
    """Rewrite every pack under ``paths`` that uses old spellings, in place."""
    done: list[Respelling] = []
    for f in rule_files(paths):
        if f.name == "config.yaml":
            continue
        text = f.read_bytes().decode("utf-8")
        new, changes = respell_text(text, str(f))
        if changes:
            f.write_bytes(new.encode("utf-8"))
            done.extend(changes)
    return done
