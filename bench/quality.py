"""Quality filters: agreement with datatrove's filters, and speed, on the corpora's gold texts.

    CLEANER_CORPORA=/work/shared/corpora python -m bench.quality [--limit N] [--every K]

Runs datatrove's GopherQualityFilter, GopherRepetitionFilter, C4QualityFilter and
FineWebQualityFilter (their defaults, English tokenizer: spaCy) and cleaner's presets
``gopher``, ``c4``, ``fineweb`` (the same thresholds) on every gold text of ``ctf``, ``aeb``
and ``wcxb`` (the human-checked article texts: what a clean corpus holds), and prints, per
filter, how often the keep/drop decisions agree, and docs/s for each side (one process; each
side's filters all run on every document). Needs the datatrove extra (datatrove and spaCy).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.corpora import iter_gold_documents
from cleaner.quality.filters import QualityFilters, load_quality

# cleaner's filter id -> datatrove's class
PAIRS = {
    "gopher_quality": "GopherQualityFilter",
    "gopher_repetition": "GopherRepetitionFilter",
    "c4": "C4QualityFilter",
    "fineweb": "FineWebQualityFilter",
}


def datatrove_filters() -> dict[str, Callable[[str], bool]]:
    """Each datatrove filter as text -> keep, on a fresh Document (C4 rewrites the text)."""
    from datatrove.data import Document
    from datatrove.pipeline import filters

    out: dict[str, Callable[[str], bool]] = {}
    for ours, theirs in PAIRS.items():
        f = getattr(filters, theirs)()

        def keep(text: str, f: Any = f) -> bool:
            result = f.filter(Document(text=text, id="x"))
            return bool(result[0] if isinstance(result, tuple) else result)

        out[ours] = keep
    return out


def ours() -> QualityFilters:
    return load_quality(["gopher", "c4", "fineweb"])


@dataclass
class Agreement:
    docs: int
    agree: dict[str, int]
    kept_theirs: dict[str, int]
    kept_ours: dict[str, int]
    seconds_theirs: float
    seconds_ours: float
    disagreements: list[tuple[str, str, bool]]


def compare(texts: Sequence[tuple[str, str]]) -> Agreement:
    theirs = datatrove_filters()
    mine = ours()
    a = Agreement(
        len(texts),
        dict.fromkeys(PAIRS, 0),
        dict.fromkeys(PAIRS, 0),
        dict.fromkeys(PAIRS, 0),
        0.0,
        0.0,
        [],
    )
    for doc_id, text in texts:
        t0 = time.perf_counter()
        their_keep = {name: keep(text) for name, keep in theirs.items()}
        t1 = time.perf_counter()
        _, failed = mine.evaluate(text, None)
        t2 = time.perf_counter()
        a.seconds_theirs += t1 - t0
        a.seconds_ours += t2 - t1
        dropped = {f.id for f, _ in failed}
        for name in PAIRS:
            our_keep = name not in dropped
            a.kept_theirs[name] += their_keep[name]
            a.kept_ours[name] += our_keep
            if our_keep == their_keep[name]:
                a.agree[name] += 1
            else:
                a.disagreements.append((doc_id, name, their_keep[name]))
    return a


def gold_texts(limit: int | None = None, every: int = 1) -> list[tuple[str, str]]:
    docs = [(f"{c}/{i}", t) for c, i, t in iter_gold_documents()]
    return docs[::every][:limit]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int)
    p.add_argument("--every", type=int, default=1, help="take every K-th document")
    p.add_argument("-v", "--verbose", action="store_true", help="list the disagreements")
    args = p.parse_args(argv)
    texts = gold_texts(args.limit, args.every)
    mb = sum(len(t.encode()) for _, t in texts) / 1e6
    a = compare(texts)
    print(f"{a.docs} gold texts ({mb:.1f} MB) of ctf, aeb, wcxb")
    print("| filter | agreement | kept (datatrove) | kept (cleaner) |")
    print("|---|---|---|---|")
    for name in PAIRS:
        print(
            f"| {name} | {a.agree[name] / a.docs:.4f} ({a.agree[name]}/{a.docs}) "
            f"| {a.kept_theirs[name]} | {a.kept_ours[name]} |"
        )
    theirs, mine = a.docs / a.seconds_theirs, a.docs / a.seconds_ours
    print(
        f"speed, all four filters per document: datatrove {theirs:,.0f} docs/s, "
        f"cleaner {mine:,.0f} docs/s ({mine / theirs:.1f}x)"
    )
    if args.verbose:
        for doc_id, name, their_keep in a.disagreements:
            print(f"  {name}: {doc_id}: datatrove {'keeps' if their_keep else 'drops'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
