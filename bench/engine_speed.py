"""CPU cost of the rule engine per document: loading, pack selection, the chrome phase and the
whole ``Cleaner.clean``, on the first 3,000 documents of the scale corpus (make it with
``python -m bench.make_corpus``). CPU time, not wall time, so a busy machine does not skew it.

    python -m bench.engine_speed [--docs 3000] [--packs none,10,1000] [--repeat 3]

The digest line is a hash of every output line: two builds that print the same digest wrote
the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _cpu() -> float:
    return time.process_time()


def _best(repeat: int, run: Callable[[], object]) -> float:
    """Least CPU seconds of ``repeat`` runs (the others paid for something else)."""
    best = float("inf")
    for _ in range(repeat):
        start = _cpu()
        run()
        best = min(best, _cpu() - start)
    return best


def measure(packs: str, items: Sequence[Any], repeat: int) -> None:
    import cleaner.pipeline as pipeline
    from cleaner.batch import clean_item
    from cleaner.engine import ruleset
    from cleaner.pipeline import Cleaner

    paths = [ROOT / "rules"] + ([] if packs == "none" else [OUT / f"packs-{packs}"])
    wall, cpu = time.perf_counter(), _cpu()
    cleaner = Cleaner.from_paths(paths)
    load_cpu, load_wall = _cpu() - cpu, time.perf_counter() - wall
    rss_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # One pass records what the chrome phase and the selection were given, then each is timed
    # alone on the same inputs.
    chrome_calls: list[tuple[Any, list[str]]] = []
    select_calls: list[tuple[str | bytes, str | None, str | None]] = []
    real_chrome, real_select = ruleset.run_chrome, cleaner.rules.select

    def spy_chrome(groups: Any, lines: list[str], tracer: Any = None) -> Any:
        chrome_calls.append((groups, list(lines)))
        return real_chrome(groups, lines, tracer)

    def spy_select(text: str | bytes, url: str | None = None, site: str | None = None) -> Any:
        select_calls.append((text, url, site))
        return real_select(text, url, site)

    setattr(pipeline, "run_chrome", spy_chrome)  # noqa: B010 - a spy in place of the import
    cleaner.rules.select = spy_select  # type: ignore[method-assign]
    try:
        lines_out = [clean_item(cleaner, item)[1] for item in items]
    finally:
        setattr(pipeline, "run_chrome", real_chrome)  # noqa: B010
        del cleaner.rules.select
    digest = hashlib.sha256(b"".join(lines_out)).hexdigest()[:16]

    n = len(items)
    whole = _best(repeat, lambda: [cleaner.clean(item) for item in items])
    chrome = _best(repeat, lambda: [real_chrome(g, ln) for g, ln in chrome_calls])
    select = _best(repeat, lambda: [real_select(t, u, s) for t, u, s in select_calls])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rules = len(cleaner.rules.rules)
    print(
        f"packs={packs:>4} rules={rules:>6} load {load_cpu:5.2f} CPU-s ({load_wall:5.2f} s wall)"
        f" | us/doc: clean {whole / n * 1e6:7.0f}  chrome {chrome / n * 1e6:6.0f}"
        f"  select {select / n * 1e6:5.0f} | peak RSS {rss_load:4.0f} MB after load,"
        f" {rss:4.0f} MB after | digest {digest}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--packs", default="none,10,1000", help="comma list of none, 10, 1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus-220mb.jsonl")
    args = parser.parse_args(argv)

    from cleaner.io.readers import read_inputs

    items = list(itertools.islice(read_inputs([str(args.corpus)]), args.docs))
    print(f"{len(items)} documents of {args.corpus.name}")
    for packs in args.packs.split(","):
        measure(packs, items, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
