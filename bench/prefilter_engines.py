"""Which engine says fastest which generic chrome rules can fire on a document: RE2 sets of
several sizes and memory budgets, RE2's FilteredRE2 (required literals), and Hyperscan when it is
installed (``pip install hyperscan``; x86-64 only). CPU time on the first 3,000 documents of the
scale corpus; nothing here is used by cleaner itself.

    python -m bench.prefilter_engines [--docs 3000] [--hyperscan]

Hyperscan is off by default: compiling the generic prefilters takes it 15-70 s.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _per_doc(docs: list[bytes], hits: Callable[[bytes], set[int]]) -> tuple[float, list[set[int]]]:
    found = [hits(d) for d in docs]  # warm the caches
    start = time.process_time()
    found = [hits(d) for d in docs]
    return (time.process_time() - start) / len(docs) * 1e6, found


def _re2_sets(sources: list[str], per_set: int, mem: int) -> Callable[[bytes], set[int]]:
    import re2

    from cleaner.engine.regex import _HEAVY

    opts = re2.Options()
    opts.log_errors = False
    opts.never_nl = True
    opts.max_mem = mem
    light = [i for i, s in enumerate(sources) if not _HEAVY.search(s)]
    heavy = [i for i, s in enumerate(sources) if _HEAVY.search(s)]
    sets = []
    for chunk in [light] + [heavy[k : k + per_set] for k in range(0, len(heavy), per_set)]:
        s = re2.Set.SearchSet(opts)
        for i in chunk:
            s.Add(sources[i])
        s.Compile()
        sets.append((s, chunk))

    def hits(data: bytes) -> set[int]:
        return {chunk[j] for s, chunk in sets for j in s.Match(data) or ()}

    return hits


def _filtered_re2(sources: list[str]) -> Callable[[bytes], set[int]]:
    import re2

    from cleaner.engine.regex import _LINE_OPTS

    f = re2.Filter()
    for s in sources:
        f.Add(s, _LINE_OPTS)
    f.Compile()
    return lambda data: set(f.Match(data, True) or ())


def _hyperscan(sources: list[str], widen: bool) -> tuple[Callable[[bytes], set[int]], float]:
    import hyperscan

    if widen:  # a superset: {m,n} -> {m,}, which Hyperscan compiles far faster
        sources = [re.sub(r"\{(\d+),\d+\}", r"{\1,}", s) for s in sources]
    flags = (
        hyperscan.HS_FLAG_UTF8
        | hyperscan.HS_FLAG_MULTILINE
        | hyperscan.HS_FLAG_SINGLEMATCH
        | hyperscan.HS_FLAG_ALLOWEMPTY
        | hyperscan.HS_FLAG_PREFILTER
    )
    db = hyperscan.Database()
    start = time.process_time()
    db.compile(
        expressions=[s.encode() for s in sources],
        ids=list(range(len(sources))),
        flags=[flags] * len(sources),
    )
    took = time.process_time() - start
    scratch = hyperscan.Scratch(db)

    def hits(data: bytes) -> set[int]:
        found: set[int] = set()

        def on_match(i: int, *_: Any) -> None:
            found.add(i)

        db.scan(data, match_event_handler=on_match, scratch=scratch)
        return found

    return hits, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--hyperscan", action="store_true")
    args = parser.parse_args(argv)

    from cleaner.engine.ruleset import RuleSet
    from cleaner.io.readers import read_inputs
    from cleaner.record import RawArticle
    from cleaner.steps.normalize import normalize_lines

    rules = RuleSet.from_paths([ROOT / "rules"])
    sources = [r.kind.prefilter for r in rules.generic.chrome_rules if r.kind.prefilter]
    corpus = ROOT / "bench" / "out" / "corpus-220mb.jsonl"
    docs = []
    for item in itertools.islice(read_inputs([str(corpus)]), args.docs):
        if isinstance(item, RawArticle):
            text = item.data if isinstance(item.data, str) else item.data.decode("utf-8", "replace")
            docs.append("\n".join(normalize_lines(text)).encode("utf-8", "surrogatepass"))
    print(f"{len(sources)} generic chrome prefilters, {len(docs)} documents")
    exact: list[set[int]] | None = None
    for per_set, mem in ((6, 8 << 20), (25, 8 << 20), (25, 32 << 20), (50, 64 << 20)):
        us, found = _per_doc(docs, _re2_sets(sources, per_set, mem))
        exact = exact or found
        print(f"RE2 sets of {per_set:2d}, max_mem {mem >> 20:2d} MB: {us:6.0f} us/doc")
    assert exact is not None
    us, found = _per_doc(docs, _filtered_re2(sources))
    extra = sum(len(f - e) for f, e in zip(found, exact, strict=True)) / len(docs)
    print(f"FilteredRE2 (required literals): {us:6.0f} us/doc, {extra:.1f} extra candidates/doc")
    if args.hyperscan:
        for widen in (False, True):
            hits, took = _hyperscan(sources, widen)
            us, found = _per_doc(docs, hits)
            missed = sum(not e <= f for f, e in zip(found, exact, strict=True))
            print(
                f"Hyperscan{' (bounded repeats widened)' if widen else ''}: {us:6.0f} us/doc, "
                f"compile {took:.1f} CPU-s, documents with a missed hit: {missed}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
