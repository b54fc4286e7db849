"""Where a core's time goes: pyinstrument over clean_batch on 3,000 documents of the scale
corpus, with the shipped rules and 1,000 generated site packs (make them with make_corpus).

    python -m bench.profile_scale > bench/profiles/scale-j1.txt
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from pyinstrument import Profiler

    from cleaner.io.readers import read_inputs
    from cleaner.pipeline import Cleaner
    from cleaner.run import clean_batch

    out = ROOT / "bench" / "out"
    cleaner = Cleaner.from_paths([ROOT / "rules", out / "packs-1000"])
    items = list(itertools.islice(read_inputs([str(out / "corpus-220mb.jsonl")]), 3000))
    clean_batch(cleaner, items)  # warm the caches first
    profiler = Profiler(interval=0.0005)
    profiler.start()
    clean_batch(cleaner, items)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
