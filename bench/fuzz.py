"""Long hypothesis runs of the suite's fuzz tests: the same targets, many more examples.

    python -m bench.fuzz [--examples N]

Prints how many examples each target ran and how long it took. The suite runs 250 per target.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import fuzz_clean, fuzz_jsonl
from cleaner.pipeline import Cleaner
from tests.conftest import RULES
from tests.test_fuzz import hostile_bytes, hostile_text, jsonl_line, urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=20_000, help="examples per target")
    args = parser.parse_args()
    cleaner = Cleaner.from_paths([RULES])
    counts = {"pipeline-bytes": 0, "pipeline-text": 0, "jsonl-reader": 0}

    def pipeline_bytes(data: bytes, url: str | None, site: str | None) -> None:
        counts["pipeline-bytes"] += 1
        fuzz_clean(cleaner, data, url=url, site=site)

    def pipeline_text(text: str, url: str | None) -> None:
        counts["pipeline-text"] += 1
        fuzz_clean(cleaner, text, url=url)

    def jsonl_reader(lines: list[bytes], limit: int) -> None:
        counts["jsonl-reader"] += 1
        fuzz_jsonl(cleaner, b"\n".join(lines), limit)

    targets: dict[str, Any] = {
        "pipeline-bytes": given(hostile_bytes, urls, urls)(pipeline_bytes),
        "pipeline-text": given(hostile_text, urls)(pipeline_text),
        "jsonl-reader": given(st.lists(jsonl_line, max_size=8), st.integers(8, 300))(jsonl_reader),
    }
    for name, test in targets.items():
        start = time.perf_counter()
        settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(test)()
        secs = time.perf_counter() - start
        print(f"{name}: {counts.get(name, 0):,} examples, no failure, {secs:.0f} s")


if __name__ == "__main__":
    main()
