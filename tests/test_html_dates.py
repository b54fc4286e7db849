"""Dates and titles of HTML pages, as data: each case is a page (or its body), its URL if any,
and the published date, updated date and title its markup and visible text must give (None:
none; a date is never invented, never after an archive's capture, and an updated date is
never the publication date)."""

from __future__ import annotations

import pytest

from cleaner.html.dom import parse_tree
from cleaner.html.meta import page_meta

_TOOLBAR = (
    '<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id="wm-ipp"><form id="wmtb" '
    'action="/web/form-submit.jsp"><input name="url" value="{url}"><input name="date" '
    'value="{stamp}"></form><div id="wm-ipp-inside">Jan 14, 2015 {shown}</div></div>'
    "<!-- END WAYBACK TOOLBAR INSERT -->"
)
_ARCHIVED_ON = (
    "<!-- FILE ARCHIVED ON 2:41:33 Jul 3, 2005 AND RETRIEVED FROM THE INTERNET ARCHIVE ON "
    "6:02:47 Jan 14, 2015. -->"
)


def _archived(body: str, url: str, stamp: str, shown: str = "") -> str:
    bar = _TOOLBAR.format(url=url, stamp=stamp, shown=shown)
    return f"<html><head><title>T</title></head><body>{bar}{body}</body></html>"


# (page, url, published, updated)
DATE_CASES = [
    # Structured markup first: JSON-LD, then <meta>, then <time pubdate>.
    ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
     '"datePublished": "2023-05-10T09:00:00Z", "dateModified": "2023-05-11"}</script></head>'
     "<body><h1>H</h1><p>May 12, 2023</p></body></html>", None, "2023-05-10T09:00:00+00:00",
     "2023-05-11"),
    # The markup's UTC timestamp is the evening before in the page's own time: the visible
    # date line, earlier, is the page's day.
    ('<html><head><meta name="datePublished" content="2015-01-17T00:11:29+00:00"></head>'
     "<body><h1>Farms held liable</h1><p>By Ann Reporter</p><p>January 16, 2015 7:11 PM</p>"
     "<p>Body.</p></body></html>", None, "2015-01-16", None),
    # A date line above the headline, a bar of share buttons between them.
    ('<html><head><meta name="dcterms.created" content="2015-01-17T02:04:16+00:00"></head><body>'
     "<p>Video</p><p>16 January 2015 Last updated at 21:04 ET</p><p>Share this page</p>"
     + "".join(f"<li>{s}</li>" for s in ("Delicious", "Digg", "Facebook", "reddit", "Email"))
     + "<h1>How do immigrants forge a sense of identity?</h1><p>By John McManus</p><p>Body."
     "</p></body></html>", None, "2015-01-16", None),
    # A visible date the URL's date path confirms beats a markup date that neither shows.
    ('<html><head><meta name="date" content="2000-08-11T15:05:39"></head><body><h1>Grounded'
     "</h1><p>August 14, 2000 Web posted at: 12:35 p.m. EDT</p><p>Body.</p></body></html>",
     "http://www.cnn.com/2000/TRAVEL/08/14/delays/", "2000-08-14", None),
    # A later visible date (an update shown to readers) does not overrule the markup.
    ('<html><head><meta property="article:published_time" content="2021-03-04"></head>'
     "<body><h1>Story</h1><p>March 9, 2021</p><p>Body.</p></body></html>", None,
     "2021-03-04", None),
    ('<html><head><meta property="article:published_time" content="2021-03-04"></head>'
     "<body><h1>H</h1></body></html>", None, "2021-03-04", None),
    # A UTC timestamp late in the evening is the next morning where the page is: a <time>
    # that writes the same instant in the page's own offset gives the day its readers see.
    ('<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting", '
     '"datePublished": "2025-12-18T23:25:38+00:00"}</script></head><body><h1>How close is the'
     ' project?</h1><p>Started by ann, <time datetime="2025-12-19T04:25:38+0500">Yesterday at '
     "4:25 AM</time></p><p>Body.</p></body></html>", None, "2025-12-19T04:25:38+05:00", None),
    # ... not a <time> of another instant (a reply's).
    ('<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting", '
     '"datePublished": "2025-12-18T23:25:38+00:00"}</script></head><body><h1>How close is the'
     ' project?</h1><p>Reply <time datetime="2025-12-19T04:25:39+0500">Yesterday at 4:25 AM'
     "</time></p><p>Body.</p></body></html>", None, "2025-12-18T23:25:38+00:00", None),
    ("<html><body><h1>H</h1><time pubdate datetime=\"2020-02-02\">Feb 2</time></body></html>",
     None, "2020-02-02", None),
    # The visible date line beside the headline, and a publication label.
    ("<html><body><nav>Home</nav><h1>Big news today</h1><div class=byline>By Jane Doe</div>"
     "<div>May 18, 2010 1:50 pm</div><p>Body text of the story.</p></body></html>", None,
     "2010-05-18", None),
    ("<html><body><h1>Story</h1><p>Posted on 12 January 2015</p><p>Text.</p></body></html>",
     None, "2015-01-12", None),
    ("<html><body><h1>Story</h1><p>Published: 3 March 2019 | Updated: 5 March 2019</p>"
     "</body></html>", None, "2019-03-03", "2019-03-05"),
    # A date line the page writes from a script: the default version (last) of the ones a
    # script writes for each edition, not the URL's day.
    (_archived("<h1>Tough fight expected</h1><div><script><!--\nif (location.hostname."
               "indexOf('edition.') != -1) {\n document.write('Saturday, July 2, 2005 Posted: "
               "0417 GMT (1217 HKT)');\n} else {\n document.write('Saturday, July 2, 2005; "
               "Posted: 12:17 a.m. EDT (04:17 GMT)');\n}\n//--></script></div><p>Text.</p>",
               "http://www.cnn.com/2005/POLITICS/07/01/resignation.next/index.html",
               "20050703024133"), None, "2005-07-02", None),
    ("<html><body><h1>Story</h1><script>document.write('<p class=\"timestamp\">August 15, "
     "2000<br> Web posted at: 0329 GMT</p>');</script><script>var x = 'March 3, 2001';"
     "</script><p>Text.</p></body></html>", None, "2000-08-15", None),
    # The headline is found by the chosen title, not by a logo's <h1>, and under a list of top
    # stories that names it first.
    ("<html><head><title>Vice Guide to North Korea - CNN.com</title></head><body><h1>CNN</h1>"
     + "".join(f"<p>Menu {i}</p>" for i in range(8)) + "<p>Vice Guide to North Korea</p>"
     + "".join(f"<p>Menu {i}</p>" for i in range(8, 16)) + "<p>Vice Guide to North Korea</p>"
     "<p>By Shane Smith</p><p>February 10, 2010 8:42 a.m. EST</p><p>Text.</p></body></html>",
     "http://www.cnn.com/2010/WORLD/asiapcf/02/08/vbs.north.korea/index.html", "2010-02-10",
     None),
    # An updated date alone is not the publication date.
    ("<html><body><h1>Story</h1><p>Last updated: June 1, 2004</p><p>Text.</p></body></html>",
     None, None, "2004-06-01"),
    # The URL's date path when the page writes none.
    ("<html><body><h1>Story</h1><p>Text.</p></body></html>",
     "https://example.com/2019/07/04/story.html", "2019-07-04", None),
    # A visible date beats the URL's (a URL's date may be the section's or the upload's).
    ("<html><body><h1>Story</h1><p>July 3, 2019</p><p>Text.</p></body></html>",
     "https://example.com/2019/07/04/story.html", "2019-07-03", None),
    # No year, no date; a date inside a sentence is an event; a list of dates far from the
    # headline is other stories.
    ("<html><body><h1>Story</h1><p>Posted May 10</p><p>Text.</p></body></html>", None, None,
     None),
    ("<html><body><h1>Story</h1><p>The company said on May 3, 2020 that it would close three of "
     "its plants in the north of the country and move the work abroad.</p></body></html>",
     None, None, None),
    ("<html><body><h1>Story</h1><p>One.</p><p>Two.</p><p>Three.</p><p>Four.</p><p>Five.</p>"
     "<p>Six.</p><p>Seven.</p><ul><li>Other story 12 January 2015</li><li>Another 10 December "
     "2014</li></ul></body></html>", None, None, None),
    # A list of recent posts, each with its date, repeats the headline: its date lines are the
    # list's, not the story's (the markup's UTC timestamp is the evening before's next day).
    ('<html><head><meta property="article:published_time" content="2025-12-19T03:05:00+00:00">'
     "</head><body><h1>Are AI Evangelists In Heat?</h1><p>What legends can teach us</p>"
     "<p>December 18, 2025</p><p>Body of the post.</p><h2>Recent posts</h2><p>Game Night</p>"
     "<p>December 19, 2025</p><p>Are AI Evangelists In Heat?</p><p>December 18, 2025</p>"
     "<p>Tuesday Tune</p><p>December 16, 2025</p></body></html>", None, "2025-12-18", None),
    # A forum poster's "Joined" date beside the thread's title is the member's, not the page's.
    ('<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting", '
     '"datePublished": "2025-12-18T23:25:38+00:00"}</script></head><body><h1>How close is it?'
     "</h1><p>Thread starter bw</p><p>bw</p><p>Joined</p><p>Nov 4, 2011</p><p>Messages</p>"
     "<p>65,334</p><p>Body.</p></body></html>", None, "2025-12-18T23:25:38+00:00", None),
    # Microdata: a comment's dates are not the page's; a question says when it was created.
    ('<html itemscope itemtype="https://schema.org/QAPage"><body><div itemprop="mainEntity" '
     'itemscope itemtype="https://schema.org/Question"><h1 itemprop="name">Shortcut?</h1>'
     '<time itemprop="dateCreated" datetime="2012-06-29 10:51:01Z">13 years ago</time><ul>'
     '<li itemprop="comment" itemscope itemtype="https://schema.org/Comment"><div '
     'itemprop="datePublished">2016-03-17 13:23:29 +00:00</div><div itemprop="dateModified">'
     "2016-03-18</div>Try F6.</li></ul></div></body></html>", None,
     "2012-06-29T10:51:01+00:00", None),
    ('<html><body><h1>Post</h1><ul><li itemscope itemtype="http://schema.org/Comment">'
     '<meta itemprop="datePublished" content="2019-01-02">Nice.</li></ul></body></html>',
     None, None, None),
    # A list of recent news (each item with its date) just above the headline, then the
    # story's own date line under it: that line is the story's, not an item of the list.
    ("<html><body><h2>Recent News</h2><p>Board appointed</p><p>12/17/2025</p><p>Exams</p>"
     "<p>12/16/2025</p><p>Obituary</p><p>12/04/2025</p><h1>Consulting firm or carrier?</h1>"
     "<p>03/01/2017 by Ann Writer, Candidate Representative</p><p>Body.</p></body></html>",
     None, "2017-03-01", None),
    # An event's "Date:" far down the body is not the page's: the date line by the headline
    # is; a labelled date near the headline still wins over a bare one.
    ("<html><body><p>October 13, 2025</p><h1>Tech events of next year</h1>"
     + "".join(f"<p>Paragraph {i}.</p>" for i in range(12))
     + "<h2>1. Summit</h2><p>Date: 16-19 March 2026</p><p>Body.</p></body></html>",
     None, "2025-10-13", None),
    ("<html><body><p>October 13, 2025</p><h1>Tech events of next year</h1><p>Intro.</p>"
     "<p>Published: October 14, 2025</p><p>Body.</p></body></html>", None, "2025-10-14", None),
    # Archived captures: the toolbar's timestamps are not the page's, the capture's original
    # URL gives the date path, and nothing after the capture is the page's date.
    (_archived("<h1>Story</h1><p>Text.</p>", "http://www.cnn.com/2005/POLITICS/07/01/a/",
               "20050703024133", "Jul 3, 2005"), None, "2005-07-01", None),
    (_archived("<h1>Story</h1><p>Text.</p>", "http://example.com/story", "20050703024133",
               "Jul 3, 2005"), None, None, None),
    (_archived("<h1>Story</h1><p>Saturday, July 2, 2005</p><p>Text.</p>",
               "http://example.com/story", "20050703024133"), None, "2005-07-02", None),
    (_archived('<h1>Story</h1><p>Posted: March 1, 2031</p>', "http://example.com/story",
               "20050703024133"), None, None, None),
    ('<html><head><meta name="date" content="2031-01-01"></head><body><h1>Story</h1>'
     "<p>Text.</p></body>" + _ARCHIVED_ON + "</html>", None, None, None),
    ("<html><body><h1>Story</h1><p>Text.</p></body></html>",
     "https://web.archive.org/web/20100102030405/http://example.com/2009/12/30/story",
     "2009-12-30", None),
]  # fmt: skip

# (page, url, title)
TITLE_CASES = [
    ("<html><head><title>Headline of the day - ABC News</title></head><body><h1>Headline of the "
     "day</h1></body></html>", "https://abcnews.go.com/x", "Headline of the day"),
    ("<html><head><title>ABC News | Headline of the day</title></head><body></body></html>",
     "https://abcnews.go.com/x", "Headline of the day"),
    # og:title is a teaser; <title> and <h1> agree on the headline.
    ('<html><head><meta property="og:title" content="You will not believe this">'
     "<title>The real headline | Site</title></head><body><h1>The real headline</h1></body>"
     "</html>", "https://site.com/x", "The real headline"),
    # og:title and JSON-LD headline agree; the <h1> is the section name.
    ('<html><head><meta property="og:title" content="Rates rise again">'
     '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Rates rise '
     'again"}</script></head><body><h1>Business</h1></body></html>', None, "Rates rise again"),
    # No agreement: og:title, as before.
    ('<html><head><meta property="og:title" content="One"><title>Two</title></head>'
     "<body><h1>Three</h1></body></html>", None, "One"),
    # No <h1>: the part of the <title> the page writes as a line of its own is the headline.
    ("<html><head><title>BBC NEWS | SCI/TECH | The Earth's Ring of Fire</title></head><body>"
     "<p>Front page</p><p>The Earth's Ring of Fire</p><p>Body.</p></body></html>",
     "http://news.bbc.co.uk/hi/english/sci/tech/newsid_1/1.stm", "The Earth's Ring of Fire"),
    ("<html><head><title>CNN.com - Convention opens - August 15, 2000</title></head><body>"
     "<p>Convention opens</p></body></html>", None, "Convention opens"),
    # A date written after the headline is not part of it.
    ("<html><head><title>Study: Ozone layer has stopped shrinking - Aug 31, 2005</title></head>"
     "<body><p>Front</p></body></html>", None, "Study: Ozone layer has stopped shrinking"),
    ("<html><head><title>Grounded and grumpy? How to avoid delays- August 14, 2000</title>"
     "</head><body></body></html>", None, "Grounded and grumpy? How to avoid delays"),
    # A colon inside a headline is not a separator; an application-name that is the headline
    # is not the site's name.
    ('<html><head><meta property="og:title" content="Police: 2 dead, 1 hurt in mall shooting">'
     '<meta name="application-name" content="Police: 2 dead, 1 hurt in mall shooting">'
     '<meta property="og:site_name" content="Yahoo News"><title>Police: 2 dead, 1 hurt in mall '
     "shooting - Yahoo News</title></head><body><h1>Police: 2 dead, 1 hurt in mall shooting</h1>"
     "</body></html>", "https://news.yahoo.com/police-2-dead.html",
     "Police: 2 dead, 1 hurt in mall shooting"),
    ("<html><head><title>BBC News | SCI/TECH | Sumatra: Caught between two plates</title></head>"
     "<body><p>SCI/TECH</p><p>Sumatra</p><p>Sumatra: Caught between two plates</p><p>Body.</p>"
     "</body></html>", "http://news.bbc.co.uk/hi/english/sci/tech/newsid_778000/778274.stm",
     "Sumatra: Caught between two plates"),
    # The <h1> is the site's logo: the <title> without the site's name.
    ("<html><head><title>A Beginner's Guide to Skincare \u2013 The Southerner</title></head>"
     "<body><h1>The Southerner</h1><p>Body.</p></body></html>", "https://thesoutherner.com/x",
     "A Beginner's Guide to Skincare"),
    # The <h1> retells the markup's titles (written for search engines and shares): the
    # reader's headline is the <h1>.
    ('<html><head><meta property="og:title" content="Health And Nutrition Trends For 2026">'
     "<title>Health And Nutrition Trends For 2026 | Site</title></head><body><h1>Top 10 Health "
     "and Nutrition Trends to Watch</h1></body></html>", "https://site.com/x",
     "Top 10 Health and Nutrition Trends to Watch"),
    # An <h1> that shares no words with the markup's title is another thing (a section, a
    # column's name): the markup's title stays.
    ('<html><head><meta property="og:title" content="Rates rise for the third time this year">'
     "<title>Rates rise for the third time this year</title></head><body><h1>Markets and the "
     "Economy Today</h1></body></html>", None, "Rates rise for the third time this year"),
    ("<html><body><p>No title anywhere.</p></body></html>", None, None),
]  # fmt: skip


@pytest.mark.parametrize(("html", "url", "published", "updated"), DATE_CASES)
def test_html_dates(html: str, url: str | None, published: str | None, updated: str | None) -> None:
    meta = page_meta(parse_tree(html), url, html)
    got = (meta.fields.get("date_published"), meta.fields.get("date_updated"))
    assert got == (published, updated), meta.fields_from


@pytest.mark.parametrize(("html", "url", "title"), TITLE_CASES)
def test_html_titles(html: str, url: str | None, title: str | None) -> None:
    meta = page_meta(parse_tree(html), url, html)
    assert meta.fields.get("title") == title, meta.fields_from


def test_archived_page_takes_its_capture_as_crawl_date() -> None:
    page = _archived("<h1>Story</h1>", "http://example.com/", "20050703024133")
    assert page_meta(parse_tree(page), None).crawl_date == "2005-07-03"
    late = "<html><body><h1>Story</h1></body>" + _ARCHIVED_ON + "</html>"
    assert page_meta(parse_tree(late), None, late).crawl_date == "2005-07-03"
    assert page_meta(parse_tree("<html><body><h1>S</h1></body></html>"), None).crawl_date is None
