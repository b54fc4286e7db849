"""The site packs' CSS selectors: compiled once at pack load to one XPath for the rules' lxml
tree, with soupsieve kept for what XPath does not say the same way.

Packs were written against soupsieve (the rules ran on a beautifulsoup4 soup). A selector whose
pseudo-classes all translate exactly runs as XPath; any other that soupsieve accepts runs
through soupsieve on a soup mirror of the page (``cleaner.html.soup_mirror``), so an old pack
still loads and matches as it did. Only such a selector imports bs4 or builds a mirror.
"""

from __future__ import annotations

from collections.abc import Callable
from string import ascii_lowercase, ascii_uppercase
from typing import Any

import lxml.etree
from cssselect import HTMLTranslator
from cssselect import SelectorError as CssError
from cssselect.parser import tokenize


class SelectorError(ValueError):
    """A CSS selector that does not compile, with the reason."""


# Attributes whose values HTML matches without case (``[align=left]`` finds ``align="LEFT"``):
# https://html.spec.whatwg.org/multipage/semantics-other.html#case-sensitivity-of-selectors
_NO_CASE = frozenset(
    {
        "accept", "accept-charset", "align", "alink", "axis", "bgcolor", "charset", "checked",
        "clear", "codetype", "color", "compact", "declare", "defer", "dir", "direction",
        "disabled", "enctype", "face", "frame", "hreflang", "http-equiv", "lang", "language",
        "link", "media", "method", "multiple", "nohref", "noresize", "noshade", "nowrap",
        "readonly", "rel", "rev", "rules", "scope", "scrolling", "selected", "shape", "target",
        "text", "type", "valign", "valuetype", "vlink",
    }
)  # fmt: skip

# Pseudo-classes whose XPath matches what soupsieve matches on a parsed page (each held to
# soupsieve in tests/test_html_selectors.py). The others (:empty counts whitespace as empty in
# soupsieve, :root looks at text beside the root, :checked, :link, :lang, ... read the page
# their own way) run through soupsieve.
EXACT_PSEUDO = frozenset(
    {
        "-soup-contains", "-soup-contains-own", "contains", "not", "has", "is", "where",
        "first-child", "last-child", "only-child", "nth-child", "nth-last-child",
        "nth-of-type", "nth-last-of-type", "first-of-type", "last-of-type", "only-of-type",
    }
)  # fmt: skip


def selectors_doc() -> str:
    """What the reference says of the selectors: where each kind runs (from the sets above)."""
    pseudo = ", ".join(f"`:{name}`" for name in sorted(EXACT_PSEUDO))
    return (
        "Selectors are CSS as soupsieve (beautifulsoup4's) reads it, as packs were written. "
        "At pack load each is compiled once to an XPath on the page's lxml tree (cssselect) "
        "when that matches the same elements: types, classes, ids, attributes (HTML's "
        "case-blind values such as `[align=left]` included), combinators and the "
        f"pseudo-classes {pseudo}. Any other selector soupsieve accepts (`:empty`, `:root`, "
        "`:nth-child(2n of .x)`, `:not(.a, .b)`, `:-soup-contains('a', 'b')`, `:checked`, "
        "`:lang()`, namespaces, ...) runs through soupsieve on a soup copy of the page, with "
        "its whole selector list: it matches as before, slower. A selector neither reads "
        "fails at load with its file, line and both reasons."
    )


# beautifulsoup4 splits these attributes into words at any Unicode space (its r"\S+") and
# soupsieve matches the words joined by one space; XPath's normalize-space knows four spaces.
# (The C0 controls among Python's spaces are left out: no XML string holds them.)
_WORDS_ANYWHERE = frozenset({"class", "accesskey", "dropzone"})
_WORDS_ON_SOME_TAGS = frozenset(
    {"rel", "rev", "headers", "accept-charset", "archive", "sizes", "sandbox", "for"}
)
_SPACES = (
    "\t\n\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


class _NotExact(CssError):
    """A selector cssselect reads but whose XPath would not match as soupsieve does."""


class _Translator(HTMLTranslator):
    """cssselect's HTML translator with HTML's case rules for attribute values, word-list
    attributes (``class``) read as beautifulsoup4 split them, and soupsieve's text tests,
    which packs use: ``:-soup-contains('text')``, an element whose text holds ``text``;
    ``:-soup-contains-own('text')``, one of its own text nodes does."""

    def _words(self, attrib: str) -> str:
        spaces = self.xpath_literal(_SPACES)
        blanks = self.xpath_literal(" " * len(_SPACES))
        return f"normalize-space(translate({attrib}, {spaces}, {blanks}))"

    def xpath_attrib(self, selector: Any) -> Any:
        name = selector.attrib.lower()
        if selector.flag is None and name in _NO_CASE:
            selector.flag = "i"
        if selector.operator == "exists" or selector.namespace:
            return super().xpath_attrib(selector)
        if name in _WORDS_ON_SOME_TAGS:  # a word list on some tags only: soupsieve knows which
            raise _NotExact(f"[{name}{selector.operator}...] is read by tag")
        value = selector.value.value
        # A run of letters with no space is inside the raw value when it is inside the words
        # joined: "*=" needs no words, the rest test the raw value first (the cheap test).
        spaceless = bool(value) and not any(c.isspace() for c in value)
        if name not in _WORDS_ANYWHERE or (selector.operator == "*=" and spaceless):
            return super().xpath_attrib(selector)
        xpath = self.xpath(selector.selector)
        if selector.operator == "~=" and spaceless and selector.flag is None:
            return self._has_word(xpath, name, value)
        attrib = self._words(f"@{name}")
        if selector.flag == "i" and value:
            upper, lower = ascii_uppercase, ascii_lowercase
            attrib = (
                f"translate({attrib}, {self.xpath_literal(upper)}, {self.xpath_literal(lower)})"
            )
            value = value.lower()
        elif spaceless and selector.operator != "!=":
            xpath.add_condition(f"contains(@{name}, {self.xpath_literal(value)})")
        if selector.operator != "!=":  # the words of a missing attribute are "" too
            xpath.add_condition(f"@{name}")
        operator = self.attribute_operator_mapping[selector.operator]
        return getattr(self, f"xpath_attrib_{operator}")(xpath, attrib, value)

    def _has_word(self, xpath: Any, name: str, word: str) -> Any:
        """``[name~=word]`` for a word with no space: the raw value holds it, then it stands
        between ASCII spaces (the cheap test) or between any spaces."""
        raw, spaced = self.xpath_literal(word), self.xpath_literal(f" {word} ")
        words = self._words(f"@{name}")
        return xpath.add_condition(
            f"@{name} and contains(@{name}, {raw}) and ("
            f"contains(concat(' ', normalize-space(@{name}), ' '), {spaced}) "
            f"or contains(concat(' ', {words}, ' '), {spaced}))"
        )

    def xpath_class(self, class_selector: Any) -> Any:
        xpath = self.xpath(class_selector.selector)
        name = class_selector.class_name
        if name and not any(c.isspace() for c in name):
            return self._has_word(xpath, "class", name)
        return self.xpath_attrib_includes(xpath, self._words("@class"), name)

    def xpath__soup_contains_function(self, xpath: Any, function: Any) -> Any:
        return self.xpath_contains_function(xpath, function)

    def xpath__soup_contains_own_function(self, xpath: Any, function: Any) -> Any:
        if function.argument_types() not in (["STRING"], ["IDENT"]):
            raise CssError(
                f"expected one string for :-soup-contains-own(), got {function.arguments!r}"
            )
        literal = self.xpath_literal(function.arguments[0].value)
        # soupsieve looks in each text node that is a direct child, one at a time
        return xpath.add_condition(f"text()[contains(., {literal})]")


def _exact(source: str) -> bool:
    """Whether every pseudo-class in ``source`` is one whose XPath is exact, and it names no
    namespace (``ns|p``: soupsieve needs the namespaces given)."""
    tokens = list(tokenize(source))
    for i, token in enumerate(tokens):
        if token.is_delim("|") and not (i + 1 < len(tokens) and tokens[i + 1].is_delim("=")):
            return False
        if token.is_delim(":"):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is None or following.type != "IDENT":
                return False  # "::" (a pseudo-element) and the like
            if str(following.value).lower() not in EXACT_PSEUDO:
                return False
    return True


def _translate(source: str) -> tuple[str | None, str]:
    """The XPath of one selector, or None and cssselect's reason."""
    try:
        path = _Translator().css_to_xpath(source)
    except _NotExact as exc:
        return None, str(exc)
    except CssError as exc:
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return path, ""


class Mirrors:
    """One page's soup mirror (``cleaner.html.soup_mirror``), built when a soupsieve selector
    first needs it and shared by every such selector until the tree changes: each removal
    says so (``changed``). Held by the page being ruled, so it goes with the page."""

    def __init__(self) -> None:
        self._root: Any = None
        self._mirror: Any = None
        self.built = 0  # how many mirrors were made (tests)

    def of(self, root: Any, build: Callable[[Any], Any]) -> Any:
        if self._mirror is None or self._root is not root:
            self._root, self._mirror = root, build(root)
            self.built += 1
        return self._mirror

    def changed(self) -> None:
        self._root = self._mirror = None


class Selector:
    """CSS selectors compiled once to one XPath, or (when one of them needs it) to soupsieve;
    matches come in page order."""

    def __init__(self, sources: list[str]) -> None:
        self._sources = list(sources)
        paths = []
        soup_only = False
        for source in sources:  # each on its own, so the error names the one at fault
            path, reason = _translate(source)
            if path is not None and _exact(source):
                paths.append(path)
                continue
            from cleaner.html.soup_mirror import soupsieve_refuses

            refused = soupsieve_refuses(source)
            if refused is None:
                soup_only = True
            elif path is not None:  # cssselect's reading, as before soupsieve came back
                paths.append(path)
            else:
                raise SelectorError(
                    f"'{source}' is not a valid CSS selector: {reason} (soupsieve: {refused})"
                )
        self._path = None if soup_only else " | ".join(paths)  # a group's XPath: "a | b"
        self._compile()

    def _compile(self) -> None:
        if self._path is None:
            from cleaner.html.soup_mirror import SoupSelector

            self._matcher: Any = SoupSelector(", ".join(self._sources))
        else:
            self._matcher = lxml.etree.XPath(self._path)

    @property
    def on_soup(self) -> bool:
        """Whether it runs through soupsieve (some selector has no exact XPath)."""
        return self._path is None

    # A compiled XPath does not pickle; a cleaner handed to a spawned worker, Ray or a
    # datasets.map does: it travels as its text and is compiled again there.
    def __getstate__(self) -> tuple[list[str], str | None]:
        return self._sources, self._path

    def __setstate__(self, state: tuple[list[str], str | None]) -> None:
        self._sources, self._path = state
        self._compile()

    def select(self, root: Any, mirrors: Mirrors | None = None) -> list[Any]:
        """Matches in page order; ``mirrors``: the page's soup mirror, for a soupsieve
        selector (without it, one is built for this call)."""
        if root.sourceline is None and not len(root):  # no page: soupsieve found nothing either
            return []
        found = self._matcher(root) if self._path is not None else self._matcher(root, mirrors)
        assert isinstance(found, list)  # a node-set expression
        return found

    def select_one(self, root: Any, mirrors: Mirrors | None = None) -> Any:
        found = self.select(root, mirrors)
        return found[0] if found else None


def compile_selector(sources: list[str]) -> Selector:
    """One matcher for several selectors; each is checked on its own for errors."""
    return Selector(sources)
