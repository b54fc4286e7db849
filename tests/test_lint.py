"""Strict ruff and mypy are part of the suite, so style and types stay green on main."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ruff", "check", "cleaner", "tests", "bench"],
        [sys.executable, "-m", "ruff", "format", "--check", "cleaner", "tests", "bench"],
        [sys.executable, "-m", "mypy"],
    ],
    ids=["ruff", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: list[str]) -> None:
    if importlib.util.find_spec(command[2]) is None:
        pytest.skip(f"{command[2]} is not installed (pip install -e '.[dev]')")
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
