"""Site selection's shortcuts give what the plain selection gives, and a document pays only for
the packs that match it:

- the packs for a domain are chosen once per domain and kept (a bounded memo): each selection
  equals the one the plain loop below makes, before and after the memo starts again;
- choosing looks packs up by name: no step of it iterates over every loaded site pack;
- an ASCII host name skips the IDNA codec: it answers as the codec path does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.make_corpus import make_pack, site_name
from cleaner.engine import hosts, ruleset
from cleaner.engine.hosts import is_host_name
from cleaner.engine.ruleset import RuleSet, Selection, domain_of
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from tests.conftest import RULES

N_PACKS = 30


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """The shipped packs (three switch a generic pack off) and generated site packs."""
    folder = tmp_path_factory.mktemp("packs")
    for i in range(N_PACKS):
        (folder / f"{site_name(i)}.yaml").write_text(make_pack(i), "utf-8")
    return RuleSet.from_paths([RULES, folder])


def plain_select(rules: RuleSet, text: str, url: str | None, site: str | None) -> Selection:
    """The selection as made before the shortcuts: every document, a loop over the site packs."""
    matched: dict[str, str] = {}
    domain = site or domain_of(url)
    if domain:
        parts = domain.split(".")
        for i in range(len(parts) - 1):
            for p in rules.by_domain.get(".".join(parts[i:]), []):
                matched.setdefault(p.name, f"domain {domain}")
    else:
        for slot in sorted(rules._fingerprints.hits(text)):
            p, src = rules._fp_owner[slot]
            matched.setdefault(p.name, f"fingerprint {src!r}")
    names = sorted(matched)
    site_name_ = domain
    if site_name_ is None and names:
        first = next(p for p in rules.sites if p.name == names[0])
        site_name_ = first.domains[0] if first.domains else first.name
    off = frozenset(d for p in rules.sites if p.name in matched for d in p.disable_generic)
    generic = [n for n in rules.generic_names if n not in off]
    groups = [rules.site_groups[n] for n in names] + [rules._generic_less(off)]
    reasons = dict(matched)
    reasons.update(dict.fromkeys(generic, "generic"))
    return Selection(groups, site_name_, names + generic, reasons)


def queries() -> Iterator[tuple[str, str | None, str | None]]:
    """(text, url, site): by domain, by a domain under a pack's, by site name, by fingerprint,
    a pack that switches generic packs off, and no site at all; each domain more than once."""
    body = "The council approved the new budget on Tuesday.\n"
    for _ in range(2):
        for i in range(0, N_PACKS, 3):
            yield body, f"https://www.{site_name(i)}/a/{i}", None
            yield body, f"https://news.{site_name(i)}/b", None
            yield f"Breaking from Site {i:04d}\n{body}", None, None
        yield body, None, site_name(4)
        for host in ("www.forbes.com", "news.yahoo.com", "foxnews.com", "www.bbc.co.uk"):
            yield body, f"https://{host}/story", None
        yield body, "https://elsewhere.test/x", None
        yield body, None, None
        yield body, "not a url at all", None


def test_selection_equals_the_plain_selection(
    rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_off = set()
    for kept in (ruleset.SELECTIONS_KEPT, 3):  # the memo as shipped, and one that restarts
        monkeypatch.setattr(ruleset, "SELECTIONS_KEPT", kept)
        rules._by_site.clear()
        for text, url, site in queries():
            got = rules.select(text, url=url, site=site)
            want = plain_select(rules, text, url, site)
            assert got.site == want.site, (url, site)
            assert got.packs == want.packs, (url, site)
            assert got.reasons == want.reasons, (url, site)
            assert [id(g) for g in got.groups] == [id(g) for g in want.groups], (url, site)
            seen_off.add(len(got.groups[-1].rules) < len(rules.generic.rules))
            assert len(rules._by_site) <= kept
    assert seen_off == {True, False}  # some packs switched a generic pack off, others not


class _NoLoop(list):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[object]:
        raise AssertionError("a document's selection looped over every site pack")


def test_choosing_never_loops_over_every_site_pack(rules: RuleSet) -> None:
    plain = {
        key: plain_select(rules, *key)
        for key in [
            ("x", "https://www.forbes.com/a", None),
            ("Breaking from Site 0007\n", None, None),
        ]
    }
    loaded = rules.sites
    rules.sites = _NoLoop(loaded)
    rules._by_site.clear()
    try:
        for (text, url, site), want in plain.items():
            got = rules.select(text, url=url, site=site)
            assert (got.site, got.packs) == (want.site, want.packs)
    finally:
        rules.sites = loaded
    assert plain[("x", "https://www.forbes.com/a", None)].packs[0] == "forbes.com"
    assert plain[("Breaking from Site 0007\n", None, None)].packs[0] == site_name(7)


def test_records_equal_with_the_memo_restarting_every_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "packs"
    folder.mkdir()
    for i in range(5):
        (folder / f"{site_name(i)}.yaml").write_text(make_pack(i), "utf-8")
    body = "The council approved the new budget on Tuesday after a long debate.\n" * 3
    raws = [
        RawArticle(
            f"d{n}",
            f"d{n}",
            f"Site {n % 5:04d} News | Home | World | Business | Tech\n{body}More from Site "
            f"{n % 5:04d}\nLinks",
            url=f"https://www.{site_name(n % 5)}/{n}",
        )
        for n in range(10)
    ]
    cleaner = Cleaner.from_paths([RULES, folder])
    got = [cleaner.clean(r).result for r in raws]
    monkeypatch.setattr(ruleset, "SELECTIONS_KEPT", 0)  # cleared before every domain's turn
    assert got == [cleaner.clean(r).result for r in raws]
    assert all("More from" not in getattr(r, "text", "More from") for r in got)


def plain_is_host_name(text: str) -> bool:
    """``is_host_name`` without its ASCII shortcut: every name through the IDNA codec."""
    if not text or len(text) > 253:
        return False
    try:
        ascii_form = text.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return hosts._HOST.match(ascii_form) is not None


def test_ascii_host_names_answer_as_through_the_idna_codec() -> None:
    long_label = "a" * 63
    names = [
        "example.com",
        "www.site0001.example",
        "a.b",
        "localhost",
        "a..b",
        ".a.b",
        "a.b.",
        "-a.b",
        "a-.b",
        "a_b.com",
        "xn--bcher-kva.de",
        "xn--.de",
        f"{long_label}.com",
        f"{long_label}a.com",
        f"a.{long_label}a",
        "1.2.3.4",
        "::1",
        "a b.com",
        "bücher.de",
        "例子.测试",
        "x" * 250 + ".com",
    ]
    for name in names:
        assert is_host_name(name) == plain_is_host_name(name), name
    assert is_host_name("example.com")
    assert not is_host_name("a..b")
