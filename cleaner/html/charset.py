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

# WHATWG Encoding: these labels are decoded with a superset, as every browser does. Keys are
# Python's canonical codec names.
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
}
# Labels browsers know that Python spells differently.
_ALIASES = {"x-sjis": "cp932", "windows-31j": "cp932", "x-mac-roman": "mac-roman"}


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
    """The Python codec a browser would decode ``label`` with; None for unknown labels.

    A UTF-16/32 label on a page without a BOM is ignored, as browsers ignore it: the bytes were
    sniffed as ASCII-compatible to find the label at all.
    """
    try:
        name = codecs.lookup(_ALIASES.get(label.lower(), label)).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None
    if name == "utf-8-sig":
        return "utf-8"
    return _SUPERSETS.get(name, name)


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
