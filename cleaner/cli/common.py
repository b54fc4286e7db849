"""What the commands share: exit codes, the rules and JSONL-key options, reading articles."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeAlias

from cleaner.errors import CleanerError
from cleaner.io.readers import JsonlKeys, read_inputs
from cleaner.record import RawArticle, Reject

EXIT_OK, EXIT_REJECTS, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

# What each command module adds its parsers to.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def rules_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in (args.rules or ["rules"])]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise CleanerError(f"rules folder '{missing[0]}' not found; pass --rules DIR")
    return paths


def rules_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rules",
        action="append",
        metavar="DIR",
        help="rule pack folder or file (repeatable; default: ./rules)",
    )


def keys_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-key", default="text", help="JSONL field holding the text")
    p.add_argument("--id-key", default="id", help="JSONL field holding the id")
    p.add_argument("--url-key", default="url", help="JSONL field holding the URL")


def articles(inputs: Sequence[str], args: argparse.Namespace) -> Iterator[RawArticle | Reject]:
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key)
    return read_inputs(inputs, keys)


def refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CleanerError(f"'{path}' exists; pass --force to overwrite it")
