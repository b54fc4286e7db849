"""Quality filters as data: YAML files of named filters, loaded and checked like rule packs.

    filters:
      - id: gopher_quality          # the reject reason of a document it drops
        kind: gopher_quality        # one of cleaner.quality.families.FAMILIES
        description: ...
        min_doc_words: 50           # thresholds; any option left out takes its default
        languages:                  # per-language overrides, by ISO 639-1 code
          zh: {min_avg_word_length: 1}
        examples:
          - input: "..."
            rejects: gopher_quality # or null to keep

``gopher``, ``c4`` and ``fineweb`` (and each single filter id) name the presets shipped in
``cleaner/quality/presets``; anything else ending in ``.yaml``/``.yml`` is a file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.engine.options import build_options, check_options, declared
from cleaner.engine.yamlsafe import key_line, line_of, load_yaml, read_rule_file
from cleaner.errors import RuleError, RuleErrors
from cleaner.quality.families import FAMILIES, Family, failures
from cleaner.quality.signals import Split, language_base

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
PRESETS = {"gopher": "gopher.yaml", "c4": "c4.yaml", "fineweb": "fineweb.yaml"}
RESERVED = frozenset({"id", "kind", "description", "languages", "examples"})
# Signals are stored rounded: a record stays readable, and every decision is made on the stored
# value, so a threshold changed later decides the same way on the record as on the text.
DIGITS = 6


@dataclass(frozen=True)
class Example:
    input: str
    rejects: str | None
    lang: str | None
    line: int | None


@dataclass(frozen=True)
class QualityFilter:
    id: str
    family: Family
    options: Any
    languages: dict[str, Any]  # language -> options with its overrides applied
    description: str
    examples: tuple[Example, ...]
    path: str
    line: int | None

    def options_for(self, lang: str | None) -> Any:
        return self.languages.get(language_base(lang), self.options)

    def measure(self, split: Split, lang: str | None) -> dict[str, float]:
        values = self.family.measure(split, self.options_for(lang))
        return {k: round(v, DIGITS) if isinstance(v, float) else v for k, v in values.items()}

    def failing(self, values: dict[str, float], lang: str | None) -> dict[str, dict[str, Any]]:
        return failures(self.family, self.options_for(lang), values)


@dataclass(frozen=True)
class QualityFilters:
    """The filters a run applies, in order, and whether a failing document is dropped."""

    filters: tuple[QualityFilter, ...]
    drop: bool = True

    def evaluate(
        self, text: str, lang: str | None
    ) -> tuple[dict[str, dict[str, float]], list[tuple[QualityFilter, dict[str, Any]]]]:
        """The signals of every filter (``{id: {signal: value}}``) and the filters that fail."""
        split = Split(text, lang)
        signals: dict[str, dict[str, float]] = {}
        failed: list[tuple[QualityFilter, dict[str, Any]]] = []
        for f in self.filters:
            values = f.measure(split, lang)
            signals[f.id] = values
            bad = f.failing(values, lang)
            if bad:
                failed.append((f, bad))
        return signals, failed

    @property
    def digest(self) -> str:
        """What decides the output, for ``--resume``: each filter's resolved options."""
        text = repr([(f.id, f.options, sorted(f.languages.items())) for f in self.filters])
        return hashlib.sha256(f"{text}{self.drop}".encode()).hexdigest()[:16]


def resolve(name: str, base: Path | None = None) -> list[Path | tuple[Path, str]]:
    """Where a ``--quality`` entry comes from: a preset, one filter of a preset, or a file."""
    if name in PRESETS:
        return [PRESETS_DIR / PRESETS[name]]
    for preset in PRESETS.values():
        if name in _ids(PRESETS_DIR / preset):
            return [(PRESETS_DIR / preset, name)]
    if name.endswith((".yaml", ".yml")):
        path = Path(name)
        return [path if path.is_absolute() or base is None else base / path]
    ids = (i for p in PRESETS.values() for i in _ids(PRESETS_DIR / p))
    raise RuleError(
        f"unknown quality filter or preset '{name}'",
        valid=tuple(dict.fromkeys((*PRESETS, *ids, "FILE.yaml"))),
    )


def _ids(path: Path) -> list[str]:
    data = load_yaml(read_rule_file(path, "filter file"), str(path))
    return [f.get("id") for f in data.get("filters", [])]


def load_quality(names: list[str], drop: bool = True, base: Path | None = None) -> QualityFilters:
    """The filters ``names`` select (presets, preset filter ids, YAML files), each id once."""
    errors: list[RuleError] = []
    out: dict[str, QualityFilter] = {}
    for name in names:
        try:
            sources = resolve(name, base)
        except RuleError as exc:
            errors.append(exc)
            continue
        for source in sources:
            path, only = source if isinstance(source, tuple) else (source, None)
            for f in load_file(path, errors):
                if only is None or f.id == only:
                    out.setdefault(f.id, f)
    if errors:
        raise RuleErrors(errors)
    return QualityFilters(tuple(out.values()), drop)


def load_file(path: Path, errors: list[RuleError]) -> list[QualityFilter]:
    where = str(path)
    try:
        data = load_yaml(read_rule_file(path, "filter file"), where)
    except RuleError as exc:
        errors.append(exc)
        return []
    if not isinstance(data, dict) or not isinstance(data.get("filters"), list):
        errors.append(RuleError("a filter file holds `filters:`, a list", path=where, line=1))
        return []
    out = []
    seen: set[str] = set()
    for raw in data["filters"]:
        f = _parse(raw, where, errors)
        if f is None:
            continue
        if f.id in seen:
            errors.append(RuleError("duplicate filter id", path=where, line=f.line, rule_id=f.id))
            continue
        seen.add(f.id)
        out.append(f)
    return out


def _parse(raw: Any, path: str, errors: list[RuleError]) -> QualityFilter | None:
    line = line_of(raw)
    if not isinstance(raw, dict):
        errors.append(RuleError("a filter must be a mapping", path=path, line=line))
        return None
    fid = raw.get("id")
    if not isinstance(fid, str) or not fid:
        errors.append(RuleError("a filter needs an `id`", path=path, line=line))
        return None

    def err(message: str, at: int | None, valid: Any = None) -> None:
        errors.append(RuleError(message, path=path, line=at, rule_id=fid, valid=valid))

    family = FAMILIES.get(raw.get("kind"))  # type: ignore[arg-type]
    if family is None:
        err(f"unknown kind '{raw.get('kind')}'", key_line(raw, "kind"), tuple(FAMILIES))
        return None
    n = len(errors)
    options_decl = declared(family.Options)
    values, problems = check_options(options_decl, raw, reserved=RESERVED)
    for p in problems:
        err(p.message, p.line, p.valid)
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        err("missing `description`: say why the thresholds are what they are", line)
    languages: dict[str, Any] = {}
    overrides = raw.get("languages") or {}
    if not isinstance(overrides, dict):
        err("`languages` must map a language code to option overrides", key_line(raw, "languages"))
        overrides = {}
    for lang, given in overrides.items():
        if not isinstance(given, dict):
            err(f"languages: '{lang}' must be a mapping of options", key_line(overrides, lang))
            continue
        _, problems = check_options(options_decl, given)
        for p in problems:
            err(f"languages: {lang}: {p.message}", p.line, p.valid)
        if not problems:
            languages[str(lang)] = build_options(family.Options, {**values, **given})
    examples = _examples(raw, err)
    if len(errors) > n:
        return None
    return QualityFilter(
        fid,
        family,
        build_options(family.Options, values),
        languages,
        description.strip() if isinstance(description, str) else "",
        examples,
        path,
        line,
    )


def _examples(raw: Any, err: Any) -> tuple[Example, ...]:
    given = raw.get("examples")
    if not isinstance(given, list) or not given:
        err("a filter needs `examples`: at least one input it keeps or drops", line_of(raw))
        return ()
    out = []
    for ex in given:
        at = line_of(ex)
        if not isinstance(ex, dict) or not isinstance(ex.get("input"), str) or "rejects" not in ex:
            err("an example is a mapping with `input` and `rejects` (the id, or null)", at)
            continue
        rejects, lang = ex.get("rejects"), ex.get("lang")
        if rejects is not None and rejects != raw.get("id"):
            err(f"an example `rejects` the filter's own id '{raw.get('id')}' or null", at)
            continue
        out.append(Example(ex["input"], rejects, lang if isinstance(lang, str) else None, at))
    return tuple(out)


def run_examples(filters: QualityFilters) -> list[str]:
    """Every failing example, as ``file:line: rule 'id': ...`` (the test suite runs them all)."""
    problems = []
    for f in filters.filters:
        for ex in f.examples:
            values = f.measure(Split(ex.input, ex.lang), ex.lang)
            got = f.id if f.failing(values, ex.lang) else None
            if got != ex.rejects:
                problems.append(
                    str(
                        RuleError(
                            f"example expected {ex.rejects or 'keep'}, got {got or 'keep'} "
                            f"(signals: {values})",
                            path=f.path,
                            line=ex.line,
                            rule_id=f.id,
                        )
                    )
                )
    return problems
