"""Schema validation: a compiled validator on the hot path, jsonschema for full messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from cleaner.record import Reason


def default_schema() -> dict[str, Any]:
    text = resources.files("cleaner").joinpath("record.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_schema(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return default_schema()
    schema: dict[str, Any] = json.loads(Path(path).read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


class Validator:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = dict(schema)
        self._fast = fastjsonschema.compile(self.schema)
        self._full = jsonschema.Draft202012Validator(self.schema)

    def problems(self, record: Mapping[str, Any]) -> list[Reason]:
        """No reasons for a valid record; otherwise one reason per schema error, with its field."""
        try:
            self._fast(record)
            return []
        except fastjsonschema.JsonSchemaException:
            pass
        reasons = []
        for err in sorted(self._full.iter_errors(record), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in err.absolute_path) or None
            reasons.append(Reason("schema", err.message, field=path))
        return reasons
