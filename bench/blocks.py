"""The block classifier (cleaner/html/blocks.py): its data, its training and its held-out score.

    python -m bench.blocks data            # every page's blocks, features and labels (cached)
    python -m bench.blocks folds           # 5 folds by site: fit on 4, score the 5th
    python -m bench.blocks report          # the held-out table again, from the fold models
    python -m bench.blocks write           # fit on all pages: cleaner/data/blocks.json
    python -m bench.blocks pipeline        # the whole pipeline, label / extract / blocks
    python -m bench.blocks cost            # what it adds per page (process time)
    python -m bench.blocks routes          # which page types it should take, held out

Pages: the WCXB development split as ``bench.page_types`` reads it (its cache gives trafilatura's
balanced text and resiliparse's per page: run ``python -m bench.page_types cache`` and ``extra``
first; the page type is the classifier's held-out guess, ``bench.train_page_type``'s oof.json).
A block's label is the share of it found in the gold text (``Reference.share``); it is content at
>= 0.5, and weighs its words (word F1 counts words). The keep threshold is chosen on the fitting
folds' pages only (their mean word F1), never on the scored fold. Training needs scikit-learn
(the ``bench`` extra); the package runs the exported trees with numpy only.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from bench.corpora import bow_f1
from bench.page_types import (
    FOLDS,
    OUT,
    _on_balanced,
    fold_of,
    iter_pages,
    page_html,
    read_cache,
    with_fallback,
)
from cleaner.html import blocks, extract
from cleaner.html.dom import parse_tree
from cleaner.html.pagetype import PAGE_TYPES, PageType, page_type
from cleaner.html.profiles import BLOCK_TYPES, MIN_SCORE, PROFILE_BY_TYPE

DATA = OUT.parent / "blocks"
MODEL = Path(__file__).resolve().parent.parent / "cleaner" / "data" / "blocks.json"
CONTENT = 0.5  # a block is content when this share of it is in the gold text
_TOKEN = re.compile(r"\w+")
THRESHOLDS = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))
PARAMS: dict[str, Any] = {
    "max_iter": 80,
    "max_depth": 4,
    "learning_rate": 0.1,
    "min_samples_leaf": 40,
    "early_stopping": False,
    "random_state": 0,
}


def build_data() -> None:
    """Features, labels and texts of every page's blocks (bench/out/blocks/)."""
    DATA.mkdir(parents=True, exist_ok=True)
    oof = json.loads((OUT / "oof.json").read_text(encoding="utf-8"))
    pages = {p.id: p for p in iter_pages()}
    xs, ys, ws, owners = [], [], [], []
    meta: list[dict[str, Any]] = []
    start = time.perf_counter()
    for i, row in enumerate(read_cache()):
        page = pages[row["id"]]
        guess, score = oof[row["id"]]
        kind = PageType(guess, float(score))
        found = blocks.segment(parse_tree(page_html(page)))
        first = row["texts"].get("balanced") or None
        second = row["texts"].get("resiliparse") or None
        x = blocks.features(found, first, second, kind)
        gold = blocks.Reference.of(page.gold_text)
        labels = [gold.share(blocks._tokens(b.text)) for b in found]
        xs.append(x)
        ys.append(np.array(labels, dtype=np.float64))
        ws.append(np.array([max(len(blocks._tokens(b.text)), 1) for b in found], dtype=np.float64))
        owners.append(np.full(len(found), len(meta), dtype=np.int64))
        shipped = PROFILE_BY_TYPE[guess] if score >= MIN_SCORE else "balanced"
        shipped_text = with_fallback(row["texts"], shipped)
        if shipped_text is None:
            shipped_text = with_fallback(row["texts"], _on_balanced(shipped)) or ""
        meta.append(
            {
                "id": row["id"],
                "site": row["site"],
                "type": row["type"],
                "gold": page.gold_text,
                "blocks": [b.text for b in found],
                "balanced": bow_f1(first or "", page.gold_text),
                "shipped": bow_f1(shipped_text, page.gold_text),
            }
        )
        if i % 200 == 0:
            print(f"{i} pages, {time.perf_counter() - start:.0f} s", flush=True)
    np.savez(
        DATA / "data.npz",
        x=np.vstack(xs),
        y=np.concatenate(ys),
        w=np.concatenate(ws),
        page=np.concatenate(owners),
    )
    with (DATA / "pages.json").open("w", encoding="utf-8") as f:
        json.dump(meta, f)
    print(f"{len(meta)} pages, {sum(len(y) for y in ys)} blocks")


def load() -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    data = dict(np.load(DATA / "data.npz"))
    meta = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))
    return data, meta


# Every SAMPLE-th block trains (a fixed stride: the same rows every run); the machine is shared
# and the full 420,000 blocks cost five times the time for little more.
SAMPLE = 3


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(**PARAMS)
    rows = slice(None, None, SAMPLE)
    model.fit(x[rows], (y[rows] >= CONTENT).astype(np.int64), sample_weight=w[rows])
    return model


def page_f1s(
    p: np.ndarray, data: dict[str, np.ndarray], meta: list[dict[str, Any]], pages: list[int],
    threshold: float,
) -> dict[int, float]:  # fmt: skip
    """Each page's word F1 with the blocks at >= threshold kept (trafilatura's text stands on
    a page where none is kept: scored as balanced)."""
    out = {}
    # a page's blocks are one run of rows (pages in order)
    starts = np.searchsorted(data["page"], np.arange(len(meta) + 1))
    for k in pages:
        probs = p[starts[k] : starts[k + 1]]
        ids, owner, gold = _bags(meta[k])
        keep = probs >= threshold
        if not keep.any():
            out[k] = meta[k]["balanced"]
            continue
        pred = np.bincount(ids[keep[owner]], minlength=len(gold))
        out[k] = _f1(pred, gold)
    return out


def _bags(page: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The page's words as ``bow_f1`` tokenizes them, counted once: each block word's id and
    block, and the gold's count per id."""
    if "_bags" not in page:
        vocab: dict[str, int] = {}
        ids, owner = [], []
        for j, text in enumerate(page["blocks"]):
            for w in _words(text):
                ids.append(vocab.setdefault(w, len(vocab)))
                owner.append(j)
        gold_ids = [vocab.setdefault(w, len(vocab)) for w in _words(page["gold"])]
        page["_bags"] = (
            np.array(ids, dtype=np.int64),
            np.array(owner, dtype=np.int64),
            np.bincount(np.array(gold_ids, dtype=np.int64), minlength=len(vocab)),
        )
    bags: tuple[np.ndarray, np.ndarray, np.ndarray] = page["_bags"]
    return bags


def _words(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    """``bow_f1`` on bags already counted (the same figure: ``folds`` checks a few pages)."""
    pred = np.pad(pred, (0, max(len(gold) - len(pred), 0)))
    total_pred, total_gold = int(pred.sum()), int(gold.sum())
    if not total_pred and not total_gold:
        return 1.0
    overlap = int(np.minimum(pred[: len(gold)], gold).sum())
    if not overlap:
        return 0.0
    precision, recall = overlap / total_pred, overlap / total_gold
    return 2 * precision * recall / (precision + recall)


def choose_threshold(
    p: np.ndarray, data: dict[str, np.ndarray], meta: list[dict[str, Any]], pages: list[int]
) -> float:
    scored = [p for p in pages if meta[p]["gold"].strip()]
    best = max(
        THRESHOLDS,
        key=lambda t: (statistics.fmean(page_f1s(p, data, meta, scored, t).values()), -t),
    )
    return float(best)


def folds() -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    data, meta = load()
    fold = np.array([fold_of(m["site"]) for m in meta])
    block_fold = fold[data["page"]]
    held: dict[int, float] = {}
    for k in range(FOLDS):
        train = block_fold != k
        start = time.perf_counter()
        model = fit(data["x"][train], data["y"][train], data["w"][train])
        print(f"fold {k}: fitted in {time.perf_counter() - start:.0f} s", flush=True)
        p_train = model.predict_proba(data["x"][train])[:, 1]
        train_pages = sorted(set(data["page"][train].tolist()))
        sub = {key: v[train] for key, v in data.items()}
        remap = {old: new for new, old in enumerate(train_pages)}
        sub["page"] = np.array([remap[q] for q in sub["page"]])
        threshold = choose_threshold(p_train, sub, [meta[q] for q in train_pages],
                                     list(range(len(train_pages))))  # fmt: skip
        test_pages = [q for q in range(len(meta)) if fold[q] == k and meta[q]["gold"].strip()]
        p_all = np.zeros(len(data["y"]))
        p_all[~train] = model.predict_proba(data["x"][~train])[:, 1]
        got = page_f1s(p_all, data, meta, test_pages, threshold)
        held.update(got)
        check = data["x"][~train][:: max(int((~train).sum()) // 40, 1)][:40]
        (DATA / f"fold-{k}.json").write_text(
            json.dumps(export(model, threshold, check), sort_keys=True) + "\n", encoding="utf-8"
        )
        for q in test_pages[:5]:  # the counted bags give bow_f1's figure
            probs = p_all[np.searchsorted(data["page"], q) : np.searchsorted(data["page"], q + 1)]
            kept = [b for b, x in zip(meta[q]["blocks"], probs, strict=True) if x >= threshold]
            if kept:
                assert abs(bow_f1("\n".join(kept), meta[q]["gold"]) - got[q]) < 1e-12
        train_f1 = statistics.fmean(
            page_f1s(p_train, sub, [meta[q] for q in train_pages],
                     [i for i, q in enumerate(train_pages) if meta[q]["gold"].strip()],
                     threshold).values()
        )  # fmt: skip
        print(
            f"fold {k}: threshold {threshold:.2f}, fitting folds {train_f1:.3f}, held out "
            f"{statistics.fmean(got.values()):.3f} ({len(got)} pages, "
            f"{time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    (DATA / "held.json").write_text(json.dumps({meta[q]["id"]: f for q, f in held.items()}))
    report(held, meta)
    return data, meta


def report(held: dict[int, float], meta: list[dict[str, Any]]) -> None:
    rows: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for q, f1 in held.items():
        t = meta[q]["type"]
        rows["blocks (held out)"][t].append(f1)
        rows["shipped map"][t].append(meta[q]["shipped"])
        rows["balanced"][t].append(meta[q]["balanced"])
    print("word F1, held out by site (5 folds), true page type in columns:")
    print(f"{'':18} {'all pages':>9} " + " ".join(f"{t[:8]:>8}" for t in PAGE_TYPES))
    for name, by_type in rows.items():
        pages = [v for t in PAGE_TYPES for v in by_type[t]]
        means = " ".join(f"{statistics.fmean(by_type[t]):8.3f}" for t in PAGE_TYPES)
        print(f"{name:18} {statistics.fmean(pages):9.3f} {means}  ({len(pages)} pages)")


def held_out_report() -> None:
    """The held-out table again from the fold models ``folds`` wrote (numpy inference, as the
    package runs them), over the folds written so far."""
    data, meta = load()
    fold = np.array([fold_of(m["site"]) for m in meta])
    block_fold = fold[data["page"]]
    held: dict[int, float] = {}
    for k in range(FOLDS):
        path = DATA / f"fold-{k}.json"
        if not path.exists():
            continue
        model = json.loads(path.read_text(encoding="utf-8"))
        rows = block_fold == k
        p_all = np.zeros(len(data["y"]))
        p_all[rows] = blocks.probabilities(data["x"][rows], model)
        test_pages = [q for q in range(len(meta)) if fold[q] == k and meta[q]["gold"].strip()]
        got = page_f1s(p_all, data, meta, test_pages, float(model["threshold"]))
        print(f"fold {k}: threshold {model['threshold']:.2f}, held out "
              f"{statistics.fmean(got.values()):.3f} ({len(got)} pages)")  # fmt: skip
        held.update(got)
    report(held, meta)


def routes() -> None:
    """Which pages the block model should take (``html.page_types: blocks``), held out: per page
    the held-out blocks F1 (``folds``' held.json), the shipped map's and balanced's, and the
    classifier's held-out type (oof.json). Prints the shipped rule (BLOCK_TYPES and unsure
    pages, else the map) beside the map, blocks everywhere and balanced, and a choice made fold
    by fold: per predicted type (unsure: p < MIN_SCORE), blocks or the map, whichever scored
    better on the other folds' pages (articles keep the map: AEB news loses with blocks)."""
    held = json.loads((DATA / "held.json").read_text(encoding="utf-8"))
    oof = json.loads((OUT / "oof.json").read_text(encoding="utf-8"))
    meta = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))
    rows = []
    for m in meta:
        if m["id"] in held:
            guess, p = oof[m["id"]]
            group = guess if p >= MIN_SCORE else "unsure"
            rows.append((m["type"], fold_of(m["site"]), group, held[m["id"]], m["shipped"],
                         m["balanced"]))  # fmt: skip

    def table(name: str, pick: dict[int, set[str]]) -> None:
        """``pick[fold]``: the groups whose pages the block model takes on that fold."""
        by_type: dict[str, list[float]] = defaultdict(list)
        gain: dict[int, list[float]] = defaultdict(list)
        for t, k, group, blk, mapped, _ in rows:
            f1 = blk if group in pick[k] else mapped
            by_type[t].append(f1)
            gain[k].append(f1 - mapped)
        every = [v for vs in by_type.values() for v in vs]
        cells = " ".join(f"{statistics.fmean(by_type[t]):8.3f}" for t in PAGE_TYPES)
        folds = " ".join(f"{statistics.fmean(gain[k]):+.3f}" for k in range(FOLDS))
        print(f"{name:32} {statistics.fmean(every):9.4f} {cells}  {folds}")

    groups = {g for _, _, g, *_ in rows}
    print(f"word F1 held out by site, {len(rows)} pages; columns: true type; last: per fold vs map")
    print(f"{'':32} {'all pages':>9} " + " ".join(f"{t[:8]:>8}" for t in PAGE_TYPES))
    balanced = [r[5] for r in rows]
    print(f"{'balanced':32} {statistics.fmean(balanced):9.4f}")
    table("shipped map (extract)", {k: set() for k in range(FOLDS)})
    table("blocks everywhere", dict.fromkeys(range(FOLDS), groups))
    table("shipped rule (blocks)", {k: {*BLOCK_TYPES, "unsure"} for k in range(FOLDS)})
    chosen: dict[int, set[str]] = {}
    for k in range(FOLDS):
        fit = [r for r in rows if r[1] != k]
        chosen[k] = {
            g for g in groups - {"article"}
            if statistics.fmean(r[3] - r[4] for r in fit if r[2] == g) > 0
        }  # fmt: skip
    table("chosen fold by fold", chosen)
    for g in sorted(groups - {"article"}):
        print(f"  {g}: blocks on {sum(g in chosen[k] for k in range(FOLDS))} of {FOLDS} folds")


def export(model: Any, threshold: float, check: np.ndarray) -> dict[str, Any]:
    """The fitted trees as arrays (a leaf: feature -1), the baseline, the threshold, and a few
    rows with scikit-learn's probabilities for the test that inference matches them."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "depth": int(PARAMS["max_depth"]) + 1,
                "feature": [
                    (-1 if lf else int(f)) for f, lf in zip(nodes["feature_idx"], leaf, strict=True)
                ],
                "threshold": [float(t) for t in nodes["num_threshold"]],
                "left": [int(v) for v in nodes["left"]],
                "right": [int(v) for v in nodes["right"]],
                "value": [float(v) for v in nodes["value"]],
            }
        )
    return {
        "features": blocks.FEATURES,
        "baseline": float(np.ravel(model._baseline_prediction)[0]),
        "threshold": threshold,
        "params": PARAMS,
        "trees": trees,
        "check": {
            "x": check.tolist(),
            "p": model.predict_proba(check)[:, 1].tolist(),
        },
    }


def write(data: dict[str, np.ndarray], meta: list[dict[str, Any]]) -> None:
    model = fit(data["x"], data["y"], data["w"])
    p = model.predict_proba(data["x"])[:, 1]
    threshold = choose_threshold(p, data, meta, list(range(len(meta))))
    check = data["x"][:: max(len(data["x"]) // 40, 1)][:40]
    out = export(model, threshold, check)
    mine = blocks.probabilities(check, out)
    assert np.allclose(mine, out["check"]["p"], rtol=0, atol=1e-12), "inference differs"
    MODEL.write_text(json.dumps(out, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {MODEL} (threshold {threshold:.2f}, {len(out['trees'])} trees)")


_trafilatura = extract._trafilatura


def _blocked(tree: Any, page: extract.Page, options: Any) -> tuple[str | None, Any]:
    """trafilatura's text as the pipeline takes it, then the block model's choice of blocks: the
    package has no option for it yet (it did not win through the pipeline), so the bench puts it
    in the extraction step's place."""
    found = blocks.segment(tree)  # before trafilatura edits the tree
    text, problem = _trafilatura(tree, page, options)
    kind = page_type(page.tree, page.url, page.shown)
    kept = blocks.by_blocks(found, text, page.html, kind)
    return (kept, None) if kept is not None else (text, problem)


def pipeline(per_type: int) -> None:
    """The whole pipeline (text packs after extraction) with ``html.page_types`` label (today's
    default: trafilatura balanced), extract (the profile map) and the block model (``_blocked``
    in trafilatura's place, page types label), on the first
    ``per_type`` pages with gold of each type; each page's blocks model is the one fitted
    without its site's fold (``folds`` writes them), so the figure is held out."""
    from bench.corpora import read_html_bytes
    from bench.html_quality import clean_page
    from cleaner.pipeline import Cleaner

    rules = Path(__file__).resolve().parent.parent / "rules"
    modes = ("label", "extract", "blocks")
    cleaners = {
        m: Cleaner.from_paths(
            [rules], None, (({"html": {"page_types": "label" if m == "blocks" else m}}, "bench"),)
        )
        for m in modes
    }
    fold_models = {  # the folds written so far: the other folds' pages are left out
        k: json.loads((DATA / f"fold-{k}.json").read_text(encoding="utf-8"))
        for k in range(FOLDS)
        if (DATA / f"fold-{k}.json").exists()
    }
    taken: dict[str, int] = defaultdict(int)
    f1s: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    seconds: dict[str, float] = defaultdict(float)
    for page in iter_pages():
        if taken[page.page_type] >= per_type or not page.gold_text.strip():
            continue
        if fold_of(page.site) not in fold_models:
            continue
        taken[page.page_type] += 1
        fold_model = fold_models[fold_of(page.site)]
        data = read_html_bytes(page.html_path)
        with mock.patch.object(blocks, "_model", lambda fm=fold_model: fm):
            for mode, cleaner in cleaners.items():
                start = time.perf_counter()
                with mock.patch.object(extract, "_trafilatura", _blocked if mode == "blocks" else
                                       _trafilatura):  # fmt: skip
                    record, _ = clean_page(cleaner, page.id, data, page.url or None)
                seconds[mode] += time.perf_counter() - start
                text = record.text if record else ""
                f1s[page.page_type][mode].append(bow_f1(text, page.gold_text))
    pages = sum(taken.values())
    print(
        f"whole pipeline, held-out block models (folds {sorted(fold_models)}), first "
        f"{per_type} pages of each type on those folds' sites"
    )
    print(f"{'type':14} " + " ".join(f"{m:>8}" for m in modes) + "  pages")
    every: dict[str, list[float]] = defaultdict(list)
    for t in PAGE_TYPES:
        print(
            f"{t:14} "
            + " ".join(f"{statistics.fmean(f1s[t][m]):8.3f}" for m in modes)
            + f"  {taken[t]}"
        )
        for m in modes:
            every[m] += f1s[t][m]
    print(f"{'all pages':14} " + " ".join(f"{statistics.fmean(every[m]):8.3f}" for m in modes))
    print("seconds per page:", {m: round(seconds[m] / pages, 3) for m in modes})


def cost(every: int) -> None:
    """What the block model adds to a page: resiliparse, the segmenter, the features and the
    trees (process time; trafilatura's text from the cache, as the pipeline has it already)."""
    from cleaner.html.second import resiliparse_text

    pages = {p.id: p for p in iter_pages()}
    spent: dict[str, list[float]] = defaultdict(list)
    for row in read_cache()[::every]:
        page = pages[row["id"]]
        html = page_html(page)
        tree = parse_tree(html)
        clock = time.process_time()
        second = resiliparse_text(html)
        spent["resiliparse"].append(time.process_time() - clock)
        clock = time.process_time()
        found = blocks.segment(tree)
        spent["segment"].append(time.process_time() - clock)
        clock = time.process_time()
        x = blocks.features(found, row["texts"].get("balanced") or None, second, None)
        spent["features"].append(time.process_time() - clock)
        clock = time.process_time()
        blocks.probabilities(x)
        spent["trees"].append(time.process_time() - clock)
    n = len(spent["trees"])
    print(f"mean process time per page, ms ({n} pages, every {every}th):")
    print({k: round(1000 * statistics.fmean(v), 1) for k, v in spent.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "command", choices=("data", "folds", "report", "write", "pipeline", "cost", "routes")
    )
    parser.add_argument("--per-type", type=int, default=30, help="pipeline: pages per type")
    args = parser.parse_args(argv)
    if args.command == "data":
        build_data()
    elif args.command == "folds":
        folds()
    elif args.command == "pipeline":
        pipeline(args.per_type)
    elif args.command == "report":
        held_out_report()
    elif args.command == "cost":
        cost(20)
    elif args.command == "routes":
        routes()
    else:
        write(*load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
