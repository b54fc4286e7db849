"""Errors that point at their cause: file, line, rule id, what is wrong and the valid choices."""

from __future__ import annotations

from collections.abc import Iterable


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
        return f"{where}{who}{self.message}{valid}"


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
