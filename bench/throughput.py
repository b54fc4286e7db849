"""Cleaning throughput in one process: MB per CPU-second of the unit of work, before and after.

CPU time, not wall time, and the best of a few runs, so a busy machine skews it less. It uses
only the public cleaner and ``clean_batch``, so the same script measures an older checkout too
(run it from that checkout's root with this file copied in):

    python -m bench.make_corpus --mb 20 --packs 10 1000 --out bench/out
    python -m bench.throughput --corpus bench/out/corpus-20mb.jsonl --packs none,1000

The digest is a hash of every output line: two builds that print it wrote the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _clean_batch() -> Any:
    try:
        from cleaner.batch import clean_batch
    except ImportError:  # checkouts before the unit of work had its own module
        from cleaner.run import clean_batch  # type: ignore[attr-defined,no-redef]
    return clean_batch


def measure(corpus: Path, packs: str, docs: int, repeat: int, rules: Path = ROOT / "rules") -> str:
    from cleaner.io.readers import read_inputs
    from cleaner.pipeline import Cleaner

    clean_batch = _clean_batch()
    items = list(itertools.islice(read_inputs([str(corpus)]), docs))
    size = sum(len(i.data) for i in items if hasattr(i, "data")) / 1e6
    paths = [rules] + ([] if packs == "none" else [corpus.parent / f"packs-{packs}"])
    cleaner = Cleaner.from_paths(paths)
    first = clean_batch(cleaner, items)  # warms the caches; its bytes give the digest
    digest = hashlib.sha256(first.records + first.rejects).hexdigest()[:16]
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        clean_batch(cleaner, items)
        best = min(best, time.process_time() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"packs={packs:>4} docs={len(items)} {size:.1f} MB: {size / best:5.2f} MB per CPU-second,"
        f" {best / len(items) * 1e6:5.0f} us/doc, peak RSS {rss:.0f} MB, digest {digest}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus-20mb.jsonl")
    parser.add_argument("--packs", default="none,1000", help="comma list of none, 10, 1000")
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="the packs to load")
    args = parser.parse_args(argv)
    for packs in args.packs.split(","):
        print(measure(args.corpus, packs, args.docs, args.repeat, args.rules), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
