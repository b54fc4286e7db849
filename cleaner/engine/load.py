"""YAML rule packs -> validated, compiled packs. Every error is found before any article is read.

Errors read ``path:line: rule 'id': what is wrong (valid: ...)`` and all of them are reported
together, so one run of ``cleaner check-rules`` lists everything to fix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.engine.examples import Collector, Example, parse_examples
from cleaner.engine.files import rule_files
from cleaner.engine.hosts import host_suggestion, is_host_name
from cleaner.engine.kinds import KINDS, KindError, RuleKind
from cleaner.engine.options import (
    BOOL,
    LIST,
    MAPPINGS,
    STR,
    build_options,
    check_options,
    declared,
    option,
)
from cleaner.engine.regex import CompiledPool, PatternError, compile_pattern, literal_source
from cleaner.engine.spelling import respelled
from cleaner.engine.yamlsafe import (
    LocDict,
    key_line,
    line_of,
    load_yaml,
    read_rule_file,
)
from cleaner.errors import RuleError, RuleErrors

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
RULE_KEYS = ("id", "kind", "description", "examples")


@dataclass(frozen=True, kw_only=True)
class PackOptions:
    pack: str = option(STR, "Pack name, unique across all packs.", required=True)
    description: str = option(STR, "One line saying what the pack removes.", required=True)
    scope: str = option(
        STR,
        "`generic` packs apply to every article; `site` packs only to the articles their "
        "`match` block selects.",
        required=True,
        choices=("generic", "site"),
    )
    enabled: bool = option(
        BOOL, "Set to false to keep a pack on disk without loading it.", default=True
    )
    disable_generic: tuple[str, ...] | None = option(
        LIST,
        "Site packs only: generic packs or generic rule ids switched off for the articles this "
        "pack matches (`[boilerplate]` when the site's own rules know its chrome better).",
    )


@dataclass(frozen=True, kw_only=True)
class MatchOptions:
    domains: tuple[str, ...] | None = option(
        LIST,
        "Domains the pack applies to; subdomains match too (`example.com` covers "
        "`www.example.com`). Used when the input has a URL.",
    )
    fingerprints: tuple[Mapping[str, Any], ...] | None = option(
        MAPPINGS,
        "Used when the input has no URL: the pack applies if any fingerprint "
        "(`{literal: ...}` or `{pattern: ...}`) occurs in the text.",
    )


@dataclass(frozen=True, kw_only=True)
class FingerprintOptions:
    literal: str | None = option(STR, "Plain text that occurs in the site's articles.")
    pattern: str | None = option(STR, "RE2 regex searched line by line.")


PACK_OPTIONS = declared(PackOptions)
MATCH_OPTIONS = declared(MatchOptions)
FINGERPRINT_OPTIONS = declared(FingerprintOptions)


@dataclass(frozen=True)
class Rule:
    id: str
    pack: str
    kind: RuleKind
    description: str
    examples: tuple[Example, ...]
    path: str
    line: int | None

    @property
    def kind_name(self) -> str:
        return self.kind.name


@dataclass(frozen=True)
class Pack:
    name: str
    description: str
    scope: str
    rules: tuple[Rule, ...]
    path: str
    domains: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()  # RE2 sources, per line
    line: int | None = None
    disable_generic: tuple[str, ...] = ()  # generic packs or rule ids off where this matches


def load_packs(
    paths: Iterable[Path | str], normalization: str | None = "NFC", pool: CompiledPool | None = None
) -> list[Pack]:
    """Load and validate every pack; raise RuleErrors listing all problems if any.

    ``normalization``: the Unicode form the text is put in (``repair.normalization``); each
    file is put in it too, so literals, patterns and examples compare with the text as it is.
    Each pack's patterns, compiled to check them, go to ``pool`` as the pack loads (it keeps
    what its budget allows, as a run would have them), else are dropped: memory at load does
    not follow the number of packs."""
    files = rule_files(Path(p) for p in paths)
    errors = Collector()
    packs: list[Pack] = []
    for f in files:
        if f.name == "config.yaml":  # pipeline settings live beside the packs
            continue
        try:
            raw = read_rule_file(f)
        except RuleError as exc:
            errors.errors.append(exc)
            continue
        pack = _parse_file(_normalized(raw, normalization), str(f), errors)
        if pack is not None:
            packs.append(pack)
            _hand_over(pack, pool)
    _check_unique(packs, errors)
    _check_disabled(packs, errors)
    if errors.errors:
        raise RuleErrors(errors.errors)
    return packs


def _hand_over(pack: Pack, pool: CompiledPool | None) -> None:
    for rule in pack.rules:
        for compiled in rule.kind.compiled():
            if pool is None:
                compiled.release()
            else:
                compiled.adopt(pool)


def load_pack_text(text: str, path: str, others: Iterable[Pack] = ()) -> Pack:
    """Parse one pack held in memory (a draft being written), checking ids against ``others``."""
    errors = Collector()
    pack = _parse_file(text.encode("utf-8"), path, errors)
    if pack is not None:
        _check_unique([*others, pack], errors)
    if pack is None and not errors.errors:
        errors.add("the pack is disabled (enabled: false)", path, None)
    if errors.errors or pack is None:
        raise RuleErrors(errors.errors)
    return pack


def _normalized(raw: bytes, form: str | None) -> bytes:
    """A rule file's bytes in Unicode normal form ``form`` (line numbers stay: no line break is
    composed); bytes that are not UTF-8 are left for the YAML loader to report."""
    if form is None or raw.isascii():
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    return unicodedata.normalize(form, text).encode("utf-8")  # type: ignore[arg-type]


def _parse_file(raw: bytes, path: str, errors: Collector) -> Pack | None:
    try:
        data = load_yaml(raw, path)
    except RuleError as exc:
        errors.errors.append(exc)
        return None
    return _parse_pack(data, path, errors)


def _check_unique(packs: list[Pack], errors: Collector) -> None:
    names: dict[str, Pack] = {}
    ids: dict[str, Rule] = {}
    for pack in packs:
        if pack.name in names:
            first = names[pack.name]
            errors.add(
                f"duplicate pack name '{pack.name}' (also in {first.path}:{first.line})",
                pack.path,
                pack.line,
            )
        names.setdefault(pack.name, pack)
        for rule in pack.rules:
            if rule.id in ids:
                first_rule = ids[rule.id]
                errors.add(
                    f"duplicate id (also in {first_rule.path}:{first_rule.line})",
                    rule.path,
                    rule.line,
                    rule.id,
                )
            ids.setdefault(rule.id, rule)


def _check_disabled(packs: list[Pack], errors: Collector) -> None:
    """Each name a site pack switches off is a loaded generic pack or generic rule. Checked only
    when generic packs are loaded: a site pack tested on its own has nothing to check against."""
    generic = [p for p in packs if p.scope == "generic"]
    if not generic:
        return
    known = {p.name for p in generic} | {r.id for p in generic for r in p.rules}
    for pack in (p for p in packs if p.scope == "site"):
        for name in pack.disable_generic:
            if name not in known:
                errors.add(
                    f"disable_generic: no generic pack or rule '{name}'",
                    pack.path,
                    pack.line,
                    valid=sorted(p.name for p in generic),
                )


def _parse_pack(data: Any, path: str, errors: Collector) -> Pack | None:
    if not isinstance(data, dict):
        errors.add(
            "a rule file must be a mapping with keys pack, description, scope, rules",
            path,
            line_of(data, 1),
        )
        return None
    shallow = {k: v for k, v in data.items() if k not in ("rules", "match")}
    values, problems = check_options(PACK_OPTIONS, shallow, reserved=frozenset({"rules", "match"}))
    for p in problems:
        errors.add(p.message, path, p.line or line_of(data), valid=p.valid)
    if problems:
        return None
    opts = build_options(PackOptions, values)
    name = opts.pack
    if not ID_RE.match(name):
        errors.add(f"pack name '{name}' must match {ID_RE.pattern}", path, key_line(data, "pack"))
        return None
    if not opts.enabled:
        return None
    scope = opts.scope
    domains: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()
    match = data.get("match")
    if scope == "site":
        if not isinstance(match, dict):
            errors.add(
                "a site pack needs a 'match' mapping with domains and/or fingerprints",
                path,
                key_line(data, "match") if match is not None else line_of(data),
            )
            return None
        domains, fingerprints = _parse_match(match, name, path, errors)
    elif match is not None:
        errors.add(
            "'match' only applies to scope: site (generic packs apply to every article)",
            path,
            key_line(data, "match"),
        )
    if scope != "site" and opts.disable_generic is not None:
        errors.add(
            "'disable_generic' only applies to scope: site (it switches generic rules off where "
            "the site pack matches)",
            path,
            key_line(data, "disable_generic"),
        )
    raw_rules = data.get("rules")
    if raw_rules is None:
        raw_rules = []
    if not isinstance(raw_rules, list):
        errors.add("'rules' must be a list of rules", path, key_line(data, "rules"))
        return None
    rules = []
    for i, raw in enumerate(raw_rules):
        item_line = raw_rules.item_lines[i] if hasattr(raw_rules, "item_lines") else None
        rule = _parse_rule(raw, name, scope, path, item_line, errors)
        if rule is not None:
            rules.append(rule)
    return Pack(
        name,
        opts.description,
        scope,
        tuple(rules),
        path,
        domains,
        fingerprints,
        line_of(data),
        opts.disable_generic or (),
    )


def _parse_match(
    match: dict[str, Any], name: str, path: str, errors: Collector
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    domains: list[str] = []
    fingerprints: list[str] = []
    plain = LocDict((k, v) for k, v in match.items() if k != "fingerprints")
    plain.line = line_of(match, 1) or 1  # each unknown key's error names its line
    plain.key_lines = dict(getattr(match, "key_lines", {}))
    values, problems = check_options(MATCH_OPTIONS[:1], plain, reserved=frozenset({"fingerprints"}))
    for p in problems:
        errors.add(p.message, path, p.line, valid=p.valid)
    lines = getattr(match.get("domains"), "item_lines", None)
    for i, d in enumerate(build_options(MatchOptions, values).domains or ()):
        domain = d.lower().strip().removeprefix("www.")
        if is_host_name(domain):
            domains.append(domain)
            continue
        # A URL or a path here would never equal a document's host: the pack would be dead.
        hint = host_suggestion(d)
        errors.add(
            f"pack '{name}': domains[{i}]: {d!r} is not a host name"
            + (f"; did you mean {hint!r}?" if hint else " (e.g. 'example.com')"),
            path,
            lines[i] if lines is not None and i < len(lines) else key_line(match, "domains"),
        )
    raw_fps = match.get("fingerprints") or []
    if not isinstance(raw_fps, list):
        errors.add(
            "'fingerprints' must be a list of {literal: ...} or {pattern: ...}",
            path,
            key_line(match, "fingerprints"),
        )
        raw_fps = []
    for i, fp in enumerate(raw_fps):
        line = raw_fps.item_lines[i] if hasattr(raw_fps, "item_lines") else None
        if not isinstance(fp, dict):
            errors.add("a fingerprint must be a mapping", path, line, valid=("literal", "pattern"))
            continue
        fp_values, fp_problems = check_options(
            FINGERPRINT_OPTIONS, fp, one_of=(("literal", "pattern"),)
        )
        for p in fp_problems:
            errors.add(p.message, path, p.line or line, valid=p.valid)
        if fp_problems:
            continue
        fp_opts = build_options(FingerprintOptions, fp_values)
        if fp_opts.pattern is not None:
            source = fp_opts.pattern
        else:
            assert fp_opts.literal is not None  # one_of guarantees one
            source = literal_source(fp_opts.literal)
        try:
            compiled = compile_pattern(source)
        except PatternError as exc:
            errors.add(f"fingerprint pattern {exc}", path, line)
            continue
        # One that matches an empty line would pick every article without a URL, and a blank
        # literal none (rules see lines trimmed): either way the pack would not be this site's.
        what = fp_opts.pattern if fp_opts.pattern is not None else fp_opts.literal
        if compiled.search("") is not None or not (what or "").strip():
            why = "matches every article" if compiled.search("") else "is blank: matches none"
            errors.add(
                f"pack '{name}': fingerprint {what!r} {why}; give text only this site prints",
                path,
                line,
            )
            continue
        fingerprints.append(source)
    if not domains and not fingerprints:
        errors.add("'match' needs at least one domain or fingerprint", path, line_of(match))
    return tuple(domains), tuple(fingerprints)


def _parse_rule(
    raw: Any, pack: str, scope: str, path: str, line: int | None, errors: Collector
) -> Rule | None:
    if not isinstance(raw, dict):
        errors.add("a rule must be a mapping with id, kind, description, examples", path, line)
        return None
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        errors.add("rule has no 'id'", path, line)
        return None
    if not ID_RE.match(rule_id):
        errors.add(f"id must match {ID_RE.pattern}", path, key_line(raw, "id"), rule_id)
        return None
    kind_name = raw.get("kind")
    if kind_name not in KINDS:
        what = "missing 'kind'" if kind_name is None else f"unknown kind '{kind_name}'"
        errors.add(
            what,
            path,
            key_line(raw, "kind") if kind_name is not None else line,
            rule_id,
            valid=sorted(KINDS),
        )
        return None
    kind_cls = KINDS[kind_name]
    ok = True
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        errors.add("needs a one-line 'description'", path, line, rule_id)
        ok = False
    given, clashes = respelled(kind_cls, raw, path, rule_id)
    for message, clash_line in clashes:
        errors.add(message, path, clash_line or line, rule_id)
    values, problems = check_options(
        kind_cls.declared(), given, reserved=frozenset(RULE_KEYS), one_of=kind_cls.one_of
    )
    for p in problems:
        valid = p.valid
        if valid is not None and p.message.startswith("unknown key"):
            valid = tuple(sorted({*RULE_KEYS, *(o.name for o in kind_cls.declared())}))
        errors.add(p.message, path, p.line or line, rule_id, valid=valid)
    if problems or clashes:
        return None
    try:
        kind = kind_cls.from_values(values)
    except KindError as exc:
        errors.add(
            str(exc), path, key_line(raw, exc.option) if exc.option else line, rule_id, exc.valid
        )
        return None
    examples = parse_examples(raw, kind, scope, path, line, rule_id, errors)
    if examples is None or not ok or not isinstance(description, str):
        return None
    return Rule(rule_id, pack, kind, description.strip(), examples, path, line)
