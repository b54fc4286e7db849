"""Host names: what a pack's ``domains`` may hold, and what a record's ``site`` may say."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# RFC 1123 labels (letters, digits, inner hyphens; 63 at most), two or more of them: a site's
# domain. Internationalised names are checked in their ASCII (punycode) form.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")


def is_host_name(text: str) -> bool:
    """Whether ``text`` (lower case) is a host name such as ``example.com`` or ``bücher.de``."""
    if not text or len(text) > 253:
        return False
    if text.isascii():  # the IDNA codec returns an ASCII name as it is, or refuses one the
        return _HOST.match(text) is not None  # pattern refuses too (an empty or long label)
    try:
        ascii_form = text.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return _HOST.match(ascii_form) is not None


def host_suggestion(text: str) -> str | None:
    """The host name a URL or a ``host/path`` holds, for a 'did you mean' hint; else None."""
    text = text.strip()
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname
    except ValueError:
        return None
    return host if host and host != text and is_host_name(host) else None
