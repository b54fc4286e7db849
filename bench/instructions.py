"""Instructions per document of the unit of work, counted by valgrind: a before/after figure
that a busy machine does not blur (CPU time on a shared 2-core machine varies by 30%).

    python -m bench.instructions --corpus bench/out/corpus-20mb.jsonl [--rules DIR ...] [--docs 100]

``--rules`` may be given more than once: ``--rules rules --rules bench/out/packs-1000`` counts
what ``bench.throughput --packs 1000`` times (the shipped packs plus 1,000 generated site packs).

It runs this file twice under ``valgrind --tool=cachegrind --cache-sim=no``: once to load the
rules and clean ``--docs`` documents (the warm-up), once to do the same and then clean twice as
many more, all different; the difference over those is the count per document. Like
``bench/throughput.py`` it uses only the public cleaner and ``clean_batch``, so copying it into
an older checkout measures that one (run it from that checkout's root). Counts repeat to within
about 0.1% with ``PYTHONHASHSEED`` fixed (it is).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _work(corpus: str, rules: list[str], docs: int, repeat: int) -> None:
    """What runs under valgrind: load, warm up, then ``repeat`` more batches."""
    # An editable install of another checkout must not shadow the one this runs from.
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, str(Path.cwd()))
    from bench.throughput import _clean_batch
    from cleaner.io.readers import read_inputs
    from cleaner.pipeline import Cleaner

    items = list(itertools.islice(read_inputs([corpus]), docs * (1 + repeat)))
    clean_batch = _clean_batch()
    cleaner = Cleaner.from_paths([Path(r) for r in rules])
    # Each batch is new documents: a cache of lines seen (text metadata) must not make the
    # measured batches cheaper than a corpus would.
    for start in range(0, len(items), docs):
        clean_batch(cleaner, items[start : start + docs])


def _count(corpus: str, rules: list[str], docs: int, repeat: int) -> int:
    cmd = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--work",
        str(repeat),
        "--corpus",
        corpus,
        *(arg for r in rules for arg in ("--rules", r)),
        "--docs",
        str(docs),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stderr
    match = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if match is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "bench" / "out" / "corpus-20mb.jsonl"))
    parser.add_argument(
        "--rules", action="append", help="a folder of packs to load (repeatable; default rules)"
    )
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--work", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rules = args.rules or ["rules"]
    if args.work is not None:
        _work(args.corpus, rules, args.docs, args.work)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    base = _count(args.corpus, rules, args.docs, 0)
    more = _count(args.corpus, rules, args.docs, 2)
    per_doc = (more - base) / (2 * args.docs)
    print(
        f"rules={','.join(rules)} docs={args.docs}: {per_doc / 1e6:.3f} M instructions per document"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
