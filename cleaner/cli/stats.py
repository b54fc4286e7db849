"""``cleaner stats``: the quality signals of a corpus, cleaned as ``run`` cleans it, and what
each threshold would drop. Writes nothing but the report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter

import orjson

from cleaner.batch import batches
from cleaner.cli.common import (
    EXIT_OK,
    Subparsers,
    check_inputs,
    cleaner_with_quality,
    keys_args,
    quality_arg,
    rules_arg,
    rules_paths,
)
from cleaner.errors import CleanerError
from cleaner.io.readers import InputMeter, JsonlKeys, Limits, expand_inputs, read_expanded
from cleaner.quality.filters import PRESETS
from cleaner.quality.stats import Collected, render
from cleaner.workers import LocalEngine

# One batch sequence, never cut into shards: stats commits nothing.
_NO_SHARDS = 1 << 62


def cmd_stats(args: argparse.Namespace) -> int:
    check_inputs(args.inputs)
    rules_paths(args)
    if not 0 <= args.target_drop < 1:
        raise CleanerError(f"--target-drop must be at least 0 and below 1, not {args.target_drop}")
    if args.workers < 0:
        raise CleanerError(f"-j must be 0 (one worker per CPU) or more, not {args.workers}")
    # Signals only: a document that fails a filter is counted, not dropped.
    cleaner = cleaner_with_quality(args, drop=False)
    if cleaner.quality is None:  # neither --quality nor the settings name any: all presets
        args.quality = ",".join(PRESETS)
        cleaner = cleaner_with_quality(args, drop=False)
    assert cleaner.quality is not None
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key)
    skipped: Counter[str] = Counter()
    expanded = list(expand_inputs(args.inputs, None, skipped))
    limits = Limits(
        cleaner.config.limits["max_article_bytes"], cleaner.config.html["max_page_bytes"]
    )
    items = read_expanded(expanded, keys, InputMeter(), limits=limits)
    collected = Collected(cleaner.quality)
    engine = LocalEngine(cleaner, args.workers or os.cpu_count() or 1, "-")
    ok = False
    try:
        for _, result in engine.map(batches(items, _NO_SHARDS)):
            for line in result.records.splitlines():
                collected.add(orjson.loads(line))
            collected.rejected += result.tally.rejected
        ok = True
    finally:
        engine.close(ok)
    report = collected.report(args.target_drop)
    if args.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(report))
    return EXIT_OK


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "stats",
        help="quality signals of a corpus: percentiles, drops per threshold, suggested "
        "thresholds; writes nothing",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders, as for run")
    rules_arg(p)
    keys_args(p)
    quality_arg(p)
    p.add_argument(
        "--target-drop",
        type=float,
        default=0.05,
        metavar="RATE",
        help="suggest, per threshold, the value that drops at most this share (default 0.05)",
    )
    p.add_argument(
        "-j",
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default 1; 0 = one per CPU); the report is the same for any N",
    )
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(func=cmd_stats)
