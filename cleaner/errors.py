"""Errors that point at their cause: file, line, rule id, what is wrong and the valid choices."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

EXIT_OK, EXIT_REJECTS, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM, a scheduler's stop

# Every status a command ends with: `--help` and the README's table are made from this.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done; also when the reader of `-o -` stops early (`head -1`): a closed pipe"),
    (
        EXIT_REJECTS,
        "rejects present under `--strict`; failing examples (`test-rules`); findings under "
        "`rules-report --strict`; a `--fail-on` condition met (`report --compare`)",
    ),
    (
        EXIT_USAGE,
        "usage, input path or rule errors: nothing was processed and nothing was written",
    ),
    (
        EXIT_STOPPED,
        "the run stopped before its end (the output could not be written, a worker died); "
        "what it committed is kept for `--resume`",
    ),
    (EXIT_INTERRUPTED, "interrupted by Ctrl-C (SIGINT); nothing half-written is left"),
    (EXIT_TERMINATED, "stopped by SIGTERM, the same way"),
)


# The name in "unknown key 'domain'", "unknown kind 'drop_lines'", "has unknown value 'x'" ...
_UNKNOWN = re.compile(r"unknown(?: [a-z ]+)? '([^']{1,100})'")


class CleanerError(Exception):
    """Base class for every error cleaner raises on purpose."""


class RuleError(CleanerError):
    """A rule pack is invalid. Raised while loading, before any article is read.

    Renders as ``path:line: rule 'id': message (valid: a, b, c)``; parts that are unknown are
    left out, so a YAML syntax error reads ``path:line: message``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        rule_id: str | None = None,
        valid: Iterable[str] | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.rule_id = rule_id
        self.valid = tuple(valid) if valid is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        who = f"rule '{self.rule_id}': " if self.rule_id else ""
        valid = f" (valid: {', '.join(self.valid)})" if self.valid else ""
        return f"{where}{who}{self.message}{valid}{self.suggestion()}"

    def suggestion(self) -> str:
        """``; did you mean 'domains'?`` for an unknown name close to a valid one (a typo)."""
        found = _UNKNOWN.search(self.message)
        if found is None or not self.valid:
            return ""
        close = difflib.get_close_matches(found.group(1), self.valid, n=1, cutoff=0.6)
        return f"; did you mean '{close[0]}'?" if close else ""


class RuleErrors(CleanerError):
    """Every problem found in a set of rule packs, reported together so one run fixes them all."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class RunStopped(CleanerError):
    """The run stopped before its end (the output could not be written, a worker died).

    It stops cleanly: nothing half-written is left, and what it committed is kept, so
    ``--resume`` finishes the run once the cause is fixed."""

    def __init__(self, cause: str, outdir: str) -> None:
        then = (
            "; the run stopped"
            if outdir == "-"
            else "; the run stopped and kept what it had committed: run it again with "
            "--resume to finish once the cause is fixed"
        )
        super().__init__(cause + then)


def require_extra(module: str, extra: str, what: str) -> None:
    """Fail with the install command when an optional dependency is missing."""
    try:
        __import__(module)
    except ImportError:
        raise CleanerError(
            f"{what} needs the '{extra}' extra: pip install 'cleaner[{extra}]'"
        ) from None
