"""A document pays only for the packs that match it: the work per document (pattern-set scans and
rule applications, counted, not timed) is the same with 10 site packs loaded as with 400."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.make_corpus import make_pack, site_name
from cleaner.engine import regex
from cleaner.engine.kinds import ChromeKind
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from tests.conftest import RULES

BODY = "The council approved the new budget on Tuesday after a long debate about schools.\n" * 3


def cleaner_with(tmp_path: Path, n_packs: int) -> Cleaner:
    folder = tmp_path / f"packs-{n_packs}"
    folder.mkdir()
    for i in range(n_packs):
        (folder / f"{site_name(i)}.yaml").write_text(make_pack(i), "utf-8")
    return Cleaner.from_paths([RULES, folder])


def work(cleaner: Cleaner, raw: RawArticle, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many set scans, and which rules' apply, one document costs."""
    counts: Counter[str] = Counter()
    real_hits = regex.PatternSet.hits
    kinds = {type(r.kind) for r in cleaner.rules.rules.values()}
    real_apply = {k: k.apply for k in kinds if issubclass(k, ChromeKind)}

    def hits(self: regex.PatternSet, text: str | bytes) -> set[int]:
        counts["set scans"] += 1
        return real_hits(self, text)

    monkeypatch.setattr(regex.PatternSet, "hits", hits)
    for kind, apply in real_apply.items():

        def counted(self, lines, index=None, _apply=apply):  # type: ignore[no-untyped-def]
            counts[f"apply {self.name}"] += 1
            return _apply(self, lines, index)

        monkeypatch.setattr(kind, "apply", counted)
    result = cleaner.clean(raw).result
    monkeypatch.undo()
    assert isinstance(result, Record)
    return counts


def site_doc(i: int) -> str:
    return (
        f"Site {i:04d} News | Home | World | Business | Tech\nBreaking from Site {i:04d}\n"
        f"Title | Site {i:04d}\n{BODY}More from Site {i:04d}\nLinks"
    )


def test_work_per_document_does_not_grow_with_loaded_packs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    few, many = cleaner_with(tmp_path, 10), cleaner_with(tmp_path, 400)
    docs = [
        RawArticle("u", "u", site_doc(5), url=f"https://www.{site_name(5)}/a"),  # by domain
        RawArticle("f", "f", site_doc(7)),  # by fingerprint
        RawArticle("g", "g", BODY),  # no site at all
    ]
    for raw in docs:
        counted = work(few, raw, monkeypatch)
        assert counted == work(many, raw, monkeypatch), raw.id
        if raw.id != "g":  # the site pack's own rules ran
            assert counted["apply drop_line"] >= 1
            assert counted["set scans"] >= 2
    # And the site packs did their work in both.
    for c in (few, many):
        result = c.clean(docs[0]).result
        assert isinstance(result, Record)
        assert result.text.startswith("Title\n")
        assert "More from" not in result.text


def test_site_dispatch_is_a_lookup_not_a_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Choosing the packs costs no pattern scan by domain and one by fingerprint, however many
    # packs are loaded; a loop over the packs' patterns would count one per pack.
    scans: Counter[str] = Counter()
    real_hits = regex.PatternSet.hits

    def hits(self: regex.PatternSet, text: str | bytes) -> set[int]:
        scans["set scans"] += 1
        return real_hits(self, text)

    monkeypatch.setattr(regex.PatternSet, "hits", hits)
    for n in (10, 400):
        many = cleaner_with(tmp_path, n)
        scans.clear()
        by_domain = many.rules.select("x", url=f"https://news.{site_name(9)}/a")
        assert by_domain.packs[0] == site_name(9)
        assert len(by_domain.groups) == 2  # that site's group and the generic group
        assert scans["set scans"] == 0, n
        by_fingerprint = many.rules.select(site_doc(9))
        assert by_fingerprint.packs[0] == site_name(9)
        assert scans["set scans"] == 1, n
