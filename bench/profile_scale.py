"""Where a core's time goes: pyinstrument over clean_batch on 3,000 documents of the scale
corpus (make it with make_corpus), with the shipped rules alone (the configuration behind the
MB/s-per-core figure) or with 1,000 generated site packs beside them.

    python -m bench.profile_scale --packs shipped > bench/profiles/scale-j1-shipped.txt
    python -m bench.profile_scale --packs 1000 > bench/profiles/scale-j1.txt
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler

    from cleaner.batch import clean_batch
    from cleaner.io.readers import read_inputs
    from cleaner.pipeline import Cleaner

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packs", choices=("shipped", "1000"), default="1000")
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out"
    paths = [ROOT / "rules"] + ([out / "packs-1000"] if args.packs == "1000" else [])
    cleaner = Cleaner.from_paths(paths)
    items = list(itertools.islice(read_inputs([str(out / "corpus-220mb.jsonl")]), 3000))
    clean_batch(cleaner, items)  # warm the caches first
    start = time.process_time()
    clean_batch(cleaner, items)
    cpu = time.process_time() - start  # unprofiled, to set beside the profile's inflated total
    profiler = Profiler(interval=0.0005)
    profiler.start()
    clean_batch(cleaner, items)
    profiler.stop()
    print(
        f"# rules: {args.packs}; 3,000 documents; unprofiled CPU {cpu:.2f} s "
        f"({cpu / len(items) * 1e6:.0f} us a document)"
    )
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
