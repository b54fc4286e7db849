"""Hostile charset labels and control characters in pages: the article survives, unchanged.

A page's <meta charset> is honoured only when a browser would honour it (the WHATWG label
list); any other label is ignored and the bytes are read as they are. Control characters, raw
or as character references, are dropped instead of sinking the whole page.
"""

from __future__ import annotations

import pytest

from cleaner.html.charset import codec_for, decode_page, without_controls
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record

SENTENCE = "The council met on day {} and agreed that the new library would open in spring."
BODY = "".join(
    f"<p>{' '.join(SENTENCE.format(6 * k + i) for i in range(6))}</p>\n" for k in range(8)
)


def page(meta: str = "", extra: str = "", encoding: str = "utf-8") -> bytes:
    return (
        f"<html><head>{meta}<title>Library opens</title></head><body><article>"
        f"<h1>Library opens</h1>{extra}{BODY}</article></body></html>"
    ).encode(encoding)


def clean(cleaner: Cleaner, data: bytes) -> Record:
    result = cleaner.clean(RawArticle("p", "p.html", data, html=True)).result
    assert isinstance(result, Record), result
    return result


@pytest.mark.parametrize(
    "label", ["base64", "rot13", "hex", "zlib", "undefined", "bz2", "uu", "quopri", "idna"]
)
def test_codec_labels_no_browser_knows_are_ignored(cleaner: Cleaner, label: str) -> None:
    record = clean(cleaner, page(f'<meta charset="{label}">'))
    assert "agreed that the new library would open in spring" in record.text
    assert record.encoding == "utf-8"


@pytest.mark.parametrize(
    "label", ["cp037", "cp500", "utf-7", "unicode_escape", "raw_unicode_escape"]
)
def test_labels_that_would_mangle_the_text_are_ignored(cleaner: Cleaner, label: str) -> None:
    # Not UTF-8 (a café in windows-1252), so the declared label would be tried.
    path = r"<p>The café's files live in C:\temp\new on the library's server, said officials.</p>"
    record = clean(cleaner, page(f'<meta charset="{label}">', path, "cp1252"))
    assert r"The café's files live in C:\temp\new" in record.text
    assert "agreed that the new library would open in spring" in record.text


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ISO-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("utf8", "utf-8"),
        (" Shift_JIS ", "cp932"),
        ("gb2312", "gb18030"),
        ("big5", "big5hkscs"),
        ("euc-kr", "cp949"),
        ("tis-620", "cp874"),
        ("x-mac-cyrillic", "mac-cyrillic"),
        ("iso-8859-8-i", "iso8859-8"),
        ("koi8-u", "koi8-u"),
    ],
)
def test_whatwg_labels_read_as_browsers_read_them(label: str, codec: str) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize(
    "label", ["latin-1", "utf-16", "utf-16le", "replacement", "x-user-defined"]
)
def test_labels_browsers_ignore_in_meta_are_ignored(label: str) -> None:
    assert codec_for(label) is None


def test_a_declared_legacy_charset_still_decodes() -> None:
    data = '<meta charset="windows-1251"><p>Привет, мир</p>'.encode("cp1251")
    decoded = decode_page(data)
    assert decoded.text is not None
    assert "Привет, мир" in decoded.text
    assert decoded.encoding == "cp1251"


@pytest.mark.parametrize("control", ["&#x1;", "&#1;", "&#x1b;", "&#27", "\x1b", "\x01", "\x7f"])
def test_one_control_character_does_not_lose_the_page(cleaner: Cleaner, control: str) -> None:
    record = clean(cleaner, page(extra=f"<p>Before{control}after the meeting, a vote.</p>"))
    assert "scrub:controls" in record.repairs  # the edit is on the record
    assert "Beforeafter the meeting" in record.text
    assert "agreed that the new library would open in spring" in record.text


@pytest.mark.parametrize(
    "kept", ["&#9;", "&#10;", "&#12;", "&#123;", "&#x1F600;", "&amp;#x1;", "\t", "\x0c", "\x00"]
)
def test_characters_that_are_text_are_kept(kept: str) -> None:
    assert without_controls(f"a{kept}b") == (f"a{kept}b", 0)
