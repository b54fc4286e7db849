"""Labelled scrape lines for the boilerplate model: every page's plain-text scrape, normalised as
the text rules see it, each non-blank line marked content or chrome by ``classify_lines``.

``python -m bench.boilerplate_data`` caches them in ``bench/out/boilerplate-lines.json`` (the
training script reads the cache, or builds it when it is missing). Pages are grouped by site
(ctf) or URL domain (aeb, wcxb) so that held-out scores never see a training site.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

from bench.corpora import (
    classify_lines,
    corpora_dir,
    ctf_id,
    iter_aeb,
    iter_ctf,
    read_html_bytes,
    scrape_text,
)
from cleaner.engine.ruleset import domain_of
from cleaner.steps.normalize import normalize_lines

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "out" / "boilerplate-lines.json"


class Page(TypedDict):
    corpus: str  # ctf, aeb, wcxb (articles), other (wcxb-dev-other)
    id: str
    group: str  # site or domain: folds never split one
    page_type: str
    lines: list[str]  # the normalised scrape, blank lines kept
    content: list[bool]  # per line; blank lines are False
    gold: str


def _page(corpus: str, page_id: str, group: str, ptype: str, html: bytes, gold: str) -> Page:
    lines = normalize_lines(scrape_text(html))
    marks = [False] * len(lines)
    nonblank = [i for i, line in enumerate(lines) if line]
    verdicts = classify_lines([lines[i] for i in nonblank], gold)
    for i, v in zip(nonblank, verdicts, strict=True):
        marks[i] = v
    return Page(
        corpus=corpus,
        id=page_id,
        group=group,
        page_type=ptype,
        lines=lines,
        content=marks,
        gold=gold,
    )


def iter_pages() -> Iterator[Page]:
    """Every page with a non-empty gold, in a fixed order."""
    for ctf in iter_ctf():
        if ctf.gold_text.strip():
            yield _page(
                "ctf", ctf_id(ctf), ctf.site, "article", ctf.html_path.read_bytes(), ctf.gold_text
            )
    for aeb in iter_aeb():
        if aeb.gold_text.strip():
            group = domain_of(aeb.url) or aeb.id
            html = read_html_bytes(aeb.html_path)
            yield _page("aeb", aeb.id, group, "article", html, aeb.gold_text)
    for folder, corpus in (("wcxb-dev", "wcxb"), ("wcxb-dev-other", "other")):
        root = corpora_dir() / folder
        for truth in sorted((root / "ground-truth").glob("*.json")):
            record = json.loads(truth.read_text(encoding="utf-8"))
            gold = str(record["ground_truth"].get("main_content") or "")
            if not gold.strip():
                continue
            ptype = str(record.get("_internal", {}).get("page_type", {}).get("primary", ""))
            group = domain_of(str(record.get("url") or "")) or f"{folder}/{truth.stem}"
            html = read_html_bytes(root / "html" / f"{truth.stem}.html.gz")
            yield _page(corpus, f"{folder}/{truth.stem}", group, ptype, html, gold)


def load_pages(rebuild: bool = False) -> list[Page]:
    if CACHE.exists() and not rebuild:
        pages: list[Page] = json.loads(CACHE.read_text(encoding="utf-8"))
        return pages
    pages = list(iter_pages())
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    return pages


if __name__ == "__main__":
    built = load_pages(rebuild=True)
    print(f"{len(built)} pages, {sum(len(p['lines']) for p in built)} lines -> {CACHE}")
    sys.exit(0)
