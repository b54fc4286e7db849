"""Long hypothesis runs of the suite's fuzz tests: the same targets, many more examples.

    python -m bench.fuzz [--examples N] [--only TARGET]

Prints how many examples each target ran and how long it took. The suite runs 250 per target.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import (
    fuzz_clean,
    fuzz_deep_meta,
    fuzz_jsonl,
    fuzz_rule_file,
    fuzz_warc,
    fuzz_zst,
)
from cleaner.pipeline import Cleaner
from tests.conftest import RULES
from tests.test_fuzz import (
    deep_line,
    hostile_bytes,
    hostile_text,
    jsonl_line,
    pack_yaml,
    page,
    simple_pack,
    urls,
    warc_file,
    zst_file,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=20_000, help="examples per target")
    parser.add_argument("--only", help="run one target")
    args = parser.parse_args()
    cleaner = Cleaner.from_paths([RULES])
    counts = dict.fromkeys(
        [
            "pipeline-bytes",
            "pipeline-text",
            "pipeline-html",
            "jsonl-reader",
            "rule-files",
            "zst-reader",
            "warc-tail",
            "deep-meta",
        ],
        0,
    )

    def pipeline_bytes(data: bytes, url: str | None, site: str | None) -> None:
        counts["pipeline-bytes"] += 1
        fuzz_clean(cleaner, data, url=url, site=site)

    def pipeline_text(text: str, url: str | None) -> None:
        counts["pipeline-text"] += 1
        fuzz_clean(cleaner, text, url=url)

    def pipeline_html(html: str, url: str | None) -> None:
        counts["pipeline-html"] += 1
        fuzz_clean(cleaner, html, url=url, html=True)

    def rule_files(data: str | bytes) -> None:
        counts["rule-files"] += 1
        fuzz_rule_file(data)

    def jsonl_reader(lines: list[bytes], limit: int) -> None:
        counts["jsonl-reader"] += 1
        fuzz_jsonl(cleaner, b"\n".join(lines), limit)

    def zst_reader(case: tuple[Any, ...]) -> None:
        counts["zst-reader"] += 1
        fuzz_zst(cleaner, *case)

    def warc_tail(case: tuple[Any, ...]) -> None:
        counts["warc-tail"] += 1
        fuzz_warc(*case)

    def deep_meta(line: bytes) -> None:
        counts["deep-meta"] += 1
        fuzz_deep_meta(cleaner, line)

    targets: dict[str, Any] = {
        "pipeline-bytes": given(hostile_bytes, urls, urls)(pipeline_bytes),
        "pipeline-text": given(hostile_text, urls)(pipeline_text),
        "pipeline-html": given(page, urls)(pipeline_html),
        "jsonl-reader": given(st.lists(jsonl_line, max_size=8), st.integers(8, 300))(jsonl_reader),
        "rule-files": given(st.one_of(pack_yaml, simple_pack, st.binary(max_size=300)))(rule_files),
        "zst-reader": given(zst_file)(zst_reader),
        "warc-tail": given(warc_file)(warc_tail),
        "deep-meta": given(deep_line)(deep_meta),
    }
    for name, test in targets.items():
        if args.only and name != args.only:
            continue
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
