"""``cleaner steps``: the document pipeline, step by step, as ``STEPS`` declares it."""

from __future__ import annotations

import argparse

from cleaner.cli.common import EXIT_OK, Subparsers
from cleaner.steps.base import describe
from cleaner.steps.document import STEPS


def step_lines() -> list[str]:
    """One line per step: its name and its docstring's first line, a fixpoint's steps indented."""
    rows = describe(STEPS)
    width = max(2 * depth + len(name) for depth, name, _ in rows)
    return [f"{'  ' * depth + name:<{width}}  {doc}" for depth, name, doc in rows]


def cmd_steps(args: argparse.Namespace) -> int:
    print("\n".join(step_lines()))
    return EXIT_OK


def add_parser(sub: Subparsers) -> None:
    p_steps = sub.add_parser("steps", help="list the pipeline's steps, in the order they run")
    p_steps.set_defaults(func=cmd_steps)
