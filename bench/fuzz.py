"""Long hypothesis runs of the suite's fuzz tests: the same targets, many more examples.

    python -m bench.fuzz [--examples N]

Prints how many examples each target ran and how long it took. The suite runs 250 per target.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings

from bench.fuzz_targets import fuzz_clean, fuzz_jsonl
from cleaner.pipeline import Cleaner
from tests.conftest import RULES
from tests.test_fuzz import hostile_bytes, hostile_text, jsonl_line, urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=20_000, help="examples per target")
    args = parser.parse_args()
    cleaner = Cleaner.from_paths([RULES])
    counts: dict[str, int] = {}

    def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any) -> None:
            counts[name] = counts.get(name, 0) + 1
            fn(*a)

        return run

    from hypothesis import strategies as st

    targets: dict[str, Any] = {
        "pipeline-bytes": given(hostile_bytes, urls, urls)(
            counted("pipeline-bytes", lambda d, u, s: fuzz_clean(cleaner, d, url=u, site=s))
        ),
        "pipeline-text": given(hostile_text, urls)(
            counted("pipeline-text", lambda t, u: fuzz_clean(cleaner, t, url=u))
        ),
        "jsonl-reader": given(st.lists(jsonl_line, max_size=8), st.integers(8, 300))(
            counted("jsonl-reader", lambda ls, n: fuzz_jsonl(cleaner, b"\n".join(ls), n))
        ),
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
