"""Page types: the fixture outlets' pages and small variants, each decided by the signal its reason names."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline import pagetype
from pipeline.pagetype import (
    ARTICLE,
    CONSENT_WALL,
    LISTING,
    LIVEBLOG,
    MAX_HTML_CHARS,
    PAYWALL,
    VIDEO,
    PageType,
    page_type,
)

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
BASE = "http://127.0.0.1:8765"
KINDS = {ARTICLE, LISTING, VIDEO, LIVEBLOG, CONSENT_WALL, PAYWALL}

KRANT = {
    "krant/nieuws/stadion-stopt-met-gezichtsherkenning-bij-de-poort.html": (ARTICLE, "JSON-LD @type NewsArticle"),
    "krant/tag/privacy.html": (LISTING, "JSON-LD @type CollectionPage"),
    "krant/video/drone-filmt-zonder-toestemming-boven-strand.html": (VIDEO, "JSON-LD @type VideoObject"),
    "krant/liveblog/raadsdebat-over-cameratoezicht.html": (LIVEBLOG, "JSON-LD @type LiveBlogPosting"),
    "krant/nieuws/kabinet-wil-gezichtsherkenning-op-luchthavens.html": (CONSENT_WALL, "privacy gate page title"),
    "krant/nieuws/ziekenhuis-test-toegang-met-handpalmscan.html": (PAYWALL, "JSON-LD isAccessibleForFree false"),
}


def served(path: str) -> str:
    """A fixture page as the fixture server sends it, decoded as the crawler decodes it."""
    raw = (SITES / path).read_bytes().replace(b"{{base}}", BASE.encode())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def url(path: str) -> str:
    return f"{BASE}/{path}"


def doc(body: str, head: str = "", title: str = "Pagina") -> str:
    return f"<!DOCTYPE html><html lang='nl'><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def ld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


def paragraphs(n: int, sentence: str = "Dit is een gewone zin uit de tekst van een nieuwsbericht over de gemeente.") -> str:
    return "".join(f"<p>{sentence} ({i})</p>" for i in range(n))


ARTICLE_BODY = "<main><article><h1>Kop</h1>" + paragraphs(20) + "</article></main>"  # ~1600 characters of text


# -- the fixture outlets -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), KRANT.items(), ids=[Path(p).parent.name for p in KRANT])
def test_krant_pages(path: str, expected: tuple[str, str]) -> None:
    kind, signal = expected
    result = page_type(served(path), url(path))
    assert result.kind == kind, result
    assert signal in result.reason


@pytest.mark.parametrize("path", sorted(str(p.relative_to(SITES)) for p in (SITES / "dagblad" / "artikel").glob("*.html")))
def test_dagblad_articles_are_articles(path: str) -> None:
    # Cookie banner with "Alles accepteren", "Word abonnee" in the header, a "Lees ook" aside: still articles.
    assert page_type(served(path), url(path)).kind == ARTICLE


@pytest.mark.parametrize("name", ["goed.html", "latin1.html", "leeg.html"])
def test_storing_pages_are_articles(name: str) -> None:
    # leeg.html is a script-rendered page titled "Liveblog" with a home-made cookie wall (Akkoord/Weigeren) and no
    # text: nothing structural says live blog or consent wall, so it stays an article and the extractor reports it
    # as a page without text (tests/test_bad_input.py relies on that).
    path = f"storing/artikel/{name}"
    reason = "no other signs" if name == "leeg.html" else "og:type article"
    assert page_type(served(path), url(path)) == PageType(ARTICLE, reason)


def test_the_krant_article_has_a_video_a_lees_ook_list_and_a_consent_manager() -> None:
    html = served("krant/nieuws/stadion-stopt-met-gezichtsherkenning-bij-de-poort.html")
    assert "<video" in html and "Lees ook" in html and 'id="didomi-host"' in html and '"@type": "VideoObject"' in html
    # Without its JSON-LD it is still an article: og:type article, and a run of paragraphs.
    start, end = html.index('<script type="application/ld+json">'), html.index("</script>") + len("</script>")
    assert page_type(html[:start] + html[end:], "").kind == ARTICLE


# -- consent walls -------------------------------------------------------------------------------------------------


def test_redirected_to_a_consent_host() -> None:
    consent = ("https://myprivacy.dpgmedia.nl/consent?siteKey=abc&callbackUrl=https%3A%2F%2Fwww.volkskrant.nl"
               "%2Fprivacygate-confirm%3FredirectUri%3D%252Fnieuws%252Fx~b1%252F")
    assert page_type("", consent) == PageType(CONSENT_WALL, "URL is a consent page (myprivacy.dpgmedia.nl)")
    assert page_type(ARTICLE_BODY, "https://myprivacy.dpgmediagroup.net/consent?siteKey=x").kind == CONSENT_WALL


def test_privacy_gate_without_its_title_by_its_consent_form() -> None:
    html = served("krant/nieuws/kabinet-wil-gezichtsherkenning-op-luchthavens.html").replace("Kustmedia Privacy Gate", "")
    result = page_type(html, url("krant/nieuws/x.html"))
    assert result.kind == CONSENT_WALL and "privacy gate (myprivacy" in result.reason


@pytest.mark.parametrize(
    ("markup", "manager"),
    [
        ('<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk"><p>Wij gebruiken cookies.</p></div></div>',
         "OneTrust"),
        ('<div id="sp_message_container_1234"><iframe id="sp_message_iframe_1234" '
         'src="https://cdn.privacy-mgmt.com/x"></iframe></div>', "Sourcepoint"),
        ('<div id="CybotCookiebotDialog"><p>Deze website gebruikt cookies.</p></div>', "Cookiebot"),
        ('<div class="qc-cmp2-container"></div>', "Quantcast"),
        ('<aside id="usercentrics-root"></aside>', "Usercentrics"),
        ("", "Didomi"),  # only its script
    ],
)
def test_consent_manager_and_no_text(markup: str, manager: str) -> None:
    head = '<script src="https://sdk.privacy-center.org/abc/loader.js"></script>' if manager == "Didomi" else ""
    result = page_type(doc(f"<header><a href='/'>Logo</a></header>{markup}<main></main>", head), "https://krant.example/a")
    assert result.kind == CONSENT_WALL and "consent manager markup" in result.reason and manager in result.reason


def test_consent_manager_over_an_article_is_an_article() -> None:
    markup = '<div id="onetrust-consent-sdk"><p>Wij vragen je toestemming voor cookies.</p><button>Akkoord</button></div>'
    assert page_type(doc(markup + ARTICLE_BODY), "https://krant.example/a").kind == ARTICLE


def test_consent_request_text_and_accept_button_on_an_empty_page() -> None:
    body = ("<div class='muur'><h2>Wij vragen je toestemming</h2><p>Wij en onze partners plaatsen cookies.</p>"
            "<button>Akkoord</button><button>Instellingen</button></div>")
    result = page_type(doc(body), "https://krant.example/nieuws/iets.html")
    assert result.kind == CONSENT_WALL
    assert "consent request" in result.reason and "'Akkoord'" in result.reason


def test_an_article_about_cookie_walls_and_privacy_gates_is_an_article() -> None:
    # This project watches privacy news: the words must not turn such an article into a wall.
    text = paragraphs(12, "De privacy gate van de uitgever vraagt: wij vragen je toestemming, klik op Akkoord of ga weg.")
    body = f"<main><article><h1>Toezichthouder verbiedt cookiewalls</h1>{text}<button>Akkoord</button></article></main>"
    page = doc(body, title="Waarom de Privacy Gate van uitgevers niet mag")
    assert page_type(page, "https://krant.example/a").kind == ARTICLE


# -- paywalls ------------------------------------------------------------------------------------------------------

TEASER = "<main><article><h1>Kop</h1><p class='intro'>De eerste alinea van een stuk voor abonnees, kort gehouden.</p>"


@pytest.mark.parametrize(
    ("wall", "signal"),
    [
        ("<div class='paywall'><p>Word abonnee</p></div>", "paywall container .paywall"),
        ("<div id='remaining-paid-content'></div>", "paywall container #remaining-paid-content"),  # AD and DPG regionals
        ("<section class='upsell'><p>Probeer FD</p></section>", "paywall container .upsell"),  # FD
        ("<div data-auth-root='paywall'></div>", 'paywall container data-auth-root="paywall"'),  # Mediahuis
        ("<div class='pw-wrapper'></div>", "paywall container .pw-wrapper"),  # NDC
        ("<div class='tp-container-inner'><p>Word abonnee voor 1 euro</p></div>",
         "Piano paywall container .tp-container-inner"),
        ("<div class='slot'><p>Log in om verder te lezen.</p></div>", "paywall text 'log in om verder te lezen'"),
    ],
)
def test_paywall_after_a_teaser(wall: str, signal: str) -> None:
    result = page_type(doc(TEASER + wall + "</article></main>"), "https://krant.example/premium/a.html")
    assert result.kind == PAYWALL, result
    assert signal in result.reason


def test_paywall_markers_around_a_whole_article_are_not_a_wall() -> None:
    # A Piano newsletter box, or a "paywall" element that holds the whole text (shown by script), on a free article.
    piano = "<div class='tp-container-inner'><p>Meld je aan voor de nieuwsbrief.</p></div>"
    assert page_type(doc(piano + ARTICLE_BODY), "https://krant.example/a").kind == ARTICLE
    wrapped = "<main><article><h1>Kop</h1><div class='paywall'>" + paragraphs(20) + "</div></article></main>"
    assert page_type(doc(wrapped), "https://krant.example/a").kind == ARTICLE


@pytest.mark.parametrize("value", ["false", '"False"', '"false"'])
def test_json_ld_not_accessible_for_free(value: str) -> None:
    head = ld(f'{{"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": {value}}}')
    result = page_type(doc(TEASER + "</article></main>", head), "https://krant.example/a")
    assert result == PageType(PAYWALL, "JSON-LD isAccessibleForFree false")


def test_json_ld_paywalled_part_present_in_full_is_an_article() -> None:
    # Google's markup for a client-side wall: the text is in the page, hidden by script.
    head = ld('{"@type": "NewsArticle", "isAccessibleForFree": false, '
              '"hasPart": {"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".premium-tekst"}}')
    body = TEASER + "<div class='premium-tekst'>" + paragraphs(20) + "</div></article></main>"
    result = page_type(doc(body, head), "https://krant.example/a")
    assert result.kind == ARTICLE and "is in the page" in result.reason


def test_json_ld_not_free_but_the_text_is_sent_in_full_is_an_article() -> None:
    # Metered sites mark every article not free, and send the whole text until the meter runs out.
    head = ld('{"@type": "NewsArticle", "isAccessibleForFree": false}')
    result = page_type(doc(ARTICLE_BODY, head), "https://krant.example/a")
    assert result.kind == ARTICLE and "the text is in the page" in result.reason


def test_content_tier_locked() -> None:
    head = '<meta property="article:content_tier" content="locked">'
    assert page_type(doc(TEASER + "</article></main>", head), "") == PageType(PAYWALL, "meta article:content_tier locked")


def test_subscribe_links_on_a_free_article_are_not_a_wall() -> None:
    body = "<header><a href='/abonnement'>Word abonnee</a><a href='/login'>Inloggen</a></header>" + ARTICLE_BODY
    assert page_type(doc(body), "https://krant.example/a").kind == ARTICLE


# -- videos --------------------------------------------------------------------------------------------------------


def test_og_type_video() -> None:
    head = '<meta property="og:type" content="video.other">'
    body = "<main><div class='speler'></div><h1>Kijk</h1><p>Korte omschrijving van de beelden.</p></main>"
    assert page_type(doc(body, head), "https://krant.example/a") == PageType(VIDEO, "og:type video.other")


def test_video_player_with_little_text() -> None:
    body = ("<main><h1>Beelden van de storm</h1><iframe src='https://www.youtube-nocookie.com/embed/abc'></iframe>"
            "<p>Zo zag het eruit in de haven.</p></main>")
    result = page_type(doc(body), "https://krant.example/regio/beelden-van-de-storm.html")
    assert result.kind == VIDEO and "video player" in result.reason


def test_article_with_an_embedded_video_stays_an_article() -> None:
    player = "<iframe src='https://www.youtube.com/embed/abc'></iframe><video src='/a.mp4'></video>"
    head = ld('{"@type": "NewsArticle", "video": {"@type": "VideoObject", "name": "x"}}')
    result = page_type(doc(player + ARTICLE_BODY, head), "https://krant.example/a")
    assert result == PageType(ARTICLE, "JSON-LD @type NewsArticle")
    assert page_type(doc(player + ARTICLE_BODY), "https://krant.example/a").kind == ARTICLE  # no metadata at all


def test_a_lone_video_object_over_a_long_text_is_not_a_video() -> None:
    head = ld('{"@type": "VideoObject", "name": "x"}')
    assert page_type(doc(ARTICLE_BODY, head), "https://krant.example/a").kind == ARTICLE


# -- live blogs ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, {"@type": "LiveBlogPosting"}]}',
        '{"@type": ["LiveBlogPosting"], "headline": "x"}',
        '[{"@type": "http://schema.org/LiveBlogPosting"}]',
        '{"@type": "WebPage", "mainEntity": {"@type": "LiveBlogPosting"}}',
        '{"@type": "LiveBlogPosting", "headline": "kapotte JSON",}',  # does not parse: read with a fallback
    ],
)
def test_json_ld_live_blog_variants(data: str) -> None:
    result = page_type(doc(ARTICLE_BODY, ld(data)), "https://krant.example/a")
    assert result.kind == LIVEBLOG and "LiveBlogPosting" in result.reason


@pytest.mark.parametrize("path", ["/liveblog/2516000-debat", "/live/verkiezingen", "/nieuws/liveblog-oekraine"])
def test_live_blog_by_url(path: str) -> None:
    body = "<main><article><h1>Live</h1>" + paragraphs(20) + "</article></main>"
    result = page_type(doc(body, '<meta property="og:type" content="article">'), f"https://krant.example{path}")
    assert result.kind == LIVEBLOG and "URL path" in result.reason


def test_url_does_not_override_a_declared_article() -> None:
    head = ld('{"@type": "NewsArticle"}')
    assert page_type(doc(ARTICLE_BODY, head), "https://krant.example/live/iets").kind == ARTICLE


# -- listings ------------------------------------------------------------------------------------------------------


def teaser_list(n: int, card: str = "div") -> str:
    return "".join(
        f"<{card} class='item'><a href='/nieuws/{i}.html'><h3>Kop van het nieuwsbericht nummer {i}</h3></a>"
        f"<p>Een korte inleiding van het bericht, een zin of twee lang, genoeg voor een teaser.</p></{card}>"
        for i in range(n)
    )


def test_listing_by_headline_links() -> None:
    result = page_type(doc(f"<main><h1>Binnenland</h1>{teaser_list(12)}</main>"), "https://krant.example/binnenland")
    assert result.kind == LISTING and "12 headline links" in result.reason


def test_listing_by_article_cards() -> None:
    cards = "".join(f"<article><a href='/n/{i}'>Kort</a><p>Tekst bij kaart {i}.</p></article>" for i in range(6))
    result = page_type(doc(f"<main>{cards}</main>"), "https://krant.example/overzicht")
    assert result.kind == LISTING and "6 <article> cards" in result.reason


@pytest.mark.parametrize(
    ("path", "signal"),
    [("/tag/privacy", "URL path /tag/"), ("/categorie/binnenland/", "URL path /categorie/"),
     ("/rubriek/tech.html", "URL path /rubriek/"), ("/nieuws?page=3", "URL query page=3"),
     ("/onderwerp/camera-s", "URL path /onderwerp/")],
)
def test_listing_by_url(path: str, signal: str) -> None:
    assert page_type(doc("<main><p>Overzicht</p></main>"), f"https://krant.example{path}") == PageType(LISTING, signal)


def test_json_ld_item_list_in_a_graph() -> None:
    head = ld('{"@graph": [{"@type": "WebSite"}, {"@type": "ItemList", "itemListElement": []}]}')
    assert page_type(doc("<main></main>", head), "https://krant.example/x") == PageType(LISTING, "JSON-LD @type ItemList")


def test_breadcrumbs_and_related_links_do_not_make_an_article_a_listing() -> None:
    head = ld('{"@type": "BreadcrumbList", "itemListElement": []}') + '<meta property="og:type" content="article">'
    related = f"<section class='meer-nieuws'>{teaser_list(10)}</section>"
    short = "<main><article><h1>Kort bericht</h1>" + paragraphs(7) + "</article>" + related + "</main>"
    assert page_type(doc(short, head), "https://krant.example/nieuws/kort.html").kind == ARTICLE
    # Without og:type, a short text still outweighs the related links as long as it is a run of paragraphs.
    assert page_type(doc(short), "https://krant.example/nieuws/kort.html").kind == ARTICLE


def test_slug_words_are_not_url_signals() -> None:
    for path in ("/nieuws/video-toont-aanhouding.html", "/nieuws/live-muziek-in-het-park.html", "/tagesschau/x"):
        assert page_type(doc(ARTICLE_BODY), f"https://krant.example{path}").kind == ARTICLE


# -- hostile input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "", "   \n\t", "<", "</>", "<html", "\x00\x00\x00", "\ud800 lone surrogate", "<p>unclosed <b><i>tags",
        "<?xml version='1.0' encoding='latin-1'?><html><body><p>x</p></body></html>",
        "<html><body>" + "<div>" * 5000 + "diep" + "</div>" * 10 + "</body></html>",
        ld("[" * 50_000 + "]" * 50_000), ld('"just a string"'), ld("12"), ld("null"), ld('{"@type": 7, "@graph": "x"}'),
        ld('{"@type": "NewsArticle", "hasPart": [null, 3, {"isAccessibleForFree": false, "cssSelector": 5}]}'),
        "<script type='application/ld+json'><!--//<![CDATA[ {\"@type\": \"VideoObject\"} //]]>--></script>",
        "<meta property='og:type'><meta name='article:content_tier'><iframe></iframe><a>",
        "<table><tr><td><p>cell<td>cell</table></p></div></span>",
        "\xef\xbb\xbf<html>\u202e<body>\ufeffgek</body></html>",
    ],
)
def test_hostile_html_never_raises(html: str) -> None:
    result = page_type(html, "https://krant.example/a")
    assert result.kind in KINDS and result.reason


def test_bytes_none_and_bad_urls_never_raise() -> None:
    html = b"<html><body><p>x</p></body></html>"
    assert page_type(html, "https://krant.example/a").kind == ARTICLE  # type: ignore[arg-type]
    assert page_type(None, "https://krant.example/a").kind == ARTICLE  # type: ignore[arg-type]
    for bad in ("http://[::1", "", "not a url", "https://krant.example/%zz?page=%%", "javascript:alert(1)"):
        assert page_type(ARTICLE_BODY, bad).kind == ARTICLE


def test_empty_page_is_left_to_the_extractor() -> None:
    assert page_type("", "https://krant.example/a") == PageType(ARTICLE, "no other signs")


def test_an_unexpected_error_is_an_article_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html: str) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(pagetype, "_read", broken)
    result = page_type("<p>x</p>", "https://krant.example/a")
    assert result.kind == ARTICLE and "RuntimeError" in result.reason


def test_huge_pages_are_bounded() -> None:
    # 6 MB of text: only the first MAX_HTML_CHARS are looked at, in reasonable time.
    huge = doc("<main><article>" + paragraphs(60_000) + "</article></main>", '<meta property="og:type" content="article">')
    assert len(huge) > 2 * MAX_HTML_CHARS
    started = time.monotonic()
    assert page_type(huge, "https://krant.example/a").kind == ARTICLE
    assert time.monotonic() - started < 10
    # Half a million links: the element budget stops the walk; the decision stands on what was read.
    links = doc("<main>" + "<a href='/n'>Een kop die lang genoeg is voor een teaser</a>" * 500_000 + "</main>")
    started = time.monotonic()
    result = page_type(links, "https://krant.example/overzicht")
    assert time.monotonic() - started < 10
    assert result.kind == LISTING


def test_json_ld_declared_after_the_cut_is_not_seen() -> None:
    # The bound is real: what comes after MAX_HTML_CHARS does not count.
    late = doc("<main>" + "x" * MAX_HTML_CHARS + ld('{"@type": "LiveBlogPosting"}') + "</main>")
    assert page_type(late, "https://krant.example/a").kind != LIVEBLOG
