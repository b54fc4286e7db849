"""An archived capture's day bounds the dates the text rules take too: a page cleaned from the
Wayback Machine never gets a date after the day it was captured, whichever step finds it."""

from __future__ import annotations

import pytest

from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from tests.conftest import RULES
from tests.test_html_dates import _archived

_BODY = "<h1>Council votes on the new bridge</h1><p>{line}</p>" + "".join(
    f"<p>Paragraph {i} of the story tells what the council said about the bridge, who "
    "spoke for it and against it, and what the vote means for the town's budget.</p>"
    for i in range(6)
)


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.from_paths([RULES])


def _published(cleaner: Cleaner, line: str, stamp: str) -> str | None:
    page = _archived(_BODY.format(line=line), "http://example.com/council-bridge", stamp)
    url = f"https://web.archive.org/web/{stamp}/http://example.com/council-bridge"
    result = cleaner.clean(RawArticle("p", "p.html", page, url=url, html=True)).result
    assert isinstance(result, Record), result
    return result.date_published


@pytest.mark.parametrize(
    ("line", "stamp", "published"),
    [
        # After the capture: not the page's date, however it is labelled.
        ("Posted: March 1, 2010", "20050703024133", None),
        ("Updated March 1, 2010 10:00 a.m.", "20050703024133", None),
        # On or before the capture day: the page's.
        ("Posted: July 3, 2005", "20050703024133", "2005-07-03"),
        ("Posted: March 1, 2005", "20050703024133", "2005-03-01"),
    ],
)
def test_no_text_date_after_the_capture(
    cleaner: Cleaner, line: str, stamp: str, published: str | None
) -> None:
    got = _published(cleaner, line, stamp)
    assert (got[:10] if got else None) == published
