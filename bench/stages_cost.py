"""What a corpus stage costs: exact dedup's two passes against one plain run, and its state.

    python -m bench.stages_cost [--docs 5000] [--states 1000000]

Prints one line per figure; the figures go to ``bench/results/stages.txt``. It measures:
- a plain run and a ``--dedup exact`` run of the same corpus (-j 1, in-process, CPU time, best of 3): the
  difference is what pass 2 (read back, parse, apply, write) and the scan add; cleaning twice
  instead would add the plain run's whole cleaning time again;
- the scan alone (normalise + BLAKE2b) per document;
- the memory of an ExactState holding N distinct digests (tracemalloc), and its size on disk.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from cleaner.pipeline import Cleaner
from cleaner.run import RunOptions, run
from cleaner.stages.dedup import ExactDedup, ExactState, _tables
from cleaner.stages.passes import TwoPasses

ROOT = Path(__file__).resolve().parent.parent


def corpus(path: Path, n: int) -> int:
    """Seed articles cut into varied documents; about one in five repeats an earlier one."""
    rng = random.Random(1)
    lines = [
        ln for p in sorted((ROOT / "seeds").glob("*.txt")) for ln in p.read_text().splitlines()
    ]
    lines = [ln for ln in lines if ln.strip()]
    docs: list[str] = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if docs and rng.random() < 0.2:
                text = rng.choice(docs).upper()
            else:
                text = "\n".join(rng.choice(lines) for _ in range(rng.randrange(8, 40)))
                docs.append(text)
            fh.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
    return path.stat().st_size


PASS2: list[float] = []


def _timed_pass2(self: TwoPasses, *args: Any) -> int:
    start = time.process_time()
    try:
        return _PASS2(self, *args)
    finally:
        PASS2.append(time.process_time() - start)


_PASS2 = TwoPasses.pass2
TwoPasses.pass2 = _timed_pass2  # type: ignore[method-assign,assignment]


def timed_run(cleaner: Cleaner, src: Path, out: Path, dedup: str) -> float:
    best = float("inf")
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        start = time.process_time()
        run(cleaner, [str(src)], str(out), RunOptions(dedup=dedup))
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--states", type=int, default=1_000_000)
    args = parser.parse_args()
    cleaner = Cleaner.from_paths([ROOT / "rules"])
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        size = corpus(src, args.docs)
        plain = timed_run(cleaner, src, Path(tmp) / "plain", "none")
        dedup = timed_run(cleaner, src, Path(tmp) / "dedup", "exact")
        summary = json.loads((Path(tmp) / "dedup" / "summary.json").read_text())
        records = [json.loads(x) for x in (Path(tmp) / "plain" / "articles.jsonl").open()]
    n = args.docs
    print(
        f"corpus: {n:,} documents, {size / 1e6:.1f} MB, {summary['duplicates_written']:,} exact duplicates"
    )
    print(
        "CPU time of this one process (-j 1), best of 3: other work on the machine moves wall time"
    )
    print(f"plain run -j 1: {plain:.2f} s ({plain / n * 1e6:,.0f} us a document)")
    print(
        f"--dedup exact -j 1: {dedup:.2f} s; the two passes add {dedup - plain:.2f} s "
        f"({(dedup - plain) / n * 1e6:,.0f} us a document, +{(dedup / plain - 1) * 100:.0f}%); "
        f"of which pass 2 (read back, parse, apply, write; the best run) {min(PASS2):.2f} s "
        f"({min(PASS2) / n * 1e6:,.0f} us a document); cleaning twice would instead add the "
        f"whole cleaning again, about {plain:.2f} s"
    )
    stage = ExactDedup()
    start = time.process_time()
    for _ in range(3):
        stage.scan(records)
    scan_us = (time.process_time() - start) / 3 / len(records) * 1e6
    print(f"scan (normalise + BLAKE2b-128) per document: {scan_us:.1f} us")
    texts = [r["text"] for r in records]
    table = {**_tables()[0], **dict.fromkeys(_tables()[1])}
    start = time.process_time()
    for text in texts:
        " ".join(text.casefold().translate(table).split())
    naive_us = (time.process_time() - start) / len(texts) * 1e6
    non_ascii = sum(not t.isascii() for t in texts)
    print(
        f"normalisation by one str.translate over the whole text instead: {naive_us:.1f} us a "
        f"document ({non_ascii:,} of {len(texts):,} texts have a non-ASCII character)"
    )
    rng = random.Random(2)
    tracemalloc.start()
    state = ExactState()
    for _ in range(args.states):
        state.single.add(rng.randbytes(16))
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    disk = len(state.to_bytes())
    print(
        f"ExactState with {args.states:,} distinct digests: {used / 1e6:.0f} MB in memory "
        f"({used / args.states:.0f} bytes a document), {disk / 1e6:.1f} MB on disk"
    )


if __name__ == "__main__":
    main()
