"""What the commands share: exit codes, the rules and JSONL-key options, reading articles."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeAlias

from cleaner.errors import (
    EXIT_CODES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_STOPPED,
    EXIT_USAGE,
    CleanerError,
)
from cleaner.io.readers import JsonlKeys, read_inputs
from cleaner.io.remote import is_remote
from cleaner.packs import ProjectConfig, RuleSource, find_project_config, rule_sources
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Reject, printable

NO_GENERIC = (
    "cleaner: warning: no generic pack is loaded, so only site packs clean the text "
    "(--no-default-rules? `cleaner rules` lists what is loaded)"
)

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_REJECTS", "EXIT_STOPPED", "EXIT_USAGE"]


def exit_codes_epilog() -> str:
    """The exit codes, for every command's ``--help``."""
    return "exit codes:\n" + "\n".join(
        f"  {code:<4} {text.replace('`', '')}" for code, text in EXIT_CODES
    )


# What each command module adds its parsers to.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def project_config(args: argparse.Namespace) -> ProjectConfig:
    """``./cleaner.yaml`` or ``[tool.cleaner]`` in ``./pyproject.toml``, read once per command."""
    found = getattr(args, "_project", None)
    if found is None:
        found = find_project_config()
        args._project = found
    return found


def sources_of(args: argparse.Namespace) -> list[RuleSource]:
    return rule_sources(
        getattr(args, "rules", None),
        no_default=getattr(args, "no_default_rules", False),
        project=project_config(args),
    )


def rules_paths(args: argparse.Namespace) -> list[Path]:
    return [s.path for s in sources_of(args)]


def cleaner_of(args: argparse.Namespace, schema: str | None = None) -> Cleaner:
    """The cleaner every command uses: the packs of :func:`sources_of`, the project's settings."""
    return Cleaner.from_paths(rules_paths(args), schema, settings_of(args))


def settings_of(args: argparse.Namespace) -> tuple[tuple[Any, str], ...]:
    """The project config's settings sections, which override the packs' ``config.yaml``."""
    project = project_config(args)
    return ((project.settings, project.path),) if project.path and project.settings else ()


def rules_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rules",
        action="append",
        metavar="DIR",
        help="rule pack folder or file, added to the default packs (repeatable)",
    )
    p.add_argument(
        "--no-default-rules",
        action="store_true",
        help="leave out the packs shipped with cleaner and ./rules: only --rules and the "
        "config's rules load",
    )


def keys_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--text-key", default="text", help="JSONL field holding the text (default: text)"
    )
    p.add_argument("--id-key", default="id", help="JSONL field holding the id (default: id)")
    p.add_argument("--url-key", default="url", help="JSONL field holding the URL (default: url)")


def check_inputs(inputs: Sequence[str]) -> None:
    """A mistyped input path is a usage error, found before anything is read or written. (A
    remote URL is checked when it is listed: a missing one is a usage error there.)"""
    for item in inputs:
        if item != "-" and not is_remote(item) and not os.path.lexists(item):
            raise CleanerError(f"input '{printable(item)}' not found")


def articles(inputs: Sequence[str], args: argparse.Namespace) -> Iterator[RawArticle | Reject]:
    check_inputs(inputs)
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key)
    return read_inputs(inputs, keys)


def refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CleanerError(f"'{path}' exists; pass --force to overwrite it")


def quality_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quality",
        metavar="NAMES",
        help="quality filters, comma-separated: presets gopher, c4, fineweb, a filter id of "
        "them, or a FILE.yaml of your own (default: quality.filters in the config, none)",
    )


def cleaner_with_quality(
    args: argparse.Namespace, schema: str | None = None, drop: bool | None = None
) -> Cleaner:
    """:func:`cleaner_of`, with ``--quality`` (and ``drop``, when given) as a settings layer
    over the project's: a spawned worker builds its cleaner from the same layers, so ``-j``
    and Ray apply the same filters."""
    settings = settings_of(args)
    layer: dict[str, Any] = {}
    if args.quality:
        layer["filters"] = [n.strip() for n in args.quality.split(",") if n.strip()]
    if drop is not None:
        layer["drop"] = drop
    if layer:
        settings = (*settings, ({"quality": layer}, "--quality"))
    return Cleaner.from_paths(rules_paths(args), schema, settings)
