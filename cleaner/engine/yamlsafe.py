"""Safe YAML for rule packs: plain data only, with the line of every key and item kept.

Rule packs are data written in a hurry by users, so the loader is strict where YAML is lax:
- only the core scalar, sequence and mapping tags; a tag that would construct an object is refused;
- anchors and aliases are refused outright, which also rules out "billion laughs" expansion;
- duplicate keys are an error instead of last-one-wins;
- files over ``MAX_RULE_FILE_BYTES`` are refused before parsing, and so is nesting deeper than
  ``MAX_DEPTH`` (read from the text, then checked again on the parser's events).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cleaner.engine.yamlnesting import too_deep
from cleaner.errors import RuleError
from cleaner.safe_read import read_capped

MAX_RULE_FILE_BYTES = 1 << 20
MAX_DEPTH = 32  # a pack needs about 7 levels: pack, rules, rule, examples, example, fields

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

try:  # the C parser is several times faster; its events and marks are the same
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


class LocDict(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class LocList(list[Any]):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int
    item_lines: list[int]


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", default)


def key_line(mapping: Any, key: str) -> int | None:
    lines = getattr(mapping, "key_lines", None)
    if lines is not None and key in lines:
        return int(lines[key])
    return line_of(mapping)


def read_rule_file(path: Path, what: str = "rule file") -> bytes:
    """A rule, config or schema file's bytes, read no further than the limit: the size
    ``stat()`` gives is not trusted (``/dev/zero`` says 0), and a FIFO or device is refused."""
    try:
        data = read_capped(path, MAX_RULE_FILE_BYTES)
    except OSError as exc:
        raise RuleError(f"cannot read {what}: {exc.strerror or exc}", path=str(path)) from None
    if len(data) > MAX_RULE_FILE_BYTES:  # read no further: a huge file is never loaded
        raise RuleError(
            f"{what} is more than {MAX_RULE_FILE_BYTES} bytes, over the limit of "
            f"{MAX_RULE_FILE_BYTES}",
            path=str(path),
        )
    return data


def load_yaml(text: str | bytes, path: str) -> Any:
    """Parse one YAML document into plain data (LocDict, LocList, scalars)."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_RULE_FILE_BYTES:
        raise RuleError(
            f"rule file is {size} bytes, over the limit of {MAX_RULE_FILE_BYTES}", path=path
        )
    deep_at = too_deep(text, MAX_DEPTH)
    if deep_at is not None:  # before the parser, whose own limit and words vary by version
        raise _too_deep(path, deep_at)
    loader = _Loader(text)
    try:
        _refuse_aliases(text, path)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise RuleError(f"YAML syntax error: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"YAML error: {exc}", path=path) from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _Builder(path).build(node)


def _refuse_aliases(text: str | bytes, path: str) -> None:
    # Checked on the event stream, before composing, so an expansion bomb never gets built; and
    # nesting is bounded here too, since libyaml slows down quadratically with depth and
    # building a deep tree would exhaust Python's recursion limit.
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise RuleError(
                f"YAML alias '*{event.anchor}' is not allowed in rule files "
                "(aliases allow expansion bombs); write the value out",
                path=path,
                line=line,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(path, line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _too_deep(path: str, line: int | None) -> RuleError:
    return RuleError(
        f"YAML nests deeper than {MAX_DEPTH} levels; rule files need far fewer",
        path=path,
        line=line,
    )


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
        yaml.constructor.SafeConstructor.__init__(self.constructor)

    def build(self, node: yaml.Node) -> Any:
        return _build(node, self)


def _build(node: yaml.Node, b: _Builder) -> Any:
    path = b.path
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _SCALAR_TAGS:
            raise _bad_tag(node, path, line)
        return _construct_scalar(node, b, line)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _bad_tag(node, path, line)
        seq = LocList(_build(item, b) for item in node.value)
        seq.line = line
        seq.item_lines = [item.start_mark.line + 1 for item in node.value]
        return seq
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            raise _bad_tag(node, path, line)
        mapping = LocDict()
        mapping.line = line
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key_line_no = key_node.start_mark.line + 1
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                raise RuleError(
                    "mapping keys must be plain strings (merge keys '<<' are not allowed)",
                    path=path,
                    line=key_line_no,
                )
            key = str(key_node.value)
            if key in mapping:
                raise RuleError(
                    f"duplicate key '{key}' (first at line {mapping.key_lines[key]})",
                    path=path,
                    line=key_line_no,
                )
            mapping[key] = _build(value_node, b)
            mapping.key_lines[key] = key_line_no
        return mapping
    raise RuleError(f"unsupported YAML node {type(node).__name__}", path=path, line=line)


def _bad_tag(node: yaml.Node, path: str, line: int) -> RuleError:
    return RuleError(
        f"YAML tag '{node.tag}' is not allowed: rule files hold plain data only",
        path=path,
        line=line,
        valid=("string", "number", "boolean", "null", "list", "mapping"),
    )


def _construct_scalar(node: yaml.ScalarNode, b: _Builder, line: int) -> Any:
    # The resolver already picked a core tag; construct it with SafeConstructor's semantics.
    try:
        return b.constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:  # pragma: no cover - resolvers only pick constructible tags
        raise RuleError(f"bad scalar: {exc}", path=b.path, line=line) from None
