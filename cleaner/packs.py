"""Where the rule packs and settings come from.

In order: the packs shipped with the package (``default``), ``./rules`` when the current folder
has one (where ``cleaner new-site`` writes), the folders a project config names (``config``:
``./cleaner.yaml``, else ``[tool.cleaner]`` in ``./pyproject.toml``), then each ``--rules DIR``.
A folder reached twice (``--rules rules`` in the checkout) is loaded once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.engine.yamlsafe import LocDict, load_yaml
from cleaner.errors import CleanerError, RuleError, RuleErrors

DEFAULT, LOCAL, CONFIG, FLAG = "default", "./rules", "config", "--rules"
PROJECT_KEYS = ("rules", "default_rules")  # beside the settings sections of config.yaml

_PACKAGE = Path(__file__).resolve().parent


def default_rules_dir() -> Path | None:
    """The packs a wheel carries (``cleaner/rules``), else the checkout's ``rules/`` beside the
    package (an editable install)."""
    for candidate in (_PACKAGE / "rules", _PACKAGE.parent / "rules"):
        if (candidate / "generic").is_dir() and (candidate / "config.yaml").is_file():
            return candidate
    return None


def is_packaged(path: Path) -> bool:
    """A file installed inside the package: never rewritten (``check-rules --fix``)."""
    return path.resolve().is_relative_to(_PACKAGE)


@dataclass(frozen=True)
class ProjectConfig:
    """``./cleaner.yaml`` or ``[tool.cleaner]``: settings sections, extra packs, defaults on/off."""

    path: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    rules: tuple[Path, ...] = ()
    default_rules: bool = True


def find_project_config(folder: Path | None = None) -> ProjectConfig:
    folder = folder or Path.cwd()
    yaml_path = folder / "cleaner.yaml"
    if yaml_path.is_file():
        data = load_yaml(yaml_path.read_bytes(), str(yaml_path)) or {}
        return _project(data, yaml_path)
    toml_path = folder / "pyproject.toml"
    if toml_path.is_file():
        try:
            doc = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RuleErrors([RuleError(f"not valid TOML: {exc}", path=str(toml_path))]) from None
        section = doc.get("tool", {}).get("cleaner")
        if section is not None:
            return _project(section, toml_path, "[tool.cleaner]")
    return ProjectConfig()


def _project(data: Any, path: Path, where: str = "") -> ProjectConfig:
    shown = f"{path} {where}".strip()
    if not isinstance(data, dict):
        raise RuleErrors([RuleError("config must be a mapping", path=shown)])

    def line(key: str) -> int | None:
        return data.key_lines.get(key) if isinstance(data, LocDict) else None

    errors: list[RuleError] = []
    rules = data.get("rules", [])
    if isinstance(rules, str):
        rules = [rules]
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        errors.append(RuleError("rules: must be a list of folders", path=shown, line=line("rules")))
        rules = []
    use_defaults = data.get("default_rules", True)
    if not isinstance(use_defaults, bool):
        errors.append(
            RuleError(
                "default_rules: must be true or false", path=shown, line=line("default_rules")
            )
        )
    if errors:
        raise RuleErrors(errors)
    settings = {k: v for k, v in data.items() if k not in PROJECT_KEYS}
    if isinstance(data, LocDict):  # keep the key lines for the settings' own errors
        kept = LocDict(settings)
        kept.line = data.line
        kept.key_lines = {k: n for k, n in data.key_lines.items() if k in settings}
        settings = kept
    # Folders named in a config are relative to it, as in every tool that reads one.
    base = path.parent
    return ProjectConfig(shown, settings, tuple(base / r for r in rules), use_defaults is not False)


@dataclass(frozen=True)
class RuleSource:
    path: Path
    origins: tuple[str, ...]


def rule_sources(
    flags: Sequence[str] | None,
    *,
    no_default: bool = False,
    project: ProjectConfig | None = None,
    folder: Path | None = None,
) -> list[RuleSource]:
    """Every pack folder or file to load, with where it came from, each real path once."""
    project = project or ProjectConfig()
    folder = folder or Path.cwd()
    wanted: list[tuple[Path, str]] = []
    if not no_default and project.default_rules:
        default = default_rules_dir()
        if default is not None:
            wanted.append((default, DEFAULT))
        if (folder / "rules").is_dir():
            wanted.append((folder / "rules", LOCAL))
    wanted.extend((p, CONFIG) for p in project.rules)
    wanted.extend((Path(p), FLAG) for p in flags or ())
    missing = [(p, o) for p, o in wanted if not p.exists()]
    if missing:
        p, o = missing[0]
        named = f" (named in {project.path})" if o == CONFIG else ""
        raise CleanerError(f"rules folder '{p}' not found{named}; pass --rules DIR")
    seen: dict[Path, int] = {}
    out: list[RuleSource] = []
    for path, origin in wanted:
        real = path.resolve()
        if real in seen:
            i = seen[real]
            if origin not in out[i].origins:
                out[i] = RuleSource(out[i].path, (*out[i].origins, origin))
            continue
        seen[real] = len(out)
        out.append(RuleSource(path, (origin,)))
    return out
