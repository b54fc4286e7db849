"""Option declarations and the one generic validator that checks every option of every kind.

A rule kind declares its options once, as the fields of a frozen dataclass beside its code (each
field made with ``option``); the loader, the error messages and the generated reference docs all
read that declaration, so they cannot drift, and the kind's code reads typed attributes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from cleaner.engine.yamlsafe import key_line

# Option types, named as a rule author reads them in docs and errors.
STR = "string"
INT = "integer"
BOOL = "boolean"
REGEX = "regex"
STR_OR_LIST = "string or list of strings"
LIST = "list of strings"
MAPPINGS = "list of mappings"
SELECTOR = "CSS selector"
SELECTORS = "CSS selector or list of them"
LANG_INTS = "mapping of language code to integer"
# A threshold: a number, or null for "do not check" (quality filters' published recipes leave
# some checks out, and a user turns one off the same way).
NUMBER = "number or null"

# Every integer option has a range: an integer from YAML can be any size, and one past what the
# code can hold (a read size beyond 64 bits) would fail mid-run instead of at load. Counts of
# lines, words and characters stay far below this; an option that needs more declares it.
INT_MAXIMUM = 1_000_000


@dataclass(frozen=True)
class Option:
    name: str
    type: str
    doc: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None  # for an integer, None means INT_MAXIMUM
    # Why an option that serves few sites is not folded into a general one (shown in the docs).
    reason: str | None = None


_SPEC = "cleaner.option"


def option(
    type: str,
    doc: str,
    *,
    required: bool = False,
    default: Any = None,
    choices: tuple[str, ...] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    reason: str | None = None,
) -> Any:
    """One option of a kind's options dataclass (``kw_only``): its type, doc and checks."""
    spec = Option("", type, doc, required, default, choices, minimum, maximum, reason)
    if required:
        return dataclasses.field(metadata={_SPEC: spec})
    return dataclasses.field(default=default, metadata={_SPEC: spec})


def declared(options_type: type) -> tuple[Option, ...]:
    """The declarations of an options dataclass, in field order (inherited fields first)."""
    return tuple(
        dataclasses.replace(f.metadata[_SPEC], name=f.name)
        for f in dataclasses.fields(options_type)
    )


T = TypeVar("T")


def build_options(options_type: type[T], values: Mapping[str, Any]) -> T:
    """The typed options from values ``check_options`` accepted; lists become tuples and
    mappings sorted tuples of pairs, so the options stay frozen all the way down."""
    return options_type(**{k: _frozen(v) for k, v in values.items()})


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


@dataclass(frozen=True)
class OptionProblem:
    """One thing wrong with an option, with the line it is on."""

    message: str
    line: int | None
    valid: tuple[str, ...] | None = None


def int_range(opt: Option) -> tuple[int, int]:
    """The values an integer option accepts, bounds included."""
    low = opt.minimum if opt.minimum is not None else 0
    return low, opt.maximum if opt.maximum is not None else INT_MAXIMUM


def _type_ok(opt: Option, value: Any) -> bool:
    if opt.type in (STR, REGEX, SELECTOR):
        return isinstance(value, str)
    if opt.type == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if opt.type == BOOL:
        return isinstance(value, bool)
    if opt.type == NUMBER:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
    if opt.type == LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if opt.type == MAPPINGS:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if opt.type == LANG_INTS:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in value.items()
        )
    if opt.type in (STR_OR_LIST, SELECTORS):
        return isinstance(value, str) or (
            isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
        )
    raise AssertionError(f"unknown option type {opt.type}")  # pragma: no cover


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__  # pragma: no cover


def check_options(
    options: tuple[Option, ...],
    given: Mapping[str, Any],
    *,
    reserved: frozenset[str] = frozenset(),
    one_of: tuple[tuple[str, ...], ...] = (),
) -> tuple[dict[str, Any], list[OptionProblem]]:
    """Validate ``given`` against the declarations; return the values with defaults filled in.

    ``reserved`` keys belong to the caller (id, kind, examples ...) and are skipped here.
    Each tuple in ``one_of`` names options of which exactly one must be given.
    """
    problems: list[OptionProblem] = []
    declared = {o.name: o for o in options}
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key in reserved:
            continue
        opt = declared.get(key)
        if opt is None:
            problems.append(
                OptionProblem(
                    f"unknown key '{key}'",
                    key_line(given, key),
                    tuple(sorted(set(declared) | reserved)),
                )
            )
            continue
        if not _type_ok(opt, value):
            problems.append(
                OptionProblem(
                    f"option '{key}' must be {_article(opt.type)} {opt.type}, got {_type_name(value)}",
                    key_line(given, key),
                )
            )
            continue
        if opt.choices is not None and value not in opt.choices:
            problems.append(
                OptionProblem(
                    f"option '{key}' has unknown value '{value}'", key_line(given, key), opt.choices
                )
            )
            continue
        low, high = int_range(opt)
        ints = value.values() if opt.type == LANG_INTS else [value] if opt.type == INT else []
        if any(not low <= v <= high for v in ints):
            problems.append(
                OptionProblem(
                    f"option '{key}' is out of range, got {value}",
                    key_line(given, key),
                    (f"{low} to {high}",),
                )
            )
            continue
        values[key] = value
    for opt in options:
        if opt.name not in given:
            if opt.required:
                problems.append(
                    OptionProblem(f"missing required option '{opt.name}'", key_line(given, ""))
                )
            else:
                values[opt.name] = opt.default
    for group in one_of:
        present = [name for name in group if given.get(name) is not None]
        if len(present) != 1:
            what = " and ".join(present) if present else "none"
            problems.append(
                OptionProblem(
                    f"give exactly one of {', '.join(group)}; got {what}",
                    key_line(given, ""),
                    group,
                )
            )
    return values, problems
