"""The 5 GB run: does a worker's memory stay flat and under 300 MB on a corpus far larger than
memory-resident batches? Prints figures; asserts nothing.

    python -m bench.scale_big            # 5 GB corpus (made once, ~5 GB of disk), -j 2, 1,000 packs
    python -m bench.scale_big --gb 1 -j 1

The corpus is ``bench/make_corpus``'s generator run to the requested size. The run loads the
shipped rules and 1,000 generated site packs and writes zstd shards, as a user would on a large
job. RSS is sampled every 50 ms for the main process and each worker; the figures are the peak per
process and the largest worker's RSS at each tenth of the run, which shows whether memory grows
with the input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from bench import make_corpus
from bench.scale import PYTHON, ROOT, rules_for, watch


def make_big(out: Path, gb: float) -> Path:
    path = out / f"corpus-{int(gb * 1000)}mb.jsonl"
    if path.exists():
        return path
    make_corpus.main(["--mb", str(gb * 1000), "--packs", "1000", "--out", str(out)])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=5.0)
    parser.add_argument("-j", "--workers", type=int, default=2)
    parser.add_argument("--packs", type=int, default=1000, choices=(10, 1000))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--keep", action="store_true", help="keep the corpus file afterwards")
    args = parser.parse_args(argv)
    corpus = make_big(args.out, args.gb)
    size = corpus.stat().st_size / 1e6
    target = args.out / "run-big"
    shutil.rmtree(target, ignore_errors=True)
    cmd = [str(PYTHON), "-m", "cleaner.cli", "run", str(corpus), "-o", str(target)]
    cmd += [*rules_for(args.out, args.packs), "-j", str(args.workers)]
    cmd += ["--shard-size", "50000", "--compression", "zstd"]
    env = {**os.environ, "CI": "1"}
    result = watch(cmd, env)
    summary = json.loads((target / "summary.json").read_text("utf-8"))
    timeline = result["timeline"]
    tenths = [timeline[min(len(timeline) - 1, len(timeline) * k // 10)] for k in range(1, 11)]
    print(
        f"{corpus.name}: {size:,.0f} MB, {summary['articles_read']:,} articles; "
        f"-j {args.workers}, {args.packs:,} site packs; {result['wall']:.0f} s wall, "
        f"{size / result['wall']:.1f} MB/s end to end; "
        f"written {summary['records_written']:,} + rejected {summary['rejects_written']:,} "
        f"(reconciled: {summary['reconciled']})"
    )
    print(
        f"peak RSS: main {result['rss_main_mb']:.0f} MB, workers "
        + ", ".join(f"{r:.0f}" for r in result["rss_children_mb"])
        + " MB"
    )
    print(
        "largest worker's RSS at each tenth of the run (MB): "
        + ", ".join(f"{child:.0f}" for _, _, child in tenths)
    )
    print("main process RSS at each tenth (MB): " + ", ".join(f"{m:.0f}" for _, m, _ in tenths))
    print(f"last line: {result['stderr'].strip().splitlines()[-1]}")
    shutil.rmtree(target, ignore_errors=True)
    if not args.keep:
        corpus.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
