"""Train the page-type classifier shipped as ``cleaner/data/page_type.json``.

    python -m bench.train_page_type [--write]

A multinomial logistic regression (full-batch gradient descent, L2, fixed steps: the same
bytes on every run) on the features of ``cleaner.html.pagetype`` (computed once, kept in
``bench/out/page-types/features.jsonl``; ``--fresh`` after changing them). Accuracy is measured with group k-fold by site
(``bench.page_types.fold_of``): each fold's sites are unseen in training. The held-out
predictions go to ``bench/out/page-types/oof.json`` for ``bench.page_types choose``; with
``--write`` the model trained on every page is written to the package.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

# One BLAS thread: the same sums in the same order (the same bytes), and no threads fighting
# over a busy machine's cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from bench.page_types import FOLDS, OUT, fold_of, iter_pages, page_html
from cleaner.html.pagetype import PAGE_TYPES, classify, features
from cleaner.html.profiles import fresh_tree

MODEL = Path(__file__).resolve().parent.parent / "cleaner" / "data" / "page_type.json"
STEPS = 1500
RATE = 0.5
L2 = 3e-3
DIGITS = 5  # rounding the shipped numbers keeps the file small and its bytes stable


def fit(x: np.ndarray, y: np.ndarray, n_classes: int, weights: np.ndarray) -> np.ndarray:
    """Weights (features + 1 bias row) x classes."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros((xb.shape[1], n_classes))
    onehot = np.eye(n_classes)[y]
    norm = weights.sum()
    for _ in range(STEPS):
        z = xb @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = xb.T @ ((p - onehot) * weights[:, None]) / norm
        grad[:-1] += L2 * w[:-1]
        w -= RATE * grad
    return w


def model_json(names: list[str], mean: np.ndarray, scale: np.ndarray, w: np.ndarray) -> str:
    model: dict[str, Any] = {
        "about": "page-type classifier; trained by bench/train_page_type.py (do not edit)",
        "classes": list(PAGE_TYPES),
        "features": names,
        "mean": [round(float(v), DIGITS) for v in mean],
        "scale": [round(float(v), DIGITS) for v in scale],
        "bias": [round(float(v), DIGITS) for v in w[-1]],
        "weights": [[round(float(v), DIGITS) for v in w[:-1, c]] for c in range(w.shape[1])],
    }
    return json.dumps(model, separators=(",", ":")) + "\n"


def train(rows: list[dict[str, Any]], balanced: bool) -> tuple[str, np.ndarray]:
    names = sorted({k for r in rows for k in r["features"]})
    x = np.array([[r["features"].get(n, 0.0) for n in names] for r in rows])
    y = np.array([PAGE_TYPES.index(r["type"]) for r in rows])
    counts = np.bincount(y, minlength=len(PAGE_TYPES))
    weights = (len(y) / (len(PAGE_TYPES) * counts[y])) if balanced else np.ones(len(y))
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    w = fit((x - mean) / scale, y, len(PAGE_TYPES), weights)
    return model_json(names, mean, scale, w), y


def feature_rows() -> list[dict[str, Any]]:
    """Every page's id, site, type and features (features take a minute: kept in bench/out)."""
    cache = OUT / "features.jsonl"
    if cache.exists():
        return [json.loads(line) for line in cache.read_text("utf-8").splitlines()]
    rows = []
    for page in iter_pages():
        tree = fresh_tree(page_html(page))
        feats = features(tree, page.url or None)
        rows.append({"id": page.id, "site": page.site, "type": page.page_type, "features": feats})
    OUT.mkdir(parents=True, exist_ok=True)
    cache.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), "utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write cleaner/data/page_type.json")
    parser.add_argument("--balanced", action="store_true", help="weight classes equally")
    parser.add_argument("--fresh", action="store_true", help="recompute the features")
    args = parser.parse_args(argv)
    if args.fresh:
        (OUT / "features.jsonl").unlink(missing_ok=True)
    rows = feature_rows()
    predicted: dict[str, tuple[str, float]] = {}
    for k in range(FOLDS):
        train_rows = [r for r in rows if fold_of(r["site"]) != k]
        model = json.loads(train(train_rows, args.balanced)[0])
        for r in rows:
            if fold_of(r["site"]) == k:
                found = classify(r["features"], model)
                predicted[r["id"]] = (found.name, round(found.score, 4))
    n = len(PAGE_TYPES)
    confusion = np.zeros((n, n), dtype=int)
    for r in rows:
        confusion[PAGE_TYPES.index(r["type"]), PAGE_TYPES.index(predicted[r["id"]][0])] += 1
    right = int(np.trace(confusion))
    sites = len({r["site"] for r in rows})
    print(
        f"page-type accuracy, group {FOLDS}-fold by site ({len(rows)} pages, {sites} sites): "
        f"{right / len(rows):.3f} ({right}/{len(rows)})"
    )
    print("confusion (rows: true type, columns: predicted)")
    print(f"{'':14}" + "".join(f"{t[:6]:>7}" for t in PAGE_TYPES) + "  recall")
    for i, t in enumerate(PAGE_TYPES):
        row = confusion[i]
        print(f"{t:14}" + "".join(f"{v:7d}" for v in row) + f"  {row[i] / max(row.sum(), 1):.3f}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "oof.json").write_text(json.dumps(predicted, sort_keys=True, indent=0) + "\n")
    if args.write:
        text, _ = train(rows, args.balanced)
        MODEL.parent.mkdir(parents=True, exist_ok=True)
        MODEL.write_text(text, encoding="utf-8")
        print(f"wrote {MODEL} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
