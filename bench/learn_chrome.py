"""Learned chrome (``cleaner run --learn-chrome``) on real sites that have no site pack.

Input: the plain-text scrape of each page (``bench.corpora.scrape_text``) as a JSONL line with
its URL, cleaned with the generic packs only (the ctf site packs left out, so each ctf site is a
site nobody wrote rules for). Figures per site, summed over its pages
(``bench.corpora.line_metrics``): chrome removed (share of scrape lines not in the hand-checked
text that cleaning removed) and content lost (share of hand-checked lines removed).

- ``generic``: the generic packs alone; ``learned``: generic, then learned chrome, as a run
  does it: each record the line model changed carries its clean without the model (the run
  without the ``boilerplate`` pack: :func:`with_alt`), a site with at least
  ``learn_model_rules`` live rules gets that clean with its learned rules on it.
- Leave-one-site-out: ``learn_share`` and ``learn_model_rules`` are chosen on four ctf sites
  (the highest chrome removal whose content loss, summed over them, is at most 1%) and scored on
  the fifth.
- The same without the generic line model (the packs of ``MODEL_KINDS`` left out): what
  learning does on its own.
- Small sites: each ctf site cut into groups of N consecutive pages, each group learned on its
  own as a site of N documents (how ``learn_min_docs`` was chosen), at each
  ``learn_model_rules``, and that chosen on four sites' groups, scored on the fifth's.
- aeb and wcxb (one to a few pages per site): how many sites reach ``learn_min_docs``, and what
  is lost (nothing may be).
- ``trust_shapes`` on or off, chosen on four sites and scored on the fifth (at the default
  ``learn_share`` and ``learn_model_rules``, which every fold chose).
- Run time: ``cleaner.run.run`` over all ctf pages, -j 1, with and without ``learn_chrome``,
  run alternately ``--rounds`` times (goal: at most twice).

The learning figures apply the stage (``LearnChrome``: scan, seal, apply; pure) to the records of
the run without it, which are exactly what its pass 1 writes; the run with it is checked to
write the same texts at the default settings.

    python -m bench.learn_chrome [--no-timing | --timing-only] [--rounds 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.corpora import (
    LineMetrics,
    ctf_id,
    iter_aeb,
    iter_ctf,
    iter_wcxb,
    line_metrics,
    read_html_bytes,
    scrape_text,
    sum_line_metrics,
)
from bench.site_rules import generic_packs, make_cleaner
from cleaner.authoring.suggest import MODEL_KINDS
from cleaner.config import Config
from cleaner.engine.load import Pack
from cleaner.run import RunOptions, run
from cleaner.stages.learn import LearnChrome
from cleaner.stages.learnalt import ALT, site_of

SHARES = (2, 3, 5, 8, 12, 20)
MODEL_RULES = (0, 1, 10, 20, 40, 80)  # learn_model_rules tried (0: the line model stays on)
GROUPS = (10, 20, 30, 50)
MAX_LOSS = 0.01
MODEL_PACKS = ("boilerplate",)  # the generic packs of MODEL_KINDS (bench.site_rules' packs)
DEFAULTS = Config.defaults().corpus
TIMES: list[tuple[float, float]] = []  # (wall, CPU) seconds of each run of `clean`, in order

Page = dict[str, str]  # id, url, site, scrape, gold


def ctf_pages() -> list[Page]:
    return [
        {
            "id": ctf_id(p),
            "url": f"https://{p.site}/{p.year}/{p.name}",
            "site": p.site.removeprefix("www."),
            "scrape": scrape_text(read_html_bytes(p.html_path)),
            "gold": p.gold_text,
        }
        for p in iter_ctf()
    ]


def other_pages() -> list[Page]:
    pages = []
    for name, it in (("aeb", iter_aeb()), ("wcxb", iter_wcxb())):
        for p in it:
            pages.append(
                {
                    "id": f"{name}/{p.id}",
                    "url": p.url or f"https://{name}-{p.id}.invalid/",
                    "site": "",
                    "scrape": scrape_text(read_html_bytes(p.html_path)),
                    "gold": p.gold_text,
                }
            )
    return pages


def no_model_packs() -> list[Pack]:
    """The generic packs without the ones that run the trained line model."""
    return [p for p in generic_packs() if not any(r.kind_name in MODEL_KINDS for r in p.rules)]


def clean(
    pages: Sequence[Page], folder: Path, learn: bool, packs: Sequence[Pack] | None = None
) -> tuple[dict[str, Any], float]:
    """Run ``cleaner.run.run`` on the pages; the records by id, and the seconds it took."""
    src = folder / "in.jsonl"
    if not src.exists():
        with src.open("w", encoding="utf-8") as fh:
            for p in pages:
                fh.write(json.dumps({"id": p["id"], "url": p["url"], "text": p["scrape"]}) + "\n")
    out = folder / ("learned" if learn else "plain")
    shutil.rmtree(out, ignore_errors=True)
    cleaner = make_cleaner(generic_packs() if packs is None else packs)
    start, cpu = time.perf_counter(), time.process_time()
    run(cleaner, [str(src)], str(out), RunOptions(learn_chrome=learn))
    seconds = time.perf_counter() - start
    TIMES.append((seconds, time.process_time() - cpu))
    records = {}
    for line in (out / "articles.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        records[r["id"]] = r
    return records, seconds


# The stage's parts timed apart (LearnChrome's methods): pass 1's second clean, the seal, and
# applying the learned rules in pass 2.
PHASES = {"second clean": "companion", "seal": "seal", "apply": "apply"}


@contextmanager
def phases(parts: dict[str, float]) -> Iterator[None]:
    """Add the CPU seconds of each of :data:`PHASES` in the runs inside to ``parts``."""
    saved = {name: getattr(LearnChrome, name) for name in PHASES.values()}

    def timed(label: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def run_timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0.0) + time.process_time() - start

        return run_timed

    for label, name in PHASES.items():
        setattr(LearnChrome, name, timed(label, saved[name]))
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(LearnChrome, name, method)


def with_alt(records: dict[str, Any], plain: dict[str, Any]) -> dict[str, Any]:
    """The records as pass 1 of a run with ``--learn-chrome`` holds them: each one the line
    model changed has its clean without the model (``plain``'s) beside it, when that differs
    (:mod:`cleaner.stages.learnalt`)."""
    out = {}
    for i, r in records.items():
        alt = plain.get(i)
        changed = any(e["pack"] in MODEL_PACKS for e in r["rules"])
        if changed and alt is not None and alt["text"] != r["text"]:
            r = {**r, ALT: alt}
        out[i] = r
    return out


def learn_all(
    records: dict[str, Any],
    groups: dict[str, list[str]],
    share: int,
    min_docs: int,
    model_rules: Sequence[int] = (0,),
    trust_shapes: bool = True,
) -> dict[int, dict[str, str]]:
    """Texts after learning each group of ids as one site, for each ``learn_model_rules``
    (one seal: the rules learned do not depend on it)."""
    stage = LearnChrome(min_docs, share, DEFAULTS["learn_sample"], 1, trust_shapes)
    stage.model = MODEL_PACKS
    out: dict[int, dict[str, str]] = {t: {} for t in model_rules}
    for name, ids in groups.items():
        recs = [{**records[i], "site": name} for i in ids if i in records]
        state = stage.seal(stage.scan(recs))
        for t in model_rules:
            stage.model_rules = t
            stage.model = MODEL_PACKS if t else ()
            for r in recs:
                after = stage.apply(dict(r), state)
                assert isinstance(after, dict)
                out[t][r["id"]] = after["text"]
    return out


def learn(
    records: dict[str, Any],
    groups: dict[str, list[str]],
    share: int,
    min_docs: int,
    model_rules: int = 0,
    trust_shapes: bool = True,
) -> dict[str, str]:
    return learn_all(records, groups, share, min_docs, (model_rules,), trust_shapes)[model_rules]


def loso_shapes(
    pages: Sequence[Page], by_site: dict[str, list[Page]], records: dict[str, Any],
    say: Callable[[str], None],
) -> None:  # fmt: skip
    """Leave-one-site-out for ``trust_shapes`` (doubted shapes that touch no body run run, at
    the default settings): on or off chosen on four sites, scored on the fifth."""
    groups = {s: [p["id"] for p in ps] for s, ps in by_site.items()}
    share, min_docs = DEFAULTS["learn_share"], DEFAULTS["learn_min_docs"]
    model_rules = DEFAULTS["learn_model_rules"]
    by = {t: learn(records, groups, share, min_docs, model_rules, t) for t in (False, True)}
    held: list[LineMetrics] = []
    for site, ps in by_site.items():
        train = [p for p in pages if p["site"] != site]
        scores = {t: metrics(train, texts) for t, texts in by.items()}
        best = max(by, key=lambda t, sc=scores: _rank(sc[t]))  # type: ignore[misc]
        m, tm, off = metrics(ps, by[best]), scores[best], metrics(ps, by[False])
        held.append(m)
        say(
            row(f"{site} held out, {'on' if best else 'off'}", m)
            + f"  [train: {tm['chrome_removal']:.1%} at {tm['content_loss']:.2%};"
            + f" off: {off['chrome_removal']:.1%} at {off['content_loss']:.2%}]"
        )
    say(row("held-out sites summed", sum_line_metrics(held)))
    for t, texts in by.items():
        say(row(f"  {'on' if t else 'off'}, all five", metrics(pages, texts)))


_SCORED: dict[tuple[str, str], LineMetrics] = {}


def metrics(pages: Sequence[Page], texts: dict[str, str]) -> LineMetrics:
    """Summed over the pages; each (page, text) is scored once (the folds reuse them)."""
    out = []
    for p in pages:
        text = texts.get(p["id"], "")
        m = _SCORED.get((p["id"], text))
        if m is None:
            m = _SCORED[p["id"], text] = line_metrics(p["scrape"], text, p["gold"])
        out.append(m)
    return sum_line_metrics(out)


def row(label: str, m: LineMetrics, extra: str = "") -> str:
    return (
        f"{label:<34} chrome removed {m['chrome_removal']:6.1%}  content lost "
        f"{m['content_loss']:6.2%}  ({m['chrome']} chrome, {m['content']} content lines){extra}"
    )


def _rank(m: LineMetrics) -> tuple[bool, float]:
    ok = m["content_loss"] <= MAX_LOSS
    return ok, m["chrome_removal"] if ok else -m["content_loss"]


def loso(
    pages: Sequence[Page],
    by_site: dict[str, list[Page]],
    records: dict[str, Any],
    say: Callable[[str], None],
    model_rules: Sequence[int] = (0,),
) -> None:
    """Leave-one-site-out: each site scored at the ``learn_share`` and ``learn_model_rules``
    chosen on the other four (the highest chrome removal whose content loss, summed over
    them, is at most ``MAX_LOSS``; none: the lowest loss)."""
    generic = {i: r["text"] for i, r in records.items()}
    groups = {s: [p["id"] for p in ps] for s, ps in by_site.items()}
    by: dict[tuple[int, int], dict[str, str]] = {}
    for s in SHARES:
        for t, texts in learn_all(
            records, groups, s, DEFAULTS["learn_min_docs"], model_rules
        ).items():
            by[s, t] = texts
    held: list[LineMetrics] = []
    held_generic: list[LineMetrics] = []
    for site, ps in by_site.items():
        train = [p for p in pages if p["site"] != site]
        scores = {k: metrics(train, texts) for k, texts in by.items()}

        best = max(by, key=lambda k, sc=scores: _rank(sc[k]))  # type: ignore[misc]
        tm = scores[best]
        m = metrics(ps, by[best])
        held.append(m)
        held_generic.append(metrics(ps, generic))
        say(
            row(f"{site} held out, {best[0]}%/{best[1]}", m)
            + f"  [train: {tm['chrome_removal']:.1%} at {tm['content_loss']:.2%}]"
        )
    summed, summed_generic = sum_line_metrics(held), sum_line_metrics(held_generic)
    say(row("held-out sites summed", summed))
    say(
        f"  generic packs alone: {summed_generic['chrome_removal']:.1%} at "
        f"{summed_generic['content_loss']:.2%}"
    )
    say("each (learn_share %, learn_model_rules) on all five (for reference):")
    for k, texts in by.items():
        say(row(f"  {k[0]}% / {k[1]}", metrics(pages, texts)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--rounds", type=int, default=2, help="timed runs of each, alternately")
    ap.add_argument("--timing-only", action="store_true", help="stop after the run times")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    pages = ctf_pages()
    by_site: dict[str, list[Page]] = {}
    for p in pages:
        by_site.setdefault(p["site"], []).append(p)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records, _ = clean(pages, folder, False)
        (folder / "no-model").mkdir()
        nm_records, _ = clean(pages, folder / "no-model", False, no_model_packs())
        both = with_alt(records, nm_records)  # what pass 1 of a run with learning holds
        generic = {i: r["text"] for i, r in records.items()}
        groups = {s: [p["id"] for p in ps] for s, ps in by_site.items()}
        share, min_docs = DEFAULTS["learn_share"], DEFAULTS["learn_min_docs"]
        model_rules = DEFAULTS["learn_model_rules"]
        say(
            f"ctf, site packs left out; learn_share {share}%, learn_min_docs {min_docs}, "
            f"learn_model_rules {model_rules}"
        )
        default = learn(both, groups, share, min_docs, model_rules)
        for site, ps in by_site.items():
            say(row(f"{site} generic ({len(ps)} pages)", metrics(ps, generic)))
            say(row(f"{site} learned", metrics(ps, default)))
        say(row("all five generic", metrics(pages, generic)))
        say(row("all five learned", metrics(pages, default)))
        say(
            f"documents with a clean without the line model: {sum(ALT in r for r in both.values())}"
        )
        if not args.no_timing:
            same = True
            parts: dict[str, float] = {}
            for _ in range(args.rounds):  # alternately: the shared machine's load drifts
                with phases(parts):
                    learned_records, _ = clean(pages, folder, True)
                same = same and {i: r["text"] for i, r in learned_records.items()} == default
                clean(pages, folder, False)
            runs = TIMES[-2 * args.rounds :]
            with_learn, plain = runs[0::2], runs[1::2]
            say()
            say(f"run time, {len(pages)} pages, -j 1, {args.rounds} alternate runs each:")
            for i, what in ((0, "wall"), (1, "CPU")):
                a, b = [t[i] for t in plain], [t[i] for t in with_learn]
                say(
                    f"  {what:<4} without {' '.join(f'{x:.1f}' for x in a)} s, with --learn-chrome "
                    f"{' '.join(f'{x:.1f}' for x in b)} s ({sum(b) / sum(a):.2f}x; goal <= 2x)"
                )
            cpu = sum(t[1] for t in with_learn)
            say(
                "  CPU of a run with --learn-chrome, mean: "
                + ", ".join(f"{k} {v / args.rounds:.2f} s" for k, v in parts.items())
                + f", the rest (first clean, I/O) {(cpu - sum(parts.values())) / args.rounds:.2f} s"
            )
            say(f"  the run's texts equal the bench's: {same}")
            if args.timing_only:
                return 0

        say()
        say(
            f"leave-one-site-out, generic packs as shipped: learn_share and learn_model_rules "
            f"chosen on four sites (content lost <= {MAX_LOSS:.0%})"
        )
        loso(pages, by_site, both, say, MODEL_RULES)

        say()
        say(
            "leave-one-site-out, trust_shapes (doubted shapes repeated on a page that touch no "
            "body run, run) on or off chosen on four sites, at the default settings:"
        )
        loso_shapes(pages, by_site, both, say)

        say()
        say("the same without the generic line model (the boilerplate pack left out):")
        say(row("all five generic", metrics(pages, {i: r["text"] for i, r in nm_records.items()})))
        say(row("all five learned", metrics(pages, learn(nm_records, groups, share, min_docs))))
        loso(pages, by_site, nm_records, say)

        say()
        say(
            f"small sites: each ctf site cut into groups of N pages, learned at share {share}%; "
            "learn_model_rules chosen on four sites' groups, scored on the fifth's"
        )
        for n in GROUPS:
            cut = {
                f"{s}#{k}": ids[k : k + n]
                for s, ids in groups.items()
                for k in range(0, len(ids) - n + 1, n)
            }
            covered = [p for p in pages if any(p["id"] in ids for ids in cut.values())]
            by_t = learn_all(both, cut, share, 3, MODEL_RULES)
            for t in MODEL_RULES:
                m = metrics(covered, by_t[t])
                say(row(f"  N = {n} ({len(cut)} groups), model rules {t}", m))
            held, picks = [], []
            for site in by_site:
                train = [p for p in covered if p["site"] != site]
                t = max(MODEL_RULES, key=lambda t: _rank(metrics(train, by_t[t])))
                picks.append(t)
                held.append(metrics([p for p in covered if p["site"] == site], by_t[t]))
            say(row(f"  N = {n} held out, chosen {picks}", sum_line_metrics(held)))

        others = other_pages()
        (folder / "others").mkdir()
        o_records, _ = clean(others, folder / "others", False)
        (folder / "others-nm").mkdir()
        o_nm, _ = clean(others, folder / "others-nm", False, no_model_packs())
        o_both = with_alt(o_records, o_nm)
        o_groups: dict[str, list[str]] = {}
        for r in o_records.values():
            o_groups.setdefault(site_of(r) or r["id"], []).append(r["id"])
        sizes = Counter(len(ids) for ids in o_groups.values())
        o_generic = {i: r["text"] for i, r in o_records.items()}
        o_learned = learn(o_both, o_groups, share, min_docs, model_rules)
        say()
        say(
            f"aeb + wcxb: {len(others)} pages, {len(o_groups)} sites, the largest has "
            f"{max(sizes)} pages; sites with >= {min_docs}: "
            f"{sum(v for k, v in sizes.items() if k >= min_docs)}"
        )
        say(row("aeb + wcxb generic", metrics(others, o_generic)))
        say(row("aeb + wcxb learned", metrics(others, o_learned)))
        say(f"texts changed by learning: {sum(o_learned[i] != o_generic[i] for i in o_generic)}")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
