"""Real pages for the authoring tests: the ctf corpus's plain-text scrapes and hand-checked texts.

The corpus lives beside the repository (``../shared/corpora``, or ``$CLEANER_CORPORA``); tests
that need it skip with the reason when it is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from bench.corpora import iter_ctf, read_html_bytes, scrape_text
from tests.conftest import corpora_missing


@dataclass(frozen=True)
class CtfText:
    name: str  # file stem, unique within a site
    scrape: str
    gold: str


def need_ctf() -> None:
    missing = corpora_missing("ctf")
    if missing is not None:
        pytest.skip(missing)


@cache
def site_pages(site: str) -> tuple[CtfText, ...]:
    need_ctf()
    return tuple(
        CtfText(p.name, scrape_text(read_html_bytes(p.html_path)), p.gold_text)
        for p in iter_ctf(site)
    )


def write_pages(pages: tuple[CtfText, ...], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in pages:
        (folder / f"{p.name}.txt").write_text(p.scrape, "utf-8")
    return folder
