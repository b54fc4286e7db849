"""Page bytes -> text: the page's declared charset, checked against the bytes, else detection.

A declaration is evidence, not truth. Archived and re-saved pages often declare ISO-8859-1 while
the bytes are UTF-8 (31 of the crawl-to-the-future pages), so bytes that are valid UTF-8 with
non-ASCII sequences are read as UTF-8 whatever the page says: legacy text is almost never valid
UTF-8 by chance. A declared charset the bytes do not decode in is wrong too; both fall back to
detection, and ``source`` says what happened.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from cleaner.steps.decode import decode

# Browsers look at the first 1024 bytes; archived pages put a toolbar script before the page's
# own <head>, so look further. The declaration must still come before most of the page.
SNIFF_BYTES = 32768
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""", re.I)

# The WHATWG Encoding Standard's labels, the only ones a browser honours, each with the Python
# codec that decodes what browsers decode: legacy labels get the superset browsers use
# (ISO-8859-1 and ASCII read as windows-1252, GB2312 as GB18030 ...). A label not here
# ("cp037", "base64", "unicode_escape", "rot13") is ignored, as a browser ignores it, and the
# bytes are detected. UTF-16/32 labels and the "replacement" encoding are left out on purpose: a
# page whose <meta> could be read was ASCII-compatible, and browsers ignore them there too.
_WHATWG = {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "cp866": "866 cp866 csibm866 ibm866",
    "iso8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 "
    "iso_8859-2:1987 l2 latin2",
    "iso8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 "
    "iso_8859-3:1988 l3 latin3",
    "iso8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 "
    "iso_8859-4:1988 l4 latin4",
    "iso8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 "
    "iso_8859-5 iso_8859-5:1988",
    "iso8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 "
    "iso-8859-6 iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 "
    "iso_8859-6:1987",
    "iso8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 "
    "iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "iso8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 "
    "iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical",
    "iso8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "iso8859-16": "iso-8859-16",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "mac-roman": "csmacintosh mac macintosh x-mac-roman",
    "cp874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "cp1250": "cp1250 windows-1250 x-cp1250",
    "cp1251": "cp1251 windows-1251 x-cp1251",
    "cp1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 "
    "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "cp1253": "cp1253 windows-1253 x-cp1253",
    "cp1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
    "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254",
    "cp1255": "cp1255 windows-1255 x-cp1255",
    "cp1256": "cp1256 windows-1256 x-cp1256",
    "cp1257": "cp1257 windows-1257 x-cp1257",
    "cp1258": "cp1258 windows-1258 x-cp1258",
    "mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "gb18030": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 "
    "x-gbk gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc_jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso2022_jp": "csiso2022jp iso-2022-jp",
    "cp932": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "cp949": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
    "ksc5601 ksc_5601 windows-949",
}
_CODEC_OF_LABEL = {
    label: codecs.lookup(codec).name
    for codec, labels in _WHATWG.items()
    for label in labels.split()
}


# C0 controls but NUL (the repair step scrubs it), tab, newline, form feed and carriage return;
# and DEL; raw or as numeric character references (whose semicolon HTML makes optional). No page
# means them as text, and one of them makes lxml, and trafilatura on top of it, drop the page.
# Two passes, references first: a reference holds no raw control, so the two find what one
# alternation would (tests/test_html_speed.py), and each runs on re's fast path (a literal
# prefix, a character set) where the alternation tried both at every character.
_CONTROL_REFS = re.compile(
    r"&#(?:0*(?:[0-8]|11|1[4-9]|2[0-9]|3[01]|127)(?![0-9])"
    r"|[xX]0*(?:[0-8]|[bB]|[eEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]));?"
)
_RAW_CONTROLS = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")


def without_controls(text: str) -> tuple[str, int]:
    """``text`` less control characters, raw or as character references, and how many."""
    text, refs = _CONTROL_REFS.subn("", text)
    text, raw = _RAW_CONTROLS.subn("", text)
    return text, refs + raw


@dataclass(frozen=True)
class PageText:
    text: str | None
    encoding: str | None  # the Python codec used
    source: str | None  # how it was chosen: bom, declared, utf-8, detected ...
    declared: str | None  # the page's own label, as written
    problem: str | None = None  # reject code when text is None
    message: str | None = None


def declared_charset(data: bytes) -> str | None:
    """The charset label a page declares in <meta> or an XML declaration, as written."""
    head = data[:SNIFF_BYTES]
    m = _XML_DECL.match(head) or _META.search(head)
    return m.group(1).decode("ascii") if m else None


def codec_for(label: str) -> str | None:
    """The Python codec a browser would decode ``label`` with; None for a label it ignores."""
    return _CODEC_OF_LABEL.get(label.strip().lower())


def decode_page(data: bytes) -> PageText:
    """Decode page bytes: BOM, then valid UTF-8, then the declared charset, then detection."""
    label = declared_charset(data)
    codec = codec_for(label) if label else None
    decoded = decode(data, None if codec == "utf-8" else codec)
    if decoded.text is None:
        return PageText(None, None, None, label, decoded.problem, decoded.message)
    used = decoded.encoding
    if used == "utf-8" and codec is not None and data.isascii():
        used = codec  # ASCII reads the same in every ASCII-compatible charset
    if used in ("utf-8-sig", "utf-16", "utf-32"):
        how = "bom"
    elif used == codec:
        how = "declared"
    elif used == "utf-8":
        how = "utf-8" if label is None else f"utf-8 (declared {label} does not fit)"
    elif label is None:
        how = "detected"
    else:
        problem = "is unknown" if codec is None else "does not fit"
        how = f"detected (declared {label} {problem})"
    return PageText(decoded.text, used, how, label)
