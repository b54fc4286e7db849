"""Schema validation: a compiled validator on the hot path, jsonschema for full messages.

Every ``pattern`` and ``patternProperties`` key of the schema runs on RE2, like the rule packs'
patterns: a user's ``--schema`` with a backtracking-prone pattern (``^(a+)+$``) cannot hang a
run on a hostile URL. A pattern RE2 cannot run is refused when the schema loads.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema

from cleaner.engine.regex import PatternError, compile_search
from cleaner.engine.yamlsafe import read_rule_file
from cleaner.errors import RuleError
from cleaner.record import Reason

_search = functools.lru_cache(maxsize=256)(compile_search)

# The built-in schema's patterns as Python regexes that mean what they mean on RE2 (RE2's ``\S``
# excludes only tab, newline, form feed, carriage return and space; ``$`` is the end of the text):
# none repeats inside a repetition, so Python's engine runs them in linear time too, without the
# re2 module's cost per call (it encodes the whole string, an article's text, to UTF-8 each time).
# A user's schema with other patterns keeps RE2 (tests/test_schema_shortcut.py checks the pairs).
LINEAR_PATTERNS: dict[str, re.Pattern[str]] = {
    source: re.compile(python)
    for source, python in (
        (r"\S", r"[^\t\n\f\r ]"),
        (r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$", r"^[a-z]{2,3}(-[A-Za-z]{2,4})?\Z"),
        (r"^(trafilatura|selector:.+)$", r"^(trafilatura|selector:.+)\Z"),
        (r"^(trafilatura|selector:.+|dom:.+)$", r"^(trafilatura|selector:.+|dom:.+)\Z"),
        (
            r"^(trafilatura|resiliparse|selector:.+|dom:.+)([|^]resiliparse)?$",
            r"^(trafilatura|resiliparse|selector:.+|dom:.+)([|^]resiliparse)?\Z",
        ),
        (
            r"^(trafilatura|resiliparse|blocks|selector:.+|dom:.+)([|^]resiliparse)?$",
            r"^(trafilatura|resiliparse|blocks|selector:.+|dom:.+)([|^]resiliparse)?\Z",
        ),
        (r"^[0-9a-f]{64}$", r"^[0-9a-f]{64}\Z"),
        (
            r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}:[0-9]{2}|Z)?)?$",
            r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}:[0-9]{2}|Z)?)?\Z",
        ),
    )
}

# Values that hold data, not subschemas: a "pattern" key inside them is not a pattern.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})


def default_schema() -> dict[str, Any]:
    text = resources.files("cleaner").joinpath("record.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_schema(path: str | Path | None) -> dict[str, Any]:
    """The schema at ``path`` (the built-in one for None), checked: it is JSON, a valid
    2020-12 schema, and every pattern runs on RE2; else a RuleError naming file and place."""
    if path is None:
        return default_schema()
    where = str(path)
    data = read_rule_file(Path(path), "schema file")
    try:
        schema = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise RuleError(f"schema file is not JSON: {exc}", path=where, line=line) from None
    import jsonschema  # only for a user's schema: a run with the built-in one never loads it

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        pointer = _pointer(exc.absolute_path)
        raise RuleError(f"schema {pointer}: {exc.message}", path=where) from None
    except RecursionError:
        raise RuleError("schema nests too deeply", path=where) from None
    for pointer, pattern in schema_patterns(schema):
        try:
            compile_search(pattern)
        except PatternError as exc:
            raise RuleError(f"schema {pointer}: pattern {pattern!r} {exc}", path=where) from None
    return schema  # type: ignore[no-any-return]


def _pointer(parts: Iterator[Any] | Any) -> str:
    """A JSON Pointer (RFC 6901), '/' for the root."""
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped)


def schema_patterns(schema: Any) -> Iterator[tuple[str, str]]:
    """(JSON pointer, pattern) of every regex in a schema: ``pattern`` values and the keys of
    ``patternProperties``. Iterative, so depth costs no recursion."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((v, (*where, str(i))) for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("pattern"), str):
            yield _pointer((*where, "pattern")), node["pattern"]
        props = node.get("patternProperties")
        if isinstance(props, dict):
            for key in props:
                yield _pointer((*where, "patternProperties", key)), key
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                stack.append((value, (*where, key)))


def _re2_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    import jsonschema

    if validator.is_type(instance, "string") and not _search(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def _re2_pattern_properties(
    validator: Any, properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in properties.items():
        regex = _search(pattern)
        for key, value in instance.items():
            if regex.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _re2_additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    # As jsonschema's own, which matches patternProperties with Python's re.
    if not validator.is_type(instance, "object"):
        return
    regexes = [_search(p) for p in schema.get("patternProperties", {})]
    extras = [
        key
        for key in instance
        if key not in schema.get("properties", {}) and not any(r.search(key) for r in regexes)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        import jsonschema

        shown = ", ".join(repr(e) for e in sorted(extras))
        verb = "was" if len(extras) == 1 else "were"
        yield jsonschema.ValidationError(
            f"Additional properties are not allowed ({shown} {verb} unexpected)"
        )


@functools.cache
def _full_validator() -> Any:
    """jsonschema's validator with RE2 patterns: for the messages of a record that fails the
    compiled check. Imported then, not at start: the import is slow and most runs never need it."""
    import jsonschema
    from jsonschema import validators

    return validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator,
        {
            "pattern": _re2_pattern,
            "patternProperties": _re2_pattern_properties,
            "additionalProperties": _re2_additional_properties,
        },
    )


class Validator:
    def __init__(self, schema: Mapping[str, Any], *, shortcuts: bool = True) -> None:
        self.schema = dict(schema)
        self._fast = fastjsonschema.compile(self.schema)
        # The compiled validator searches with the patterns in its globals; swap them for RE2,
        # or for their Python twins where the pattern is one of the built-in schema's.
        compiled = self._fast.__globals__.get("REGEX_PATTERNS", {})
        for _, pattern in schema_patterns(self.schema):
            if pattern in compiled:
                twin = LINEAR_PATTERNS.get(pattern) if shortcuts else None
                compiled[pattern] = twin or _search(pattern)
        self._full: Any = None  # made on the first record the compiled check refuses

    def problems(self, record: Mapping[str, Any]) -> list[Reason]:
        """No reasons for a valid record; otherwise one reason per schema error, with its field."""
        try:
            self._fast(record)
            return []
        except fastjsonschema.JsonSchemaException:
            pass
        if self._full is None:
            self._full = _full_validator()(self.schema)
        reasons = []
        for err in sorted(self._full.iter_errors(record), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in err.absolute_path) or None
            reasons.append(Reason("schema", err.message, field=path))
        return reasons
