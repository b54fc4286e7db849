"""Tests for bench/corpora.py: scoring on hand-made examples, the scraper, the loaders."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.corpora import (
    Prf,
    aeb_aggregate,
    aeb_f1,
    bow_f1,
    classify_lines,
    corpora_dir,
    ctf_sites,
    iter_aeb,
    iter_ctf,
    iter_gold_documents,
    iter_wcxb,
    kept_chrome_lines,
    line_metrics,
    lost_lines,
    read_html_bytes,
    scrape_text,
    shingle_prf,
    sum_line_metrics,
)

# --------------------------------------------------------------------------- shingles
from tests.conftest import corpora_missing


@pytest.mark.parametrize(
    ("pred", "gold", "expected"),
    [
        # shingles abcd, bcde against abcd, bcdf
        ("a b c d e", "a b c d f", (1, 1, 1)),
        ("a b c d", "a b c d", (1, 0, 0)),
        # multisets: abcd twice, bcda, cdab, dabc against one abcd
        ("a b c d a b c d", "a b c d", (1, 4, 0)),
        # fewer than 4 tokens: the whole sequence is one shingle
        ("hello world", "hello world", (1, 0, 0)),
        ("hello", "hello world", (0, 1, 1)),
        # no tokens, no shingles
        ("", "a b c d", (0, 0, 1)),
        ("", "", (0, 0, 0)),
        ("... !!", "a b c d", (0, 0, 1)),
        # case is kept, punctuation and spacing are not tokens
        ("A b c d", "a b c d", (0, 1, 1)),
        ("a, b.\n c!  d", "a b c d", (1, 0, 0)),
        # \w is Unicode
        ("café crème brûlée très", "café crème brûlée très", (1, 0, 0)),
    ],
)
def test_shingle_prf(pred: str, gold: str, expected: tuple[int, int, int]) -> None:
    assert shingle_prf(pred, gold) == expected


def test_shingle_prf_other_n() -> None:
    # unigrams {a: 2, b: 1} against {a: 1, b: 2}
    assert shingle_prf("a a b", "a b b", n=1) == (2, 1, 1)
    with pytest.raises(ValueError, match="n must be"):
        shingle_prf("a", "a", n=0)


def test_aeb_aggregate_averages_precision_and_recall_separately() -> None:
    counts = [(3, 1, 0), (0, 0, 2), (0, 2, 0), (1, 0, 1)]
    # precision over pages with output: 3/4, 0/2, 1/1; recall over pages with gold: 1, 0, 1/2
    precision, recall, f1 = aeb_aggregate(counts)
    assert precision == pytest.approx(7 / 12)
    assert recall == pytest.approx(1 / 2)
    assert f1 == pytest.approx(7 / 13)


def test_aeb_aggregate_empty() -> None:
    assert aeb_aggregate([]) == Prf(0.0, 0.0, 0.0)


def test_aeb_f1_from_texts() -> None:
    # page 1 perfect; page 2 has no output, so it only counts for recall (0)
    score = aeb_f1([("a b c d", "a b c d"), ("", "w x y z")])
    assert score.precision == pytest.approx(1.0)
    assert score.recall == pytest.approx(0.5)
    assert score.f1 == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- bag of words


def test_bow_f1_multiset_lowercased() -> None:
    # pred {the, cat, sat}, gold {the: 2, cat}: overlap 2, P = 2/3, R = 2/3
    assert bow_f1("The cat sat.", "the cat, the") == pytest.approx(2 / 3)


def test_bow_f1_edges() -> None:
    assert bow_f1("", "") == 1.0
    assert bow_f1("", "gold") == 0.0
    assert bow_f1("pred", "") == 0.0
    assert bow_f1("dog", "cat") == 0.0
    assert bow_f1("Same words", "same WORDS") == pytest.approx(1.0)


# --------------------------------------------------------------------------- scrape_text


def test_scrape_drops_unrendered_elements() -> None:
    html = (
        "<html><head><title>Page</title><style>p {color: red}</style>"
        "<script>var x = 'script text';</script></head><body>"
        "<noscript>enable js</noscript><template><p>template text</template>"
        "<iframe>iframe text</iframe><p>visible</p></body></html>"
    )
    assert scrape_text(html) == "Page\n\nvisible"


def test_scrape_blocks_become_lines() -> None:
    html = """
        <body>
          <div>Nav <a href="/">Home</a> | <a href="/news">News</a></div>
          <h1>Headline</h1>
          <p>First   para
             wraps <b>here</b>.<br>After a break.</p>
          <p>Second para.</p>
          <ul><li>one</li>
              <li>two</li></ul>
          <table><tr><td>cell 1</td><td>cell 2</td></tr><tr><th>head</th></tr></table>
          <pre>code  line 1
  line 2</pre>
        </body>
    """
    assert scrape_text(html).split("\n") == [
        "Nav Home | News",
        "Headline",
        "",
        "First para wraps here.",
        "After a break.",
        "",
        "Second para.",
        "",
        "one",
        "two",
        "cell 1",
        "cell 2",
        "head",
        "code line 1",
        "line 2",
    ]


def test_scrape_blank_lines_collapse() -> None:
    assert scrape_text("<p>a</p><p></p><br><br><br><p>b</p>") == "a\n\nb"


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"   ",
        b"\x00\x00",
        b"<",
        "<p>unclosed <div><b>bold <table><td>cell",
        b"\xff\xfe\x00\xd8",  # UTF-16 BOM, then a lone surrogate
        b"\x8f\x81\xfe\xff<p>\x81",
        "<?xml version='1.0' encoding='latin-1'?><p>x</p>",
        "\ud800<p>lone surrogate</p>",
        "<div>" * 5000 + "deep" + "</div>" * 5000,
    ],
)
def test_scrape_never_raises(junk: bytes | str) -> None:
    assert isinstance(scrape_text(junk), str)


def test_scrape_empty_document() -> None:
    assert scrape_text(b"") == ""
    assert scrape_text("<html><body></body></html>") == ""


def test_scrape_decoding() -> None:
    # Valid UTF-8 wins over a wrong declaration (as on 31 ctf pages).
    utf8 = '<meta charset="iso-8859-1"><p>Frontières £5</p>'.encode()
    assert scrape_text(utf8) == "Frontières £5"
    # Not UTF-8: the declared charset; latin-1 is read as windows-1252, like browsers do.
    assert scrape_text(b'<meta charset="iso-8859-1"><p>caf\xe9 \x93q\x94</p>') == "café “q”"
    assert scrape_text(b"<meta charset=koi8-r><p>\xf0\xd2\xc9\xd7\xc5\xd4</p>") == "Привет"
    # Nothing declared (or an unknown label): windows-1252.
    assert scrape_text(b"<p>caf\xe9</p>") == "café"
    assert scrape_text(b"<meta charset=bogus><p>caf\xe9</p>") == "café"
    assert scrape_text("\ufeff<p>bom</p>".encode("utf-16")) == "bom"


# --------------------------------------------------------------------------- line scoring

GOLD = """Storm hits the coast
By Jane Doe

A storm hit the coast on Monday, cutting power to thousands of homes.
Officials said repairs would take a week.
"""

TITLE = "News | Storm hits the coast"
MERGED = "cutting power to thousands of homes. Officials said repairs would take a week."
SCRAPE = [
    TITLE,  # repeats the headline, which the headline line claims: chrome
    "Home",  # short and not a gold line: chrome
    "",  # blank: ignored
    "Storm hits the coast",  # a gold line: content
    "By   Jane Doe",  # short, equals a gold line after normalisation: content
    "A storm hit the coast on Monday,",  # first half of a gold line: content
    MERGED,  # second half plus the next gold line: content
    "Share this article",  # chrome
    "|",  # no tokens, not a gold line: chrome
]


def test_classify_lines() -> None:
    assert classify_lines(SCRAPE, GOLD) == [
        False,
        False,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]


def test_classify_lines_gold_text_counts_once() -> None:
    # Without the headline line, the title line is the best evidence for it.
    assert classify_lines([TITLE], GOLD) == [True]
    assert classify_lines(["Storm hits the coast", "Storm hits the coast"], GOLD) == [True, False]


def test_classify_lines_short_and_tokenless() -> None:
    gold = "Storm\n* * *\nBody text goes on here."
    # "storm!" equals the gold line "Storm" too, but that line occurs once and "Storm" claimed it
    assert classify_lines(["Storm", "storm!", "* * *", "Body", "- - -"], gold) == [
        True,
        False,
        True,
        False,
        False,
    ]
    assert classify_lines(["Storm", "Storm"], "Storm\nStorm") == [True, True]


def test_classify_lines_kept_copies_claim_first() -> None:
    gold = "Health\nSpeaking on Monday, a Labour MP, Brian Jenkins, said the film was an affront."
    caption = "Labour MP, Brian Jenkins"  # a photo caption quoting the paragraph
    lines = ["Health", caption, "Health", gold.splitlines()[1]]
    # A copy of a whole gold line claims before a line holding part of it (the caption), and
    # otherwise in line order: the menu entry claims "Health" ...
    assert classify_lines(lines, gold) == [True, False, False, True]
    # ... but when a cleaning kept the other copy, that one holds the gold text: what it
    # removed was the duplicate, not content.
    assert classify_lines(lines, gold, [False, False, True, True]) == [False, False, True, True]
    assert classify_lines(
        [TITLE, "Storm hits the coast"] * 2, GOLD, [False, False, True, True]
    ) == [
        False,
        False,
        False,
        True,
    ]
    with pytest.raises(ValueError, match="kept has 1 entries for 4 lines"):
        classify_lines(lines, gold, [True])


def test_classify_lines_gold_tokens_back_one_line() -> None:
    gold = "All About The iPad\nForbes staff - March 29, 2010\nAugust 14, 2000\nText of it."
    # The title's words run across the headline and the next gold line; once the headline and
    # the date line hold their tokens, the title has too few left and is chrome.
    lines = ["All About The iPad - Forbes", "All About The iPad", "Forbes staff - March 29, 2010"]
    assert classify_lines(lines, gold) == [False, True, True]
    lines = ["Storm - August 14, 2000 - Site", "August 14, 2000"]
    assert classify_lines(lines, "Storm\nAugust 14, 2000") == [False, True]


def test_line_metrics_removed_duplicate_is_not_lost() -> None:
    gold = "Paris attacks\nGunmen attacked the offices of the magazine on Wednesday."
    scrape = ["Paris attacks", "Menu", "Paris attacks", gold.splitlines()[1]]
    kept = ["Paris attacks", gold.splitlines()[1]]  # the cleaner dropped the menu copy
    metrics = line_metrics(scrape, kept, gold)
    assert metrics["content"] == 2
    assert metrics["content_removed"] == 0
    assert metrics["chrome_removed"] == 2
    assert lost_lines(scrape, ["Menu"], gold) == ["Paris attacks", gold.splitlines()[1]]


def test_line_metrics_counts_lines() -> None:
    kept = [
        "Storm hits the coast",
        "By Jane Doe",
        "A storm hit the coast on Monday,",
        "Share this article",
    ]
    metrics = line_metrics(SCRAPE, kept, GOLD)
    assert metrics == {
        "content": 4,
        "chrome": 4,
        "content_removed": 1,  # MERGED
        "chrome_removed": 3,  # TITLE, "Home", "|"
        "chrome_removal": 0.75,
        "content_loss": 0.25,
    }


def test_kept_chrome_lines_lists_what_line_metrics_counts_as_kept_chrome() -> None:
    kept = ["Storm hits the coast", "By Jane Doe", "Share this article", "Home"]
    metrics = line_metrics(SCRAPE, kept, GOLD)
    chrome = kept_chrome_lines(SCRAPE, kept, GOLD)
    assert chrome == ["Home", "Share this article"]  # in scrape order
    assert len(chrome) == metrics["chrome"] - metrics["chrome_removed"]


def test_line_metrics_by_chars() -> None:
    kept = [
        "Storm hits the coast",
        "By Jane Doe",
        "A storm hit the coast on Monday,",
        "Share this article",
    ]
    metrics = line_metrics(SCRAPE, kept, GOLD, by_chars=True)
    content = len("Storm hits the coast") + len("By Jane Doe") + len(SCRAPE[5]) + len(MERGED)
    chrome = len(TITLE) + len("Home") + len("Share this article") + len("|")
    assert metrics["content"] == content
    assert metrics["chrome"] == chrome
    assert metrics["content_removed"] == len(MERGED)
    assert metrics["chrome_removed"] == len(TITLE) + len("Home") + len("|")
    assert metrics["content_loss"] == pytest.approx(len(MERGED) / content)


def test_line_metrics_accepts_text_and_trimmed_lines() -> None:
    gold = "A storm hit the coast on Monday, cutting power."
    scrape = "Menu\nPhoto: AP   A storm hit the coast on Monday, cutting power.\n\nMenu\n"
    # The cleaner trimmed a caption prefix (the line still counts as kept) and one "Menu".
    kept = "A storm hit the coast on Monday, cutting power.\nMenu"
    metrics = line_metrics(scrape, kept, gold)
    assert metrics["content"] == 1
    assert metrics["content_removed"] == 0
    assert metrics["chrome"] == 2
    assert metrics["chrome_removed"] == 1


def test_line_metrics_pairs_lines_that_lost_only_invisible_characters() -> None:
    gold = "He studied yeast \u00ad but then his mother got cancer."
    scrape = ["Menu", gold]
    kept = ["He studied yeast but then his mother got cancer."]  # the cleaner dropped the U+00AD
    assert lost_lines(scrape, kept, gold) == []


def test_line_metrics_vacuous_rates_and_sum() -> None:
    only_content = line_metrics(["Storm hits the coast"], [], GOLD)
    assert only_content["chrome_removal"] == 1.0
    assert only_content["content_loss"] == 1.0
    only_chrome = line_metrics(["Home"], ["Home"], GOLD)
    assert only_chrome["content_loss"] == 0.0
    assert only_chrome["chrome_removal"] == 0.0
    total = sum_line_metrics([only_content, only_chrome])
    assert total == {
        "content": 1,
        "chrome": 1,
        "content_removed": 1,
        "chrome_removed": 0,
        "chrome_removal": 0.0,
        "content_loss": 1.0,
    }


# --------------------------------------------------------------------------- loaders


def _write_fake_corpora(root: Path) -> None:
    """A tiny corpora tree with the quirks of the real one."""
    year = root / "ctf" / "news.example.com" / "2000"
    year.mkdir(parents=True)
    (year / "b.html").write_bytes(b"<p>page b</p>")
    (year / "b.txt").write_bytes("Page b \u2014 gold\r\nline 2\r\n".encode())
    (year / "a.html").write_bytes(b"<p>page a</p>")
    (year / "a.txt").write_bytes(b"It\x92s cp1252\r\n")
    aeb = root / "aeb"
    (aeb / "html").mkdir(parents=True)
    (aeb / "html" / "ff.html.gz").write_bytes(gzip.compress(b"<p>aeb page</p>"))
    truth = {"ff": {"articleBody": "Body ff.", "url": "https://f"}, "aa": {"articleBody": "A"}}
    (aeb / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    wcxb = root / "wcxb-dev" / "ground-truth"
    wcxb.mkdir(parents=True)
    record = {
        "ground_truth": {
            "title": "T",
            "author": None,
            "publish_date": "",
            "main_content": "Main.",
            "with": ["Main"],
            "without": ["Menu"],
        }
    }
    (wcxb / "0002.json").write_text(json.dumps(record), encoding="utf-8")
    empty = {"url": "https://e", "ground_truth": {"title": "E", "author": "Ann", "with": []}}
    (wcxb / "0001.json").write_text(json.dumps(empty), encoding="utf-8")


def test_loaders_on_fake_corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_fake_corpora(tmp_path)
    monkeypatch.setenv("CLEANER_CORPORA", str(tmp_path))
    assert corpora_dir() == tmp_path
    assert ctf_sites() == ["news.example.com"]

    ctf = list(iter_ctf())
    assert [(p.site, p.year, p.name) for p in ctf] == [
        ("news.example.com", 2000, "a"),
        ("news.example.com", 2000, "b"),
    ]
    assert ctf[0].gold_text == "It\u2019s cp1252\n"
    assert ctf[1].gold_text == "Page b \u2014 gold\nline 2\n"
    assert read_html_bytes(ctf[0].html_path) == b"<p>page a</p>"
    with pytest.raises(ValueError, match="unknown ctf site"):
        list(iter_ctf("nope.example.com"))

    aeb = list(iter_aeb())
    assert [(p.id, p.url, p.gold_text) for p in aeb] == [
        ("aa", "", "A"),
        ("ff", "https://f", "Body ff."),
    ]
    assert read_html_bytes(aeb[1].html_path) == b"<p>aeb page</p>"

    wcxb = list(iter_wcxb())
    assert [p.id for p in wcxb] == ["0001", "0002"]
    assert (wcxb[0].url, wcxb[0].author, wcxb[0].gold_text) == ("https://e", "Ann", "")
    assert (wcxb[1].url, wcxb[1].author, wcxb[1].publish_date) == ("", None, None)
    assert wcxb[1].with_snippets == ("Main",)
    assert wcxb[1].without_snippets == ("Menu",)
    assert wcxb[1].html_path == tmp_path / "wcxb-dev" / "html" / "0002.html.gz"

    assert [(corpus, doc_id) for corpus, doc_id, _ in iter_gold_documents()] == [
        ("ctf", "news.example.com/2000/a"),
        ("ctf", "news.example.com/2000/b"),
        ("aeb", "aa"),
        ("aeb", "ff"),
        ("wcxb", "0002"),  # 0001 has no gold text
    ]


def test_real_corpora_shape() -> None:
    missing = corpora_missing()
    if missing is not None:
        pytest.skip(missing)
    assert ctf_sites() == [
        "news.bbc.co.uk",
        "news.yahoo.com",
        "www.cnn.com",
        "www.forbes.com",
        "www.foxnews.com",
    ]
    bbc = list(iter_ctf("news.bbc.co.uk"))
    assert len(bbc) == 100
    assert {page.year for page in bbc} == {2000, 2005, 2010, 2015}
    assert all(page.gold_text.strip() and "\r" not in page.gold_text for page in bbc)
    first = bbc[0]
    assert first.html_path.is_file()
    assert "Techs axed from FTSE" in scrape_text(read_html_bytes(first.html_path))

    aeb = list(iter_aeb())
    assert len(aeb) == 181
    assert all(page.gold_text for page in aeb)
    assert read_html_bytes(aeb[0].html_path).lstrip()[:1] == b"<"

    wcxb = list(iter_wcxb())
    assert len(wcxb) == 793
    assert sum(not page.gold_text for page in wcxb) == 2
    assert sum(page.publish_date is not None for page in wcxb) == 659
