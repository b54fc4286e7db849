"""HTML pages: charsets, metadata, HTML rules, the generic extractor, and pages built to break it."""

from __future__ import annotations

import gzip
import io
import json
import textwrap
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.config import Config
from cleaner.engine.kinds import HtmlBody
from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.errors import RuleErrors
from cleaner.html.charset import decode_page
from cleaner.html.dom import parse_tree, rules_tree
from cleaner.html.meta import page_meta, parse_page_date, strip_site_name, url_date
from cleaner.io.items import JsonlKeys, Limits
from cleaner.io.readers import read_jsonl_stream
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
from tests.conftest import RULES

PARAS = [
    "The council approved the new budget on Tuesday after a long debate about schools.",
    "Café owners welcomed the decision, saying it would bring visitors to the town centre.",
    "The mayor said the money would be spent on roads, libraries and two new bus routes.",
    "Opposition members argued that the plan relied on optimistic forecasts of tax income.",
]
BODY = "".join(f"<p>{p}</p>\n" for p in PARAS)
PAGE = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Council approves budget | Demo Times</title>
<meta property="og:site_name" content="Demo Times">
<link rel="canonical" href="https://www.demo.test/2010/05/10/budget">
<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "2010-05-09T08:00:00Z",
 "dateModified": "2010-05-11", "author": {{"@type": "Person", "name": "Bo Chan"}}}}</script>
</head><body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<h1>Council approves budget</h1><p class="byline">By Ann Lee</p>
<time class="pub" datetime="2010-05-10T12:00:00Z">May 10</time>
<div class="share-bar">Share on Facebook</div>
<article class="story">{BODY}</article>
<aside class="related">Related: Council elections next month</aside>
<footer>© Demo Times</footer></body></html>"""

PACK = """\
pack: demo.test
description: Demo pages.
scope: site
match:
  domains: [demo.test]
rules:
  - id: demo-chrome
    kind: html_remove
    description: Share bars and related links.
    selector: [.share-bar, aside.related]
    examples:
      - input: '<div><p>Story.</p><div class="share-bar">Share</div></div>'
        output: "Story."
  - id: demo-body
    kind: html_body
    description: Headline and story.
    selector: article.story
    include: h1
    examples:
      - input: '<nav>Menu</nav><h1>Head</h1><article class="story"><p>One.</p></article>'
        output: "Head\\n\\nOne."
  - id: demo-date
    kind: html_field
    description: The time element.
    field: date_published
    selector: time.pub
    attribute: datetime
    date_format: iso
    examples:
      - input: '<time class="pub" datetime="2010-05-10">May 10</time>'
        fields: {date_published: "2010-05-10"}
  - id: demo-author
    kind: html_field
    description: The byline.
    field: author
    selector: .byline
    pattern: '^By (.+)$'
    examples:
      - input: '<p class="byline">By Ann Lee</p>'
        fields: {author: "Ann Lee"}
"""


@pytest.fixture(scope="module")
def site_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "demo.test.yaml").write_text(PACK, "utf-8")
    return folder


@pytest.fixture(scope="module")
def site_cleaner(site_rules: Path) -> Cleaner:
    return Cleaner.from_paths([RULES, site_rules])


def clean_page(cleaner: Cleaner, data: bytes | str, url: str | None = None) -> Record | Reject:
    return cleaner.clean(RawArticle("p", "p.html", data, url=url, html=True)).result


def record_of(cleaner: Cleaner, data: bytes | str, url: str | None = None) -> Record:
    result = clean_page(cleaner, data, url)
    assert isinstance(result, Record), result
    return result


def codes(result: Record | Reject) -> list[str]:
    assert isinstance(result, Reject), result
    return [r.code for r in result.reasons]


# --- charsets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "encoded_as", "encoding", "source"),
    [
        ("utf-8", "utf-8", "utf-8", "declared"),
        ("iso-8859-1", "cp1252", "cp1252", "declared"),
        ("windows-1252", "cp1252", "cp1252", "declared"),
        ("utf-8", "cp1252", "cp1252", "detected (declared utf-8 does not fit)"),
        ("iso-8859-1", "utf-8", "utf-8", "utf-8 (declared iso-8859-1 does not fit)"),
        ("shift_jis", "cp1252", "cp1252", "detected (declared shift_jis does not fit)"),
        ("no-such-charset", "cp1252", "cp1252", "detected (declared no-such-charset is unknown)"),
        (None, "cp1252", "cp1252", "detected"),
    ],
)
def test_declared_charset_is_used_when_it_fits(
    declared: str | None, encoded_as: str, encoding: str, source: str
) -> None:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">'
        if declared
        else ""
    )
    page = (
        f"<html><head>{meta}</head><body><p>Ça coûte très cher à Paris, dit-on.</p></body></html>"
    )
    got = decode_page(page.encode(encoded_as))
    assert (got.encoding, got.source) == (encoding, source)
    assert got.text is not None
    assert "Ça coûte très cher à Paris" in got.text


def test_declared_multibyte_charset() -> None:
    page = '<meta charset="shift_jis"><p>日本語のテキストです。</p>'.encode("shift_jis")
    got = decode_page(page)
    assert (got.encoding, got.source) == ("cp932", "declared")
    assert got.text is not None
    assert "日本語のテキストです。" in got.text


def test_wrong_declared_charset_gives_a_record_that_says_so(site_cleaner: Cleaner) -> None:
    data = PAGE.encode("cp1252", "replace")  # declares utf-8, is cp1252 (the é in Café)
    record = record_of(site_cleaner, data)
    assert record.encoding == "cp1252"
    assert record.fields_from["encoding"] == "detected (declared utf-8 does not fit)"
    assert "Café owners welcomed the decision" in record.text


# --- metadata ---------------------------------------------------------------------------


def test_page_metadata_sources() -> None:
    meta = page_meta(parse_tree(PAGE), None)
    assert meta.fields == {
        "date_published": "2010-05-09T08:00:00+00:00",
        "date_updated": "2010-05-11",
        "title": "Council approves budget",
        "author": "Bo Chan",
    }
    assert meta.fields_from == {
        "date_published": "json-ld:datePublished",
        "date_updated": "json-ld:dateModified",
        "title": "title",
        "author": "json-ld:author",
    }
    assert meta.canonical_url == "https://www.demo.test/2010/05/10/budget"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Council approves budget | Demo Times", "Council approves budget"),
        ("Council approves budget - World - Demo Times", "Council approves budget - World"),
        ("Demo Times: Council approves budget", "Council approves budget"),
        ("BBC NEWS | Business | Rates on hold", "Business | Rates on hold"),
        ("Rates on hold: what it means - a guide", "Rates on hold: what it means - a guide"),
    ],
)
def test_title_loses_the_site_name(title: str, expected: str) -> None:
    assert strip_site_name(title, ["demotimes", "bbcnews", "bbc"], None) == expected


def test_title_falls_back_to_the_heading_segment() -> None:
    assert strip_site_name("Home - Rates on hold - Money", [], "Rates on hold") == "Rates on hold"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-05-10", "2023-05-10"),
        ("2023-05-10T12:30:00Z", "2023-05-10T12:30:00+00:00"),
        ("2023-05-10 12:30:00", "2023-05-10T12:30:00"),
        ("Tue, 09 May 2023 10:00:00 GMT", "2023-05-09T10:00:00+00:00"),
        ("May 10, 2023", "2023-05-10"),
        ("20230510", "2023-05-10"),
        ("May 10", None),  # no year: never guessed
        ("1850-01-01", None),
        ("yesterday", None),
    ],
)
def test_page_dates_parse_or_are_refused(value: str, expected: str | None) -> None:
    assert parse_page_date(value) == expected


def test_url_dates() -> None:
    assert url_date("https://x.test/2019/08/16/story") == "2019-08-16"
    assert url_date("https://x.test/news/story-20190816.html") == "2019-08-16"
    assert url_date("https://x.test/2019/13/40/story") is None
    assert url_date("https://x.test/item/12345678") is None


# --- HTML rules -------------------------------------------------------------------------


def test_site_pack_html_rules(site_cleaner: Cleaner) -> None:
    record = record_of(site_cleaner, PAGE.encode())
    assert record.extractor == "selector:demo-body"
    assert record.text.splitlines()[0] == "Council approves budget"
    assert PARAS[-1] in record.text
    for chrome in ("Share on Facebook", "Related:", "Home", "© Demo Times", "By Ann Lee"):
        assert chrome not in record.text
    # html_field rules override the page's metadata; the rest comes from the markup.
    assert (record.author, record.date_published) == ("Ann Lee", "2010-05-10T12:00:00+00:00")
    assert record.fields_from["author"] == "demo-author"
    assert record.date_updated == "2010-05-11"
    assert (record.url, record.canonical_url) == (
        "https://www.demo.test/2010/05/10/budget",
        "https://www.demo.test/2010/05/10/budget",
    )
    assert record.fields_from["url"] == "canonical"
    assert record.site == "demo.test"
    fired = {r["rule"]: r for r in record.rules}
    assert fired["demo-chrome"]["edits"] == 2
    assert fired["demo-chrome"]["removed_chars"] > 0


def test_body_selector_matching_nothing_falls_back_to_trafilatura(site_cleaner: Cleaner) -> None:
    page = PAGE.replace('class="story"', 'class="entry"')
    record = record_of(site_cleaner, page.encode())
    assert record.extractor == "trafilatura"
    assert PARAS[0] in record.text
    assert "Share on Facebook" not in record.text  # html_remove still ran before trafilatura


def test_page_no_pack_covers_goes_to_trafilatura(cleaner: Cleaner) -> None:
    record = record_of(cleaner, PAGE.replace("demo.test", "other.test").encode())
    assert record.extractor == "trafilatura"
    assert all(p in record.text for p in PARAS)
    assert "Home" not in record.text
    assert "Related:" not in record.text
    assert record.site == "other.test"
    assert (record.title, record.author) == ("Council approves budget", "Bo Chan")
    assert record.date_published == "2010-05-09T08:00:00+00:00"


def test_input_url_wins_over_canonical(cleaner: Cleaner) -> None:
    record = record_of(cleaner, PAGE.encode(), url="https://mirror.test/a")
    assert (record.url, record.site) == ("https://mirror.test/a", "mirror.test")
    assert record.canonical_url == "https://www.demo.test/2010/05/10/budget"


def test_pages_are_cleaned_deterministically(site_cleaner: Cleaner) -> None:
    first = record_of(site_cleaner, PAGE.encode()).to_dict()
    assert record_of(site_cleaner, PAGE.encode()).to_dict() == first


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "div[",
            "'div[' is not a valid CSS selector: Expected ident or '*', got <EOF at 4> "
            "(soupsieve: Malformed attribute selector at position 3)",
        ),
        (
            "a >> b",
            "'a >> b' is not a valid CSS selector: Expected selector, got <DELIM '>' at 3> "
            "(soupsieve: The combinator '>' at position 3, must have a selector before it)",
        ),
        (
            "p::first-line",
            "'p::first-line' is not a valid CSS selector: Pseudo-elements are not supported. "
            "(soupsieve: Pseudo-element found at position 1)",
        ),
    ],
)
def test_bad_selector_fails_at_load_time(tmp_path: Path, selector: str, message: str) -> None:
    bad = PACK.replace("selector: [.share-bar, aside.related]", f"selector: ['{selector}']")
    (tmp_path / "demo.yaml").write_text(bad, "utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path}/demo.yaml:10: rule 'demo-chrome': {message}"
    ]


def test_html_field_date_needs_a_format_with_a_year(tmp_path: Path) -> None:
    bad = PACK.replace("    date_format: iso\n", "    date_format: '%b %d'\n")
    (tmp_path / "demo.yaml").write_text(bad, "utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert "date_format '%b %d' has no year" in str(info.value)


# An old template: the story is loose in a table cell between two comments, beside the
# template's own boxes; the second comment sits deeper than the first.
OLD_TEMPLATE = """<html><body><table><tr><td>News Home | Top Stories</td>
<td><b>Tuesday August 15 1:23 AM ET</b><font size=5>Crew Is Alive</font>
<!-- TextStart --><p>MOSCOW (Reuters) - The <a href="/k">crew</a> is alive.
<p>Rescue teams have <i>managed</i> to talk to them.<div>He said.<!-- TextEnd --> Email this story
</div><p>Earlier Stories</td></tr></table></body></html>"""


def _comment_body(**options: str) -> HtmlBody:
    return HtmlBody(HtmlBody.Options(**options))


def _lines(text: str | None) -> list[str]:
    assert text is not None
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_html_body_between_comments() -> None:
    soup = rules_tree(OLD_TEMPLATE)
    story = [
        "MOSCOW (Reuters) - The crew is alive.",
        "Rescue teams have managed to talk to them.",
        "He said.",
    ]
    body = _comment_body(start_comment="^ TextStart $", end_comment="TextEnd")
    assert _lines(body.text(soup)) == story
    # Included elements outside the comments come before or after the run, in page order.
    dated = _comment_body(start_comment="TextStart", end_comment="TextEnd", include="b, font")
    assert _lines(dated.text(soup)) == ["Tuesday August 15 1:23 AM ET", "Crew Is Alive", *story]


@pytest.mark.parametrize(
    ("start", "end"),
    [("TextBegin", "TextEnd"), ("TextStart", "TextStop"), ("TextEnd", "TextStart")],
)
def test_html_body_between_comments_needs_both_in_order(start: str, end: str) -> None:
    body = _comment_body(start_comment=start, end_comment=end)
    assert body.text(rules_tree(OLD_TEMPLATE)) is None


def test_comment_body_in_a_pack_and_its_load_errors(tmp_path: Path) -> None:
    pack = PACK.replace(
        "    selector: article.story\n    include: h1\n",
        "    start_comment: '^ story $'\n    end_comment: '^ /story $'\n    include: h1\n",
    ).replace(
        """<article class="story"><p>One.</p></article>'""",
        """<!-- story --><p>One.</p><!-- /story --><p>Two.</p>'""",
    )
    (tmp_path / "demo.test.yaml").write_text(pack, "utf-8")
    cleaner = Cleaner.from_paths([RULES, tmp_path])
    page = PAGE.replace('<article class="story">', "<!-- story -->").replace(
        "</article>", "<!-- /story -->"
    )
    record = record_of(cleaner, page.encode())
    assert record.extractor == "selector:demo-body"
    assert record.text.splitlines()[0] == "Council approves budget"
    assert PARAS[-1] in record.text
    assert "Related:" not in record.text
    for wrong, message in [
        ("    end_comment: '^ /story $'\n", "start_comment and end_comment go together"),
        ("    start_comment: '^ story $'\n", "give exactly one of selector, start_comment"),
    ]:
        (tmp_path / "demo.test.yaml").write_text(pack.replace(wrong, ""), "utf-8")
        with pytest.raises(RuleErrors) as info:
            load_packs([tmp_path])
        assert message in str(info.value)


def test_html_rule_examples_are_run(site_rules: Path) -> None:
    from cleaner.testing import run_examples

    results = run_examples([site_rules])
    assert len(results) == 4
    assert all(r.passed for r in results), [str(r) for r in results if not r.passed]
    broken = (site_rules.parent / "broken").resolve()
    broken.mkdir(exist_ok=True)
    (broken / "demo.yaml").write_text(PACK.replace('output: "Story."', 'output: "Other."'), "utf-8")
    failed = [r for r in run_examples([broken]) if not r.passed]
    assert [f.message for f in failed] == ["expected text 'Other.', got 'Story.'"]


# --- pages built to break the pipeline -------------------------------------------------


def test_truncated_markup_gives_a_record(cleaner: Cleaner) -> None:
    cut = PAGE[: PAGE.index(PARAS[-1]) + 40]
    record = record_of(cleaner, cut.encode())
    assert PARAS[0] in record.text


def test_page_with_no_text_is_rejected_with_a_reason(cleaner: Cleaner) -> None:
    for page in (
        "<html><head><title>x</title><script>var a = 1;</script></head><body> </body></html>",
        "<html><body><div><img src=a.png></div></body></html>",
    ):
        assert codes(clean_page(cleaner, page.encode())) == ["empty_page"]


@pytest.mark.parametrize("data", [b"", b"   \n", bytes(range(256)) * 8])
def test_empty_and_binary_pages_are_rejected(cleaner: Cleaner, data: bytes) -> None:
    assert codes(clean_page(cleaner, data))[0] in ("empty_input", "binary_input")


def _deep(depth: int) -> str:
    return (
        "<html><body>"
        + "<div>" * depth
        + "<h1>Deep headline</h1>"
        + BODY
        + "</div>" * depth
        + "<p>After the deep part, the page goes on with one more sentence.</p></body></html>"
    )


def test_dom_nested_10000_deep_gives_a_record(cleaner: Cleaner, site_cleaner: Cleaner) -> None:
    record = record_of(cleaner, _deep(10_000).encode())
    assert record.extractor == "trafilatura"
    assert all(p in record.text for p in PARAS)
    unclosed = "<html><body>" + "<font><b>" * 5000 + f"<article class='story'>{BODY}</article>"
    record = record_of(site_cleaner, unclosed.encode(), url="https://demo.test/x")
    assert record.extractor == "selector:demo-body"
    assert all(p in record.text for p in PARAS)


def test_page_over_the_size_limit_is_rejected_before_parsing(cleaner: Cleaner) -> None:
    big = (PAGE[: PAGE.index("<article")] + BODY * 150_000 + "</body></html>").encode()
    assert len(big) > 50_000_000
    result = clean_page(cleaner, big)
    assert codes(result) == ["page_too_large"]
    assert isinstance(result, Reject)
    assert "html.max_page_bytes (50,000,000)" in result.reasons[0].message


def test_50_mb_page_within_a_raised_limit_gives_a_record() -> None:
    config = Config.from_mapping({"html": {"max_page_bytes": 64_000_000}}, "<test>")
    cleaner = Cleaner(RuleSet.from_paths([RULES]), config)
    script = "<script>var data = '" + "x" * 50_000_000 + "';</script>"
    page = PAGE.replace("</head>", script + "</head>").encode()
    assert len(page) > 50_000_000
    record = record_of(cleaner, page)
    assert all(p in record.text for p in PARAS)


def test_a_jsonl_page_at_the_page_limit_is_read_though_json_escaping_makes_its_line_longer() -> (
    None
):
    # JSON escapes the page's quotes and line breaks, so its line is longer than the page: the
    # line limit leaves room for that, and the page limit applies to the decoded page.
    limit = 20_000
    config = Config.from_mapping({"html": {"max_page_bytes": limit}}, "<test>")
    cleaner = Cleaner(RuleSet.from_paths([RULES]), config)
    # The article limit is below the page limit here, as the defaults are (16 MiB, 50 MB).
    keys, limits = JsonlKeys(html="html"), Limits(article=1_000, page=limit)
    tail = "</body></html>"
    head = PAGE[: PAGE.index(tail)]
    pad = '<p class="x">"quoted"</p>\n' * ((limit - len(head) - len(tail)) // 26)
    page = head + pad
    page += " " * (limit - len(page) - len(tail)) + tail
    assert len(page) == limit  # a page read from JSON is text: its size is in characters
    for extra, code in ((0, None), (1, "page_too_large")):
        line = json.dumps({"id": "p", "html": page.replace(tail, " " * extra + tail)}) + "\n"
        assert len(line) > limit * 1.1
        (item,) = read_jsonl_stream(io.BytesIO(line.encode()), "s", keys, limits.line(keys))
        assert isinstance(item, RawArticle), item
        result = cleaner.clean(item).result
        if code is None:
            assert isinstance(result, Record), result
            assert all(p in result.text for p in PARAS)
        else:
            assert codes(result) == [code]
            assert "20,001 characters" in result.reasons[0].message
    # A line past the room a page's line gets: rejected as the page it holds, read no further.
    line = json.dumps({"id": "p", "html": "<p>" + '"' * limit + "</p>"}) + "\n"
    (item,) = read_jsonl_stream(io.BytesIO(line.encode()), "s", keys, limits.line(keys))
    assert isinstance(item, Reject), item
    assert [r.code for r in item.reasons] == ["page_too_large"]
    assert "html.max_page_bytes" in item.reasons[0].message


# --- reading pages ----------------------------------------------------------------------


def test_run_reads_html_files_and_gzip(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.html").write_text(PAGE, "utf-8")
    (src / "b.htm").write_bytes(PAGE.replace("utf-8", "iso-8859-1").encode("cp1252"))
    (src / "c.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (src / "d.html.gz").write_bytes(gzip.compress(PAGE.encode())[:-30])
    (src / "e.html").write_text("<html><body></body></html>", "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(src), "-o", str(out), "--rules", str(RULES)]) == 0
    records = [json.loads(x) for x in (out / "articles.jsonl").read_text("utf-8").splitlines()]
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert sorted(r["id"] for r in records) == ["a", "b", "c"]
    assert {r["id"]: r["encoding"] for r in records} == {"a": "utf-8", "b": "cp1252", "c": "utf-8"}
    assert {r["id"]: r["reasons"][0]["code"] for r in rejects} == {
        "d": "unreadable",
        "e": "empty_page",
    }
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["extractors"] == {"trafilatura": 3}
    assert summary["articles_read"] == 5
    assert summary["reconciled"]


def test_run_reads_html_from_a_jsonl_field(tmp_path: Path) -> None:
    lines = [
        {"id": "x1", "url": "https://other.test/a", "html": PAGE, "text": "scraped text"},
        {"id": "x2", "html": 42},
    ]
    src = tmp_path / "pages.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    out = tmp_path / "out"
    args = ["run", str(src), "-o", str(out), "--rules", str(RULES), "--html-key", "html"]
    assert main(args) == 0
    (record,) = [json.loads(x) for x in (out / "articles.jsonl").read_text("utf-8").splitlines()]
    assert (record["id"], record["extractor"], record["site"]) == (
        "x1",
        "trafilatura",
        "other.test",
    )
    assert record["meta"] == {"text": "scraped text"}
    (reject,) = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert reject["reasons"][0] == {
        "code": "bad_jsonl",
        "field": "html",
        "message": "'html' is a int, not a string",
    }


def test_text_records_have_no_extractor(cleaner: Cleaner) -> None:
    text = textwrap.dedent("\n".join(PARAS))
    result = cleaner.clean(RawArticle("t", "t.txt", text)).result
    assert isinstance(result, Record)
    assert (result.extractor, result.canonical_url) == (None, None)
