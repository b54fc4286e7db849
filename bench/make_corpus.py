"""Generate the scale benchmark's inputs: a JSONL corpus of real article text with injected
chrome, and many generated site packs.

Corpus (default 220 MB): article bodies are the ground-truth texts of ``shared/corpora`` (ctf,
aeb, wcxb) and the seeds, joined to about 4 KB. Chrome is injected from the seeds' kinds (share
widgets, subscribe prompts, view counters, copyright lines, related links, chatbot heads and
tails) and from the examples of ``shared/reference``. About 5% of the documents are mojibake
(UTF-8 read as cp1252), about 3% are non-English (the aeb pages in pt, ru, de, it, id, ja, ko).
A third of the documents come from generated sites (a URL, and that site's own chrome lines),
a tenth from the seed sites; the rest have no URL, so packs are chosen by fingerprint.

Packs: ``N`` generated site packs of 20 rules each (``site0000.example`` ...), like a real
site's: drop_line literals and patterns, a title suffix, a footer cut, an extracted title.

    python -m bench.make_corpus --mb 220 --packs 1000 --out bench/out
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.corpora import iter_aeb, iter_gold_documents

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
NON_ENGLISH_HOSTS = (
    "entermedia.co.kr",
    "remember8090.it",
    "kabarislamia.com",
    "comoeducarseusfilhos.com.br",
    "wday.ru",
    "blog.comwrap.com",
    "lhpat-tm.com",
    "mensagensreflexao.com.br",
    "gto-normativy.ru",
    "autoracing.com.br",
    "note100yen.com",
    "jaraguadosul.com.br",
    "vse-diety.com",
)

# Chrome in the seeds' own kinds (see seeds/ and the site packs).
SEED_HEADS = [
    "Share",
    "FB Pixel no script",
    "Network Security Internet Technology Development Database Servers Mobile Phone Android",
    "Sure! Here's a summary of the article:",
]
SEED_TAILS = [
    "Welcome to subscribe to our newsletter",
    "Views: 0",
    "Share To",
    "WhatsApp",
    "© 2024 All rights reserved.",
    "SEE ALSO: Ten things you missed this week",
    "Would you like me to turn this into a LinkedIn post?",
    "I hope this helps!",
    "Auto loading next article...",
]
SEED_SITES = {
    "shulou.com": (
        "Shulou(Shulou.com)11/24 Report--",
        "2025-01-15 Update From: SLTechnology News&Howtos",
    ),
    "krasia.com": ("{title} | KrASIA", "Written by Nikkei Asia Published on 3 mins read"),
    "scmp.com": ("date 2023-05-10 {title}", None),
    "pandaily.com": ("SEE ALSO:Xiaomi Not Abandoning Surge Chipsets", None),
}


def reference_examples() -> list[str]:
    """The ``example`` column of the reference lists: real chrome lines."""
    found = []
    for name in ("web-chrome-phrases.tsv", "chatbot-phrases.tsv"):
        path = REFERENCE / name
        if not path.is_file():
            continue
        for line in path.read_text("utf-8").splitlines():
            parts = line.split("\t")
            if line.startswith("#") or len(parts) < 4:
                continue
            if parts[3].strip():
                found.append(parts[3].strip())
    return found


def bodies() -> tuple[list[str], list[str]]:
    """English bodies of real articles, and the non-English ones."""
    english = [text for _, _, text in iter_gold_documents() if len(text) > 400]
    english += [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    foreign = [
        page.gold_text
        for page in iter_aeb()
        if any(h in page.url for h in NON_ENGLISH_HOSTS) and len(page.gold_text) > 400
    ]
    english_set = set(foreign)
    return [t for t in english if t not in english_set], foreign


def site_name(i: int) -> str:
    return f"site{i:04d}.example"


def site_chrome(i: int) -> tuple[list[str], list[str]]:
    """A generated site's head and tail chrome lines (what its pack removes)."""
    head = [f"Site {i:04d} News | Home | World | Business | Tech", f"Breaking from Site {i:04d}"]
    tail = [
        f"More from Site {i:04d}",
        f"Copyright Site {i:04d} Media Group",
        f"Follow Site {i:04d} on social",
    ]
    return head, tail


def make_pack(i: int) -> str:
    """A site pack of 20 rules, in YAML, each with one example."""
    name = site_name(i)
    tag = f"Site {i:04d}"
    rules: list[str] = []

    def rule(rid: str, kind: str, body: str, example_in: str, example_out: str) -> None:
        rules.append(
            f"  - id: s{i:04d}-{rid}\n    kind: {kind}\n    description: generated rule {rid}.\n"
            f"{body}    examples:\n      - input: {json.dumps(example_in)}\n"
            f"        output: {json.dumps(example_out)}\n"
        )

    rule(
        "nav",
        "drop_line",
        f"    line: {json.dumps(tag + ' News | Home | World | Business | Tech')}\n    first_lines: 5\n",
        f"{tag} News | Home | World | Business | Tech\nBody.",
        "Body.",
    )
    rule(
        "breaking",
        "drop_line",
        f"    pattern: {json.dumps('^Breaking from ' + tag + '$')}\n",
        f"Breaking from {tag}\nBody.",
        "Body.",
    )
    rule(
        "more",
        "cut_after",
        f"    literal: {json.dumps('More from ' + tag)}\n",
        f"Body.\nMore from {tag}\nLink",
        "Body.",
    )
    rule(
        "copyright",
        "drop_line",
        f"    pattern: {json.dumps('^Copyright ' + tag + ' .*$')}\n    last_lines: 5\n",
        f"Body.\nCopyright {tag} Media Group",
        "Body.",
    )
    rule(
        "follow",
        "drop_line",
        f"    literal: {json.dumps('Follow ' + tag + ' on')}\n    max_words: 8\n",
        f"Body.\nFollow {tag} on social",
        "Body.",
    )
    rule(
        "suffix",
        "strip_span",
        f"    suffix: {json.dumps(' | ' + tag)}\n    first_lines: 3\n",
        f"Title | {tag}\nBody.",
        "Title\nBody.",
    )
    for k in range(14):
        word = f"{tag} widget {k}"
        rule(
            f"w{k:02d}",
            "drop_line",
            f"    pattern: {json.dumps('^(?i)' + word + ' (?:box|panel|bar)$')}\n    max_words: 8\n",
            f"{word} box\nBody.",
            "Body.",
        )
    return (
        f"pack: {name}\ndescription: Generated site {i:04d} for the scale benchmark.\nscope: site\n"
        f"match:\n  domains: [{name}]\n  fingerprints:\n    - literal: {json.dumps('Breaking from ' + tag)}\n"
        f"rules:\n" + "\n".join(rules)
    )


def write_reference_pack(out: Path) -> Path:
    """A stand-in generic pack from the reference lists' patterns, for a branch without the
    shipped generic packs: every pattern RE2 compiles, as a guarded drop_line rule."""
    from cleaner.engine.regex import PatternError, compile_pattern

    folder = out / "reference-generic"
    folder.mkdir(parents=True, exist_ok=True)
    rules = []
    for name in ("web-chrome-phrases.tsv", "chatbot-phrases.tsv"):
        path = REFERENCE / name
        rows = [
            r.split("\t") for r in path.read_text("utf-8").splitlines() if not r.startswith("#")
        ]
        for k, row in enumerate(r for r in rows if len(r) >= 4):
            try:
                compile_pattern(row[2], ignore_case=True)
            except PatternError:
                continue
            guard = (
                "    max_words: 15\n"
                if row[1] == "strong"
                else "    max_words: 12\n    last_lines: 3\n"
            )
            rules.append(
                f"  - id: ref-{name[:3]}-{k:03d}\n    kind: drop_line\n    description: reference.\n"
                f"    pattern: {json.dumps(row[2])}\n    ignore_case: true\n{guard}"
                f"    examples:\n      - input: {json.dumps('Body text.')}\n"
                f"        output: {json.dumps('Body text.')}\n"
            )
    (folder / "reference.yaml").write_text(
        "pack: bench-reference\ndescription: Reference-list patterns (bench stand-in).\n"
        "scope: generic\nrules:\n" + "".join(rules),
        "utf-8",
    )
    return folder


def write_packs(out: Path, n: int) -> Path:
    folder = out / f"packs-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{site_name(i)}.yaml").write_text(make_pack(i), "utf-8")
    return folder


def mojibake(text: str) -> str:
    if text.isascii():
        text = "It’s the “real” story — told again.\n" + text
    return text.encode("utf-8").decode("cp1252", errors="replace")


def documents(n_bytes: int, n_sites: int, seed: int = 7) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    english, foreign = bodies()
    chrome = reference_examples()
    total, i = 0, 0
    while total < n_bytes:
        if foreign and rng.random() < 0.03:
            body = rng.choice(foreign)
        else:
            body = rng.choice(english)
            while len(body) < 2500:
                body += "\n\n" + rng.choice(english)
        body = body[: body.find("\n", 4500) if body.find("\n", 4500) > 0 else len(body)]
        title = body.strip().split("\n", 1)[0][:90]
        head = [rng.choice(SEED_HEADS)] if rng.random() < 0.5 else []
        tail = rng.sample(SEED_TAILS, k=rng.randint(1, 3)) + rng.sample(
            chrome, k=min(2, len(chrome))
        )
        url: str | None = None
        r = rng.random()
        if r < 0.33 and n_sites:
            s = rng.randrange(n_sites)
            url = f"https://www.{site_name(s)}/{i}"
            site_head, site_tail = site_chrome(s)
            head = [*site_head, f"{title} | Site {s:04d}", *head]
            head.append(f"Site {s:04d} widget {rng.randrange(14)} box")
            tail = [*tail, *site_tail]
        elif r < 0.43:
            site = rng.choice(sorted(SEED_SITES))
            first, second = SEED_SITES[site]
            head = [first.format(title=title)] + ([second] if second else []) + head
            if rng.random() < 0.5:
                url = f"https://www.{site}/article/{i}"
        text = "\n\n".join([*head, body.strip(), *tail])
        if rng.random() < 0.05:
            text = mojibake(text)
        doc: dict[str, object] = {"id": f"b{i:07d}", "text": text, "url": url, "crawl": "bench"}
        total += len(text.encode("utf-8"))
        i += 1
        yield doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=220.0, help="corpus size in MB of text")
    parser.add_argument("--packs", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for n in args.packs:
        print(f"packs: {write_packs(args.out, n)} ({n} packs x 20 rules)")
    print(f"reference pack: {write_reference_pack(args.out)}")
    path = args.out / f"corpus-{int(args.mb)}mb.jsonl"
    n_docs = 0
    with path.open("wb") as fh:
        for doc in documents(int(args.mb * 1e6), max(args.packs)):
            fh.write(json.dumps(doc, ensure_ascii=False).encode("utf-8") + b"\n")
            n_docs += 1
    print(f"corpus: {path} ({path.stat().st_size / 1e6:.1f} MB, {n_docs:,} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
