"""Learned chrome in place of the generic line model: each document's clean without it.

The generic line model (the packs with a rule of :data:`MODEL_KINDS`) loses headlines and
datelines on sites without a pack, and learning cannot give back what pass 1 removed. So pass 1
of a run with ``--learn-chrome`` also cleans each document the model changed a second time,
with the model's packs switched off for every document (:meth:`RuleSet.without_generic`, as a
site pack's ``disable_generic`` does where it matches), and keeps that record beside the first:
the pass-1 line is the record's JSON, a tab, and the other record's JSON (JSON text holds no raw
tab). The scan samples the texts without the model, so the miner sees all of a site's chrome;
pass 2 takes, for a site whose learned pack has at least ``learn_model_rules`` live rules, the
record without the model and runs the learned rules on it; every other record is pass 1's first
one, its line's bytes unchanged.

Why the second clean in pass 1 and not in pass 2: which sites learn is known only after pass 1,
but pass 1 already has the document in hand on every engine (worker processes, Ray tasks), in
bounded memory, in input order or with its order key; pass 2 would have to read the inputs
again beside pass 1's shards. The cost is one more clean without the model for the documents
the model changed (cheaper than the first: the model is most of a clean's time) and their
second record on disk until the run ends.

A document pass 1 rejects stays rejected; one the clean without the model rejects, or leaves
as the model did, has no second record (pass 2 then uses the first); so has one without a site
(it never learns). The second clean does not start over: the first keeps the document as it
stood before the chrome rules first ran (:data:`RESUME`; what runs before them is the same
without the model) and the second runs the steps from there (``Cleaner.resume``). A second
clean that fails leaves the first record in place; the engine counts it (``summary.json``'s
``second_clean_failed``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cleaner.authoring.suggest import MODEL_KINDS
from cleaner.engine.kinds import CHROME
from cleaner.engine.ruleset import domain_of
from cleaner.io.readers import Item, parse_json_line
from cleaner.io.writers import dump_line
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from cleaner.steps.base import Doc

ALT = "_alt"  # the record's key for its clean without the model, between the two passes
_KEPT = "_learn_without_model"  # where a cleaner keeps its view without the model
# The step the second clean resumes at: the chrome rules' (in the first round of the fixpoint).
RESUME = "chrome"


def site_of(record: dict[str, Any]) -> str | None:
    """The site a record's chrome belongs to: its ``site``, else its URL's host (no ``www.``)."""
    site = record.get("site")
    if site:
        return str(site)
    url = record.get("url")
    if not url:
        return None
    try:
        host = urlsplit(str(url)).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def model_packs(cleaner: Cleaner) -> tuple[str, ...]:
    """The generic packs that run the trained line model."""
    return tuple(
        sorted(
            p.name
            for p in cleaner.rules.packs
            if p.scope == "generic" and any(r.kind_name in MODEL_KINDS for r in p.rules)
        )
    )


def resume_step(cleaner: Cleaner, off: tuple[str, ...]) -> str | None:
    """Where the clean without the packs ``off`` may take up the first clean's document
    (:data:`RESUME`), or None when it must start over: a pack with other than chrome rules
    (HTML or field rules) would change what runs before."""
    if not off:
        return None
    other = any(
        r.kind.phase != CHROME for p in cleaner.rules.packs if p.name in off for r in p.rules
    )
    return None if other else RESUME


def _without(cleaner: Cleaner, off: tuple[str, ...]) -> Cleaner:
    """The cleaner with the packs ``off`` switched off for every document, built once and kept
    on the cleaner itself (not in module state: a process may hold several cleaners)."""
    kept = cleaner.__dict__.get(_KEPT)
    if kept is not None and kept[0] == off:
        return kept[1]  # type: ignore[no-any-return]
    view = object.__new__(Cleaner)
    view.__dict__.update(cleaner.__dict__)
    view.rules = cleaner.rules.without_generic(frozenset(off))
    cleaner.__dict__[_KEPT] = view.__dict__[_KEPT] = (off, view)
    return view


def clean_without(
    cleaner: Cleaner,
    item: Item,
    record: dict[str, Any],
    off: tuple[str, ...],
    kept: Doc | None = None,
) -> dict[str, Any] | None:
    """The record of ``item`` cleaned without the packs ``off``, from ``kept`` (the first
    clean's document before :data:`RESUME`) when given; None when they changed nothing in
    ``record`` (pass 1's), when it has no site or when that clean rejects it. An error in that
    clean is raised: the engine counts it and keeps the first record."""
    if not off or not isinstance(item, RawArticle):
        return None
    if not any(e["pack"] in off for e in record["rules"]) or site_of(record) is None:
        return None
    view = _without(cleaner, off)
    outcome = None
    if kept is not None:
        start = _view_start(view, kept)
        if start is not None:
            outcome = view.resume(start)
    result = (outcome or view.clean(item)).result
    if not isinstance(result, Record):
        return None
    alt = result.to_dict()
    return alt if alt["text"] != record["text"] else None


def _view_start(view: Cleaner, kept: Doc) -> Doc | None:
    """``kept`` with the packs ``view`` would have chosen, or None when they cannot be told
    again: a page chose them on its source, unless its URL's domain (or site) did."""
    raw = kept.raw
    if raw.site or domain_of(raw.url):
        return kept.but(selection=view.rules.select(b"", url=raw.url, site=raw.site))
    if kept.page is not None or kept.text is None:
        return None
    # Plain text was selected on the text the chrome rules start from (the fields step, which
    # runs between, changes no text).
    data = kept.utf8
    text = kept.text if data is None else data
    return kept.but(selection=view.rules.select(text, url=raw.url, site=raw.site))


def join_line(line: bytes, alt: dict[str, Any]) -> bytes:
    """Pass 1's line for a record with a second one: ``line`` (newline ended), tab, ``alt``."""
    return line[:-1] + b"\t" + dump_line(alt) + b"\n"


def split_line(line: bytes) -> tuple[bytes, dict[str, Any]]:
    """A pass-1 line back: the record's own line (what pass 2 writes when it keeps it as it is)
    and the record, its second one (if any) under :data:`ALT`."""
    cut = line.find(b"\t")
    if cut < 0:
        return line, parse_json_line(line)
    own = line[:cut] + b"\n"
    record = parse_json_line(own)
    record[ALT] = parse_json_line(line[cut + 1 :])
    return own, record
