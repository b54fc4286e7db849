"""Near-duplicate removal (``--dedup near``): precision and recall against exact Jaccard, speed
beside datatrove's MinHash pipeline, and a run of a million documents.

    python -m bench.near_dedup                  # (a) + (b): the edited-copies set, both tools
    python -m bench.near_dedup --million 1000000  # (c): cleaner run --dedup near -j 2, time, RSS
    python -m bench.near_dedup --million 1000000 --stage-only  # (c) without cleaning

(a) The set: every text of ``$CLEANER_CORPORA`` (ctf's hand-checked texts, WCXB's and AEB's
ground truth) of 50 words or more, and for half of them one to three copies with 1-40% of their
words edited (each edit replaces, deletes or inserts a word; the rate is log-uniform, so that
enough copies sit near the threshold: with word 5-grams, 3% of words edited already brings the
Jaccard to about 0.8). Ground truth: the exact Jaccard of
the word 5-gram sets (cleaner's normalisation) of every pair in a family and of every pair either
tool put in one cluster; any other pair is taken as below the threshold (distinct articles).
A pair is predicted a duplicate when a tool puts both in one cluster. Figures: precision and
recall of those pairs against exact Jaccard >= 0.8.

(b) datatrove 0.10's four MinHash stages (signatures, 14 buckets, cluster, filter; 5-grams,
14 x 8, 64-bit hashes) with one task at a time, against cleaner's stage over the same JSONL
(read, scan, seal, apply, write), both in one process on one core. datatrove is given a
whitespace word tokenizer: its default for English, spaCy, is slower, so this favours it.

(c) Short documents (three 30-word pieces of the real texts, 10% of them edited copies of an
earlier one), through ``cleaner run --dedup near -j 2``: wall time and the peak RSS of the
process tree (psutil, sampled every 0.2 s); or, with ``--stage-only``, through the stage alone
in one process (no cleaning), as the local engine drives it.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from cleaner.stages import Drop
from cleaner.stages.minhash import SHINGLE, tokens
from cleaner.stages.near import MARGIN, NearDedup

CORPORA = Path(os.environ.get("CLEANER_CORPORA", "/work/shared/corpora"))
THRESHOLD = 0.8


def real_texts(min_words: int = 50) -> list[str]:
    texts = [p.read_text("utf-8", "replace") for p in sorted((CORPORA / "ctf").rglob("*.txt"))]
    for p in sorted((CORPORA / "wcxb-dev" / "ground-truth").glob("*.json")):
        texts.append(json.loads(p.read_text("utf-8"))["ground_truth"].get("main_content") or "")
    aeb = json.loads((CORPORA / "aeb" / "ground-truth.json").read_text("utf-8"))
    texts += [v.get("articleBody") or "" for _, v in sorted(aeb.items())]
    return [t for t in texts if len(t.split()) >= min_words]


def edited(words: list[str], rate: float, vocab: list[str], rng: random.Random) -> list[str]:
    out = list(words)
    for _ in range(max(1, round(rate * len(words)))):
        i = rng.randrange(len(out))
        kind = rng.randrange(3)
        if kind == 0:
            out[i] = rng.choice(vocab)
        elif kind == 1 and len(out) > 1:
            del out[i]
        else:
            out.insert(i, rng.choice(vocab))
    return out


def build_set(path: Path) -> dict[str, str]:
    """The edited-copies set as JSONL at ``path``; returns each document's family."""
    rng = random.Random(15)
    texts = real_texts()
    vocab = [w for t in texts[:200] for w in t.split()]
    docs: list[tuple[str, str, str]] = []
    for i, text in enumerate(texts):
        docs.append((f"t{i}", f"t{i}", text))
        if i % 2 == 0:
            words = text.split()
            for c in range(rng.randint(1, 3)):
                rate = math.exp(rng.uniform(math.log(0.01), math.log(0.40)))
                docs.append((f"t{i}-c{c}", f"t{i}", " ".join(edited(words, rate, vocab, rng))))
    rng.shuffle(docs)
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, _, text in docs:
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    return {doc_id: family for doc_id, family, _ in docs}


def shingles(text: str) -> set[tuple[bytes, ...]]:
    words = tokens(text)
    if len(words) <= SHINGLE:
        return {tuple(words)}
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def jaccard(a: set[Any], b: set[Any]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def run_cleaner_stage(
    src: Path, out: Path, margin: float = MARGIN
) -> tuple[tuple[float, float], list[list[str]]]:
    """cleaner's stage over a JSONL file, as pass 1 and 2 run it: batches of 1000 records."""
    start, cpu = time.perf_counter(), time.process_time()
    stage = NearDedup(THRESHOLD, margin=margin)
    state = stage.empty()
    with src.open("rb") as fh:
        for batch in iter(lambda: list(itertools.islice(fh, 1000)), []):
            records = [{**json.loads(line), "source": "x", "meta": {}} for line in batch]
            state.merge(stage.scan(records))
    verdicts = stage.seal(state)
    clusters: dict[str, list[str]] = defaultdict(list)
    kept, dups = (out / "kept.jsonl").open("wb"), (out / "dups.jsonl").open("wb")
    with src.open("rb") as fh, kept, dups:
        for line in fh:
            record = {**json.loads(line), "source": "x", "meta": {}}
            verdict = stage.apply(record, verdicts)
            if isinstance(verdict, Drop):
                dups.write(json.dumps(verdict.line).encode() + b"\n")
                clusters[verdict.line["duplicate_of"]].append(record["id"])
            else:
                kept.write(line)
    seconds = time.perf_counter() - start, time.process_time() - cpu
    return seconds, [[k, *v] for k, v in clusters.items()]


def run_datatrove(src: Path, out: Path) -> tuple[tuple[float, float], list[list[str]]]:
    import datatrove.utils.hashes.xxhash as dt_xxhash
    import xxhash
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (  # not .dedup: it imports `tokenizers`
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.word_tokenizers import WordTokenizer

    # datatrove 0.10 hands xxhash a str, which xxhash 4 refuses; older xxhash encoded it.
    def xxhash64(data: str | bytes) -> int:
        return xxhash.xxh64_intdigest(data.encode() if isinstance(data, str) else data)

    dt_xxhash.xxhash64 = xxhash64

    class Whitespace(WordTokenizer):  # type: ignore[misc]
        def word_tokenize(self, text: str) -> list[str]:
            return text.split()

        def sent_tokenize(self, text: str) -> list[str]:
            return [text]

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [(0, len(text))]

    config = MinhashConfig(
        hash_config=HashConfig(precision=64), num_buckets=14, hashes_per_bucket=8
    )
    data = str(src.parent)
    glob = src.name

    def reader() -> Any:
        return JsonlReader(data, glob_pattern=glob, id_key="id")

    def execute(pipeline: list[Any], tasks: int, name: str) -> None:
        LocalPipelineExecutor(
            pipeline=pipeline, tasks=tasks, workers=1, logging_dir=str(out / "logs" / name)
        ).run()

    start, cpu = time.perf_counter(), time.process_time()
    sig = MinhashDedupSignature(str(out / "sigs"), config=config, language=Whitespace())
    execute([reader(), sig], 1, "sigs")
    execute([MinhashDedupBuckets(str(out / "sigs"), str(out / "buckets"), config=config)], 14, "b")
    cluster = MinhashDedupCluster(
        str(out / "buckets"), str(out / "remove"), config=config, save_cluster_id=True
    )
    execute([cluster], 1, "cluster")
    removed = JsonlWriter(str(out / "removed"), compression=None)
    execute(
        [
            reader(),
            MinhashDedupFilter(
                str(out / "remove"), exclusion_writer=removed, load_cluster_ids=True
            ),
            JsonlWriter(str(out / "kept"), compression=None),
        ],
        1,
        "filter",
    )
    seconds = time.perf_counter() - start, time.process_time() - cpu
    clusters: dict[int, list[str]] = defaultdict(list)
    for path in sorted((out / "removed").glob("*")) + sorted((out / "kept").glob("*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                cid = doc.get("metadata", {}).get("minhash_cluster_id", -1)
                if cid != -1:
                    clusters[cid].append(doc["id"])
    return seconds, [c for c in clusters.values() if len(c) > 1]


def pairs_of(clusters: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in itertools.combinations(c, 2)}  # type: ignore[misc]


def precision_recall(
    src: Path, family: dict[str, str], predicted: dict[str, set[tuple[str, str]]]
) -> dict[str, tuple[float, float, int]]:
    text = {}
    with src.open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            text[doc["id"]] = doc["text"]
    sh: dict[str, set[tuple[bytes, ...]]] = {}

    def sets(i: str) -> set[tuple[bytes, ...]]:
        if i not in sh:
            sh[i] = shingles(text[i])
        return sh[i]

    members: dict[str, list[str]] = defaultdict(list)
    for i, f in family.items():
        members[f].append(i)
    candidates = {tuple(sorted(p)) for m in members.values() for p in itertools.combinations(m, 2)}
    for pairs in predicted.values():
        candidates |= pairs
    truth = {p for p in candidates if jaccard(sets(p[0]), sets(p[1])) >= THRESHOLD}
    out = {}
    for tool, pairs in predicted.items():
        hit = len(pairs & truth)
        out[tool] = (
            hit / len(pairs) if pairs else 1.0,
            hit / len(truth) if truth else 1.0,
            len(truth),
        )
    return out


def compare(work: Path) -> None:
    src = work / "set" / "docs.jsonl"
    src.parent.mkdir(parents=True)
    family = build_set(src)
    size = src.stat().st_size / 1e6
    print(f"set: {len(family)} documents, {size:.1f} MB, from {CORPORA}")
    (work / "cleaner").mkdir()
    (ours, our_cpu), our_clusters = run_cleaner_stage(src, work / "cleaner")
    print(f"cleaner near dedup: {ours:.2f} s wall, {our_cpu:.2f} s CPU ({size / ours:.2f} MB/s)")
    (theirs, their_cpu), their_clusters = run_datatrove(src, work / "datatrove")
    print(f"datatrove minhash (4 stages): {theirs:.2f} s wall, {their_cpu:.2f} s CPU "
          f"({size / theirs:.2f} MB/s)")  # fmt: skip
    print(f"speed: cleaner {theirs / ours:.1f}x datatrove (wall), {their_cpu / our_cpu:.1f}x (CPU)")
    _, strict_clusters = run_cleaner_stage(src, work / "cleaner", margin=0.0)
    predicted = {
        "cleaner": pairs_of(our_clusters),
        "cleaner, pairs checked against 0.8 itself (no margin)": pairs_of(strict_clusters),
        "datatrove": pairs_of(their_clusters),
    }
    for tool, (p, r, n) in precision_recall(src, family, predicted).items():
        print(f"{tool}: precision {p:.3f} recall {r:.3f} (pairs with exact Jaccard >= 0.8: {n})")


def million_docs(path: Path, n: int) -> int:
    rng = random.Random(16)
    pieces = []
    for text in real_texts():
        words = text.split()
        pieces += [" ".join(words[i : i + 30]) for i in range(0, len(words) - 29, 30)]
    vocab = [w for p in pieces[:2000] for w in p.split()]
    recent: list[str] = []
    copies = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if recent and rng.random() < 0.1:
                text = " ".join(
                    edited(rng.choice(recent).split(), rng.uniform(0.01, 0.4), vocab, rng)
                )
                copies += 1
            else:
                text = " ".join(rng.sample(pieces, 3))
                if len(recent) < 10000:
                    recent.append(text)
                else:
                    recent[rng.randrange(len(recent))] = text
            fh.write(json.dumps({"id": f"m{i}", "text": text}) + "\n")
    return copies


def stage_run(src: Path, out: Path) -> None:
    """The near-dedup stage alone over a JSONL file, as the local engine's passes drive it
    (batches of 1000, a state saved per shard of 10,000, merged in input order; seal; apply),
    without cleaning: prints time, peak RSS and counts."""
    import resource

    start = time.perf_counter()
    stage = NearDedup(THRESHOLD)
    state, shard, n = stage.empty(), stage.empty(), 0
    with src.open("rb") as fh:
        for batch in iter(lambda: list(itertools.islice(fh, 1000)), []):
            shard.merge(stage.scan([{**json.loads(line), "source": "x"} for line in batch]))
            n += len(batch)
            if n % 10000 == 0:
                state.merge(stage.load(shard.to_bytes()))
                shard = stage.empty()
    state.merge(shard)
    scanned = time.perf_counter() - start
    (out / "final.state").write_bytes(state.to_bytes())
    del state, shard
    verdicts = stage.seal(stage.load((out / "final.state").read_bytes()))
    sealed = time.perf_counter() - start
    dropped = 0
    with src.open("rb") as fh, (out / "kept.jsonl").open("wb") as kept:
        for line in fh:
            verdict = stage.apply({**json.loads(line), "source": "x", "meta": {}}, verdicts)
            if isinstance(verdict, Drop):
                dropped += 1
            else:
                kept.write(line)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(
        f"stage alone: {seconds:.0f} s (scan {scanned:.0f} s, save + load + cluster "
        f"{sealed - scanned:.0f} s, apply {seconds - sealed:.0f} s); peak RSS {peak:.0f} MB; "
        f"{n} read, {n - dropped} kept, {dropped} duplicates"
    )


def million(work: Path, n: int, stage_only: bool) -> None:
    import psutil

    src = work / "million.jsonl"
    if not src.exists() or sum(1 for _ in src.open("rb")) != n:
        million_docs(src, n)
    print(f"{n} documents, {src.stat().st_size / 1e6:.0f} MB")
    if stage_only:
        (work / "stage").mkdir(exist_ok=True)
        stage_run(src, work / "stage")
        return
    cmd = [sys.executable, "-m", "cleaner", "run", str(src), "-o", str(work / "out"), "-q",
           "--dedup", "near", "-j", "2", "--no-progress"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    parent, peak_tree, peak_main = psutil.Process(proc.pid), 0, 0
    while proc.poll() is None:
        try:
            main = parent.memory_info().rss
            tree = main + sum(c.memory_info().rss for c in parent.children(recursive=True))
        except psutil.Error:
            continue
        peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    summary = json.loads((work / "out" / "summary.json").read_text("utf-8"))
    print(
        f"cleaner run --dedup near -j 2: {seconds:.0f} s, exit {proc.returncode}; "
        f"peak RSS main {peak_main / 1e6:.0f} MB, process tree {peak_tree / 1e6:.0f} MB; "
        f"read {summary['articles_read']}, written {summary['records_written']}, "
        f"rejected {summary['rejects_written']}, duplicates {summary['duplicates_written']}, "
        f"reconciled {summary['reconciled']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--million", type=int, default=0, help="(c) only, with this many docs")
    parser.add_argument(
        "--stage-only", action="store_true", help="(c) without cleaning: the stage alone"
    )
    parser.add_argument("--keep", help="work folder to keep (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="near-dedup-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.million:
            million(work, args.million, args.stage_only)
        else:
            compare(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
