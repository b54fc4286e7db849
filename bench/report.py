"""What ``--report`` costs and how its page opens, on real pages.

    CLEANER_CORPORA=/work/shared/corpora python -m bench.report [--limit N] [--screenshot PNG]

The corpus: WCXB's article pages and the AEB pages with their URLs (about 970 HTML pages from
about 900 sites), as one JSONL of ``{id, url, html}``. It prints:
- the run without and with ``--report`` (-j 1, CPU time, best of ``--repeat``): the difference
  is what the aggregates and the samples' windows cost, and the page's rendering;
- the sizes of report.json and report.html, and the time ``cleaner report`` takes to rebuild it;
- the page's load time in headless Chromium (median of 3), its console errors and requests;
- with plotly installed, the same four histograms as one plotly page with its script inlined
  (``include_plotlyjs=True``), its size and load time: why the report draws with matplotlib.
The figures go to ``bench/results/report.txt``; ``--screenshot`` saves the page as PNG.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.corpora import iter_aeb, iter_wcxb
from cleaner.cli import main as cli
from tests.chromium import find_chromium, load_page


def build_corpus(path: Path, limit: int | None) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        pages: list[tuple[str, str, Path]] = [
            (f"wcxb-{p.id}", p.url, p.html_path) for p in iter_wcxb()
        ]
        pages += [(f"aeb-{p.id}", p.url, p.html_path) for p in iter_aeb()]
        for pid, url, html_path in pages[:limit]:
            html = gzip.decompress(html_path.read_bytes()).decode("utf-8", "replace")
            fh.write(json.dumps({"id": pid, "url": url or None, "html": html}) + "\n")
            n += 1
    return n


def timed_run(corpus: Path, out: Path, *extra: str) -> float:
    """CPU seconds of this process (-j 1 cleans in it): a shared machine's load does not
    change them as it changes wall time."""
    start = time.process_time()
    code = cli(["run", str(corpus), "-o", str(out), "--html-key", "html", "-q", *extra])
    assert code == 0, code
    return time.process_time() - start


def plotly_page(out: Path, target: Path) -> bool:
    try:
        import plotly.graph_objects as go
    except ImportError:
        return False
    agg: dict[str, Any] = json.loads((out / "report.json").read_text("utf-8"))["aggregates"]
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    figs = [
        go.Figure([go.Bar(y=agg["length_before"]), go.Bar(y=agg["length_after"])]),
        go.Figure([go.Bar(y=agg["share_removed"])]),
        go.Figure([go.Bar(x=list(agg["years"]), y=list(agg["years"].values()))]),
        go.Figure([go.Bar(x=list(summary["languages"]), y=list(summary["languages"].values()))]),
    ]
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    target.write_text("<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>")
    return True


def load_times(page: Path, n: int = 3) -> tuple[float, list[str], list[str]]:
    times, errors, requests = [], [], []
    for _ in range(n):
        got = load_page(page)
        times.append(got.seconds)
        errors, requests = got.errors, got.requests
    return statistics.median(times), errors, requests


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, help="only the first N pages")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each kind (best is kept)")
    ap.add_argument("--screenshot", type=Path, help="save the report page as PNG here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(tmp)
        corpus = work / "pages.jsonl"
        n = build_corpus(corpus, args.limit)
        mb = corpus.stat().st_size / 1e6
        print(f"corpus: {n} pages, {mb:.1f} MB of JSONL (WCXB dev articles + AEB)")
        plain = min(timed_run(corpus, work / f"plain{i}") for i in range(args.repeat))
        with_report = min(
            timed_run(corpus, work / f"rep{i}", "--report") for i in range(args.repeat)
        )
        out = work / "rep0"
        cost = (with_report - plain) / plain * 100
        print(
            f"run -j 1, CPU time, without --report: {plain:.1f} s; with: {with_report:.1f} s "
            f"({cost:+.1f}%)"
        )
        start = time.perf_counter()
        assert cli(["report", str(out), "-q"]) == 0
        rebuild = time.perf_counter() - start
        size_json = (out / "report.json").stat().st_size / 1e3
        size_html = (out / "report.html").stat().st_size / 1e3
        print(f"report.json {size_json:.0f} kB; report.html {size_html:.0f} kB")
        print(f"cleaner report (rebuild the page from report.json): {rebuild:.2f} s")
        if find_chromium() is None:
            print("no chromium: no load times")
            return 0
        secs, errors, requests = load_times(out / "report.html")
        print(
            f"report.html in headless Chromium: loaded in {secs * 1000:.0f} ms (median of 3), "
            f"{len(errors)} console errors, {len(requests)} request(s) (the file itself)"
        )
        plotly = work / "plotly.html"
        if plotly_page(out, plotly):
            psecs, perrs, _ = load_times(plotly)
            print(
                f"same 4 histograms with plotly (script inlined): "
                f"{plotly.stat().st_size / 1e3:.0f} kB, loaded in {psecs * 1000:.0f} ms "
                f"(median of 3), {len(perrs)} console errors"
            )
        if args.screenshot:
            load_page(out / "report.html", screenshot=args.screenshot)
            print(f"screenshot: {args.screenshot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
