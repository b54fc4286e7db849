"""``cleaner run``: articles in, records and rejects out, on local processes or Ray."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cleaner.cli.common import (
    EXIT_OK,
    EXIT_REJECTS,
    NO_GENERIC,
    Subparsers,
    check_inputs,
    cleaner_with_quality,
    keys_args,
    project_config,
    quality_arg,
    rules_arg,
    rules_paths,
    sources_of,
)
from cleaner.errors import CleanerError, RunStopped
from cleaner.io.files import pretty_json, write_atomic
from cleaner.io.paths import check_output_location
from cleaner.io.readers import JsonlKeys
from cleaner.io.remote import is_remote
from cleaner.io.writers import COMPRESSIONS, FORMATS, OutputOptions
from cleaner.record import printable
from cleaner.report.charts import need_libraries
from cleaner.run import RunOptions, RunStats, progress_wanted, run
from cleaner.stages import DEDUP_MODES

MAX_WORKERS = 1024


def cmd_run(args: argparse.Namespace) -> int:
    check_inputs(args.inputs)  # before anything is written
    rules_paths(args)
    check_output_location(args.inputs, args.output, args.rejects, allow=args.allow_output_in_input)
    if args.summary and args.output != "-":
        raise CleanerError(
            "--summary is for -o -; with a folder the summary is OUTDIR/summary.json"
        )
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key, html=args.html_key)
    output = OutputOptions(
        shard_size=args.shard_size,
        compression=args.compression,
        format=args.format,
        rejects_path=args.rejects,
    )
    if args.report:  # before any article is touched
        if args.output == "-" or is_remote(args.output):
            raise CleanerError("--report writes OUTDIR/report.html: it needs a local output folder")
        need_libraries()
    if args.workers < 0:
        raise CleanerError(f"-j must be 0 (one worker per CPU) or more, not {args.workers}")
    if args.workers > MAX_WORKERS:  # it would start processes until the machine gives out
        raise CleanerError(f"-j must be at most {MAX_WORKERS}, not {args.workers}")
    # On Ray, 0 means one actor per CPU of the cluster, which only Ray can tell.
    workers = args.workers if args.engine == "ray" else args.workers or os.cpu_count() or 1
    options = RunOptions(
        workers=workers,
        resume=args.resume,
        progress=not args.no_progress and not args.quiet and progress_wanted(),
        keys=keys,
        output=output,
        dedup=args.dedup,
        learn_chrome=args.learn_chrome or None,
        report=args.report,
    )
    cleaner = cleaner_with_quality(args, args.schema)
    if args.verbose:
        for source in sources_of(args):
            print(
                f"cleaner: rules from {', '.join(source.origins)}: {source.path}", file=sys.stderr
            )
        if project_config(args).path:
            print(f"cleaner: settings from {project_config(args).path}", file=sys.stderr)
    if not cleaner.rules.generic_names and not args.quiet:
        print(NO_GENERIC, file=sys.stderr)
    try:
        if args.engine == "ray":
            from cleaner.ray_engine import run_ray

            stats = run_ray(cleaner, args.inputs, args.output, options)
        else:
            stats = run(cleaner, args.inputs, args.output, options)
    except BrokenPipeError:
        # The reader of -o - stopped reading (`| head -1`): what it took is what it wanted.
        quiet_stdout()
        return EXIT_OK
    except OSError as exc:
        # Inputs that cannot be read become rejects; an OSError here is the output failing.
        where = printable(exc.filename or args.output)
        raise RunStopped(f"cannot write to '{where}': {exc.strerror or exc}", args.output) from exc
    if args.summary:
        write_atomic(Path(args.summary), pretty_json(stats.tally.summary(), sort_keys=True))
    if args.report:
        from cleaner.report.page import report_state, write_report  # only with --report

        page = write_report(Path(args.output), report_state(stats.tally.report, cleaner))
        if not args.quiet:
            print(f"cleaner: report written to {page}", file=sys.stderr)
    if not args.quiet:
        print(one_line_summary(stats), file=sys.stderr)
    return EXIT_REJECTS if args.strict and stats.tally.rejected else EXIT_OK


def quiet_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush into the closed
    pipe does not print an error at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def one_line_summary(stats: RunStats) -> str:
    t = stats.tally
    reasons = ", ".join(f"{code} {n:,}" for code, n in t.reasons.most_common(3))
    secs = max(stats.seconds, 1e-9)
    mb = stats.bytes_read / 1e6
    n_skipped = sum(stats.skipped.values())
    skipped = ", ".join(f"{why} {n:,}" for why, n in stats.skipped.items())
    resumed = f"; resumed after {stats.resumed_items:,} committed" if stats.resumed_items else ""
    return (
        f"cleaner: {t.read:,} read, {t.written:,} written, {t.rejected:,} rejected"
        + (f" ({reasons})" if reasons else "")
        + (f", {t.duplicates:,} duplicates" if t.duplicates else "")
        + f"; {mb:,.1f} MB in {stats.seconds:.1f} s, {mb / secs:,.1f} MB/s"
        + f"{resumed}"
        + (f"; skipped {n_skipped:,} files ({skipped})" if n_skipped else "")
    )


def add_parser(sub: Subparsers) -> None:
    p_run = sub.add_parser(
        "run", help="clean articles into OUTDIR/articles.jsonl and rejects.jsonl"
    )
    p_run.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files or folders of them: .txt, .txt.gz, .html/.htm(.gz), .jsonl(.gz/.zst), "
        ".json, .csv, .parquet, .warc/.wet(.gz); '-' reads JSONL from standard input",
    )
    p_run.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTDIR",
        help="output folder, or '-' to write records to standard output",
    )
    rules_arg(p_run)
    p_run.add_argument(
        "--schema", metavar="FILE", help="JSON Schema replacing the built-in record schema"
    )
    p_run.add_argument(
        "--rejects",
        metavar="FILE",
        help="where rejects go (default OUTDIR/rejects.jsonl; with -o -, standard error, as "
        "JSONL only)",
    )
    p_run.add_argument(
        "--summary",
        metavar="FILE",
        help="with -o -: write the summary (summary.json's content) to FILE; standard error "
        "gets only the one-line summary",
    )
    p_run.add_argument("-q", "--quiet", action="store_true", help="no summary line, no warnings")
    p_run.add_argument(
        "-v", "--verbose", action="store_true", help="say where the packs and settings come from"
    )
    p_run.add_argument(
        "--allow-output-in-input",
        action="store_true",
        help="let OUTDIR be, or sit inside, an input folder (its output files are then skipped)",
    )
    p_run.add_argument("--strict", action="store_true", help="exit 1 when any article is rejected")
    keys_args(p_run)
    p_run.add_argument(
        "--html-key",
        metavar="KEY",
        help="JSONL field holding an HTML page; the page's article text is extracted",
    )
    scale = p_run.add_argument_group("scale")
    scale.add_argument(
        "-j",
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default 1; 0 = one per CPU; with --engine ray, cleaning actors, "
        "0 = one per CPU of the cluster); the output is the same for any N",
    )
    scale.add_argument(
        "--shard-size",
        type=int,
        metavar="N",
        help="write articles-00000.jsonl, ... each holding the outcome of N input articles, "
        "with rejects-00000.jsonl beside (default: one articles.jsonl)",
    )
    scale.add_argument(
        "--compression",
        choices=tuple(COMPRESSIONS),
        default="none",
        help="compress the output files (.gz, .zst)",
    )
    scale.add_argument(
        "--format",
        choices=FORMATS,
        default="jsonl",
        help="records as JSONL (default) or Parquet (needs the parquet extra)",
    )
    scale.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted run into the same OUTDIR, keeping its committed shards",
    )
    scale.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local processes (default) or Ray Data (needs the ray extra; RAY_ADDRESS picks "
        "the cluster)",
    )
    scale.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    p_run.add_argument(
        "--dedup",
        choices=DEDUP_MODES,
        help="exact: drop documents whose normalised text repeats an earlier one; near: "
        "whose MinHash Jaccard with another reaches corpus.dedup_threshold; into "
        "duplicates.jsonl (default: corpus.dedup in the rules' config.yaml, none)",
    )
    p_run.add_argument(
        "--learn-chrome",
        action="store_true",
        help="remove lines that recur across many documents of a site (corpus.learn_*); the "
        "learned rules go to OUTDIR/learned-rules/ for review (default: corpus.learn_chrome)",
    )
    quality_arg(p_run)
    p_run.add_argument(
        "--report",
        action="store_true",
        help="also write OUTDIR/report.html (and the report.json it is made from): what the "
        "run did, rule by rule and site by site (needs the report extra)",
    )
    p_run.set_defaults(func=cmd_run)
