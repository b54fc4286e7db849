"""The stop words of each language on a page's lines, counted a line at a time and remembered:
``language_counts`` of a page is the sum of its lines' counts (whole numbers, so any order
gives the same), and the boilerplate rule counts the same lines again each round, and the same
menus on every page of a site."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import compress, repeat
from operator import is_
from typing import Any

from cleaner.engine.linefast import compiled
from cleaner.engine.linemeasures import _languages, chrome_words

_BITS = 32  # a field per language in one integer; a page has fewer than 2**32 words


class LineLanguages:
    """Each line's stop words per language, remembered per line as one integer with a field
    per language (``names``, sorted): a page's counts are the sum of its lines' integers."""

    MEMO = 50_000  # lines remembered; forgotten all at once beyond this

    def __init__(self) -> None:
        languages = _languages()
        self.names = tuple(sorted(languages[""]))
        self._packed = {
            word: sum(1 << (_BITS * self.names.index(lang)) for lang in langs)
            for word, langs in languages.items()
            if word
        }
        # The C side's table: a word's languages as bits, and bit len(names) for a chrome
        # word, so one look-up serves the language counts and the line's stop and chrome words.
        self._bits = {
            word: sum(1 << self.names.index(lang) for lang in langs)
            for word, langs in languages.items()
            if word
        }
        for word in chrome_words():
            self._bits[word] = self._bits.get(word, 0) | 1 << len(self.names)
        self.memo: dict[str, int] = {}
        self.words_memo: dict[str, list[Any]] = {}
        self.compiled = compiled()  # the tokens looked up in C where built

    def packed(self, lines: list[str]) -> list[int]:
        """Each line's ``language_counts([line])``, packed."""
        memo = self.memo
        if len(memo) > self.MEMO:
            memo.clear()
        if self.compiled is not None:
            out: list[int] = self.compiled.packed_lines(lines, memo, self._packed)
            return out
        known = list(map(memo.get, lines))
        if None not in known:
            return known  # type: ignore[return-value]
        new = list(dict.fromkeys(compress(lines, map(is_, known, repeat(None)))))
        tokens = map(str.split, map(str.casefold, new))
        weigh: Callable[[str, int], int] = self._packed.get
        sums: Iterator[int] = map(sum, map(map, repeat(weigh), tokens, repeat(repeat(0))))
        memo.update(zip(new, sums, strict=True))
        return list(map(memo.__getitem__, lines))

    def words(self, lines: list[str]) -> list[list[Any]]:
        """Each line's entry ``[packed, record, -1, None]`` (C only): its ``packed`` and, for
        ``Scorer._known``, its words (tokens stripped, chrome words, stop words per language)
        from the same pass over its tokens, with its casefold if not ASCII;
        ``_fastlines.drop`` keeps its memo row in a language in the last two."""
        assert self.compiled is not None
        memo = self.words_memo
        if len(memo) > self.MEMO:
            memo.clear()
        out: list[list[Any]] = self.compiled.line_words(lines, memo, self._bits, len(self.names))
        return out

    def pick(self, packed: int) -> str:
        """``pick_language(self.counts(packed))`` without the dict: the language with the most
        stop words, the first by name on a tie (``names`` is sorted)."""
        mask = (1 << _BITS) - 1
        best, most = 0, -1
        for i in range(len(self.names)):
            count = (packed >> (_BITS * i)) & mask
            if count > most:
                best, most = i, count
        return self.names[best]

    def counts(self, packed: int) -> dict[str, int]:
        """The counts per language of a sum of packed counts."""
        mask = (1 << _BITS) - 1
        return {lang: (packed >> (_BITS * i)) & mask for i, lang in enumerate(self.names)}
