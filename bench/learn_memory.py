"""Peak memory of the learn-chrome state against the number of sites (issue 13 part 2).

The stage alone, as the local engine drives it: scans of batches of ``BATCH_ITEMS`` records
(sites interleaved, as a crawl comes), each saved and loaded back, merged into the run's state,
then sealed. Every site has ``--docs`` documents of about ``--chars`` characters, fewer than
``learn_min_docs``, so nothing is mined and the figure is the state's own cost. Two ways:

- ``memory``: the merged state held in memory (the Python API without a work folder, and the
  run before the spill): up to ``learn_sample`` texts for every site;
- ``spilled``: merged into ``samples.jsonl`` in a work folder (:mod:`cleaner.stages.learnspill`),
  what ``cleaner run --learn-chrome`` does.

Each configuration runs in a fresh process; the figure is its peak RSS (``ru_maxrss``) less
that of the same process before the first record (interpreter and imports).

    python -m bench.learn_memory [--sites 100 400 1600] [--docs 40] [--chars 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cleaner.batch import BATCH_ITEMS
from cleaner.stages.learn import LearnChrome

WORDS = [
    "council",
    "budget",
    "river",
    "bridge",
    "school",
    "weather",
    "market",
    "bank",
    "train",
    "city",
    "harbour",
    "museum",
]


def records(sites: int, docs: int, chars: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(1)
    for d in range(docs):
        for s in range(sites):
            words = [rng.choice(WORDS) for _ in range(chars // 7)]
            yield {"id": f"s{s}-{d}", "site": f"site{s}.example", "text": " ".join(words)}


def measure(sites: int, docs: int, chars: int, spilled: bool) -> dict[str, Any]:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stage = LearnChrome(min_docs=docs + 1, share=5, sample=200)
    with tempfile.TemporaryDirectory() as tmp:
        if spilled:
            stage.spill_to(Path(tmp))
        state: Any = stage.spilled() if spilled else stage.empty()
        batch: list[dict[str, Any]] = []
        for record in records(sites, docs, chars):
            batch.append(record)
            if len(batch) == BATCH_ITEMS:
                state.merge(stage.load(stage.scan(batch).to_bytes()))
                batch = []
        if batch:
            state.merge(stage.load(stage.scan(batch).to_bytes()))
        sealed = stage.seal(stage.load(state.to_bytes()) if spilled else state)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = (Path(tmp) / "learn" / "samples.jsonl").stat().st_size if spilled else 0
    return {
        "sites": sites,
        "documents": sites * docs,
        "sealed": len(sealed.sizes),
        "peak_mb": round((peak - base) / 1024, 1),
        "spill_mb": round(size / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, nargs="+", default=[100, 400, 1600])
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--chars", type=int, default=2000)
    ap.add_argument("--one", nargs=2, metavar=("SITES", "WAY"), help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    if args.one:  # a child process: one configuration
        sites, way = int(args.one[0]), args.one[1]
        print(json.dumps(measure(sites, args.docs, args.chars, way == "spilled")))
        return 0
    lines = [
        f"learn-chrome state, peak RSS above the interpreter's; {args.docs} documents a site of "
        f"about {args.chars} characters, batches of {BATCH_ITEMS}, learn_sample 200"
    ]
    print(lines[0], flush=True)
    for sites in args.sites:
        for way in ("memory", "spilled"):
            cmd = [sys.executable, "-m", "bench.learn_memory", "--one", str(sites), way]
            cmd += ["--docs", str(args.docs), "--chars", str(args.chars)]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
            line = (
                f"{way:<8} {sites:>5} sites ({out['documents']:>6} documents): peak "
                f"{out['peak_mb']:7.1f} MB"
                + (f", spill file {out['spill_mb']:.1f} MB" if way == "spilled" else "")
            )
            print(line, flush=True)
            lines.append(line)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
