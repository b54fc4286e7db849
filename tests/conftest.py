from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.pipeline import Cleaner

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEEDS = ROOT / "seeds"
CLEANED = ROOT / "cleaned"


@pytest.fixture(scope="session")
def cleaner() -> Cleaner:
    return Cleaner.from_paths([RULES])
