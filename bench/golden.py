"""Output digests on seeds/ and every corpus in ../shared/corpora, text and HTML paths.

A restructuring promises the same bytes out. This prints one digest per corpus and path, and
saves each document's output line, so two builds can be compared document by document:

    python -m bench.golden --save bench/out/golden-before.jsonl
    ...change the code...
    python -m bench.golden --save bench/out/golden-after.jsonl
    python -m bench.golden --diff bench/out/golden-before.jsonl bench/out/golden-after.jsonl

``--ignore-key KEY`` (repeatable) compares the lines without that key, in records and in the
records rejects keep: the check for a change meant to add one field and nothing else.

The text path cleans each page's plain-text scrape (the input the ctf truths are written for);
the HTML path cleans the page itself. Records are written as ``run`` writes them.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

from bench.corpora import corpora_dir, ctf_id, iter_aeb, iter_ctf, read_html_bytes, scrape_text
from cleaner.io.writers import dump_line
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle

ROOT = Path(__file__).resolve().parent.parent


def _articles(limit: int | None) -> Iterator[tuple[str, RawArticle]]:
    for path in sorted((ROOT / "seeds").iterdir()):
        yield "seeds", RawArticle(path.stem, path.name, path.read_bytes())
    for i, page in enumerate(iter_ctf()):
        if limit and i >= limit:
            break
        data = page.html_path.read_bytes()
        key = ctf_id(page)
        yield "ctf-text", RawArticle(key, key, scrape_text(data), site=page.site)
        yield "ctf-html", RawArticle(key, key, data, site=page.site, html=True)
    for i, aeb in enumerate(iter_aeb()):
        if limit and i >= limit:
            break
        data = read_html_bytes(aeb.html_path)
        yield "aeb-text", RawArticle(aeb.id, aeb.id, scrape_text(data), url=aeb.url)
        yield "aeb-html", RawArticle(aeb.id, aeb.id, data, url=aeb.url, html=True)
    for folder in ("wcxb-dev", "wcxb-dev-other"):
        pages = sorted((corpora_dir() / folder / "ground-truth").glob("*.json"))
        for i, truth in enumerate(pages):
            if limit and i >= limit:
                break
            url = orjson.loads(truth.read_bytes()).get("url") or None
            data = read_html_bytes(truth.parent.parent / "html" / f"{truth.stem}.html.gz")
            key = f"{folder}/{truth.stem}"
            yield "wcxb-text", RawArticle(key, key, scrape_text(data), url=url)
            yield "wcxb-html", RawArticle(key, key, data, url=url, html=True)


def outputs(cleaner: Cleaner, limit: int | None) -> Iterator[tuple[str, str, bytes]]:
    for corpus, article in _articles(limit):
        yield corpus, article.id, dump_line(cleaner.clean(article).result.to_dict())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", default=str(ROOT / "rules"))
    ap.add_argument("--save", help="write every document's output line here (JSONL)")
    ap.add_argument("--limit", type=int, help="pages per corpus (a quick look)")
    ap.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"))
    ap.add_argument("--ignore-key", action="append", default=[], metavar="KEY", help="with --diff")
    args = ap.parse_args(argv)
    if args.diff:
        return _diff(Path(args.diff[0]), Path(args.diff[1]), frozenset(args.ignore_key))
    cleaner = Cleaner.from_paths([args.rules])
    digests: dict[str, hashlib._Hash] = {}
    counts: dict[str, int] = {}
    save = open(args.save, "wb") if args.save else None  # noqa: SIM115 - closed below
    try:
        for corpus, doc_id, line in outputs(cleaner, args.limit):
            digests.setdefault(corpus, hashlib.sha256()).update(line + b"\n")
            counts[corpus] = counts.get(corpus, 0) + 1
            if save is not None:
                save.write(orjson.dumps({"corpus": corpus, "id": doc_id, "out": line.decode()}))
                save.write(b"\n")
    finally:
        if save is not None:
            save.close()
    for corpus in digests:
        print(f"{corpus:10} {counts[corpus]:5} docs  digest {digests[corpus].hexdigest()[:16]}")
    return 0


def _load(path: Path, ignore: frozenset[str] = frozenset()) -> dict[tuple[str, str], str]:
    rows = (orjson.loads(line) for line in path.read_bytes().splitlines() if line)
    return {(r["corpus"], r["id"]): _without(r["out"], ignore) for r in rows}


def _without(line: str, ignore: frozenset[str]) -> str:
    """The output line with the ``ignore`` keys dropped (also from a reject's record)."""
    if not ignore:
        return line
    out = orjson.loads(line)
    for d in (out, out.get("record") or {}):
        for key in ignore:
            d.pop(key, None)
    return orjson.dumps(out).decode()


def _diff(before_path: Path, after_path: Path, ignore: frozenset[str] = frozenset()) -> int:
    before, after = _load(before_path, ignore), _load(after_path, ignore)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for corpus, doc_id in changed:
        old, new = before.get((corpus, doc_id)), after.get((corpus, doc_id))
        print(f"{corpus} {doc_id}")
        if old is None or new is None:
            print("  only in", "after" if old is None else "before")
            continue
        a, b = orjson.loads(old), orjson.loads(new)
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                print(f"  {key}: {str(a.get(key))[:200]!r} -> {str(b.get(key))[:200]!r}")
    print(f"{len(changed)} of {len(before | after)} documents differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
