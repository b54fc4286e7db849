"""The scale benchmark: throughput, speed-up, memory and pack scaling, side by side with peers.

Prints figures; asserts nothing. Inputs come from ``bench/make_corpus.py`` (made if missing).

    python -m bench.scale                 # 220 MB corpus, everything
    python -m bench.scale --mb 60 --skip-ray --skip-peers

Figures: MB/s per core and docs/s with -j 1; the speed-up with -j 2; peak RSS per process; the
slowdown from 10 loaded site packs to 1,000; the same with Ray; the orjson read+write floor;
datatrove's nearest equivalent pipeline (from ``.venv-peers``); Data-Juicer if it imports.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench import make_corpus

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
PEERS = ROOT / ".venv-peers" / "bin" / "python"
SUMMARY = re.compile(r"; ([\d,.]+) MB in ([\d.]+) s")


def rules_for(out: Path, n_packs: int) -> list[str]:
    """The shipped rules, the generic stand-in when no generic packs ship, and n site packs."""
    rules = ["--rules", str(ROOT / "rules")]
    if not (ROOT / "rules" / "generic").is_dir():
        rules += ["--rules", str(out / "reference-generic")]
    return [*rules, "--rules", str(out / f"packs-{n_packs}")]


def watch(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; sample the RSS of it and its children every 50 ms; time it."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak: dict[int, int] = {}
    title: dict[int, str] = {}  # what each process called itself last (Ray names its workers)
    cpu_of: dict[int, float] = {}
    timeline: list[tuple[float, float, float]] = []  # (seconds, main MB, largest child MB)
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        now: dict[int, int] = {}
        try:
            for p in [root, *root.children(recursive=True)]:
                rss = now[p.pid] = p.memory_info().rss
                peak[p.pid] = max(peak.get(p.pid, 0), rss)
                times = p.cpu_times()
                cpu_of[p.pid] = times.user + times.system
                if p.pid != proc.pid:
                    title[p.pid] = " ".join(p.cmdline())[:80] or p.name()
        except psutil.Error:
            pass
        elapsed = time.perf_counter() - start
        if not timeline or elapsed - timeline[-1][0] >= 1.0:
            children = [v for k, v in now.items() if k != proc.pid]
            timeline.append((elapsed, now.get(proc.pid, 0) / 1e6, max(children, default=0) / 1e6))
        time.sleep(0.05)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    main_rss = peak.pop(proc.pid, 0)
    return {
        "wall": wall,
        "cpu": cpu,
        "stdout": out,
        "stderr": err,
        "rss_main_mb": main_rss / 1e6,
        "rss_children_mb": sorted((v / 1e6 for v in peak.values()), reverse=True),
        "cpu_by_title": sorted(((c, title.get(k, "?")) for k, c in cpu_of.items()), reverse=True),
        "rss_children_by_title": sorted(
            ((v / 1e6, title.get(k, "?")) for k, v in peak.items()), reverse=True
        ),
        "cpu_all": sum(cpu_of.values()),  # every process seen, Ray's too (not all are children)
        "cpu_main": cpu_of.pop(proc.pid, 0.0),
        "cpu_busiest_child": max(cpu_of.values(), default=0.0),
        "timeline": timeline,
    }


def cleaner_run(corpus: Path, out: Path, n_packs: int, workers: int, *extra: str) -> dict[str, Any]:
    target = out / f"run-{n_packs}-j{workers}{'-' + extra[-1] if extra else ''}"
    shutil.rmtree(target, ignore_errors=True)
    cmd = [str(PYTHON), "-m", "cleaner.cli", "run", str(corpus), "-o", str(target)]
    cmd += [*rules_for(out, n_packs), "-j", str(workers), *extra]
    env = {**os.environ, "CI": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    result = watch(cmd, env)
    line = result["stderr"].strip().splitlines()[-1]
    m = SUMMARY.search(line)
    assert m, line
    mb, secs = float(m.group(1).replace(",", "")), float(m.group(2))
    summary = json.loads((target / "summary.json").read_text("utf-8"))
    result.update(
        cpu_mbps=mb / max(result["cpu"] - load_cpu(out, n_packs), 1e-9),
        line=line,
        mb=mb,
        secs=secs,
        docs=summary["articles_read"],
        mbps=mb / secs,
        docsps=summary["articles_read"] / secs,
        e2e_mbps=mb / result["wall"],
        startup=result["wall"] - secs,
    )
    shutil.rmtree(target, ignore_errors=True)
    return result


_LOAD_CPU: dict[int, float] = {}


def load_cpu(out: Path, n_packs: int) -> float:
    """CPU seconds to start and load the rules (check-rules), to leave out of per-core MB/s."""
    if n_packs not in _LOAD_CPU:
        cmd = [str(PYTHON), "-m", "cleaner.cli", "check-rules", *rules_for(out, n_packs)]
        _LOAD_CPU[n_packs] = watch(cmd)["cpu"]
    return _LOAD_CPU[n_packs]


def idle_speedup(j1: dict[str, Any], j2: dict[str, Any], load: float) -> float:
    """The best -j 2 speed-up its CPU time allows where nothing else runs: -j 1's work over the
    longer of the busiest process and all of -j 2's work spread over the machine's cores (the
    main process shares them with the workers; loading the rules happens once, before the
    fork, so it is left out of both)."""
    cores = os.cpu_count() or 1
    busiest = max(j2["cpu_busiest_child"], j2["cpu_main"] - load, (j2["cpu"] - load) / cores)
    return float(j1["cpu"] - load) / max(float(busiest), 1e-9)


def packs_ab(corpus: Path, out: Path, n_docs: int = 4000, rounds: int = 3) -> dict[str, float]:
    """MB per CPU-second of clean_batch in this process, 10 vs 1,000 site packs loaded, best of
    ``rounds`` interleaved runs: the steadiest figure on a busy machine.

    ``same-work``: only documents whose site packs exist in both (no generated site, or sites
    0-9), so both do the same rule work and the difference is what loading 990 more packs costs
    a document. ``all``: every document; there the 1,000 packs also clean the generated sites'
    documents, which the 10 packs leave alone, so it is more work as well as more packs."""
    import itertools

    from cleaner.batch import clean_batch
    from cleaner.io.readers import read_inputs
    from cleaner.pipeline import Cleaner
    from cleaner.record import RawArticle

    items = [
        i for i in itertools.islice(read_inputs([str(corpus)]), n_docs) if isinstance(i, RawArticle)
    ]
    same = [i for i in items if not i.url or ".example/" not in i.url or "site000" in i.url]
    cleaners = {n: Cleaner.from_paths(rules_for(out, n)[1::2]) for n in (10, 1000)}
    figures: dict[str, float] = {}
    for label, docs in (("same-work", same), ("all", items)):
        mb = sum(len(i.data) for i in docs) / 1e6  # characters
        best = dict.fromkeys(cleaners, float("inf"))
        for _ in range(rounds + 1):  # the first round warms the caches
            for n, cleaner in cleaners.items():
                start = time.process_time()
                clean_batch(cleaner, docs)
                best[n] = min(best[n], time.process_time() - start)
        figures[f"{label} 10"] = mb / best[10]
        figures[f"{label} 1000"] = mb / best[1000]
        figures[f"{label} docs"] = len(docs)
    return figures


def step_costs(corpus: Path, n_docs: int = 3000, rounds: int = 3) -> dict[str, float]:
    """CPU microseconds per document of each step, in this process, best of ``rounds``: the
    whole pipeline, and the steps every document pays whatever the rules (JSON in and out,
    encoding repair, language, schema validation). Their sum bounds MB/s per core even if the
    rules cost nothing."""
    import itertools

    from cleaner.batch import clean_batch
    from cleaner.io.readers import read_inputs
    from cleaner.pipeline import Cleaner
    from cleaner.record import RawArticle, Record

    cleaner = Cleaner.from_paths([ROOT / "rules"])
    lines = list(itertools.islice(corpus.open("rb"), n_docs))
    items = [
        i for i in itertools.islice(read_inputs([str(corpus)]), n_docs) if isinstance(i, RawArticle)
    ]
    texts = [str(i.data) for i in items]
    outcomes = [cleaner.clean(i).result for i in items]
    records = [r for r in outcomes if isinstance(r, Record)]
    dicts = [r.to_dict() for r in records]
    steps: dict[str, Any] = {
        "whole pipeline": lambda: clean_batch(cleaner, items),
        "JSON parse + dump": lambda: [orjson.dumps(orjson.loads(x)) for x in lines],
        "repair (ftfy behind the pre-check)": lambda: [cleaner.repair_text(t) for t in texts],
        "language (langdetect-rs, 1,500 chars)": lambda: [
            cleaner.detector.detect(r.text) for r in records
        ],
        "schema validation": lambda: [cleaner.validator.problems(d) for d in dicts],
    }
    costs: dict[str, float] = {}
    for name, step in steps.items():
        best = float("inf")
        for _ in range(rounds):
            start = time.process_time()
            step()
            best = min(best, time.process_time() - start)
        costs[name] = best / len(items) * 1e6
    costs["mean document bytes"] = sum(map(len, lines)) / len(lines)
    return costs


def orjson_floor(corpus: Path, out: Path) -> float:
    """Read every line, parse it, serialise it, write it: no JSON pipeline can beat this."""
    start = time.perf_counter()
    with corpus.open("rb") as src, (out / "floor.jsonl").open("wb") as dst:
        for line in src:
            dst.write(orjson.dumps(orjson.loads(line)) + b"\n")
    secs = time.perf_counter() - start
    (out / "floor.jsonl").unlink()
    return corpus.stat().st_size / 1e6 / secs


def head_of(corpus: Path, mb: float, out: Path) -> Path:
    """The first ``mb`` MB of the corpus (whole lines), for the slower peers."""
    target = out / f"head-{int(mb)}mb.jsonl"
    if not target.exists():
        limit, size = int(mb * 1e6), 0
        with corpus.open("rb") as src, target.open("wb") as dst:
            for line in src:
                dst.write(line)
                size += len(line)
                if size >= limit:
                    break
    return target


def drop_line_patterns(out: Path) -> Path:
    """The drop_line patterns of the generic packs and of the seed sites' packs (the site packs
    the corpus has documents for), for the datatrove step. datatrove has no site dispatch and no
    guards, so a site pack for other sites (the ctf packs) would apply to every document, and a
    rule that only means something with its ``followed_by`` guard (cnn's photo captions, pattern
    ``.``) would remove every line."""
    from cleaner.engine.kinds import DropLine
    from cleaner.engine.load import load_packs

    rules = rules_for(out, 10)[:-2]  # no generated site packs: datatrove has no site dispatch
    packs = load_packs(Path(r) for r in rules[1::2])
    seed_sites = set(make_corpus.SEED_SITES)
    found = [
        (r.kind.source, r.kind.options.ignore_case)
        for p in packs
        if p.scope == "generic" or seed_sites & set(p.domains)
        for r in p.rules
        if isinstance(r.kind, DropLine) and r.kind.options.followed_by is None
    ]
    path = out / "drop-line-patterns.json"
    path.write_text(json.dumps(found), "utf-8")
    return path


def datatrove(sample: Path, out: Path, with_lang: bool) -> dict[str, Any] | str:
    if not PEERS.exists():
        return "not installed (python3 -m venv .venv-peers && .venv-peers/bin/pip install 'datatrove[processing,io]')"
    work = out / ("dt-lang" if with_lang else "dt-nolang")
    shutil.rmtree(work, ignore_errors=True)
    cmd = [str(PEERS), str(ROOT / "bench" / "peers_datatrove.py"), str(sample)]
    cmd += [str(drop_line_patterns(out)), str(work)] + ([] if with_lang else ["--no-lang"])
    result = watch(cmd)
    figures = json.loads(result["stdout"].strip().splitlines()[-1])
    shutil.rmtree(work, ignore_errors=True)
    return {"mbps": figures["mb"] / figures["seconds"], **figures}


def data_juicer(sample: Path, out: Path) -> dict[str, Any] | str:
    if not PEERS.exists():
        return "not installed"
    probe = subprocess.run(
        [str(PEERS), "-c", "import data_juicer"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return f"does not import: {last} (pip install py-data-juicer aiohttp in .venv-peers)"
    target = out / "dj-out.jsonl"
    cmd = [str(PEERS), str(ROOT / "bench" / "peers_datajuicer.py"), str(sample)]
    result = watch([*cmd, str(drop_line_patterns(out)), str(target)])
    figures = json.loads(result["stdout"].strip().splitlines()[-1])
    target.unlink(missing_ok=True)
    return {"mbps": figures["mb"] / figures["seconds"], **figures}


def ray_workers(result: dict[str, Any]) -> str:
    """Peak RSS of Ray's cleaning actors (``ray::MapWorker``), of its task workers (reading and
    writing) and of its own services (raylet, GCS, stats actors...)."""
    actors, tasks, services = [], [], []
    for mb, title in result["rss_children_by_title"]:
        if "MapWorker" in title:
            actors.append(mb)
        elif title.startswith(("ray::IDLE", "ray::Write", "ray::FlatMap", "ray::ReadFiles")):
            tasks.append(mb)
        else:
            services.append(mb)
    return (
        "cleaning actors "
        + (", ".join(f"{mb:.0f}" for mb in actors) or "none seen")
        + f" MB; {len(tasks)} task workers (reading, writing) up to {max(tasks, default=0):.0f} MB; "
        f"{len(services)} Ray services up to {max(services, default=0):.0f} MB"
    )


def ray_figures(sample: Path, out: Path) -> None:
    """The local figures again on Ray Data (local, ``-j`` CPUs): MB/s and docs/s with 1 CPU,
    the speed-up with 2, peak RSS per worker, 10 -> 1,000 packs, and the local engine beside it.
    Ray's MB/s is end to end: starting Ray is part of what a user pays on one machine."""
    local = cleaner_run(sample, out, 1000, 2)
    r1 = cleaner_run(sample, out, 1000, 1, "--engine", "ray")
    r2 = cleaner_run(sample, out, 1000, 2, "--engine", "ray")
    r10 = cleaner_run(sample, out, 10, 2, "--engine", "ray")
    print(
        f"Ray Data (local) on {sample.name}, 1,000 packs, end to end (start-up included): "
        f"-j 1 {r1['e2e_mbps']:.2f} MB/s, {r1['docs'] / r1['wall']:,.0f} docs/s ({r1['wall']:.1f} s); "
        f"-j 2 {r2['e2e_mbps']:.2f} MB/s ({r2['wall']:.1f} s): speed-up "
        f"{r2['e2e_mbps'] / r1['e2e_mbps']:.2f}x; 10 packs -j 2 {r10['e2e_mbps']:.2f} MB/s "
        f"(1,000 packs {(r10['e2e_mbps'] / r2['e2e_mbps'] - 1) * 100:+.0f}% slower); the local "
        f"engine -j 2 on the same input {local['e2e_mbps']:.2f} MB/s ({local['wall']:.1f} s), so "
        f"Ray is {r2['e2e_mbps'] / local['e2e_mbps']:.2f}x of it"
    )
    for label, run in (("-j 1", r1), ("-j 2", r2)):
        print(
            f"Ray {label} peak RSS: driver {run['rss_main_mb']:.0f} MB, {ray_workers(run)}; "
            f"CPU-seconds of all its processes {run['cpu_all']:.0f} (the local engine -j 2: "
            f"{local['cpu_all']:.0f}), of the cleaning actors "
            + ", ".join(f"{c:.1f}" for c, t in run["cpu_by_title"] if "MapWorker" in t)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=220.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--peer-mb", type=float, default=8.0, help="input size for Ray and the peers"
    )
    parser.add_argument(
        "--ray-mb",
        type=float,
        default=60.0,
        help="input size for Ray and the local engine beside it",
    )
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--peers-only", action="store_true", help="only the peer comparison")
    parser.add_argument("--ray-only", action="store_true", help="only the Ray figures")
    args = parser.parse_args(argv)
    out: Path = args.out
    corpus = out / f"corpus-{int(args.mb)}mb.jsonl"
    if not corpus.exists() or not (out / "packs-1000").is_dir():
        make_corpus.main(["--mb", str(args.mb), "--out", str(out)])
    size = corpus.stat().st_size / 1e6
    print(f"corpus: {corpus.name}, {size:.1f} MB; machine: {os.cpu_count()} cores")
    if args.ray_only:
        ray_figures(head_of(corpus, args.ray_mb, out), out)
        return 0

    if not args.peers_only:
        floor = orjson_floor(corpus, out)
        print(f"orjson read+parse+dump+write floor: {floor:.1f} MB/s")
        costs = step_costs(corpus)
        size_doc = costs.pop("mean document bytes")
        fixed = sum(v for k, v in costs.items() if k != "whole pipeline")
        print(
            f"CPU per document ({size_doc / 1000:.1f} KB, 3,000 documents, shipped rules, best of 3): "
            + "; ".join(f"{k} {v:.0f} us" for k, v in costs.items())
            + f". The rule-independent steps alone cost {fixed:.0f} us, a ceiling of "
            f"{size_doc / fixed:.1f} MB/s per core if the rules cost nothing; the whole pipeline "
            f"runs at {size_doc / costs['whole pipeline']:.1f} MB/s per core here"
        )

        j1 = cleaner_run(corpus, out, 1000, 1)
        print(
            f"cleaner -j 1, 1,000 site packs: {j1['mbps']:.1f} MB/s wall, {j1['cpu_mbps']:.1f} MB/s per "
            f"CPU-second of cleaning; {j1['docsps']:,.0f} docs/s ({j1['docs']:,} docs); end to end "
            f"{j1['e2e_mbps']:.1f} MB/s with {j1['startup']:.1f} s start-up (loading ~20,000 rules); "
            f"peak RSS {j1['rss_main_mb']:.0f} MB"
        )
        j2 = cleaner_run(corpus, out, 1000, 2)
        print(
            f"cleaner -j 2, 1,000 site packs: {j2['mbps']:.1f} MB/s wall, speed-up "
            f"{j2['mbps'] / j1['mbps']:.2f}x; CPU-seconds {j2['cpu']:.0f} vs {j1['cpu']:.0f} at -j 1 "
            f"(parallel overhead {(j2['cpu'] / j1['cpu'] - 1) * 100:+.0f}%); busiest worker "
            f"{j2['cpu_busiest_child']:.0f} CPU-s, main {j2['cpu_main']:.0f} CPU-s, so at best "
            f"{idle_speedup(j1, j2, load_cpu(out, 1000)):.2f}x on {os.cpu_count()} idle cores; "
            f"peak RSS main {j2['rss_main_mb']:.0f} MB, workers "
            + ", ".join(f"{r:.0f}" for r in j2["rss_children_mb"])
            + " MB"
        )
        p10 = cleaner_run(corpus, out, 10, 1)
        print(
            f"cleaner -j 1, 10 site packs: {p10['mbps']:.1f} MB/s wall, {p10['cpu_mbps']:.1f} per "
            f"CPU-second; 1,000 packs are {(p10['mbps'] / j1['mbps'] - 1) * 100:+.1f}% slower than 10 "
            f"by wall time, {(p10['cpu_mbps'] / j1['cpu_mbps'] - 1) * 100:+.1f}% by CPU time; "
            f"peak RSS {p10['rss_main_mb']:.0f} MB"
        )
        ab = packs_ab(corpus, out)
        for label in ("same-work", "all"):
            few, many = ab[f"{label} 10"], ab[f"{label} 1000"]
            print(
                f"in-process A/B ({label}, {ab[f'{label} docs']:,.0f} documents, CPU time, best of 3): "
                f"{few:.2f} MB/s with 10 site packs, {many:.2f} with 1,000: "
                f"{(few / many - 1) * 100:+.1f}% slower"
            )
        print(f"cleaner vs floor: {j1['cpu_mbps'] / floor:.3f} of the orjson floor")
        load = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True, check=False)
        print(f"load average during the runs (other work on this machine): {load.stdout.strip()}")

    sample = head_of(corpus, args.peer_mb, out)
    if not args.skip_ray and not args.peers_only:
        try:
            ray_figures(head_of(corpus, args.ray_mb, out), out)
        except (RuntimeError, AssertionError) as exc:
            print(f"Ray: failed: {str(exc)[:500]}")

    if not args.skip_peers:
        ours = cleaner_run(sample, out, 10, 1)
        print(f"peer sample: {sample.name}; cleaner -j 1 on it: {ours['mbps']:.1f} MB/s")
        for with_lang in (True, False):
            dt = datatrove(sample, out, with_lang)
            label = "with langdetect" if with_lang else "without a language step"
            if isinstance(dt, str):
                print(f"datatrove {label}: {dt}")
            else:
                print(
                    f"datatrove {label}: {dt['mbps']:.2f} MB/s; cleaner is "
                    f"{ours['mbps'] / dt['mbps']:.1f}x faster"
                )
        dj = data_juicer(sample, out)
        if isinstance(dj, str):
            print(f"Data-Juicer: {dj}")
        else:
            print(
                f"Data-Juicer (fix_unicode + replace_content + langdetect): {dj['mbps']:.2f} MB/s; "
                f"cleaner is {ours['mbps'] / dj['mbps']:.1f}x faster"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
