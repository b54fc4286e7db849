from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cleaner.pipeline import Cleaner

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEEDS = ROOT / "seeds"
CLEANED = ROOT / "cleaned"


def corpora_missing(folder: str = "") -> str | None:
    """Why the real corpora cannot be used here, or None when they can.

    On a developer's machine without ``shared/`` the tests that need them skip; in CI (``CI``
    set) the corpora are laid beside the clone, so their absence is a failure, not a skip that
    would let every quality check pass unseen.
    """
    from bench.corpora import corpora_dir

    where = corpora_dir() / folder
    if (where / "README.md").is_file() or (folder and where.is_dir()):
        return None
    if os.environ.get("CI"):
        pytest.fail(f"real corpora not found at {where} in CI (set CLEANER_CORPORA)")
    return f"real corpora not found at {where} (set CLEANER_CORPORA to shared/corpora)"


@pytest.fixture(scope="session")
def cleaner() -> Cleaner:
    return Cleaner.from_paths([RULES])


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` (a full disk on demand); skipped where mounting is not allowed."""
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def cli_process(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cleaner ARGS`` in a child process, as a user's pipeline would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "cleaner.cli", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        check=False,
    )


@pytest.fixture
def local_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local Ray for the test: no usage report home, never a cluster the environment names.

    Outside CI a machine without the ``ray`` extra skips; in CI it is installed, so its
    absence fails rather than letting the Ray tests pass unseen.
    """
    if not os.environ.get("CI"):
        pytest.importorskip("ray", reason="pip install -e '.[ray]' to run the Ray tests")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)


def sorted_lines(paths: Iterator[Path] | list[Path]) -> list[str]:
    """Every line of ``paths``, sorted: Ray's shards compared with one local file, as a set."""
    return sorted(line for path in paths for line in path.read_text("utf-8").splitlines())
