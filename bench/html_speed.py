"""The HTML path's speed: cleaner's page pipeline against trafilatura's ``extract`` (its defaults).

    python -m bench.html_speed [--every N] [--rounds R] [--skip-cli] [--sizes MB ...]

Issue 14 point 4: the HTML path at most 0.75 of trafilatura's time on the same pages, process
start included, and at most 300 MB per worker on pages up to 50 MB. Three measures, CPU
seconds (``time.process_time`` in process, ``RUSAGE_CHILDREN`` for subprocesses), each pair
run alternately (ours, theirs, then theirs, ours) so a change in the machine's load falls on
both sides:

- in process, per page: ``Cleaner.clean`` on the page (charset, metadata, page type, site
  packs or trafilatura, the text packs: the whole record) against ``trafilatura.extract(page,
  url=url)``, on every Nth page of WCXB's article pages, WCXB's six other page types, AEB and
  ctf (ctf with its site named, so its packs' HTML rules run); by group and by page size;
- the command line, process start included: ``cleaner run pages.jsonl --html-key html -j 1``
  against a Python process that reads the same file and calls ``extract`` on each page;
- memory: synthetic article pages of the given sizes, each in a fresh process, peak RSS of
  a worker cleaning it (``html.max_page_bytes`` raised to let it in), beside the same
  process's RSS before the page and trafilatura's peak on the same page.

Figures go to standard output; bench/results/html-speed.txt keeps a run's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.corpora import iter_aeb, iter_ctf, iter_wcxb, read_html_bytes

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SIZES = ((30_000, "< 30 KB"), (100_000, "30-100 KB"), (300_000, "100-300 KB"), (None, ">= 300 KB"))


@dataclass(frozen=True)
class Page:
    group: str
    id: str
    data: bytes
    url: str | None
    site: str | None = None


def pages(every: int) -> Iterator[Page]:
    from bench.page_types import iter_pages

    for p in itertools.islice(iter_wcxb(), 0, None, every):
        yield Page("wcxb articles", p.id, read_html_bytes(p.html_path), p.url or None)
    for t in itertools.islice(iter_pages(("wcxb-dev-other",)), 0, None, every):
        yield Page("wcxb other types", t.id, read_html_bytes(t.html_path), t.url or None)
    for a in itertools.islice(iter_aeb(), 0, None, every):
        yield Page("aeb", a.id, read_html_bytes(a.html_path), a.url or None)
    for c in itertools.islice(iter_ctf(), 0, None, every):
        yield Page("ctf", f"{c.site}/{c.year}/{c.name}", c.html_path.read_bytes(), None, c.site)


def _cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _bucket(size: int) -> str:
    return next(name for limit, name in SIZES if limit is None or size < limit)


def _html_settings(pairs: list[str]) -> dict[str, object]:
    """``--html KEY=VALUE`` pairs: the config's ``html`` section for cleaner's side."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        out[key] = yaml.safe_load(value)
    return out


def in_process(sample: list[Page], rounds: int, html: dict[str, object] | None = None) -> None:
    import trafilatura

    from cleaner.html.charset import decode_page
    from cleaner.html.extract import HtmlOptions, needs_fallback, read_page
    from cleaner.html.profiles import TrafilaturaSettings, run_trafilatura
    from cleaner.pipeline import Cleaner
    from cleaner.record import RawArticle

    cleaner = Cleaner.from_paths([RULES], None, (({"html": html}, "--html"),) if html else ())

    def ours(p: Page) -> None:
        cleaner.clean(RawArticle(p.id, p.id, p.data, url=p.url, site=p.site, html=True))

    def theirs(p: Page) -> None:
        trafilatura.extract(p.data, url=p.url)

    gated = (html or {}).get("fallback", HtmlOptions().fallback) == "short"

    def traf(tree: Any, url: str | None, visible: int) -> None:
        # as cleaner calls it: with html.fallback short, the fast run first, then the full
        # run where its text is short (cleaner.html.extract._trafilatura)
        if gated:
            text = run_trafilatura(tree, url, TrafilaturaSettings(), fast=True)
            if not needs_fallback(text, visible):
                return
        run_trafilatura(tree, url, TrafilaturaSettings())

    def floor(p: Page) -> None:
        # trafilatura alone as cleaner calls it (its settings, on cleaner's parse, which is
        # left out): what the HTML path would cost if all of cleaner's own work were free.
        page = read_page(decode_page(p.data).text or "", p.url)
        tree = page.tree
        if tree is not None:
            spent = _cpu(lambda: traf(tree, p.url, page.visible))
            secs[("floor", p.group)][0] += spent
            secs[("floor", "all pages")][0] += spent

    for p in sample[:5]:  # warm: lazy imports, the models, the compiled patterns
        ours(p)
        theirs(p)
    secs: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in range(rounds):
        for p in sample:
            pair = (ours, theirs) if r % 2 == 0 else (theirs, ours)
            for fn in pair:
                spent = _cpu(lambda fn=fn, p=p: fn(p))  # type: ignore[misc]
                side = 0 if fn is ours else 1
                secs[("group", p.group)][side] += spent
                secs[("size", _bucket(len(p.data)))][side] += spent
                secs[("all", "all pages")][side] += spent
            floor(p)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for p in sample:
        count[("group", p.group)] += 1
        count[("size", _bucket(len(p.data)))] += 1
        count[("all", "all pages")] += 1
    print(f"\n== in process: CPU seconds per page (mean of {rounds} alternate rounds)")
    print(f"{'pages':22} {'n':>5} {'cleaner':>9} {'trafilatura':>12} {'ratio':>7}")
    order = [("group", g) for g in dict.fromkeys(p.group for p in sample)]
    order += [("size", name) for _, name in SIZES] + [("all", "all pages")]
    for key in order:
        if key not in secs:
            continue
        n = count[key] * rounds
        a, b = secs[key]
        print(f"{key[1]:22} {count[key]:5} {a / n:9.4f} {b / n:12.4f} {a / b:7.3f}")
    print("trafilatura as cleaner calls it (tree given, comments off), against its defaults:")
    for key in [("floor", g) for g in dict.fromkeys(p.group for p in sample)]:
        a = secs[key][0]
        b = secs[("group", key[1])][1]
        print(f"{key[1]:22} {count[('group', key[1])]:5} {'':9} {'':12} {a / b:7.3f}")
    print(
        f"{'all pages':22} {len(sample):5} {'':9} {'':12} "
        f"{secs[('floor', 'all pages')][0] / secs[('all', 'all pages')][1]:7.3f}"
    )


_THEIRS_CLI = """
import json, sys, trafilatura
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        row = json.loads(line)
        text = trafilatura.extract(row["html"], url=row.get("url"))
        out.write(json.dumps({"id": row["id"], "text": text}, ensure_ascii=False) + "\\n")
"""


def _child_cpu(cmd: list[str], cwd: Path = ROOT) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _byte_compile_cleaner() -> str:
    """Compile the cleaner package this run imports, as ``pip install`` does: without its
    .pyc files (an editable install under PYTHONDONTWRITEBYTECODE) every start compiles each
    module again, while trafilatura's come compiled from pip."""
    where = subprocess.run(
        [sys.executable, "-c", "import cleaner, os; print(os.path.dirname(cleaner.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=True)
    return where


def command_line(
    sample: list[Page], rounds: int, settings: dict[str, object] | None = None
) -> None:
    bin_dir = Path(sys.executable).parent
    print(f"\n(cleaner's modules byte-compiled first: {_byte_compile_cleaner()})")
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "pages.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for p in sample:
                html = p.data.decode("utf-8", "replace")
                out.write(json.dumps({"id": p.id, "url": p.url, "html": html}) + "\n")
        ours = [str(bin_dir / "cleaner"), "run", str(jsonl), "--html-key", "html", "-j", "1"]
        ours += ["-o", str(Path(tmp) / "out"), "-q", "--no-progress"]
        where = ROOT
        if settings:  # the settings in ./cleaner.yaml of a folder of their own, the packs named
            where = Path(tmp) / "cwd"
            where.mkdir()
            (where / "cleaner.yaml").write_text(yaml.safe_dump({"html": settings}), "utf-8")
            ours += ["--rules", str(RULES)]
        theirs = [sys.executable, "-c", _THEIRS_CLI, str(jsonl), str(Path(tmp) / "theirs.jsonl")]
        start_ours = [str(bin_dir / "cleaner"), "--version"]
        start_theirs = [sys.executable, "-c", "import trafilatura"]
        spent = [0.0, 0.0]
        started = [0.0, 0.0]
        for r in range(rounds):
            for side in (0, 1) if r % 2 == 0 else (1, 0):
                spent[side] += _child_cpu((ours, theirs)[side], where)
                started[side] += _child_cpu((start_ours, start_theirs)[side])
    print(f"\n== command line, process start included: {len(sample)} pages, CPU seconds")
    print(
        f"cleaner run -j 1      {spent[0] / rounds:8.2f}   (start alone, cleaner --version: "
        f"{started[0] / rounds:.2f})"
    )
    print(
        f"python + trafilatura  {spent[1] / rounds:8.2f}   (start alone, import trafilatura: "
        f"{started[1] / rounds:.2f})"
    )
    print(f"ratio                 {spent[0] / spent[1]:8.3f}")


_WORDS = (
    "council", "budget", "school", "road", "river", "market", "energy", "health", "report",
    "water", "city", "county", "board", "plan", "vote", "tax", "family", "street", "police",
    "court", "season", "team", "player", "game", "science", "study", "climate", "museum",
    "music", "film", "book", "history", "village", "farm", "price", "bank", "company",
)  # fmt: skip


def _blob(rng: random.Random, size: int, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(256)) * (size // 256)


def bulk_page(megabytes: float, seed: int = 0) -> str:
    """A news article page of about ``megabytes`` whose bulk is what big pages carry in real
    crawls: framework state as inline JSON, bundled scripts, styles, base64 images and
    commented-out markup, around a story of 60 paragraphs (deterministic)."""
    rng = random.Random(seed)
    story = "".join(
        f"<p>{' '.join(rng.choice(_WORDS) for _ in range(rng.randint(40, 120))).capitalize()}.</p>\n"
        for _ in range(60)
    )
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    bulk = [
        lambda: (
            '<script id="__NEXT_DATA__" type="application/json">{"props":"'
            + _blob(rng, 200_000, "abcdefghij0123456789,:{}[]")
            + '"}</script>'
        ),
        lambda: "<script>var a=1;" + _blob(rng, 100_000, "abcdefgh();=.{} ") + "</script>",
        lambda: "<style>.x{color:red}" + _blob(rng, 50_000, "abcdef{}:;.# ") + "</style>",
        lambda: '<img alt="" src="data:image/png;base64,' + _blob(rng, 100_000, b64) + '">',
        lambda: "<!-- <div class=old>" + _blob(rng, 20_000, "<>/abcdef ") + " -->",
    ]
    head = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A long report - '
        'Example News</title><meta property="og:type" content="article"><meta '
        'property="article:published_time" content="2024-05-10T08:00:00Z"></head><body>'
        '<article class="story"><h1>A long report</h1><p class="byline">By A. Writer</p>'
        + story
        + "</article>"
    )
    parts = [head]
    size = len(head)
    target = int(megabytes * 1_000_000)
    while size < target:
        piece = bulk[len(parts) % len(bulk)]()
        parts.append(piece)
        size += len(piece)
    parts.append("<footer>Copyright Example News</footer></body></html>")
    return "".join(parts)


def synthetic_page(megabytes: float, seed: int = 0) -> str:
    """A news article page of about ``megabytes``: head metadata, navigation, a long story of
    paragraphs, a sidebar of links and a footer (deterministic)."""
    rng = random.Random(seed)
    head = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A long report - '
        'Example News</title><meta property="og:type" content="article"><meta '
        'property="article:published_time" content="2024-05-10T08:00:00Z"></head><body>'
        '<nav class="menu">'
        + "".join(f'<a href="/s/{i}">Section {i}</a>' for i in range(30))
        + '</nav><article class="story"><h1>A long report</h1><p class="byline">By A. Writer</p>'
    )
    tail = (
        '</article><aside class="related">'
        + "".join(f'<a href="/r/{i}">Related story {i}</a>' for i in range(40))
        + "</aside><footer>Copyright Example News</footer></body></html>"
    )
    parts = [head]
    size = len(head) + len(tail)
    target = int(megabytes * 1_000_000)
    while size < target:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(40, 120)))
        para = f"<p>{words.capitalize()}.</p>\n"
        parts.append(para)
        size += len(para)
    parts.append(tail)
    return "".join(parts)


def _rss_mb() -> float:
    """This process's peak RSS. Linux's ru_maxrss survives exec (a child spawned by a parent
    holding a 50 MB page started at the parent's peak); VmHWM is the new program's own."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def one_page(path: str, who: str) -> None:
    """Child process: clean (or extract) one page; print CPU seconds and RSS as JSON."""
    data = Path(path).read_bytes()
    if who == "cleaner":
        from cleaner.pipeline import Cleaner
        from cleaner.record import RawArticle, Record

        settings = [({"html": {"max_page_bytes": len(data) + 1_000_000}}, "bench.html_speed")]
        cleaner = Cleaner.from_paths([RULES], settings=settings)
        cleaner.clean(RawArticle("warm", "warm", b"<p>warm up</p>", html=True))
        before = _rss_mb()
        start = time.process_time()
        result = cleaner.clean(RawArticle("big", "big", data, html=True)).result
        chars = len(result.text) if isinstance(result, Record) else -1
    else:
        import trafilatura
        from trafilatura.settings import use_config

        config = use_config()
        config.set("DEFAULT", "MAX_FILE_SIZE", str(len(data) + 1_000_000))
        trafilatura.extract(b"<p>warm up</p>")
        before = _rss_mb()
        start = time.process_time()
        text = trafilatura.extract(data, config=config)
        chars = len(text) if text else -1
    cpu = time.process_time() - start
    print(json.dumps({"cpu": cpu, "rss_before": before, "rss_peak": _rss_mb(), "chars": chars}))


PAGE_KINDS = {"text": synthetic_page, "bulk": bulk_page}


def memory(sizes: list[float], who: list[str], kinds: list[str]) -> None:
    print("\n== memory: one synthetic article page per fresh process (peak RSS, MB)")
    print("(text: a story of paragraphs all through; bulk: a 60-paragraph story in inline")
    print(" JSON, scripts, styles, base64 images and comments)")
    print(
        f"{'page':>8} {'kind':5} {'extractor':12} {'RSS before':>10} {'peak':>8} {'CPU s':>8} "
        f"{'text chars':>11}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for kind, mb, name in itertools.product(kinds, sizes, who):
            path = Path(tmp) / f"page-{kind}-{mb}.html"
            if not path.exists():
                path.write_text(PAGE_KINDS[kind](mb), encoding="utf-8")
            cmd = [sys.executable, "-m", "bench.html_speed", "--one-page", str(path), name]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
            got = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{path.stat().st_size / 1e6:6.1f}MB {kind:5} {name:12} {got['rss_before']:10.0f} "
                f"{got['rss_peak']:8.0f} {got['cpu']:8.1f} {got['chars']:11}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=10, help="every Nth page of each corpus")
    parser.add_argument("--rounds", type=int, default=2, help="alternate rounds (even: fair)")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--sizes", type=float, nargs="*", default=[5, 20, 50], help="MB")
    parser.add_argument("--memory-of", nargs="*", default=["cleaner", "trafilatura"])
    parser.add_argument("--kinds", nargs="*", default=list(PAGE_KINDS), choices=list(PAGE_KINDS))
    parser.add_argument(
        "--html", nargs="*", default=[], metavar="KEY=VALUE", help="cleaner's html settings"
    )
    parser.add_argument("--one-page", nargs=2, metavar=("PATH", "WHO"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_page:
        one_page(*args.one_page)
        return 0
    if args.skip_in_process and args.skip_cli:
        memory(args.sizes, args.memory_of, args.kinds)
        return 0
    sample = list(pages(args.every))
    print(
        f"{len(sample)} pages ({sum(len(p.data) for p in sample) / 1e6:.1f} MB), every "
        f"{args.every}th of wcxb-dev, wcxb-dev-other, aeb, ctf; pid {os.getpid()}"
    )
    if not args.skip_in_process:
        in_process(sample, args.rounds, _html_settings(args.html))
    if not args.skip_cli:
        command_line(sample, args.rounds, _html_settings(args.html))
    if args.sizes:
        memory(args.sizes, args.memory_of, args.kinds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
